"""The index systems' missing-value rules (macros nqp_fill_missing, nqp_complete_indicator_sets) against
the NumPy reference in tests/reference/missing_numpy.py, then weights and scores of the complete sets
against tests/reference/entropy_numpy.py.

The macros are compiled once per session by dbt itself (`dbt compile --inline`, as the models use
them: fill -> complete sets -> ranges -> standardised -> weights -> coefficients -> scores) and run
with the duckdb client on random panels with planted gaps: interior years, edge years, whole
region-years and whole region lines of an indicator (nothing to extrapolate from).
"""
from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.examples import examples
from tests.reference.dbt_inline import compile_queries
from tests.reference.entropy_numpy import NotWeightable, compute_long
from tests.reference.missing_numpy import LINE, MissingIndicatorValues, apply_rules, complete_sets

TOL = 1e-10
UNITS = ["region_code", "year"]
RULES = ["error", "interpolate", "extrapolate", "complete_cases"]
FILLED = ["system", "indicator", "region_code", "year", "dimension", "direction", "missing_rule", "value",
          "is_synthetic", "imputation", "is_imputed", "is_missing", "is_dropped"]


def _queries() -> dict[str, str]:
    fill = "{{ nqp_fill_missing('missing_test_inputs', carry=['dimension', 'direction']) }}"
    queries = {"filled": fill}
    for action in ("raise", "report"):
        chain = (
            f"with filled as ({fill}),\n"
            f"complete as ({{{{ nqp_complete_indicator_sets('filled', action='{action}') }}}}),\n"
            "inputs as (select *, 0.0 as shift from complete),\n"
            "ranges as ({{ nqp_indicator_ranges('inputs', ['system'], shift='shift') }}),\n"
            "standardised as ({{ nqp_standardise('inputs', ['system'], ranges='ranges') }}),\n"
            "weights as ({{ nqp_entropy_weights('standardised', ['system']) }}),\n"
            "coefficients as ({{ nqp_score_coefficients('ranges', 'weights', ['system']) }}),\n"
            "scores as ({{ nqp_composite_scores('inputs', 'coefficients', ['system'], ['region_code', 'year']) }})\n"
        )
        # some columns only, as int_index_inputs reads them: the stop must not sit in a column the
        # engine may prune
        queries[f"complete_{action}"] = chain + (
            "select system, indicator, region_code, year, dimension, direction, value from complete")
        queries[f"weights_{action}"] = chain + "select * from weights"
        queries[f"scores_{action}"] = chain + "select * from scores"
    return queries


class CompiledQueries(dict):
    """The compiled SQL by name; a short repr, so hypothesis' failure reports stay readable."""

    def __repr__(self) -> str:
        return f"<compiled queries {sorted(self)}>"


@pytest.fixture(scope="session")
def sql() -> dict[str, str]:
    compiled, _project = compile_queries(_queries())
    return CompiledQueries(compiled)


# --------------------------------------------------------------------------------- panel makers

def make_panel(rng: np.random.Generator, rules: list[tuple[str, str]], n_regions: int, years: list[int],
               n_indicators: int, *, interior=0.0, edges=0, region_years=0, empty_lines=0) -> pd.DataFrame:
    """One system per (rule, extrapolation); every system on the same regions x years grid.
    Planted gaps: `interior` share of values anywhere, `edges` leading / trailing runs per system,
    `region_years` whole region-years per system, `empty_lines` indicator x region lines with no value."""
    rows = []
    for s, (rule, extrapolation) in enumerate(rules):
        for j in range(n_indicators):
            for region in range(11, 11 + n_regions):
                for year in years:
                    rows.append((f"sys{s}_{rule}", f"x{j}", f"dim_{j % 2}",
                                 "negative" if j % 3 == 1 else "positive", region, year,
                                 rng.uniform(-50.0, 150.0), bool(rng.random() < 0.3),
                                 "interpolate" if rng.random() < 0.1 else None, rule, extrapolation))
    frame = pd.DataFrame(rows, columns=["system", "indicator", "dimension", "direction", "region_code", "year",
                                        "value", "is_synthetic", "imputation", "missing_rule", "extrapolation"])
    frame.loc[rng.random(len(frame)) < interior, "value"] = np.nan
    for system in frame["system"].unique():
        in_system = frame["system"] == system
        for _ in range(edges):
            indicator, region = f"x{rng.integers(n_indicators)}", 11 + rng.integers(n_regions)
            run = int(rng.integers(1, max(2, len(years) // 2)))
            edge_years = years[:run] if rng.random() < 0.5 else years[-run:]
            frame.loc[in_system & (frame["indicator"] == indicator) & (frame["region_code"] == region)
                      & frame["year"].isin(edge_years), "value"] = np.nan
        for _ in range(region_years):
            region, year = 11 + rng.integers(n_regions), years[rng.integers(len(years))]
            frame.loc[in_system & (frame["region_code"] == region) & (frame["year"] == year), "value"] = np.nan
        for _ in range(empty_lines):
            indicator, region = f"x{rng.integers(n_indicators)}", 11 + rng.integers(n_regions)
            frame.loc[in_system & (frame["indicator"] == indicator) & (frame["region_code"] == region), "value"] = np.nan
    frame.loc[frame["value"].isna(), "imputation"] = None  # series-level imputation only on values that exist
    return frame


def load(frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:", config={"threads": 2})
    connection.register("frame", frame)
    connection.execute(
        "create table missing_test_inputs as select system::varchar as system, indicator::varchar as indicator, "
        "dimension::varchar as dimension, direction::varchar as direction, region_code::integer as region_code, "
        "year::integer as year, value::double as value, is_synthetic::boolean as is_synthetic, "
        "imputation::varchar as imputation, missing_rule::varchar as missing_rule, "
        "extrapolation::varchar as extrapolation from frame"
    )
    connection.unregister("frame")
    return connection


def ordered(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, ignore_index=True)


def assert_filled_match(actual: pd.DataFrame, expected: pd.DataFrame):
    keys = LINE + ["year"]
    assert list(actual.columns) == FILLED
    actual, expected = ordered(actual, keys), ordered(expected, keys)
    assert len(actual) == len(expected)
    pd.testing.assert_frame_equal(actual[keys], expected[keys], check_dtype=False)
    np.testing.assert_allclose(actual["value"].astype(float), expected["value"].astype(float),
                               rtol=0, atol=TOL, equal_nan=True)
    for column in ("is_missing", "is_dropped", "is_imputed"):
        np.testing.assert_array_equal(actual[column].astype(bool), expected[column].astype(bool), err_msg=column)
    np.testing.assert_array_equal(actual["imputation"].fillna("-"), expected["imputation"].fillna("-"))
    present = ~expected["is_missing"].to_numpy()
    np.testing.assert_array_equal(actual["is_synthetic"].fillna(False).astype(bool)[present],
                                  expected["is_synthetic"].astype(bool)[present], err_msg="is_synthetic")


def check_against_reference(sql, frame: pd.DataFrame):
    """Fill, complete sets (report), weights and scores equal the reference; returns the reference kept rows."""
    connection = load(frame)
    expected = apply_rules(frame)
    assert_filled_match(connection.execute(sql["filled"]).df(), expected)

    kept, unscored = complete_sets(expected, "report")
    complete = connection.execute(sql["complete_report"]).df()
    assert sorted(complete["system"].unique()) == sorted(kept["system"].unique())
    assert not set(unscored) & set(complete["system"]), "an unscored system kept rows"
    assert complete["value"].notna().all(), "a missing value reached the weighting"
    keys = LINE + ["year"]
    pd.testing.assert_frame_equal(ordered(complete, keys)[keys], ordered(kept, keys)[keys], check_dtype=False)
    if kept.empty:
        event("no system scored")
        return kept
    try:
        reference = compute_long(kept.assign(shift=0.0), ["system"], UNITS)
    except NotWeightable:
        event("constant after the rule: error")
        with pytest.raises(duckdb.Error, match="cannot be weighted"):
            connection.execute(sql["weights_report"]).fetchall()
        return kept
    event("weighted")
    for query, result, keys, columns in (
        ("weights_report", reference.weights, ["system", "indicator"], ["n_units", "entropy", "weight"]),
        ("scores_report", reference.scores, ["system"] + UNITS, ["weighted_sum", "topsis_closeness"]),
    ):
        actual = ordered(connection.execute(sql[query]).df(), keys)
        result = ordered(result, keys)
        assert len(actual) == len(result)
        pd.testing.assert_frame_equal(actual[keys], result[keys], check_dtype=False)
        for column in columns:
            np.testing.assert_allclose(actual[column].astype(float), result[column].astype(float),
                                       rtol=0, atol=TOL, err_msg=f"{query}.{column}")
    connection.close()
    return kept


RAISED = re.compile(r"index system (\S+) \(missing_rule (\w+)\): (\d+) indicator value\(s\) missing after the "
                    r"rule, first: indicator (\S+) region (\d+) year (\d+)")


def assert_raises_naming(sql, frame: pd.DataFrame, query="complete_raise"):
    """The raise action stops naming a system that cannot be scored, its rule, count and first gap."""
    expected = apply_rules(frame)
    with pytest.raises(MissingIndicatorValues):
        complete_sets(expected, "raise")
    unscored = {}
    for system in sorted(expected["system"].unique()):
        try:
            complete_sets(expected[expected["system"] == system], "raise")
        except MissingIndicatorValues as missing:
            unscored[system] = missing
    connection = load(frame)
    with pytest.raises(duckdb.Error) as raised:
        connection.execute(sql[query]).fetchall()
    connection.close()
    message = str(raised.value)
    match = RAISED.search(message)
    if match is None:  # a complete_cases system with every region-year dropped
        assert "every region-year is dropped" in message, message
        return message
    system, rule, count, indicator, region, year = match.groups()
    assert system in unscored, (message, sorted(unscored))
    missing = unscored[system]
    assert (rule, int(count)) == (missing.rule, len(missing.missing))
    assert (indicator, int(region), int(year)) == missing.missing[0]
    return message


# ------------------------------------------------------------------------------------- the cases

@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    rules=st.lists(st.tuples(st.sampled_from(RULES), st.sampled_from(["nearest", "linear"])),
                   min_size=1, max_size=4, unique=True),
    n_regions=st.integers(1, 5),
    n_years=st.integers(1, 7),
    n_indicators=st.integers(2, 4),
    interior=st.sampled_from([0.0, 0.1, 0.25]),
    edges=st.integers(0, 3),
    region_years=st.integers(0, 2),
    empty_lines=st.integers(0, 1),
)
def test_random_panels_match_reference(sql, seed, rules, n_regions, n_years, n_indicators, interior, edges,
                                       region_years, empty_lines):
    rng = np.random.default_rng(seed)
    frame = make_panel(rng, rules, n_regions, list(range(2001, 2001 + n_years)), n_indicators,
                       interior=interior, edges=edges, region_years=region_years, empty_lines=empty_lines)
    kept, unscored = complete_sets(apply_rules(frame), "report")
    event(f"{len(unscored)} of {len(rules)} systems unscored")
    check_against_reference(sql, frame)
    if unscored:
        assert_raises_naming(sql, frame)
    else:  # nothing to stop: raise and report keep the same rows
        connection = load(frame)
        keys = LINE + ["year"]
        raised = ordered(connection.execute(sql["complete_raise"]).df(), keys)
        reported = ordered(connection.execute(sql["complete_report"]).df(), keys)
        pd.testing.assert_frame_equal(raised, reported)


def test_each_rule_on_one_line(sql):
    """Worked example: one region, years 2001-2006, values at 2002 (10), 2004 (30), 2005 (35)."""
    years = list(range(2001, 2007))
    line = [np.nan, 10.0, np.nan, 30.0, 35.0, np.nan]
    rows = []
    for rule, extrapolation in [("error", "nearest"), ("interpolate", "nearest"), ("extrapolate", "nearest"),
                                ("extrapolate", "linear"), ("complete_cases", "nearest")]:
        system = f"{rule}_{extrapolation}"
        for indicator, values in (("x0", line), ("x1", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])):
            for year, value in zip(years, values):
                rows.append((system, indicator, "d", "positive", 11, year, value, False, None, rule, extrapolation))
    frame = pd.DataFrame(rows, columns=["system", "indicator", "dimension", "direction", "region_code", "year",
                                        "value", "is_synthetic", "imputation", "missing_rule", "extrapolation"])
    filled = load(frame).execute(sql["filled"]).df()
    assert_filled_match(filled, apply_rules(frame))
    x0 = filled[filled["indicator"] == "x0"].set_index(["system", "year"]).sort_index()
    expected = {
        "error_nearest": [np.nan, 10, np.nan, 30, 35, np.nan],
        "interpolate_nearest": [np.nan, 10, 20, 30, 35, np.nan],
        "extrapolate_nearest": [10, 10, 20, 30, 35, 35],
        "extrapolate_linear": [0, 10, 20, 30, 35, 40],  # 2001: 10 - (30 - 10) / 2; 2006: 35 + 5
        "complete_cases_nearest": [np.nan, 10, np.nan, 30, 35, np.nan],
    }
    for system, values in expected.items():
        np.testing.assert_allclose(x0.loc[system, "value"].to_numpy(), values, rtol=0, atol=1e-12, equal_nan=True,
                                   err_msg=system)
    assert list(x0.loc["extrapolate_linear", "imputation"].fillna("-")) == ["extrapolate", "-", "interpolate", "-", "-",
                                                                          "extrapolate"]
    dropped = filled[filled["system"] == "complete_cases_nearest"].groupby("year", sort=True)["is_dropped"].all()
    assert list(dropped) == [True, False, True, False, False, True]  # x1 complete, x0 missing: region-year dropped
    complete = load(frame).execute(sql["complete_report"]).df()
    assert sorted(complete["system"].unique()) == ["complete_cases_nearest", "extrapolate_linear",
                                                   "extrapolate_nearest"]
    assert sorted(complete.loc[complete["system"] == "complete_cases_nearest", "year"].unique()) == [2002, 2004, 2005]


def test_error_rule_names_system_indicator_region_and_year(sql):
    rows = [("sys_err", f"x{j}", "d", "positive", region, year, float(region * year + j), False, None, "error",
             "nearest") for j in range(3) for region in (11, 12, 13) for year in (2001, 2002, 2003)]
    frame = pd.DataFrame(rows, columns=["system", "indicator", "dimension", "direction", "region_code", "year",
                                        "value", "is_synthetic", "imputation", "missing_rule", "extrapolation"])
    frame.loc[(frame["indicator"] == "x1") & (frame["region_code"] == 12) & (frame["year"] == 2002), "value"] = np.nan
    frame.loc[(frame["indicator"] == "x2") & (frame["year"] == 2003), "value"] = np.nan
    message = assert_raises_naming(sql, frame)
    assert ("index system sys_err (missing_rule error): 4 indicator value(s) missing after the rule, first: "
            "indicator x1 region 12 year 2002; indicator x2 region 11 year 2003; indicator x2 region 12 year 2003; "
            "indicator x2 region 13 year 2003") in message
    assert "index_missing_action" in message
    # report: the system is left out, nothing is scored for it
    assert load(frame).execute(sql["scores_report"]).df().empty


def test_complete_cases_with_every_region_year_dropped(sql):
    rows = [("sys_cc", f"x{j}", "d", "positive", 11, year, np.nan if j == 0 else float(year), False, None,
             "complete_cases", "nearest") for j in range(2) for year in (2001, 2002)]
    frame = pd.DataFrame(rows, columns=["system", "indicator", "dimension", "direction", "region_code", "year",
                                        "value", "is_synthetic", "imputation", "missing_rule", "extrapolation"])
    message = assert_raises_naming(sql, frame)
    assert "index system sys_cc (missing_rule complete_cases): every region-year is dropped" in message
    assert load(frame).execute(sql["complete_report"]).df().empty


def test_unknown_action_is_refused():
    from tests.reference.dbt_inline import DbtCompileError
    with pytest.raises(DbtCompileError, match="index_missing_action must be 'raise' or 'report', not 'ignore'"):
        compile_queries({"bad": "{{ nqp_complete_indicator_sets('x', action='ignore') }}"})
