{# The model has exactly `expected` rows (a study's sample size, e.g. Paper A N = 300). #}
{% test row_count_equals(model, expected) %}
    select n_rows
    from (select count(*) as n_rows from {{ model }}) as counted
    where n_rows <> {{ expected }}
{% endtest %}
