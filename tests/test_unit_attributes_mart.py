"""The unit_attributes mart's rule for labels read without a year (a table without 年份), run on a copy of
the build with labels written into its staging table (tests/reference/dbt_inline.model_on_a_copy): each
such label goes to every year its unit has values in (the build's int_series_values and
int_city_series_values, read here with pandas) that no label of that year names; a unit with no values
keeps it with year NULL; labels of their year are kept as read. Expectations are built in pandas."""
from __future__ import annotations

import pandas as pd

CITY, PROVINCE = 130100, 32  # 石家庄 (city demo values), 江苏 (provincial values)


def _staging_rows(county: int) -> str:
    rows = [
        (CITY, None, "城市等级", "二线", 2), (CITY, 2015, "城市等级", "一线", 3),  # the year's label wins in 2015
        (CITY, 1990, "城市等级", "三线", 4),  # a year without values: kept as read
        (PROVINCE, None, "区域", "东部", 5),
        (county, None, "城市等级", "县", 6),  # a unit with no values in any year: year NULL
    ]
    values = ", ".join(f"({code}, {'null' if year is None else year}, '{attribute}', '{value}', 'tiers.csv', null, "
                       f"{line}, '{attribute}', '{value}')" for code, year, attribute, value, line in rows)
    return ("create or replace table staging.stg_ingest__unit_attributes as select unit_code::integer as unit_code, "
            "year::integer as year, attribute, value, source_file, source_sheet::varchar as source_sheet, "
            "source_row::integer as source_row, source_column, raw_text from (values " + values + ") as t(unit_code, "
            "year, attribute, value, source_file, source_sheet, source_row, source_column, raw_text)")


def test_labels_without_a_year_go_to_the_units_years(built_warehouse, warehouse_connection, tmp_path):
    from tests.reference.dbt_inline import model_on_a_copy

    county = warehouse_connection.execute("select min(unit_code) from intermediate.int_units where level = 'county' "
                                          "and unit_code not in (select region_code from "
                                          "intermediate.int_city_series_values)").fetchone()[0]
    mart = model_on_a_copy(built_warehouse, tmp_path, "marts/unit_attributes.sql", [_staging_rows(county)])
    years = {code: set(warehouse_connection.execute(
        f"select distinct year from intermediate.{table} where region_code = {code}").df()["year"])
        for code, table in ((CITY, "int_city_series_values"), (PROVINCE, "int_series_values"))}
    assert len(years[CITY]) > 5 and 2015 in years[CITY] and len(years[PROVINCE]) > 10

    expected = pd.DataFrame(
        [(CITY, year, "城市等级", "二线", True) for year in sorted(years[CITY] - {2015})]
        + [(CITY, 2015, "城市等级", "一线", False), (CITY, 1990, "城市等级", "三线", False)]
        + [(PROVINCE, year, "区域", "东部", True) for year in sorted(years[PROVINCE])]
        + [(county, None, "城市等级", "县", True)],
        columns=["unit_code", "year", "attribute", "value", "read_without_year"])
    key = ["unit_code", "year", "attribute"]
    got = mart[key + ["value", "read_without_year"]].astype({"year": "Int64"}).sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected.astype({"year": "Int64"}).sort_values(key, ignore_index=True),
                                  check_dtype=False)
    # the unit's catalogue columns and the place each label was read, also where it was given to a year
    city = mart[mart["unit_code"] == CITY].set_index("year")
    assert (city["level"] == "prefecture_city").all() and (city["province_code"] == 13).all()
    assert city.loc[2020, "source_row"] == 2 and city.loc[2015, "source_row"] == 3
    assert mart.loc[mart["unit_code"] == county, "level"].tolist() == ["county"]
