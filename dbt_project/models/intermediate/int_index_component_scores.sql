-- Scores of the index systems that serve as an indicator of another system (a catalogue numerator
-- `index:<system>`, e.g. Paper A's digital-economy index inside its NQP index), computed with the
-- same macros and the component's own method, pooled over the component's sample.
with components as (
    select distinct substr(numerator, 7) as system
    from {{ ref('index_indicators') }}
    where numerator like 'index:%'
),

systems as (
    select * from {{ ref('index_systems') }}
),

component_inputs as (
    select
        indicator_values.*,
        'pooled' as period_scheme,
        'pooled' as period,
        systems.shift
    from {{ ref('int_index_indicator_values') }} as indicator_values
    inner join components on indicator_values.system = components.system
    inner join systems on indicator_values.system = systems.system
),

ranges as (
    {{ nqp_indicator_ranges('component_inputs', ['system', 'period_scheme', 'period'], shift='shift') }}
),

standardised as (
    {{ nqp_standardise('component_inputs', ['system', 'period_scheme', 'period'], ranges='ranges') }}
),

weights as (
    {{ nqp_entropy_weights('standardised', ['system', 'period_scheme', 'period']) }}
),

coefficients as (
    {{ nqp_score_coefficients('ranges', 'weights', ['system', 'period_scheme', 'period']) }}
),

scores as (
    {{ nqp_composite_scores(
        'component_inputs', 'coefficients', ['system', 'period_scheme', 'period'], ['region_code', 'year']
    ) }}
),

component_synthetic as (
    select system, region_code, year, max(case when is_synthetic then 1 else 0 end) = 1 as is_synthetic
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
    component_synthetic.is_synthetic
from scores
inner join systems on scores.system = systems.system
inner join component_synthetic
    on scores.system = component_synthetic.system
    and scores.region_code = component_synthetic.region_code
    and scores.year = component_synthetic.year
