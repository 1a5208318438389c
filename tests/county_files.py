"""A researcher's county table for the inbox (README "City-level panels", "Your own county table"):
every county-level unit of Hebei and Shandong, 2016-2022, four series (population, GDP, tertiary
value added, R&D expenditure) with made-up values from a seeded generator (not statistics of any
county). Header 省份, 城市, 区县, 年份 and one column per series with its unit; names as a yearbook prints
them, some without their suffix (正定 for 正定县), and the 城市 column settles the names that repeat inside
a province (桥西区 and 新华区 in Hebei, 市中区 in Shandong). One value is typed 5x too large, as happens in
one year of a compiled table: 正定县's R&D expenditure in JUMP_YEAR, which the year-on-year check must
put in the quarantine (a warning: the value is loaded). Written into the analyst-guide copy
(tests/test_analyst_guide.py) and checked there against NumPy."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FILE_NAME = "区县统计摘录.csv"
PROVINCES = {13: "河北省", 37: "山东省"}
YEARS = range(2016, 2023)
JUMP_COUNTY, JUMP_YEAR, JUMP_SERIES = 130123, 2019, "rd_expenditure"  # 正定县
COLUMNS = {  # the file's column -> the catalogue series it maps to (the shipped source_mappings)
    "年末常住人口(万人)": "population",
    "地区生产总值(亿元)": "gdp",
    "第三产业增加值(亿元)": "va_tertiary",
    "R&D经费内部支出(亿元)": "rd_expenditure",
}


def county_inbox_table() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the inbox file as written; the expected long values: region_code, year, series, value)."""
    units = pd.read_csv(PROJECT_ROOT / "seeds/reference/units.csv", encoding="utf-8")
    city_names = dict(zip(units["unit_code"], units["name_full"]))
    counties = units[(units["level"] == "county") & units["region_code"].isin(list(PROVINCES))]
    counties = counties.sort_values("unit_code").reset_index(drop=True)
    rng = np.random.default_rng(20261206)
    n = len(counties)
    population = rng.uniform(20, 150, n)
    gdp_per_head = rng.uniform(2.5, 15, n)  # 万元 per person
    tertiary_share = rng.uniform(0.3, 0.65, n)
    rd_intensity = rng.uniform(0.002, 0.035, n)
    rows = []
    for step, year in enumerate(YEARS):
        growth = (1 + rng.uniform(0.02, 0.09, n)) ** step
        gdp = population * gdp_per_head * growth
        rows.append(pd.DataFrame({
            "region_code": counties["unit_code"], "year": year,
            "population": (population * (1 + 0.004 * step)).round(2),
            "gdp": gdp.round(4),
            "va_tertiary": (gdp * np.minimum(tertiary_share + 0.01 * step, 0.9)).round(4),
            "rd_expenditure": (gdp * rd_intensity * (1 + 0.03 * step)).round(5),
        }))
    wide = pd.concat(rows, ignore_index=True)
    jump = (wide["region_code"] == JUMP_COUNTY) & (wide["year"] == JUMP_YEAR)
    wide.loc[jump, JUMP_SERIES] *= 5
    names = dict(zip(counties["unit_code"], counties["name_full"]))
    shorts = dict(zip(counties["unit_code"], counties["name_short"]))
    parents = dict(zip(counties["unit_code"], counties["parent_code"]))
    provinces = dict(zip(counties["unit_code"], counties["region_code"]))
    # every third county by its short name, as some yearbooks print them
    county_name = [shorts[c] if c % 3 == 0 and shorts[c] != names[c] else names[c] for c in wide["region_code"]]
    table = pd.DataFrame({
        "省份": [PROVINCES[provinces[c]] for c in wide["region_code"]],
        "城市": [city_names[parents[c]] if parents[c] >= 100000 else "" for c in wide["region_code"]],
        "区县": county_name,
        "年份": wide["year"],
        **{column: wide[series] for column, series in COLUMNS.items()},
    })
    long = wide.melt(id_vars=["region_code", "year"], value_vars=list(COLUMNS.values()), var_name="series")
    return table, long


def write_county_table(folder: Path) -> pd.DataFrame:
    """Write the table into ``folder`` as FILE_NAME (UTF-8); returns the expected long values."""
    table, long = county_inbox_table()
    table.to_csv(Path(folder) / FILE_NAME, index=False, encoding="utf-8")
    return long
