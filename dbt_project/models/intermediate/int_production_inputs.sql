-- Inputs of the production-function fit and of the misallocation indices (Paper E, Bai & Liu 2018),
-- one row per region-year with any of output, capital and labour (NULL for an input it lacks;
-- has_all_inputs says whether the fit can use the row):
-- real GDP at constant prices of var production_base_year (the base-year nominal level moved by the
-- chained GDP index, as in int_gdp_volume_chain), the perpetual-inventory capital stock (same prices),
-- employment as labour, and the region's share of the year's nominal GDP summed over the regions,
-- NULL in a year where a region lacks nominal GDP (never a share of the others' sum).
{% set base_year = var('production_base_year') %}

with real_gdp as (
    {{ nqp_real_gdp(base_year) }}
),

employment as (
    select region_code, year, value as employment, is_synthetic
    from {{ ref('int_series_values') }}
    where series = 'employment'
),

capital as (
    select region_code, year, capital_stock, is_synthetic
    from {{ ref('int_capital_stock') }}
),

region_years as (
    select region_code, year from real_gdp
    union
    select region_code, year from capital
    union
    select region_code, year from employment
),

inputs as (
    select
        region_years.region_code,
        region_years.year,
        real_gdp.gdp,
        real_gdp.real_gdp,
        capital.capital_stock,
        employment.employment,
        real_gdp.real_gdp is not null
        and capital.capital_stock is not null
        and employment.employment is not null as has_all_inputs,
        coalesce(real_gdp.is_synthetic, false)
        or coalesce(capital.is_synthetic, false)
        or coalesce(employment.is_synthetic, false) as is_synthetic
    from region_years
    left join real_gdp
        on region_years.region_code = real_gdp.region_code
        and region_years.year = real_gdp.year
    left join capital
        on region_years.region_code = capital.region_code
        and region_years.year = capital.year
    left join employment
        on region_years.region_code = employment.region_code
        and region_years.year = employment.year
),

with_shares as (
    select
        region_code,
        year,
        gdp,
        real_gdp,
        capital_stock,
        employment,
        has_all_inputs,
        gdp / {{ nqp_complete_aggregate('sum', 'gdp', over='partition by year') }} as output_share,
        is_synthetic
    from inputs
)

select * from with_shares
