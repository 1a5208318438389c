-- Paper B (Wang & Xu 2025, factor innovation, industrial digitisation and regional coordinated
-- development) analysis panel: 31 regions x 2013-2023, N = 341. Outcome: the coordination_b entropy
-- index; regressor: factor_innovation_b and its labour / capital / technology dimension scores;
-- mediator: industrial_digitisation_b and its primary / secondary / tertiary parts; four controls.
-- The index scores are those of index_scores (weights pooled over 31 regions x 2003-2023); a
-- dimension score is its indicators' contribution sum_j w_j x'_ij, so the parts add up to the total
-- as in the paper's text (0.12 + 0.09 + 0.11 ~ 0.33 in 2023).
{% set sample_years = var('paper_b_sample_years') %}
{% set winsorise = var('paper_b_winsorise', false) %}
{% set talent_measure = var('paper_b_talent', 'graduate_students') %}
{% if talent_measure not in ('graduate_students', 'postgraduate_share_employed') %}
    {{ exceptions.raise_compiler_error(
        "var paper_b_talent must be 'graduate_students' or 'postgraduate_share_employed', got '"
        ~ talent_measure ~ "'") }}
{% endif %}
{% set analysis_variables = ['coordination', 'factor_innovation', 'fi_labour', 'fi_capital', 'fi_technology',
    'industrial_digitisation', 'digitisation_primary', 'digitisation_secondary', 'digitisation_tertiary',
    'factor_innovation_topsis_entropy', 'factor_innovation_equal', 'factor_innovation_critic',
    'talent', 'economic_base', 'urban_rural_gap', 'gov_support'] %}

with region_years as (
    {{ nqp_series_wide(ref('int_series_values'), [
        'gdp', 'employment', 'local_government_debt', 'urban_disposable_income',
        'rural_disposable_income', 'budget_expenditure'
    ] + [talent_measure]) }}
),

index_levels as (
    select system, region_code, year, level, dimension, score
    from {{ ref('index_scores') }}
    where system in ('coordination_b', 'factor_innovation_b', 'industrial_digitisation_b')
        and level in ('total', 'dimension')
),

paper_b_scores as (
    select
        region_code,
        year,
        max(case when system = 'coordination_b' and level = 'total' then score end) as coordination,
        max(case when system = 'factor_innovation_b' and level = 'total' then score end) as factor_innovation,
        max(case when system = 'factor_innovation_b' and dimension = 'labour' then score end) as fi_labour,
        max(case when system = 'factor_innovation_b' and dimension = 'capital' then score end) as fi_capital,
        max(case when system = 'factor_innovation_b' and dimension = 'technology' then score end)
            as fi_technology,
        max(case when system = 'industrial_digitisation_b' and level = 'total' then score end)
            as industrial_digitisation,
        max(case when system = 'industrial_digitisation_b' and dimension = 'primary' then score end)
            as digitisation_primary,
        max(case when system = 'industrial_digitisation_b' and dimension = 'secondary' then score end)
            as digitisation_secondary,
        max(case when system = 'industrial_digitisation_b' and dimension = 'tertiary' then score end)
            as digitisation_tertiary
    from index_levels
    group by region_code, year
),

-- factor_innovation_b under the other weighting methods, for the index-robustness re-estimation
-- of Table 5 (1) (config.meta.robustness)
factor_innovation_by_method as (
    {{ nqp_scores_by_method(
        'factor_innovation_b', 'factor_innovation', ['topsis_entropy', 'equal', 'critic']
    ) }}
),

-- Whether any indicator of the three systems is generated in the region-year.
index_inputs_synthetic as (
    select region_code, year, max(case when is_synthetic then 1 else 0 end) = 1 as is_synthetic
    from {{ ref('indicator_values') }}
    where system in ('coordination_b', 'factor_innovation_b', 'industrial_digitisation_b')
    group by region_code, year
),

regions as (
    select region_code, name_short, region3, region4, south_north from {{ ref('regions') }}
),

panel as (
    select
        region_years.region_code,
        region_years.year,
        regions.name_short as region_name,
        regions.region3,
        regions.region4,
        regions.south_north,
        paper_b_scores.coordination,
        paper_b_scores.factor_innovation,
        paper_b_scores.fi_labour,
        paper_b_scores.fi_capital,
        paper_b_scores.fi_technology,
        paper_b_scores.industrial_digitisation,
        paper_b_scores.digitisation_primary,
        paper_b_scores.digitisation_secondary,
        paper_b_scores.digitisation_tertiary,
        factor_innovation_by_method.factor_innovation_topsis_entropy,
        factor_innovation_by_method.factor_innovation_equal,
        factor_innovation_by_method.factor_innovation_critic,
        {% if talent_measure == 'graduate_students' -%}
        -- postgraduate students enrolled (persons) per 100 employed persons (万人 x 10 000)
            100 * region_years.graduate_students / (region_years.employment * 10000) as talent,
        {%- else -%}
        -- share of the employed holding a postgraduate degree, % (the paper's 1.31 % in 2023)
            region_years.postgraduate_share_employed as talent,
        {%- endif %}
        region_years.local_government_debt / region_years.gdp as economic_base,
        region_years.urban_disposable_income / region_years.rural_disposable_income as urban_rural_gap,
        region_years.budget_expenditure / region_years.gdp as gov_support,
        region_years.uses_synthetic or coalesce(index_inputs_synthetic.is_synthetic, false) as uses_synthetic
    from region_years
    inner join regions on region_years.region_code = regions.region_code
    left join paper_b_scores
        on region_years.region_code = paper_b_scores.region_code
        and region_years.year = paper_b_scores.year
    left join factor_innovation_by_method
        on region_years.region_code = factor_innovation_by_method.region_code
        and region_years.year = factor_innovation_by_method.year
    left join index_inputs_synthetic
        on region_years.region_code = index_inputs_synthetic.region_code
        and region_years.year = index_inputs_synthetic.year
    where region_years.year between {{ sample_years[0] }} and {{ sample_years[1] }}
),

final as (
    select
        region_code,
        year,
        region_name,
        region3,
        region4,
        south_north,
        {{ nqp_analysis_variables('panel', analysis_variables, winsorise) }}
        uses_synthetic
    from panel
)

select * from final
