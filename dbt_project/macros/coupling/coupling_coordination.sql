{#
  Coupling coordination degree (耦合协调度) of n >= 2 subsystems, per unit (e.g. coupling set,
  region, year). `relation` has one row per unit and subsystem with the subsystem's score
  U_i in [0, 1] (`score_column`), and, when `weights` names a column, the subsystem's alpha_i.

    T = sum_i alpha_i U_i                   (综合发展指数; alpha_i = 1/n unless `weights` is given,
                                             then the alpha_i of a unit must sum to 1)
    D = sqrt(C T)                           (耦合协调度)

  and the coupling degree C (耦合度) by `formula`:
    'classic'    C = n [prod_i U_i / (sum_i U_i)^n]^(1/n) = (prod_i U_i)^(1/n) / (sum_i U_i / n),
                 the ratio of the geometric to the arithmetic mean of the U_i, in [0, 1] (the
                 normative form, e.g. 王淑佳, 孔伟, 任亮, 治丹丹, 戴彬婷 2021, 自然资源学报 36(3)
                 793-810, eq. 1-2; 刘春林 2017 on the common mis-written variants).
    'corrected'  C = sqrt( [1 - sum_{i<j} |U_i - U_j| / sum_{m=1}^{n-1} m] x [prod_i U_i / max_k U_k]^(1/(n-1)) ),
                 the modified model of 王淑佳 et al. (2021): the first factor is 1 minus the mean
                 absolute pairwise gap (sum_{m=1}^{n-1} m = n(n-1)/2 pairs), the second the
                 geometric mean of the other subsystems' ratios to the leading one; in [0, 1],
                 spread over the whole interval where the classic C bunches near 1.

  Zero scores (declared rules, no NaN): a U_i = 0 makes the product 0, so C = 0 (both formulas;
  the classic ratio's limit) and D = 0 while T may be positive. All U_i = 0 is 0/0 in both
  formulas: `all_zero='zero'` (default) sets C = T = D = 0 (no development, no coupling), 'raise'
  stops the query naming the unit. Either way n_zero_subsystems shows how many U_i were 0.
  Bad input stops the query naming unit and subsystem: a missing score, a score outside [0, 1], a
  unit with fewer than two subsystems, a missing alpha or alphas not summing to 1 (1e-9).
  Products are sums of logarithms (portable SQL: no product aggregate in DuckDB or Spark).
#}
{% macro nqp_coupling_coordination(relation, unit_columns, subsystem_column='subsystem', score_column='score',
                                   weights=none, formula='classic', all_zero='zero') -%}
    {%- if formula not in ('classic', 'corrected') -%}
        {{ exceptions.raise_compiler_error("nqp_coupling_coordination: formula must be 'classic' or 'corrected', got '" ~ formula ~ "'") }}
    {%- endif -%}
    {%- if all_zero not in ('zero', 'raise') -%}
        {{ exceptions.raise_compiler_error("nqp_coupling_coordination: all_zero must be 'zero' or 'raise', got '" ~ all_zero ~ "'") }}
    {%- endif -%}
    {%- if not unit_columns -%}
        {{ exceptions.raise_compiler_error("nqp_coupling_coordination: unit_columns must name at least one column") }}
    {%- endif -%}
    {%- set where_text = nqp_row_label(unit_columns + [subsystem_column]) -%}
    {%- set unit_text = nqp_row_label(unit_columns) -%}
    with coupling_inputs as (
        select
            {{ nqp_keys_list(unit_columns) }}
            {{ subsystem_column }} as subsystem,
            {{ nqp_raise_if(
                score_column ~ ' is null or ' ~ score_column ~ ' < 0 or ' ~ score_column ~ ' > 1',
                "'coupling coordination needs a score in [0, 1]: " ~ score_column ~ " = ' || "
                    ~ nqp_text(score_column) ~ " || ' for ' || " ~ where_text ~ " || ' in " ~ relation ~ "'",
                'cast(' ~ score_column ~ ' as double)') }} as u,
            {% if weights is not none -%}
            {{ nqp_raise_if(weights ~ ' is null or ' ~ weights ~ ' < 0',
                "'coupling coordination needs a weight >= 0: " ~ weights ~ " = ' || " ~ nqp_text(weights)
                    ~ " || ' for ' || " ~ where_text ~ " || ' in " ~ relation ~ "'",
                'cast(' ~ weights ~ ' as double)') }}
            {%- else -%}
            cast(null as double)
            {%- endif %} as alpha
        from {{ relation }}
    ),

    -- per unit: n, the sum and extremes of the U_i, the log of their product over the positive ones
    unit_sums as (
        select
            {{ nqp_keys_list(unit_columns) }}
            count(*) as n_subsystems,
            sum(case when u = 0 then 1 else 0 end) as n_zero_subsystems,
            sum(u) as u_sum,
            max(u) as u_max,
            sum(case when u > 0 then ln(u) else 0 end) as log_u_product,
            sum(alpha * u) as weighted_u_sum,
            sum(alpha) as alpha_sum
        from coupling_inputs
        group by {{ unit_columns | join(', ') }}
    ),

    {%- if formula == 'corrected' %}

    -- sum over the unit's pairs i < j of |U_i - U_j|
    pair_gaps as (
        select
            {{ nqp_keys_list(unit_columns, 'first_inputs.') }}
            sum(abs(first_inputs.u - second_inputs.u)) as pair_gap_sum
        from coupling_inputs as first_inputs
        inner join coupling_inputs as second_inputs
            on {{ nqp_keys_match('first_inputs', 'second_inputs', unit_columns) }}
            and first_inputs.subsystem < second_inputs.subsystem
        group by {% for column in unit_columns %}first_inputs.{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
    ),
    {%- endif %}

    -- the unit's sums (and pair gaps), one relation, so that messages can name the unit's columns
    unit_stats as (
        select
            unit_sums.*
            {%- if formula == 'corrected' %},
            pair_gaps.pair_gap_sum
            {%- endif %}
        from unit_sums
        {%- if formula == 'corrected' %}
        -- left: a unit with one subsystem has no pair, and is stopped below rather than dropped
        left join pair_gaps on {{ nqp_keys_match('unit_sums', 'pair_gaps', unit_columns) }}
        {%- endif %}
    ),

    checked as (
        select
            {{ nqp_keys_list(unit_columns, 'unit_stats.') }}
            {{ nqp_raise_if('unit_stats.n_subsystems < 2',
                "'coupling coordination needs at least two subsystems, got ' || "
                    ~ nqp_text('unit_stats.n_subsystems') ~ " || ' for ' || " ~ unit_text ~ " || ' in " ~ relation ~ "'",
                'unit_stats.n_subsystems') }} as n_subsystems,
            unit_stats.n_zero_subsystems,
            unit_stats.u_sum,
            unit_stats.u_max,
            unit_stats.log_u_product,
            {% if weights is not none -%}
            {{ nqp_raise_if('abs(unit_stats.alpha_sum - 1) > 1e-9',
                "'coupling coordination weights must sum to 1, got ' || " ~ nqp_text('unit_stats.alpha_sum')
                    ~ " || ' for ' || " ~ unit_text ~ " || ' in " ~ relation ~ "'",
                'unit_stats.weighted_u_sum') }}
            {%- else -%}
            unit_stats.u_sum / unit_stats.n_subsystems
            {%- endif %} as development_index,
            {% if all_zero == 'raise' -%}
            {{ nqp_raise_if('unit_stats.n_zero_subsystems = unit_stats.n_subsystems',
                "'coupling coordination is undefined when every subsystem scores 0: ' || " ~ unit_text
                    ~ " || ' in " ~ relation ~ "'",
                'unit_stats.n_zero_subsystems') }}
            {%- else -%}
            unit_stats.n_zero_subsystems
            {%- endif %} as zero_check
            {%- if formula == 'corrected' %},
            unit_stats.pair_gap_sum
            {%- endif %}
        from unit_stats
    ),

    coupled as (
        select
            {{ nqp_keys_list(unit_columns) }}
            n_subsystems,
            n_zero_subsystems,
            development_index,
            -- a zero score zeroes the product (all zero: declared C = 0, or stopped above)
            case when zero_check > 0 then cast(0 as double)
            {%- if formula == 'classic' %}
                else exp(log_u_product / n_subsystems) / (u_sum / n_subsystems)
            {%- else %}
                else sqrt(
                    (1 - pair_gap_sum / (n_subsystems * (n_subsystems - 1) / 2.0))
                    * exp((log_u_product - n_subsystems * ln(case when u_max > 0 then u_max else 1 end))
                        / (n_subsystems - 1))
                )
            {%- endif %}
            end as coupling_degree
        from checked
    )

    select
        {{ nqp_keys_list(unit_columns) }}
        n_subsystems,
        n_zero_subsystems,
        coupling_degree,
        development_index,
        sqrt(coupling_degree * development_index) as coordination_degree
    from coupled
{%- endmacro %}


{#
  The class of each row's coordination degree from `levels` (seed coordination_levels: lower, upper,
  level, label_zh, label_en): lower <= D < upper, the top class closed at its upper bound. Adds
  level, level_zh, level_en. A D that falls in no class stops the query naming the row.
#}
{% macro nqp_coordination_levels(relation, levels, key_columns, value_column='coordination_degree') -%}
    select
        rows_in.*,
        {{ nqp_raise_if('classes.level is null',
            "'coordination degree ' || " ~ nqp_text('rows_in.' ~ value_column) ~ " || ' of ' || "
                ~ nqp_row_label(key_columns) ~ " || ' falls in no class of " ~ levels ~ "'",
            'classes.level') }} as level,
        classes.label_zh as level_zh,
        classes.label_en as level_en
    from {{ relation }} as rows_in
    left join (
        select level, label_zh, label_en, lower, upper, max(upper) over () as top_upper
        from {{ levels }}
    ) as classes
        on rows_in.{{ value_column }} >= classes.lower
        and (rows_in.{{ value_column }} < classes.upper
            or (rows_in.{{ value_column }} = classes.upper and classes.upper = classes.top_upper))
{%- endmacro %}
