-- Every index score is computed over the system's complete indicator set: for each scored
-- system-region-year, the indicator values of its scoring scope number the catalogue's indicators
-- and none is missing (index_systems.missing_rule fills or drops, never a partial set).
with systems as (
    select * from {{ ref('index_systems') }}
),

catalogue_counts as (
    select system, count(*) as n_indicators
    from {{ ref('index_indicators') }}
    group by system
),

scoring_inputs as (
    select inputs.system, inputs.region_code, inputs.year, count(inputs.value) as n_values
    from {{ ref('int_index_inputs') }} as inputs
    inner join systems on inputs.system = systems.system
    where (systems.score_weighting = 'per_year' and inputs.period_scheme = 'year')
        or (systems.score_weighting <> 'per_year' and inputs.period_scheme = 'pooled')
    group by inputs.system, inputs.region_code, inputs.year
),

total_scores as (
    select system, region_code, year from {{ ref('index_scores') }}
    where level = 'total'
)

select
    total_scores.system,
    total_scores.region_code,
    total_scores.year,
    scoring_inputs.n_values,
    catalogue_counts.n_indicators
from total_scores
inner join catalogue_counts on total_scores.system = catalogue_counts.system
left join scoring_inputs
    on total_scores.system = scoring_inputs.system
    and total_scores.region_code = scoring_inputs.region_code
    and total_scores.year = scoring_inputs.year
where coalesce(scoring_inputs.n_values, 0) <> catalogue_counts.n_indicators
