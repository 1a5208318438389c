-- Real observations, typed; lineage kept so any value can be traced to its file, row and cell.
-- One row per region-year-series and source: the choice between sources is int_observations_chosen.
with source as (
    select * from {{ source('raw', 'portal_observations') }}
),

typed as (
    select
        cast(region_code as integer) as region_code,
        cast(year as integer) as year,
        cast(series as {{ dbt.type_string() }}) as series,
        cast(value as double) as value,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(provenance as {{ dbt.type_string() }}) as provenance,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_sheet as {{ dbt.type_string() }}) as source_sheet,
        cast(source_row as integer) as source_row,
        cast(source_column as {{ dbt.type_string() }}) as source_column,
        cast(raw_text as {{ dbt.type_string() }}) as raw_text,
        cast(indicator_text as {{ dbt.type_string() }}) as indicator_text,
        cast(unit_factor as double) as unit_factor,
        cast(parsed_value as double) as parsed_value,
        cast(source_unit as {{ dbt.type_string() }}) as source_unit,
        cast(source_kind as {{ dbt.type_string() }}) as source_kind,
        cast(source_database as {{ dbt.type_string() }}) as source_database,
        cast(source_time_range as {{ dbt.type_string() }}) as source_time_range,
        cast(source_id as {{ dbt.type_string() }}) as source_id
    from source
)

select * from typed
