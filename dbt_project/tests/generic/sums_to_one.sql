{# Within each group, `column_name` sums to 1 (weights per system and scope). #}
{% test sums_to_one(model, column_name, group_by, tolerance=1e-9, where_clause='1 = 1') %}
    select {{ group_by | join(', ') }}, sum({{ column_name }}) as total
    from {{ model }}
    where {{ where_clause }}
    group by {{ group_by | join(', ') }}
    having abs(sum({{ column_name }}) - 1) > {{ tolerance }}
{% endtest %}
