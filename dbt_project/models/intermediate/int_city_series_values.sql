-- One value per city- or county-year-series: the user's own city and county tables (inbox) before a
-- shipped city table, before the generated demo panel (city_demo), by source_registry.default_rank.
-- Same columns as int_series_values, so the index layer reads provinces, cities and counties alike
-- (region_code = unit code, its level in int_units).
with candidates as (
    select * from {{ ref('stg_city__observations') }}
),

sources as (
    select source_id, default_rank from {{ ref('source_registry') }}
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
    region_code,
    year,
    series,
    value,
    unit,
    provenance,
    is_synthetic,
    false as is_interpolated
from ranked
where choice_order = 1
