{#
  Winsorising as Stata's `winsor2 x, cuts(1 99)`: values below the q-th / above the (1-q)-th
  percentile are set to that percentile. Percentiles follow Stata's `_pctile` (summarize, detail):
  with n non-missing values sorted and P = n q, the percentile is x[P] averaged with x[P+1] when P
  is a whole number, else x[ceil(P)]. Pooled over the whole relation (Paper E winsorises its panel).
#}
{#
  Both cut points of `column` over `relation` in one ranked scan, as a one-row relation
  (lower_bound = the q-th, upper_bound = the (1-q)-th percentile).
#}
{% macro nqp_stata_percentile_bounds(relation, column, quantile) -%}
    (
        select
            avg(case when {{ nqp_stata_percentile_rank('ranked.p_lower') }} then ranked.v end) as lower_bound,
            avg(case when {{ nqp_stata_percentile_rank('ranked.p_upper') }} then ranked.v end) as upper_bound
        from (
            select
                {{ column }} as v,
                row_number() over (order by {{ column }}) as r,
                round(count(*) over () * {{ quantile }}, 9) as p_lower,
                round(count(*) over () * {{ 1 - quantile }}, 9) as p_upper
            from {{ relation }}
            where {{ column }} is not null
        ) as ranked
    )
{%- endmacro %}


{# Whether rank ranked.r is one of the values Stata averages for the percentile at position p = n q. #}
{% macro nqp_stata_percentile_rank(p) -%}
    (({{ p }} = floor({{ p }}) and ranked.r in ({{ p }}, {{ p }} + 1))
        or ({{ p }} <> floor({{ p }}) and ranked.r = ceil({{ p }})))
{%- endmacro %}


{# `column` clipped to [q-th, (1-q)-th] percentile of `relation`, for a select list (NULL stays NULL). #}
{% macro nqp_winsorised(relation, column, quantile=0.01) -%}
    (
        select
            case
                when {{ column }} < bounds.lower_bound then bounds.lower_bound
                when {{ column }} > bounds.upper_bound then bounds.upper_bound
                else {{ column }}
            end
        from {{ nqp_stata_percentile_bounds(relation, column, quantile) }} as bounds
    )
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
