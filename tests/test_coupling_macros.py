"""The coupling macros (nqp_coupling_coordination, nqp_coordination_levels, nqp_obstacle_degree,
nqp_obstacle_groups) against the NumPy reference in tests/reference/coupling_numpy.py.

Compiled once per session by dbt itself (`dbt compile --inline`, as tests/test_index_macros.py
does); the compiled SQL runs with the duckdb client on in-memory tables of random panels with
n = 2, 3, 4 subsystems, zero scores and both formulas. No warehouse build. Tolerance 1e-10.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.reference.coupling_numpy import (coordination_level, coupling_long, obstacle_groups,
                                            obstacle_long)
from tests.reference.dbt_inline import compile_queries

UNITS = ["set_id", "region_code", "year"]
TOL = 1e-10
LOWERS = np.round(np.arange(0, 1, 0.1), 1)
UPPERS = np.round(LOWERS + 0.1, 1)


def _queries() -> dict[str, str]:
    queries = {}
    for formula in ("classic", "corrected"):
        base = f"nqp_coupling_coordination('coupling_test_inputs', {UNITS!r}, 'subsystem', 'score', formula='{formula}'"
        queries[f"{formula}"] = f"{{{{ {base}) }}}}"
        queries[f"{formula}_weighted"] = f"{{{{ {base}, weights='alpha') }}}}"
        queries[f"{formula}_raise"] = f"{{{{ {base}, all_zero='raise') }}}}"
    queries["levels"] = (
        "with coupled as ({{ nqp_coupling_coordination('coupling_test_inputs', " + repr(UNITS) + ") }})\n"
        "{{ nqp_coordination_levels('coupled', 'levels_test', " + repr(UNITS) + ") }}"
    )
    obstacle_units = ["system", "region_code", "year"]
    queries["obstacles"] = ("{{ nqp_obstacle_degree('obstacle_test_inputs', " + repr(obstacle_units)
                            + ", carry=['dimension']) }}")
    queries["obstacles_shifted"] = ("{{ nqp_obstacle_degree('obstacle_test_inputs', " + repr(obstacle_units)
                                    + ", carry=['dimension'], shift='shift') }}")
    queries["obstacle_groups"] = (
        "with obstacles as ({{ nqp_obstacle_degree('obstacle_test_inputs', " + repr(obstacle_units)
        + ", carry=['dimension']) }})\n{{ nqp_obstacle_groups('obstacles', " + repr(obstacle_units) + ") }}"
    )
    return queries


@pytest.fixture(scope="module")
def sql() -> dict[str, str]:
    compiled, _project = compile_queries(_queries())
    return compiled


def coupling_panel(rng: np.random.Generator, n_subsystems: int, *, zero_share=0.0, all_zero_units=0,
                   n_regions=6, years=(2001, 2002, 2003)) -> pd.DataFrame:
    rows = []
    for region in range(11, 11 + n_regions):
        for year in years:
            u = rng.uniform(0, 1, n_subsystems) ** rng.uniform(0.5, 3)  # some near 0, some near 1
            u[rng.random(n_subsystems) < zero_share] = 0.0
            alpha = rng.dirichlet(np.ones(n_subsystems))
            for k in range(n_subsystems):
                rows.append((f"set{n_subsystems}", region, year, f"s{k}", u[k], alpha[k]))
    frame = pd.DataFrame(rows, columns=[*UNITS, "subsystem", "score", "alpha"])
    for unit in range(all_zero_units):
        region = 11 + unit
        frame.loc[(frame["region_code"] == region) & (frame["year"] == years[0]), "score"] = 0.0
    return frame


def connect(coupling: pd.DataFrame | None = None, obstacles: pd.DataFrame | None = None):
    connection = duckdb.connect(":memory:", config={"threads": 1})
    if coupling is not None:
        connection.register("frame", coupling)
        connection.execute(
            "create table coupling_test_inputs as select set_id::varchar as set_id, region_code::integer as "
            "region_code, year::integer as year, subsystem::varchar as subsystem, score::double as score, "
            "alpha::double as alpha from frame")
        connection.unregister("frame")
        levels = pd.DataFrame({"lower": LOWERS, "upper": UPPERS, "level": np.arange(1, 11),
                               "label_zh": [f"级{k}" for k in range(1, 11)],
                               "label_en": [f"class {k}" for k in range(1, 11)]})
        connection.register("levels_frame", levels)
        connection.execute("create table levels_test as select * from levels_frame")
    if obstacles is not None:
        connection.register("frame", obstacles)
        connection.execute("create table obstacle_test_inputs as select * from frame")
        connection.unregister("frame")
    return connection


def assert_match(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str], columns: list[str]) -> float:
    assert len(actual) == len(expected), f"{len(actual)} rows from SQL, {len(expected)} from NumPy"
    merged = actual.merge(expected, on=keys, how="outer", suffixes=("_sql", "_ref"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][keys]
    worst = 0.0
    for column in columns:
        a, b = merged[f"{column}_sql"].astype(float), merged[f"{column}_ref"].astype(float)
        assert not a.isna().any(), f"{column}: NULL from SQL"
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL, err_msg=column)
        worst = max(worst, float(np.max(np.abs(a - b))))
    return worst


COUPLING_COLUMNS = ["n_subsystems", "n_zero_subsystems", "coupling_degree", "development_index",
                    "coordination_degree"]


@pytest.mark.parametrize("formula", ["classic", "corrected"])
@pytest.mark.parametrize("n_subsystems", [2, 3, 4])
@pytest.mark.parametrize("weighted", [False, True])
def test_coupling_matches_numpy(sql, formula, n_subsystems, weighted):
    rng = np.random.default_rng(100 * n_subsystems + (formula == "corrected") * 10 + weighted)
    frame = coupling_panel(rng, n_subsystems, zero_share=0.1, all_zero_units=2)
    connection = connect(frame)
    actual = connection.execute(sql[formula + ("_weighted" if weighted else "")]).df()
    expected = coupling_long(frame, UNITS, formula, "alpha" if weighted else None)
    assert list(actual.columns) == UNITS + COUPLING_COLUMNS
    assert_match(actual, expected, UNITS, COUPLING_COLUMNS)
    # the panel has units with a zero score and with all scores zero: the declared rules hold
    zero = actual[actual["n_zero_subsystems"] > 0]
    assert len(zero) >= 2 and (zero["coupling_degree"] == 0).all() and (zero["coordination_degree"] == 0).all()
    all_zero = actual[actual["n_zero_subsystems"] == actual["n_subsystems"]]
    assert len(all_zero) == 2 and (all_zero["development_index"] == 0).all()
    for column in ("coupling_degree", "coordination_degree"):
        assert actual[column].between(0, 1 + 1e-12).all()


def test_the_two_formulas_differ_and_agree_on_equal_scores(sql):
    """Equal U: C = 1 under both; unequal U: the corrected C is lower than the classic one
    (the classic ratio of means bunches near 1, the motivation of the correction)."""
    frame = pd.DataFrame({"set_id": "s", "region_code": [11, 11, 11, 12, 12, 12], "year": 2001,
                          "subsystem": ["a", "b", "c"] * 2, "score": [0.4, 0.4, 0.4, 0.2, 0.5, 0.8],
                          "alpha": 1 / 3})
    connection = connect(frame)
    classic = connection.execute(sql["classic"]).df().set_index("region_code")
    corrected = connection.execute(sql["corrected"]).df().set_index("region_code")
    assert classic.loc[11, "coupling_degree"] == pytest.approx(1, abs=1e-12)
    assert corrected.loc[11, "coupling_degree"] == pytest.approx(1, abs=1e-12)
    assert corrected.loc[12, "coupling_degree"] < classic.loc[12, "coupling_degree"] < 1
    # by hand: classic 3 (0.08)^(1/3) / 1.5; corrected sqrt((1 - 1.2/3) (0.2/0.8 * 0.5/0.8)^(1/2))
    assert classic.loc[12, "coupling_degree"] == pytest.approx(3 * 0.08 ** (1 / 3) / 1.5, abs=1e-12)
    assert corrected.loc[12, "coupling_degree"] == pytest.approx(np.sqrt(0.6 * (0.25 * 0.625) ** 0.5), abs=1e-12)


@pytest.mark.parametrize("formula", ["classic", "corrected"])
def test_all_zero_raise_names_the_unit(sql, formula):
    frame = coupling_panel(np.random.default_rng(5), 3, all_zero_units=1)
    connection = connect(frame)
    with pytest.raises(duckdb.Error, match=r"every subsystem scores 0: set_id=set3, region_code=11, year=2001"):
        connection.execute(sql[formula + "_raise"]).fetchall()
    # without an all-zero unit the raise variant equals the default
    frame = coupling_panel(np.random.default_rng(5), 3, zero_share=0.2)
    connection = connect(frame)
    assert_match(connection.execute(sql[formula + "_raise"]).df(), coupling_long(frame, UNITS, formula), UNITS,
                 COUPLING_COLUMNS)


@pytest.mark.parametrize("bad,message", [
    ({"score": 1.5}, r"needs a score in \[0, 1\]: score = 1.5 for set_id=set3, region_code=11, year=2001, subsystem=s0"),
    ({"score": -0.1}, r"needs a score in \[0, 1\]"),
    ({"score": np.nan}, r"needs a score in \[0, 1\]: score = NULL"),
])
def test_bad_scores_stop_the_query(sql, bad, message):
    frame = coupling_panel(np.random.default_rng(7), 3)
    frame.loc[0, list(bad)] = list(bad.values())
    connection = connect(frame)
    with pytest.raises(duckdb.Error, match=message):
        connection.execute(sql["classic"]).fetchall()


def test_one_subsystem_and_bad_weights_stop_the_query(sql):
    frame = coupling_panel(np.random.default_rng(8), 3)
    lonely = frame[~((frame["region_code"] == 11) & (frame["year"] == 2001) & (frame["subsystem"] != "s0"))]
    connection = connect(lonely)
    with pytest.raises(duckdb.Error, match=r"at least two subsystems, got 1 for set_id=set3, region_code=11, year=2001"):
        connection.execute(sql["corrected"]).fetchall()
    frame.loc[0, "alpha"] += 0.01
    connection = connect(frame)
    with pytest.raises(duckdb.Error, match=r"weights must sum to 1, got 1.0.* for set_id=set3, region_code=11, year=2001"):
        connection.execute(sql["classic_weighted"]).fetchall()


def test_levels_follow_the_classes(sql):
    frame = coupling_panel(np.random.default_rng(9), 2, zero_share=0.05, n_regions=20)
    connection = connect(frame)
    levels = connection.execute(sql["levels"]).df()
    expected = [coordination_level(d, LOWERS, UPPERS) for d in levels["coordination_degree"]]
    assert levels["level"].tolist() == expected
    assert (levels["level_en"] == "class " + levels["level"].astype(str)).all()
    assert levels["level"].nunique() >= 4


def test_level_boundaries(sql):
    """D exactly on a bound goes to the class above; D = 1 to the top class."""
    frame = pd.DataFrame({"set_id": "s", "region_code": [11, 11, 12, 12, 13, 13], "year": 2001,
                          "subsystem": ["a", "b"] * 3, "score": [0.25, 0.25, 1.0, 1.0, 0.0, 0.0], "alpha": 0.5})
    connection = connect(frame)
    levels = connection.execute(sql["levels"]).df().set_index("region_code")
    # D = sqrt(1 x 0.25) = 0.5 exactly -> class 6 (0.5-0.6); D = 1 -> 10; D = 0 -> 1
    assert levels.loc[11, "coordination_degree"] == 0.5 and levels.loc[11, "level"] == 6
    assert levels.loc[12, "level"] == 10 and levels.loc[13, "level"] == 1


def obstacle_panel(rng: np.random.Generator, n_indicators=7, n_regions=5, years=(2001, 2002), shift=0.0):
    rows = []
    for system in ("sysA", "sysB"):
        weights = rng.dirichlet(np.ones(n_indicators))
        for region in range(11, 11 + n_regions):
            for year in years:
                z = rng.uniform(0, 1, n_indicators)
                z[rng.random(n_indicators) < 0.15] = 1.0  # best value: no deviation
                z[rng.random(n_indicators) < 0.15] = 0.0
                if region == 11 and year == years[0]:
                    z[:] = 1.0  # at the best value everywhere: sum F I = 0
                for j in range(n_indicators):
                    rows.append((system, region, year, f"dim_{j % 3}", f"x{j}", z[j] + shift, weights[j], shift))
    return pd.DataFrame(rows, columns=["system", "region_code", "year", "dimension", "indicator", "standardised",
                                       "weight", "shift"])


OBSTACLE_UNITS = ["system", "region_code", "year"]


@pytest.mark.parametrize("shift", [0.0, 0.01])
def test_obstacles_match_numpy(sql, shift):
    frame = obstacle_panel(np.random.default_rng(11 + int(shift * 100)), shift=shift)
    connection = connect(obstacles=frame)
    actual = connection.execute(sql["obstacles_shifted" if shift else "obstacles"]).df()
    expected = obstacle_long(frame, OBSTACLE_UNITS, shift=shift)
    keys = OBSTACLE_UNITS + ["indicator"]
    assert_match(actual, expected, keys, ["weight", "deviation", "weighted_deviation", "deviation_total", "obstacle",
                                          "obstacle_rank"])
    sums = actual.groupby(OBSTACLE_UNITS)["obstacle"].sum()
    best = actual.groupby(OBSTACLE_UNITS)["deviation_total"].first() == 0
    assert best.sum() == 2  # region 11's first year in each system
    np.testing.assert_allclose(sums[~best], 1.0, rtol=0, atol=1e-12)
    assert (sums[best] == 0).all()


def test_obstacle_groups_match_numpy(sql):
    frame = obstacle_panel(np.random.default_rng(21))
    connection = connect(obstacles=frame)
    actual = connection.execute(sql["obstacle_groups"]).df()
    expected = obstacle_groups(obstacle_long(frame, OBSTACLE_UNITS), OBSTACLE_UNITS)
    assert_match(actual, expected, OBSTACLE_UNITS + ["dimension"], ["n_indicators", "obstacle", "obstacle_rank"])


@pytest.mark.parametrize("column,value,message", [
    ("standardised", 1.2, r"standardised value in \[0, 1\] \(after the shift\): standardised = 1.2 for system=sysA"),
    ("standardised", np.nan, r"standardised = NULL"),
    ("weight", np.nan, r"needs a weight >= 0: weight = NULL for system=sysA, region_code=11, year=2001, indicator=x0"),
])
def test_bad_obstacle_inputs_stop_the_query(sql, column, value, message):
    frame = obstacle_panel(np.random.default_rng(31))
    frame.loc[0, column] = value
    connection = connect(obstacles=frame)
    with pytest.raises(duckdb.Error, match=message):
        connection.execute(sql["obstacles"]).fetchall()
