-- The real values below the provinces (a user's city, county and firm tables; the generated city demo
-- panel is not checked), with their unit's level and the file, row and cell they were read from: what
-- the level checks (unit_scale, year_on_year_jump) read beside the provincial observations. Each check
-- decides what it does with firms (unit_scale skips them, year_on_year_jump takes its firm threshold).
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
