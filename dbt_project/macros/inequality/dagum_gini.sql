{#
  Dagum (1997) Gini coefficient and its decomposition by `group`, in each partition `by`.
  With n units, mean mu, k groups of n_j units and mean mu_j, p_j = n_j / n, s_j = n_j mu_j / (n mu):
    G      = sum_j sum_h sum_i sum_r |y_ji - y_hr| / (2 n^2 mu)
    G_jj   = sum_i sum_r |y_ji - y_jr| / (2 n_j^2 mu_j)                 within-group Gini of j
    G_jh   = sum_i sum_r |y_ji - y_hr| / (n_j n_h (mu_j + mu_h))        between-group Gini of j, h
    d_jh   = mean over pairs of max(y_ji - y_hr, 0), p_jh = mean of max(y_hr - y_ji, 0), with the
             pair ordered so that mu_j >= mu_h (Dagum orders the groups by their means)
    D_jh   = (d_jh - p_jh) / (d_jh + p_jh)                              relative economic affluence
    G_w    = sum_j G_jj p_j s_j
    G_nb   = sum_{j, h > ...} G_jh (p_j s_h + p_h s_j) D_jh             net between-group
    G_t    = sum_{j, h > ...} G_jh (p_j s_h + p_h s_j) (1 - D_jh)       transvariation
    G = G_w + G_nb + G_t.
  Every unit counts the same (Dagum's decomposition is unweighted). Values must be >= 0.

  The double sums are not a self-join: with the units of a partition sorted by y, a unit's sum of
  |y - x| over group h is  y c - s + (S_h - s) - (n_h - c) y,  where c and s are the count and sum
  of h's values <= y (one running window per group h). Cost n k log n instead of n^2: 2,800
  counties x 20 years x 4 groups, the whole decomposition took 0.6 s on 2 shared cores, where a
  plain self-join took 8.8 s for the total Gini alone (tests/benchmarks/inequality_bench.py).
#}

{#
  One row per partition and ordered pair of groups (group_a, group_b), diagonal included:
  n_a, n_b, mean_a, mean_b, abs_diff_sum = sum |y_a - y_b| over all unit pairs,
  excess_sum = sum max(y_a - y_b, 0), shortfall_sum = sum max(y_b - y_a, 0) (abs = excess +
  shortfall), and the partition's n_units and mean.
#}
{% macro nqp_dagum_pair_sums(relation, value='value', group='group_code', by=[], unit=['region_code']) -%}
    with dagum_units as (
        {{ nqp_inequality_units(relation, value, by, unit, 'Dagum Gini', group=group) }}
    ),

    group_sums as (
        select
            {{ nqp_keys_list(by) }}
            group_code,
            cast(count(*) as integer) as n_units,
            sum(y) as value_sum
        from dagum_units
        {{ nqp_group_by(by, ['group_code']) }}
    ),

    partition_sums as (
        select
            {{ nqp_keys_list(by) }}
            cast(sum(n_units) as integer) as n_units,
            sum(value_sum) / sum(n_units) as mean
        from group_sums
        {{ nqp_group_by(by) }}
    ),

    -- each unit once per group h of its partition, with the count and sum of h's values <= y
    units_against_groups as (
        select
            {{ nqp_keys_list(by, 'dagum_units.') }}
            dagum_units.group_code,
            dagum_units.y,
            other.group_code as other_group,
            other.n_units as other_n,
            other.value_sum as other_sum,
            sum(case when dagum_units.group_code = other.group_code then 1 else 0 end) over running as other_n_at_most,
            sum(case when dagum_units.group_code = other.group_code then dagum_units.y else 0 end) over running
                as other_sum_at_most
        from dagum_units
        inner join group_sums as other on {{ nqp_keys_match('dagum_units', 'other', by) }}
        window running as (
            partition by {{ nqp_keys_list(by, 'dagum_units.') }} other.group_code
            order by dagum_units.y
            range between unbounded preceding and current row
        )
    ),

    pair_sums as (
        select
            {{ nqp_keys_list(by) }}
            group_code as group_a,
            other_group as group_b,
            -- each unit's two parts are >= 0; greatest() only removes rounding below 0
            sum(greatest(y * other_n_at_most - other_sum_at_most, 0)
                + greatest((other_sum - other_sum_at_most) - (other_n - other_n_at_most) * y, 0)) as abs_diff_sum,
            sum(greatest(y * other_n_at_most - other_sum_at_most, 0)) as excess_sum,
            sum(greatest((other_sum - other_sum_at_most) - (other_n - other_n_at_most) * y, 0)) as shortfall_sum
        from units_against_groups
        {{ nqp_group_by(by, ['group_code', 'other_group']) }}
    )

    select
        {{ nqp_keys_list(by, 'pair_sums.') }}
        pair_sums.group_a,
        pair_sums.group_b,
        group_a_sums.n_units as n_a,
        group_b_sums.n_units as n_b,
        group_a_sums.value_sum / group_a_sums.n_units as mean_a,
        group_b_sums.value_sum / group_b_sums.n_units as mean_b,
        pair_sums.abs_diff_sum,
        pair_sums.excess_sum,
        pair_sums.shortfall_sum,
        partition_sums.n_units,
        partition_sums.mean
    from pair_sums
    inner join group_sums as group_a_sums
        on {{ nqp_keys_match('pair_sums', 'group_a_sums', by) }} and pair_sums.group_a = group_a_sums.group_code
    inner join group_sums as group_b_sums
        on {{ nqp_keys_match('pair_sums', 'group_b_sums', by) }} and pair_sums.group_b = group_b_sums.group_code
    inner join partition_sums on {{ nqp_keys_match('pair_sums', 'partition_sums', by) }}
{%- endmacro %}


{#
  One row per partition and group: n_units, population_share p_j, value_share s_j, mean,
  gini_within_group G_jj, and within_term G_jj p_j s_j (its part of G_w).
#}
{% macro nqp_dagum_gini_groups(relation, value='value', group='group_code', by=[], unit=['region_code']) -%}
    {{ nqp_dagum_groups_from_pair_sums('(' ~ nqp_dagum_pair_sums(relation, value, group, by, unit) ~ ')', by) }}
{%- endmacro %}

{# The same from the output of nqp_dagum_pair_sums (a relation or a parenthesised query). #}
{% macro nqp_dagum_groups_from_pair_sums(pair_sums, by) -%}
    select
        {{ nqp_keys_list(by) }}
        group_a as group_code,
        n_a as n_units,
        cast(n_a as double) / n_units as population_share,
        n_a * mean_a / nullif(n_units * mean, 0) as value_share,
        mean_a as mean,
        abs_diff_sum / nullif(2.0 * n_a * n_a * mean_a, 0) as gini_within_group,
        coalesce(abs_diff_sum / nullif(2.0 * n_a * n_a * mean_a, 0), 0)
            * (cast(n_a as double) / n_units) * (n_a * mean_a / nullif(n_units * mean, 0)) as within_term
    from {{ pair_sums }} as dagum_pairs
    where group_a = group_b
{%- endmacro %}


{#
  One row per partition and unordered pair of groups, group_a the one with the higher mean (ties:
  the smaller code first): gini_between G_ab, d_ab, p_ab, relative_affluence D_ab, pair_weight
  p_a s_b + p_b s_a, net_between_term G_ab w D_ab and transvariation_term G_ab w (1 - D_ab).
#}
{% macro nqp_dagum_gini_pairs(relation, value='value', group='group_code', by=[], unit=['region_code']) -%}
    {{ nqp_dagum_pairs_from_pair_sums('(' ~ nqp_dagum_pair_sums(relation, value, group, by, unit) ~ ')', by) }}
{%- endmacro %}

{# The same from the output of nqp_dagum_pair_sums (a relation or a parenthesised query). #}
{% macro nqp_dagum_pairs_from_pair_sums(pair_sums, by) -%}
    with between_pairs as (
        select
            {{ nqp_keys_list(by) }}
            group_a,
            group_b,
            n_a,
            n_b,
            mean_a,
            mean_b,
            abs_diff_sum / nullif(n_a * n_b * (mean_a + mean_b), 0) as gini_between,
            excess_sum / (n_a * n_b) as affluence_gross,
            shortfall_sum / (n_a * n_b) as affluence_transvariation,
            (cast(n_a as double) / n_units) * (n_b * mean_b / nullif(n_units * mean, 0))
                + (cast(n_b as double) / n_units) * (n_a * mean_a / nullif(n_units * mean, 0)) as pair_weight
        from {{ pair_sums }} as dagum_pairs
        where group_a <> group_b
            and (mean_a > mean_b or (mean_a = mean_b and group_a < group_b))
    ),

    -- D_ab = (d_ab - p_ab) / (d_ab + p_ab); 0 when the two groups hold one common value only
    with_affluence as (
        select
            *,
            coalesce((affluence_gross - affluence_transvariation)
                / nullif(affluence_gross + affluence_transvariation, 0), 0) as relative_affluence
        from between_pairs
    )

    select
        *,
        coalesce(gini_between, 0) * pair_weight * relative_affluence as net_between_term,
        coalesce(gini_between, 0) * pair_weight * (1 - relative_affluence) as transvariation_term
    from with_affluence
{%- endmacro %}


{#
  One row per partition: n_units, n_groups, mean, gini G (from all pairwise differences, not from
  its parts), gini_within G_w, gini_net_between G_nb, gini_transvariation G_t, and their
  contributions (shares of G).
#}
{% macro nqp_dagum_gini(relation, value='value', group='group_code', by=[], unit=['region_code']) -%}
    -- the pairwise sums once, shared by the total and both parts
    with dagum_pair_sums as (
        {{ nqp_dagum_pair_sums(relation, value, group, by, unit) }}
    ),

    gini_totals as (
        select
            {{ nqp_keys_list(by) }}
            max(n_units) as n_units,
            cast(count(distinct group_a) as integer) as n_groups,
            max(mean) as mean,
            sum(abs_diff_sum) / nullif(2.0 * max(n_units) * max(n_units) * max(mean), 0) as gini
        from dagum_pair_sums
        {{ nqp_group_by(by) }}
    ),

    within_parts as (
        select {{ nqp_keys_list(by) }} sum(within_term) as gini_within
        from ({{ nqp_dagum_groups_from_pair_sums('dagum_pair_sums', by) }}) as dagum_groups
        {{ nqp_group_by(by) }}
    ),

    between_parts as (
        select
            {{ nqp_keys_list(by) }}
            sum(net_between_term) as gini_net_between,
            sum(transvariation_term) as gini_transvariation
        from ({{ nqp_dagum_pairs_from_pair_sums('dagum_pair_sums', by) }}) as dagum_pairs
        {{ nqp_group_by(by) }}
    ),

    parts as (
        select
            {{ nqp_keys_list(by, 'gini_totals.') }}
            gini_totals.n_units,
            gini_totals.n_groups,
            gini_totals.mean,
            gini_totals.gini,
            within_parts.gini_within,
            -- a single group has no pair: no between-group inequality
            coalesce(between_parts.gini_net_between, 0) as gini_net_between,
            coalesce(between_parts.gini_transvariation, 0) as gini_transvariation
        from gini_totals
        inner join within_parts on {{ nqp_keys_match('gini_totals', 'within_parts', by) }}
        left join between_parts on {{ nqp_keys_match('gini_totals', 'between_parts', by) }}
    )

    select
        *,
        gini_within / nullif(gini, 0) as gini_within_share,
        gini_net_between / nullif(gini, 0) as gini_net_between_share,
        gini_transvariation / nullif(gini, 0) as gini_transvariation_share
    from parts
{%- endmacro %}
