{#
  Direction-aware min-max standardisation (Paper B eq. 1-2), within each scope and indicator:
    positive: (x - min) / (max - min) + shift      negative: (max - x) / (max - min) + shift
  `inputs` has the `scope` columns, `indicator`, `direction` ('positive' / 'negative'), `value`,
  and any unit columns (passed through). A missing value stays missing. An indicator with fewer than
  two distinct values in a scope cannot be weighted: the query stops with a message naming it.
#}
{% macro nqp_standardise(inputs, scope, shift=0) -%}
    {%- set keys = scope + ['indicator'] -%}
    select
        inputs.*,
        {{ nqp_raise_if(
            'not (ranges.max_value > ranges.min_value)',
            "'indicator ' || inputs.indicator || ' cannot be weighted in "
                ~ scope | join('/') ~ " ' || "
                ~ nqp_scope_label('inputs', scope)
                ~ " || ': it is constant or missing over the sample (' || " ~ nqp_text('ranges.n_units')
                ~ " || ' values, min = ' || " ~ nqp_text('ranges.min_value')
                ~ " || ', max = ' || " ~ nqp_text('ranges.max_value')
                ~ " || '); remove it from the index catalogue or widen the sample'",
            "(case when inputs.direction = 'negative' then ranges.max_value - inputs.value"
                ~ " else inputs.value - ranges.min_value end)"
                ~ " / (ranges.max_value - ranges.min_value) + " ~ shift
        ) }} as standardised
    from {{ inputs }} as inputs
    inner join (
        select
            {{ keys | join(', ') }},
            min(value) as min_value,
            max(value) as max_value,
            count(value) as n_units
        from {{ inputs }}
        group by {{ keys | join(', ') }}
    ) as ranges
        on {% for key in keys %}inputs.{{ key }} = ranges.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
{%- endmacro %}


{# 'a / b / c' rendering of a row's scope values, for messages. #}
{% macro nqp_scope_label(alias, scope) -%}
    {%- for column in scope -%}
        {{ nqp_text(alias ~ '.' ~ column) }}{% if not loop.last %} || '/' || {% endif %}
    {%- endfor -%}
{%- endmacro %}
