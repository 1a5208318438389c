{#
  No two rows share the given columns (dbt_utils.unique_combination_of_columns, written here because
  the build runs offline and installs no dbt packages).
#}
{% test unique_combination_of_columns(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as n_rows
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
