"""A user's city table for the inbox: the shipped demo panel's layout (城市, 年份, one column per
series; names with and without 市, no 省份 column) with every city's GDP and R&D scaled by a made-up
factor (0.9-1.1, from the city code), so every value differs from the demo panel and the user's table
must win everywhere. Written into the shared inbox build (tests/conftest.py `inbox_build`) and checked
by tests/test_city_inbox_build.py."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from models_py.data import city_demo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCALED = ("gdp", "rd_expenditure")  # the series the user's table changes
FILE_NAME = "城市统计年鉴摘录.csv"


def _factor(codes: pd.Series) -> pd.Series:
    """A made-up factor in [0.9, 1.1) per city code (not the demo's shares)."""
    return 0.9 + 0.2 * ((codes.astype("int64") * 2654435761) % 1000) / 1000


def city_inbox_table() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the inbox file as written: 城市, 年份, one column per series; the expected long values)."""
    shipped = pd.read_csv(city_demo.FOLDER / city_demo.FILE_NAME, encoding="utf-8")
    assert list(shipped.columns[:3]) == ["城市", "省份", "年份"]
    series_columns = dict(zip(shipped.columns[3:], city_demo.SERIES))  # the generator writes SERIES in order
    units = pd.read_csv(PROJECT_ROOT / "seeds/reference/units.csv", encoding="utf-8")
    cities = units[units["level"] == "prefecture_city"]
    code_of = dict(zip(cities["name_full"], cities["unit_code"]))
    table = shipped.drop(columns="省份")
    codes = table["城市"].map(code_of)
    assert codes.notna().all()
    for column, series in series_columns.items():
        if series in SCALED:
            table[column] = (table[column] * _factor(codes)).round(6)
    # names as a yearbook prints them: some with 市, some without
    short = (codes // 100) % 2 == 0
    table.loc[short, "城市"] = table.loc[short, "城市"].str.removesuffix("市")
    long = (table.assign(region_code=codes).rename(columns={"年份": "year", **series_columns})
            .melt(id_vars=["region_code", "year"], value_vars=list(city_demo.SERIES), var_name="series")
            .dropna(subset=["value"]))
    return table, long


def write_city_table(folder: Path) -> pd.DataFrame:
    """Write the table into ``folder`` as FILE_NAME (UTF-8, as a user saves it); returns the expected
    long values (region_code, year, series, value)."""
    table, long = city_inbox_table()
    table.to_csv(Path(folder) / FILE_NAME, index=False, encoding="utf-8")
    return long
