{#
  Schemas are named exactly as configured (staging, intermediate, main, reference), not prefixed with
  the target schema: people query `index_scores` and `results.*`, not `main_main.index_scores`.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
