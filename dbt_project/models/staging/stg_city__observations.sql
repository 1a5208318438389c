-- Observations below the provinces, typed: the inbox's city and county tables and the generated city
-- demo panel (source_id city_demo, is_synthetic). One row per unit-year-series and source;
-- int_city_series_values picks one per unit-year-series.
with source as (
    select * from {{ source('raw', 'city_observations') }}
),

typed as (
    select
        {{ observation_value_casts() }},
        {{ observation_lineage_casts() }},
        cast(source_id as {{ dbt.type_string() }}) as source_id,
        source_id = 'city_demo' as is_synthetic
    from source
)

select * from typed
