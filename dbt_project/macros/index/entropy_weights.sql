{#
  Entropy weights (Paper B eq. 3-6) from per-indicator aggregates, one pass, no window over rows:
    with S = sum z, T = sum z ln z and m = count z (0 ln 0 = 0),
    sum_i p_i ln p_i = T / S - ln S, so e_j = -(T / S - ln S) / ln m,
    d_j = 1 - e_j (redundancy), w_j = d_j / sum_j d_j within the scope.
  The same SQL serves a province panel and a firm panel of 10^8 rows: the only pass over the rows
  is a group-by on (scope, indicator). An empty scope list means one pooled scope.
#}
{% macro nqp_entropy_weights(standardised, scope) -%}
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
        from {{ standardised }}
        group by {{ keys | join(', ') }}
    ) as indicator_entropy
{%- endmacro %}
