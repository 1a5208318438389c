-- Labels of the inbox tables' attribute columns (行业代码, 产权性质 … or inbox.yml attributes:), typed: one
-- row per unit, year and attribute (models_py/ingest/attributes.py keeps the first place a label was read
-- and stops the load on two different labels for one unit-year); year is NULL for a table without a year.
with source as (
    select * from {{ source('raw', 'unit_attributes') }}
),

typed as (
    select
        cast(unit_code as integer) as unit_code,
        cast(year as integer) as year,
        cast(attribute as {{ dbt.type_string() }}) as attribute,
        cast(value as {{ dbt.type_string() }}) as value,
        {{ observation_lineage_casts(with_sheet=true) }}
    from source
)

select * from typed
