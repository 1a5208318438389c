{#
  Entropy weights (Paper B eq. 3-6) from per-indicator aggregates, one pass, no window over rows:
    with S = sum z, T = sum z ln z and m = count z (0 ln 0 = 0),
    sum_i p_i ln p_i = T / S - ln S, so e_j = -(T / S - ln S) / ln m,
    d_j = 1 - e_j (redundancy), w_j = d_j / sum_j d_j within the scope.
  The same SQL serves a province panel and a firm panel of 10^8 rows: the only pass over the rows
  is a group-by on (scope, indicator). An empty scope list means one pooled scope.

  nqp_entropy_weights reads a standardised relation (nqp_standardise: a `standardised` column);
  nqp_entropy_weights_from_values reads the raw values and their ranges (nqp_indicator_ranges) and
  standardises each value inside the aggregate, through a join to the few rows of the ranges
  (z = (x - anchor) * signed_inverse_range + shift, nqp_standardised_value), so the standardised
  relation (as many rows as the values) is never built.
  With the ranges and the scores, the index then takes three passes over the rows: ranges and
  sum z ln z by indicator, scores by unit (nqp_composite_scores). Both give the same weights.
#}
{% macro nqp_entropy_weights(standardised, scope) -%}
    {{ nqp_entropy_aggregate(standardised ~ ' as standardised_values', scope) }}
{%- endmacro %}


{% macro nqp_entropy_weights_from_values(inputs, ranges, scope) -%}
    {%- set keys = scope + ['indicator'] -%}
    {%- set source -%}
    (
        select
            {% for key in keys %}inputs.{{ key }},
            {% endfor -%}
            {{ nqp_standardised_value('inputs.value', 'ranges') }} as standardised
        from {{ inputs }} as inputs
        inner join {{ ranges }} as ranges
            on {{ nqp_join_keys('inputs', 'ranges', keys) }}
    ) as standardised_values
    {%- endset -%}
    {{ nqp_entropy_aggregate(source, scope) }}
{%- endmacro %}


{# `source`: a from-clause item with the scope columns, `indicator` and `standardised`. #}
{% macro nqp_entropy_aggregate(source, scope) -%}
    {%- set keys = scope + ['indicator'] -%}
    select
        {{ keys | join(', ') }},
        n_units,
        entropy,
        1 - entropy as redundancy,
        (1 - entropy) / sum(1 - entropy) over ({% if scope %}partition by {{ scope | join(', ') }}{% endif %}) as weight
    from (
        select
            {{ keys | join(', ') }},
            count(standardised) as n_units,
            -(
                sum(case when standardised > 0 then standardised * ln(standardised) else 0 end)
                    / sum(standardised)
                - ln(sum(standardised))
            ) / ln(count(standardised)) as entropy
        from {{ source }}
        group by {{ keys | join(', ') }}
    ) as indicator_entropy
{%- endmacro %}
