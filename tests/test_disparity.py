"""Paper D's regional-disparity marts and the inequality macros.

1. The NumPy reference (tests/reference/inequality_numpy.py) on hand-computable cases.
2. The macros (nqp_coefficient_of_variation, nqp_theil[_groups], nqp_dagum_gini[_groups|_pairs],
   nqp_gap_change), compiled by dbt itself (`dbt compile --inline`) and run with duckdb on random
   panels (hypothesis), against the reference to 1e-10; the decompositions add up; bad input stops
   the query with a message naming region, partition and value.
3. The marts on a built warehouse against pandas / the reference; their Dagster group and table
   declarations.
"""
from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.examples import examples
from tests.reference import inequality_numpy as ref
from tests.reference.dbt_inline import DbtCompileError, compile_queries

TOL = 1e-10
BY = "['period']"
UNIT = "['region_code']"


def _queries() -> dict[str, str]:
    args = f"'units', 'value', 'grp', {BY}, unit={UNIT}"
    return {
        "cv": f"{{{{ nqp_coefficient_of_variation('units', 'value', {BY}, unit={UNIT}) }}}}",
        "cv_sample": f"{{{{ nqp_coefficient_of_variation('units', 'value', {BY}, sd='sample', unit={UNIT}) }}}}",
        "theil": f"{{{{ nqp_theil({args}) }}}}",
        "theil_weighted": f"{{{{ nqp_theil({args}, weight='pop') }}}}",
        "theil_groups": f"{{{{ nqp_theil_groups({args}) }}}}",
        "theil_groups_weighted": f"{{{{ nqp_theil_groups({args}, weight='pop') }}}}",
        "gini": f"{{{{ nqp_dagum_gini({args}) }}}}",
        "gini_groups": f"{{{{ nqp_dagum_gini_groups({args}) }}}}",
        "gini_pairs": f"{{{{ nqp_dagum_gini_pairs({args}) }}}}",
        # one pooled partition (by = [])
        "gini_pooled": "{{ nqp_dagum_gini('units', 'value', 'grp') }}",
        "theil_pooled": "{{ nqp_theil('units', 'value', 'grp') }}",
        "cv_pooled": "{{ nqp_coefficient_of_variation('units', 'value') }}",
        "gap_change": "{{ nqp_gap_change('gaps', ['pair'], ['gdp_gap', 'pc_gap'], 2000, 2022) }}",
        # another year range on the warehouse's own gaps
        "gap_change_2010_2020": "{{ nqp_gap_change('regional_disparity', ['pair_label_zh'], "
                                "['gdp_gap', 'gdp_per_capita_gap'], 2010, 2020) }}",
    }


@pytest.fixture(scope="module")
def sql() -> dict[str, str]:
    compiled, _project = compile_queries(_queries())
    return compiled


def connect(frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:", config={"threads": 2})
    connection.register("frame", frame)
    connection.execute(
        "create table units as select period::integer as period, region_code::integer as region_code, "
        "grp::varchar as grp, value::double as value, pop::double as pop from frame"
    )
    connection.unregister("frame")
    return connection


def close(actual, expected, tol=TOL) -> bool:
    """Equal to `tol` (relative for large magnitudes), NaN/NULL equal to NaN."""
    actual = np.nan if actual is None or actual is pd.NA else float(actual)
    if np.isnan(expected) or np.isnan(actual):
        return bool(np.isnan(expected) and np.isnan(actual))
    return abs(actual - expected) <= tol * max(1.0, abs(expected))


# --------------------------------------------------------------------- 1. the reference itself

def test_reference_hand_computed_values():
    # Gini of 1, 2, 3, 4: sum |diff| over ordered pairs = 20, / (2 * 16 * 2.5) = 0.25
    assert ref.gini([1, 2, 3, 4]) == pytest.approx(0.25, abs=1e-15)
    assert ref.dagum([1, 2, 3, 4], ["a"] * 4).gini == pytest.approx(0.25, abs=1e-15)
    # CV of 1, 2, 3: population SD sqrt(2/3), sample SD 1, mean 2
    assert ref.coefficient_of_variation([1, 2, 3]) == pytest.approx(np.sqrt(2 / 3) / 2, abs=1e-15)
    assert ref.coefficient_of_variation([1, 2, 3], "sample") == pytest.approx(0.5, abs=1e-15)
    # all income in one of n units: T = ln n; equal incomes: T = 0
    assert ref.theil([0, 0, 0, 5], list("abab")).total == pytest.approx(np.log(4), abs=1e-15)
    assert ref.theil([3, 3, 3], list("aab")).total == pytest.approx(0, abs=1e-15)
    # population-weighted: two regions, shares of value (3/4, 1/4) and of people (1/2, 1/2)
    weighted = ref.theil([3, 1], ["a", "b"], weights=[1, 1])
    assert weighted.total == pytest.approx(0.75 * np.log(1.5) + 0.25 * np.log(0.5), abs=1e-15)
    assert weighted.between == pytest.approx(weighted.total, abs=1e-15)  # one unit per group
    # per-capita values 6 and 1 for 2 and 1 people: value shares 12/13, 1/13; people 2/3, 1/3
    assert ref.theil([6, 1], ["a", "b"], weights=[2, 1]).total == pytest.approx(
        (12 / 13) * np.log((12 / 13) / (2 / 3)) + (1 / 13) * np.log((1 / 13) / (1 / 3)), abs=1e-15)


def test_reference_dagum_special_cases():
    # groups that do not overlap: no transvariation, D = 1
    separated = ref.dagum([1, 2, 10, 11], ["low", "low", "high", "high"])
    assert separated.transvariation == pytest.approx(0, abs=1e-15)
    assert separated.between_pair[("high", "low")][1] == pytest.approx(1, abs=1e-15)
    # constant groups: all inequality is between groups
    constant = ref.dagum([2, 2, 5, 5, 5], list("aabbb"))
    assert constant.within == pytest.approx(0, abs=1e-15)
    # identical group distributions: D = 0, nothing is net between
    same = ref.dagum([1, 4, 1, 4], list("aabb"))
    assert same.net_between == pytest.approx(0, abs=1e-15)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 1e6)), min_size=2, max_size=40),  # no subnormals
       st.lists(st.sampled_from("abcd"), min_size=40, max_size=40))
def test_reference_dagum_adds_up_and_matches_sorted_gini(values, labels):
    y = np.asarray(values)
    if y.sum() <= 0:
        return
    groups = np.asarray(labels[: y.size])
    parts = ref.dagum(y, groups)
    # an independent Gini: sorted-rank formula G = sum (2 i - n - 1) y_(i) / (n^2 mu)
    ordered = np.sort(y)
    n = y.size
    sorted_gini = ((2 * np.arange(1, n + 1) - n - 1) * ordered).sum() / (n * n * y.mean())
    assert parts.gini == pytest.approx(sorted_gini, abs=1e-12)
    assert parts.within + parts.net_between + parts.transvariation == pytest.approx(parts.gini, abs=1e-12)
    theil = ref.theil(y, groups)
    assert theil.within + theil.between == pytest.approx(theil.total, abs=1e-12)


# ------------------------------------------------------------------------- 2. the macros

@st.composite
def panels(draw):
    """Periods with 1-40 units in 1-5 groups; values continuous, heavy-tailed or tied integers."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_periods = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["lognormal", "integers", "uniform", "scaled"]))
    rows = []
    for period in range(n_periods):
        n = draw(st.integers(1, 40))
        k = draw(st.integers(1, 5))
        groups = rng.integers(0, k, n)
        if kind == "lognormal":
            values = rng.lognormal(0, 1.5, n)
        elif kind == "integers":  # ties and zeros, groups of only zeros
            values = rng.integers(0, 4, n).astype(float)
        elif kind == "scaled":  # GDP-per-capita magnitudes
            values = rng.uniform(2e4, 2e5, n)
        else:
            values = rng.uniform(0, 1, n)
        if values.sum() == 0:
            values[0] = 1.0
        missing = rng.random(n) < 0.1
        missing[np.argmax(values)] = False  # every period keeps a positive value
        for i in range(n):
            rows.append((2000 + period, 11 + i, f"g{groups[i]}", np.nan if missing[i] else values[i],
                         rng.uniform(0.5, 5)))
    return pd.DataFrame(rows, columns=["period", "region_code", "grp", "value", "pop"])


def _observed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["value"].notna()]


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(panel=panels())
def test_macros_match_numpy_reference(sql, panel):
    connection = connect(panel)
    results = {name: connection.execute(sql[name]).df() for name in
               ["cv", "cv_sample", "theil", "theil_weighted", "theil_groups", "theil_groups_weighted",
                "gini", "gini_groups", "gini_pairs"]}
    for period, units in _observed(panel).groupby("period"):
        y, g, w = units["value"].to_numpy(), units["grp"].to_numpy(), units["pop"].to_numpy()
        row = {name: frame[frame["period"] == period] for name, frame in results.items()}
        assert all(len(row[name]) == 1 for name in ["cv", "theil", "gini"])
        if y.size > 1:
            assert close(row["cv"]["cv"].iloc[0], ref.coefficient_of_variation(y))
            assert close(row["cv_sample"]["cv"].iloc[0], ref.coefficient_of_variation(y, "sample"))
        assert int(row["cv"]["n_units"].iloc[0]) == y.size

        for name, weights in [("theil", None), ("theil_weighted", w)]:
            expected = ref.theil(y, g, weights)
            got = row[name].iloc[0]
            assert close(got["theil"], expected.total), (name, period)
            assert close(got["theil_within"], expected.within), (name, period)
            assert close(got["theil_between"], expected.between), (name, period)
            groups = row[name.replace("theil", "theil_groups")].set_index("group_code")
            for label, (t_g, value_share, weight_share) in expected.groups.items():
                assert close(groups.loc[label, "theil"], t_g), (name, period, label)
                assert close(groups.loc[label, "value_share"], value_share)
                assert close(groups.loc[label, "weight_share"], weight_share)

        expected = ref.dagum(y, g)
        got = row["gini"].iloc[0]
        assert close(got["gini"], expected.gini)
        assert close(got["gini_within"], expected.within)
        assert close(got["gini_net_between"], expected.net_between)
        assert close(got["gini_transvariation"], expected.transvariation)
        assert int(got["n_groups"]) == len(set(g))
        groups = row["gini_groups"].set_index("group_code")
        assert sorted(groups.index) == sorted(expected.within_group)
        for label, g_jj in expected.within_group.items():
            assert close(groups.loc[label, "gini_within_group"], g_jj), (period, label)
        pairs = row["gini_pairs"]
        assert len(pairs) == len(expected.between_pair)
        for (richer, poorer), (g_jh, d_jh) in expected.between_pair.items():
            pair = pairs[(pairs["group_a"] == richer) & (pairs["group_b"] == poorer)]
            if len(pair) == 0:  # equal means: either order is Dagum's (D = 0 both ways)
                pair = pairs[(pairs["group_a"] == poorer) & (pairs["group_b"] == richer)]
            assert len(pair) == 1, (period, richer, poorer)
            assert close(pair["gini_between"].iloc[0], g_jh)
            assert close(pair["relative_affluence"].iloc[0], d_jh)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(panel=panels())
def test_decompositions_add_up(sql, panel):
    connection = connect(panel)
    gini = connection.execute(sql["gini"]).df()
    parts = gini["gini_within"] + gini["gini_net_between"] + gini["gini_transvariation"]
    assert np.allclose(parts, gini["gini"], rtol=0, atol=1e-12)
    positive = gini["gini"] > 0
    shares = gini[["gini_within_share", "gini_net_between_share", "gini_transvariation_share"]].sum(axis=1)
    assert np.allclose(shares[positive], 1, atol=1e-9)
    for name in ["theil", "theil_weighted"]:
        theil = connection.execute(sql[name]).df()
        assert np.allclose(theil["theil_within"] + theil["theil_between"], theil["theil"], rtol=0, atol=1e-12)
    # the group and pair terms sum to the totals
    groups = connection.execute(sql["gini_groups"]).df().groupby("period")["within_term"].sum()
    pairs = connection.execute(sql["gini_pairs"]).df()
    assert np.allclose(groups.reindex(gini["period"]).to_numpy(), gini["gini_within"], atol=1e-12)
    assert (pairs["relative_affluence"].between(-1e-9, 1 + 1e-12)).all()
    assert (pairs["mean_a"] >= pairs["mean_b"]).all()


def test_pooled_partition_equals_single_period(sql):
    rng = np.random.default_rng(7)
    panel = pd.DataFrame({"period": 2000, "region_code": range(31), "grp": rng.choice(list("abcd"), 31),
                          "value": rng.lognormal(10, 0.5, 31), "pop": rng.uniform(100, 9000, 31)})
    connection = connect(panel)
    expected = ref.dagum(panel["value"], panel["grp"])
    pooled = connection.execute(sql["gini_pooled"]).df().iloc[0]
    assert close(pooled["gini"], expected.gini) and close(pooled["gini_transvariation"], expected.transvariation)
    assert close(connection.execute(sql["theil_pooled"]).df()["theil"].iloc[0], ref.theil(panel["value"], panel["grp"]).total)
    assert close(connection.execute(sql["cv_pooled"]).df()["cv"].iloc[0], ref.coefficient_of_variation(panel["value"]))


def _error_of(connection, query) -> str:
    with pytest.raises(duckdb.Error) as caught:
        connection.execute(query).df()
    return str(caught.value)


def test_negative_value_missing_group_or_weight_is_an_error(sql):
    base = pd.DataFrame({"period": [2001, 2001, 2001], "region_code": [11, 12, 13], "grp": ["a", "a", "b"],
                         "value": [1.0, 2.0, 3.0], "pop": [1.0, 1.0, 1.0]})
    negative = base.assign(value=[1.0, -2.0, 3.0])
    for name in ["theil", "gini", "gini_pairs"]:
        message = _error_of(connect(negative), sql[name])
        assert "needs values >= 0" in message and "region_code=12" in message and "period=2001" in message
        assert "-2" in message
    no_group = base.assign(grp=["a", None, "b"])
    message = _error_of(connect(no_group), sql["gini"])
    assert "no group (grp)" in message and "region_code=12" in message
    no_weight = base.assign(pop=[1.0, np.nan, 1.0])
    message = _error_of(connect(no_weight), sql["theil_weighted"])
    assert "positive weight" in message and "pop = NULL" in message and "region_code=12" in message
    # the coefficient of variation is defined for negative values
    assert len(connect(negative).execute(sql["cv"]).df()) == 1


def test_unknown_sd_convention_does_not_compile():
    with pytest.raises(DbtCompileError, match="sd must be 'population' or 'sample'"):
        compile_queries({"bad": "{{ nqp_coefficient_of_variation('units', 'value', sd='biased') }}"})


# Paper D's Table 1 as printed: (2000 gap, 2022 gap, change %) for GDP (亿元) and per capita (元)
PAPER_D_TABLE_1 = {
    "东部—中部": ((1804, 17783, 885.8), (9362, 44740, 377.9)),
    "东部—西部": ((3714, 40786, 998.1), (10069, 51864, 415.1)),
    "东部—东北": ((1855, 42886, 2211.9), (6005, 60662, 910.2)),
    "中部—西部": ((1910, 23003, 1104.3), (707, 7124, 907.9)),
    "中部—东北": ((51, 25103, 49122.3), (-3357, 15921, -574.2)),
    "西部—东北": ((-1859, 2100, -213.0), (-4064, 8798, -316.5)),
}


def test_gap_change_reproduces_paper_d_table_1(sql):
    """The paper's change column from its own (rounded) gaps: each printed % lies within what
    rounding the printed gaps to whole units allows, and the sign convention (signed start gap)
    is the paper's."""
    rows = []
    for pair, ((g0, g1, _), (p0, p1, _)) in PAPER_D_TABLE_1.items():
        rows += [(pair, 2000, g0, p0), (pair, 2010, 0.0, 0.0), (pair, 2022, g1, p1)]
    connection = duckdb.connect(":memory:")
    connection.register("rows", pd.DataFrame(rows, columns=["pair", "year", "gdp_gap", "pc_gap"]))
    connection.execute("create table gaps as select * from rows")
    table = connection.execute(sql["gap_change"]).df().set_index("pair")
    assert len(table) == 6 and (table["start_year"] == 2000).all() and (table["end_year"] == 2022).all()
    for pair, measures in PAPER_D_TABLE_1.items():
        for gap, (start, end, printed) in zip(["gdp_gap", "pc_gap"], measures):
            got = table.loc[pair, f"{gap}_change_pct"]
            assert got == pytest.approx((end - start) / start * 100, rel=1e-12)
            corners = [(e - s) / s * 100 for s in (start - 0.5, start + 0.5) for e in (end - 0.5, end + 0.5)]
            assert min(corners) - 0.05 <= printed <= max(corners) + 0.05, (pair, gap, got, printed)
    connection.execute("delete from gaps where year = 2022")
    with pytest.raises(duckdb.Error, match="no rows for the end year 2022"):
        connection.execute(sql["gap_change"]).df()


# ----------------------------------------------------------- 3. Dagster groups and declarations

PAPER_D_MODELS = ["regional_means", "regional_disparity", "regional_disparity_change", "regional_rankings",
                  "hu_line_shares", "inequality_measures", "inequality_groups", "inequality_pairs"]


@pytest.fixture(scope="module")
def manifest_nodes() -> dict:
    from models_py.declarations import load_manifest
    return {node["name"]: node for node in load_manifest()["nodes"].values() if node["resource_type"] == "model"}


def test_paper_d_models_land_in_group_paper_d(manifest_nodes):
    from orchestration.assets.dbt import dbt_translator
    for name in PAPER_D_MODELS:
        assert dbt_translator.get_group_name(manifest_nodes[name]) == "paper_d", name


def test_display_tables_name_existing_documented_columns(manifest_nodes):
    declared = []
    for name in PAPER_D_MODELS:
        meta = manifest_nodes[name]["config"].get("meta") or {}
        tables = meta.get("display_tables") or ([meta["display_table"]] if "display_table" in meta else [])
        for table in tables:
            declared.append(table["table_id"])
            assert table["study"] == "paper_d"
            assert table["title_zh"] and table["title_en"]
            columns = manifest_nodes[name]["columns"]
            for column in table["row_columns"] + table["value_columns"] + table.get("order_by", []):
                assert column in columns and columns[column]["description"], (name, column)
    assert sorted(declared) == ["T1", "T2", "T3", "T4"]


# -------------------------------------------------------------- 4. the marts on the warehouse

@pytest.fixture(scope="module")
def region_years(warehouse_connection) -> pd.DataFrame:
    """GDP, population and GDP per capita per region-year with the regions seed, read by pandas."""
    series = warehouse_connection.execute(
        "select region_code, year, series, value from series_values "
        "where series in ('gdp', 'population', 'gdp_per_capita')").df()
    wide = series.pivot_table(index=["region_code", "year"], columns="series", values="value").dropna().reset_index()
    regions = warehouse_connection.execute("select * from reference.regions").df()
    return wide.merge(regions, on="region_code")


def _table(connection, name: str) -> pd.DataFrame:
    return connection.execute(f"select * from {name}").df()


def test_regional_means_and_gaps_match_pandas(warehouse_connection, region_years):
    means = _table(warehouse_connection, "regional_means").set_index(["region4", "year"])
    expected = region_years.groupby(["region4", "year"]).agg(
        gdp_mean=("gdp", "mean"), gdp_per_capita_mean=("gdp_per_capita", "mean"), n_regions=("gdp", "size"),
        gdp_total=("gdp", "sum"), population_total=("population", "sum"))
    national = region_years.groupby("year").agg(gdp_mean=("gdp", "mean"), gdp_per_capita_mean=("gdp_per_capita", "mean"))
    for (region, year), row in expected.iterrows():
        got = means.loc[(region, year)]
        assert got["gdp_mean"] == pytest.approx(row["gdp_mean"], rel=1e-12)
        assert got["gdp_per_capita_mean"] == pytest.approx(row["gdp_per_capita_mean"], rel=1e-12)
        assert got["n_regions"] == row["n_regions"]
        assert got["gdp_per_capita_aggregate"] == pytest.approx(row["gdp_total"] * 1e4 / row["population_total"], rel=1e-12)
    for year, row in national.iterrows():
        assert means.loc[("national", year), "gdp_per_capita_mean"] == pytest.approx(row["gdp_per_capita_mean"], rel=1e-12)
    assert set(expected.index.get_level_values("region4")) == {"east", "central", "west", "northeast"}
    assert expected.xs(2022, level="year")["n_regions"].to_dict() == {"central": 6, "east": 10, "northeast": 3, "west": 12}

    gaps = _table(warehouse_connection, "regional_disparity")
    order = ["east", "central", "west", "northeast"]
    pairs = [(a, b) for i, a in enumerate(order) for b in order[i + 1:]]
    assert gaps.groupby("year").size().eq(6).all()
    for _, row in gaps.iterrows():
        assert (row["region_a"], row["region_b"]) in pairs
        a, b = expected.loc[(row["region_a"], row["year"])], expected.loc[(row["region_b"], row["year"])]
        assert row["gdp_gap"] == pytest.approx(a["gdp_mean"] - b["gdp_mean"], rel=1e-12, abs=1e-9)
        assert row["gdp_per_capita_gap"] == pytest.approx(
            a["gdp_per_capita_mean"] - b["gdp_per_capita_mean"], rel=1e-12, abs=1e-9)
    labels = gaps[gaps["year"] == 2022].sort_values("pair_order")["pair_label_zh"].tolist()
    assert labels == list(PAPER_D_TABLE_1)

    change = _table(warehouse_connection, "regional_disparity_change").set_index("pair_label_zh")
    assert (change["start_year"] == 2000).all() and (change["end_year"] == 2022).all()
    by_year = gaps.set_index(["pair_label_zh", "year"])
    for label, row in change.iterrows():
        for gap in ["gdp_gap", "gdp_per_capita_gap"]:
            start, end = by_year.loc[(label, 2000), gap], by_year.loc[(label, 2022), gap]
            assert row[f"{gap}_start"] == pytest.approx(start, rel=1e-12)
            assert row[f"{gap}_change_pct"] == pytest.approx((end - start) / start * 100, rel=1e-12)


def test_rankings_match_pandas(warehouse_connection, region_years):
    ranks = _table(warehouse_connection, "regional_rankings").set_index(["region_code", "year"])
    frame = region_years.copy()
    frame["rank"] = frame.groupby("year")["gdp_per_capita"].rank(method="min", ascending=False)
    frame["rank_bottom"] = frame.groupby("year")["gdp_per_capita"].rank(method="min", ascending=True)
    national = frame.groupby("year").apply(lambda f: f["gdp"].sum() * 1e4 / f["population"].sum())
    assert len(ranks) == len(frame)
    for _, row in frame.iterrows():
        got = ranks.loc[(row["region_code"], row["year"])]
        assert got["gdp_per_capita_rank"] == row["rank"]
        assert got["gdp_per_capita_rank_from_bottom"] == row["rank_bottom"]
        assert bool(got["above_national"]) == (row["gdp_per_capita"] > national[row["year"]])
        assert got["ratio_to_bottom"] == pytest.approx(
            row["gdp_per_capita"] / frame.loc[frame["year"] == row["year"], "gdp_per_capita"].min(), rel=1e-12)


def test_hu_line_shares_match_pandas(warehouse_connection, region_years):
    shares = _table(warehouse_connection, "hu_line_shares").set_index(["year", "hu_line_side"])
    north_west = {15, 54, 62, 63, 64, 65}  # Inner Mongolia, Tibet, Gansu, Qinghai, Ningxia, Xinjiang
    assert set(region_years.loc[region_years["hu_line_side"] == "north_west", "region_code"]) == north_west
    for year, frame in region_years.groupby("year"):
        side = frame["region_code"].isin(north_west)
        for name, member in [("north_west", side), ("south_east", ~side)]:
            got = shares.loc[(year, name)]
            assert got["gdp_share_pct"] == pytest.approx(frame.loc[member, "gdp"].sum() / frame["gdp"].sum() * 100, rel=1e-12)
            assert got["population_share_pct"] == pytest.approx(
                frame.loc[member, "population"].sum() / frame["population"].sum() * 100, rel=1e-12)
        assert shares.loc[(year, "north_west"), "n_regions"] == 6


def test_inequality_mart_matches_reference(warehouse_connection, region_years):
    mart = _table(warehouse_connection, "inequality_measures")
    assert {"region3", "region4", "south_north", "hu_line_side", "province"} == set(mart["grouping"])
    assert set(mart.loc[mart["grouping"] == "province", "subject"]) == {"nqp_city"}  # cities only
    systems = set(warehouse_connection.execute("select distinct system from index_scores").df()["system"])
    assert systems | {"gdp_per_capita", "gdp"} == set(mart["subject"])
    checked = 0
    for grouping in ["region4", "hu_line_side"]:
        for year, frame in region_years.groupby("year"):
            row = mart[(mart["subject"] == "gdp_per_capita") & (mart["grouping"] == grouping) & (mart["year"] == year)]
            assert len(row) == 1
            row = row.iloc[0]
            y, g, w = frame["gdp_per_capita"].to_numpy(), frame[grouping].to_numpy(), frame["population"].to_numpy()
            dagum, theil, weighted = ref.dagum(y, g), ref.theil(y, g), ref.theil(y, g, w)
            assert close(row["cv"], ref.coefficient_of_variation(y))
            assert close(row["cv_sample"], ref.coefficient_of_variation(y, "sample"))
            for column, value in [("theil", theil.total), ("theil_within", theil.within),
                                  ("theil_between", theil.between), ("theil_pw", weighted.total),
                                  ("theil_pw_between", weighted.between), ("gini", dagum.gini),
                                  ("gini_within", dagum.within), ("gini_net_between", dagum.net_between),
                                  ("gini_transvariation", dagum.transvariation)]:
                assert close(row[column], value), (grouping, year, column)
            checked += 1
    assert checked >= 2 * 20
    # one index system through the same reference
    scores = warehouse_connection.execute(
        "select s.region_code, s.year, s.score, r.region4 from index_scores s join reference.regions r "
        "using (region_code) where s.system = 'nqp_e' and s.level = 'total'").df()
    for year, frame in scores.groupby("year"):
        row = mart[(mart["subject"] == "nqp_e") & (mart["grouping"] == "region4") & (mart["year"] == year)].iloc[0]
        dagum = ref.dagum(frame["score"].to_numpy(), frame["region4"].to_numpy())
        assert close(row["gini"], dagum.gini) and close(row["gini_net_between"], dagum.net_between)
        assert row["n_units"] == len(frame)


def test_any_year_range_through_the_macro(warehouse_connection, sql):
    table = warehouse_connection.execute(sql["gap_change_2010_2020"]).df().set_index("pair_label_zh")
    gaps = _table(warehouse_connection, "regional_disparity").set_index(["pair_label_zh", "year"])
    assert len(table) == 6
    for label, row in table.iterrows():
        start, end = gaps.loc[(label, 2010), "gdp_per_capita_gap"], gaps.loc[(label, 2020), "gdp_per_capita_gap"]
        assert row["gdp_per_capita_gap_change_pct"] == pytest.approx((end - start) / start * 100, rel=1e-12)


def test_group_and_pair_parts_sum_to_the_measures(warehouse_connection):
    keys = ["subject_kind", "subject", "grouping", "year"]
    measures = _table(warehouse_connection, "inequality_measures").set_index(keys)
    groups = _table(warehouse_connection, "inequality_groups").groupby(keys)[
        ["gini_within_term", "theil_within_term", "theil_between_term"]].sum()
    pairs = _table(warehouse_connection, "inequality_pairs").groupby(keys)[
        ["net_between_term", "transvariation_term"]].sum()
    joined = measures.join(groups).join(pairs).fillna({"net_between_term": 0.0, "transvariation_term": 0.0})
    assert len(joined) == len(measures) > 0
    assert np.allclose(joined["gini_within_term"], joined["gini_within"], atol=1e-12)
    assert np.allclose(joined["net_between_term"], joined["gini_net_between"], atol=1e-12)
    assert np.allclose(joined["transvariation_term"], joined["gini_transvariation"], atol=1e-12)
    assert np.allclose(joined["theil_within_term"], joined["theil_within"], atol=1e-12)
    assert np.allclose(joined["theil_between_term"], joined["theil_between"], atol=1e-12)
    # four regions: six pairs in every partition of the region4 scheme
    region4 = _table(warehouse_connection, "inequality_pairs").query("grouping == 'region4'")
    assert region4.groupby(keys).size().eq(6).all()
