-- The long input of the inequality mart: every index system's total score and each series of var
-- inequality_series, per region-year, once for each grouping scheme of var inequality_groupings
-- (a column of the regions seed), with the region's population for weighted measures.
with regions as (
    select * from {{ ref('regions') }}
),

-- one row per region and grouping scheme: the scheme's name and the region's group in it
region_groups as (
    {%- for grouping in var('inequality_groupings') %}
        select
            region_code,
            '{{ grouping }}' as grouping,
            cast({{ grouping }} as {{ dbt.type_string() }}) as group_code
        from regions
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

index_totals as (
    select 'index' as subject_kind, system as subject, region_code, year, score as value
    from {{ ref('index_scores') }}
    where level = 'total'
),

declared_series as (
    select 'series' as subject_kind, series as subject, region_code, year, value
    from {{ ref('series_values') }}
    where series in (
            {%- for declared in var("inequality_series") %}
                '{{ declared }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
),

populations as (
    select region_code, year, value as population
    from {{ ref('series_values') }}
    where series = 'population'
),

subjects as (
    select * from index_totals
    union all
    select * from declared_series
)

select
    subjects.subject_kind,
    subjects.subject,
    region_groups.grouping,
    region_groups.group_code,
    subjects.region_code,
    subjects.year,
    subjects.value,
    populations.population
from subjects
inner join region_groups on subjects.region_code = region_groups.region_code
left join populations on subjects.region_code = populations.region_code and subjects.year = populations.year
