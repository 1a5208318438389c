-- Shares (catalogue is_share) outside [0, 1] of their whole. The catalogue keeps shares in percent,
-- so the bounds are 0 and 100 there (0 and 1 for a share stored as a fraction, unit other than %).
with real_observations as (
    select * from {{ ref('stg_portal__observations') }}
),

shares as (
    select series_code, case when unit = '%' then 100.0 else 1.0 end as whole
    from {{ ref('series_catalogue') }}
    where is_share
),

outside as (
    select real_observations.*, shares.whole
    from real_observations
    inner join shares on real_observations.series = shares.series_code
    where real_observations.value < 0 or real_observations.value > shares.whole
)

select
    {{ nqp_quality_flag(
        'share_bounds', 'series', 'region_code', 'year', 'value', 'whole',
        "'a share outside [0, ' || " ~ nqp_text('whole') ~ " || ']'",
        'source_file', 'source_row', 'raw_text') }}
from outside
