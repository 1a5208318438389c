-- What each series came from: one row per series and source (a file, or the generator), with the
-- source id, the values it gives and those used after the choice between sources, the years and
-- regions it covers, the export's own metadata, unit conversion, checksum and load time.
-- `origin = 'synthetic'` rows are the series (or years) still generated.
with loaded as (
    select * from {{ ref('int_observations_unioned') }}
),

real_lineage as (
    select * from {{ ref('stg_portal__observations') }}
),

files as (
    select * from {{ ref('stg_ingest__files') }}
),

chosen_by_file as (
    select series, source_file, count(*) as n_values
    from {{ ref('int_observations_chosen') }}
    group by series, source_file
),

real_by_file as (
    select
        series,
        source_file,
        min(source_id) as source_id,
        min(indicator_text) as indicator_text,
        count(distinct indicator_text) as n_indicator_texts,
        min(source_kind) as source_kind,
        min(source_sheet) as source_sheet,
        min(source_unit) as source_unit,
        min(unit) as unit,
        min(unit_factor) as unit_factor,
        max(unit_factor) as unit_factor_max,
        min(source_database) as source_database,
        min(source_time_range) as source_time_range,
        count(*) as n_candidates,
        count(distinct region_code) as n_regions,
        min(year) as first_year,
        max(year) as last_year
    from real_lineage
    group by series, source_file
),

synthetic_by_series as (
    select
        series,
        min(unit) as unit,
        count(*) as n_values,
        count(distinct region_code) as n_regions,
        min(year) as first_year,
        max(year) as last_year
    from loaded
    where is_synthetic
    group by series
),

real_sources as (
    select
        real_by_file.series,
        files.origin,
        real_by_file.source_id,
        real_by_file.source_file,
        real_by_file.source_kind,
        real_by_file.source_sheet,
        real_by_file.indicator_text,
        real_by_file.source_database,
        real_by_file.source_time_range,
        real_by_file.source_unit,
        real_by_file.unit,
        real_by_file.unit_factor,
        coalesce(chosen_by_file.n_values, 0) as n_values,
        real_by_file.n_candidates,
        real_by_file.n_regions,
        real_by_file.first_year,
        real_by_file.last_year,
        files.sha256,
        files.loaded_at
    from real_by_file
    left join files on real_by_file.source_file = files.file
    left join chosen_by_file
        on real_by_file.series = chosen_by_file.series
        and real_by_file.source_file = chosen_by_file.source_file
),

synthetic_sources as (
    select
        series,
        'synthetic' as origin,
        'synthetic' as source_id,
        cast(null as {{ dbt.type_string() }}) as source_file,
        'generator' as source_kind,
        cast(null as {{ dbt.type_string() }}) as source_sheet,
        cast(null as {{ dbt.type_string() }}) as indicator_text,
        cast(null as {{ dbt.type_string() }}) as source_database,
        cast(null as {{ dbt.type_string() }}) as source_time_range,
        cast(null as {{ dbt.type_string() }}) as source_unit,
        unit,
        cast(1 as double) as unit_factor,
        n_values,
        n_values as n_candidates,
        n_regions,
        first_year,
        last_year,
        cast(null as {{ dbt.type_string() }}) as sha256,
        cast(null as timestamp) as loaded_at
    from synthetic_by_series
)

select * from real_sources
union all
select * from synthetic_sources
