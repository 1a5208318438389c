-- A level series that changes by more than max_ratio (or 1 / max_ratio) from one year to the next
-- in the same region: sample-survey counts in 1 % survey years, a break in a compiled series, a value
-- typed in the wrong unit for one year. Rates and indices (%, 上年=100) are not levels and are skipped.
-- Provinces by their chosen observation; cities, counties and firms by each real source's values (a
-- user's city, county or firm table). A firm's threshold is firm_max_ratio: firms jump 5x in a year for
-- real (a merger, a first R&D budget), while a value typed in 元 under a 万元 header is 10,000x.
with real_observations as (
    select
        region_code, 'province' as level, year, series, value, 'chosen' as source_id, source_file, source_row,
        raw_text
    from {{ ref('int_observations_chosen') }}
    union all
    select region_code, level, year, series, value, source_id, source_file, source_row, raw_text
    from {{ ref('int_quality_subprovincial_values') }}
),

level_series as (
    -- catalogue and user series alike: a unit slip in the user's own file is caught the same way
    select series_code from {{ ref('int_series_catalogue') }}
    where unit not in ('%', '上年=100', '指数')
),

with_previous_year as (
    select
        real_observations.*,
        lag(real_observations.value) over (
            partition by real_observations.series, real_observations.region_code, real_observations.source_id
            order by real_observations.year
        ) as previous_value,
        lag(real_observations.year) over (
            partition by real_observations.series, real_observations.region_code, real_observations.source_id
            order by real_observations.year
        ) as previous_year
    from real_observations
    where real_observations.series in (select level_series.series_code from level_series)
),

-- firm_max_ratio's default restates dbt_project.yml's value: it applies when a --vars override of
-- year_on_year_jump leaves the key out (--vars replaces the whole check), so keep the two equal
with_threshold as (
    select
        *,
        case
            when level = 'firm' then {{ nqp_quality('year_on_year_jump', 'firm_max_ratio', default=1000) }}
            else {{ nqp_quality('year_on_year_jump', 'max_ratio') }}
        end as max_ratio
    from with_previous_year
),

jumps as (
    select *, value / previous_value as ratio
    from with_threshold
    where previous_year = year - 1
        and previous_value > 0 and value > 0
        and (value / previous_value > max_ratio or previous_value / value > max_ratio)
)

select
    {{ nqp_quality_flag(
        'year_on_year_jump', 'series', 'region_code', 'year', 'value', 'previous_value',
        "'x' || " ~ nqp_text('round(ratio, 2)') ~ " || ' the ' || " ~ nqp_text('previous_year') ~ " || ' value (threshold ' || " ~ nqp_text('max_ratio') ~ " || ')'",
        'source_file', 'source_row', 'raw_text') }}
from jumps
