-- National obstacle degrees: the unweighted mean over the provinces of each indicator's and each
-- dimension's obstacle degree in every year (the mean of shares, so the indicators' means sum to 1
-- when every province has an obstacle), ranked within system, year and level.
with indicator_means as (
    select
        system,
        year,
        'indicator' as level,
        dimension,
        max(dimension_zh) as dimension_zh,
        indicator,
        max(indicator_zh) as indicator_zh,
        cast(count(*) as integer) as n_regions,
        avg(obstacle) as obstacle
    from {{ ref('obstacle_degrees') }}
    group by system, year, dimension, indicator
),

dimension_means as (
    select
        system,
        year,
        'dimension' as level,
        dimension,
        max(dimension_zh) as dimension_zh,
        cast(null as {{ dbt.type_string() }}) as indicator,
        cast(null as {{ dbt.type_string() }}) as indicator_zh,
        cast(count(*) as integer) as n_regions,
        avg(obstacle) as obstacle
    from {{ ref('obstacle_dimensions') }}
    group by system, year, dimension
),

both_levels as (
    select * from indicator_means
    union all
    select * from dimension_means
)

select
    both_levels.*,
    coalesce(both_levels.indicator, both_levels.dimension) as indicator_en,
    both_levels.dimension as dimension_en,
    100 * both_levels.obstacle as obstacle_pct,
    cast(
        rank()
            over (
                partition by both_levels.system, both_levels.year, both_levels.level
                order by both_levels.obstacle desc
            )
        as integer
    ) as obstacle_rank
from both_levels
