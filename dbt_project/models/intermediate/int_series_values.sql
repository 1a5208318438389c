-- Every series a model may name, raw (interpolated) or derived, in one long table.
with raw_series as (
    select region_code, year, series, value, unit, provenance, is_synthetic, is_interpolated
    from {{ ref('int_series_interpolated') }}
),

derived_series as (
    select region_code, year, series, value, unit, provenance, is_synthetic, is_interpolated
    from {{ ref('int_series_derived') }}
)

select * from raw_series
union all
select * from derived_series
