-- Labels of the units per year from the inbox tables' attribute columns (a firm's 行业代码 and 产权性质, or a
-- column inbox.yml lists under attributes:), with the unit's level, name and firm id. A panel model joins
-- one attribute per column (README "Labels: industry, ownership"): industry fixed effects, subsamples.
-- A label read without a year (a table without 年份, such as a CSMAR 公司基本信息 export) is given to every
-- year the unit has values in and no label of that year names: the year's own label wins, since a firm's
-- industry of 2016 is not today's. A unit with no values in any year keeps its label with year NULL.
with attributes as (
    select * from {{ ref('stg_ingest__unit_attributes') }}
),

units as (
    select unit_code, level, name_short, firm_id, province_code from {{ ref('int_units') }}
),

-- every unit-year with a value in some series (provinces; cities, counties and firms)
unit_years as (
    select distinct
        region_code as unit_code,
        year
    from {{ ref('int_series_values') }}
    union
    select distinct
        region_code as unit_code,
        year
    from {{ ref('int_city_series_values') }}
),

labels_of_their_year as (
    select
        *,
        false as read_without_year
    from attributes
    where year is not null
),

labels_without_year as (
    select * from attributes
    where year is null
),

-- each label without a year in its unit's years, the years with a label of their own left out
labels_without_year_by_year as (
    select
        labels.unit_code,
        unit_years.year,
        labels.attribute,
        labels.value,
        labels.source_file,
        labels.source_sheet,
        labels.source_row,
        labels.source_column,
        labels.raw_text,
        true as read_without_year
    from labels_without_year as labels
    inner join unit_years on labels.unit_code = unit_years.unit_code
    left join labels_of_their_year as own
        on labels.unit_code = own.unit_code
        and unit_years.year = own.year
        and labels.attribute = own.attribute
    where own.unit_code is null
),

-- a label without a year of a unit with no values at all: kept (year NULL), not lost
labels_of_units_without_values as (
    select
        labels.*,
        true as read_without_year
    from labels_without_year as labels
    where not exists (
            select 1 from unit_years
            where unit_years.unit_code = labels.unit_code
        )
),

labels as (
    select * from labels_of_their_year
    union all
    select * from labels_without_year_by_year
    union all
    select * from labels_of_units_without_values
)

select
    labels.unit_code,
    units.level,
    units.name_short as unit_name,
    units.firm_id,
    units.province_code,
    labels.year,
    labels.attribute,
    labels.value,
    labels.read_without_year,
    labels.source_file,
    labels.source_sheet,
    labels.source_row,
    labels.source_column,
    labels.raw_text
from labels
inner join units on labels.unit_code = units.unit_code
