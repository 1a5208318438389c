-- Paper D's four-region means per year: the mean over a region's provinces of GDP and of GDP per
-- capita (Paper D's "区域GDP均值与人均GDP": its 2022 east - central per-capita gap, 44740 元, is the
-- difference of unweighted provincial means), and the aggregate per capita (total GDP / total
-- population) beside it. region4 = 'national' holds all 31 provinces.
with region_years as (
    select * from {{ ref('int_region_gdp') }}
),

region_order as (
    {%- for region in var('paper_d_region_order') %}
        select '{{ region }}' as region4, {{ loop.index }} as region_order
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

four_region_means as (
    select
        region4,
        max(region4_zh) as region4_zh,
        year,
        count(*) as n_regions,
        avg(gdp) as gdp_mean,
        avg(gdp_per_capita) as gdp_per_capita_mean,
        sum(gdp) as gdp_total,
        sum(population) as population_total,
        sum(gdp) * 10000 / sum(population) as gdp_per_capita_aggregate,
        max(case when uses_synthetic then 1 else 0 end) = 1 as uses_synthetic
    from region_years
    group by region4, year
),

national_means as (
    select
        'national' as region4,
        '全国' as region4_zh,
        year,
        count(*) as n_regions,
        avg(gdp) as gdp_mean,
        avg(gdp_per_capita) as gdp_per_capita_mean,
        sum(gdp) as gdp_total,
        sum(population) as population_total,
        sum(gdp) * 10000 / sum(population) as gdp_per_capita_aggregate,
        max(case when uses_synthetic then 1 else 0 end) = 1 as uses_synthetic
    from region_years
    group by year
),

all_means as (
    select * from four_region_means
    union all
    select * from national_means
)

select
    all_means.region4,
    all_means.region4_zh,
    coalesce(region_order.region_order, {{ var('paper_d_region_order') | length + 1 }}) as region_order,
    all_means.year,
    all_means.n_regions,
    all_means.gdp_mean,
    all_means.gdp_per_capita_mean,
    all_means.gdp_total,
    all_means.population_total,
    all_means.gdp_per_capita_aggregate,
    all_means.uses_synthetic
from all_means
left join region_order on all_means.region4 = region_order.region4
