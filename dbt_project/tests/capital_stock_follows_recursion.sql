-- int_capital_stock evaluates the perpetual inventory in closed form; every year after the first must
-- still satisfy the recursion K_t = (1 - delta) K_{t-1} + I_t / P_t (relative tolerance 1e-9).
with stocks as (
    select
        region_code,
        year,
        capital_stock,
        real_investment,
        depreciation_rate,
        lag(capital_stock) over (partition by region_code order by year) as previous_capital_stock
    from {{ ref('int_capital_stock') }}
)

select *
from stocks
where previous_capital_stock is not null
    and abs(capital_stock - ((1 - depreciation_rate) * previous_capital_stock + real_investment))
    > 1e-9 * capital_stock
