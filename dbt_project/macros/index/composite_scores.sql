{#
  Composite scores of units from standardised indicators and weights, per scope, `units` and any
  extra `group_by` columns (a dimension, to score each dimension separately):
    weighted_sum     = sum_j w_j z_ij                       (entropy method score, Paper B eq. 7)
    topsis_closeness = D- / (D+ + D-) with v = w z,          (TOPSIS-entropy, Paper C)
                       D+ / D- the Euclidean distances to the best / worst v of each indicator
                       within the scope.
  Missing z contribute nothing (documented in the marts).
#}
{% macro nqp_composite_scores(standardised, weights, scope, units, group_by=[], with_topsis=true) -%}
    {%- set keys = scope + ['indicator'] -%}
    {%- set output_keys = scope + units + group_by -%}
    select
        {% for column in output_keys %}weighted.{{ column }},
        {% endfor -%}
        sum(weighted.v) as weighted_sum{% if with_topsis %},
        sqrt(sum((ideal.v_worst - weighted.v) * (ideal.v_worst - weighted.v)))
            / nullif(
                sqrt(sum((ideal.v_best - weighted.v) * (ideal.v_best - weighted.v)))
                + sqrt(sum((ideal.v_worst - weighted.v) * (ideal.v_worst - weighted.v))),
                0
            ) as topsis_closeness{% endif %}
    from (
        select
            {% for column in (output_keys + ['indicator']) | unique %}s.{{ column }},
            {% endfor -%}
            w.weight * s.standardised as v
        from {{ standardised }} as s
        inner join {{ weights }} as w
            on {% for key in keys %}s.{{ key }} = w.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
    ) as weighted
    {% if with_topsis -%}
    inner join (
        select
            s.{{ keys | join(', s.') }},
            max(w.weight * s.standardised) as v_best,
            min(w.weight * s.standardised) as v_worst
        from {{ standardised }} as s
        inner join {{ weights }} as w
            on {% for key in keys %}s.{{ key }} = w.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
        group by s.{{ keys | join(', s.') }}
    ) as ideal
        on {% for key in keys %}weighted.{{ key }} = ideal.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
    {% endif -%}
    group by {% for column in output_keys %}weighted.{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
{%- endmacro %}
