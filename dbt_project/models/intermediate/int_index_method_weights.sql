-- Indicator weights of every index system in its scoring scope under three weightings of the same
-- standardised matrix: entropy (the system's own weights, int_index_indicator_weights), equal
-- (1 / k) and CRITIC (Diakoulaki et al. 1995). Input of index_scores_by_method and index_method_weights.
with systems as (
    select * from {{ ref('index_systems') }}
),

-- The scope each system is scored with: pooled weights by default, per-year where index_systems says so.
scoring_standardised as (
    select standardised.*
    from {{ ref('int_index_standardised') }} as standardised
    inner join systems on standardised.system = systems.system
    where (systems.score_weighting = 'per_year' and standardised.period_scheme = 'year')
        or (systems.score_weighting <> 'per_year' and standardised.period_scheme = 'pooled')
),

scoring_scopes as (
    select distinct system, period_scheme, period from scoring_standardised
),

entropy_weights as (
    select
        indicator_weights.system, indicator_weights.period_scheme, indicator_weights.period,
        indicator_weights.indicator, indicator_weights.n_units, indicator_weights.weight
    from {{ ref('int_index_indicator_weights') }} as indicator_weights
    inner join scoring_scopes
        on indicator_weights.system = scoring_scopes.system
        and indicator_weights.period_scheme = scoring_scopes.period_scheme
        and indicator_weights.period = scoring_scopes.period
),

equal_weights as (
    {{ nqp_equal_weights('scoring_standardised', ['system', 'period_scheme', 'period']) }}
),

critic_weights as (
    {{ nqp_critic_weights(
        'scoring_standardised', ['system', 'period_scheme', 'period'], ['region_code', 'year']
    ) }}
),

all_weightings as (
    select
        system, period_scheme, period, 'entropy' as weighting, indicator, n_units, weight,
        cast(null as double) as std_dev, cast(null as double) as conflict
    from entropy_weights
    union all
    select
        system, period_scheme, period, 'equal' as weighting, indicator, n_units, weight,
        cast(null as double) as std_dev, cast(null as double) as conflict
    from equal_weights
    union all
    select system, period_scheme, period, 'critic' as weighting, indicator, n_units, weight, std_dev, conflict
    from critic_weights
)

select * from all_weightings
