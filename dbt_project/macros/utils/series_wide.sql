{#
  One row per region-year with one column per named series (long -> wide by conditional
  aggregation, portable across engines), plus `uses_synthetic`: whether any of them is generated.
  `relation` has the long columns region_code, year, series, value, is_synthetic.
#}
{% macro nqp_series_wide(relation, series) -%}
    select
        region_code,
        year,
        {% for name in series -%}
        max(case when series = '{{ name }}' then value end) as {{ name }},
        {% endfor -%}
        max(case when is_synthetic then 1 else 0 end) = 1 as uses_synthetic
    from {{ relation }}
    where series in ('{{ series | join("', '") }}')
    group by region_code, year
{%- endmacro %}
