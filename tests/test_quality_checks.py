"""The quality-check models (models/intermediate/quality) and the quarantine mart, compiled by dbt and
run on a crafted panel, against an independent pandas implementation of each check. The panel has
provinces and, below them, a user's county table and city table beside generated city values, and a
user's firm table: a county or city is checked against the units of its own level (unit_scale) and its
own past (year_on_year_jump); the generated values are neighbours, never flagged; a firm only against
its own past, with the firm threshold."""
from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from models_py.ingest import load_series_catalogue
from tests.reference.dbt_inline import compile_queries

ROOT = Path(__file__).resolve().parent.parent
SUBPROVINCIAL = "int_quality_subprovincial_values"  # input of unit_scale and year_on_year_jump
CHECKS = ["int_quality_plausible_range", "int_quality_year_on_year_jump", "int_quality_unit_scale",
          "int_quality_share_bounds", "int_quality_sector_sum"]
SETTINGS = yaml.safe_load((ROOT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]["quality_checks"]
FLAG = ["check_name", "severity", "series", "region_code", "year", "value", "reference_value"]


@pytest.fixture(scope="module")
def compiled():
    sources = {name: (ROOT / "dbt_project/models/intermediate/quality" / f"{name}.sql").read_text(encoding="utf-8")
               for name in CHECKS}
    sources["quarantine"] = (ROOT / "dbt_project/models/marts/quarantine.sql").read_text(encoding="utf-8")
    sources[SUBPROVINCIAL] = (ROOT / "dbt_project/models/intermediate/quality" / f"{SUBPROVINCIAL}.sql").read_text(
        encoding="utf-8")
    return compile_queries(sources)[0]


@pytest.fixture(scope="module")
def panel():
    """31 regions x 2010-2015, real gdp / urbanisation / population_sample, generated sectors; defects."""
    rng = np.random.default_rng(7)
    codes = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65]
    rows = []
    for code in codes:
        gdp = rng.uniform(800, 60000)
        pop = rng.uniform(2000, 100000)
        for year in range(2010, 2016):
            gdp *= rng.uniform(1.03, 1.12)
            pop *= rng.uniform(0.98, 1.02)
            rows.append((code, year, "gdp", gdp, "亿元"))
            rows.append((code, year, "urbanisation_rate", rng.uniform(25, 90), "%"))
            rows.append((code, year, "population_sample", pop, "人"))
    real = pd.DataFrame(rows, columns=["region_code", "year", "series", "value", "unit"])
    at = lambda s, c, y: (real.series == s) & (real.region_code == c) & (real.year == y)  # noqa: E731
    real.loc[at("gdp", 11, 2013), "value"] *= 10000  # 万元 typed as 亿元: scale, range and jump
    real.loc[at("urbanisation_rate", 44, 2012), "value"] = 120.0  # a share above its whole
    real.loc[at("population_sample", 31, 2015), "value"] *= 20  # the 1 % survey year
    real.loc[at("gdp", 65, 2011), "value"] = 20.0  # below the plausible minimum (50)
    real["source_file"] = "crafted.csv"
    real["source_row"] = np.arange(len(real)) + 2
    real["raw_text"] = real["value"].map(repr)
    real["provenance"] = "real: crafted.csv"
    gdp = real[real.series == "gdp"]
    sectors = []
    for r in gdp.itertuples():
        shares = np.array([0.1, 0.4, 0.5]) * (1.05 if (r.region_code, r.year) == (12, 2014) else 1.0)
        shares[2] = shares[2] if (r.region_code, r.year) == (12, 2014) else 1 - shares[0] - shares[1]
        for name, share in zip(["va_primary", "va_secondary", "va_tertiary"], shares):
            sectors.append((r.region_code, r.year, name, r.value * share, "亿元", "synthetic", True))
    unioned = pd.concat([
        real.assign(is_synthetic=False)[["region_code", "year", "series", "value", "unit", "provenance", "is_synthetic"]],
        pd.DataFrame(sectors, columns=["region_code", "year", "series", "value", "unit", "provenance", "is_synthetic"]),
    ], ignore_index=True)
    return real, unioned, subprovincial_panel()


COUNTIES = [130102, 130104, 130105, 130107, 130108, 130109, 130110, 130111]  # Shijiazhuang's districts
CITIES = [130100, 130200, 130300, 130400, 130500, 130600]
SLIPPED_COUNTY, JUMPING_COUNTY = 130105, 130109
FIRMS = [1_000_000_001, 1_000_000_002, 1_000_600_519, 1_000_300_750]  # unit codes of four listed firms
SLIPPED_FIRM, JUMPING_FIRM = 1_000_000_002, 1_000_300_750


def subprovincial_panel() -> pd.DataFrame:
    """stg_city__observations of a crafted build: a user's county table ("county.csv": GDP of 8
    counties, 2010-2015, one typed in 万元 in 2013 and one doubling-and-more in 2012), a user's city
    table ("city.csv": one city's GDP, a normal city value but ~1/1,000 of a province) and generated
    city values (source city_demo) for the other cities."""
    rng = np.random.default_rng(11)
    rows = []
    for code in COUNTIES:
        gdp = rng.uniform(100, 600)
        for year in range(2010, 2016):
            gdp *= rng.uniform(1.02, 1.10)
            value = gdp * (10000 if (code, year) == (SLIPPED_COUNTY, 2013) else 1)
            value *= 4 if (code, year) == (JUMPING_COUNTY, 2012) else 1
            rows.append((code, year, "gdp", value, "inbox", "county.csv", False))
    for code in CITIES:
        gdp = rng.uniform(20, 60)
        for year in range(2010, 2016):
            gdp *= rng.uniform(1.02, 1.10)
            real = code == CITIES[0]
            rows.append((code, year, "gdp", gdp, "inbox" if real else "city_demo",
                         "city.csv" if real else "seeds/shipped/city-demo/city_panel_demo.csv", not real))
    # a user's firm table ("firms.csv"): revenues 10 万元 to 10^7 万元 (firm sizes differ by 10^6), one
    # typed in 元 in 2014 (10,000x) and one firm's real fivefold jump in 2012
    for code, size in zip(FIRMS, [10.0, 3e3, 1e7, 5e4]):
        for year in range(2010, 2016):
            size *= rng.uniform(0.9, 1.3)
            value = size * (10000 if (code, year) == (SLIPPED_FIRM, 2014) else 1)
            value *= 5 if (code, year) == (JUMPING_FIRM, 2012) else 1
            rows.append((code, year, "gdp", value, "inbox", "firms.csv", False))
    frame = pd.DataFrame(rows, columns=["region_code", "year", "series", "value", "source_id", "source_file",
                                        "is_synthetic"])
    frame["source_row"] = frame.groupby("source_file").cumcount() + 2
    frame["raw_text"] = frame["value"].map(repr)
    frame["unit"] = "亿元"
    frame["provenance"] = np.where(frame["is_synthetic"], "synthetic: city demo panel", "real: " + frame["source_file"])
    frame["level"] = np.select([frame["region_code"].isin(COUNTIES), frame["region_code"].isin(FIRMS)],
                               ["county", "firm"], "prefecture_city")
    return frame


def materialise(path: Path, compiled: dict, real: pd.DataFrame, unioned: pd.DataFrame, sub: pd.DataFrame):
    """A DuckDB file with the checks' inputs and each check model built as dbt would build it.

    dbt compiles refs against the catalog 'compile' (tests/reference/dbt_inline.py), so the file is
    named compile.duckdb.
    """
    connection = duckdb.connect(str(path / "compile.duckdb"))
    catalogue = load_series_catalogue()
    catalogue["plausible_min"] = catalogue["plausible_min"].astype(float)
    catalogue["plausible_max"] = catalogue["plausible_max"].astype(float)
    catalogue["is_share"] = catalogue["is_share"].str.lower() == "true"
    series_catalogue = catalogue[["series_code", "name_zh", "name_en", "unit"]].assign(is_user_series=False)
    reviewed = pd.DataFrame({"check_name": pd.Series(dtype=str), "series": pd.Series(dtype=str),
                             "region_code": pd.Series(dtype="int64"), "year": pd.Series(dtype="int64"),
                             "reason": pd.Series(dtype=str)})  # nothing reviewed: every flag counts
    for schema, name, frame in [("reference", "series_catalogue", catalogue),
                                ("reference", "quality_reviewed", reviewed),
                                ("intermediate", "int_series_catalogue", series_catalogue),
                                ("staging", "stg_portal__observations", real),
                                # one source per region-year-series here, so the chosen values are all of them
                                ("intermediate", "int_observations_chosen", real),
                                ("intermediate", "int_observations_unioned", unioned),
                                # below the provinces: one source per unit-year-series, so all are chosen
                                ("staging", "stg_city__observations", sub.drop(columns="level")),
                                ("intermediate", "int_city_series_values", sub),
                                ("intermediate", "int_units", sub[["region_code", "level"]].drop_duplicates()
                                 .rename(columns={"region_code": "unit_code"}))]:
        connection.execute(f"create schema if not exists {schema}")
        connection.register("frame", frame)
        connection.execute(f"create table {schema}.{name} as select * from frame")
        connection.unregister("frame")
    for name in [SUBPROVINCIAL, *CHECKS]:
        connection.execute(f"create table intermediate.{name} as {compiled[name]}")
    return connection


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, compiled, panel):
    connection = materialise(tmp_path_factory.mktemp("q"), compiled, *panel)
    yield connection
    connection.close()


def reference_flags(real: pd.DataFrame, unioned: pd.DataFrame, sub: pd.DataFrame) -> pd.DataFrame:
    cat = load_series_catalogue().set_index("series_code")
    lo, hi = cat.plausible_min.astype(float), cat.plausible_max.astype(float)
    levels = set(cat.index[~cat.unit.isin(["%", "上年=100", "指数"])])
    out = []
    for r in real.itertuples():
        if r.value < lo[r.series] or r.value > hi[r.series]:
            out.append(("plausible_range", r.series, r.region_code, r.year, r.value,
                        lo[r.series] if r.value < lo[r.series] else hi[r.series]))
        if cat.is_share[r.series] == "true":
            whole = 100.0 if cat.unit[r.series] == "%" else 1.0
            if not 0 <= r.value <= whole:
                out.append(("share_bounds", r.series, r.region_code, r.year, r.value, whole))
    real_sub = sub[~sub.is_synthetic]  # a user's city, county and firm values; the generated ones are not checked
    by_source = pd.concat([real.assign(source_id="chosen", level="province"), real_sub], ignore_index=True)
    for (series, code, _source), g in by_source[by_source.series.isin(levels)].groupby(
            ["series", "region_code", "source_id"]):
        g = g.sort_values("year")
        jump = SETTINGS["year_on_year_jump"]["firm_max_ratio" if g.level.iloc[0] == "firm" else "max_ratio"]
        for prev, cur in zip(g.itertuples(), g.iloc[1:].itertuples()):
            if cur.year == prev.year + 1 and (cur.value / prev.value > jump or prev.value / cur.value > jump):
                out.append(("year_on_year_jump", series, code, cur.year, cur.value, prev.value))
    scale = SETTINGS["unit_scale"]["max_ratio"]
    checked = pd.concat([real.assign(level="province"), real_sub[real_sub.level != "firm"]], ignore_index=True)
    neighbours = pd.concat([unioned.assign(level="province"), sub], ignore_index=True)  # a unit's own level only
    for r in checked[checked.series.isin(levels)].itertuples():
        others = neighbours[(neighbours.series == r.series) & (neighbours.year == r.year)
                            & (neighbours.level == r.level) & (neighbours.region_code != r.region_code)]
        median = float(np.median(others.value))
        if r.value / median > scale or median / r.value > scale:
            out.append(("unit_scale", r.series, r.region_code, r.year, r.value, median))
    wide = unioned.pivot_table(index=["region_code", "year"], columns="series", values="value")
    for (code, year), row in wide.iterrows():
        total = row.va_primary + row.va_secondary + row.va_tertiary
        if abs(total - row.gdp) / row.gdp > SETTINGS["sector_sum"]["tolerance"]:
            out.append(("sector_sum", "gdp", code, year, total, row.gdp))
    frame = pd.DataFrame(out, columns=["check_name", "series", "region_code", "year", "value", "reference_value"])
    frame.insert(1, "severity", frame.check_name.map(lambda c: SETTINGS[c]["severity"]))
    return frame


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[FLAG].astype({"region_code": int, "year": int, "value": float, "reference_value": float})
    return frame.sort_values(FLAG[:5]).reset_index(drop=True)


def test_quarantine_equals_the_pandas_reference(compiled, warehouse, panel):
    got = warehouse.execute(compiled["quarantine"]).df()
    want = reference_flags(*panel)
    pd.testing.assert_frame_equal(_sorted(got), _sorted(want), rtol=1e-9)
    # The crafted defects are all caught, each by the checks meant for it.
    found = set(zip(got.check_name, got.series, got.region_code, got.year))
    assert {("unit_scale", "gdp", 11, 2013), ("plausible_range", "gdp", 11, 2013),
            ("year_on_year_jump", "gdp", 11, 2013), ("year_on_year_jump", "gdp", 11, 2014),
            ("share_bounds", "urbanisation_rate", 44, 2012), ("plausible_range", "urbanisation_rate", 44, 2012),
            ("year_on_year_jump", "population_sample", 31, 2015), ("plausible_range", "gdp", 65, 2011),
            ("sector_sum", "gdp", 12, 2014),
            ("unit_scale", "gdp", SLIPPED_COUNTY, 2013), ("year_on_year_jump", "gdp", SLIPPED_COUNTY, 2013),
            ("year_on_year_jump", "gdp", SLIPPED_COUNTY, 2014), ("year_on_year_jump", "gdp", JUMPING_COUNTY, 2012),
            ("year_on_year_jump", "gdp", JUMPING_COUNTY, 2013)} <= found
    # the user's city is ~1/1,000 of a province but a normal city: nothing below the provinces but the
    # two crafted counties and the firm typed in 元 is flagged, and never a generated value; the firms,
    # 10^6 apart in size, are not compared with each other, and a firm's real fivefold jump passes
    assert set(got.region_code[got.region_code >= 100000]) == {SLIPPED_COUNTY, JUMPING_COUNTY, SLIPPED_FIRM}
    firm = got[got.region_code == SLIPPED_FIRM].sort_values("year")
    assert list(zip(firm.check_name, firm.year)) == [("year_on_year_jump", 2014), ("year_on_year_jump", 2015)]
    assert firm.detail.str.endswith("(threshold 1000)").all() and set(firm.source_file) == {"firms.csv"}
    county = got[(got.check_name == "unit_scale") & (got.region_code == SLIPPED_COUNTY)].iloc[0]
    assert county.source_file == "county.csv" and county.source_row > 1
    # Each row says where the value came from and why.
    scale = got[(got.check_name == "unit_scale") & (got.region_code == 11)].iloc[0]
    assert scale.source_file == "crafted.csv" and "wrong unit" in scale.detail and scale.raw_text


@pytest.mark.parametrize("name", CHECKS)
def test_each_check_model_yields_its_own_flags_only(compiled, warehouse, name):
    got = warehouse.execute(compiled[name]).df()
    assert list(got.columns) == ["check_name", "severity", "series", "region_code", "year", "value",
                                 "reference_value", "detail", "source_file", "source_row", "raw_text"]
    assert set(got.check_name) == {name.removeprefix("int_quality_")}
    assert set(got.severity) <= {"error", "warn"}


def test_clean_panel_raises_no_flag(compiled, tmp_path, panel):
    real, unioned, sub = panel
    clean_real = real[~real.source_row.isin(
        real[((real.series == "gdp") & real.region_code.isin([11, 65])) |
             ((real.series == "urbanisation_rate") & (real.region_code == 44)) |
             ((real.series == "population_sample") & (real.region_code == 31))].source_row)]
    clean_unioned = unioned[~((unioned.region_code == 12) & (unioned.year == 2014) & unioned.series.str.startswith("va_"))]
    clean_sub = sub[~sub.region_code.isin([SLIPPED_COUNTY, JUMPING_COUNTY, SLIPPED_FIRM])]
    connection = materialise(tmp_path, compiled, clean_real, clean_unioned, clean_sub)
    assert connection.execute(compiled["quarantine"]).df().empty
    connection.close()


def test_a_reviewed_flag_stays_listed_but_no_longer_stops_the_build(compiled, warehouse):
    """seeds quality_reviewed.csv: an exact (check, series, region, year) match turns that flag's
    severity to 'reviewed' with the reason; every other flag, of the same value too, stays as it was."""
    before = warehouse.execute(compiled["quarantine"]).df()
    warehouse.execute("insert into reference.quality_reviewed values "
                      "('plausible_range', 'gdp', 65, 2011, 'checked against the yearbook: real')")
    try:
        after = warehouse.execute(compiled["quarantine"]).df()
    finally:
        warehouse.execute("delete from reference.quality_reviewed")
    key = ["check_name", "series", "region_code", "year"]
    reviewed = after[after.severity == "reviewed"]
    assert reviewed[key].values.tolist() == [["plausible_range", "gdp", 65, 2011]]
    assert reviewed.detail.iloc[0].endswith("; reviewed: checked against the yearbook: real")
    assert len(after) == len(before)
    unchanged = after[after.severity != "reviewed"].sort_values(key).reset_index(drop=True)
    expected = before[~((before.check_name == "plausible_range") & (before.region_code == 65))]
    pd.testing.assert_frame_equal(unchanged, expected.sort_values(key).reset_index(drop=True))


def test_a_setting_with_a_default_may_be_left_out_of_quality_checks():
    """nqp_quality: a key the var lacks is its default when one is given (a --vars override of
    year_on_year_jump that does not restate firm_max_ratio), and a compile error naming it otherwise."""
    from tests.reference.dbt_inline import DbtCompileError

    got, _ = compile_queries({"default": "select {{ nqp_quality('year_on_year_jump', 'not_set', default=7) }} as x",
                              "set": "select {{ nqp_quality('year_on_year_jump', 'max_ratio', default=7) }} as x"})
    assert got["default"].strip() == "select 7 as x"
    assert got["set"].strip() == f"select {SETTINGS['year_on_year_jump']['max_ratio']} as x"
    with pytest.raises(DbtCompileError, match="quality_checks has no not_set for check year_on_year_jump"):
        compile_queries({"missing": "select {{ nqp_quality('year_on_year_jump', 'not_set') }} as x"})
