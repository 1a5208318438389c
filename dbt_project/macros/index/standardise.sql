{#
  Direction-aware min-max standardisation (Paper B eq. 1-2), within each scope and indicator:
    positive: (x - min) / (max - min) + shift      negative: (max - x) / (max - min) + shift
  computed in the anchored form z = (x - anchor) * signed_inverse_range + shift (anchor = min and
  signed_inverse_range = 1 / R for a positive indicator, max and -1 / R for a negative one), so the
  extreme value standardises to exactly `shift` and a row costs one subtraction and one
  multiply-add: no string comparison and no division per row.
  `inputs` has the `scope` columns (possibly none: one pooled scope), `indicator`, `direction`
  ('positive' / 'negative'), `value`, and any unit columns (passed through). `shift` is a constant
  or a column of `inputs` (constant within a scope). A missing value stays missing.
#}

{#
  One row per scope and indicator: range of the values, shift, direction, the standardisation map
  (anchor, signed_inverse_range), and a stop for what cannot be weighted. The map is computed here,
  on the few aggregated rows, so that a join of the values to the ranges costs no per-row CASE or
  division. A constant shift is written as such (a double, so the rows joined to it need no cast),
  not aggregated over the rows; a negative shift stops the build (z ln z is undefined below 0).

  The direction of each indicator comes from one of two places:
  - `directions` (a relation with `direction_keys` (default: the scope columns and `indicator`) and
    `direction`, e.g. the index catalogue with ['system', 'indicator']): joined to the aggregated
    rows, so the pass over the values reads no direction at all (on 10^8 rows the per-row direction
    costs a fifth of this pass). An indicator of the values that the relation does not name, or names
    with two directions, stops the build.
  - otherwise the `direction` column of `inputs`, aggregated as a count of negative rows (a boolean
    cast to an integer: a string max costs twice the range itself, a CASE per row 5 % of it); an
    indicator marked both positive and negative in a scope stops the build.
#}
{% macro nqp_indicator_ranges(inputs, scope, shift=0, directions=none, direction_keys=none) -%}
    {%- set keys = scope + ['indicator'] -%}
    select
        {{ keys | join(', ') }},
        direction,
        min_value,
        max_value,
        n_units,
        {{ nqp_raise_if(
            'shift < 0',
            "'the shift of scope ' || " ~ nqp_scope_label(scope)
                ~ " || ' is ' || " ~ nqp_text('shift')
                ~ " || ': it must be 0 or positive (z ln z is undefined for a negative z)'",
            'shift'
        ) }} as shift,
        value_range,
        case when direction = 'negative' then max_value else min_value end as anchor,
        case when direction = 'negative' then -1 / value_range else 1 / value_range end as signed_inverse_range
    from (
        {%- if directions is not none %}
        {%- set direction_keys = direction_keys if direction_keys is not none else keys %}
        select
            {% for key in keys %}value_ranges.{{ key }},
            {% endfor -%}
            {{ nqp_raise_if(
                'declared.direction is null or declared.direction <> declared.other_direction'
                    ~ " or declared.direction not in ('positive', 'negative')",
                "'indicator ' || value_ranges.indicator || ' of scope ' || "
                    ~ nqp_scope_label(scope, 'value_ranges')
                    ~ " || ' has ' || case when declared.direction is null then 'no direction'"
                    ~ " else 'direction ' || declared.direction || case when declared.direction <> declared.other_direction"
                    ~ " then ' and ' || declared.other_direction else '' end end"
                    ~ " || ' in " ~ directions | string | replace("'", "''") ~ "'"
                    ~ " || '; give it one direction, positive or negative'",
                'declared.direction'
            ) }} as direction,
            value_ranges.min_value,
            value_ranges.max_value,
            value_ranges.n_units,
            value_ranges.shift,
            value_ranges.value_range
        from ({{ nqp_value_ranges(inputs, scope, shift, with_direction=false) }}) as value_ranges
        left join (
            select
                {{ direction_keys | join(', ') }},
                min(direction) as direction,
                max(direction) as other_direction
            from {{ directions }}
            group by {{ direction_keys | join(', ') }}
        ) as declared
            on {{ nqp_join_keys('value_ranges', 'declared', direction_keys) }}
        {%- else %}
        {{ nqp_value_ranges(inputs, scope, shift, with_direction=true) }}
        {%- endif %}
    ) as indicator_ranges
{%- endmacro %}


{# The one pass over the values of nqp_indicator_ranges: min, max, count, shift and range per scope and
   indicator (and the direction aggregated from the rows, `with_direction`). #}
{% macro nqp_value_ranges(inputs, scope, shift, with_direction) -%}
    {%- set keys = scope + ['indicator'] -%}
    {%- set is_negative = "cast(direction = 'negative' as integer)" -%}
        select
            {{ keys | join(', ') }},
            {%- if with_direction %}
            {#- negative rows: none (positive), all (negative), or some (an error) -#}
            {{ nqp_raise_if(
                'sum(' ~ is_negative ~ ') between 1 and count(*) - 1',
                "'indicator ' || indicator || ' is both positive and negative in scope ' || "
                    ~ nqp_scope_label(scope)
                    ~ " || '; give it one direction in the index catalogue'",
                "case when sum(" ~ is_negative ~ ") > 0 then 'negative' else 'positive' end"
            ) }} as direction,
            {%- endif %}
            min(value) as min_value,
            max(value) as max_value,
            count(value) as n_units,
            {% if shift is number %}cast({{ shift }} as double){% else %}max({{ shift }}){% endif %} as shift,
            {#- fewer than two distinct values (constant, a single unit, or all missing): no entropy weight -#}
            {{ nqp_raise_if(
                'not coalesce(max(value) > min(value), false)',
                "'indicator ' || indicator || ' cannot be weighted in scope ' || "
                    ~ nqp_scope_label(scope)
                    ~ " || ': it is constant or missing over the sample (' || " ~ nqp_text('count(value)')
                    ~ " || ' values, min = ' || " ~ nqp_text('min(value)')
                    ~ " || ', max = ' || " ~ nqp_text('max(value)')
                    ~ " || '); remove it from the index catalogue or widen the sample'",
                'max(value) - min(value)'
            ) }} as value_range
        from {{ inputs }}
        group by {{ keys | join(', ') }}
{%- endmacro %}


{# The standardised value of `value` under the row `ranges` (a relation alias of nqp_indicator_ranges). #}
{% macro nqp_standardised_value(value, ranges) -%}
    (({{ value }} - {{ ranges }}.anchor) * {{ ranges }}.signed_inverse_range + {{ ranges }}.shift)
{%- endmacro %}


{# `ranges`: a relation from nqp_indicator_ranges over the same inputs, or none to compute them here. #}
{% macro nqp_standardise(inputs, scope, shift=0, ranges=none) -%}
    {%- set keys = scope + ['indicator'] -%}
    select
        inputs.*,
        {{ nqp_standardised_value('inputs.value', 'ranges') }} as standardised
    from {{ inputs }} as inputs
    inner join {% if ranges %}{{ ranges }}{% else %}({{ nqp_indicator_ranges(inputs, scope, shift) }}){% endif %} as ranges
        on {{ nqp_join_keys('inputs', 'ranges', keys) }}
{%- endmacro %}


{# 'a/b/c' rendering of the scope values of a group, for messages ('pooled' without scope); the columns
   of `relation` if given. #}
{% macro nqp_scope_label(scope, relation=none) -%}
    {%- if scope | length == 0 -%}
        'pooled'
    {%- else -%}
        {%- for column in scope -%}
            {{ nqp_text(relation ~ '.' ~ column if relation else column) }}{% if not loop.last %} || '/' || {% endif %}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{# `left.k1 = right.k1 and ...` for a join on several keys. #}
{% macro nqp_join_keys(left, right, keys) -%}
    {%- for key in keys %}{{ left }}.{{ key }} = {{ right }}.{{ key }}{% if not loop.last %} and {% endif %}{% endfor -%}
{%- endmacro %}
