-- City-level observations, typed: the inbox's city tables and the generated city demo panel
-- (source_id city_demo, is_synthetic). One row per city-year-series and source; int_city_series_values
-- picks one per city-year-series.
with source as (
    select * from {{ source('raw', 'city_observations') }}
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
        cast(source_row as integer) as source_row,
        cast(source_column as {{ dbt.type_string() }}) as source_column,
        cast(raw_text as {{ dbt.type_string() }}) as raw_text,
        cast(source_id as {{ dbt.type_string() }}) as source_id,
        source_id = 'city_demo' as is_synthetic
    from source
)

select * from typed
