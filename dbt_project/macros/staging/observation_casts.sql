{#
  The typed columns every raw observation table shares, written once for the three staging models
  (stg_portal__observations, stg_synthetic__observations, stg_city__observations): the value
  itself, and the lineage that traces a real value to its file, row and cell. Plain casts only, so
  the staging models run unchanged on DuckDB and Spark.
#}
{% macro observation_value_casts() -%}
        cast(region_code as integer) as region_code,
        cast(year as integer) as year,
        cast(series as {{ dbt.type_string() }}) as series,
        cast(value as double) as value,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(provenance as {{ dbt.type_string() }}) as provenance
{%- endmacro %}

{# with_sheet: the portal's files are workbooks, so a cell is also named by its sheet #}
{% macro observation_lineage_casts(with_sheet=false) -%}
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        {%- if with_sheet %}
        cast(source_sheet as {{ dbt.type_string() }}) as source_sheet,
        {%- endif %}
        cast(source_row as integer) as source_row,
        cast(source_column as {{ dbt.type_string() }}) as source_column,
        cast(raw_text as {{ dbt.type_string() }}) as raw_text
{%- endmacro %}
