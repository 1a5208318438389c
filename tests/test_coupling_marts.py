"""The coupling marts of a real build against the NumPy reference (tests/reference/coupling_numpy.py),
recomputed from index_scores, index_weights and indicator_values; and the coupling / obstacle display
tables in every report format.

Uses the session fixture `warehouse_connection` (conftest.py): marked `build`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.session_builds import session_reports
from tests.reference.coupling_numpy import (coordination_level, coupling_long, obstacle_groups,
                                            obstacle_long)

TOL = 1e-10
UNITS = ["coupling_id", "region_code", "year"]
OBSTACLE_UNITS = ["system", "region_code", "year"]


def _frame(connection, sql: str) -> pd.DataFrame:
    return connection.execute(sql).df()


@pytest.fixture(scope="module")
def seeds(warehouse_connection):
    schema = "reference"
    return {name: _frame(warehouse_connection, f"select * from {schema}.{name}")
            for name in ("coupling_systems", "coordination_levels", "index_systems")}


def _max_diff(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str], columns: list[str]) -> float:
    assert len(actual) == len(expected), f"{len(actual)} rows in the mart, {len(expected)} from NumPy"
    merged = actual.merge(expected, on=keys, how="inner", suffixes=("_sql", "_ref"))
    assert len(merged) == len(expected), "the mart's keys differ from the reference's"
    worst = 0.0
    for column in columns:
        a, b = merged[f"{column}_sql"].astype(float), merged[f"{column}_ref"].astype(float)
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL, err_msg=column)
        worst = max(worst, float(np.max(np.abs(a - b))))
    return worst


def test_subsystem_scores_are_index_scores_on_the_unit_interval(warehouse_connection, seeds):
    """U = the total score, or an entropy dimension's score over its pooled dimension weight."""
    con = warehouse_connection
    mart = _frame(con, "select * from main.coupling_subsystem_scores")
    scores = _frame(con, "select system, region_code, year, level, dimension, score from main.index_scores "
                         "where level in ('total', 'dimension')")
    weights = _frame(con, "select system, dimension, weight as dimension_weight from main.index_weights "
                          "where level = 'dimension' and period_scheme = 'pooled'")
    sets = seeds["coupling_systems"]
    assert {"paper_b_indices", "nqp_a_factors"} <= set(sets["coupling_id"])
    expected = []
    for row in sets.itertuples():
        if pd.isna(row.dimension):
            part = scores[(scores["system"] == row.system) & (scores["level"] == "total")].copy()
            part["u"] = part["score"]
        else:
            part = scores[(scores["system"] == row.system) & (scores["dimension"] == row.dimension)]
            part = part.merge(weights, on=["system", "dimension"])
            part["u"] = part["score"] / part["dimension_weight"]
        part = part.assign(coupling_id=row.coupling_id, subsystem=row.subsystem)
        expected.append(part[["coupling_id", "subsystem", "region_code", "year", "u"]])
    expected = pd.concat(expected)
    assert mart["score"].between(0, 1).all()
    _max_diff(mart.rename(columns={"score": "u"}), expected, ["coupling_id", "subsystem", "region_code", "year"], ["u"])
    paper_b = mart[mart["coupling_id"] == "paper_b_indices"]
    assert paper_b["region_code"].nunique() == 31 and sorted(paper_b["year"].unique()) == list(range(2003, 2024))
    np.testing.assert_allclose(paper_b["weight"], 1 / 3, rtol=0, atol=1e-15)


@pytest.mark.parametrize("formula", ["classic", "corrected"])
def test_coupling_coordination_equals_numpy(warehouse_connection, seeds, formula):
    con = warehouse_connection
    inputs = _frame(con, "select coupling_id, subsystem, region_code, year, score, weight "
                         "from main.coupling_subsystem_scores")
    mart = _frame(con, f"select * from main.coupling_coordination where formula = '{formula}'")
    expected = coupling_long(inputs, UNITS, formula, "weight")
    worst = _max_diff(mart, expected, UNITS, ["n_subsystems", "n_zero_subsystems", "coupling_degree",
                                              "development_index", "coordination_degree"])
    print(f"coupling_coordination {formula}: max |SQL - NumPy| = {worst:.2e}")
    levels = seeds["coordination_levels"].sort_values("lower")
    lowers, uppers = levels["lower"].to_numpy(float), levels["upper"].to_numpy(float)
    assert mart["level"].tolist() == [coordination_level(d, lowers, uppers) for d in mart["coordination_degree"]]
    labels = dict(zip(levels["level"], levels["label_zh"]))
    assert (mart["level_zh"] == mart["level"].map(labels)).all()
    # the lagging subsystem has the lowest U of the region-year
    lowest = inputs.loc[inputs.groupby(UNITS)["score"].idxmin(), UNITS + ["score"]]
    lagging = mart.merge(inputs, left_on=UNITS + ["lagging_subsystem"], right_on=UNITS + ["subsystem"])
    merged = lagging.merge(lowest, on=UNITS, suffixes=("", "_min"))
    assert len(merged) == len(mart) and (merged["score"] == merged["score_min"]).all()


def test_national_series_are_provincial_means(warehouse_connection):
    con = warehouse_connection
    provincial = _frame(con, "select * from main.coupling_coordination")
    national = _frame(con, "select * from main.coupling_coordination_national")
    means = provincial.groupby(["coupling_id", "formula", "year"], as_index=False).agg(
        n_regions=("region_code", "size"), coupling_degree=("coupling_degree", "mean"),
        development_index=("development_index", "mean"), coordination_degree=("coordination_degree", "mean"),
        coordination_degree_min=("coordination_degree", "min"),
        coordination_degree_max=("coordination_degree", "max"))
    _max_diff(national, means, ["coupling_id", "formula", "year"],
              ["n_regions", "coupling_degree", "development_index", "coordination_degree",
               "coordination_degree_min", "coordination_degree_max"])
    paper_b = national[(national["coupling_id"] == "paper_b_indices") & (national["formula"] == "classic")]
    first, last = paper_b.sort_values("year").iloc[[0, -1]]["coordination_degree"]
    print(f"Paper B national mean D (classic): 2003 {first:.4f}, 2023 {last:.4f}")
    assert (paper_b["n_regions"] == 31).all() and last > first


def test_obstacle_degrees_equal_numpy(warehouse_connection, seeds):
    con = warehouse_connection
    values = _frame(con, "select system, region_code, year, dimension, indicator, standardised "
                         "from main.indicator_values")
    weights = _frame(con, "select system, indicator, weight from main.index_weights "
                          "where level = 'indicator' and period_scheme = 'pooled'")
    systems = seeds["index_systems"]
    assert (systems["score_weighting"] == "pooled").all(), "the reference below reads pooled weights only"
    frame = values.merge(weights, on=["system", "indicator"], how="left")
    assert frame["weight"].notna().all()
    expected = pd.concat([obstacle_long(part, OBSTACLE_UNITS, shift=float(systems.set_index("system").loc[system, "shift"]))
                          for system, part in frame.groupby("system")])
    mart = _frame(con, "select * from main.obstacle_degrees")
    worst = _max_diff(mart, expected, OBSTACLE_UNITS + ["indicator"],
                      ["weight", "deviation", "deviation_total", "obstacle", "obstacle_rank"])
    print(f"obstacle_degrees: max |SQL - NumPy| = {worst:.2e}")
    dimensions = _frame(con, "select * from main.obstacle_dimensions")
    _max_diff(dimensions, obstacle_groups(expected, OBSTACLE_UNITS), OBSTACLE_UNITS + ["dimension"],
              ["n_indicators", "obstacle", "obstacle_rank"])


def test_coupling_and_obstacle_tables_in_every_report_format(built_warehouse):
    import docx
    import openpyxl

    reports = session_reports(built_warehouse)
    for study, ids, title in (("paper_b", ("coupling_national", "coupling_corrected", "coupling_provinces",
                                           "obstacles", "obstacle_dimensions"), "耦合协调度"),
                              ("paper_a", ("coupling_factors",), "耦合协调度")):
        for suffix in ("md", "html", "tex"):
            text = (reports / f"{study}.{suffix}").read_text(encoding="utf-8")
            assert title in text, f"{study}.{suffix} lacks the coupling table"
        sheets = openpyxl.load_workbook(reports / f"{study}.xlsx", read_only=True).sheetnames
        assert set(ids) <= set(sheets), (ids, sheets)
        document = docx.Document(str(reports / f"{study}.docx"))
        assert any(title in paragraph.text for paragraph in document.paragraphs)
    text = (reports / "paper_b.md").read_text(encoding="utf-8")
    assert "障碍度" in text and "协调等级" in text
