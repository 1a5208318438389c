-- Spearman rank correlation between the scores of every two methods of index_scores_by_method, per
-- system and level (total, dimension, sub-dimension): pooled over all region-years of the system's
-- sample (scope 'pooled') and within each year's cross-section (scope 'year'). Both orders of a
-- pair are listed, so `where method_a = 'entropy'` gives every method against entropy: each pair is
-- ranked and correlated once (method_a < method_b) and listed again with its methods swapped.
{% set keys = ['system', 'level', 'dimension', 'sub_dimension', 'method_a', 'method_b'] %}
with scores as (
    select * from {{ ref('index_scores_by_method') }}
),

method_pairs as (
    select
        scores_a.system,
        scores_a.level,
        scores_a.dimension,
        scores_a.sub_dimension,
        scores_a.method as method_a,
        scores_b.method as method_b,
        scores_a.region_code,
        scores_a.year,
        scores_a.score as score_a,
        scores_b.score as score_b
    from scores as scores_a
    inner join scores as scores_b
        on scores_a.system = scores_b.system
        and scores_a.level = scores_b.level
        and scores_a.dimension is not distinct from scores_b.dimension
        and scores_a.sub_dimension is not distinct from scores_b.sub_dimension
        and scores_a.region_code = scores_b.region_code
        and scores_a.year = scores_b.year
        and scores_a.method < scores_b.method
),

pooled as (
    {{ nqp_spearman('method_pairs', keys, 'score_a', 'score_b') }}
),

per_year as (
    {{ nqp_spearman('method_pairs', keys + ['year'], 'score_a', 'score_b') }}
),

one_order as (
    select {{ keys | join(', ') }}, 'pooled' as scope, cast(null as integer) as year, n_units, spearman
    from pooled
    union all
    select {{ keys | join(', ') }}, 'year' as scope, year, n_units, spearman
    from per_year
),

both_orders as (
    select * from one_order
    union all
    select
        system, level, dimension, sub_dimension, method_b as method_a, method_a as method_b,
        scope, year, n_units, spearman
    from one_order
)

select * from both_orders
