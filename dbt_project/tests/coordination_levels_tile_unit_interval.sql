-- The coordination classes tile [0, 1]: sorted by lower bound, the first starts at 0, each starts
-- where the previous ends, the last ends at 1, and every class is non-empty. Failing rows name the class.
with ordered as (
    select
        level,
        lower,
        upper,
        lag(upper) over (order by lower) as previous_upper,
        row_number() over (order by lower) as class_order,
        count(*) over () as n_classes
    from {{ ref('coordination_levels') }}
)

select *
from ordered
where upper <= lower
    or (class_order = 1 and lower <> 0)
    or (class_order > 1 and lower <> previous_upper)
    or (class_order = n_classes and upper <> 1)
