-- GDP, population and land-area shares of the two sides of the Hu line per year (Paper D cites
-- 95:5 for GDP and 94:6 for population). Province-level split: regions seed column hu_line_side.
with region_years as (
    select * from {{ ref('int_region_gdp') }}
),

sides as (
    select
        year,
        hu_line_side,
        hu_line_side_zh,
        count(*) as n_regions,
        sum(gdp) as gdp,
        sum(population) as population,
        sum(land_area_km2) as land_area_km2,
        max(case when uses_synthetic then 1 else 0 end) = 1 as uses_synthetic
    from region_years
    group by year, hu_line_side, hu_line_side_zh
)

select
    year,
    hu_line_side,
    hu_line_side_zh,
    n_regions,
    gdp,
    population,
    land_area_km2,
    gdp / sum(gdp) over (partition by year) * 100 as gdp_share_pct,
    population / sum(population) over (partition by year) * 100 as population_share_pct,
    land_area_km2 / sum(land_area_km2) over (partition by year) * 100 as land_area_share_pct,
    (gdp * 10000 / population) as gdp_per_capita,
    (population / land_area_km2) * 10000 as population_density,
    uses_synthetic
from sides
