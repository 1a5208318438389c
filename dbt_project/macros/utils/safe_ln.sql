{#
  Natural log that refuses non-positive input with a message naming the series, region, year
  and value, instead of returning NULL or -inf that would silently poison a regression.
#}
{% macro nqp_safe_ln(value, label, region_code='region_code', year='year') -%}
    {{ nqp_raise_if(
        value ~ ' <= 0',
        "'cannot take the log of a non-positive value: ' || " ~ label ~ " || ' = ' || " ~ nqp_text(value)
            ~ " || ' for region ' || " ~ nqp_text(region_code) ~ " || ', year ' || " ~ nqp_text(year),
        'ln(' ~ value ~ ')'
    ) }}
{%- endmacro %}
