-- City demo study panel (GENERATED data, seeds/shipped/city-demo): Paper A's baseline at city level,
-- 337 prefecture-level divisions x 2011-2022, and the columns the other estimator kinds declare on it
-- (mediator, moderator, threshold variable, economic-distance weights variable). Outcome: the city's
-- gap in log GDP per capita against the national average (national GDP over national population,
-- both summed over the cities); regressor: the nqp_city index; controls from the city series. Nominal
-- values: the year fixed effects absorb the common price level (provincial deflators are not applied
-- at city level).
-- the cities' values only: a county table in the inbox adds county rows to int_city_series_values,
-- which must not enter the cities' national average
with city_values as (
    select * from {{ ref('int_city_series_values') }}
    where level = 'prefecture_city'
),

city_years as (
    {{ nqp_series_wide('city_values', [
        'gdp', 'population', 'budget_expenditure', 'fixed_asset_investment', 'va_tertiary', 'internet_users'
    ]) }}
),

per_capita as (
    select
        city_years.*,
        city_years.gdp * 10000 / city_years.population as gdp_per_capita
    from city_years
),

logged as (
    select
        per_capita.*,
        {{ nqp_safe_ln('per_capita.gdp_per_capita', "'city GDP per capita'",
            'per_capita.region_code', 'per_capita.year') }} as ln_gdp_per_capita
    from per_capita
),

national_average as (
    select year, ln(sum(gdp) * 10000 / sum(population)) as ln_gdp_per_capita_national
    from city_years
    group by year
),

nqp_index as (
    {{ nqp_index_total('nqp_city', 'nqp') }}
),

units as (
    select * from {{ ref('int_units') }}
    where level = 'prefecture_city'
),

panel as (
    select
        logged.region_code,
        logged.year,
        units.province_code,
        units.name_full as city_name,
        units.province_name,
        units.region3,
        units.region4,
        abs(logged.ln_gdp_per_capita - national_average.ln_gdp_per_capita_national) as regional_gap_abs,
        nqp_index.nqp,
        logged.budget_expenditure / logged.gdp as gov_intervention,
        logged.fixed_asset_investment / logged.gdp as investment_rate,
        logged.va_tertiary / logged.gdp as tertiary_share,
        -- broadband users (万户) per resident (万人): the digital level, threshold variable of table7
        logged.internet_users / logged.population as internet_penetration,
        logged.gdp_per_capita,
        logged.ln_gdp_per_capita,
        national_average.ln_gdp_per_capita_national,
        logged.uses_synthetic
    from logged
    inner join national_average on logged.year = national_average.year
    inner join units on logged.region_code = units.unit_code
    left join nqp_index
        on logged.region_code = nqp_index.region_code
        and logged.year = nqp_index.year
    where logged.year between 2011 and 2022
)

select * from panel
