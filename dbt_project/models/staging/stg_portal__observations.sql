-- Real observations, typed; lineage kept so any value can be traced to its file, row and cell.
-- One row per region-year-series and source: the choice between sources is int_observations_chosen.
with source as (
    select * from {{ source('raw', 'portal_observations') }}
),

typed as (
    select
        {{ observation_value_casts() }},
        {{ observation_lineage_casts(with_sheet=true) }},
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
