-- Generated observations, typed. Marked synthetic on every row.
with source as (
    select * from {{ source('raw', 'synthetic_observations') }}
),

typed as (
    select
        {{ observation_value_casts() }},
        cast(generator as {{ dbt.type_string() }}) as generator
    from source
)

select * from typed
