-- The user series of the last load (inbox indicators nothing maps, loaded as series of their own),
-- typed; raw.user_series is written by the loader asset with raw.portal_observations.
with source as (
    select * from {{ source('raw', 'user_series') }}
),

typed as (
    select
        cast(series_code as {{ dbt.type_string() }}) as series_code,
        cast(indicator_text as {{ dbt.type_string() }}) as indicator_text,
        cast(name_zh as {{ dbt.type_string() }}) as name_zh,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(first_file as {{ dbt.type_string() }}) as first_file
    from source
)

select * from typed
