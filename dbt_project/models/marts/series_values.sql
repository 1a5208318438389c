-- The cleaned long table of every series: one value per region-year-series with its provenance,
-- whether it was generated and whether it was interpolated. What to query for raw-ish data.
with series as (
    select * from {{ ref('int_series_values') }}
),

catalogue as (
    -- catalogue and user series (a user series is named by its indicator text, name_en NULL)
    select series_code, name_zh, name_en from {{ ref('int_series_catalogue') }}
)

select
    series.region_code,
    series.year,
    series.series,
    catalogue.name_zh,
    catalogue.name_en,
    series.value,
    series.unit,
    series.provenance,
    series.is_synthetic,
    series.is_interpolated
from series
left join catalogue on series.series = catalogue.series_code
