-- Every indicator value of every index system, once per weighting scope:
--   pooled   all region-years of the system's sample (the default, and Yang & Sun's panel entropy method)
--   period   each reporting period of seeds index_periods (Paper B's 2003 / 2004-2012 / ...)
--   year     each year's cross-section, for systems whose scores are weighted per year
with systems as (
    select * from {{ ref('index_systems') }}
),

series_indicators as (
    select system, dimension, sub_dimension, indicator, direction, region_code, year, value, is_synthetic
    from {{ ref('int_index_indicator_values') }}
),

-- the region-years of a system's own indicators, which its component-index indicators are scored on
parent_samples as (
    select distinct system, region_code, year from series_indicators
),

component_indicators as (
    select
        catalogue.system,
        catalogue.dimension,
        catalogue.sub_dimension,
        catalogue.indicator,
        catalogue.direction,
        parent_sample.region_code,
        parent_sample.year,
        component_scores.score * catalogue.scale as value,
        coalesce(component_scores.is_synthetic, false) as is_synthetic
    from {{ ref('index_indicators') }} as catalogue
    inner join parent_samples as parent_sample
        on catalogue.system = parent_sample.system
    left join {{ ref('int_index_component_scores') }} as component_scores
        on component_scores.system = substr(catalogue.numerator, 7)
        and parent_sample.region_code = component_scores.region_code
        and parent_sample.year = component_scores.year
    where catalogue.numerator like 'index:%'
),

indicator_values as (
    select * from series_indicators
    union all
    select * from component_indicators
),

pooled_scope as (
    select indicator_values.*, 'pooled' as period_scheme, 'pooled' as period
    from indicator_values
),

period_scope as (
    select indicator_values.*, 'period' as period_scheme, periods.period
    from indicator_values
    inner join {{ ref('index_periods') }} as periods
        on indicator_values.system = periods.system
        and indicator_values.year between periods.year_from and periods.year_to
),

year_scope as (
    select
        indicator_values.*,
        'year' as period_scheme,
        cast(indicator_values.year as {{ dbt.type_string() }}) as period
    from indicator_values
    inner join systems on indicator_values.system = systems.system
    where systems.score_weighting = 'per_year'
),

scoped as (
    select * from pooled_scope
    union all
    select * from period_scope
    union all
    select * from year_scope
)

select scoped.*, systems.shift
from scoped
inner join systems on scoped.system = systems.system
