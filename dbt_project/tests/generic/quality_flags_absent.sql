{#
  No quality flag of the given severity. Declared twice on the quarantine mart: with severity_level
  'error' and dbt severity error (the build stops and names the rows), and with 'warn' and dbt severity
  warn (the build goes on and the run prints the count).
#}
{% test quality_flags_absent(model, severity_level) %}
    select check_name, severity, series, region_code, year, value, reference_value, detail, source_file, source_row
    from {{ model }}
    where severity = '{{ severity_level }}'
{% endtest %}
