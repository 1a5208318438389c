{#
  Settings of the data-quality checks on loaded observations (dbt_project.yml vars
  `quality_checks`): a check's severity ('error' stops the build, 'warn' goes to the quarantine) and
  its thresholds. Overridable per run: dbt build --vars '{quality_checks: {...}}'. A key with a
  `default` may be left out of such an override (--vars replaces the whole var, so a run that sets
  year_on_year_jump's max_ratio need not restate firm_max_ratio).
#}
{% macro nqp_quality(check, key, default=none) -%}
    {%- set checks = var('quality_checks') -%}
    {%- if check in checks and key not in checks[check] and default is not none -%}
        {{ return(default) }}
    {%- endif -%}
    {%- if check not in checks or key not in checks[check] -%}
        {{ exceptions.raise_compiler_error("quality_checks has no " ~ key ~ " for check " ~ check ~ " (dbt_project.yml vars)") }}
    {%- endif -%}
    {{ return(checks[check][key]) }}
{%- endmacro %}

{# The severity of a check as a SQL literal, validated: only 'error' and 'warn' exist. #}
{% macro nqp_quality_severity(check) -%}
    {%- set severity = nqp_quality(check, 'severity') -%}
    {%- if severity not in ['error', 'warn'] -%}
        {{ exceptions.raise_compiler_error("quality_checks." ~ check ~ ".severity must be error or warn, not " ~ severity) }}
    {%- endif -%}
    '{{ severity }}'
{%- endmacro %}

{# The columns every quality-check model yields, in order, so the quarantine mart can union them. #}
{% macro nqp_quality_flag(check, series, region_code, year, value, reference_value, detail, source_file, source_row, raw_text) -%}
    cast('{{ check }}' as {{ dbt.type_string() }}) as check_name,
    cast({{ nqp_quality_severity(check) }} as {{ dbt.type_string() }}) as severity,
    cast({{ series }} as {{ dbt.type_string() }}) as series,
    cast({{ region_code }} as integer) as region_code,
    cast({{ year }} as integer) as year,
    cast({{ value }} as double) as value,
    cast({{ reference_value }} as double) as reference_value,
    cast({{ detail }} as {{ dbt.type_string() }}) as detail,
    cast({{ source_file }} as {{ dbt.type_string() }}) as source_file,
    cast({{ source_row }} as integer) as source_row,
    cast({{ raw_text }} as {{ dbt.type_string() }}) as raw_text
{%- endmacro %}
