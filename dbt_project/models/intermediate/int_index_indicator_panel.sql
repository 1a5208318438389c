-- Every indicator value of every system on its sample grid after the system's missing-value rule:
-- the series-built indicators (int_index_indicator_filled) and the component-index indicators
-- (`index:<system>`, the component's score), the latter filled here by the parent's rule. A
-- complete_cases system drops a region-year lacking any of its indicators, component ones included.
with systems as (
    select
        system,
        coalesce(missing_rule, 'error') as missing_rule,
        coalesce(extrapolation, 'nearest') as extrapolation
    from {{ ref('index_systems') }}
),

series_indicators as (
    select
        system, indicator, region_code, year, dimension, sub_dimension, direction, missing_rule,
        value, is_synthetic, imputation, is_imputed, is_missing
    from {{ ref('int_index_indicator_filled') }}
),

-- the region-years of a system's own indicators, which its component-index indicators are scored on
parent_samples as (
    select distinct system, region_code, year from series_indicators
),

component_values as (
    select
        catalogue.system,
        catalogue.indicator,
        parent_sample.region_code,
        parent_sample.year,
        catalogue.dimension,
        catalogue.sub_dimension,
        catalogue.direction,
        component_scores.score * catalogue.scale as value,
        coalesce(component_scores.is_synthetic, false) as is_synthetic,
        component_scores.imputation,
        systems.missing_rule,
        systems.extrapolation
    from {{ ref('index_indicators') }} as catalogue
    inner join parent_samples as parent_sample
        on catalogue.system = parent_sample.system
    inner join systems on catalogue.system = systems.system
    left join {{ ref('int_index_component_scores') }} as component_scores
        on component_scores.system = substr(catalogue.numerator, 7)
        and parent_sample.region_code = component_scores.region_code
        and parent_sample.year = component_scores.year
    where catalogue.numerator like 'index:%'
),

component_indicators as (
    select
        system, indicator, region_code, year, dimension, sub_dimension, direction, missing_rule,
        value, is_synthetic, imputation, is_imputed, is_missing
    from (
        {{ nqp_fill_missing('component_values', carry=['dimension', 'sub_dimension', 'direction']) }}
    ) as filled_components
),

all_indicators as (
    select * from series_indicators
    union all
    select * from component_indicators
),

-- region-years lacking any indicator (a complete_cases system drops them)
incomplete_region_years as (
    select system, region_code, year
    from all_indicators
    group by system, region_code, year
    having max(case when is_missing then 1 else 0 end) = 1
)

select
    all_indicators.*,
    coalesce(all_indicators.missing_rule = 'complete_cases' and incomplete.system is not null, false)
        as is_dropped
from all_indicators
left join incomplete_region_years as incomplete
    on all_indicators.system = incomplete.system
    and all_indicators.region_code = incomplete.region_code
    and all_indicators.year = incomplete.year
