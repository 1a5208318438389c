-- Each region's series on a complete yearly grid between its first and last observed year, with
-- interior gaps filled by linear interpolation between the nearest observed years (Papers A, E).
-- Years before the first or after the last observation stay absent: no extrapolation.
with observations as (
    select * from {{ ref('int_observations_unioned') }}
),

coverage as (
    select region_code, series, min(year) as first_year, max(year) as last_year, max(unit) as unit
    from observations
    group by region_code, series
),

calendar_years as (
    select distinct year from observations
),

grid as (
    select coverage.region_code, coverage.series, calendar_years.year, coverage.unit
    from coverage
    inner join calendar_years
        on calendar_years.year between coverage.first_year and coverage.last_year
),

gridded as (
    select grid.*, observations.value, observations.provenance, observations.is_synthetic
    from grid
    left join observations
        on grid.region_code = observations.region_code
        and grid.series = observations.series
        and grid.year = observations.year
),

bracketed as (
    select
        gridded.*,
        max(case when gridded.value is not null then gridded.year end) over (
            partition by gridded.region_code, gridded.series order by gridded.year
            rows between unbounded preceding and current row
        ) as previous_year,
        min(case when gridded.value is not null then gridded.year end) over (
            partition by gridded.region_code, gridded.series order by gridded.year
            rows between current row and unbounded following
        ) as next_year
    from gridded
),

interpolated as (
    select
        bracketed.region_code,
        bracketed.year,
        bracketed.series,
        coalesce(
            bracketed.value,
            previous_obs.value
            + (next_obs.value - previous_obs.value)
            * (bracketed.year - bracketed.previous_year)
            / (bracketed.next_year - bracketed.previous_year)
        ) as value,
        bracketed.unit,
        coalesce(
            bracketed.provenance,
            case when previous_obs.provenance = next_obs.provenance
                    then previous_obs.provenance
                else 'synthetic'
            end
        ) as provenance,
        coalesce(bracketed.is_synthetic, previous_obs.is_synthetic or next_obs.is_synthetic) as is_synthetic,
        bracketed.value is null as is_interpolated
    from bracketed
    left join observations as previous_obs
        on bracketed.value is null
        and bracketed.region_code = previous_obs.region_code
        and bracketed.series = previous_obs.series
        and bracketed.previous_year = previous_obs.year
    left join observations as next_obs
        on bracketed.value is null
        and bracketed.region_code = next_obs.region_code
        and bracketed.series = next_obs.series
        and bracketed.next_year = next_obs.year
)

select * from interpolated
