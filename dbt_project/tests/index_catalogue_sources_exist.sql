-- Every numerator / denominator of the index catalogue names a known series, derived series,
-- or (index:<system>) a known index system: a typo would otherwise yield an all-missing indicator.
with catalogue as (
    select system, indicator, numerator as source from {{ ref('index_indicators') }}
    union all
    select system, indicator, denominator from {{ ref('index_indicators') }}
    where denominator is not null
),

known_sources as (
    select series_code as source from {{ ref('int_series_catalogue') }}  -- catalogue and user series
    union all
    select distinct series from {{ ref('int_series_derived') }}
    union all
    select 'index:' || system from {{ ref('index_systems') }}
)

select catalogue.*
from catalogue
left join known_sources on catalogue.source = known_sources.source
where known_sources.source is null
