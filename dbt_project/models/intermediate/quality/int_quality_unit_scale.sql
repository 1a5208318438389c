-- A value max_ratio times (or 1 / max_ratio) the median of the other regions' values of the same
-- series and year: the signature of a wrong unit (万元 read as 亿元 is 10,000x). Regions differ by
-- two orders of magnitude at most in every catalogue series, so 1,000x is never a real difference.
-- A city or county value (a user's city or county table) is compared with the other units of its
-- level (the generated city demo panel included), never with provinces. Firms are not compared: a
-- firm's size differs from the median firm's by more than 1,000x for real (year_on_year_jump checks
-- each firm against its own past instead).
with real_observations as (
    select region_code, 'province' as level, year, series, value, source_file, source_row, raw_text
    from {{ ref('stg_portal__observations') }}
    union all
    select region_code, level, year, series, value, source_file, source_row, raw_text
    from {{ ref('int_quality_subprovincial_values') }}
    where level <> 'firm'
),

level_series as (
    -- catalogue and user series alike: a unit slip in the user's own file is caught the same way
    select series_code from {{ ref('int_series_catalogue') }}
    where unit not in ('%', '上年=100', '指数')
),

all_values as (
    select region_code, 'province' as level, year, series, value from {{ ref('int_observations_unioned') }}
    union all
    select region_code, level, year, series, value from {{ ref('int_city_series_values') }}
    where level <> 'firm'  -- firms are neither checked nor anyone's neighbours
),

neighbours as (
    select
        real_observations.region_code, real_observations.year, real_observations.series,
        median(all_values.value) as neighbour_median
    from real_observations
    inner join all_values
        on real_observations.series = all_values.series
        and real_observations.year = all_values.year
        and real_observations.level = all_values.level
        and real_observations.region_code <> all_values.region_code
    group by real_observations.region_code, real_observations.year, real_observations.series
),

off_scale as (
    select real_observations.*, neighbours.neighbour_median
    from real_observations
    inner join neighbours
        on real_observations.region_code = neighbours.region_code
        and real_observations.year = neighbours.year
        and real_observations.series = neighbours.series
    where real_observations.series in (select level_series.series_code from level_series)
        and neighbours.neighbour_median > 0 and real_observations.value > 0
        and (
            real_observations.value / neighbours.neighbour_median
            > {{ nqp_quality('unit_scale', 'max_ratio') }}
            or neighbours.neighbour_median / real_observations.value
            > {{ nqp_quality('unit_scale', 'max_ratio') }}
        )
)

select
    {{ nqp_quality_flag(
        'unit_scale', 'series', 'region_code', 'year', 'value', 'neighbour_median',
        "'x' || " ~ nqp_text('round(value / neighbour_median, 4)') ~ " || ' the median of the other regions in ' || " ~ nqp_text('year') ~ " || ' (wrong unit? threshold " ~ nqp_quality('unit_scale', 'max_ratio') ~ ")'",
        'source_file', 'source_row', 'raw_text') }}
from off_scale
