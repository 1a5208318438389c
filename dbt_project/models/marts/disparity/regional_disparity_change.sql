-- Paper D's Table 1: the pairwise gaps at var paper_d_start_year and var paper_d_end_year (2000 and
-- 2022) and their change in percent. Another range: --vars '{paper_d_start_year: 2010, ...}', or
-- call nqp_gap_change on regional_disparity in an analysis. A real-only build (var synthetic false)
-- lacking either year gets an empty table, listed by `nqp build`, instead of an error.
with pair_gaps as (
    select * from {{ ref('regional_disparity') }}
),

gap_change as (
    {{ nqp_gap_change('pair_gaps', ['pair_order', 'region_a', 'region_b', 'pair_label_zh', 'pair_label_en'],
                      ['gdp_gap', 'gdp_per_capita_gap'], var('paper_d_start_year'), var('paper_d_end_year'),
                      missing_year='raise' if var('synthetic') else 'report') }}
)

select * from gap_change
