-- The files the loader read, typed; the `sources` mart joins this for checksums and load times.
with source as (
    select * from {{ source('raw', 'ingest_files') }}
),

typed as (
    select
        cast(file as {{ dbt.type_string() }}) as file,
        cast(origin as {{ dbt.type_string() }}) as origin,
        cast(kind as {{ dbt.type_string() }}) as kind,
        cast(sha256 as {{ dbt.type_string() }}) as sha256,
        cast(loaded_at as timestamp) as loaded_at,
        cast(database as {{ dbt.type_string() }}) as source_database,
        cast(time_range as {{ dbt.type_string() }}) as source_time_range,
        cast(rows_read as integer) as rows_read,
        cast(cells as integer) as cells,
        cast(empty_cells as integer) as empty_cells,
        cast(placeholder_cells as integer) as placeholder_cells,
        cast(observations as integer) as observations,
        cast(kept as integer) as kept,
        cast(overridden as integer) as overridden,
        cast(unmapped_indicators as {{ dbt.type_string() }}) as unmapped_indicators,
        cast(source_id as {{ dbt.type_string() }}) as source_id,
        cast(national_rows as integer) as national_rows,
        cast(group_rows as integer) as group_rows,
        cast(skipped_rows as integer) as skipped_rows,
        cast(skipped_why as {{ dbt.type_string() }}) as skipped_why,
        cast(user_series as {{ dbt.type_string() }}) as user_series
    from source
)

select * from typed
