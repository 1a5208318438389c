"""The shipped city-level demo panel: GENERATED, not official statistics.

    .venv/bin/python -m models_py.data.city_demo     # after a build: rewrites seeds/shipped/city-demo/

Every prefecture-level division of seeds/reference/units.csv (337: 293 地级市, the 4 municipalities,
30 自治州, 7 地区, 3 盟) × 2011-2022 × the additive series of SERIES. Each city value is its province's
value in the published warehouse (main.series_values: real where the shipped sources have it, the
provincial demo fill elsewhere) times a share, so the cities of a province sum to the province
exactly (to float rounding); a province value that is missing stays missing in all its cities.
The province-administered county-level units (济源, 仙桃, 石河子 …) are not split out: their part
is inside the prefectures' shares.

The shares are deterministic and say nothing real about any city:
    share(city, series, year) ∝ n(city) · (1 + tilt(series) · urban(city)) · exp(e(city, series) + g(city, series) · (year - 2016))
n = the city's number of county-level units in units.csv (a rough size proxy), urban = the part of
them that are districts (区), tilt = how much a series concentrates in urban cities (population 0,
R&D 3), e ∈ [-0.3, 0.3) and g ∈ [-0.02, 0.02) from a SHA-256 of the city code and series code
(fixed level and trend differences, so ratios such as R&D / GDP differ between cities).
The file is a 城市 table in the inbox layout (城市, 省份, 年份, one column per series with its unit),
read by the loader exactly like a user's city table and tagged source_id city_demo.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from models_py.ingest.seeds import REPO_ROOT, read_reference_csv

FOLDER = REPO_ROOT / "seeds" / "shipped" / "city-demo"
FILE_NAME = "city_panel_demo.csv"
YEARS = range(2011, 2023)
# series -> urban tilt: how much more of it the urban (district-heavy) cities hold
SERIES = {
    "population": 0.0,
    "gdp": 1.0,
    "va_tertiary": 1.5,
    "rd_expenditure": 3.0,
    "patents_granted": 3.0,
    "budget_expenditure": 0.5,
    "education_expenditure": 0.3,
    "internet_users": 1.0,
    "energy_consumption": 0.5,
    "fixed_asset_investment": 0.8,
}
TREND_BASE_YEAR = 2016


def _uniform(*parts: object) -> float:
    """A number in [0, 1) from a SHA-256 of the parts: the same on every machine and Python."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def city_sizes(units: pd.DataFrame) -> pd.DataFrame:
    """Per prefecture-level division: province, names, county-level units under it and their urban part."""
    cities = units[units["level"] == "prefecture_city"].copy()
    counties = units[units["level"] == "county"]
    per_city = counties.groupby("parent_code").agg(n=("unit_code", "size"),
                                                   districts=("kind_zh", lambda k: (k == "区").sum()))
    cities = cities.join(per_city, on="unit_code")
    cities[["n", "districts"]] = cities[["n", "districts"]].fillna(0)
    cities["n"] = cities["n"].clip(lower=1)  # 东莞, 中山, 嘉峪关, 儋州, 三沙: no county level at all
    cities["urban"] = np.where(cities["n"] > 0, cities["districts"] / cities["n"], 0.0)
    cities.loc[cities["districts"] == 0, "urban"] = 0.5  # the five without counties are cities proper
    return cities[["unit_code", "region_code", "name_full", "n", "urban"]].reset_index(drop=True)


def shares(cities: pd.DataFrame) -> pd.DataFrame:
    """share per city, series and year, summing to 1 within each province-series-year."""
    rows = []
    for series, tilt in SERIES.items():
        e = np.array([0.6 * _uniform("level", c, series) - 0.3 for c in cities["unit_code"]])
        g = np.array([0.04 * _uniform("trend", c, series) - 0.02 for c in cities["unit_code"]])
        for year in YEARS:
            weight = cities["n"] * (1 + tilt * cities["urban"]) * np.exp(e + g * (year - TREND_BASE_YEAR))
            rows.append(pd.DataFrame({"unit_code": cities["unit_code"], "region_code": cities["region_code"],
                                      "series": series, "year": year, "weight": weight}))
    frame = pd.concat(rows, ignore_index=True)
    frame["share"] = frame["weight"] / frame.groupby(["region_code", "series", "year"])["weight"].transform("sum")
    return frame.drop(columns="weight")


def generate(provinces: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """City values (long: unit_code, series, year, value) from the provinces' series_values rows."""
    cities = city_sizes(units)
    split = shares(cities).merge(provinces[["region_code", "series", "year", "value"]],
                                 on=["region_code", "series", "year"], how="inner")
    split["value"] = split["value"] * split["share"]
    return split[["unit_code", "region_code", "series", "year", "value"]]


def as_city_table(values: pd.DataFrame, units: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """The inbox layout: 城市, 省份, 年份, then one column per series named `<name_zh>(<unit>)`."""
    names = units.set_index(units["unit_code"].astype(int))["name_full"]
    provinces = read_reference_csv("regions")
    province_names = dict(zip(provinces["region_code"].astype(int), provinces["name_full"]))
    headers = {r.series_code: f"{r.name_zh}({r.unit})" for r in catalogue.itertuples()}
    wide = values.pivot_table(index=["unit_code", "region_code", "year"], columns="series", values="value",
                              aggfunc="first").reset_index()
    table = pd.DataFrame({"城市": wide["unit_code"].map(names), "省份": wide["region_code"].map(province_names),
                          "年份": wide["year"]})
    for series in SERIES:
        if series in wide:
            table[headers[series]] = wide[series]
    return table.sort_values(["省份", "城市", "年份"], key=lambda s: s.astype(str), ignore_index=True)


def read_provinces(warehouse: Path | None = None) -> pd.DataFrame:
    import duckdb

    from models_py import config

    path = warehouse or config.published_warehouse()
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(
            "select region_code, series, year, value from main.series_values where year between ? and ? "
            "and series in (select unnest(?))", [min(YEARS), max(YEARS), list(SERIES)]).df()


def main() -> None:
    units = read_reference_csv("units")
    for col in ("unit_code", "region_code", "parent_code"):
        units[col] = pd.to_numeric(units[col]).astype("Int64")
    values = generate(read_provinces(), units)
    table = as_city_table(values, units, read_reference_csv("series_catalogue"))
    FOLDER.mkdir(parents=True, exist_ok=True)
    table.to_csv(FOLDER / FILE_NAME, index=False, encoding="utf-8", lineterminator="\n")
    print(f"wrote {FOLDER / FILE_NAME}: {table['城市'].nunique()} cities x {table['年份'].nunique()} years, "
          f"{len(SERIES)} series, {int(table.iloc[:, 3:].notna().sum().sum())} values")


DEMO_SOURCE_ID = "city_demo"
PROVENANCE = "synthetic: city demo panel (models_py/data/city_demo.py), provincial values split by fixed shares"


def load_city_demo(folder: Path = FOLDER) -> pd.DataFrame:
    """The demo panel as raw.city_observations rows, read through the loader like a user's city table
    (its folder is an inbox of its own: inbox.yml says shipped: false), tagged city_demo and synthetic."""
    from models_py.ingest.loader import load_inbox

    rows = load_inbox(folder).city_observations()
    return rows.assign(source_id=DEMO_SOURCE_ID, provenance=PROVENANCE)


if __name__ == "__main__":
    main()
