{#
  The words of a space-separated text column, one row each with the row's key: `key`, word.
  Blank and NULL columns give no rows; runs of spaces give no empty words. Splitting a string into
  rows is engine-specific (DuckDB unnest(string_split(..)), Spark explode(split(..))), hence dispatched.
#}
{% macro nqp_words(relation, key, column) -%}
    {{ return(adapter.dispatch('nqp_words', 'nqp')(relation, key, column)) }}
{%- endmacro %}

{% macro duckdb__nqp_words(relation, key, column) -%}
    select {{ key }}, word
    from (
        select {{ key }}, unnest(string_split(trim({{ column }}), ' ')) as word
        from {{ relation }}
        where {{ column }} is not null
    ) as words
    where word <> ''
{%- endmacro %}

{% macro spark__nqp_words(relation, key, column) -%}
    select {{ key }}, word
    from (
        select {{ key }}, explode(split(trim({{ column }}), ' ')) as word
        from {{ relation }}
        where {{ column }} is not null
    ) as words
    where word <> ''
{%- endmacro %}
