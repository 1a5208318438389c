-- Coupling coordination degree of every coupling set, region and year, under both formulas of
-- nqp_coupling_coordination (classic; corrected, 王淑佳 et al. 2021): coupling degree C,
-- comprehensive development T = sum alpha_i U_i, coordination degree D = sqrt(C T), its class
-- (seed coordination_levels) and the lagging subsystem (lowest U). The U_i are the rows of
-- coupling_subsystem_scores.
with subsystem_scores as (
    select * from {{ ref('coupling_subsystem_scores') }}
),

classic as (
    {{ nqp_coupling_coordination(
        'subsystem_scores', ['coupling_id', 'region_code', 'year'], weights='weight', formula='classic'
    ) }}
),

corrected as (
    {{ nqp_coupling_coordination(
        'subsystem_scores', ['coupling_id', 'region_code', 'year'], weights='weight', formula='corrected'
    ) }}
),

both_formulas as (
    select 'classic' as formula, classic.* from classic
    union all
    select 'corrected' as formula, corrected.* from corrected
),

classified as (
    {{ nqp_coordination_levels(
        'both_formulas', ref('coordination_levels'), ['coupling_id', 'formula', 'region_code', 'year']
    ) }}
),

-- the subsystem with the lowest U (ties: the first subsystem code)
lagging as (
    select coupling_id, region_code, year, subsystem, subsystem_zh, subsystem_en
    from (
        select
            subsystem_scores.*,
            row_number()
                over (
                    partition by
                        subsystem_scores.coupling_id, subsystem_scores.region_code, subsystem_scores.year
                    order by subsystem_scores.score, subsystem_scores.subsystem
                )
                as subsystem_order
        from subsystem_scores
    ) as ordered
    where subsystem_order = 1
),

sets as (
    select distinct coupling_id, coupling_zh, coupling_en, study from {{ ref('coupling_systems') }}
),

regions as (
    select region_code, name_short, name_en from {{ ref('regions') }}
)

select
    classified.coupling_id,
    sets.coupling_zh,
    sets.coupling_en,
    sets.study,
    classified.formula,
    classified.region_code,
    regions.name_short as region_name_zh,
    regions.name_en as region_name_en,
    classified.year,
    classified.n_subsystems,
    classified.n_zero_subsystems,
    classified.coupling_degree,
    classified.development_index,
    classified.coordination_degree,
    classified.level,
    classified.level_zh,
    classified.level_en,
    lagging.subsystem as lagging_subsystem,
    lagging.subsystem_zh as lagging_subsystem_zh,
    lagging.subsystem_en as lagging_subsystem_en
from classified
inner join sets on classified.coupling_id = sets.coupling_id
inner join regions on classified.region_code = regions.region_code
inner join lagging
    on classified.coupling_id = lagging.coupling_id
    and classified.region_code = lagging.region_code
    and classified.year = lagging.year
