-- Each source's value for every region-year-series where real sources disagree (source_disagreements
-- lists the keys): one row per source, with its difference to the chosen value.
with candidates as (
    select region_code, year, series, source_id, value, unit, source_file, source_row, raw_text
    from {{ ref('stg_portal__observations') }}
),

disagreements as (
    select region_code, year, series, chosen_source, chosen_value
    from {{ ref('source_disagreements') }}
),

values_of_disagreements as (
    select
        candidates.region_code,
        candidates.year,
        candidates.series,
        candidates.source_id,
        candidates.value,
        candidates.unit,
        candidates.source_id = disagreements.chosen_source as is_chosen,
        candidates.value / nullif(disagreements.chosen_value, 0) - 1 as relative_to_chosen,
        candidates.source_file,
        candidates.source_row,
        candidates.raw_text
    from candidates
    inner join disagreements
        on candidates.region_code = disagreements.region_code
        and candidates.year = disagreements.year
        and candidates.series = disagreements.series
)

select * from values_of_disagreements
