-- Every quality flag on the loaded data, one row per flagged value and check. Rows with severity
-- 'error' stop the build (test quality_flags_absent); 'warn' rows are the quarantine the user reads
-- after a build: the value is loaded, but look at it before trusting it. A flag a person has
-- reviewed (seeds quality_reviewed.csv: a real value, e.g. Tibet's tiny R&D figures) keeps its row
-- with severity 'reviewed' and the reason appended, so it no longer stops the build.
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
),

reviewed as (
    select * from {{ ref('quality_reviewed') }}
),

flags_with_review as (
    select
        flags.check_name,
        case when reviewed.check_name is not null then 'reviewed' else flags.severity end as severity,
        flags.series,
        flags.region_code,
        flags.year,
        flags.value,
        flags.reference_value,
        case
            when reviewed.check_name is not null then flags.detail || '; reviewed: ' || reviewed.reason
            else flags.detail
        end as detail,
        flags.source_file,
        flags.source_row,
        flags.raw_text
    from flags
    left join reviewed
        on flags.check_name = reviewed.check_name
        and flags.series = reviewed.series
        and flags.region_code = reviewed.region_code
        and flags.year = reviewed.year
)

select * from flags_with_review
