-- Series derived from several raw series, in the same long shape, so index catalogues and panels
-- can name them like raw series. Each is documented in _intermediate.yml.
with region_years as (
    {{ nqp_series_wide(
        ref('int_series_interpolated'), ['gdp', 'population', 'va_primary', 'va_secondary', 'va_tertiary']
    ) }}
),

regions as (
    select region_code, land_area_km2 from {{ ref('regions') }}
),

derived as (
    select
        region_code, year, 'gdp_per_capita' as series,
        gdp * 10000 / population as value, '元' as unit, uses_synthetic as is_synthetic
    from region_years
    where gdp is not null and population is not null
    union all
    select
        region_code, year, 'industrial_structure_upgrading' as series,
        -- shares of the three sectors' own sum (= GDP by definition within one vintage), so a GDP of
        -- one vintage and value added of another cannot push the index outside [1, 3]
        (1 * va_primary + 2 * va_secondary + 3 * va_tertiary) / (va_primary + va_secondary + va_tertiary)
            as value,
        'index' as unit,
        uses_synthetic as is_synthetic
    from region_years
    where va_primary is not null and va_secondary is not null and va_tertiary is not null
    union all
    select
        region_code, year, 'industrial_structure_advancement' as series,
        va_tertiary / va_secondary as value, 'ratio' as unit, uses_synthetic as is_synthetic
    from region_years
    where va_tertiary is not null and va_secondary is not null
    union all
    select
        region_years.region_code, region_years.year, 'land_area' as series,
        cast(regions.land_area_km2 as double) as value, '平方公里' as unit, false as is_synthetic
    from region_years
    inner join regions on region_years.region_code = regions.region_code
)

select
    region_code,
    year,
    series,
    value,
    unit,
    case when is_synthetic then 'synthetic (derived)' else 'real (derived)' end as provenance,
    is_synthetic,
    false as is_interpolated
from derived
