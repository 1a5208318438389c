-- Every quality flag on the loaded data, one row per flagged value and check. Rows with severity
-- 'error' stop the build (test quality_flags_absent); 'warn' rows are the quarantine the user reads
-- after a build: the value is loaded, but look at it before trusting it.
{% set checks = [
    'int_quality_plausible_range',
    'int_quality_year_on_year_jump',
    'int_quality_unit_scale',
    'int_quality_share_bounds',
    'int_quality_sector_sum',
] %}

with flags as (
    {% for check in checks %}
        select * from {{ ref(check) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from flags
