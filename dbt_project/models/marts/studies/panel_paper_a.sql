-- Paper A (Wang & Wu 2025) analysis panel: 30 regions (no Tibet) x 2013-2022.
-- Outcome: the regional gap in log real GDP per capita at 2013 prices against the national average;
-- regressor: the nqp_a entropy index; mediator: industrial-structure upgrading; six controls;
-- threshold variable of the panel threshold table: the digital-economy index (digital_economy_a).
{% set base_year = var('paper_a_base_year') %}
{% set sample_years = (2013, 2022) %}
{% set excluded_regions = [54] %}
{% set analysis_variables = ['regional_gap_abs', 'regional_gap_rel', 'nqp', 'nqp_topsis_entropy', 'nqp_equal',
    'nqp_critic', 'digital_economy', 'industrial_upgrading', 'gov_intervention', 'tax_burden', 'openness',
    'urbanisation', 'financial_development', 'infrastructure'] %}

with region_years as (
    {{ nqp_series_wide(ref('int_series_values'), [
        'gdp', 'population', 'urban_population', 'budget_expenditure', 'tax_revenue', 'trade_cny',
        'deposits', 'loans', 'fixed_asset_investment', 'va_primary', 'va_secondary', 'va_tertiary'
    ]) }}
),

real_gdp as (
    {{ nqp_real_gdp(base_year) }}
),

-- a region-year without a GDP chain keeps its row with no real GDP (NULL), never dropped
real_gdp_per_capita as (
    select
        region_years.*,
        real_gdp.real_gdp,
        real_gdp.real_gdp * 10000 / region_years.population as real_gdp_per_capita
    from region_years
    left join real_gdp
        on region_years.region_code = real_gdp.region_code
        and region_years.year = real_gdp.year
),

logged as (
    select
        real_gdp_per_capita.*,
        {{ nqp_safe_ln('real_gdp_per_capita', "'real GDP per capita'") }} as ln_real_gdp_per_capita
    from real_gdp_per_capita
),

-- The national average of year t: national real GDP over national population (all 31 regions),
-- or, with var paper_a_national_average = 'mean_of_logs', the mean of the sample's provincial logs;
-- NULL when a region it needs lacks its value (never an average over the others).
national_average as (
    select
        year,
        {% if var('paper_a_national_average') == 'mean_of_logs' %}
            {{ nqp_complete_aggregate('avg', 'ln_real_gdp_per_capita', filter='not excluded') }}
        {% else %}
            ln(
                {{ nqp_complete_aggregate('sum', 'real_gdp') }} * 10000
                / {{ nqp_complete_aggregate('sum', 'population') }}
            )
        {% endif %} as ln_real_gdp_per_capita_national
    from (
        select
            *,
            region_code in ({{ excluded_regions | join(', ') }}) as excluded
        from logged
    ) as regions_of_the_year
    group by year
),

nqp_index as (
    {{ nqp_index_total('nqp_a', 'nqp') }}
),

-- The digital-economy development index (Zhao, Zhang & Liang 2020), itself an indicator of nqp_a:
-- the threshold variable of Paper A's threshold table (table7)
digital_economy_index as (
    {{ nqp_index_total('digital_economy_a', 'digital_economy') }}
),

-- nqp_a under the other weighting methods, for the index-robustness re-estimation (YAML robustness)
nqp_by_method as (
    {{ nqp_scores_by_method('nqp_a', 'nqp', ['topsis_entropy', 'equal', 'critic']) }}
),

regions as (
    select region_code, name_short, name_en, region3, region4 from {{ ref('regions') }}
),

panel as (
    select
        logged.region_code,
        logged.year,
        regions.name_short as region_name,
        regions.region3,
        regions.region4,
        abs(logged.ln_real_gdp_per_capita - national_average.ln_real_gdp_per_capita_national)
            as regional_gap_abs,
        abs(logged.ln_real_gdp_per_capita - national_average.ln_real_gdp_per_capita_national)
        / (0.5 * (logged.ln_real_gdp_per_capita + national_average.ln_real_gdp_per_capita_national))
            as regional_gap_rel,
        nqp_index.nqp,
        nqp_by_method.nqp_topsis_entropy,
        nqp_by_method.nqp_equal,
        nqp_by_method.nqp_critic,
        digital_economy_index.digital_economy,
        -- sector shares of the sectors' own sum (GDP within one vintage): value added and GDP may come
        -- from sources of different vintages (source_precedence.csv)
        (1 * logged.va_primary + 2 * logged.va_secondary + 3 * logged.va_tertiary)
        / (logged.va_primary + logged.va_secondary + logged.va_tertiary) as industrial_upgrading,
        logged.budget_expenditure / logged.gdp as gov_intervention,
        logged.tax_revenue / logged.gdp as tax_burden,
        logged.trade_cny / logged.gdp as openness,
        logged.urban_population / logged.population as urbanisation,
        (logged.deposits + logged.loans) / logged.gdp as financial_development,
        {{ nqp_safe_ln(
            'logged.fixed_asset_investment * 10000 / logged.population', "'fixed-asset investment per capita'",
            'logged.region_code', 'logged.year'
        ) }} as infrastructure,
        logged.real_gdp_per_capita,
        logged.ln_real_gdp_per_capita,
        national_average.ln_real_gdp_per_capita_national,
        logged.uses_synthetic
    from logged
    inner join national_average on logged.year = national_average.year
    inner join regions on logged.region_code = regions.region_code
    left join nqp_index
        on logged.region_code = nqp_index.region_code
        and logged.year = nqp_index.year
    left join nqp_by_method
        on logged.region_code = nqp_by_method.region_code
        and logged.year = nqp_by_method.year
    left join digital_economy_index
        on logged.region_code = digital_economy_index.region_code
        and logged.year = digital_economy_index.year
    where logged.year between {{ sample_years[0] }} and {{ sample_years[1] }}
        and logged.region_code not in ({{ excluded_regions | join(', ') }})
),

-- Optional winsorising of every analysis variable (var paper_a_winsorise; Stata winsor2 convention).
final as (
    select
        region_code,
        year,
        region_name,
        region3,
        region4,
        {{ nqp_analysis_variables('panel', analysis_variables, var('paper_a_winsorise')) }}
        real_gdp_per_capita,
        ln_real_gdp_per_capita,
        ln_real_gdp_per_capita_national,
        uses_synthetic
    from panel
)

select * from final
