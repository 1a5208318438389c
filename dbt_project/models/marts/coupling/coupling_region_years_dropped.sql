-- Region-years left out of a coupling set because a subsystem has no score there: only in a build
-- with dbt var index_missing_action 'report' (a real-only build, where an index system may lack
-- data); with 'raise' such a gap stops the build in coupling_subsystem_scores and this is empty.
{%- set drops_incomplete = (var('index_missing_action', 'raise') == 'report') | string | lower %}
with expected as (
    select * from {{ ref('int_coupling_subsystem_expected') }}
),

missing_subsystems as (
    select coupling_id, region_code, year, subsystem
    from expected
    where index_score is null and {{ drops_incomplete }}
)

select
    coupling_id,
    region_code,
    year,
    count(*) as n_missing_subsystems,
    string_agg(subsystem, ', ' order by subsystem) as missing_subsystems
from missing_subsystems
group by coupling_id, region_code, year
