{%- set drops_incomplete = (var('index_missing_action', 'raise') == 'report') | string | lower %}
-- The U_i of every coupling set (seed coupling_systems) per region and year: a subsystem's score
-- from index_scores, its total (dimension empty) or one dimension. A dimension of an entropy system
-- scores its indicators' contribution sum_{j in d} w_j z_j, bounded by the dimension's weight; U is
-- that score over the weight (the weighted mean of its standardised indicators, in [0, 1] as the
-- total). TOPSIS dimension scores are closeness values in [0, 1] already. alpha_i: the seed's weight,
-- or 1/n when the set gives none.
-- A subsystem without a score in a region-year another subsystem of its set is scored in stops the
-- build (dbt var index_missing_action 'raise'); with 'report' (a real-only build) that region-year is
-- left out of the set and listed in coupling_region_years_dropped.
with expected as (
    select * from {{ ref('int_coupling_subsystem_expected') }}
),

incomplete_region_years as (
    select distinct coupling_id, region_code, year
    from expected
    where index_score is null
),

joined as (
    select expected.*
    from expected
    left join incomplete_region_years
        on expected.coupling_id = incomplete_region_years.coupling_id
        and expected.region_code = incomplete_region_years.region_code
        and expected.year = incomplete_region_years.year
    -- with 'raise' every row passes and a missing score stops the build below
    where incomplete_region_years.coupling_id is null or not {{ drops_incomplete }}
)

select
    coupling_id,
    subsystem,
    subsystem_zh,
    subsystem_en,
    system,
    dimension,
    region_code,
    year,
    {{ nqp_raise_if(
        'index_score is null',
        "'coupling set ' || coupling_id || ': subsystem ' || subsystem || ' (system ' || system || ') has no score for region '
            || " ~ nqp_text('region_code') ~ " || ', year ' || " ~ nqp_text('year')
            ~ " || ', while another subsystem of the set has one'",
        'index_score') }} as index_score,
    dimension_weight,
    case
        when dimension is null or method = 'topsis_entropy' then index_score
        else index_score / {{ nqp_raise_if(
            'coalesce(dimension_weight, 0) <= 0',
            "'coupling set ' || coupling_id || ': dimension ' || dimension || ' of system ' || system
                || ' has no positive weight to scale its score to [0, 1]'",
            'dimension_weight') }}
    end as score,
    case
        when n_weighted = 0 then 1.0 / n_subsystems
        else {{ nqp_raise_if(
            'n_weighted < n_subsystems',
            "'coupling set ' || coupling_id || ': weight is given for ' || " ~ nqp_text('n_weighted')
                ~ " || ' of its ' || " ~ nqp_text('n_subsystems')
                ~ " || ' subsystems (give all or none in seeds/reference/coupling_systems.csv)'",
            'declared_weight') }}
    end as weight
from joined
