-- Paper E's mechanism variables: capital and labour misallocation (Bai & Liu 2018, after Hsieh &
-- Klenow 2009 and Chen & Hu 2011), one row per region-year of var paper_e_sample_years (31 regions):
--   gamma_Ki = (K_i / K) / (s_i beta_Ki / beta_K),   beta_K = sum_i s_i beta_Ki   (per year)
--   tau_Ki = 1 / gamma_Ki - 1,   likewise for labour with L = employment,
--   M_cap = |tau_K|, M_lab = |tau_L|, M_all = M_cap + M_lab.
-- s_i is the nominal output share; K and L sum over the regions of the year. beta_Ki, beta_Li come
-- from the Python LSDV fit (Dagster asset intermediate/production_elasticities). A share, and the
-- output-weighted beta_K / beta_L, is NULL for every region of a year in which one region lacks its
-- value (never a share of the others' sum), so that year's indices needing it are NULL.
{% set sample_years = var('paper_e_sample_years') %}

with inputs as (
    select * from {{ ref('int_production_inputs') }}
    where year between {{ sample_years[0] }} and {{ sample_years[1] }}
),

elasticities as (
    select region_code, beta_k, beta_l from {{ source('intermediate', 'production_elasticities') }}
),

-- A region with all inputs in a sample year needs its elasticities (the fit uses such rows); one without
-- them leaves that year's output-weighted sums NULL. A factor share is NULL in a year where a region
-- lacks the factor (nqp_complete_aggregate).
with_elasticities as (
    select
        inputs.region_code,
        inputs.year,
        inputs.output_share,
        inputs.capital_stock
        / {{ nqp_complete_aggregate('sum', 'inputs.capital_stock', over='partition by inputs.year') }}
            as capital_share,
        inputs.employment
        / {{ nqp_complete_aggregate('sum', 'inputs.employment', over='partition by inputs.year') }}
            as labour_share,
        {{ nqp_raise_if(
            'elasticities.region_code is null and inputs.has_all_inputs',
            "'misallocation: no production elasticities for region ' || " ~ nqp_text('inputs.region_code')
                ~ " || ' (intermediate.production_elasticities, fitted over var paper_e_fit_years)'",
            'elasticities.beta_k'
        ) }} as beta_k,
        elasticities.beta_l,
        inputs.is_synthetic
    from inputs
    left join elasticities on inputs.region_code = elasticities.region_code
),

-- beta_K = sum_i s_i beta_Ki and beta_L of the year, NULL when a region lacks s_i or its elasticities.
output_weighted as (
    select
        with_elasticities.*,
        {{ nqp_complete_aggregate('sum', 'output_share * beta_k', over='partition by year') }} as beta_k_bar,
        {{ nqp_complete_aggregate('sum', 'output_share * beta_l', over='partition by year') }} as beta_l_bar
    from with_elasticities
),

distortions as (
    select
        output_weighted.*,
        output_weighted.capital_share
        / (output_weighted.output_share * output_weighted.beta_k / output_weighted.beta_k_bar) as gamma_k,
        output_weighted.labour_share
        / (output_weighted.output_share * output_weighted.beta_l / output_weighted.beta_l_bar) as gamma_l
    from output_weighted
),

final as (
    select
        region_code,
        year,
        output_share,
        beta_k,
        beta_l,
        beta_k_bar,
        beta_l_bar,
        gamma_k,
        gamma_l,
        1 / gamma_k - 1 as tau_k,
        1 / gamma_l - 1 as tau_l,
        abs(1 / gamma_k - 1) as m_cap,
        abs(1 / gamma_l - 1) as m_lab,
        abs(1 / gamma_k - 1) + abs(1 / gamma_l - 1) as m_all,
        is_synthetic as uses_synthetic
    from distortions
)

select * from final
