-- The real values below the provinces (a user's city and county tables; the generated city demo panel
-- is not checked), with their unit's level and the file, row and cell they were read from: what the
-- level checks (unit_scale, year_on_year_jump) read beside the provincial observations. Firms are not
-- checked: a firm's size differs from the median firm's by more than 1,000x and jumps 5x in a year for
-- real (a merger, a first R&D budget), so neither check tells a slip from a firm.
with observations as (
    select * from {{ ref('stg_city__observations') }}
),

units as (
    select unit_code, level from {{ ref('int_units') }}
)

select
    observations.region_code,
    units.level,
    observations.year,
    observations.series,
    observations.value,
    observations.source_id,
    observations.source_file,
    observations.source_row,
    observations.raw_text
from observations
inner join units on observations.region_code = units.unit_code
where not observations.is_synthetic
    and units.level <> 'firm'
