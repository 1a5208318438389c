-- National series of each coupling set and formula: the unweighted mean over the provinces of C, T
-- and D in every year (as Paper B's 全国均值 of its indices), the spread of D, and the class of the
-- mean D.
with provincial as (
    select * from {{ ref('coupling_coordination') }}
),

national as (
    select
        coupling_id,
        max(coupling_zh) as coupling_zh,
        max(coupling_en) as coupling_en,
        max(study) as study,
        formula,
        year,
        cast(count(*) as integer) as n_regions,
        avg(coupling_degree) as coupling_degree,
        avg(development_index) as development_index,
        avg(coordination_degree) as coordination_degree,
        min(coordination_degree) as coordination_degree_min,
        max(coordination_degree) as coordination_degree_max,
        cast(sum(case when level >= 6 then 1 else 0 end) as integer) as n_regions_coordinated
    from provincial
    group by coupling_id, formula, year
)

{{ nqp_coordination_levels('national', ref('coordination_levels'), ['coupling_id', 'formula', 'year']) }}
