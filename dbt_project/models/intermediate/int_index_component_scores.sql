-- Scores of the index systems that serve as an indicator of another system (a catalogue numerator
-- `index:<system>`, e.g. Paper A's digital-economy index inside its NQP index), computed with the
-- same macros and the component's own method, pooled over the component's sample, from its indicator
-- values after its own missing-value rule (a component that cannot be scored stops the build, or with
-- index_missing_action 'report' has no scores, so its parents lack the indicator).
with components as (
    select distinct substr(numerator, 7) as system
    from {{ ref('index_indicators') }}
    where numerator like 'index:%'
),

systems as (
    select * from {{ ref('index_systems') }}
),

component_values as (
    select filled.*
    from {{ ref('int_index_indicator_filled') }} as filled
    inner join components on filled.system = components.system
),

complete_values as (
    {{ nqp_complete_indicator_sets('component_values', action=var('index_missing_action', 'raise')) }}
),

component_inputs as (
    select
        complete_values.*,
        'pooled' as period_scheme,
        'pooled' as period,
        systems.shift
    from complete_values
    inner join systems on complete_values.system = systems.system
),

ranges as (
    {{ nqp_indicator_ranges(
        'component_inputs', ['system', 'period_scheme', 'period'], shift='shift',
        directions=ref('index_indicators'), direction_keys=['system', 'indicator']
    ) }}
),

weights as (
    {{ nqp_entropy_weights_from_values('component_inputs', 'ranges', ['system', 'period_scheme', 'period']) }}
),

coefficients as (
    {{ nqp_score_coefficients('ranges', 'weights', ['system', 'period_scheme', 'period']) }}
),

scores as (
    {{ nqp_composite_scores(
        'component_inputs', 'coefficients', ['system', 'period_scheme', 'period'], ['region_code', 'year']
    ) }}
),

-- a score is synthetic / imputed when an input is; its imputation is the strongest of its inputs'
component_flags as (
    select
        system,
        region_code,
        year,
        max(case when is_synthetic then 1 else 0 end) = 1 as is_synthetic,
        case max(case imputation when 'extrapolate' then 2 when 'interpolate' then 1 else 0 end)
            when 2 then 'extrapolate' when 1 then 'interpolate'
        end as imputation
    from component_inputs
    group by system, region_code, year
)

select
    scores.system,
    scores.region_code,
    scores.year,
    case
        when systems.method = 'topsis_entropy' then scores.topsis_closeness else scores.weighted_sum
    end as score,
    component_flags.is_synthetic,
    component_flags.imputation
from scores
inner join systems on scores.system = systems.system
inner join component_flags
    on scores.system = component_flags.system
    and scores.region_code = component_flags.region_code
    and scores.year = component_flags.year
