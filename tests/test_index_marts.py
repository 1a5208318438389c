"""The index marts of a real build (index_weights, index_scores, indicator_values) against the
NumPy reference (tests/reference/entropy_numpy.py), recomputed from the raw indicator values.

Uses the session fixture `built_warehouse` (conftest.py): the full pipeline must run.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.reference.entropy_numpy import compute_long

TOL = 1e-10
UNITS = ["region_code", "year"]
LEVELS = {"total": [], "dimension": ["dimension"], "sub_dimension": ["dimension", "sub_dimension"]}


def _table(connection, name: str, schemas: tuple[str, ...]) -> str:
    """Qualified name of a table, looking in `schemas` first (seeds may sit in reference or main_reference)."""
    found = {row[0] for row in connection.execute(
        "select table_schema from information_schema.tables where table_name = ?", [name]).fetchall()}
    for schema in schemas:
        if schema in found:
            return f"{schema}.{name}"
    if len(found) == 1:
        return f"{found.pop()}.{name}"
    pytest.fail(f"table {name} not found in the warehouse (schemas {sorted(found)})")


@pytest.fixture
def marts(warehouse_connection):
    con = warehouse_connection
    frames = {
        "weights": con.execute(f"select * from {_table(con, 'index_weights', ('main',))}").df(),
        "scores": con.execute(f"select * from {_table(con, 'index_scores', ('main',))}").df(),
        "values": con.execute(f"select * from {_table(con, 'indicator_values', ('main',))}").df(),
        "systems": con.execute(
            f"select * from {_table(con, 'index_systems', ('reference', 'main_reference', 'main'))}").df(),
        "periods": con.execute(
            f"select * from {_table(con, 'index_periods', ('reference', 'main_reference', 'main'))}").df(),
        "catalogue": con.execute(
            f"select * from {_table(con, 'index_indicators', ('reference', 'main_reference', 'main'))}").df(),
    }
    frames["values"]["value"] = frames["values"]["value"].astype(float)
    return frames


def _scope_years(scope: tuple[str, str, str], periods: pd.DataFrame, all_years) -> list[int]:
    system, scheme, period = scope
    if scheme == "pooled":
        return sorted(all_years)
    if scheme == "year":
        return [int(period)]
    row = periods[(periods["system"] == system) & (periods["period"].astype(str) == str(period))]
    assert len(row) == 1, f"period {period} of {system} not in index_periods"
    return list(range(int(row["year_from"].iloc[0]), int(row["year_to"].iloc[0]) + 1))


def _inputs(values: pd.DataFrame, systems: pd.DataFrame, system: str, years) -> pd.DataFrame:
    frame = values[(values["system"] == system) & values["year"].isin(years)].copy()
    shift = systems.loc[systems["system"] == system, "shift"].iloc[0]
    frame["shift"] = 0.0 if pd.isna(shift) else float(shift)
    return frame


def _close(actual, expected, what):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=0, atol=TOL, equal_nan=True, err_msg=what)


def test_every_system_has_its_scopes(marts):
    weights, systems, periods = marts["weights"], marts["systems"], marts["periods"]
    indicator = weights[weights["level"] == "indicator"]
    present = set(map(tuple, indicator[["system", "period_scheme", "period"]].astype(str).drop_duplicates().values))
    for system in systems["system"]:
        assert (system, "pooled", "pooled") in present, system
    for system, period in periods[["system", "period"]].astype(str).values:
        assert (system, "period", period) in present, (system, period)


def test_indicator_weights_match_reference(marts):
    """Every scope of index_weights: entropy, redundancy, weight and m_j from the raw values."""
    weights, values, systems, periods = marts["weights"], marts["values"], marts["systems"], marts["periods"]
    indicator = weights[weights["level"] == "indicator"]
    checked = 0
    for scope, got in indicator.groupby(["system", "period_scheme", "period"]):
        system = scope[0]
        years = _scope_years(scope, periods, values.loc[values["system"] == system, "year"].unique())
        frame = _inputs(values, systems, system, years)
        assert len(frame), f"no indicator values for {scope}"
        expected = compute_long(frame, ["system"], UNITS).weights.set_index("indicator").sort_index()
        got = got.set_index("indicator").sort_index()
        assert list(got.index) == list(expected.index), scope
        for column in ("entropy", "redundancy", "weight"):
            _close(got[column], expected[column], f"{column} of {scope}")
        assert got["n_units"].astype(int).tolist() == expected["n_units"].astype(int).tolist(), scope
        _close(got["weight"].sum(), 1.0, f"weights of {scope} sum to 1")
        checked += 1
    assert checked >= len(systems)


def test_indicator_values_standardised_in_scoring_scope(marts):
    """The mart's `standardised` equals min-max recomputed from `value` in the scoring scope."""
    values, systems = marts["values"], marts["systems"]
    for system, frame in values.groupby("system"):
        info = systems[systems["system"] == system].iloc[0]
        shift = 0.0 if pd.isna(info["shift"]) else float(info["shift"])
        keys = ["indicator", "year"] if info["score_weighting"] == "per_year" else ["indicator"]
        low = frame.groupby(keys)["value"].transform("min")
        high = frame.groupby(keys)["value"].transform("max")
        expected = np.where(frame["direction"] == "negative", high - frame["value"], frame["value"] - low)
        _close(frame["standardised"], expected / (high - low) + shift, f"standardised of {system}")


def test_scores_match_reference(marts):
    """Total, dimension and sub-dimension scores: weighted sums (entropy) or closeness (topsis_entropy)."""
    scores, values, systems = marts["scores"], marts["values"], marts["systems"]
    for _, info in systems.iterrows():
        system = info["system"]
        frame = _inputs(values, systems, system, values.loc[values["system"] == system, "year"].unique())
        scope = ["system", "year"] if info["score_weighting"] == "per_year" else ["system"]
        column = "topsis_closeness" if info["method"] == "topsis_entropy" else "weighted_sum"
        for level, group_by in LEVELS.items():
            expected = compute_long(frame, scope, UNITS, group_by=group_by).scores
            got = scores[(scores["system"] == system) & (scores["level"] == level)]
            keys = UNITS + group_by
            merged = got.merge(expected, on=keys, how="outer", indicator=True)
            assert (merged["_merge"] == "both").all(), (system, level, merged[merged["_merge"] != "both"][keys])
            _close(merged["score"], merged[column], f"{level} scores of {system}")


def test_entropy_dimension_scores_add_up(marts):
    scores, systems = marts["scores"], marts["systems"]
    entropy_systems = systems.loc[systems["method"] == "entropy", "system"]
    part = scores[scores["system"].isin(entropy_systems)]
    total = part[part["level"] == "total"].set_index(["system"] + UNITS)["score"].sort_index()
    for level in ("dimension", "sub_dimension"):
        summed = part[part["level"] == level].groupby(["system"] + UNITS)["score"].sum().sort_index()
        _close(summed, total.loc[summed.index], f"{level} scores add up to the total")


def test_hierarchy_weights_are_sums_of_indicator_weights(marts):
    weights = marts["weights"]
    scope = ["system", "period_scheme", "period"]
    indicator = weights[weights["level"] == "indicator"]
    for level, keys in (("dimension", ["dimension"]), ("sub_dimension", ["dimension", "sub_dimension"])):
        expected = indicator.groupby(scope + keys)[["weight", "redundancy"]].sum().sort_index()
        got = weights[weights["level"] == level].set_index(scope + keys)[["weight", "redundancy"]].sort_index()
        assert list(got.index) == list(expected.index), level
        _close(got["weight"], expected["weight"], f"{level} weights")
        _close(got["redundancy"], expected["redundancy"], f"{level} redundancy")
    for level in ("indicator", "dimension"):
        sums = weights[weights["level"] == level].groupby(scope)["weight"].sum()
        _close(sums, np.ones(len(sums)), f"{level} weights sum to 1")
    _close(weights["weight_pct"], 100 * weights["weight"], "weight_pct")


def test_component_index_feeds_its_parent(marts):
    """An indicator `index:<system>` carries that system's total score (times the catalogue scale);
    a year without a component score (outside the component's sample) is filled by the parent's
    missing_rule, and flagged."""
    catalogue, values, scores = marts["catalogue"], marts["values"], marts["scores"]
    components = catalogue[catalogue["numerator"].astype(str).str.startswith("index:")]
    for _, row in components.iterrows():
        component = row["numerator"][len("index:"):]
        got = values[(values["system"] == row["system"]) & (values["indicator"] == row["indicator"])]
        total = scores[(scores["system"] == component) & (scores["level"] == "total")]
        merged = got.merge(total, on=UNITS, how="left")
        scored = merged["score"].notna()
        _close(merged.loc[scored, "value"], merged.loc[scored, "score"] * float(row["scale"]),
               f"{row['indicator']} of {row['system']}")
        filled = merged[~scored]
        assert filled["value"].notna().all() and filled["is_imputed"].all(), filled
        assert set(filled["imputation"]) <= {"interpolate", "extrapolate"}, filled
