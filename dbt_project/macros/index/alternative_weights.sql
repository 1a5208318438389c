{#
  Alternative objective weights on the same standardised matrix as the entropy method, for the
  robustness of an index to its weighting (index_method_weights, index_scores_by_method).
  `standardised` has the `scope` columns (possibly none: one pooled scope), `indicator`, the `units`
  columns and `standardised` (nqp_standardise); a missing value is NULL. Output: one row per scope and
  indicator with n_units and weight (summing to 1 within the scope), the shape of nqp_entropy_weights
  that nqp_score_coefficients reads.
#}

{# Equal weights: w_j = 1 / k, k the indicators of the scope. #}
{% macro nqp_equal_weights(standardised, scope) -%}
    {%- set keys = scope + ['indicator'] -%}
    select
        {{ keys | join(', ') }},
        count(standardised) as n_units,
        cast(1 as double) / count(*) over ({% if scope %}partition by {{ scope | join(', ') }}{% endif %}) as weight
    from {{ standardised }}
    group by {{ keys | join(', ') }}
{%- endmacro %}


{#
  CRITIC weights (Diakoulaki, Mavrotas & Papayannakis 1995), on the min-max standardised matrix:
    sigma_j = sample standard deviation of z_j (n - 1 denominator, Stata's `summarize` and R's sd;
              the shift does not change it),
    r_jk    = Pearson correlation of z_j and z_k over the units where both are present,
    C_j     = sigma_j * sum_{k != j} (1 - r_jk)   (information: contrast times conflict),
    w_j     = C_j / sum_j C_j within the scope.
  The build stops, naming scope and indicators, when a pair has no correlation (fewer than two
  common units, or one of them constant on the common units) or when no indicator carries
  information (a one-indicator scope, or every pair perfectly correlated: sum_j C_j <= 1e-12 sum_j
  sigma_j, so that the weights are not ratios of rounding errors).
#}
{% macro nqp_critic_weights(standardised, scope, units) -%}
    {%- set keys = scope + ['indicator'] -%}
    {%- set scope_window = 'over (' ~ ('partition by ' ~ scope | join(', ') if scope else '') ~ ')' -%}
    {%- set own_scope = [] -%}
    {%- for key in scope %}{% do own_scope.append('own.' ~ key) %}{% endfor -%}
    select
        {{ keys | join(', ') }},
        n_units,
        std_dev,
        {#- a pair without common units has no row: the conflict would silently miss a term -#}
        {{ nqp_raise_if(
            'n_correlated <> count(*) ' ~ scope_window ~ ' - 1',
            "'CRITIC weights of scope ' || " ~ nqp_scope_label(scope) ~ " || ': indicator ' || indicator"
                ~ " || ' has no common unit with ' || " ~ nqp_text('count(*) ' ~ scope_window ~ ' - 1 - n_correlated')
                ~ " || ' other indicator(s)'",
            'conflict'
        ) }} as conflict,
        std_dev * conflict as information,
        {{ nqp_raise_if(
            'sum(std_dev * conflict) ' ~ scope_window ~ ' <= 1e-12 * sum(std_dev) ' ~ scope_window,
            "'CRITIC weights of scope ' || " ~ nqp_scope_label(scope)
                ~ " || ' are undefined: no indicator carries information (sigma_j * sum_k (1 - r_jk) is 0"
                ~ " for all: a single indicator, or all perfectly correlated)'",
            'std_dev * conflict / sum(std_dev * conflict) ' ~ scope_window
        ) }} as weight
    from (
        select
            {% for key in keys %}dispersion.{{ key }},
            {% endfor -%}
            dispersion.n_units,
            dispersion.std_dev,
            count(pairs.other_indicator) as n_correlated,
            coalesce(sum(1 - pairs.correlation), 0) as conflict
        from (
            select {{ keys | join(', ') }}, count(standardised) as n_units, stddev_samp(standardised) as std_dev
            from {{ standardised }}
            group by {{ keys | join(', ') }}
        ) as dispersion
        left join (
            select
                {% for key in own_scope %}{{ key }},
                {% endfor -%}
                own.indicator,
                other.indicator as other_indicator,
                {{ nqp_raise_if(
                    'count(*) < 2 or var_samp(own.standardised) = 0 or var_samp(other.standardised) = 0',
                    "'CRITIC weights of scope ' || " ~ nqp_scope_label(own_scope)
                        ~ " || ': indicators ' || own.indicator || ' and ' || other.indicator"
                        ~ " || ' have no correlation (' || " ~ nqp_text('count(*)')
                        ~ " || ' common units; fewer than two, or one is constant on them)'",
                    'corr(own.standardised, other.standardised)'
                ) }} as correlation
            from {{ standardised }} as own
            inner join {{ standardised }} as other
                on {% for key in scope + units %}own.{{ key }} = other.{{ key }} and {% endfor -%}
                own.indicator <> other.indicator
            where own.standardised is not null and other.standardised is not null
            group by {% for key in own_scope %}{{ key }}, {% endfor %}own.indicator, other.indicator
        ) as pairs
            on {{ nqp_join_keys('dispersion', 'pairs', keys) }}
        group by {% for key in keys %}dispersion.{{ key }}, {% endfor %}dispersion.n_units, dispersion.std_dev
    ) as indicator_information
{%- endmacro %}
