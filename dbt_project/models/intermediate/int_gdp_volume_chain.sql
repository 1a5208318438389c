-- A chained volume index of each region's GDP from the GDP index (previous year = 100):
-- volume_chain_t = prod_{s <= t} index_s / 100. Real GDP at base-year prices b is then
-- gdp_b * volume_chain_t / volume_chain_b; the chain's origin cancels in that ratio.
with region_years as (
    {{ nqp_series_wide(ref('int_series_interpolated'), ['gdp', 'gdp_index']) }}
),

chained as (
    select
        region_code,
        year,
        gdp,
        gdp_index,
        exp(sum({{ nqp_safe_ln('gdp_index / 100', "'gdp_index'") }}) over (
            partition by region_code order by year rows between unbounded preceding and current row
        )) as volume_chain,
        uses_synthetic as is_synthetic
    from region_years
    where gdp_index is not null
)

select * from chained
