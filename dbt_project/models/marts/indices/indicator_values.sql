-- Each index indicator's value and its standardised value in the system's scoring scope.
with systems as (
    select * from {{ ref('index_systems') }}
),

standardised as (
    select * from {{ ref('int_index_standardised') }}
)

select
    standardised.system,
    standardised.region_code,
    standardised.year,
    standardised.dimension,
    standardised.sub_dimension,
    standardised.indicator,
    standardised.direction,
    standardised.value,
    standardised.standardised,
    standardised.is_synthetic
from standardised
inner join systems on standardised.system = systems.system
where (systems.score_weighting = 'per_year' and standardised.period_scheme = 'year')
    or (systems.score_weighting <> 'per_year' and standardised.period_scheme = 'pooled')
