-- The region-years a complete_cases index system leaves out of weighting and scoring, with the
-- indicators they lack (the log of rule complete_cases: nothing is dropped silently).
with panel as (
    select * from {{ ref('int_index_indicator_panel') }}
)

select
    system,
    region_code,
    year,
    count(case when is_missing then 1 end) as n_missing_indicators,
    count(*) as n_indicators,
    string_agg(case when is_missing then indicator end, ' ' order by indicator) as missing_indicators
from panel
where is_dropped
group by system, region_code, year
