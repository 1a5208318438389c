-- Real values outside the catalogue's plausible range for their series (a typo, a wrong unit, a
-- wrong region row). Generated values are checked by the generator's own tests, not here.
with real_observations as (
    select * from {{ ref('stg_portal__observations') }}
),

catalogue as (
    select series_code, plausible_min, plausible_max from {{ ref('series_catalogue') }}
),

outside_range as (
    select real_observations.*, catalogue.plausible_min, catalogue.plausible_max
    from real_observations
    inner join catalogue on real_observations.series = catalogue.series_code
    where real_observations.value < catalogue.plausible_min
        or real_observations.value > catalogue.plausible_max
)

select
    {{ nqp_quality_flag(
        'plausible_range', 'series', 'region_code', 'year', 'value',
        "case when value < plausible_min then plausible_min else plausible_max end",
        "'outside the plausible range [' || " ~ nqp_text('plausible_min') ~ " || ', ' || " ~ nqp_text('plausible_max') ~ " || '] ' || unit",
        'source_file', 'source_row', 'raw_text') }}
from outside_range
