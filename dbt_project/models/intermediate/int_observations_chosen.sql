-- One real value per region-year-series, chosen between the sources that give it
-- (seeds/reference/source_precedence.csv and source_registry.csv): the inbox first; then the lowest
-- declared rank among the sources a precedence row covers for that series and year; then, for
-- sources no row covers, the lowest default_rank. Two candidates at the best rank stop the build
-- naming series, region, year and both sources: which one is right is a declaration, not luck.
with candidates as (
    select * from {{ ref('stg_portal__observations') }}
),

sources as (
    select source_id, default_rank from {{ ref('source_registry') }}
),

declared as (
    select series, source_id, year_from, year_to, rank as declared_rank
    from {{ ref('source_precedence') }}
),

ranked as (
    select
        candidates.*,
        sources.source_id is not null as is_known_source,
        case
            when candidates.source_id = 'inbox' then 'inbox'
            when declared.declared_rank is not null then 'declared'
            else 'default'
        end as choice_rule,
        case
            when candidates.source_id = 'inbox' then 0
            when declared.declared_rank is not null then 1
            else 2
        end as rule_order,
        coalesce(declared.declared_rank, sources.default_rank, 0) as rank_in_rule
    from candidates
    left join declared
        on candidates.series = declared.series
        and candidates.source_id = declared.source_id
        and candidates.year between declared.year_from and declared.year_to
    left join sources on candidates.source_id = sources.source_id
),

ordered as (
    select
        ranked.*,
        row_number() over (
            partition by ranked.region_code, ranked.year, ranked.series
            order by ranked.rule_order, ranked.rank_in_rule, ranked.source_id
        ) as choice_order,
        count(*) over (
            partition by ranked.region_code, ranked.year, ranked.series
        ) as n_sources,
        count(*) over (
            partition by
                ranked.region_code, ranked.year, ranked.series, ranked.rule_order, ranked.rank_in_rule
        ) as n_at_rank,
        max(ranked.source_id) over (
            partition by
                ranked.region_code, ranked.year, ranked.series, ranked.rule_order, ranked.rank_in_rule
        ) as last_source_at_rank
    from ranked
),

checked as (
    select
        -- the observation record and the choice, without the bookkeeping of `ordered` (listed, not
        -- `* exclude (...)`: the portable form, DuckDB and Spark alike)
        region_code, year, series, value, unit, provenance, source_file, source_sheet, source_row,
        source_column, raw_text, indicator_text, unit_factor, parsed_value, source_unit, source_kind,
        source_database, source_time_range, source_id, choice_rule, rule_order, rank_in_rule,
        {{ nqp_raise_if(
            'not is_known_source',
            "'source ' || source_id || ' (series ' || series || ', region ' || "
                ~ nqp_text('region_code') ~ " || ', year ' || " ~ nqp_text('year')
                ~ " || ') is not in seeds/reference/source_registry.csv'",
            'n_sources') }} as n_sources,
        {{ nqp_raise_if(
            'n_at_rank > 1',
            "'two sources at the same rank for series ' || series || ', region ' || "
                ~ nqp_text('region_code') ~ " || ', year ' || " ~ nqp_text('year') ~ " || ': ' || "
                ~ "source_id || ' and ' || last_source_at_rank || ' (' || choice_rule || ' rank ' || "
                ~ nqp_text('rank_in_rule')
                ~ " || '); rank them in seeds/reference/source_precedence.csv'",
            'n_at_rank') }} as n_at_best_rank
    from ordered
    where choice_order = 1
)

select * from checked
