{#
  Winsorising as Stata's `winsor2 x, cuts(1 99)`: values below the q-th / above the (1-q)-th
  percentile are set to that percentile. Percentiles follow Stata's `_pctile` (summarize, detail):
  with n non-missing values sorted and P = n q, the percentile is x[P] averaged with x[P+1] when P
  is a whole number, else x[ceil(P)]. Pooled over the whole relation (Paper E winsorises its panel).
#}
{% macro nqp_stata_percentile(relation, column, quantile) -%}
    (
        select avg(ranked.v)
        from (
            select
                {{ column }} as v,
                row_number() over (order by {{ column }}) as r,
                count(*) over () as n
            from {{ relation }}
            where {{ column }} is not null
        ) as ranked
        where (round(ranked.n * {{ quantile }}, 9) = floor(round(ranked.n * {{ quantile }}, 9))
                and ranked.r in (round(ranked.n * {{ quantile }}, 9), round(ranked.n * {{ quantile }}, 9) + 1))
            or (round(ranked.n * {{ quantile }}, 9) <> floor(round(ranked.n * {{ quantile }}, 9))
                and ranked.r = ceil(round(ranked.n * {{ quantile }}, 9)))
    )
{%- endmacro %}


{# `column` clipped to [q-th, (1-q)-th] percentile of `relation`, for a select list. #}
{% macro nqp_winsorised(relation, column, quantile=0.01) -%}
    case
        when {{ column }} < {{ nqp_stata_percentile(relation, column, quantile) }}
            then {{ nqp_stata_percentile(relation, column, quantile) }}
        when {{ column }} > {{ nqp_stata_percentile(relation, column, 1 - quantile) }}
            then {{ nqp_stata_percentile(relation, column, 1 - quantile) }}
        else {{ column }}
    end
{%- endmacro %}


{#
  Select-list entries for a study panel's analysis variables: each winsorised over `relation` when
  `enabled`, else as it is; every entry ends with a comma (follow it with the remaining columns).
#}
{% macro nqp_analysis_variables(relation, variables, enabled) -%}
    {%- for variable in variables %}
        {% if enabled -%}
        {{ nqp_winsorised(relation, variable, var('winsorise_quantile')) }} as {{ variable }},
        {%- else -%}
        {{ variable }},
        {%- endif %}
    {%- endfor %}
{%- endmacro %}
