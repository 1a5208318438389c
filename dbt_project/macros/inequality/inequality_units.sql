{#
  Shared plumbing of the inequality macros (coefficient of variation, Theil, Dagum Gini). Each
  macro reads any relation with one row per unit (region, county ...) and partition (`by`, e.g.
  [subject, year]), a `value` column and, for the decompositions, a `group` column (the region
  group of the unit). Rows with a NULL value are left out (a missing observation, not a zero).
#}

{# `k1, k2, ` for a select list (nothing for an empty key list); `prefix` qualifies the columns. #}
{% macro nqp_keys_list(keys, prefix='') -%}
    {%- for key in keys %}{{ prefix }}{{ key }}, {% endfor -%}
{%- endmacro %}

{# `group by k1, k2` (nothing for an empty key list, i.e. one pooled partition). #}
{% macro nqp_group_by(keys, extra=[]) -%}
    {%- set all_keys = keys + extra -%}
    {%- if all_keys %}group by {{ all_keys | join(', ') }}{% endif -%}
{%- endmacro %}

{# Join condition on equal keys; `true` when there are none (cross join of one partition). #}
{% macro nqp_keys_match(left, right, keys) -%}
    {%- if keys -%}
        {%- for key in keys %}{{ left }}.{{ key }} = {{ right }}.{{ key }}{% if not loop.last %} and {% endif %}{% endfor -%}
    {%- else -%}true{%- endif -%}
{%- endmacro %}

{# SQL string expression `'k1=' || k1 || ', k2=' || k2` naming where a bad row is. #}
{% macro nqp_row_label(keys) -%}
    {%- for key in keys %}'{{ key }}=' || {{ nqp_text(key) }}{% if not loop.last %} || ', ' || {% endif %}{% endfor -%}
{%- endmacro %}

{#
  The checked input of a measure: partition keys, `group_code` (when `group` is given), `y` and the
  unit weight `w` (1 when `weight` is none). Stops the query, naming the unit, partition and value:
  on a negative value when `nonnegative` (Theil and Gini are defined for y >= 0), a missing group,
  or a missing or non-positive weight.
#}
{% macro nqp_inequality_units(relation, value, by, unit, measure, group=none, weight=none, nonnegative=true) -%}
    {%- set where_text = nqp_row_label(unit + by) -%}
    select
        {{ nqp_keys_list(by) }}
        {%- if group is not none %}
        {{ nqp_raise_if(group ~ ' is null',
            "'" ~ measure ~ ": no group (" ~ group ~ ") for ' || " ~ where_text ~ " || ' in " ~ relation ~ "'",
            group) }} as group_code,
        {%- endif %}
        {% if nonnegative -%}
        {{ nqp_raise_if(value ~ ' < 0',
            "'" ~ measure ~ " needs values >= 0: " ~ value ~ " = ' || " ~ nqp_text(value) ~ " || ' for ' || "
                ~ where_text ~ " || ' in " ~ relation ~ "'",
            'cast(' ~ value ~ ' as double)') }}
        {%- else -%}
        cast({{ value }} as double)
        {%- endif %} as y,
        {% if weight is not none -%}
        {{ nqp_raise_if('coalesce(' ~ weight ~ ', 0) <= 0',
            "'" ~ measure ~ " needs a positive weight: " ~ weight ~ " = ' || " ~ nqp_text(weight) ~ " || ' for ' || "
                ~ where_text ~ " || ' in " ~ relation ~ "'",
            'cast(' ~ weight ~ ' as double)') }}
        {%- else -%}
        cast(1 as double)
        {%- endif %} as w
    from {{ relation }}
    where {{ value }} is not null
{%- endmacro %}
