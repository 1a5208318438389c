-- The long input of the inequality mart: every index system's total score and each series of var
-- inequality_series, per unit-year, once for each grouping scheme of var inequality_groupings (a
-- column of the regions seed), with the unit's population for weighted measures. Units are the
-- provinces and, for a city-, county- or firm-level index system (unit_level prefecture_city, county or
-- firm), its cities, counties or firms: each takes the groups of its province (int_units) and is also
-- grouped by province (grouping 'province'), so Dagum / Theil split their inequality into within- and
-- between-province parts.
with units as (
    select units.unit_code, units.level, units.province_code, regions.*
    from {{ ref('int_units') }} as units
    inner join {{ ref('regions') }} as regions on units.province_code = regions.region_code
    where units.level in ('province', 'prefecture_city', 'county', 'firm')
),

-- one row per unit and grouping scheme: the scheme's name and the unit's group in it
region_groups as (
    select
        unit_code as region_code,
        'province' as grouping,
        cast(province_code as {{ dbt.type_string() }}) as group_code
    from units
    where level <> 'province'
    {%- for grouping in var('inequality_groupings') %}
        union all
        select
            unit_code as region_code,
            '{{ grouping }}' as grouping,
            cast({{ grouping }} as {{ dbt.type_string() }}) as group_code
        from units
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
    union all
    select region_code, year, value as population
    from {{ ref('int_city_series_values') }}
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
