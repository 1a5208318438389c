-- Paper B's national-level yearly series of its three indices, 2003-2023 (section II.(三)): the
-- "全国均值" its text compares provinces with. Default (var paper_b_national_aggregation = 'mean'):
-- the unweighted mean of the 31 provincial scores of index_scores. Alternative 'gdp_weighted': the
-- mean weighted by nominal GDP of the region-year. Factor innovation and industrial digitisation
-- carry their dimension series too (the paper quotes the three parts of digitisation).
{% set aggregation = var('paper_b_national_aggregation', 'mean') %}
{% if aggregation not in ('mean', 'gdp_weighted') %}
    {{ exceptions.raise_compiler_error(
        "var paper_b_national_aggregation must be 'mean' or 'gdp_weighted', got '" ~ aggregation ~ "'") }}
{% endif %}
{% set series = {
    'factor_innovation': ('factor_innovation_b', none),
    'fi_labour': ('factor_innovation_b', 'labour'),
    'fi_capital': ('factor_innovation_b', 'capital'),
    'fi_technology': ('factor_innovation_b', 'technology'),
    'industrial_digitisation': ('industrial_digitisation_b', none),
    'digitisation_primary': ('industrial_digitisation_b', 'primary'),
    'digitisation_secondary': ('industrial_digitisation_b', 'secondary'),
    'digitisation_tertiary': ('industrial_digitisation_b', 'tertiary'),
    'coordination': ('coordination_b', none),
} %}

with provincial_scores as (
    select system, region_code, year, level, dimension, score
    from {{ ref('index_scores') }}
    where system in ('factor_innovation_b', 'industrial_digitisation_b', 'coordination_b')
        and level in ('total', 'dimension')
),

-- Each province's weight in the national series: its GDP for 'gdp_weighted' (int_series_values is
-- unique on region_code, year, series: one GDP per region-year), 1 for the mean, which therefore
-- needs neither the gdp CTE nor its join.
{%- if aggregation == 'gdp_weighted' %}

    gdp as (
        select region_code, year, value as gdp
        from {{ ref('int_series_values') }}
        where series = 'gdp'
    ),

    weighted as (
        select
            provincial_scores.*,
            gdp.gdp as aggregation_weight
        from provincial_scores
        left join gdp
            on provincial_scores.region_code = gdp.region_code
            and provincial_scores.year = gdp.year
    ),
{%- else %}

    weighted as (
        select
            provincial_scores.*,
            1.0 as aggregation_weight
        from provincial_scores
    ),
{%- endif %}

national as (
    select
        year,
        {%- for name, (system, dimension) in series.items() %}
            {%- if dimension %}
                {%- set in_series = "system = '" ~ system ~ "' and level = 'dimension' and dimension = '"
                    ~ dimension ~ "'" %}
            {%- else %}
                {%- set in_series = "system = '" ~ system ~ "' and level = 'total'" %}
            {%- endif %}
            sum(case when {{ in_series }} then score * aggregation_weight end)
            / sum(case when {{ in_series }} then aggregation_weight end) as {{ name }},
        {%- endfor %}
        count(distinct region_code) as n_regions,
        count(*) filter (where aggregation_weight is null) as n_missing_weights
    from weighted
    group by year
),

final as (
    select
        year,
        {%- for name in series %}
            {{ name }},
        {%- endfor %}
        n_regions,
        '{{ aggregation }}' as aggregation,
        {{ nqp_raise_if(
            'n_missing_weights > 0',
            "'paper_b_national_indices: year ' || " ~ nqp_text('year') ~ " || ': '
              || " ~ nqp_text('n_missing_weights') ~ " || ' provincial score(s) without a GDP weight'",
            'n_missing_weights') }} as n_missing_weights
    from national
)

select * from final
