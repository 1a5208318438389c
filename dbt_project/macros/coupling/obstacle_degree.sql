{#
  Obstacle degree (障碍度模型) of an index system's indicators, per unit (system, region, year):
    F_j  = w_j, the indicator's overall weight in the system (factor contribution, 因子贡献度)
    I_j  = 1 - z_ij, z_ij = x'_ij - shift the min-max standardised value in [0, 1] (指标偏离度)
    O_ij = F_j I_j / sum_j F_j I_j            (障碍度; the indicators' O_ij sum to 1 per unit)
  and its rank within the unit (1 = largest obstacle; ties share the lower rank, SQL rank()).
  `relation` has one row per unit and indicator with the standardised value and the weight; any
  `carry` columns (dimension, ...) pass through. A unit at the best value of every indicator has
  sum_j F_j I_j = 0: its obstacles are 0 by declared rule (nothing obstructs it), visible as
  deviation_total = 0. A missing standardised value or weight, a negative weight, or a z outside
  [0, 1] stops the query naming unit and indicator.
#}
{% macro nqp_obstacle_degree(relation, unit_columns, indicator_column='indicator', standardised_column='standardised',
                             weight_column='weight', shift=0, carry=[]) -%}
    {%- set where_text = nqp_row_label(unit_columns + [indicator_column]) -%}
    {%- set z = '(' ~ standardised_column ~ ' - ' ~ shift ~ ')' -%}
    with obstacle_inputs as (
        select
            {{ nqp_keys_list(unit_columns + carry) }}
            {{ indicator_column }} as indicator,
            {{ nqp_raise_if(weight_column ~ ' is null or ' ~ weight_column ~ ' < 0',
                "'obstacle degree needs a weight >= 0: " ~ weight_column ~ " = ' || " ~ nqp_text(weight_column)
                    ~ " || ' for ' || " ~ where_text ~ " || ' in " ~ relation ~ "'",
                'cast(' ~ weight_column ~ ' as double)') }} as weight,
            -- 1e-12: a standardised value a few ulps outside [shift, 1 + shift] is still in range
            1 - {{ nqp_raise_if(
                standardised_column ~ ' is null or ' ~ z ~ ' < -1e-12 or ' ~ z ~ ' > 1 + 1e-12',
                "'obstacle degree needs a standardised value in [0, 1] (after the shift): " ~ standardised_column
                    ~ " = ' || " ~ nqp_text(standardised_column) ~ " || ' for ' || " ~ where_text
                    ~ " || ' in " ~ relation ~ "'",
                'cast(' ~ z ~ ' as double)') }} as deviation
        from {{ relation }}
    ),

    weighted as (
        select
            obstacle_inputs.*,
            weight * deviation as weighted_deviation,
            sum(weight * deviation) over (partition by {{ unit_columns | join(', ') }}) as deviation_total
        from obstacle_inputs
    ),

    obstacles as (
        select
            weighted.*,
            case when deviation_total > 0 then weighted_deviation / deviation_total else cast(0 as double) end
                as obstacle
        from weighted
    )

    select
        obstacles.*,
        rank() over (partition by {{ unit_columns | join(', ') }} order by obstacle desc) as obstacle_rank
    from obstacles
{%- endmacro %}


{#
  Obstacle degree of groups of indicators (dimension, sub-dimension): U_g = sum_{j in g} O_ij per
  unit, ranked within the unit (1 = largest). `obstacles` is the output of nqp_obstacle_degree
  carrying `group_column`.
#}
{% macro nqp_obstacle_groups(obstacles, unit_columns, group_column='dimension') -%}
    select
        grouped.*,
        rank() over (partition by {{ unit_columns | join(', ') }} order by obstacle desc) as obstacle_rank
    from (
        select
            {{ nqp_keys_list(unit_columns) }}
            {{ group_column }},
            count(*) as n_indicators,
            sum(obstacle) as obstacle
        from {{ obstacles }}
        group by {{ (unit_columns + [group_column]) | join(', ') }}
    ) as grouped
{%- endmacro %}
