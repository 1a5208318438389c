{#
  Coefficient of variation CV = SD / mean of `value` within each partition `by`.
  sd = 'population' (default; divisor n, as the regional-disparity literature writes
  CV = sqrt(sum (y_i - mean)^2 / n) / mean) or 'sample' (divisor n - 1, Stata's `summarize`).
  One row per partition: n_units, mean, sd, cv (NULL when the mean is 0, or n = 1 for 'sample').
#}
{% macro nqp_coefficient_of_variation(relation, value='value', by=[], sd='population', unit=['region_code']) -%}
    {%- if sd not in ['population', 'sample'] -%}
        {{ exceptions.raise_compiler_error("nqp_coefficient_of_variation: sd must be 'population' or 'sample', got '" ~ sd ~ "'") }}
    {%- endif -%}
    select
        {{ nqp_keys_list(by) }}
        count(*) as n_units,
        avg(y) as mean,
        {% if sd == 'population' %}stddev_pop(y){% else %}stddev_samp(y){% endif %} as sd,
        {% if sd == 'population' %}stddev_pop(y){% else %}stddev_samp(y){% endif %} / nullif(avg(y), 0) as cv
    from ({{ nqp_inequality_units(relation, value, by, unit, 'coefficient of variation', nonnegative=false) }}) as cv_units
    {{ nqp_group_by(by) }}
{%- endmacro %}
