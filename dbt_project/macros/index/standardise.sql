{#
  Direction-aware min-max standardisation (Paper B eq. 1-2), within each scope and indicator:
    positive: (x - min) / (max - min) + shift      negative: (max - x) / (max - min) + shift
  `inputs` has the `scope` columns (possibly none: one pooled scope), `indicator`, `direction`
  ('positive' / 'negative'), `value`, and any unit columns (passed through). `shift` is a constant
  or a column of `inputs` (constant within a scope). A missing value stays missing.
#}

{# One row per scope and indicator: range of the values, shift, and a stop for what cannot be weighted. #}
{% macro nqp_indicator_ranges(inputs, scope, shift=0) -%}
    {%- set keys = scope + ['indicator'] -%}
    select
        {{ keys | join(', ') }},
        max(direction) as direction,
        min(value) as min_value,
        max(value) as max_value,
        count(value) as n_units,
        max({{ shift }}) as shift,
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


{# `ranges`: a relation from nqp_indicator_ranges over the same inputs, or none to compute them here. #}
{% macro nqp_standardise(inputs, scope, shift=0, ranges=none) -%}
    {%- set keys = scope + ['indicator'] -%}
    select
        inputs.*,
        (case when inputs.direction = 'negative' then ranges.max_value - inputs.value
            else inputs.value - ranges.min_value end) / ranges.value_range + ranges.shift as standardised
    from {{ inputs }} as inputs
    inner join {% if ranges %}{{ ranges }}{% else %}({{ nqp_indicator_ranges(inputs, scope, shift) }}){% endif %} as ranges
        on {{ nqp_join_keys('inputs', 'ranges', keys) }}
{%- endmacro %}


{# 'a/b/c' rendering of the scope values of a group, for messages ('pooled' without scope). #}
{% macro nqp_scope_label(scope) -%}
    {%- if scope | length == 0 -%}
        'pooled'
    {%- else -%}
        {%- for column in scope -%}
            {{ nqp_text(column) }}{% if not loop.last %} || '/' || {% endif %}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{# `left.k1 = right.k1 and ...` for a join on several keys. #}
{% macro nqp_join_keys(left, right, keys) -%}
    {%- for key in keys %}{{ left }}.{{ key }} = {{ right }}.{{ key }}{% if not loop.last %} and {% endif %}{% endfor -%}
{%- endmacro %}
