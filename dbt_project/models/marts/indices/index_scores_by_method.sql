-- Composite score of every region-year of every index system under four methods, from the same
-- standardised indicators and scoring scope as index_scores:
--   entropy          sum_j w_j z_j, entropy weights            (= index_scores of an entropy system)
--   topsis_entropy   TOPSIS closeness D- / (D+ + D-), entropy weights (= index_scores of a TOPSIS system)
--   equal            sum_j z_j / k
--   critic           sum_j w_j z_j, CRITIC weights
-- At the total, dimension and sub-dimension levels, as index_scores.
{% set scope = ['system', 'period_scheme', 'period', 'weighting'] %}
with systems as (
    select * from {{ ref('index_systems') }}
),

weightings as (
    select distinct weighting from {{ ref('int_index_method_weights') }}
),

scoring_scope as (
    select inputs.*
    from {{ ref('int_index_inputs') }} as inputs
    inner join systems on inputs.system = systems.system
    where (systems.score_weighting = 'per_year' and inputs.period_scheme = 'year')
        or (systems.score_weighting <> 'per_year' and inputs.period_scheme = 'pooled')
),

-- inputs and ranges once per weighting, so the weighting is one more scope column of the score macros
weighted_inputs as (
    select scoring_scope.*, weightings.weighting
    from scoring_scope
    cross join weightings
),

weighted_ranges as (
    select ranges.*, weightings.weighting
    from {{ ref('int_index_indicator_ranges') }} as ranges
    cross join weightings
),

coefficients as (
    {{ nqp_score_coefficients('weighted_ranges', ref('int_index_method_weights'), scope) }}
),

total_scores as (
    {{ nqp_composite_scores('weighted_inputs', 'coefficients', scope, ['region_code', 'year']) }}
),

dimension_scores as (
    {{ nqp_composite_scores('weighted_inputs', 'coefficients', scope, ['region_code', 'year'],
        group_by=['dimension']) }}
),

sub_dimension_scores as (
    {{ nqp_composite_scores('weighted_inputs', 'coefficients', scope, ['region_code', 'year'],
        group_by=['dimension', 'sub_dimension']) }}
),

all_levels as (
    select
        system, weighting, region_code, year, 'total' as level,
        cast(null as {{ dbt.type_string() }}) as dimension,
        cast(null as {{ dbt.type_string() }}) as sub_dimension, weighted_sum, topsis_closeness
    from total_scores
    union all
    select
        system, weighting, region_code, year, 'dimension' as level, dimension,
        cast(null as {{ dbt.type_string() }}) as sub_dimension, weighted_sum, topsis_closeness
    from dimension_scores
    union all
    select
        system, weighting, region_code, year, 'sub_dimension' as level, dimension, sub_dimension,
        weighted_sum, topsis_closeness
    from sub_dimension_scores
),

by_method as (
    select
        system, region_code, year, level, dimension, sub_dimension,
        'entropy' as method, weighted_sum as score
    from all_levels
    where weighting = 'entropy'
    union all
    select
        system, region_code, year, level, dimension, sub_dimension,
        'topsis_entropy' as method, topsis_closeness as score
    from all_levels
    where weighting = 'entropy'
    union all
    select
        system, region_code, year, level, dimension, sub_dimension,
        'equal' as method, weighted_sum as score
    from all_levels
    where weighting = 'equal'
    union all
    select
        system, region_code, year, level, dimension, sub_dimension,
        'critic' as method, weighted_sum as score
    from all_levels
    where weighting = 'critic'
)

select
    by_method.*,
    by_method.method = systems.method as is_system_method
from by_method
inner join systems on by_method.system = systems.system
