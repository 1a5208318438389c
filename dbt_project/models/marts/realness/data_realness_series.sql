-- How real each series a study reads is, over the study's years: per study and series, the
-- region-years with a real value, an interpolated one (between real years), a generated one (demo
-- fill), or none. A study's series: the inputs of its index systems' indicators and every catalogue
-- series quoted in the SQL of its models or the models they read (macro nqp_study_series_rows).
-- data_realness sums it per study. A study whose index systems are city-, county- or firm-level
-- (index_systems.unit_level prefecture_city, county or firm) is counted on the values of that level
-- (int_city_series_values holds all three) and its units; a series it reads only through a model marked
-- config.meta.unit_level (int_gdp_volume_chain: province, the GDP index of its provinces' deflators) on
-- the values and units of that level.
{%- set derived = nqp_derived_series_codes() or [''] %}
with known_series as (
    select series_code from {{ ref('int_series_catalogue') }}  -- catalogue and user series
    union
    select unnest([{{ "'" ~ (derived | join("', '")) ~ "'" }}]) as series_code
),

systems as (
    select * from {{ ref('index_systems') }}
),

quoted_series as (
    {{ nqp_study_series_rows() }}
),

index_inputs as (
    select systems.study, indicators.numerator as series
    from {{ ref('index_indicators') }} as indicators
    inner join systems on indicators.system = systems.system
    where indicators.numerator not like 'index:%'
    union
    select systems.study, indicators.denominator as series
    from {{ ref('index_indicators') }} as indicators
    inner join systems on indicators.system = systems.system
    where indicators.denominator is not null
),

-- each series once per study, with the level it is read at when only models of another level read it
study_series as (
    select
        study,
        series,
        case when bool_and(unit_level is not null) then min(unit_level) end as read_level
    from (
        select quoted_series.study, quoted_series.series, quoted_series.unit_level
        from quoted_series
        inner join known_series on quoted_series.series = known_series.series_code
        union all
        select study, series, null as unit_level from index_inputs
    ) as read_series
    group by study, series
),

-- the level of a study's units: the finest level one of its index systems scores
study_levels as (
    select
        study,
        case
            when bool_or(unit_level = 'firm') then 'firm'
            when bool_or(unit_level = 'county') then 'county'
            when bool_or(unit_level = 'prefecture_city') then 'prefecture_city'
            else 'province'
        end as unit_level
    from systems
    group by study
),

subprovincial_values as (
    select region_code, year, series, value, is_synthetic, is_interpolated, level as unit_level
    from {{ ref('int_city_series_values') }}
),

series_values as (
    select region_code, year, series, value, is_synthetic, is_interpolated, 'province' as unit_level
    from {{ ref('series_values') }}
    union all
    select * from subprovincial_values
),

window_years as (
    select min(year) as first_year, max(year) as last_year
    from series_values
    where unit_level = 'province'
),

system_years as (
    select study, min(year_from) as first_year, max(year_to) as last_year
    from systems
    group by study
),

-- a study's years: those of its index systems, else every year the warehouse holds
study_years as (
    select distinct
        study_series.study,
        coalesce(system_years.first_year, window_years.first_year) as first_year,
        coalesce(system_years.last_year, window_years.last_year) as last_year
    from study_series
    cross join window_years
    left join system_years on study_series.study = system_years.study
),

n_units as (
    select 'province' as unit_level, count(*) as n_regions from {{ ref('regions') }}
    union all
    select unit_level, count(distinct region_code) as n_regions
    from subprovincial_values
    group by unit_level
),

-- the level and units each series of a study is counted on
series_units as (
    select
        study_series.study,
        study_series.series,
        n_units.unit_level,
        n_units.n_regions
    from study_series
    left join study_levels on study_series.study = study_levels.study
    inner join n_units
        on coalesce(study_series.read_level, study_levels.unit_level, 'province') = n_units.unit_level
),

counted as (
    select
        series_units.study,
        series_units.series,
        series_units.unit_level,
        series_units.n_regions,
        study_years.first_year,
        study_years.last_year,
        count(series_values.value) as n_values,
        count(series_values.value) filter (
            where not series_values.is_synthetic and not series_values.is_interpolated
        ) as n_real,
        count(series_values.value) filter (
            where not series_values.is_synthetic and series_values.is_interpolated
        ) as n_interpolated,
        count(series_values.value) filter (where series_values.is_synthetic) as n_generated,
        min(series_values.year) filter (where series_values.value is not null) as first_value_year,
        max(series_values.year) filter (where series_values.value is not null) as last_value_year
    from series_units
    inner join study_years on series_units.study = study_years.study
    left join series_values
        on series_units.series = series_values.series
        and series_units.unit_level = series_values.unit_level
        and series_values.year between study_years.first_year and study_years.last_year
    group by
        series_units.study, series_units.series, series_units.unit_level, series_units.n_regions,
        study_years.first_year, study_years.last_year
)

select
    counted.study,
    counted.series,
    counted.unit_level,
    counted.first_year,
    counted.last_year,
    counted.n_regions * (counted.last_year - counted.first_year + 1) as n_region_years,
    counted.n_values,
    counted.n_real,
    counted.n_interpolated,
    counted.n_generated,
    counted.n_regions * (counted.last_year - counted.first_year + 1) - counted.n_values as n_missing,
    counted.first_value_year,
    counted.last_value_year
from counted
