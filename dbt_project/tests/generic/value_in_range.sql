{# Every non-null value lies in [min_value, max_value]; failing rows are returned with the value. #}
{% test value_in_range(model, column_name, min_value, max_value) %}
    select *
    from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
