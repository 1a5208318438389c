-- Every unit a panel may be keyed by (seeds units: provinces, prefecture-level cities, counties; and the
-- firms of the inbox's firm tables) with the region groups of the province it lies in. The groups are
-- never stored per city or firm: they follow from the parent province (seeds regions), so a city is
-- east / west, south / north, or on a side of the Hu line exactly as its province is.
with catalogue_units as (
    select
        unit_code,
        level,
        parent_code,
        region_code as province_code,
        name_full,
        name_short,
        area_km2,
        cast(null as {{ dbt.type_string() }}) as firm_id,
        cast(null as {{ dbt.type_string() }}) as linked_ids
    from {{ ref('units') }}
),

-- a firm's parent is its prefecture city when the table names one, else its province
firm_units as (
    select
        unit_code,
        'firm' as level,
        coalesce(city_code, province_code) as parent_code,
        province_code,
        coalesce(firm_name, firm_id) as name_full,
        coalesce(firm_name, firm_id) as name_short,
        cast(null as double) as area_km2,
        firm_id,
        linked_ids
    from {{ ref('stg_firm__units') }}
),

units as (
    select * from catalogue_units
    union all
    select * from firm_units
),

regions as (
    select * from {{ ref('regions') }}
)

select
    units.unit_code,
    units.level,
    units.parent_code,
    units.province_code,
    units.name_full,
    units.name_short,
    units.area_km2,
    units.firm_id,
    units.linked_ids,
    regions.name_short as province_name,
    regions.region3,
    regions.region4,
    regions.south_north,
    regions.hu_line_side
from units
inner join regions on units.province_code = regions.region_code
