{#
  One row per region-year with an index system's score under each of `methods`
  (index_scores_by_method), named `<variable>_<method>` (e.g. nqp_equal, nqp_critic): the columns a
  study panel carries so its baseline can be re-estimated with the index under another weighting
  (config.meta.robustness of the panel YAML). `level` / `dimension` pick a dimension score instead of
  the total.
#}
{% macro nqp_scores_by_method(system, variable, methods, level='total', dimension=none) -%}
    select
        region_code,
        year,
        {% for method in methods -%}
        max(case when method = '{{ method }}' then score end) as {{ variable }}_{{ method }}{{ ',' if not loop.last }}
        {% endfor -%}
    from {{ ref('index_scores_by_method') }}
    where system = '{{ system }}'
        and level = '{{ level }}'
        {%- if dimension %} and dimension = '{{ dimension }}'{% endif %}
    group by region_code, year
{%- endmacro %}
