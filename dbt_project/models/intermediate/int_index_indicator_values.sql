-- Value of every catalogue indicator built from series (numerator / denominator * scale), for each
-- unit-year of its system's sample (region_code: a province, or a city, county or firm for a system whose
-- unit_level is prefecture_city, county or firm; its series then come from int_city_series_values), NULL
-- where an input series has no value. Indicators built from
-- another index (`index:<system>`) are added in int_index_indicator_panel, once that component index
-- is scored. A value computed from a series value interpolated in int_series_interpolated counts as
-- imputed (imputation 'interpolate'); the system's missing_rule (int_index_indicator_filled) only
-- sees the values no series has.
with catalogue as (
    select * from {{ ref('index_indicators') }}
    where numerator not like 'index:%'
),

declared_systems as (
    select * from {{ ref('index_systems') }}
),

-- the ids a firm may be named by in excluded_regions (firm:<id>): its own, and the organisation codes
-- the loader read as its credit code (stg_firm__units.linked_ids)
firm_ids as (
    select unit_code, firm_id as id from {{ ref('stg_firm__units') }}
    union all
    select unit_code, word as id
    from ({{ nqp_words(ref('stg_firm__units'), 'unit_code', 'linked_ids') }}) as linked
),

-- what excluded_regions may name: any province; a unit of the system's level; a prefecture city in a
-- county or firm system (its counties, the firms placed there); firm:<id> in a firm system (a stock
-- code or registration id: registration-id unit codes are numbered per build)
excludable as (
    select declared.system, cast(regions.region_code as {{ dbt.type_string() }}) as word
    from declared_systems as declared
    cross join {{ ref('regions') }} as regions
    union all
    select declared.system, cast(catalogue_units.unit_code as {{ dbt.type_string() }}) as word
    from declared_systems as declared
    inner join {{ ref('int_units') }} as catalogue_units
        on catalogue_units.level = coalesce(declared.unit_level, 'province')
        or (catalogue_units.level = 'prefecture_city' and declared.unit_level in ('county', 'firm'))
    union all
    select declared.system, 'firm:' || firm_ids.id as word
    from declared_systems as declared
    cross join firm_ids
    where declared.unit_level = 'firm'
),

-- the words of each system's excluded_regions
excluded_words as (
    {{ nqp_words('declared_systems', 'system', 'excluded_regions') }}
),

-- a word naming none of these is a typo (540000 for Tibet, a city code in a province system) that
-- would leave nothing out, silently: the build stops naming the system and the word
unknown_exclusions as (
    select excluded.system, min(excluded.word) as word, count(*) - 1 as n_others
    from excluded_words as excluded
    left join excludable
        on excluded.system = excludable.system and excluded.word = excludable.word
    where excludable.word is null
    group by excluded.system
),

systems as (
    select
        {{ nqp_raise_if(
            'unknown_exclusions.word is not null',
            "'index system ' || declared.system || ': excluded_regions names ' || unknown_exclusions.word"
                ~ " || case when unknown_exclusions.n_others > 0 then ' (and ' || "
                ~ nqp_text('unknown_exclusions.n_others') ~ " || ' more)' else '' end"
                ~ " || ', which is not a province, a unit of level ' || coalesce(declared.unit_level, 'province')"
                ~ " || ', a prefecture city of a county or firm system or firm:<id> of a firm system"
                ~ " (seeds/reference/index_systems.csv)'",
            'declared.system'
        ) }} as system,
        declared.year_from,
        declared.year_to,
        declared.excluded_regions,
        declared.unit_level
    from declared_systems as declared
    left join unknown_exclusions on declared.system = unknown_exclusions.system
),

-- the units a system may score, by level: the 31 provinces, or the cities (counties, firms) that have
-- values (a city table covering 285 cities scores those 285, not all 337 of the catalogue)
units as (
    select unit_code as region_code, level, parent_code, province_code
    from {{ ref('int_units') }}
    where level = 'province'
        or unit_code in (
            select city_series.region_code from {{ ref('int_city_series_values') }} as city_series
        )
),

series as (
    select region_code, year, series, value, unit, provenance, is_synthetic, is_interpolated
    from {{ ref('int_series_values') }}
    union all
    select region_code, year, series, value, unit, provenance, is_synthetic, is_interpolated
    from {{ ref('int_city_series_values') }}
),

calendar_years as (
    select distinct year from series
),

-- the firms a system leaves out by id (a firm named by two of its ids is left out once)
excluded_firms as (
    select distinct excluded.system, firm_ids.unit_code
    from excluded_words as excluded
    inner join firm_ids on excluded.word = 'firm:' || firm_ids.id
),

-- excluded_regions names units, whole provinces (54 leaves out Tibet and, at city level, its cities),
-- whole parents (370100 leaves out Jinan's counties, or the firms a firm table places in Jinan) or
-- firms by id (firm:600519, firm:91110000100000000X, or an organisation code linked to a credit code)
system_samples as (
    select systems.system, units.region_code, calendar_years.year
    from systems
    inner join units on units.level = coalesce(systems.unit_level, 'province')
    inner join calendar_years
        on calendar_years.year between systems.year_from and systems.year_to
    left join excluded_firms
        on systems.system = excluded_firms.system and units.region_code = excluded_firms.unit_code
    where coalesce(' ' || systems.excluded_regions || ' ', '')
        not like '% ' || cast(units.region_code as {{ dbt.type_string() }}) || ' %'
        and coalesce(' ' || systems.excluded_regions || ' ', '')
        not like '% ' || cast(units.province_code as {{ dbt.type_string() }}) || ' %'
        and (
            units.parent_code is null
            or coalesce(' ' || systems.excluded_regions || ' ', '')
            not like '% ' || cast(units.parent_code as {{ dbt.type_string() }}) || ' %'
        )
        and excluded_firms.unit_code is null
),

computed as (
    select
        catalogue.system,
        catalogue.dimension,
        catalogue.sub_dimension,
        catalogue.indicator,
        catalogue.direction,
        system_samples.region_code,
        system_samples.year,
        case
            when catalogue.denominator is null then numerator_series.value * catalogue.scale
            else {{ nqp_raise_if(
                'denominator_series.value = 0',
                "'indicator ' || catalogue.indicator || ' of system ' || catalogue.system"
                    ~ " || ': denominator series ' || catalogue.denominator || ' is 0 for region ' || "
                    ~ nqp_text('system_samples.region_code') ~ " || ', year ' || " ~ nqp_text('system_samples.year'),
                'numerator_series.value / denominator_series.value * catalogue.scale'
            ) }}
        end as value,
        coalesce(numerator_series.is_synthetic, false)
        or coalesce(denominator_series.is_synthetic, false) as is_synthetic,
        case
            when coalesce(numerator_series.is_interpolated, false)
                or coalesce(denominator_series.is_interpolated, false)
                then 'interpolate'
        end as imputation
    from catalogue
    inner join system_samples
        on catalogue.system = system_samples.system
    left join series as numerator_series
        on catalogue.numerator = numerator_series.series
        and system_samples.region_code = numerator_series.region_code
        and system_samples.year = numerator_series.year
    left join series as denominator_series
        on catalogue.denominator = denominator_series.series
        and system_samples.region_code = denominator_series.region_code
        and system_samples.year = denominator_series.year
)

select * from computed
