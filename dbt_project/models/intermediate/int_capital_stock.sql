-- Capital stock of each region by perpetual inventory (Zhang, Wu & Zhang 2004), at constant prices
-- of var production_base_year:
--   K_t = K_{t-1} (1 - delta) + I_t / P_t  for t > t0,   K_t0 = K_0 = I_t0 / P_t0 / (g + delta),
-- I = fixed_asset_investment (亿元, nominal), P = the cumulated fai_price_index (previous year = 100)
-- rebased to 1 in the base year, delta = var capital_depreciation_rate (9.6 %), t0 = the region's first
-- year with both series, g = the region's average real investment growth over its first
-- w = var capital_initial_growth_years years (geometric mean: (x_{t0+w} / x_t0)^(1/w) - 1, x = I / P).
-- The recursion is evaluated in its closed form with a window sum (portable SQL, no recursive CTE):
--   K_t = (1 - delta)^(t - t0) (K_0 + sum_{t0 < s <= t} (1 - delta)^(t0 - s) I_s / P_s).
{% set base_year = var('production_base_year') %}
{% set depreciation = var('capital_depreciation_rate') %}
{% set growth_years = var('capital_initial_growth_years') %}

with region_years as (
    {{ nqp_series_wide(ref('int_series_values'), ['fixed_asset_investment', 'fai_price_index']) }}
),

investment as (
    select
        region_code,
        year,
        fixed_asset_investment,
        fai_price_index,
        uses_synthetic,
        min(year) over (partition by region_code) as initial_year,
        row_number() over (partition by region_code order by year) as year_number,
        -- the price chain: prod_{s <= t} index_s / 100 (its origin cancels in the rebasing below)
        exp(sum({{ nqp_safe_ln('fai_price_index / 100', "'fai_price_index'") }}) over (
            partition by region_code order by year rows between unbounded preceding and current row
        )) as price_chain
    from region_years
    where fixed_asset_investment is not null and fai_price_index is not null
),

-- The perpetual inventory needs an unbroken series: a missing year would silently drop its investment.
checked as (
    select
        region_code,
        year,
        fixed_asset_investment,
        fai_price_index,
        uses_synthetic,
        initial_year,
        {{ nqp_raise_if(
            'year - initial_year + 1 <> year_number',
            "'capital stock: fixed_asset_investment or fai_price_index is missing before year ' || "
                ~ nqp_text('year') ~ " || ' for region ' || " ~ nqp_text('region_code')
                ~ " || ' (the series starts in ' || " ~ nqp_text('initial_year') ~ " || ')'",
            'year - initial_year'
        ) }} as years_since_initial,
        price_chain
    from investment
),

base_year_prices as (
    select region_code, price_chain as price_chain_base_year
    from checked
    where year = {{ base_year }}
),

deflated as (
    select
        checked.region_code,
        checked.year,
        checked.fixed_asset_investment,
        checked.fai_price_index,
        checked.uses_synthetic,
        checked.initial_year,
        checked.years_since_initial,
        {{ nqp_raise_if(
            'base_year_prices.price_chain_base_year is null',
            "'capital stock: no fai_price_index in the base year " ~ base_year
                ~ " (var production_base_year) for region ' || " ~ nqp_text('checked.region_code'),
            'checked.price_chain / base_year_prices.price_chain_base_year'
        ) }} as investment_deflator
    from checked
    left join base_year_prices on checked.region_code = base_year_prices.region_code
),

real_investment as (
    select
        deflated.*,
        deflated.fixed_asset_investment / deflated.investment_deflator as real_investment
    from deflated
),

-- g and K_0 per region; a region with fewer than w + 1 years, or with g + delta <= 0, stops the build.
initial_stock as (
    select
        region_code,
        count(*) as n_years,
        max(case when years_since_initial = 0 then real_investment end) as initial_real_investment,
        exp((
            max(case when years_since_initial = {{ growth_years }}
                    then {{ nqp_safe_ln('real_investment', "'real fixed-asset investment'") }}
            end)
            - max(case when years_since_initial = 0
                    then {{ nqp_safe_ln('real_investment', "'real fixed-asset investment'") }}
            end)
        ) / {{ growth_years }}) - 1 as initial_growth
    from real_investment
    group by region_code
),

initial_stock_checked as (
    select
        region_code,
        initial_growth,
        {{ nqp_raise_if(
            'n_years < ' ~ (growth_years + 1) ~ ' or initial_growth + ' ~ depreciation ~ ' <= 0',
            "'capital stock: cannot set K_0 = I_0 / (g + delta) for region ' || " ~ nqp_text('region_code')
                ~ " || ': ' || " ~ nqp_text('n_years') ~ " || ' years of investment (needs "
                ~ (growth_years + 1) ~ ", var capital_initial_growth_years + 1), g = ' || "
                ~ nqp_text('initial_growth') ~ " || ', delta = " ~ depreciation ~ "'",
            'initial_real_investment / (initial_growth + ' ~ depreciation ~ ')'
        ) }} as initial_capital_stock
    from initial_stock
),

accumulated as (
    select
        real_investment.region_code,
        real_investment.year,
        real_investment.fixed_asset_investment,
        real_investment.fai_price_index,
        real_investment.investment_deflator,
        real_investment.real_investment,
        real_investment.initial_year,
        initial_stock_checked.initial_growth,
        initial_stock_checked.initial_capital_stock,
        power(1 - {{ depreciation }}, real_investment.years_since_initial) * (
            initial_stock_checked.initial_capital_stock
            + sum(case when real_investment.years_since_initial > 0
                    then power(1 - {{ depreciation }}, -real_investment.years_since_initial)
                        * real_investment.real_investment
                else 0 end) over (
                partition by real_investment.region_code order by real_investment.year
                rows between unbounded preceding and current row
            )
        ) as capital_stock,
        {{ depreciation }} as depreciation_rate,
        real_investment.uses_synthetic as is_synthetic
    from real_investment
    inner join initial_stock_checked on real_investment.region_code = initial_stock_checked.region_code
)

select * from accumulated
