-- Value added of the three sectors against GDP, where any of the four is real: their sum must be
-- within the tolerance (relative) of GDP. Generated sectors satisfy the identity exactly, so a flag
-- points at a real file (a missing sector, a different vintage, a unit slip).
with sector_values as (
    select region_code, year, series, value, is_synthetic, provenance
    from {{ ref('int_observations_unioned') }}
    where series in ('gdp', 'va_primary', 'va_secondary', 'va_tertiary')
),

by_region_year as (
    select
        region_code,
        year,
        max(case when series = 'gdp' then value end) as gdp,
        sum(case when series <> 'gdp' then value end) as sector_sum,
        count(case when series <> 'gdp' then 1 end) as n_sectors,
        bool_or(not is_synthetic) as any_real,
        string_agg(distinct case when not is_synthetic then replace(provenance, 'real: ', '') end, '; ')
            as real_files
    from sector_values
    group by region_code, year
),

mismatched as (
    select *
    from by_region_year
    where any_real and n_sectors = 3 and gdp > 0
        and abs(sector_sum - gdp) / gdp > {{ nqp_quality('sector_sum', 'tolerance') }}
)

select
    {{ nqp_quality_flag(
        'sector_sum', "'gdp'", 'region_code', 'year', 'sector_sum', 'gdp',
        "'primary + secondary + tertiary value added differ from gdp by ' || " ~ nqp_text('round(100 * (sector_sum - gdp) / gdp, 2)') ~ " || ' %'",
        'real_files', 'null', 'null') }}
from mismatched
