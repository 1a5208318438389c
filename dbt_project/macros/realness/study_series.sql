{#-
    (study, code, unit_level) rows: every lowercase code quoted in the SQL of the models whose config.meta
    names a study, and in the SQL of the study-less models they read directly (int_region_gdp's 'gdp' for
    Paper D), plus the string values of the vars that SQL names (var('paper_b_talent') -> graduate_students).
    unit_level: the config.meta.unit_level of the study-less model that quotes the code (int_gdp_volume_chain
    says province: a city study reads its provinces' GDP index for their deflators), else NULL, the study's
    own level. Callers keep the codes that are series. Rendered at execution time from dbt's graph, so a
    researcher's new study model is covered without editing this macro.
-#}
{% macro nqp_study_series_rows() -%}
    {%- set pairs = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
            {%- set study = (node.config.meta or {}).get('study') -%}
            {%- if study -%}
                {%- set texts = [(node.raw_code, none)] -%}
                {%- for parent_id in node.depends_on.nodes if parent_id in graph.nodes -%}
                    {%- set parent = graph.nodes[parent_id] -%}
                    {%- set parent_meta = parent.config.meta or {} -%}
                    {%- if parent.resource_type == 'model' and not parent_meta.get('study') -%}
                        {%- do texts.append((parent.raw_code, parent_meta.get('unit_level'))) -%}
                    {%- endif -%}
                {%- endfor -%}
                {%- for text, level in texts -%}
                    {%- set codes = modules.re.findall("'([a-z][a-z0-9_]*)'", text) -%}
                    {%- for name in modules.re.findall("var\\(\\s*'([a-z][a-z0-9_]*)'", text) -%}
                        {%- set value = var(name, none) -%}
                        {%- if value is string -%}
                            {%- do codes.append(value) -%}
                        {%- elif value is iterable and value is not mapping -%}
                            {%- for item in value if item is string -%}{%- do codes.append(item) -%}{%- endfor -%}
                        {%- endif -%}
                    {%- endfor -%}
                    {%- for code in codes if (study, code, level) not in pairs -%}
                        {%- do pairs.append((study, code, level)) -%}
                    {%- endfor -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if pairs -%}
        select * from (values
        {%- for study, code, level in pairs %}
            ('{{ study }}', '{{ code }}', {{ "'" ~ level ~ "'" if level else 'cast(null as ' ~ dbt.type_string() ~ ')' }})
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
        ) as quoted (study, series, unit_level)
    {%- else -%}
        select
            cast(null as {{ dbt.type_string() }}) as study,
            cast(null as {{ dbt.type_string() }}) as series,
            cast(null as {{ dbt.type_string() }}) as unit_level
        where false
    {%- endif %}
{%- endmacro %}
