{#
  Real GDP of every region-year at constant prices of `base_year`: the base-year nominal level moved
  by the chained GDP index (int_gdp_volume_chain), gdp_b * volume_chain_t / volume_chain_b.
  Columns: region_code, year, gdp (nominal), real_gdp, is_synthetic.
#}
{% macro nqp_real_gdp(base_year) -%}
    select
        volume_chain.region_code,
        volume_chain.year,
        volume_chain.gdp,
        base_year.gdp * volume_chain.volume_chain / base_year.volume_chain as real_gdp,
        volume_chain.is_synthetic
    from {{ ref('int_gdp_volume_chain') }} as volume_chain
    inner join {{ ref('int_gdp_volume_chain') }} as base_year
        on volume_chain.region_code = base_year.region_code
        and base_year.year = {{ base_year }}
{%- endmacro %}
