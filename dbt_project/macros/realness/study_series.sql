{#-
    (study, code) rows: every lowercase code quoted in the SQL of the models whose config.meta names a
    study, and in the SQL of the study-less models they read directly (int_region_gdp's 'gdp' for Paper
    D), plus the string values of the vars that SQL names (var('paper_b_talent') -> graduate_students).
    Callers keep the codes that are series. Rendered at execution time from dbt's graph, so a
    researcher's new study model is covered without editing this macro.
-#}
{% macro nqp_study_series_rows() -%}
    {%- set pairs = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
            {%- set study = (node.config.meta or {}).get('study') -%}
            {%- if study -%}
                {%- set texts = [node.raw_code] -%}
                {%- for parent_id in node.depends_on.nodes if parent_id in graph.nodes -%}
                    {%- set parent = graph.nodes[parent_id] -%}
                    {%- if parent.resource_type == 'model' and not (parent.config.meta or {}).get('study') -%}
                        {%- do texts.append(parent.raw_code) -%}
                    {%- endif -%}
                {%- endfor -%}
                {%- for text in texts -%}
                    {%- set codes = modules.re.findall("'([a-z][a-z0-9_]*)'", text) -%}
                    {%- for name in modules.re.findall("var\\(\\s*'([a-z][a-z0-9_]*)'", text) -%}
                        {%- set value = var(name, none) -%}
                        {%- if value is string -%}
                            {%- do codes.append(value) -%}
                        {%- elif value is iterable and value is not mapping -%}
                            {%- for item in value if item is string -%}{%- do codes.append(item) -%}{%- endfor -%}
                        {%- endif -%}
                    {%- endfor -%}
                    {%- for code in codes if (study, code) not in pairs -%}
                        {%- do pairs.append((study, code)) -%}
                    {%- endfor -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if pairs -%}
        select * from (values
        {%- for study, code in pairs %}
            ('{{ study }}', '{{ code }}'){% if not loop.last %},{% endif %}
        {%- endfor %}
        ) as quoted (study, series)
    {%- else -%}
        select
            cast(null as {{ dbt.type_string() }}) as study,
            cast(null as {{ dbt.type_string() }}) as series
        where false
    {%- endif %}
{%- endmacro %}
