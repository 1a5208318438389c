{#
  Stop the query with a message when `condition` holds, otherwise yield `value`.
  `message` is a SQL string expression: name the series/indicator, region, year and value in it,
  so the user reads what is wrong and where. Engine-specific, hence dispatched.
#}
{% macro nqp_raise_if(condition, message, value) -%}
    {{ return(adapter.dispatch('nqp_raise_if', 'nqp')(condition, message, value)) }}
{%- endmacro %}

{% macro duckdb__nqp_raise_if(condition, message, value) -%}
    case when {{ condition }} then error({{ message }}) else {{ value }} end
{%- endmacro %}

{% macro spark__nqp_raise_if(condition, message, value) -%}
    case when {{ condition }} then raise_error({{ message }}) else {{ value }} end
{%- endmacro %}

{# Engines without a raise function: an impossible cast fails and its error quotes the message. #}
{% macro default__nqp_raise_if(condition, message, value) -%}
    case when {{ condition }} then cast({{ message }} as integer) else {{ value }} end
{%- endmacro %}


{# A string rendering of a number for error messages, portable across engines. #}
{% macro nqp_text(expression) -%}
    coalesce(cast({{ expression }} as {{ dbt.type_string() }}), 'NULL')
{%- endmacro %}
