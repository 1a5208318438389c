-- Obstacle degree (障碍度) of every indicator of every index system, per region and year
-- (nqp_obstacle_degree): F_j = the indicator's overall weight in the system's scoring scope
-- (index_weights; pooled, or the year's for per-year systems), I_ij = 1 - z_ij with z_ij its
-- min-max standardised value (indicator_values, less the system's shift), O_ij = F_j I_ij / sum_j F_j I_ij.
-- Ranked within the region-year (1 = the largest obstacle).
with systems as (
    select system, shift, score_weighting from {{ ref('index_systems') }}
),

indicator_weights as (
    select system, indicator, period_scheme, period, weight
    from {{ ref('index_weights') }}
    where level = 'indicator'
),

catalogue as (
    select system, indicator, indicator_zh, dimension_zh from {{ ref('index_indicators') }}
),

-- each value with the weighting scope its system is scored in (pooled, or the year's cross-section)
scoped_values as (
    select
        indicator_values.system,
        indicator_values.region_code,
        indicator_values.year,
        indicator_values.dimension,
        indicator_values.sub_dimension,
        indicator_values.indicator,
        indicator_values.standardised,
        systems.shift,
        {{ nqp_weighting_scope('systems.score_weighting', 'indicator_values.year') }}
    from {{ ref('indicator_values') }} as indicator_values
    inner join systems on indicator_values.system = systems.system
),

-- a left join: an indicator without a weight in its scope stops the macro (no silent drop)
obstacle_inputs as (
    select
        scoped_values.*,
        indicator_weights.weight
    from scoped_values
    left join indicator_weights
        on scoped_values.system = indicator_weights.system
        and scoped_values.indicator = indicator_weights.indicator
        and scoped_values.period_scheme = indicator_weights.period_scheme
        and scoped_values.period = indicator_weights.period
),

obstacles as (
    {{ nqp_obstacle_degree(
        'obstacle_inputs', ['system', 'region_code', 'year'], shift='shift', carry=['dimension', 'sub_dimension']
    ) }}
)

select
    obstacles.system,
    obstacles.region_code,
    obstacles.year,
    obstacles.dimension,
    catalogue.dimension_zh,
    obstacles.sub_dimension,
    obstacles.indicator,
    catalogue.indicator_zh,
    obstacles.weight,
    obstacles.deviation,
    obstacles.weighted_deviation,
    obstacles.deviation_total,
    obstacles.obstacle,
    100 * obstacles.obstacle as obstacle_pct,
    obstacles.obstacle_rank
from obstacles
inner join catalogue
    on obstacles.system = catalogue.system
    and obstacles.indicator = catalogue.indicator
