-- Every indicator value of every index system that its missing-value rule leaves complete, once per
-- weighting scope:
--   pooled   all region-years of the system's sample (the default, and Yang & Sun's panel entropy method)
--   period   each reporting period of seeds index_periods (Paper B's 2003 / 2004-2012 / ...)
--   year     each year's cross-section, for systems whose scores are weighted per year
with systems as (
    select * from {{ ref('index_systems') }}
),

-- complete indicator sets only: dropped region-years and systems that cannot be scored are left out
-- (or stop the build: dbt var index_missing_action, default 'raise')
complete_values as (
    {{ nqp_complete_indicator_sets(
        ref('int_index_indicator_panel'), action=var('index_missing_action', 'raise')
    ) }}
),

indicator_values as (
    select
        system, dimension, sub_dimension, indicator, direction, region_code, year, value, is_synthetic,
        is_imputed, imputation
    from complete_values
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
