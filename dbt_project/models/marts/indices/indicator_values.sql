-- Each index indicator's value and its standardised value in the system's scoring scope, with how
-- real it is: generated, imputed (series interpolation or the system's missing_rule) and how.
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
    standardised.is_synthetic,
    standardised.is_imputed,
    standardised.imputation
from standardised
inner join systems on standardised.system = systems.system
where (systems.score_weighting = 'per_year' and standardised.period_scheme = 'year')
    or (systems.score_weighting <> 'per_year' and standardised.period_scheme = 'pooled')
