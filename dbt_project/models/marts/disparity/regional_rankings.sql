-- Provinces ranked by GDP per capita in every year (1 = highest; ties share the lower rank, as SQL
-- rank() and Stata's `egen rank(), field`), with the national aggregate per capita beside it.
with region_years as (
    select * from {{ ref('int_region_gdp') }}
),

national as (
    select year, sum(gdp) * 10000 / sum(population) as national_gdp_per_capita
    from region_years
    group by year
),

ranked as (
    select
        region_code,
        name_short,
        name_en,
        region4,
        region4_zh,
        year,
        gdp_per_capita,
        rank() over (partition by year order by gdp_per_capita desc) as gdp_per_capita_rank,
        rank() over (partition by year order by gdp_per_capita asc) as gdp_per_capita_rank_from_bottom,
        count(*) over (partition by year) as n_regions,
        gdp_per_capita / max(gdp_per_capita) over (partition by year) as ratio_to_top,
        gdp_per_capita / min(gdp_per_capita) over (partition by year) as ratio_to_bottom,
        uses_synthetic
    from region_years
)

select
    ranked.*,
    national.national_gdp_per_capita,
    ranked.gdp_per_capita > national.national_gdp_per_capita as above_national
from ranked
inner join national on ranked.year = national.year
