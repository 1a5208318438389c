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

with published as (
    select * from {{ ref('published_cells') }}
),

-- ---------------------------------------------------------------- our values, one long key schema
-- (our_relation, study, our_table_id, our_column_id, our_equation, our_item, our_measure, our_year,
-- our_value); unused keys are '' and -1 so that they join the seed's empty keys. unpivot drops nulls:
-- a statistic we do not compute has no row ('counterpart not computed').
descriptive_long as (
    unpivot (
        select
            study,
            table_id,
            variable,
            cast(n as double) as n,
            mean,
            sd,
            min,
            median,
            max
        from {{ source('results', 'descriptive_statistics') }}
    ) on n, mean, sd, min, median, max into name our_measure value our_value
),

our_descriptive as (
    select
        'results.descriptive_statistics' as our_relation,
        study,
        table_id as our_table_id,
        '' as our_column_id,
        '' as our_equation,
        variable as our_item,
        our_measure,
        -1 as our_year,
        our_value
    from descriptive_long
),

coefficients_long as (
    unpivot (
        select study, table_id, column_id, equation, term, estimate, std_error, t
        from {{ source('results', 'regression_coefficients') }}
    ) on estimate, std_error, t into name our_measure value our_value
),

our_coefficients as (
    select
        'results.regression_coefficients' as our_relation,
        study,
        table_id as our_table_id,
        column_id as our_column_id,
        equation as our_equation,
        term as our_item,
        our_measure,
        -1 as our_year,
        our_value
    from coefficients_long
),

fits_long as (
    unpivot (
        select study, table_id, column_id, r2, r2_adj, r2_within, cast(nobs as double) as nobs
        from {{ source('results', 'regression_fits') }}
    ) on nobs, r2, r2_adj, r2_within into name our_measure value our_value
),

our_fits as (
    select
        'results.regression_fits' as our_relation,
        study,
        table_id as our_table_id,
        column_id as our_column_id,
        '' as our_equation,
        '' as our_item,
        our_measure,
        -1 as our_year,
        our_value
    from fits_long
),

diagnostics_long as (
    unpivot (
        select study, table_id, column_id, equation, statistic, value, p
        from {{ source('results', 'model_diagnostics') }}
    ) on value, p into name our_measure value our_value
),

our_diagnostics as (
    select
        'results.model_diagnostics' as our_relation,
        study,
        table_id as our_table_id,
        column_id as our_column_id,
        equation as our_equation,
        statistic as our_item,
        our_measure,
        -1 as our_year,
        our_value
    from diagnostics_long
),

weights_long as (
    unpivot (
        select
            system,
            level,
            weight_pct_pooled,
            weight_pct_2003,
            weight_pct_2004_2012,
            weight_pct_2013_2022,
            weight_pct_2023,
            coalesce(indicator, dimension) as item
        from {{ ref('paper_b_index_weights') }}
        where level in ('dimension', 'indicator')
    ) on weight_pct_pooled, weight_pct_2003, weight_pct_2004_2012, weight_pct_2013_2022, weight_pct_2023
    into name our_measure value our_value
),

our_weights as (
    select
        'paper_b_index_weights' as our_relation,
        'paper_b' as study,
        system as our_table_id,
        level as our_column_id,
        '' as our_equation,
        item as our_item,
        our_measure,
        -1 as our_year,
        our_value
    from weights_long
),

national_long as (
    unpivot (
        select
            year,
            factor_innovation,
            fi_labour,
            fi_capital,
            fi_technology,
            industrial_digitisation,
            digitisation_primary,
            digitisation_secondary,
            digitisation_tertiary,
            coordination
        from {{ ref('paper_b_national_indices') }}
    ) on columns(* exclude (year)) into name our_item value our_value
),

our_national as (
    select
        'paper_b_national_indices' as our_relation,
        'paper_b' as study,
        '' as our_table_id,
        '' as our_column_id,
        '' as our_equation,
        our_item,
        'value' as our_measure,
        year as our_year,
        our_value
    from national_long
),

gaps_long as (
    unpivot (
        select
            gdp_gap_start,
            gdp_gap_end,
            gdp_gap_change_pct,
            gdp_per_capita_gap_start,
            gdp_per_capita_gap_end,
            gdp_per_capita_gap_change_pct,
            region_a || '-' || region_b as pair
        from {{ ref('regional_disparity_change') }}
    ) on columns(* exclude (pair)) into name our_measure value our_value
),

our_gaps as (
    select
        'regional_disparity_change' as our_relation,
        'paper_d' as study,
        '' as our_table_id,
        '' as our_column_id,
        '' as our_equation,
        pair as our_item,
        our_measure,
        -1 as our_year,
        our_value
    from gaps_long
),

rankings_long as (
    unpivot (
        select
            year,
            gdp_per_capita,
            ratio_to_bottom,
            cast(region_code as {{ dbt.type_string() }}) as region,
            cast(gdp_per_capita_rank as double) as gdp_per_capita_rank
        from {{ ref('regional_rankings') }}
    ) on gdp_per_capita_rank, gdp_per_capita, ratio_to_bottom into name our_measure value our_value
),

our_rankings as (
    select
        'regional_rankings' as our_relation,
        'paper_d' as study,
        '' as our_table_id,
        '' as our_column_id,
        '' as our_equation,
        region as our_item,
        our_measure,
        year as our_year,
        our_value
    from rankings_long
),

hu_line_long as (
    unpivot (
        select hu_line_side, year, gdp_share_pct, population_share_pct, land_area_share_pct
        from {{ ref('hu_line_shares') }}
    ) on gdp_share_pct, population_share_pct, land_area_share_pct into name our_measure value our_value
),

our_hu_line as (
    select
        'hu_line_shares' as our_relation,
        'paper_d' as study,
        '' as our_table_id,
        '' as our_column_id,
        '' as our_equation,
        hu_line_side as our_item,
        our_measure,
        year as our_year,
        our_value
    from hu_line_long
),

our_values as (
    select * from our_descriptive
    union all
    select * from our_coefficients
    union all
    select * from our_fits
    union all
    select * from our_diagnostics
    union all
    select * from our_weights
    union all
    select * from our_national
    union all
    select * from our_gaps
    union all
    select * from our_rankings
    union all
    select * from our_hu_line
),

matched as (
    select
        published.*,
        our_values.our_value,
        our_values.our_relation is not null as has_our_row
    from published
    left join our_values
        on published.our_relation = our_values.our_relation
        and published.study = our_values.study
        and our_values.our_table_id = coalesce(published.our_table_id, '')
        and our_values.our_column_id = coalesce(published.our_column_id, '')
        and our_values.our_equation = coalesce(published.our_equation, '')
        and our_values.our_item = coalesce(published.our_item, '')
        and published.our_measure = our_values.our_measure
        and our_values.our_year = coalesce(published.our_year, -1)
),

-- ---------------------------------------------------------------- the inputs behind each cell
study_years as (
    select study, min(year_from) as year_from, max(year_to) as year_to
    from {{ ref('index_systems') }}
    group by study
),

study_series as (
    -- the series each study reads, as the realness mart and the reports' provenance note list them
    select distinct study, series from {{ ref('data_realness_series') }}
),

indicator_series as (
    select system, dimension, indicator, series
    from {{ ref('index_indicators') }}
    cross join unnest([numerator, denominator]) as inputs (series)
    where series is not null
),

-- years a weight of paper_b_index_weights is computed over (its measure names the period)
weight_years as (
    select cells.cell_id, systems.year_from, systems.year_to
    from published as cells
    inner join {{ ref('index_systems') }} as systems on cells.our_table_id = systems.system
    where cells.our_relation = 'paper_b_index_weights' and cells.our_measure = 'weight_pct_pooled'
    union all
    select
        cell_id,
        cast(split_part(replace(our_measure, 'weight_pct_', ''), '_', 1) as integer) as year_from,
        cast(coalesce(
            nullif(split_part(replace(our_measure, 'weight_pct_', ''), '_', 2), ''),
            split_part(replace(our_measure, 'weight_pct_', ''), '_', 1)
        ) as integer) as year_to
    from published
    where our_relation = 'paper_b_index_weights' and our_measure <> 'weight_pct_pooled'
),

national_index_parts as (
    select parts.our_item, parts.system, parts.dimension
    from (
        values
        ('factor_innovation', 'factor_innovation_b', null),
        ('fi_labour', 'factor_innovation_b', 'labour'),
        ('fi_capital', 'factor_innovation_b', 'capital'),
        ('fi_technology', 'factor_innovation_b', 'technology'),
        ('industrial_digitisation', 'industrial_digitisation_b', null),
        ('digitisation_primary', 'industrial_digitisation_b', 'primary'),
        ('digitisation_secondary', 'industrial_digitisation_b', 'secondary'),
        ('digitisation_tertiary', 'industrial_digitisation_b', 'tertiary'),
        ('coordination', 'coordination_b', null)
    ) as parts (our_item, system, dimension)
),

disparity_years as (
    select distinct start_year as year from {{ ref('regional_disparity_change') }}
    union
    select distinct end_year as year from {{ ref('regional_disparity_change') }}
),

-- GDP, population and GDP per capita of every region: the inputs of Paper D's marts
disparity_series as (
    select inputs.series
    from (values ('gdp'), ('population'), ('gdp_per_capita')) as inputs (series)
),

cell_inputs as (
    -- results.*: every series the study's panel and indices read, over the study's index years
    select
        cells.cell_id,
        study_series.series,
        study_years.year_from,
        study_years.year_to
    from published as cells
    inner join study_series on cells.study = study_series.study
    inner join study_years on cells.study = study_years.study
    where cells.our_relation like 'results.%'

    union all
    -- index weights: the indicator's inputs (a dimension: all its indicators'), over the weight's period
    select cells.cell_id, indicator_series.series, weight_years.year_from, weight_years.year_to
    from published as cells
    inner join weight_years on cells.cell_id = weight_years.cell_id
    inner join indicator_series
        on cells.our_table_id = indicator_series.system
        and (case when cells.our_column_id = 'indicator' then indicator_series.indicator
            else indicator_series.dimension
        end) = cells.our_item

    union all
    -- national index levels: the inputs of the index (or its dimension) in that year
    select
        cells.cell_id,
        indicator_series.series,
        cells.our_year as year_from,
        cells.our_year as year_to
    from published as cells
    inner join national_index_parts on cells.our_item = national_index_parts.our_item
    inner join indicator_series
        on national_index_parts.system = indicator_series.system
        and indicator_series.dimension = coalesce(national_index_parts.dimension, indicator_series.dimension)
    where cells.our_relation = 'paper_b_national_indices'

    union all
    -- Paper D's gaps: its inputs in the two years compared
    select
        cells.cell_id,
        disparity_series.series,
        disparity_years.year as year_from,
        disparity_years.year as year_to
    from published as cells
    cross join disparity_series
    cross join disparity_years
    where cells.our_relation = 'regional_disparity_change'

    union all
    -- Paper D's ranks and Hu-line shares: its inputs in the cell's year
    select
        cells.cell_id,
        disparity_series.series,
        cells.our_year as year_from,
        cells.our_year as year_to
    from published as cells
    cross join disparity_series
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
        on cell_inputs.series = values_.series
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
        compared.abs_diff / nullif(abs(compared.value), 0) as rel_diff,
        greatest(compared.abs_diff - compared.rounding_half_unit, 0) as abs_diff_beyond_rounding
    from compared
),

coloured as (
    select
        scored.*,
        case
            when scored.our_value is null then null
            when scored.abs_diff_beyond_rounding = 0 then 0.0
            else scored.abs_diff_beyond_rounding / nullif(abs(scored.value), 0)
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
            then 1 - cell_realness.n_generated_values / cell_realness.n_input_values
    end as share_real_values,
    cell_realness.real_series,
    cell_realness.generated_series,
    coloured.note
from coloured
left join cell_realness on coloured.cell_id = cell_realness.cell_id
