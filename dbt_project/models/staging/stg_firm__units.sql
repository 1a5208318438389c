-- The firms of the inbox's firm tables, typed: one row per firm (models_py/ingest/firms.py gives each
-- its unit code, 1,000,000,000 + its stock code or 1,100,000,000 + its registration id's rank, and
-- checks that its province, city and name agree in every row; an organisation code joins the credit code
-- containing it, listed in linked_ids). int_units adds them to the catalogue's units.
with source as (
    select * from {{ source('raw', 'firm_units') }}
),

typed as (
    select
        cast(unit_code as integer) as unit_code,
        cast(firm_id as {{ dbt.type_string() }}) as firm_id,
        cast(firm_name as {{ dbt.type_string() }}) as firm_name,
        cast(province_code as integer) as province_code,
        cast(city_code as integer) as city_code,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_row as integer) as source_row,
        cast(linked_ids as {{ dbt.type_string() }}) as linked_ids
    from source
)

select * from typed
