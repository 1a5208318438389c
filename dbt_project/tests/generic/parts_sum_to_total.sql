{# A decomposition adds up: |total - sum(parts)| <= tolerance on every row (NULL totals are skipped). #}
{% test parts_sum_to_total(model, column_name, parts, tolerance=1e-9) %}
    select *
    from {{ model }}
    where {{ column_name }} is not null
        and abs({{ column_name }} - ({{ parts | join(' + ') }})) > {{ tolerance }}
{% endtest %}
