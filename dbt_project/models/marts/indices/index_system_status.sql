-- One row per index system: its missing-value rule, whether it is scored, and what was missing,
-- imputed or dropped on its sample grid (every indicator, component indices included). Built from
-- int_index_indicator_panel, so it lists a system whose gaps stop the build (index_missing_action
-- 'raise') as well as one left unscored ('report').
{% set region_year = nqp_text('region_code') ~ " || '-' || " ~ nqp_text('year') %}
with systems as (
    select system, coalesce(missing_rule, 'error') as missing_rule from {{ ref('index_systems') }}
),

panel as (
    select * from {{ ref('int_index_indicator_panel') }}
),

catalogue as (
    select
        system,
        indicator,
        coalesce(numerator, '') || case when denominator is not null then ' / ' || denominator else '' end
            as series
    from {{ ref('index_indicators') }}
),

-- a value the rule left missing: it stops / unscores the system unless the rule drops its region-year
missing_values as (
    select
        panel.system,
        panel.indicator,
        catalogue.series,
        {{ nqp_text('panel.region_code') }} as region_label,
        {{ nqp_text('panel.year') }} as year_label,
        panel.is_dropped
    from panel
    inner join catalogue on panel.system = catalogue.system and panel.indicator = catalogue.indicator
    where panel.is_missing
),

missing_by_indicator as (
    select
        system,
        indicator,
        series,
        count(*) as n_values,
        max(case when is_dropped then 1 else 0 end) = 1 as is_dropped,
        string_agg(distinct region_label, ' ' order by region_label) as regions,
        string_agg(distinct year_label, ' ' order by year_label) as years
    from missing_values
    group by system, indicator, series
),

counts as (
    select
        system,
        count(*) as n_indicator_values,
        count(case when is_missing then 1 end) as n_missing,
        count(case when is_missing and not is_dropped then 1 end) as n_unfilled,
        count(case when is_imputed then 1 end) as n_imputed,
        count(case when imputation = 'interpolate' then 1 end) as n_interpolated,
        count(case when imputation = 'extrapolate' then 1 end) as n_extrapolated,
        count(case when is_synthetic and not is_missing then 1 end) as n_synthetic,
        count(distinct case when is_dropped then {{ region_year }} end) as n_dropped_region_years,
        count(distinct case when not is_dropped then {{ region_year }} end) as n_scored_region_years
    from panel
    group by system
),

details as (
    select
        system,
        string_agg(
            'indicator ' || indicator || ' (' || series || '): ' || {{ nqp_text('n_values') }}
            || ' value(s) missing'
            || case when is_dropped then ', region-years dropped' else '' end
            || '; regions ' || regions || '; years ' || years,
            ' | ' order by indicator
        ) as missing_detail
    from missing_by_indicator
    group by system
)

select
    systems.system,
    systems.missing_rule,
    coalesce(counts.n_unfilled = 0 and counts.n_scored_region_years > 0, false) as is_computed,
    coalesce(counts.n_indicator_values, 0) as n_indicator_values,
    coalesce(counts.n_missing, 0) as n_missing,
    coalesce(counts.n_imputed, 0) as n_imputed,
    coalesce(counts.n_interpolated, 0) as n_interpolated,
    coalesce(counts.n_extrapolated, 0) as n_extrapolated,
    coalesce(counts.n_synthetic, 0) as n_synthetic,
    coalesce(counts.n_dropped_region_years, 0) as n_dropped_region_years,
    coalesce(counts.n_scored_region_years, 0) as n_scored_region_years,
    case
        when counts.system is null
            then 'no indicator values: the system has no catalogue indicators or no sample'
        else details.missing_detail
    end as missing_detail
from systems
left join counts on systems.system = counts.system
left join details on systems.system = details.system
