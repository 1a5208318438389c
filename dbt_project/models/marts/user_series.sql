-- The user's own series: inbox indicators that neither inbox.yml, source_mappings.csv nor a catalogue
-- name maps, loaded as real-only series of their own (code user_ + 8 hex of SHA-1 of the indicator
-- text without unit: models_py/ingest/user_series.py). Counts are of the values in the warehouse.
with user_series as (
    select * from {{ ref('stg_ingest__user_series') }}
),

observations as (
    select * from {{ ref('stg_portal__observations') }}
),

loaded as (
    select
        series,
        count(*) as n_values,
        count(distinct region_code) as n_regions,
        min(year) as first_year,
        max(year) as last_year,
        string_agg(distinct source_file, '; ' order by source_file) as source_files
    from observations
    where series in (select user_series.series_code from user_series)
    group by series
)

select
    user_series.series_code,
    user_series.name_zh,
    user_series.indicator_text,
    user_series.unit,
    user_series.first_file,
    loaded.source_files,
    coalesce(loaded.n_values, 0) as n_values,
    coalesce(loaded.n_regions, 0) as n_regions,
    loaded.first_year,
    loaded.last_year
from user_series
left join loaded on user_series.series_code = loaded.series
