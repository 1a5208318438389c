-- The between-group parts of the Dagum Gini in inequality_measures: per subject, grouping scheme,
-- year and pair of groups (group_a the one with the higher mean), G_ab, D_ab and both terms.
{%- set partition = ['subject_kind', 'subject', 'grouping', 'year'] %}
with inequality_inputs as (
    select * from {{ ref('int_inequality_inputs') }}
),

dagum_pairs as (
    {{ nqp_dagum_gini_pairs('inequality_inputs', 'value', 'group_code', partition) }}
)

select
    {{ nqp_keys_list(partition) }}
    group_a,
    group_b,
    n_a,
    n_b,
    mean_a,
    mean_b,
    gini_between,
    affluence_gross,
    affluence_transvariation,
    relative_affluence,
    pair_weight,
    net_between_term,
    transvariation_term
from dagum_pairs
