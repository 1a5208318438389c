-- Every unit a panel may be keyed by (seeds units: provinces, prefecture-level cities, counties) with
-- the region groups of the province it lies in. The groups are never stored per city: they follow
-- from the parent province (seeds regions), so a city is east / west, south / north, or on a side
-- of the Hu line exactly as its province is.
with units as (
    select * from {{ ref('units') }}
),

regions as (
    select * from {{ ref('regions') }}
)

select
    units.unit_code,
    units.level,
    units.parent_code,
    units.region_code as province_code,
    units.name_full,
    units.name_short,
    units.area_km2,
    regions.name_short as province_name,
    regions.region3,
    regions.region4,
    regions.south_north,
    regions.hu_line_side
from units
inner join regions on units.region_code = regions.region_code
