{#
  The weighting scope a system's scores are computed in (index_systems.score_weighting): the
  columns period_scheme / period that key index_weights, so a value can be joined to the weight
  it was scored with. 'per_year': the year's cross-section; otherwise the pooled panel.
#}
{% macro nqp_weighting_scope(score_weighting, year) -%}
    case when {{ score_weighting }} = 'per_year' then 'year' else 'pooled' end as period_scheme,
        case
            when {{ score_weighting }} = 'per_year' then cast({{ year }} as {{ dbt.type_string() }})
            else 'pooled'
        end as period
{%- endmacro %}
