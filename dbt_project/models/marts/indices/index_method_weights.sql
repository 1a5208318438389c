-- Indicator, sub-dimension and dimension weights of every index system under each weighting
-- (entropy, equal, CRITIC) in the system's scoring scope; aggregate rows sum their indicators.
with indicator_weights as (
    select * from {{ ref('int_index_method_weights') }}
),

catalogue as (
    select system, dimension, sub_dimension, indicator from {{ ref('index_indicators') }}
),

indicator_level as (
    select
        indicator_weights.system,
        indicator_weights.weighting,
        'indicator' as level,
        catalogue.dimension,
        catalogue.sub_dimension,
        indicator_weights.indicator,
        indicator_weights.period_scheme,
        indicator_weights.period,
        indicator_weights.n_units,
        indicator_weights.std_dev,
        indicator_weights.conflict,
        indicator_weights.weight
    from indicator_weights
    inner join catalogue
        on indicator_weights.system = catalogue.system
        and indicator_weights.indicator = catalogue.indicator
),

sub_dimension_level as (
    select
        system, weighting, 'sub_dimension' as level, dimension, sub_dimension,
        cast(null as {{ dbt.type_string() }}) as indicator, period_scheme, period, max(n_units) as n_units,
        cast(null as double) as std_dev, cast(null as double) as conflict, sum(weight) as weight
    from indicator_level
    group by system, weighting, dimension, sub_dimension, period_scheme, period
),

dimension_level as (
    select
        system,
        weighting,
        'dimension' as level,
        dimension,
        cast(null as {{ dbt.type_string() }}) as sub_dimension,
        cast(null as {{ dbt.type_string() }}) as indicator, period_scheme, period, max(n_units) as n_units,
        cast(null as double) as std_dev, cast(null as double) as conflict, sum(weight) as weight
    from indicator_level
    group by system, weighting, dimension, period_scheme, period
),

all_levels as (
    select * from indicator_level
    union all
    select * from sub_dimension_level
    union all
    select * from dimension_level
)

select
    all_levels.*,
    100 * all_levels.weight as weight_pct
from all_levels
