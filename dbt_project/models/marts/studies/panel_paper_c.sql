-- Paper C (NQP and economic growth) analysis panel: 30 regions (no Tibet) x 2012-2022, N = 330.
-- Outcome: ln real GDP per capita at 2012 prices; regressor: the nqp_c TOPSIS-entropy index (total
-- and its three dimension scores); five controls.
{% set base_year = 2012 %}
{% set sample_years = (2012, 2022) %}
{% set excluded_regions = [54] %}

with region_years as (
    {{ nqp_series_wide(ref('int_series_values'), [
        'gdp', 'population', 'va_secondary', 'va_tertiary', 'fdi', 'budget_expenditure', 'retail_sales',
        'avg_years_schooling'
    ]) }}
),

real_gdp as (
    {{ nqp_real_gdp(base_year) }}
),

-- a region-year without a GDP chain keeps its row with no real GDP (NULL), never dropped
real_gdp_per_capita as (
    select
        region_years.*,
        real_gdp.real_gdp * 10000 / region_years.population as real_gdp_per_capita,
        region_years.uses_synthetic or coalesce(real_gdp.is_synthetic, false) as uses_synthetic_any
    from region_years
    left join real_gdp
        on region_years.region_code = real_gdp.region_code
        and region_years.year = real_gdp.year
    where region_years.year between {{ sample_years[0] }} and {{ sample_years[1] }}
        and region_years.region_code not in ({{ excluded_regions | join(', ') }})
),

nqp_scores as (
    select
        region_code,
        year,
        max(case when level = 'total' then score end) as nqp,
        max(case when level = 'dimension' and dimension = 'technological_breakthrough' then score end)
            as nqp_technology,
        max(case when level = 'dimension' and dimension = 'industrial_upgrading' then score end)
            as nqp_industry,
        max(case when level = 'dimension' and dimension = 'new_relations_of_production' then score end)
            as nqp_relations
    from {{ ref('index_scores') }}
    where system = 'nqp_c' and level in ('total', 'dimension')
    group by region_code, year
),

-- nqp_c under the other weighting methods, for the index-robustness re-estimation (YAML robustness)
nqp_by_method as (
    {{ nqp_scores_by_method('nqp_c', 'nqp', ['entropy', 'equal', 'critic']) }}
),

regions as (
    select region_code, name_short, region3, region4 from {{ ref('regions') }}
),

final as (
    select
        panel.region_code,
        panel.year,
        regions.name_short as region_name,
        regions.region3,
        regions.region4,
        {{ nqp_safe_ln(
            'panel.real_gdp_per_capita', "'real GDP per capita'", 'panel.region_code', 'panel.year'
        ) }} as ln_real_gdp_per_capita,
        nqp_scores.nqp,
        nqp_scores.nqp_technology,
        nqp_scores.nqp_industry,
        nqp_scores.nqp_relations,
        nqp_by_method.nqp_entropy,
        nqp_by_method.nqp_equal,
        nqp_by_method.nqp_critic,
        panel.va_tertiary / panel.va_secondary as industrial_structure,
        panel.fdi / panel.gdp as foreign_investment,
        panel.budget_expenditure / panel.gdp as gov_intervention,
        panel.retail_sales / panel.gdp as consumption,
        panel.avg_years_schooling as education,
        panel.real_gdp_per_capita,
        panel.uses_synthetic_any as uses_synthetic
    from real_gdp_per_capita as panel
    inner join regions on panel.region_code = regions.region_code
    left join nqp_scores
        on panel.region_code = nqp_scores.region_code
        and panel.year = nqp_scores.year
    left join nqp_by_method
        on panel.region_code = nqp_by_method.region_code
        and panel.year = nqp_by_method.year
)

select * from final
