{#
  Composite scores from the raw indicator values, in one pass over the rows: a group-by on the unit
  columns after a join to the few coefficient rows (no standardised relation is read).

  nqp_score_coefficients turns each indicator's weight and range into the map of its raw value to
  its weighted standardised value, v = w z = w ((x - anchor) * signed_inverse_range + s)
  (anchor and signed_inverse_range from nqp_indicator_ranges, the map nqp_standardise uses):
    positive: anchor = min, signed_inverse_range = 1 / R    ->  z = (x - min) / R + s
    negative: anchor = max, signed_inverse_range = -1 / R   ->  z = (max - x) / R + s
  (anchored, so the extreme value standardises to exactly s), and, for TOPSIS, the best and worst v
  within the scope, w (1 + s) and w s (z spans [s, 1 + s]).

  nqp_composite_scores then scores each unit (and `group_by` level, e.g. a dimension), with the weight
  folded into the map on the few coefficient rows, v = (x - anchor) * (w signed_inverse_range) + w s
  (still anchored: no cancellation, and a row costs one subtraction and one multiply-add, with
  three values taken from the join instead of four):
    weighted_sum     = sum_j v_ij                          (entropy method score, Paper B eq. 7)
    topsis_closeness = D- / (D+ + D-), D+ / D- the Euclidean distances of v_i to the best / worst v
                       (TOPSIS-entropy, Paper C).
  A missing value contributes nothing here; the models only pass complete indicator sets
  (int_index_inputs, after each system's missing_rule: macros in missing_values.sql).
#}
{% macro nqp_score_coefficients(ranges, weights, scope) -%}
    {%- set keys = scope + ['indicator'] -%}
    select
        {% for key in keys %}ranges.{{ key }},
        {% endfor -%}
        weights.weight,
        ranges.anchor,
        ranges.signed_inverse_range,
        ranges.shift,
        weights.weight * (1 + ranges.shift) as v_best,
        weights.weight * ranges.shift as v_worst
    from {{ ranges }} as ranges
    inner join {{ weights }} as weights
        on {{ nqp_join_keys('ranges', 'weights', keys) }}
{%- endmacro %}


{% macro nqp_composite_scores(inputs, coefficients, scope, units, group_by=[], with_topsis=true) -%}
    {%- set keys = scope + ['indicator'] -%}
    {%- set output_keys = scope + units + group_by -%}
    select
        {{ output_keys | join(', ') }},
        sum(v) as weighted_sum
        {%- if with_topsis %},
        sqrt(sum((v - v_worst) * (v - v_worst)))
            / nullif(sqrt(sum((v_best - v) * (v_best - v))) + sqrt(sum((v - v_worst) * (v - v_worst))), 0)
            as topsis_closeness
        {%- endif %}
    from (
        select
            {% for column in output_keys %}inputs.{{ column }},
            {% endfor -%}
            (inputs.value - coefficients.anchor) * coefficients.weighted_inverse_range
                + coefficients.weighted_shift as v
            {%- if with_topsis %},
            coefficients.v_best,
            coefficients.v_worst
            {%- endif %}
        from {{ inputs }} as inputs
        inner join (
            select
                {{ keys | join(', ') }},
                anchor,
                weight * signed_inverse_range as weighted_inverse_range,
                weight * shift as weighted_shift
                {%- if with_topsis %},
                v_best,
                v_worst
                {%- endif %}
            from {{ coefficients }}
        ) as coefficients
            on {{ nqp_join_keys('inputs', 'coefficients', keys) }}
    ) as weighted
    group by {{ output_keys | join(', ') }}
{%- endmacro %}
