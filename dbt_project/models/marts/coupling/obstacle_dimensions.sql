-- Obstacle degree of every dimension of every index system, per region and year: the sum of its
-- indicators' obstacle degrees (nqp_obstacle_groups), ranked within the region-year.
with obstacles as (
    select * from {{ ref('obstacle_degrees') }}
),

dimensions as (
    {{ nqp_obstacle_groups('obstacles', ['system', 'region_code', 'year'], 'dimension') }}
),

dimension_names as (
    select distinct system, dimension, dimension_zh from {{ ref('index_indicators') }}
)

select
    dimensions.system,
    dimensions.region_code,
    dimensions.year,
    dimensions.dimension,
    dimension_names.dimension_zh,
    cast(dimensions.n_indicators as integer) as n_indicators,
    dimensions.obstacle,
    100 * dimensions.obstacle as obstacle_pct,
    dimensions.obstacle_rank
from dimensions
inner join dimension_names
    on dimensions.system = dimension_names.system
    and dimensions.dimension = dimension_names.dimension
