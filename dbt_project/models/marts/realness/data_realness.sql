-- Every result says how real it is: per index system (its indicator values) and per study (the
-- series values it reads, data_realness_series), the cells that are real, interpolated, generated
-- (demo fill) or missing, and their shares of all cells. An indicator value is generated when either
-- of its series is, else interpolated when either is; an `index:<system>` indicator takes the worst
-- flag of that component system's indicator values in the same region-year. An indicator value the
-- system's missing-value rule imputed (indicator_values.is_imputed, when the column exists) counts as
-- interpolated.
{%- set columns = [] -%}
{%- if execute -%}
    {%- set columns = adapter.get_columns_in_relation(ref('indicator_values')) | map(attribute='name') -%}
{%- endif -%}
{%- set or_imputed = ' or coalesce(indicator_values.is_imputed, false)' if 'is_imputed' in columns else '' %}
with indicators as (
    select * from {{ ref('index_indicators') }}
),

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

series_flags as (
    select region_code, year, series, is_interpolated from {{ ref('series_values') }}
),

series_indicator_cells as (
    select
        indicator_values.system,
        indicator_values.region_code,
        indicator_values.year,
        indicator_values.indicator,
        indicator_values.value,
        indicator_values.is_synthetic,
        coalesce(numerator_flags.is_interpolated, false)
        or coalesce(denominator_flags.is_interpolated, false){{ or_imputed }} as is_interpolated
    from indicator_values
    inner join indicators
        on indicator_values.system = indicators.system
        and indicator_values.indicator = indicators.indicator
    left join series_flags as numerator_flags
        on indicators.numerator = numerator_flags.series
        and indicator_values.region_code = numerator_flags.region_code
        and indicator_values.year = numerator_flags.year
    left join series_flags as denominator_flags
        on indicators.denominator = denominator_flags.series
        and indicator_values.region_code = denominator_flags.region_code
        and indicator_values.year = denominator_flags.year
    where indicators.numerator not like 'index:%'
),

component_flags as (
    select system, region_code, year, bool_or(is_interpolated) as is_interpolated
    from series_indicator_cells
    group by system, region_code, year
),

component_indicator_cells as (
    select
        indicator_values.system,
        indicator_values.region_code,
        indicator_values.year,
        indicator_values.indicator,
        indicator_values.value,
        indicator_values.is_synthetic,
        coalesce(component_flags.is_interpolated, false){{ or_imputed }} as is_interpolated
    from indicator_values
    inner join indicators
        on indicator_values.system = indicators.system
        and indicator_values.indicator = indicators.indicator
    left join component_flags
        on substr(indicators.numerator, 7) = component_flags.system
        and indicator_values.region_code = component_flags.region_code
        and indicator_values.year = component_flags.year
    where indicators.numerator like 'index:%'
),

indicator_cells as (
    select * from series_indicator_cells
    union all
    select * from component_indicator_cells
),

by_system as (
    select
        'index_system' as subject_kind,
        indicator_cells.system as subject,
        any_value(systems.study) as study,
        count(*) as n_cells,
        count(indicator_cells.value) as n_values,
        count(indicator_cells.value) filter (
            where not indicator_cells.is_synthetic and not indicator_cells.is_interpolated
        ) as n_real,
        count(indicator_cells.value) filter (
            where not indicator_cells.is_synthetic and indicator_cells.is_interpolated
        ) as n_interpolated,
        count(indicator_cells.value) filter (where indicator_cells.is_synthetic) as n_generated,
        count(*) - count(indicator_cells.value) as n_missing
    from indicator_cells
    inner join {{ ref('index_systems') }} as systems on indicator_cells.system = systems.system
    group by indicator_cells.system
),

by_study as (
    select
        'study' as subject_kind,
        study as subject,
        study,
        sum(n_region_years) as n_cells,
        sum(n_values) as n_values,
        sum(n_real) as n_real,
        sum(n_interpolated) as n_interpolated,
        sum(n_generated) as n_generated,
        sum(n_missing) as n_missing
    from {{ ref('data_realness_series') }}
    group by study
),

both_kinds as (
    select * from by_system
    union all
    select * from by_study
)

select
    subject_kind,
    subject,
    study,
    cast(n_cells as bigint) as n_cells,
    cast(n_values as bigint) as n_values,
    cast(n_real as bigint) as n_real,
    cast(n_interpolated as bigint) as n_interpolated,
    cast(n_generated as bigint) as n_generated,
    cast(n_missing as bigint) as n_missing,
    n_real / nullif(n_cells, 0) as share_real,
    n_interpolated / nullif(n_cells, 0) as share_interpolated,
    n_generated / nullif(n_cells, 0) as share_generated,
    n_missing / nullif(n_cells, 0) as share_missing
from both_kinds
