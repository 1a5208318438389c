-- Generated observations, typed. Marked synthetic on every row.
with source as (
    select * from {{ source('raw', 'synthetic_observations') }}
),

typed as (
    select
        cast(region_code as integer) as region_code,
        cast(year as integer) as year,
        cast(series as {{ dbt.type_string() }}) as series,
        cast(value as double) as value,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(provenance as {{ dbt.type_string() }}) as provenance,
        cast(generator as {{ dbt.type_string() }}) as generator
    from source
)

select * from typed
