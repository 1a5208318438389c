{#
  One row per region-year with an index system's total score (index_scores, level 'total') named
  `column`: how a study panel reads its index (nqp, or a component such as the digital-economy index).
#}
{% macro nqp_index_total(system, column) -%}
    select region_code, year, score as {{ column }}
    from {{ ref('index_scores') }}
    where system = '{{ system }}' and level = 'total'
{%- endmacro %}
