-- Inequality across regions for every index system's total score and each declared series, per
-- grouping scheme and year: coefficient of variation, Theil T (unweighted and population-weighted)
-- with its within / between decomposition, and the Dagum Gini with its within / net between /
-- transvariation decomposition. Formulas and conventions: macros/inequality/.
{%- set partition = ['subject_kind', 'subject', 'grouping', 'year'] %}
with inequality_inputs as (
    select * from {{ ref('int_inequality_inputs') }}
),

coefficients_of_variation as (
    {{ nqp_coefficient_of_variation('inequality_inputs', 'value', partition) }}
),

sample_coefficients_of_variation as (
    {{ nqp_coefficient_of_variation('inequality_inputs', 'value', partition, sd='sample') }}
),

theil_unweighted as (
    {{ nqp_theil('inequality_inputs', 'value', 'group_code', partition) }}
),

-- population weights only where every province with a value has a population that year (the
-- series reach further than population: GDP 2024); elsewhere theil_pw_* stay NULL
weighted_inputs as (
    select *
    from inequality_inputs
    where not exists (
            select 1
            from inequality_inputs as unweighted
            where {{ nqp_keys_match('unweighted', 'inequality_inputs', partition) }}
                and unweighted.value is not null
                and unweighted.population is null
        )
),

theil_population_weighted as (
    {{ nqp_theil('weighted_inputs', 'value', 'group_code', partition, weight='population') }}
),

dagum_gini as (
    {{ nqp_dagum_gini('inequality_inputs', 'value', 'group_code', partition) }}
)

select
    {{ nqp_keys_list(partition, 'coefficients_of_variation.') }}
    coefficients_of_variation.n_units,
    dagum_gini.n_groups,
    coefficients_of_variation.mean,
    coefficients_of_variation.cv,
    sample_coefficients_of_variation.cv as cv_sample,
    theil_unweighted.theil,
    theil_unweighted.theil_within,
    theil_unweighted.theil_between,
    theil_unweighted.theil_within_share,
    theil_unweighted.theil_between_share,
    theil_population_weighted.theil as theil_pw,
    theil_population_weighted.theil_within as theil_pw_within,
    theil_population_weighted.theil_between as theil_pw_between,
    theil_population_weighted.theil_within_share as theil_pw_within_share,
    theil_population_weighted.theil_between_share as theil_pw_between_share,
    dagum_gini.gini,
    dagum_gini.gini_within,
    dagum_gini.gini_net_between,
    dagum_gini.gini_transvariation,
    dagum_gini.gini_within_share,
    dagum_gini.gini_net_between_share,
    dagum_gini.gini_transvariation_share
from coefficients_of_variation
inner join sample_coefficients_of_variation
    on {{ nqp_keys_match('coefficients_of_variation', 'sample_coefficients_of_variation', partition) }}
inner join theil_unweighted
    on {{ nqp_keys_match('coefficients_of_variation', 'theil_unweighted', partition) }}
left join theil_population_weighted
    on {{ nqp_keys_match('coefficients_of_variation', 'theil_population_weighted', partition) }}
inner join dagum_gini
    on {{ nqp_keys_match('coefficients_of_variation', 'dagum_gini', partition) }}
