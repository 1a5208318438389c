-- One value per region-year-series: a real observation wherever a file gives one, a generated one
-- only where none does (the generator already avoids real cells; this makes precedence explicit).
with real_observations as (
    select region_code, year, series, value, unit, provenance, false as is_synthetic
    from {{ ref('stg_portal__observations') }}
),

-- var synthetic false (a real-only build): no generated value, even if the raw table has some
synthetic_observations as (
    select region_code, year, series, value, unit, provenance, true as is_synthetic
    from {{ ref('stg_synthetic__observations') }}
    {% if not var('synthetic') %}where false{% endif %}
),

synthetic_not_covered_by_real as (
    select synthetic_observations.*
    from synthetic_observations
    left join real_observations
        on synthetic_observations.region_code = real_observations.region_code
        and synthetic_observations.year = real_observations.year
        and synthetic_observations.series = real_observations.series
    where real_observations.series is null
),

unioned as (
    select * from real_observations
    union all
    select * from synthetic_not_covered_by_real
)

select * from unioned
