-- Every region-year-series where two or more real sources give values that differ by more than
-- 1e-9 relative (vintages, revisions, units): the spread, each source's value and the chosen one.
-- Keys where the sources agree are not listed (their count: n_sources > 1 in
-- int_observations_chosen). Each source's value, one row per source: source_disagreement_values.
with candidates as (
    select region_code, year, series, source_id, value, unit
    from {{ ref('stg_portal__observations') }}
),

chosen as (
    select region_code, year, series, source_id, value, choice_rule
    from {{ ref('int_observations_chosen') }}
    where n_sources > 1
),

spread as (
    select
        region_code,
        year,
        series,
        min(unit) as unit,
        count(*) as n_sources,
        string_agg(source_id || '=' || cast(value as {{ dbt.type_string() }}), '; ' order by source_id)
            as source_values,
        min(value) as min_value,
        max(value) as max_value,
        arg_min(source_id, value) as min_source,
        arg_max(source_id, value) as max_source
    from candidates
    group by region_code, year, series
    having count(*) > 1
),

disagreements as (
    select
        spread.region_code,
        spread.year,
        spread.series,
        spread.unit,
        spread.n_sources,
        spread.source_values,
        spread.min_source,
        spread.min_value,
        spread.max_source,
        spread.max_value,
        chosen.source_id as chosen_source,
        chosen.value as chosen_value,
        chosen.choice_rule,
        (spread.max_value - spread.min_value)
        / nullif(least(abs(spread.max_value), abs(spread.min_value)), 0) as relative_difference
    from spread
    inner join chosen
        on spread.region_code = chosen.region_code
        and spread.year = chosen.year
        and spread.series = chosen.series
    where spread.max_value - spread.min_value
        > 1e-9 * greatest(abs(spread.max_value), abs(spread.min_value))
)

select * from disagreements
