-- Every subsystem of every coupling set (seed coupling_systems) in every region-year the set
-- covers, with its index_scores score when there is one (NULL: not scored there). The set covers the
-- region-years any of its subsystems is scored in, within the years all its systems cover; what a
-- missing score does is decided downstream (coupling_subsystem_scores: stop, or drop and log).
with coupling_systems as (
    select * from {{ ref('coupling_systems') }}
),

index_systems as (
    select system, method, score_weighting, year_from, year_to from {{ ref('index_systems') }}
),

-- per set: n subsystems, how many carry a weight, the years every system of the set covers
coupling_sets as (
    select
        coupling_systems.coupling_id,
        count(*) as n_subsystems,
        count(coupling_systems.weight) as n_weighted,
        max(index_systems.year_from) as year_from,
        min(index_systems.year_to) as year_to
    from coupling_systems
    inner join index_systems on coupling_systems.system = index_systems.system
    group by coupling_systems.coupling_id
),

dimension_weights as (
    select system, dimension, period_scheme, period, weight
    from {{ ref('index_weights') }}
    where level = 'dimension'
),

scores as (
    select system, region_code, year, level, dimension, score
    from {{ ref('index_scores') }}
    where level in ('total', 'dimension')
),

-- each subsystem's score, with the weighting scope of its system (pooled, or the year's)
subsystem_scores_scoped as (
    select
        coupling_systems.coupling_id,
        coupling_systems.subsystem,
        coupling_systems.system,
        coupling_systems.dimension,
        scores.region_code,
        scores.year,
        scores.score as index_score,
        index_systems.method,
        {{ nqp_weighting_scope('index_systems.score_weighting', 'scores.year') }}
    from coupling_systems
    inner join index_systems on coupling_systems.system = index_systems.system
    inner join scores
        on coupling_systems.system = scores.system
        and (
            (coupling_systems.dimension is null and scores.level = 'total')
            or (scores.level = 'dimension' and coupling_systems.dimension = scores.dimension)
        )
),

-- with the dimension's weight in that scope (NULL for totals)
subsystem_scores as (
    select
        subsystem_scores_scoped.*,
        dimension_weights.weight as dimension_weight
    from subsystem_scores_scoped
    left join dimension_weights
        on subsystem_scores_scoped.system = dimension_weights.system
        and subsystem_scores_scoped.dimension = dimension_weights.dimension
        and subsystem_scores_scoped.period_scheme = dimension_weights.period_scheme
        and subsystem_scores_scoped.period = dimension_weights.period
),

-- the set's region-years: any subsystem scored, within the years all its systems cover
set_region_years as (
    select distinct subsystem_scores.coupling_id, subsystem_scores.region_code, subsystem_scores.year
    from subsystem_scores
    inner join coupling_sets on subsystem_scores.coupling_id = coupling_sets.coupling_id
    where subsystem_scores.year between coupling_sets.year_from and coupling_sets.year_to
),

-- every subsystem of the set in every such region-year, scored or not
expected as (
    select
        set_region_years.coupling_id,
        set_region_years.region_code,
        set_region_years.year,
        coupling_systems.subsystem,
        coupling_systems.subsystem_zh,
        coupling_systems.subsystem_en,
        coupling_systems.system,
        coupling_systems.dimension,
        coupling_systems.weight as declared_weight,
        coupling_sets.n_subsystems,
        coupling_sets.n_weighted
    from set_region_years
    inner join coupling_systems on set_region_years.coupling_id = coupling_systems.coupling_id
    inner join coupling_sets on set_region_years.coupling_id = coupling_sets.coupling_id
),

joined as (
    select
        expected.*,
        subsystem_scores.index_score,
        subsystem_scores.method,
        subsystem_scores.dimension_weight
    from expected
    left join subsystem_scores
        on expected.coupling_id = subsystem_scores.coupling_id
        and expected.subsystem = subsystem_scores.subsystem
        and expected.region_code = subsystem_scores.region_code
        and expected.year = subsystem_scores.year
)


select * from joined
