{#
  An aggregate over every row of its group, or NULL when one row lacks the value: a national total,
  mean or share is never one of a subset of the regions.
    nqp_complete_aggregate('sum', 'gdp')                                       in a group by
    nqp_complete_aggregate('sum', 'gdp', over='partition by year')             as a window
    nqp_complete_aggregate('avg', 'ln_gdp', filter='not excluded')             over the rows kept by filter
#}
{% macro nqp_complete_aggregate(function, expression, over=none, filter=none) -%}
    {%- set rows = (' filter (where ' ~ filter ~ ')' if filter else '') ~ (' over (' ~ over ~ ')' if over else '') -%}
    case
        when count({{ expression }}){{ rows }} = count(*){{ rows }}
            then {{ function }}({{ expression }}){{ rows }}
    end
{%- endmacro %}
