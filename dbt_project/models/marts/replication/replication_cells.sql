-- The replication view: every published cell of the five papers (seed published_cells) next to our
-- value, the absolute and relative difference, a colour, and how real the inputs behind it are.
-- Built after the study estimator assets (it reads results.*, dbt sources): orchestration/assets/dbt.py
-- runs the models downstream of source `results` as a third dbt step, after every study's results.
--
-- Closeness: a difference within half a unit of the last printed digit counts as zero (0.160 printed
-- matches anything in [0.1595, 0.1605]); beyond it the relative difference |ours - published| / |published|
-- of what is left decides: green <= 1 %, amber <= 10 %, red beyond. A published 0 is green only within
-- its rounding. Status: none (no counterpart, or our value is missing), grey (any input series holds
-- generated values), otherwise the closeness colour.

-- depends_on: {{ ref('series_catalogue') }}

{#- The series each study's panel reads: catalogue codes quoted in the SQL of its models (the same
    reading as the reports' provenance note, models_py/reporting.py study_series). -#}
{%- set quoted = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() -%}
        {%- set study = (node.config.meta or {}).get('study') if node.resource_type == 'model' else none -%}
        {%- if study -%}
            {%- for code in modules.re.findall("'([a-z][a-z0-9_]*)'", node.raw_code) | unique -%}
                {%- do quoted.append((study, code)) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with published as (
    select * from {{ ref('published_cells') }}
),

-- ---------------------------------------------------------------- our values, one long key schema
our_descriptive as (
    unpivot (
        select study, table_id, variable, cast(n as double) as n, mean, sd, min, median, max
        from {{ source('results', 'descriptive_statistics') }}
    ) on n, mean, sd, min, median, max into name our_measure value our_value
),

our_values as (
    select 'results.descriptive_statistics' as our_relation, study, table_id as our_table_id,
        '' as our_column_id, '' as our_equation, variable as our_item, our_measure, -1 as our_year, our_value
    from our_descriptive

    union all
    select 'results.regression_coefficients', study, table_id, column_id, equation, term, our_measure, -1, our_value
    from (
        unpivot (
            select study, table_id, column_id, equation, term, estimate, std_error, t
            from {{ source('results', 'regression_coefficients') }}
        ) on estimate, std_error, t into name our_measure value our_value
    )

    union all
    select 'results.regression_fits', study, table_id, column_id, '', '', our_measure, -1, our_value
    from (
        unpivot (
            select study, table_id, column_id, cast(nobs as double) as nobs, r2, r2_adj, r2_within
            from {{ source('results', 'regression_fits') }}
        ) on nobs, r2, r2_adj, r2_within into name our_measure value our_value
    )

    union all
    select 'results.model_diagnostics', study, table_id, column_id, equation, statistic, our_measure, -1, our_value
    from (
        unpivot (
            select study, table_id, column_id, equation, statistic, value, p
            from {{ source('results', 'model_diagnostics') }}
        ) on value, p into name our_measure value our_value
    )

    union all
    select 'paper_b_index_weights', 'paper_b', system, level, '', coalesce(indicator, dimension), our_measure, -1,
        our_value
    from (
        unpivot (
            select system, level, dimension, indicator, weight_pct_pooled, weight_pct_2003, weight_pct_2004_2012,
                weight_pct_2013_2022, weight_pct_2023
            from {{ ref('paper_b_index_weights') }}
            where level in ('dimension', 'indicator')
        ) on weight_pct_pooled, weight_pct_2003, weight_pct_2004_2012, weight_pct_2013_2022, weight_pct_2023
        into name our_measure value our_value
    )

    union all
    select 'paper_b_national_indices', 'paper_b', '', '', '', our_item, 'value', year, our_value
    from (
        unpivot (
            select year, factor_innovation, fi_labour, fi_capital, fi_technology, industrial_digitisation,
                digitisation_primary, digitisation_secondary, digitisation_tertiary, coordination
            from {{ ref('paper_b_national_indices') }}
        ) on columns(* exclude (year)) into name our_item value our_value
    )

    union all
    select 'regional_disparity_change', 'paper_d', '', '', '', region_a || '-' || region_b, our_measure, -1, our_value
    from (
        unpivot (
            select region_a, region_b, gdp_gap_start, gdp_gap_end, gdp_gap_change_pct, gdp_per_capita_gap_start,
                gdp_per_capita_gap_end, gdp_per_capita_gap_change_pct
            from {{ ref('regional_disparity_change') }}
        ) on columns(* exclude (region_a, region_b)) into name our_measure value our_value
    )

    union all
    select 'regional_rankings', 'paper_d', '', '', '', cast(region_code as varchar), our_measure, year, our_value
    from (
        unpivot (
            select region_code, year, cast(gdp_per_capita_rank as double) as gdp_per_capita_rank, gdp_per_capita,
                ratio_to_bottom
            from {{ ref('regional_rankings') }}
        ) on gdp_per_capita_rank, gdp_per_capita, ratio_to_bottom into name our_measure value our_value
    )

    union all
    select 'hu_line_shares', 'paper_d', '', '', '', hu_line_side, our_measure, year, our_value
    from (
        unpivot (
            select hu_line_side, year, gdp_share_pct, population_share_pct, land_area_share_pct
            from {{ ref('hu_line_shares') }}
        ) on gdp_share_pct, population_share_pct, land_area_share_pct into name our_measure value our_value
    )
),

matched as (
    select
        published.*,
        our_values.our_value,
        our_values.our_relation is not null as has_our_row
    from published
    left join our_values
        on our_values.our_relation = published.our_relation
        and our_values.study = published.study
        and our_values.our_table_id = coalesce(published.our_table_id, '')
        and our_values.our_column_id = coalesce(published.our_column_id, '')
        and our_values.our_equation = coalesce(published.our_equation, '')
        and our_values.our_item = coalesce(published.our_item, '')
        and our_values.our_measure = published.our_measure
        and our_values.our_year = coalesce(published.our_year, -1)
),

-- ---------------------------------------------------------------- the inputs behind each cell
study_years as (
    select study, min(year_from) as year_from, max(year_to) as year_to
    from {{ ref('index_systems') }}
    group by study
),

study_series as (
    select distinct systems.study, series
    from {{ ref('index_indicators') }} as indicators
    inner join {{ ref('index_systems') }} as systems on systems.system = indicators.system
    cross join unnest([indicators.numerator, indicators.denominator]) as inputs(series)
    where series is not null
    {%- if quoted %}
    union
    select quoted.study, quoted.series
    from (values {% for study, code in quoted %}('{{ study }}', '{{ code }}'){{ ", " if not loop.last }}{% endfor %})
        as quoted(study, series)
    inner join {{ ref('series_catalogue') }} as catalogue on catalogue.series_code = quoted.series
    {%- endif %}
),

indicator_series as (
    select system, dimension, indicator, series
    from {{ ref('index_indicators') }}
    cross join unnest([numerator, denominator]) as inputs(series)
    where series is not null
),

-- years a weight of paper_b_index_weights is computed over (its measure names the period)
weight_years as (
    select cells.cell_id, systems.year_from, systems.year_to
    from published as cells
    inner join {{ ref('index_systems') }} as systems on systems.system = cells.our_table_id
    where cells.our_relation = 'paper_b_index_weights' and cells.our_measure = 'weight_pct_pooled'
    union all
    select cell_id,
        cast(split_part(replace(our_measure, 'weight_pct_', ''), '_', 1) as integer),
        cast(coalesce(nullif(split_part(replace(our_measure, 'weight_pct_', ''), '_', 2), ''),
                      split_part(replace(our_measure, 'weight_pct_', ''), '_', 1)) as integer)
    from published
    where our_relation = 'paper_b_index_weights' and our_measure <> 'weight_pct_pooled'
),

national_index_parts as (
    select * from (values
        ('factor_innovation', 'factor_innovation_b', null), ('fi_labour', 'factor_innovation_b', 'labour'),
        ('fi_capital', 'factor_innovation_b', 'capital'), ('fi_technology', 'factor_innovation_b', 'technology'),
        ('industrial_digitisation', 'industrial_digitisation_b', null),
        ('digitisation_primary', 'industrial_digitisation_b', 'primary'),
        ('digitisation_secondary', 'industrial_digitisation_b', 'secondary'),
        ('digitisation_tertiary', 'industrial_digitisation_b', 'tertiary'),
        ('coordination', 'coordination_b', null)
    ) as parts(our_item, system, dimension)
),

disparity_years as (
    select distinct start_year as year from {{ ref('regional_disparity_change') }}
    union
    select distinct end_year from {{ ref('regional_disparity_change') }}
),

cell_inputs as (
    -- results.*: every series the study's panel and indices read, over the study's index years
    select cells.cell_id, study_series.series, study_years.year_from, study_years.year_to
    from published as cells
    inner join study_series on study_series.study = cells.study
    inner join study_years on study_years.study = cells.study
    where cells.our_relation like 'results.%'

    union all
    -- index weights: the indicator's inputs (a dimension: all its indicators'), over the weight's period
    select cells.cell_id, indicator_series.series, weight_years.year_from, weight_years.year_to
    from published as cells
    inner join weight_years on weight_years.cell_id = cells.cell_id
    inner join indicator_series
        on indicator_series.system = cells.our_table_id
        and (case when cells.our_column_id = 'indicator' then indicator_series.indicator
                  else indicator_series.dimension end) = cells.our_item

    union all
    -- national index levels: the inputs of the index (or its dimension) in that year
    select cells.cell_id, indicator_series.series, cells.our_year, cells.our_year
    from published as cells
    inner join national_index_parts on national_index_parts.our_item = cells.our_item
    inner join indicator_series
        on indicator_series.system = national_index_parts.system
        and indicator_series.dimension = coalesce(national_index_parts.dimension, indicator_series.dimension)
    where cells.our_relation = 'paper_b_national_indices'

    union all
    -- Paper D: GDP, population and GDP per capita of every region in the year(s) the cell uses
    select cells.cell_id, inputs.series, years.year, years.year
    from published as cells
    cross join (values ('gdp'), ('population'), ('gdp_per_capita')) as inputs(series)
    inner join (
        select 'regional_disparity_change' as our_relation, year from disparity_years
    ) as years on years.our_relation = cells.our_relation

    union all
    select cells.cell_id, inputs.series, cells.our_year, cells.our_year
    from published as cells
    cross join (values ('gdp'), ('population'), ('gdp_per_capita')) as inputs(series)
    where cells.our_relation in ('regional_rankings', 'hu_line_shares')
),

input_series_realness as (
    select
        cell_inputs.cell_id,
        cell_inputs.series,
        count(values_.value) as n_values,
        count(values_.value) filter (where values_.is_synthetic) as n_generated
    from (select distinct * from cell_inputs) as cell_inputs
    left join {{ ref('series_values') }} as values_
        on values_.series = cell_inputs.series
        and values_.year between cell_inputs.year_from and cell_inputs.year_to
    group by cell_inputs.cell_id, cell_inputs.series
),

cell_realness as (
    select
        cell_id,
        count(*) as n_input_series,
        count(*) filter (where n_generated > 0) as n_generated_series,
        sum(n_values) as n_input_values,
        sum(n_generated) as n_generated_values,
        string_agg(series, ', ' order by series) filter (where n_generated = 0) as real_series,
        string_agg(series, ', ' order by series) filter (where n_generated > 0) as generated_series
    from input_series_realness
    group by cell_id
),

-- ---------------------------------------------------------------- differences and colours
compared as (
    select
        matched.*,
        abs(matched.our_value - matched.value) as abs_diff,
        0.5 * power(10, -matched.printed_decimals) as rounding_half_unit
    from matched
),

scored as (
    select
        compared.*,
        abs_diff / nullif(abs(value), 0) as rel_diff,
        greatest(abs_diff - rounding_half_unit, 0) as abs_diff_beyond_rounding
    from compared
),

coloured as (
    select
        scored.*,
        case
            when our_value is null then null
            when abs_diff_beyond_rounding = 0 then 0.0
            else abs_diff_beyond_rounding / nullif(abs(value), 0)
        end as rel_diff_beyond_rounding
    from scored
)

select
    coloured.cell_id,
    coloured.study,
    coloured.table_id,
    coloured.row_label,
    coloured.column_label,
    coloured.kind,
    coloured.value as published_value,
    coloured.printed_decimals,
    coloured.printed_stars,
    coloured.our_relation,
    coloured.our_table_id,
    coloured.our_column_id,
    coloured.our_equation,
    coloured.our_item,
    coloured.our_measure,
    coloured.our_year,
    coloured.our_value,
    coloured.abs_diff,
    coloured.rel_diff,
    coloured.rounding_half_unit,
    coloured.rel_diff_beyond_rounding,
    case
        when coloured.our_value is null then null
        when coloured.rel_diff_beyond_rounding is null then 'red'  -- published 0, ours beyond its rounding
        when coloured.rel_diff_beyond_rounding <= 0.01 then 'green'
        when coloured.rel_diff_beyond_rounding <= 0.10 then 'amber'
        else 'red'
    end as closeness,
    case
        when coloured.our_value is null then 'none'
        when coalesce(cell_realness.n_generated_values, 0) > 0 then 'grey'
        when coloured.rel_diff_beyond_rounding is null then 'red'
        when coloured.rel_diff_beyond_rounding <= 0.01 then 'green'
        when coloured.rel_diff_beyond_rounding <= 0.10 then 'amber'
        else 'red'
    end as status,
    case
        when coloured.our_relation is null then 'no counterpart'
        when not coloured.has_our_row then 'counterpart not computed'
        when coloured.our_value is null then 'our value is null'
    end as none_reason,
    coalesce(cell_realness.n_input_series, 0) as n_input_series,
    coalesce(cell_realness.n_generated_series, 0) as n_generated_series,
    coalesce(cell_realness.n_input_values, 0) as n_input_values,
    coalesce(cell_realness.n_generated_values, 0) as n_generated_values,
    case when cell_realness.n_input_values > 0
        then 1 - cell_realness.n_generated_values / cell_realness.n_input_values end as share_real_values,
    cell_realness.real_series,
    cell_realness.generated_series,
    coloured.note
from coloured
left join cell_realness on cell_realness.cell_id = coloured.cell_id
