{#
  Gaps at a start and an end year side by side, with their change in percent, as Paper D's Table 1:
  change_pct = (end - start) / start x 100 with the signed start gap (the paper's convention: a gap
  going from -1859 to 2100 changes by -213.0 %; NULL when the start gap is 0).
  `relation` has one row per `keys` and `year`; each name in `gaps` becomes <gap>_start, <gap>_end,
  <gap>_change_pct. A start or end year with no row stops the query, naming the year
  (missing_year='report': the result is empty instead).
#}
{% macro nqp_gap_change(relation, keys, gaps, start_year, end_year, year='year', missing_year='raise') -%}
    with start_gaps as (
        select * from {{ relation }} where {{ year }} = {{ start_year }}
    ),

    end_gaps as (
        select * from {{ relation }} where {{ year }} = {{ end_year }}
    ),

    -- both years must exist, else a silent empty table; missing_year='report' (a real-only build)
    -- leaves the table empty instead, and `nqp build` lists the empty study table with the series
    -- lacking values (mart data_realness_series)
    years_present as (
        {%- if missing_year == 'report' %}
        select 1 as start_present, 1 as end_present
        {%- else %}
        select
            {{ nqp_raise_if('(select count(*) from start_gaps) = 0',
                "'gap change: no rows for the start year " ~ start_year ~ " in " ~ relation ~ "'", 1) }} as start_present,
            {{ nqp_raise_if('(select count(*) from end_gaps) = 0',
                "'gap change: no rows for the end year " ~ end_year ~ " in " ~ relation ~ "'", 1) }} as end_present
        {%- endif %}
    )

    select
        {{ nqp_keys_list(keys, 'start_gaps.') }}
        {{ start_year }} as start_year,
        {{ end_year }} as end_year,
        {%- for gap in gaps %}
        start_gaps.{{ gap }} as {{ gap }}_start,
        end_gaps.{{ gap }} as {{ gap }}_end,
        (end_gaps.{{ gap }} - start_gaps.{{ gap }}) / nullif(start_gaps.{{ gap }}, 0) * 100 as {{ gap }}_change_pct
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from start_gaps
    inner join end_gaps on {{ nqp_keys_match('start_gaps', 'end_gaps', keys) }}
    cross join years_present
    where years_present.start_present = 1 and years_present.end_present = 1
{%- endmacro %}
