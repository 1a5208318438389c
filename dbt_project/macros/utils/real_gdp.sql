{#
  Real GDP of every region-year at constant prices of `base_year`: the base-year nominal level moved
  by the chained GDP index (int_gdp_volume_chain), gdp_b * (volume_chain_t / volume_chain_b), the chain
  ratio taken first so that real GDP is exactly nominal GDP in the base year.
  Columns: region_code, year, gdp (nominal), real_gdp, is_synthetic.
#}
{% macro nqp_real_gdp(base_year) -%}
    select
        volume_chain.region_code,
        volume_chain.year,
        volume_chain.gdp,
        base_year.gdp * (volume_chain.volume_chain / base_year.volume_chain) as real_gdp,
        volume_chain.is_synthetic
    from {{ ref('int_gdp_volume_chain') }} as volume_chain
    inner join {{ ref('int_gdp_volume_chain') }} as base_year
        on volume_chain.region_code = base_year.region_code
        and base_year.year = {{ base_year }}
{%- endmacro %}


{#
  The implicit GDP deflator of every province-year against `base_year`: nominal over real GDP at
  base-year prices (nqp_real_gdp; exactly 1 in the base year). For values published only in current
  prices below the province (a city's or county's GDP, a firm's output), value / gdp_deflator of its
  province is the value at base-year prices: the usual practice where cities publish no price index of
  their own. is_synthetic: a generated GDP or GDP index of the province in any year from the base year to
  this one (the deflator chains them all).
  Columns: province_code, year, gdp_deflator, is_synthetic.
#}
{% macro nqp_province_gdp_deflator(base_year) -%}
    select
        real_gdp.region_code as province_code,
        real_gdp.year,
        real_gdp.gdp / real_gdp.real_gdp as gdp_deflator,
        bool_or(chained_years.is_synthetic) as is_synthetic
    from ({{ nqp_real_gdp(base_year) }}) as real_gdp
    inner join {{ ref('int_gdp_volume_chain') }} as chained_years
        on real_gdp.region_code = chained_years.region_code
        and chained_years.year between least(real_gdp.year, {{ base_year }})
            and greatest(real_gdp.year, {{ base_year }})
    group by real_gdp.region_code, real_gdp.year, real_gdp.gdp, real_gdp.real_gdp
{%- endmacro %}
