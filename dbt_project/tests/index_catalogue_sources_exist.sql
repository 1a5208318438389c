-- Every numerator / denominator of the index catalogue names a known series, derived series,
-- or (index:<system>) a known index system: a typo would otherwise yield an all-missing indicator.
-- Derived series by the names int_series_derived's SQL gives them (`'<code>' as series`), not by its
-- rows: a real-only build may lack the inputs of one, and its name is still known.
-- depends_on: {{ ref('int_series_derived') }}
{%- set derived = nqp_derived_series_codes() or [''] %}
with catalogue as (
    select system, indicator, numerator as source from {{ ref('index_indicators') }}
    union all
    select system, indicator, denominator from {{ ref('index_indicators') }}
    where denominator is not null
),

derived_series as (  -- one select per code: a list literal is not portable (DuckDB [..], Spark array(..))
    {%- for code in derived %}
        select '{{ code }}' as source
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

known_sources as (
    select series_code as source from {{ ref('int_series_catalogue') }}  -- catalogue and user series
    union all
    select source from derived_series
    union all
    select 'index:' || system from {{ ref('index_systems') }}
)

select catalogue.*
from catalogue
left join known_sources on catalogue.source = known_sources.source
where known_sources.source is null
