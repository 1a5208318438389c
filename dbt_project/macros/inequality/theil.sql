{#
  Theil T index with its decomposition by `group` (Shorrocks 1980), in each partition `by`:
    with unit weights w_i (1 = every unit counts the same, the default; `weight='population'`
    gives the population-weighted index the income-inequality literature uses), mean mu = sum w y / sum w,
      T   = sum_i (w_i y_i / sum w y) ln(y_i / mu)
      T_g = the same within group g (mu_g = its weighted mean), s_g = sum_g w y / sum w y (value share),
            p_g = sum_g w / sum w (weight share)
      T_within = sum_g s_g T_g,   T_between = sum_g s_g ln(mu_g / mu) = sum_g s_g ln(s_g / p_g),
      T = T_within + T_between.
  Population-weighted, T = sum_i s_i ln(s_i / p_i) with s_i the region's GDP share and p_i its
  population share when y is GDP per capita. y ln y = 0 at y = 0; negative values stop the query.
#}

{# One row per partition and group: n_units, weight_share, value_share, mean, theil (T_g) and the
   group's terms of the decomposition. #}
{% macro nqp_theil_groups(relation, value='value', group='group_code', by=[], weight=none, unit=['region_code']) -%}
    with theil_units as (
        {{ nqp_inequality_units(relation, value, by, unit, 'Theil index', group=group, weight=weight) }}
    ),

    group_sums as (
        select
            {{ nqp_keys_list(by) }}
            group_code,
            count(*) as n_units,
            sum(w) as weight_sum,
            sum(w * y) as weighted_value_sum
        from theil_units
        {{ nqp_group_by(by, ['group_code']) }}
    ),

    partition_sums as (
        select
            {{ nqp_keys_list(by) }}
            sum(weight_sum) as weight_sum,
            sum(weighted_value_sum) as weighted_value_sum
        from group_sums
        {{ nqp_group_by(by) }}
    ),

    group_means as (
        select
            {{ nqp_keys_list(by, 'group_sums.') }}
            group_sums.group_code,
            group_sums.n_units,
            group_sums.weight_sum / partition_sums.weight_sum as weight_share,
            group_sums.weighted_value_sum / nullif(partition_sums.weighted_value_sum, 0) as value_share,
            group_sums.weighted_value_sum / group_sums.weight_sum as mean,
            partition_sums.weighted_value_sum / partition_sums.weight_sum as partition_mean,
            group_sums.weighted_value_sum,
            partition_sums.weighted_value_sum as partition_weighted_value_sum
        from group_sums
        inner join partition_sums on {{ nqp_keys_match('group_sums', 'partition_sums', by) }}
    ),

    -- sum of w y ln(y / mu_g) and of w y ln(y / mu) over the group's units (0 ln 0 = 0)
    group_log_terms as (
        select
            {{ nqp_keys_list(by, 'theil_units.') }}
            theil_units.group_code,
            sum(case when theil_units.y > 0
                then theil_units.w * theil_units.y * ln(theil_units.y / group_means.mean) else 0 end) as within_log_sum,
            sum(case when theil_units.y > 0
                then theil_units.w * theil_units.y * ln(theil_units.y / group_means.partition_mean) else 0 end) as total_log_sum
        from theil_units
        inner join group_means
            on {{ nqp_keys_match('theil_units', 'group_means', by + ['group_code']) }}
        group by {{ nqp_keys_list(by, 'theil_units.') }} theil_units.group_code
    )

    select
        {{ nqp_keys_list(by, 'group_means.') }}
        group_means.group_code,
        group_means.n_units,
        group_means.weight_share,
        group_means.value_share,
        group_means.mean,
        group_log_terms.within_log_sum / nullif(group_means.weighted_value_sum, 0) as theil,
        -- s_g T_g, the group's part of T_within (0 for a group whose values are all 0)
        coalesce(group_log_terms.within_log_sum / nullif(group_means.partition_weighted_value_sum, 0), 0)
            as within_term,
        -- s_g ln(mu_g / mu), the group's part of T_between
        case when group_means.weighted_value_sum > 0
            then group_means.value_share * ln(group_means.mean / group_means.partition_mean) else 0 end
            as between_term,
        -- the group's units' share of sum_i (w_i y_i / sum w y) ln(y_i / mu), i.e. of T itself
        group_log_terms.total_log_sum / nullif(group_means.partition_weighted_value_sum, 0) as total_term
    from group_means
    inner join group_log_terms
        on {{ nqp_keys_match('group_means', 'group_log_terms', by + ['group_code']) }}
{%- endmacro %}


{# One row per partition: n_units, n_groups, theil (computed over units, not as the sum of its
   parts), theil_within, theil_between and their shares of theil. #}
{% macro nqp_theil(relation, value='value', group='group_code', by=[], weight=none, unit=['region_code']) -%}
    select
        {{ nqp_keys_list(by) }}
        cast(sum(n_units) as integer) as n_units,
        cast(count(*) as integer) as n_groups,
        sum(total_term) as theil,
        sum(within_term) as theil_within,
        sum(between_term) as theil_between,
        sum(within_term) / nullif(sum(total_term), 0) as theil_within_share,
        sum(between_term) / nullif(sum(total_term), 0) as theil_between_share
    from ({{ nqp_theil_groups(relation, value, group, by, weight, unit) }}) as theil_groups
    {{ nqp_group_by(by) }}
{%- endmacro %}
