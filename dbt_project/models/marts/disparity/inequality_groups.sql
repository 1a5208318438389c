-- The group-level parts of inequality_measures: per subject, grouping scheme, year and group, the
-- within-group Dagum Gini G_jj and the group's Theil T_g, shares and terms of both decompositions.
{%- set partition = ['subject_kind', 'subject', 'grouping', 'year'] %}
with inequality_inputs as (
    select * from {{ ref('int_inequality_inputs') }}
),

dagum_groups as (
    {{ nqp_dagum_gini_groups('inequality_inputs', 'value', 'group_code', partition) }}
),

theil_groups as (
    {{ nqp_theil_groups('inequality_inputs', 'value', 'group_code', partition) }}
)

select
    {{ nqp_keys_list(partition, 'dagum_groups.') }}
    dagum_groups.group_code,
    dagum_groups.n_units,
    dagum_groups.mean,
    dagum_groups.population_share,
    dagum_groups.value_share,
    dagum_groups.gini_within_group,
    dagum_groups.within_term as gini_within_term,
    theil_groups.theil as theil_within_group,
    theil_groups.within_term as theil_within_term,
    theil_groups.between_term as theil_between_term
from dagum_groups
inner join theil_groups
    on {{ nqp_keys_match('dagum_groups', 'theil_groups', partition + ['group_code']) }}
