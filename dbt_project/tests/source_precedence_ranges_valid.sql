-- Year ranges of seeds/reference/source_precedence.csv: year_from <= year_to, and two rows of one
-- series and source never overlap (a year would have two ranks for the same source).
with ranges as (
    select series, source_id, year_from, year_to, rank
    from {{ ref('source_precedence') }}
),

reversed_ranges as (
    select series, source_id, year_from, year_to, 'year_from after year_to' as problem
    from ranges
    where year_from > year_to
),

overlapping_ranges as (
    select
        earlier.series,
        earlier.source_id,
        earlier.year_from,
        earlier.year_to,
        'overlaps the row from ' || cast(later.year_from as {{ dbt.type_string() }}) as problem
    from ranges as earlier
    inner join ranges as later
        on earlier.series = later.series
        and earlier.source_id = later.source_id
        and earlier.year_from < later.year_from
        and earlier.year_to >= later.year_from
)

select * from reversed_ranges
union all
select * from overlapping_ranges
