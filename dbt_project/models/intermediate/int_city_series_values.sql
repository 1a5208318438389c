-- One value per city-, county- or firm-year-series: the user's own city, county and firm tables (inbox)
-- before a shipped city table, before the generated demo panel (city_demo), by source_registry.default_rank.
-- Same columns as int_series_values, so the index layer reads provinces, cities, counties and firms alike
-- (region_code = unit code), plus the unit's level (int_units), which every reader that tells cities,
-- counties and firms apart takes from here.
with candidates as (
    select * from {{ ref('stg_city__observations') }}
),

sources as (
    select source_id, default_rank from {{ ref('source_registry') }}
),

units as (
    select unit_code, level from {{ ref('int_units') }}
),

ranked as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.region_code, candidates.year, candidates.series
            order by sources.default_rank, candidates.source_id
        ) as choice_order
    from candidates
    inner join sources on candidates.source_id = sources.source_id
)

select
    ranked.region_code,
    units.level,
    ranked.year,
    ranked.series,
    ranked.value,
    ranked.unit,
    ranked.provenance,
    ranked.is_synthetic,
    false as is_interpolated
from ranked
-- a left join: a code the catalogue does not know keeps its row and fails the tests on level and
-- region_code instead of disappearing
left join units on ranked.region_code = units.unit_code
where ranked.choice_order = 1
