-- Paper E (Ye 2024, industrial agglomeration and NQP) analysis panel: 31 regions x 2010-2022, N = 403.
-- Outcome: the nqp_e entropy index (total and three dimensions); regressor: industrial agglomeration
-- (location quotient of industrial value added); five controls; employment density (robustness);
-- misallocation indices from the misallocation mart (mechanism); GDP per capita (economic-distance
-- spatial weights). Every analysis variable is winsorised
-- at 1 % / 99 % (var paper_e_winsorise, default true; Stata winsor2 convention, pooled over the panel).
{% set sample_years = var('paper_e_sample_years') %}
{% set winsorise = var('paper_e_winsorise', true) %}
{% set analysis_variables = ['nqp', 'nqp_technology', 'nqp_green', 'nqp_digital', 'nqp_three_factor',
    'nqp_topsis_entropy', 'nqp_equal', 'nqp_critic', 'indus', 'financial_development',
    'env_regulation', 'industrial_structure', 'urbanisation', 'transport', 'employment_density',
    'm_all', 'm_cap', 'm_lab'] %}

with region_years as (
    {{ nqp_series_wide(ref('int_series_values'), [
        'gdp', 'va_industry', 'va_secondary', 'va_tertiary', 'population', 'urban_population', 'deposits',
        'loans', 'industrial_pollution_investment', 'highway_mileage', 'employment'
    ]) }}
),

-- Industrial value added / GDP of all 31 regions in the year: the denominator of the location quotient;
-- NULL in a year where a region lacks either (never a share over the others).
national_industry as (
    select
        year,
        {{ nqp_complete_aggregate('sum', 'va_industry') }} / {{ nqp_complete_aggregate('sum', 'gdp') }}
            as industry_share_national
    from region_years
    group by year
),

nqp_scores as (
    select
        region_code,
        year,
        max(case when level = 'total' then score end) as nqp,
        max(case when level = 'dimension' and dimension = 'technological_productivity' then score end)
            as nqp_technology,
        max(case when level = 'dimension' and dimension = 'green_productivity' then score end) as nqp_green,
        max(case when level = 'dimension' and dimension = 'digital_productivity' then score end)
            as nqp_digital
    from {{ ref('index_scores') }}
    where system = 'nqp_e' and level in ('total', 'dimension')
    group by region_code, year
),

-- Table 6 (2): Paper A's labourers / objects / means system recomputed on this sample (nqp_three_factor_e)
nqp_three_factor_scores as (
    {{ nqp_index_total('nqp_three_factor_e', 'nqp_three_factor') }}
),

-- nqp_e under the other weighting methods, for the index-robustness re-estimation (YAML robustness)
nqp_by_method as (
    {{ nqp_scores_by_method('nqp_e', 'nqp', ['topsis_entropy', 'equal', 'critic']) }}
),

regions as (
    select region_code, name_short, region3, region4, land_area_km2 from {{ ref('regions') }}
),

panel as (
    select
        region_years.region_code,
        region_years.year,
        regions.name_short as region_name,
        regions.region3,
        regions.region4,
        nqp_scores.nqp,
        nqp_scores.nqp_technology,
        nqp_scores.nqp_green,
        nqp_scores.nqp_digital,
        nqp_three_factor_scores.nqp_three_factor,
        nqp_by_method.nqp_topsis_entropy,
        nqp_by_method.nqp_equal,
        nqp_by_method.nqp_critic,
        (region_years.va_industry / region_years.gdp) / national_industry.industry_share_national as indus,
        (region_years.deposits + region_years.loans) / region_years.gdp as financial_development,
        -- 万元 of investment per 亿元 of industrial value added, the state units as published
        region_years.industrial_pollution_investment / region_years.va_industry as env_regulation,
        region_years.va_tertiary / region_years.va_secondary as industrial_structure,
        region_years.urban_population / region_years.population as urbanisation,
        {{ nqp_safe_ln('region_years.highway_mileage', "'highway mileage'", 'region_years.region_code',
            'region_years.year') }} as transport,
        -- persons employed per km2 of land area
        region_years.employment * 10000 / regions.land_area_km2 as employment_density,
        -- 元 per person (GDP 亿元, population 万人); not an analysis variable, not winsorised: the
        -- economic-distance spatial weights compare its regional means (spatial robustness column)
        region_years.gdp * 10000 / region_years.population as gdp_per_capita,
        misallocation.m_all,
        misallocation.m_cap,
        misallocation.m_lab,
        region_years.uses_synthetic or coalesce(misallocation.uses_synthetic, false) as uses_synthetic
    from region_years
    inner join national_industry on region_years.year = national_industry.year
    inner join regions on region_years.region_code = regions.region_code
    left join nqp_scores
        on region_years.region_code = nqp_scores.region_code
        and region_years.year = nqp_scores.year
    left join nqp_three_factor_scores
        on region_years.region_code = nqp_three_factor_scores.region_code
        and region_years.year = nqp_three_factor_scores.year
    left join nqp_by_method
        on region_years.region_code = nqp_by_method.region_code
        and region_years.year = nqp_by_method.year
    left join {{ ref('misallocation') }} as misallocation
        on region_years.region_code = misallocation.region_code
        and region_years.year = misallocation.year
    where region_years.year between {{ sample_years[0] }} and {{ sample_years[1] }}
),

final as (
    select
        region_code,
        year,
        region_name,
        region3,
        region4,
        {{ nqp_analysis_variables('panel', analysis_variables, winsorise) }}
        gdp_per_capita,
        uses_synthetic
    from panel
)

select * from final
