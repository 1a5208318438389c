{#
  Missing indicator values under each index system's declared rule (index_systems.missing_rule), so
  that weights and scores only ever see complete indicator sets.

  `inputs` holds one row per system, indicator, unit (region) and year of the system's sample grid,
  with `value` (NULL = no value), `is_synthetic`, `imputation` (NULL, or how an input was already
  imputed, e.g. 'interpolate' for a series value interpolated in int_series_interpolated),
  `missing_rule` and `extrapolation` (constant per system). Rules, along each region's years:
    error           nothing is filled: a missing value stays missing (and stops the build downstream)
    interpolate     interior gaps: linear between the nearest observed years before and after
    extrapolate     interior gaps as interpolate; before the first / after the last observed year the
                    nearest observed value (`extrapolation` = 'nearest', the default) or the linear
                    trend of the two nearest observed years ('linear'; needs two observed years)
    complete_cases  nothing is filled: the region-year is dropped from weighting and scoring
  An observed value is any non-missing input value (series-interpolated ones included).
#}

{#
  Output: the `keys`, `unit`, `time` and `carry` columns, `missing_rule`, the value after the rule,
  `is_synthetic` (a filled value is synthetic when a value it is computed from is), `imputation`
  (the input's, or 'interpolate' / 'extrapolate' when filled here), `is_imputed`, `is_missing`
  (still no value) and `is_dropped` (the region-year is dropped: rule complete_cases and some
  indicator of the region-year is missing).
#}
{% macro nqp_fill_missing(inputs, keys=['system', 'indicator'], unit='region_code', time='year', carry=[]) -%}
    {%- set line = keys + [unit] -%}
    {%- set region_year = keys[:-1] + [unit, time] -%}
    {#- observed values, ranked from each end: the second one is the far point of a linear trend -#}
    {%- set observed -%}
        select
            {{ (line + [time]) | join(', ') }}, value, is_synthetic,
            row_number() over (partition by {{ line | join(', ') }} order by {{ time }}) as rank_from_first,
            row_number() over (partition by {{ line | join(', ') }} order by {{ time }} desc) as rank_from_last
        from {{ inputs }}
        where value is not null
    {%- endset -%}
    select
        {% for column in line + [time] + carry %}{{ column }},
        {% endfor -%}
        missing_rule,
        value,
        is_synthetic,
        case when value is not null then imputation end as imputation,
        value is not null and imputation is not null as is_imputed,
        value is null as is_missing,
        missing_rule = 'complete_cases'
            and max(case when value is null then 1 else 0 end) over (partition by {{ region_year | join(', ') }}) = 1
            as is_dropped
    from (
        select
            {% for column in line + [time] + carry %}gaps.{{ column }},
            {% endfor -%}
            gaps.missing_rule,
            case
                when gaps.value is not null then gaps.value
                when gaps.fill = 'interior' then previous_obs.value
                    + (next_obs.value - previous_obs.value)
                    * (gaps.{{ time }} - previous_obs.{{ time }}) / (next_obs.{{ time }} - previous_obs.{{ time }})
                when gaps.fill = 'leading_nearest' then next_obs.value
                when gaps.fill = 'trailing_nearest' then previous_obs.value
                when gaps.fill = 'leading_linear' then next_obs.value
                    + (next_obs.value - beyond_obs.value)
                    * (gaps.{{ time }} - next_obs.{{ time }}) / (next_obs.{{ time }} - beyond_obs.{{ time }})
                when gaps.fill = 'trailing_linear' then previous_obs.value
                    + (previous_obs.value - beyond_obs.value)
                    * (gaps.{{ time }} - previous_obs.{{ time }}) / (previous_obs.{{ time }} - beyond_obs.{{ time }})
            end as value,
            case
                when gaps.value is not null then gaps.is_synthetic
                when gaps.fill = 'interior' then previous_obs.is_synthetic or next_obs.is_synthetic
                when gaps.fill = 'leading_nearest' then next_obs.is_synthetic
                when gaps.fill = 'trailing_nearest' then previous_obs.is_synthetic
                when gaps.fill = 'leading_linear' then next_obs.is_synthetic or beyond_obs.is_synthetic
                when gaps.fill = 'trailing_linear' then previous_obs.is_synthetic or beyond_obs.is_synthetic
                else gaps.is_synthetic
            end as is_synthetic,
            case
                when gaps.value is not null then gaps.imputation
                when gaps.fill = 'interior' then 'interpolate'
                when gaps.fill is not null then 'extrapolate'
            end as imputation
        from (
            {# which fill a missing value gets under its rule; NULL = none (it stays missing) #}
            select
                bracketed.*,
                case
                    when bracketed.value is not null then null
                    when bracketed.missing_rule in ('interpolate', 'extrapolate')
                        and bracketed.previous_year is not null and bracketed.next_year is not null
                        then 'interior'
                    when bracketed.missing_rule <> 'extrapolate' then null
                    when bracketed.previous_year is null and bracketed.next_year is not null
                        then 'leading_' || bracketed.extrapolation
                    when bracketed.next_year is null and bracketed.previous_year is not null
                        then 'trailing_' || bracketed.extrapolation
                end as fill
            from (
                select
                    inputs.*,
                    max(case when inputs.value is not null then inputs.{{ time }} end) over (
                        partition by {% for column in line %}inputs.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
                        order by inputs.{{ time }} rows between unbounded preceding and current row
                    ) as previous_year,
                    min(case when inputs.value is not null then inputs.{{ time }} end) over (
                        partition by {% for column in line %}inputs.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
                        order by inputs.{{ time }} rows between current row and unbounded following
                    ) as next_year
                from {{ inputs }} as inputs
            ) as bracketed
        ) as gaps
        left join ({{ observed }}) as previous_obs
            on {{ nqp_join_keys('gaps', 'previous_obs', line) }}
            and gaps.fill is not null and gaps.previous_year = previous_obs.{{ time }}
        left join ({{ observed }}) as next_obs
            on {{ nqp_join_keys('gaps', 'next_obs', line) }}
            and gaps.fill is not null and gaps.next_year = next_obs.{{ time }}
        left join ({{ observed }}) as beyond_obs
            on {{ nqp_join_keys('gaps', 'beyond_obs', line) }}
            and ((gaps.fill = 'leading_linear' and beyond_obs.rank_from_first = 2)
                or (gaps.fill = 'trailing_linear' and beyond_obs.rank_from_last = 2))
    ) as filled
{%- endmacro %}


{#
  The indicator values weights and scores may use: `filled` (nqp_fill_missing rows, several systems)
  without the dropped region-years, and only for systems whose rule left no value missing. A system
  with a missing value left (rule error, an interior gap under interpolate, an edge no extrapolation
  can reach), or with every region-year dropped, cannot be scored:
    action 'raise'   the query stops, naming system, rule, count and the first few indicator /
                     region / year of the missing values;
    action 'report'  its rows are left out (index_system_status lists it and why).
  Output: the columns of `filled`.
#}
{% macro nqp_complete_indicator_sets(filled, system='system', unit='region_code', time='year',
                                     action='raise', shown=5) -%}
    {%- if action not in ['raise', 'report'] -%}
        {{ exceptions.raise_compiler_error(
            "dbt var index_missing_action must be 'raise' or 'report', not '" ~ action ~ "'") }}
    {%- endif -%}
    {%- set message = "'index system ' || filled." ~ system
        ~ " || ' (missing_rule ' || filled.missing_rule || '): '"
        ~ " || case when system_gaps.n_missing > 0 then " ~ nqp_text('system_gaps.n_missing')
        ~ " || ' indicator value(s) missing after the rule, first: ' || system_gaps.first_missing"
        ~ " else 'every region-year is dropped (complete_cases)' end"
        ~ " || '. Declare another missing_rule in seeds/reference/index_systems.csv, add the data,"
        ~ " or build with --vars ''{index_missing_action: report}'' to skip the system'" %}
    select filled.*
    from {{ filled }} as filled
    inner join (
        select
            {{ system }},
            count(case when is_missing and not is_dropped then 1 end) as n_missing,
            count(case when not is_dropped then 1 end) as n_kept,
            {#- the first few in order, one max() per rank: string_agg's ordering differs per engine #}
            concat_ws('; '
                {%- for rank in range(1, shown + 1) %},
                max(case when is_missing and not is_dropped and gap_rank = {{ rank }} then
                    'indicator ' || indicator || ' region ' || {{ nqp_text(unit) }} || ' year ' || {{ nqp_text(time) }}
                end)
                {%- endfor %}
            ) as first_missing
        from (
            select
                *,
                row_number() over (
                    partition by {{ system }}, is_missing and not is_dropped order by indicator, {{ unit }}, {{ time }}
                ) as gap_rank
            from {{ filled }}
        ) as ranked
        group by {{ system }}
    ) as system_gaps
        on filled.{{ system }} = system_gaps.{{ system }}
    {% if action == 'raise' %}
    {# the stop sits in the filter: a filter is evaluated on every row, an unused column may be pruned #}
    where {{ nqp_raise_if('system_gaps.n_missing > 0 or system_gaps.n_kept = 0', message, 'not filled.is_dropped') }}
    {% else %}
    where not filled.is_dropped and system_gaps.n_missing = 0 and system_gaps.n_kept > 0
    {% endif %}
{%- endmacro %}
