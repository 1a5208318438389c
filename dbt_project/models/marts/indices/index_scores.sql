-- Composite score of every region-year of every index system: the total and each dimension and
-- sub-dimension. Entropy systems score sum_j w_j z_j (dimension scores are their indicators'
-- contribution, so dimension scores add up to the total); TOPSIS-entropy systems score the
-- closeness D- / (D+ + D-) over the indicators of the level. Weights are the system's scoring scope
-- (pooled by default, per year where index_systems says so).
with systems as (
    select * from {{ ref('index_systems') }}
),

scoring_scope as (
    select inputs.*
    from {{ ref('int_index_inputs') }} as inputs
    inner join systems on inputs.system = systems.system
    where (systems.score_weighting = 'per_year' and inputs.period_scheme = 'year')
        or (systems.score_weighting <> 'per_year' and inputs.period_scheme = 'pooled')
),

coefficients as (
    select * from {{ ref('int_index_score_coefficients') }}
),

total_scores as (
    {{ nqp_composite_scores(
        'scoring_scope', 'coefficients', ['system', 'period_scheme', 'period'], ['region_code', 'year']
    ) }}
),

dimension_scores as (
    {{ nqp_composite_scores(
        'scoring_scope', 'coefficients', ['system', 'period_scheme', 'period'], ['region_code', 'year'],
        group_by=['dimension']
    ) }}
),

sub_dimension_scores as (
    {{ nqp_composite_scores(
        'scoring_scope', 'coefficients', ['system', 'period_scheme', 'period'], ['region_code', 'year'],
        group_by=['dimension', 'sub_dimension']
    ) }}
),

all_levels as (
    select
        system, region_code, year, 'total' as level, cast(null as {{ dbt.type_string() }}) as dimension,
        cast(null as {{ dbt.type_string() }}) as sub_dimension, weighted_sum, topsis_closeness
    from total_scores
    union all
    select
        system, region_code, year, 'dimension' as level, dimension,
        cast(null as {{ dbt.type_string() }}) as sub_dimension, weighted_sum, topsis_closeness
    from dimension_scores
    union all
    select
        system, region_code, year, 'sub_dimension' as level, dimension, sub_dimension,
        weighted_sum, topsis_closeness
    from sub_dimension_scores
)

select
    all_levels.system,
    all_levels.region_code,
    all_levels.year,
    all_levels.level,
    all_levels.dimension,
    all_levels.sub_dimension,
    case when systems.method = 'topsis_entropy' then all_levels.topsis_closeness
        else all_levels.weighted_sum
    end as score,
    systems.method
from all_levels
inner join systems on all_levels.system = systems.system
