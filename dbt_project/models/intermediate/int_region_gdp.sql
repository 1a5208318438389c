-- GDP, population and GDP per capita per region-year with the region's groups: the one input of
-- Paper D's disparity marts. Years where any of the three is missing are left out.
with region_years as (
    {{ nqp_series_wide(ref('int_series_values'), ['gdp', 'population', 'gdp_per_capita']) }}
),

regions as (
    select
        region_code, name_short, name_en, region3, region4, region4_zh, south_north, hu_line_side,
        hu_line_side_zh, land_area_km2
    from {{ ref('regions') }}
)

select
    region_years.region_code,
    region_years.year,
    regions.name_short,
    regions.name_en,
    regions.region3,
    regions.region4,
    regions.region4_zh,
    regions.south_north,
    regions.hu_line_side,
    regions.hu_line_side_zh,
    regions.land_area_km2,
    region_years.gdp,
    region_years.population,
    region_years.gdp_per_capita,
    region_years.uses_synthetic
from region_years
inner join regions on region_years.region_code = regions.region_code
where region_years.gdp is not null
    and region_years.population is not null
    and region_years.gdp_per_capita is not null
