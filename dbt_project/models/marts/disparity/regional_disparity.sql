-- Paper D's pairwise gaps between the four regions per year: region_a minus region_b in mean GDP
-- and in mean GDP per capita, for every pair with region_a before region_b in var
-- paper_d_region_order (east, central, west, northeast: the rows of its Table 1).
with region_means as (
    select * from {{ ref('regional_means') }}
    where region4 <> 'national'
),

region_pairs as (
    select
        region_a.region4 as region_a,
        region_b.region4 as region_b,
        region_a.region4_zh || '—' || region_b.region4_zh as pair_label_zh,
        region_a.region4 || ' - ' || region_b.region4 as pair_label_en,
        region_a.region_order * 10 + region_b.region_order as pair_order,
        region_a.year,
        region_a.gdp_mean as gdp_mean_a,
        region_b.gdp_mean as gdp_mean_b,
        region_a.gdp_per_capita_mean as gdp_per_capita_mean_a,
        region_b.gdp_per_capita_mean as gdp_per_capita_mean_b,
        region_a.uses_synthetic or region_b.uses_synthetic as uses_synthetic
    from region_means as region_a
    inner join region_means as region_b
        on region_a.year = region_b.year
        and region_a.region_order < region_b.region_order
)

select
    year,
    pair_order,
    region_a,
    region_b,
    pair_label_zh,
    pair_label_en,
    gdp_mean_a,
    gdp_mean_b,
    gdp_mean_a - gdp_mean_b as gdp_gap,
    gdp_per_capita_mean_a,
    gdp_per_capita_mean_b,
    gdp_per_capita_mean_a - gdp_per_capita_mean_b as gdp_per_capita_gap,
    uses_synthetic
from region_pairs
