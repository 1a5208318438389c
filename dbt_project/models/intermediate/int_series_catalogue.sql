-- Every raw series code a value may carry: the catalogue's series and the user series of the last
-- load. Tests and marts that ask "is this a known series, what is it called" read this, so a user
-- series is checked and named like a catalogue one instead of being dropped by a join.
with catalogue as (
    select series_code, name_zh, name_en, unit, false as is_user_series
    from {{ ref('series_catalogue') }}
),

user_series as (
    select
        series_code,
        name_zh,
        cast(null as {{ dbt.type_string() }}) as name_en,
        unit,
        true as is_user_series
    from {{ ref('stg_ingest__user_series') }}
)

select * from catalogue
union all
select * from user_series
