-- Labels of the units per year from the inbox tables' attribute columns (a firm's 行业代码 and 产权性质, or a
-- column inbox.yml lists under attributes:), with the unit's level, name and firm id. A panel model joins
-- one attribute per column (README "Labels: industry, ownership"): industry fixed effects, subsamples.
with attributes as (
    select * from {{ ref('stg_ingest__unit_attributes') }}
),

units as (
    select unit_code, level, name_short, firm_id, province_code from {{ ref('int_units') }}
)

select
    attributes.unit_code,
    units.level,
    units.name_short as unit_name,
    units.firm_id,
    units.province_code,
    attributes.year,
    attributes.attribute,
    attributes.value,
    attributes.source_file,
    attributes.source_sheet,
    attributes.source_row,
    attributes.source_column,
    attributes.raw_text
from attributes
inner join units on attributes.unit_code = units.unit_code
