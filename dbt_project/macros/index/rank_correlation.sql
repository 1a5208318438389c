{#
  Spearman rank correlation of columns `x` and `y` of `relation` within each `group_by` group, as
  scipy.stats.spearmanr: Pearson correlation of the ranks, ties given their average rank
  (rank + (ties - 1) / 2). Rows where either value is missing are left out. Output: the group_by
  columns, n_units and spearman (NULL when a group has fewer than two rows or a constant column).
  The average rank is (rank() + count(*)) / 2 over one window ordered by the value: the default
  frame ends at the value's last tie, so count(*) is its highest rank. One sort per column; a
  count of ties over a second partition by the value cost a second one (~40 % of the model).
#}
{% macro nqp_spearman(relation, group_by, x, y) -%}
    {%- set partition = 'partition by ' ~ group_by | join(', ') if group_by else '' -%}
    select
        {% for column in group_by %}{{ column }},
        {% endfor -%}
        count(*) as n_units,
        case when count(*) >= 2 and var_samp(x_rank) > 0 and var_samp(y_rank) > 0
            then corr(x_rank, y_rank) end as spearman
    from (
        select
            {% for column in group_by %}{{ column }},
            {% endfor -%}
            (rank() over ({{ partition }} order by {{ x }})
                + count(*) over ({{ partition }} order by {{ x }})) / 2.0 as x_rank,
            (rank() over ({{ partition }} order by {{ y }})
                + count(*) over ({{ partition }} order by {{ y }})) / 2.0 as y_rank
        from {{ relation }}
        where {{ x }} is not null and {{ y }} is not null
    ) as ranked
    {% if group_by %}group by {{ group_by | join(', ') }}{% endif %}
{%- endmacro %}
