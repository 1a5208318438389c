-- The series-built indicator values of every system after the system's missing-value rule
-- (index_systems.missing_rule, default error; macro nqp_fill_missing): interior gaps interpolated,
-- edges extrapolated, or nothing filled, on each region's years of the system sample. Flags say
-- which values are imputed and which region-years a complete_cases system drops.
with systems as (
    select
        system,
        coalesce(missing_rule, 'error') as missing_rule,
        coalesce(extrapolation, 'nearest') as extrapolation
    from {{ ref('index_systems') }}
),

indicator_values as (
    select indicator_values.*, systems.missing_rule, systems.extrapolation
    from {{ ref('int_index_indicator_values') }} as indicator_values
    inner join systems on indicator_values.system = systems.system
),

filled as (
    {{ nqp_fill_missing('indicator_values', carry=['dimension', 'sub_dimension', 'direction']) }}
)

select * from filled
