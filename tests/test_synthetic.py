"""models_py.data.synthetic: determinism, completeness, identities, bounds, catalogue agreement."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from models_py.config import PROJECT_ROOT, SEEDS_DIR, SHIPPED_DATA_DIR
from models_py.data import synthetic
from models_py.data.synthetic import (FIRST_YEAR, GDP_DEFLATOR, NATIONAL_POPULATION,
                                      NO_GAP_SERIES, OUTPUT_COLUMNS, demo_fill_series,
                                      generate_synthetic, load_catalogue, missing_cells)

YEARS = list(range(2000, 2024))
INTEGRATED = SHIPPED_DATA_DIR / "分省年度数据_整合.csv"

# columns of the integrated panel -> series code (first column listed wins for a key)
ADAPTER_COLUMNS = [
    ("GDP_亿元", "gdp"), ("GDP_当年价_亿元", "gdp"), ("GDP指数_上年=100", "gdp_index"),
    ("第二产业比重_%", "secondary_share"), ("城镇化率_%", "urbanisation_rate"),
    ("就业人员数_万人", "employment"), ("城镇单位就业人员_万人", "employment_urban_units"),
    ("私营个体就业人员_NBS_万人", "employment_private"),
    ("私营个体就业人员_万人", "employment_private"),
    ("固定资产投资总额_亿元", "fixed_asset_investment"),
    ("固定资产投资到位资金增速_%", "fai_funds_growth"), ("进出口总额_亿元人民币", "trade_cny"),
    ("进出口总额_万美元", "trade_usd"), ("税收收入_亿元", "tax_revenue"),
    ("发明专利申请数_件", "invention_patent_applications"),
    ("公有单位专业技术人员_NBS_人", "public_professional_staff"),
    ("公有单位专业技术人员_人", "public_professional_staff"),
    ("人口数_抽样调查_人", "population_sample"), ("总人口数_人", "population_sample"),
    ("65岁以上人口_抽样调查_人", "population_65plus_sample"),
    ("65岁以上人口_人", "population_65plus_sample"),
]


def adapter_observations(regions: pd.DataFrame) -> pd.DataFrame:
    """Stand-in for the loader: the integrated panel as observation records (no budget file)."""
    wide = pd.read_csv(INTEGRATED, encoding="utf-8-sig")
    codes = dict(zip(regions["name_short"], regions["region_code"].astype(int)))
    unknown = sorted(set(wide["地区"]) - set(codes))
    assert not unknown, f"unknown region names {unknown}"
    frames = []
    for column, series in ADAPTER_COLUMNS:
        part = wide[["地区", "年份", column]].dropna()
        frames.append(pd.DataFrame({
            "region_code": part["地区"].map(codes).astype("int32"),
            "year": part["年份"].astype("int32"), "series": series,
            "value": part[column].astype(float), "unit": "",
            "provenance": f"real: {INTEGRATED.relative_to(PROJECT_ROOT).as_posix()}",
            "source_column": column}))
    long = pd.concat(frames, ignore_index=True)
    return long.drop_duplicates(["region_code", "year", "series"], keep="first")


@pytest.fixture(scope="module")
def regions() -> pd.DataFrame:
    path = SEEDS_DIR / "regions.csv"
    if not path.exists():
        pytest.skip("seeds/reference/regions.csv not there yet")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def real(regions) -> pd.DataFrame:
    try:
        from models_py.ingest.loader import load_directory
    except ImportError:  # loader not written yet: the adapter stands in
        return adapter_observations(regions)
    return load_directory(SHIPPED_DATA_DIR).observations


@pytest.fixture(scope="module")
def ruleless(real, regions) -> set[str]:
    """Catalogue series the generator has no rule for (real-only by nature), as its error names them."""
    from models_py.errors import DataError
    try:
        generate_synthetic(real, regions, catalogue=load_catalogue().assign(demo_fill=True))
    except DataError as error:
        return set(error.series.split(", "))
    return set()


@pytest.fixture(scope="module")
def catalogue(ruleless) -> pd.DataFrame:
    """The shipped catalogue with every series the generator has a rule for marked demo_fill: these
    tests look at all of the generator's rules, whatever the shipped catalogue lets it write (the
    shipped catalogue turns some off where real data cover the studies' years)."""
    shipped = load_catalogue()
    return shipped.assign(demo_fill=~shipped["series_code"].isin(ruleless))


@pytest.fixture(scope="module")
def synth(real, regions, catalogue) -> pd.DataFrame:
    return generate_synthetic(real, regions, catalogue=catalogue)


@pytest.fixture(scope="module")
def panel(real, synth) -> dict[str, pd.DataFrame]:
    """series -> region × year wide frame of real and synthetic values (2000–2023)."""
    both = pd.concat([real[["region_code", "year", "series", "value"]],
                      synth[["region_code", "year", "series", "value"]]])
    both = both[both["year"].between(YEARS[0], YEARS[-1]) & both["value"].notna()]
    both = both.astype({"region_code": int, "year": int})
    return {s: g.pivot(index="region_code", columns="year", values="value")
            for s, g in both.groupby("series")}


def plan_series() -> list[str]:
    text = (PROJECT_ROOT / "docs" / "series_plan.md").read_text(encoding="utf-8")
    codes = []
    for line in text.splitlines():
        head = line.split("|")[0] if "|" in line else ""
        codes += [c.strip() for c in head.split(",") if re.fullmatch(r"[a-z0-9_]+", c.strip())]
    return codes


# --- determinism and shape -------------------------------------------------------------------
def test_deterministic_and_input_untouched(real, regions, synth, catalogue):
    before = real.copy()
    shuffled = real.sample(frac=1.0, random_state=1)  # row order must not matter either
    again = generate_synthetic(shuffled, regions.copy(), catalogue=catalogue)
    pd.testing.assert_frame_equal(synth, again)
    pd.testing.assert_frame_equal(real, before)
    other = generate_synthetic(real, regions, seed=7, catalogue=catalogue)
    assert not synth["value"].equals(other["value"])


def test_record_shape(synth, catalogue, regions):
    assert list(synth.columns) == OUTPUT_COLUMNS
    assert (synth["provenance"] == "synthetic").all()
    assert synth["generator"].str.len().gt(0).all()
    assert synth["value"].notna().all() and np.isfinite(synth["value"]).all()
    units = dict(zip(catalogue["series_code"], catalogue["unit"]))
    assert (synth["unit"] == synth["series"].map(units)).all()
    assert not synth.duplicated(["region_code", "year", "series"]).any()
    assert set(synth["year"]) <= set(YEARS)
    assert set(synth["region_code"]) == set(regions["region_code"])
    assert len(set(regions["region_code"])) == 31


# --- catalogue ---------------------------------------------------------------------------------
def test_catalogue_matches_plan_and_generator(catalogue, synth, ruleless):
    codes = list(catalogue["series_code"])
    assert len(codes) == len(set(codes))
    assert set(codes) == set(plan_series())
    # every series with a rule gets generated cells; the ruleless ones are real-only
    assert ruleless == {"consumption_per_capita"}
    assert set(codes) - ruleless == demo_fill_series(catalogue) == set(synth["series"])


def test_shipped_catalogue_writes_only_its_demo_fill_series(real, regions, catalogue, synth):
    """The shipped catalogue turns demo fill off for the series real sources cover in every year
    the studies use (gdp, population, value added by sector, budget expenditure): the generator
    writes exactly the demo_fill series, each as under the full rule catalogue."""
    shipped = load_catalogue()
    fill = demo_fill_series(shipped)
    assert {"gdp", "population", "va_primary", "va_secondary", "va_tertiary",
            "budget_expenditure", "consumption_per_capita"}.isdisjoint(fill)
    out = generate_synthetic(real, regions, catalogue=shipped)
    assert set(out["series"]) == fill
    pd.testing.assert_frame_equal(out.reset_index(drop=True),
                                  synth[synth["series"].isin(fill)].reset_index(drop=True))


def test_catalogue_columns(catalogue):
    assert list(catalogue.columns) == [
        "series_code", "name_zh", "name_en", "unit", "source_yearbook", "provenance",
        "plausible_min", "plausible_max", "is_share", "description", "demo_fill"]
    assert catalogue.notna().all().all()
    assert (catalogue["plausible_min"] < catalogue["plausible_max"]).all()
    shares = catalogue[catalogue["is_share"].astype(str).str.lower() == "true"]
    assert set(shares["unit"]) == {"%"}
    assert (shares["plausible_min"] >= 0).all() and (shares["plausible_max"] <= 100).all()
    raw = (SEEDS_DIR / "series_catalogue.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")


def test_catalogue_provenance(catalogue, real):
    """The provenance column documents where real values come from (source ids of
    source_registry.csv with their years); what is real is decided by the data (marts sources,
    data_realness), not by this text. Series without real values say 'synthetic'."""
    from models_py.ingest.seeds import read_reference_csv
    registry = set(read_reference_csv("source_registry")["source_id"])
    for row in catalogue.itertuples():
        if row.provenance.startswith("real: "):
            named = set(re.findall(r"([a-z_0-9]+) \d{4}", row.provenance))
            assert named and named <= registry, row
        else:
            assert row.provenance.startswith("synthetic"), row
            assert "Generated" in row.description, row
    assert set(real["series"]) <= set(catalogue.loc[catalogue.provenance.str.startswith("real: "), "series_code"])


# --- coverage ----------------------------------------------------------------------------------
def test_no_overlap_with_real(real, synth):
    key = ["region_code", "year", "series"]
    have = real.loc[real["value"].notna(), key].astype({"region_code": int, "year": int})
    both = synth[key].astype({"region_code": int, "year": int}).merge(have, on=key)
    assert both.empty, both.head()


def test_complete_except_interior_gaps(real, synth, regions, catalogue):
    obs = pd.concat([real, synth])
    obs = obs[obs["year"].between(YEARS[0], YEARS[-1])]
    gaps = missing_cells(obs, regions, YEARS, sorted(demo_fill_series(catalogue)))  # real-only series: not generated
    real_series = set(real["series"])
    assert not set(gaps["series"]) & (NO_GAP_SERIES | real_series)
    for (series, region), cells in gaps.groupby(["series", "region_code"]):
        first = synthetic.series_first_year(series)
        years = sorted(cells["year"])
        assert years[0] > first and years[-1] < YEARS[-1], (series, region, years)
        assert all(b - a > 1 for a, b in zip(years, years[1:])), (series, region, years)
    share = len(gaps) / (len(synth) + len(gaps))
    assert 0.003 < share < 0.02, share


def test_late_starts(panel):
    for series, first in FIRST_YEAR.items():
        years = panel[series].columns
        assert years.min() == first, series
    assert FIRST_YEAR["digital_finance_index"] == 2011
    ai = panel["ai_enterprises"]
    assert ai[2014].sum() < 0.3 * ai[2023].sum()  # few AI firms before 2015


# --- identities and inequalities ----------------------------------------------------------------
def test_identities(panel):
    gdp = panel["gdp"]
    parts = panel["va_primary"] + panel["va_secondary"] + panel["va_tertiary"]
    assert (parts - gdp).abs().max().max() < 0.011
    emp = panel["employment"]
    sectors = (panel["employment_primary"] + panel["employment_secondary"]
               + panel["employment_tertiary"])
    assert (sectors - emp).abs().max().max() < 0.011
    urban = panel["urbanisation_rate"] * panel["population"] / 100
    assert (urban - panel["urban_population"]).abs().max().max() < 0.011
    secondary = panel["secondary_share"] * gdp / 100
    assert (secondary - panel["va_secondary"]).abs().max().max() < 0.011
    national = pd.Series(NATIONAL_POPULATION)
    assert (panel["population"].sum() - national).abs().max() < 0.5


LESS_THAN = [  # (smaller, larger, factor on larger)
    ("patents_granted", "patent_applications", 1), ("invention_patent_applications",
                                                    "patent_applications", 1),
    ("industrial_so2", "so2_emissions", 1),
    ("industrial_solid_waste_utilised", "industrial_solid_waste_generated", 1),
    ("rural_disposable_income", "urban_disposable_income", 1),
    ("rural_consumption", "rural_disposable_income", 1),
    ("urban_consumption", "urban_disposable_income", 1),
    ("rural_disposable_income", "disposable_income", 1),
    ("disposable_income", "urban_disposable_income", 1),
    ("urban_population", "population", 1), ("va_industry", "va_secondary", 1),
    ("financial_va", "va_tertiary", 1), ("emerging_industry_va", "gdp", 1),
    ("retail_sales", "gdp", 1), ("new_product_sales", "industrial_revenue", 1),
    ("high_tech_revenue", "industrial_revenue", 1),
    ("industrial_rd_expenditure", "rd_expenditure", 1e4),
    ("industrial_rd_personnel_fte", "rd_personnel_fte", 1),
    ("education_expenditure", "budget_expenditure", 1),
    ("environmental_expenditure", "budget_expenditure", 1),
    ("internet_users", "internet_ports", 1),
    ("internet_employment", "employment_urban_units", 1),
    ("emerging_industry_employees", "employment", 1),
    ("graduate_students", "students_enrolled", 1e4),
    ("population_65plus_sample", "population_sample", 1),
]


@pytest.mark.parametrize("small,large,factor", LESS_THAN)
def test_inequalities(panel, small, large, factor):
    a, b = panel[small], panel[large] * factor
    a, b = a.align(b, join="inner")
    bad = (a > b) & a.notna() & b.notna()
    assert not bad.any().any(), (a[bad].stack().head(), b[bad].stack().head())


def test_inequalities_after_interpolation(panel):
    """The warehouse interpolates interior gaps linearly; the relations must survive that."""
    filled = {s: f.interpolate(axis=1, limit_area="inside") for s, f in panel.items()}
    for small, large, factor in LESS_THAN:
        a, b = filled[small].align(filled[large] * factor, join="inner")
        assert not (a > b).any().any(), (small, large)
    for series, frame in filled.items():
        if series != "fai_funds_growth":
            assert (frame.stack() > 0).all(), series


def test_gdp_backcast_follows_index(panel):
    gdp, index = panel["gdp"], panel["gdp_index"]
    for year in range(2001, 2006):
        implied = gdp[year] / gdp[year - 1] / (1 + GDP_DEFLATOR[year] / 100) * 100
        assert (implied - index[year]).abs().max() < 0.05, year


# --- values --------------------------------------------------------------------------------------
def test_within_catalogue_bounds(synth, catalogue):
    bounds = catalogue.set_index("series_code")[["plausible_min", "plausible_max"]]
    joined = synth.join(bounds, on="series")
    bad = joined[(joined["value"] < joined["plausible_min"])
                 | (joined["value"] > joined["plausible_max"])]
    assert bad.empty, bad.head(10)


def test_positive_and_integer(synth, catalogue):
    signed = synth["series"] == "fai_funds_growth"  # a growth rate
    assert (synth.loc[~signed, "value"] > 0).all()
    counts = catalogue.loc[catalogue["unit"].isin(synthetic.INTEGER_UNITS), "series_code"]
    values = synth.loc[synth["series"].isin(counts), "value"]
    assert (values == values.round()).all()


def test_anchored_levels(panel):
    rd = panel["rd_expenditure"][2020] / panel["gdp"][2020] * 100
    assert 4.5 < rd[11] < 8.0 and 0.1 < rd[54] < 0.6  # Beijing ~6 %, Tibet ~0.3 %
    assert rd.idxmax() == 11
    pop = panel["population"][2020]
    assert abs(pop[11] / 2189 - 1) < 0.1 and abs(pop[44] / 12601 - 1) < 0.1  # census 2020
    for series in ["bachelor_share_employed", "forest_coverage", "garbage_harmless_rate",
                   "engel_coefficient", "secondary_share", "urbanisation_rate"]:
        frame = panel[series]
        assert frame.min().min() >= 0 and frame.max().max() <= 100, series


def test_works_on_integrated_panel_only(regions, catalogue):
    """The adapter gives no budget_expenditure: the fallback ratio fills it, nothing breaks."""
    real = adapter_observations(regions)
    out = generate_synthetic(real, regions, years=range(2005, 2024), catalogue=catalogue)
    assert out["year"].min() == 2005
    key = ["region_code", "year", "series"]
    assert out[key].merge(real[key], on=key).empty
    budget = out[out["series"] == "budget_expenditure"]
    # wholly generated here, so it gets the ~1 % interior gaps of generated series (realness is
    # read from the data given, not from the catalogue's provenance text)
    assert 31 * 19 * 0.97 <= len(budget) <= 31 * 19
    assert (budget["generator"] == "fallback_national_ratio_to_gdp").all()


def test_rejects_years_outside_tables(real, regions):
    with pytest.raises(ValueError, match="2000–2023"):
        generate_synthetic(real, regions, years=range(1999, 2024))


def test_data_errors_name_the_problem(real, regions):
    from models_py.errors import DataError
    no_gdp = real[~((real["series"] == "gdp") & (real["region_code"] == 54))]
    with pytest.raises(DataError, match="gdp") as caught:
        generate_synthetic(no_gdp, regions)
    assert caught.value.region == 54
    negative = real.copy()
    negative.loc[negative["series"] == "tax_revenue", "value"] *= -1
    with pytest.raises(DataError, match="positive"):
        generate_synthetic(negative, regions)


# --- demo fill: the catalogue decides what the generator may write ---------------------------
def test_series_without_rule_is_real_only(real, regions, catalogue, synth):
    """A researcher's new series (no generator rule, demo_fill false) builds and gets no value."""
    robot = pd.DataFrame([{"series_code": "robot_density", "name_zh": "工业机器人密度",
                           "name_en": "Industrial robot density", "unit": "台/万人",
                           "source_yearbook": "own", "provenance": "real: data/inbox/robots.csv",
                           "plausible_min": 0, "plausible_max": 1000, "is_share": False,
                           "description": "Own data.", "demo_fill": False}])
    with_robot = pd.concat([catalogue, robot], ignore_index=True)
    own = pd.DataFrame({"region_code": [11, 31], "year": [2020, 2020], "series": "robot_density",
                        "value": [300.0, 250.0]})
    out = generate_synthetic(pd.concat([real, own], ignore_index=True), regions,
                             catalogue=with_robot)
    assert "robot_density" not in set(out["series"])
    pd.testing.assert_frame_equal(out, synth)  # the other series are generated as before


def test_blank_demo_fill_counts_as_false(catalogue):
    blank = catalogue.copy()
    blank["demo_fill"] = blank["demo_fill"].astype(object)
    blank.loc[blank["series_code"] == "gdp", "demo_fill"] = np.nan
    assert demo_fill_series(blank) == demo_fill_series(catalogue) - {"gdp"}


def test_demo_fill_false_leaves_series_ungenerated(real, regions, catalogue, synth):
    """Not demo-fillable: no generated row, even for a series other rules anchor on (gdp) or a
    series completed from real data; every other series is generated exactly as before."""
    off = {"gdp", "energy_consumption", "tax_revenue"}
    marked = catalogue.copy()
    marked.loc[marked["series_code"].isin(off), "demo_fill"] = False
    out = generate_synthetic(real, regions, catalogue=marked)
    assert not off & set(out["series"])
    pd.testing.assert_frame_equal(out.reset_index(drop=True),
                                  synth[~synth["series"].isin(off)].reset_index(drop=True))


def test_demo_fill_without_rule_is_a_data_error(real, regions, catalogue):
    from models_py.errors import DataError
    extra = pd.concat([catalogue, catalogue.iloc[[0]].assign(series_code="robot_density")],
                      ignore_index=True)
    with pytest.raises(DataError, match="robot_density") as caught:
        generate_synthetic(real, regions, catalogue=extra)
    assert "demo_fill" in str(caught.value) and "series_catalogue.csv" in str(caught.value)
    bad = catalogue.copy()
    bad["demo_fill"] = bad["demo_fill"].astype(object)
    bad.loc[0, "demo_fill"] = "maybe"
    with pytest.raises(DataError, match="true or false"):
        demo_fill_series(bad)
