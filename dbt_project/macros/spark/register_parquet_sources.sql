{#
  Register Parquet files as the tables of a source, for an engine that reads raw inputs from files
  (the Spark target: the loader writes raw.* into DuckDB, models_py.spark_target exports them to
  Parquet). Each table <name> of source `source_name` becomes an external table over
  <directory>/<name>.parquet; re-running replaces the registration, never the files.
    dbt run-operation nqp_register_parquet_sources --target spark --args '{directory: /abs/path/raw}'
#}
{% macro nqp_register_parquet_sources(directory, source_name='raw', tables=none) -%}
    {%- set sources = graph.sources.values() | selectattr('source_name', 'equalto', source_name) | list -%}
    {%- if not sources -%}
        {{ exceptions.raise_compiler_error("nqp_register_parquet_sources: no source named '" ~ source_name ~ "'") }}
    {%- endif -%}
    {%- do run_query('create schema if not exists ' ~ sources[0].schema) -%}
    {%- for node in sources if tables is none or node.name in tables -%}
        {%- set relation = node.schema ~ '.' ~ node.identifier -%}
        {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- do run_query("create table " ~ relation ~ " using parquet location '" ~ directory ~ "/" ~ node.identifier ~ ".parquet'") -%}
        {{ log('registered ' ~ relation ~ ' -> ' ~ directory ~ '/' ~ node.identifier ~ '.parquet', info=true) }}
    {%- endfor -%}
{%- endmacro %}
