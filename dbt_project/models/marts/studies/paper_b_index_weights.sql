-- Paper B Tables 1-3: the weights (in %) of each level of its three index systems, pooled over
-- 2003-2023 and for each reporting period of seeds index_periods (2003, 2004-2012, 2013-2022, 2023),
-- one column per scope as the paper lays them out. One row per system, level and node; rows keep
-- the catalogue's order (dimension, then its indicators). Every weight comes from index_weights.
{% set periods = var('paper_b_weight_periods') %}
{% set systems = ['factor_innovation_b', 'coordination_b', 'industrial_digitisation_b'] %}

with weights as (
    select system, level, dimension, sub_dimension, indicator, period_scheme, period, weight_pct
    from {{ ref('index_weights') }}
    where system in ('{{ systems | join("', '") }}')
        and level in ('dimension', 'sub_dimension', 'indicator')
        and period_scheme in ('pooled', 'period')
),

-- Reporting periods of the seed that this layout has no column for: the build stops on them.
unlisted_periods as (
    select system, period
    from {{ ref('index_periods') }}
    where system in ('{{ systems | join("', '") }}')
        and period not in (
            '{{ periods | join("', '") }}'
        )
),

-- rowid is the seed's line order: the paper's order of dimensions and indicators.
catalogue as (
    select
        system, dimension, dimension_zh, sub_dimension, sub_dimension_zh, indicator, indicator_zh,
        rowid as catalogue_order
    from {{ ref('index_indicators') }}
    where system in ('{{ systems | join("', '") }}')
),

dimension_names as (
    select system, dimension, min(dimension_zh) as dimension_zh, min(catalogue_order) as dimension_order
    from catalogue
    group by system, dimension
),

sub_dimension_names as (
    select
        system, dimension, sub_dimension, min(sub_dimension_zh) as sub_dimension_zh,
        min(catalogue_order) as sub_dimension_order
    from catalogue
    group by system, dimension, sub_dimension
),

weights_by_scope as (
    select
        system,
        level,
        dimension,
        sub_dimension,
        indicator,
        max(case when period_scheme = 'pooled' then weight_pct end) as weight_pct_pooled,
        {%- for period in periods %}
            max(case when period_scheme = 'period' and period = '{{ period }}' then weight_pct end)
                as weight_pct_{{ period | replace('-', '_') }},
        {%- endfor %}
        count(*) as n_scopes
    from weights
    group by system, level, dimension, sub_dimension, indicator
),

final as (
    select
        weights_by_scope.system,
        systems.name_zh as system_zh,
        weights_by_scope.level,
        case weights_by_scope.level when 'dimension' then 1 when 'sub_dimension' then 2 else 3 end
            as level_order,
        weights_by_scope.dimension,
        dimension_names.dimension_zh,
        dimension_names.dimension_order,
        weights_by_scope.sub_dimension,
        sub_dimension_names.sub_dimension_zh,
        weights_by_scope.indicator,
        catalogue.indicator_zh,
        coalesce(
            catalogue.catalogue_order, sub_dimension_names.sub_dimension_order,
            dimension_names.dimension_order
        ) as row_order,
        weights_by_scope.weight_pct_pooled,
        {%- for period in periods %}
            weights_by_scope.weight_pct_{{ period | replace('-', '_') }},
        {%- endfor %}
        {{ nqp_raise_if(
            '(select count(*) from unlisted_periods) > 0',
            "'paper_b_index_weights: seeds/reference/index_periods.csv has period(s) '
              || (select string_agg(system || ' ' || period, ', ') from unlisted_periods)
              || ' that var paper_b_weight_periods does not list; add them to the var'",
            'weights_by_scope.n_scopes') }} as n_scopes
    from weights_by_scope
    inner join {{ ref('index_systems') }} as systems on weights_by_scope.system = systems.system
    inner join dimension_names
        on weights_by_scope.system = dimension_names.system
        and weights_by_scope.dimension = dimension_names.dimension
    left join sub_dimension_names
        on weights_by_scope.system = sub_dimension_names.system
        and weights_by_scope.dimension = sub_dimension_names.dimension
        and weights_by_scope.sub_dimension = sub_dimension_names.sub_dimension
    left join catalogue
        on weights_by_scope.system = catalogue.system
        and weights_by_scope.indicator = catalogue.indicator
)

select * from final
