-- City demo study panel (GENERATED data, seeds/shipped/city-demo): Paper A's baseline at city level,
-- 337 prefecture-level divisions x 2011-2022, and the columns the other estimator kinds declare on it
-- (mediator, moderator, threshold variable, economic-distance weights variable). Outcome, as Paper A's:
-- the city's gap in log real GDP per capita against the national average (national real GDP over
-- national population, both summed over the cities); a city's GDP at constant prices of
-- var city_demo_base_year is its nominal GDP over its province's GDP deflator (cities publish no price
-- index). Regressor: the nqp_city index; controls from the city series (ratios of current-price values).
{% set sample_years = (2011, 2022) %}

-- the cities' values of the sample years only: a county table in the inbox adds county rows to
-- int_city_series_values, which must not enter the cities' national average
with city_values as (
    select * from {{ ref('int_city_series_values') }}
    where level = 'prefecture_city'
        and year between {{ sample_years[0] }} and {{ sample_years[1] }}
),

city_years as (
    {{ nqp_series_wide('city_values', [
        'gdp', 'population', 'budget_expenditure', 'fixed_asset_investment', 'va_tertiary', 'internet_users'
    ]) }}
),

units as (
    select * from {{ ref('int_units') }}
    where level = 'prefecture_city'
),

province_deflators as (
    {{ nqp_province_gdp_deflator(var('city_demo_base_year')) }}
),

-- a city-year whose province has no deflator (a real-only build without the province's GDP or GDP
-- index) has no real GDP: NULL, so the study reports the outcome as missing (models_py.study_gaps)
real_values as (
    select
        city_years.*,
        units.province_code,
        units.name_full as city_name,
        units.province_name,
        units.region3,
        units.region4,
        city_years.gdp / province_deflators.gdp_deflator as real_gdp,
        city_years.uses_synthetic or coalesce(province_deflators.is_synthetic, false) as uses_synthetic_any
    from city_years
    inner join units on city_years.region_code = units.unit_code
    left join province_deflators
        on units.province_code = province_deflators.province_code
        and city_years.year = province_deflators.year
),

per_capita as (
    select
        real_values.*,
        real_values.gdp * 10000 / real_values.population as gdp_per_capita,
        real_values.real_gdp * 10000 / real_values.population as real_gdp_per_capita
    from real_values
),

logged as (
    select
        per_capita.*,
        {{ nqp_safe_ln('per_capita.gdp_per_capita', "'city GDP per capita'",
            'per_capita.region_code', 'per_capita.year') }} as ln_gdp_per_capita,
        {{ nqp_safe_ln('per_capita.real_gdp_per_capita', "'city real GDP per capita'",
            'per_capita.region_code', 'per_capita.year') }} as ln_real_gdp_per_capita
    from per_capita
),

-- over every city of the year, or NULL when one lacks a value: never the average of a subset
national_average as (
    select
        year,
        ln(
            {{ nqp_complete_aggregate('sum', 'gdp') }} * 10000
            / {{ nqp_complete_aggregate('sum', 'population') }}
        ) as ln_gdp_per_capita_national,
        ln(
            {{ nqp_complete_aggregate('sum', 'real_gdp') }} * 10000
            / {{ nqp_complete_aggregate('sum', 'population') }}
        ) as ln_real_gdp_per_capita_national
    from real_values
    group by year
),

nqp_index as (
    {{ nqp_index_total('nqp_city', 'nqp') }}
),

panel as (
    select
        logged.region_code,
        logged.year,
        logged.province_code,
        logged.city_name,
        logged.province_name,
        logged.region3,
        logged.region4,
        abs(logged.ln_real_gdp_per_capita - national_average.ln_real_gdp_per_capita_national)
            as regional_gap_abs,
        nqp_index.nqp,
        logged.budget_expenditure / logged.gdp as gov_intervention,
        logged.fixed_asset_investment / logged.gdp as investment_rate,
        logged.va_tertiary / logged.gdp as tertiary_share,
        -- broadband users (万户) per resident (万人): the digital level, threshold variable of table7
        logged.internet_users / logged.population as internet_penetration,
        logged.gdp_per_capita,
        logged.ln_gdp_per_capita,
        national_average.ln_gdp_per_capita_national,
        logged.real_gdp_per_capita,
        logged.ln_real_gdp_per_capita,
        national_average.ln_real_gdp_per_capita_national,
        logged.uses_synthetic_any as uses_synthetic
    from logged
    inner join national_average on logged.year = national_average.year
    left join nqp_index
        on logged.region_code = nqp_index.region_code
        and logged.year = nqp_index.year
)

select * from panel
