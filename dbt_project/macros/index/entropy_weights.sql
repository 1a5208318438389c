{#
  Entropy weights (Paper B eq. 3-6) from per-indicator aggregates, one pass, no window over rows:
    with S = sum z, T = sum z ln z and m = count z (0 ln 0 = 0),
    sum_i p_i ln p_i = T / S - ln S, so e_j = -(T / S - ln S) / ln m,
    d_j = 1 - e_j (redundancy), w_j = d_j / sum_j d_j within the scope.
  The same SQL serves a province panel and a firm panel of 10^8 rows: the only pass over the rows
  is a group-by on (scope, indicator). An empty scope list means one pooled scope.

  nqp_entropy_weights reads a standardised relation (nqp_standardise: a `standardised` column);
  nqp_entropy_weights_from_values reads the raw values and their ranges (nqp_indicator_ranges over
  the same values) through a join to the few rows of the ranges, so the standardised relation (as
  many rows as the values) is never built. p_i = z_i / S does not change when every z of an
  indicator is multiplied by the same factor, so this pass sums R z = |x - anchor| + shift R
  (R = max - min; |x - anchor| is x - min for a positive indicator, max - x for a negative one):
  two values from the join instead of three, no multiply per row, and nothing subtracted that
  could cancel. A zero shift is taken as the smallest positive double (2^-1074), so no z is 0 and
  z ln z needs no guard per row (nqp_x_ln_x): z = |x - anchor| is unchanged for every z >= 2^-1020,
  and the value at the anchor adds 2^-1074 to S and -3.7e-321 to T instead of 0 (the guard cost 4 %
  of this pass on 8 x 10^7 rows). m is taken from the ranges (their count of the same values), not
  counted again.
  With the ranges and the scores, the index then takes three passes over the rows: ranges and
  sum z ln z by indicator, scores by unit (nqp_composite_scores). Both give the same weights.
#}
{% macro nqp_entropy_weights(standardised, scope) -%}
    {{ nqp_entropy_from_sums(nqp_entropy_sums(standardised, 'standardised', scope), scope) }}
{%- endmacro %}


{% macro nqp_entropy_weights_from_values(inputs, ranges, scope) -%}
    {%- set keys = scope + ['indicator'] -%}
    {%- set scaled_values -%}
    (
        select
            {% for key in keys %}inputs.{{ key }},
            {% endfor -%}
            abs(inputs.value - ranges.anchor) + ranges.shift_times_range as z_times_range
        from {{ inputs }} as inputs
        inner join (
            select
                {{ keys | join(', ') }},
                anchor,
                greatest(shift * value_range, {{ nqp_smallest_double() }}) as shift_times_range
            from {{ ranges }}
        ) as ranges
            on {{ nqp_join_keys('inputs', 'ranges', keys) }}
    )
    {%- endset -%}
    {#- m is the ranges' count of values (the same rows, and z is missing exactly where x is) -#}
    {%- set sums -%}
    (
        select
            {% for key in keys %}value_sums.{{ key }},
            {% endfor -%}
            ranges.n_units,
            value_sums.total,
            value_sums.total_x_ln_x
        from {{ nqp_entropy_sums(scaled_values, 'z_times_range', scope, with_count=false, alias='value_sums',
                                 positive=true) }}
        inner join {{ ranges }} as ranges
            on {{ nqp_join_keys('value_sums', 'ranges', keys) }}
    ) as sums
    {%- endset -%}
    {{ nqp_entropy_from_sums(sums, scope) }}
{%- endmacro %}


{# m (`with_count`), S and T of `column` per scope and indicator over `relation`, as the from-clause
   item `alias`; `positive`: no value of `column` is 0 (or below 2^-1020), so T needs no 0 ln 0 guard. #}
{% macro nqp_entropy_sums(relation, column, scope, with_count=true, alias='sums', positive=false) -%}
    {%- set keys = scope + ['indicator'] -%}
    (
        select
            {{ keys | join(', ') }},
            {% if with_count %}count({{ column }}) as n_units,
            {% endif -%}
            sum({{ column }}) as total,
            sum({{ nqp_x_ln_x(column, positive) }}) as total_x_ln_x
        from {{ relation }} as {{ column }}_rows
        group by {{ keys | join(', ') }}
    ) as {{ alias }}
{%- endmacro %}


{# `sums`: a from-clause item with the scope columns, `indicator`, n_units (m), total (S) and total_x_ln_x (T). #}
{% macro nqp_entropy_from_sums(sums, scope) -%}
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
            n_units,
            -(total_x_ln_x / total - ln(total)) / ln(n_units) as entropy
        from {{ sums }}
    ) as indicator_entropy
{%- endmacro %}


{#
  x ln x with 0 ln 0 = 0, for x >= 0, without a branch per row (a CASE costs a quarter of the
  logarithm itself on 10^8 rows): x ln(x + 2^-1074), 2^-1074 the smallest positive double. The sum
  is x itself for every x >= 2^-1020 (the addend is below half a unit in its last place), so the
  product is exactly x ln x there; x = 0 gives 0 times a finite log (-744.4), i.e. 0; an x between 0
  and 2^-1020 (below 1e-307) is off by at most 1e-305 in absolute terms. A null x stays null.
  nqp_indicator_ranges stops a negative shift, so no standardised value is negative.
  `positive`: the caller guarantees x >= 2^-1020 (or null), so the guard is left out: x ln(x).
#}
{% macro nqp_x_ln_x(x, positive=false) -%}
    {{ x }} * ln({{ x }}{% if not positive %} + {{ nqp_smallest_double() }}{% endif %})
{%- endmacro %}


{# 2^-1074, the smallest positive (subnormal) double, written so that it parses back exactly. #}
{% macro nqp_smallest_double() -%}
    4.9406564584124654e-324
{%- endmacro %}
