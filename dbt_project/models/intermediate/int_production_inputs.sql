-- Inputs of the production-function fit and of the misallocation indices (Paper E, Bai & Liu 2018),
-- one row per region-year with output, capital and labour all present:
-- real GDP at constant prices of var production_base_year (the base-year nominal level moved by the
-- chained GDP index, as in int_gdp_volume_chain), the perpetual-inventory capital stock (same prices),
-- employment as labour, and the region's share of the year's nominal GDP summed over the regions present.
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

inputs as (
    select
        real_gdp.region_code,
        real_gdp.year,
        real_gdp.gdp,
        real_gdp.real_gdp,
        capital.capital_stock,
        employment.employment,
        real_gdp.is_synthetic or capital.is_synthetic or employment.is_synthetic as is_synthetic
    from real_gdp
    inner join capital
        on real_gdp.region_code = capital.region_code
        and real_gdp.year = capital.year
    inner join employment
        on real_gdp.region_code = employment.region_code
        and real_gdp.year = employment.year
    where real_gdp.gdp is not null
),

with_shares as (
    select
        region_code,
        year,
        gdp,
        real_gdp,
        capital_stock,
        employment,
        gdp / sum(gdp) over (partition by year) as output_share,
        is_synthetic
    from inputs
)

select * from with_shares
