{#-
    The codes int_series_derived's SQL gives its series (`'<code>' as series`), known whether or not
    the build has the inputs to compute them (a real-only build may lack one). A list of strings.
-#}
{% macro nqp_derived_series_codes() -%}
    {%- set codes = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.name == 'int_series_derived' -%}
            {%- do codes.extend(modules.re.findall("'([a-z][a-z0-9_]*)' as series", node.raw_code)) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(codes) }}
{%- endmacro %}
