{#
  Every non-null value lies in [min_value, max_value], up to `tolerance` (default 1e-12): values that
  are sums of floating-point terms (a dimension's weight, a score of weighted parts) may land a few
  ulps outside the bound depending on DuckDB's parallel summation order. Failing rows are returned.
#}
{% test value_in_range(model, column_name, min_value, max_value, tolerance=1e-12) %}
    select *
    from {{ model }}
    where
        {{ column_name }} < {{ min_value }} - {{ tolerance }}
        or {{ column_name }} > {{ max_value }} + {{ tolerance }}
{% endtest %}
