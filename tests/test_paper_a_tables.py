"""Paper A Tables 4-6 in the built warehouse (conftest.built_warehouse): the declared samples give
the paper's N, and each diagnostic lands in results.model_diagnostics under its documented name."""
from __future__ import annotations

import pytest


def _fits(connection, table_id: str) -> dict:
    rows = connection.execute(
        "select column_id, nobs, estimator from results.regression_fits where study = 'paper_a' and table_id = ?",
        [table_id],
    ).fetchall()
    return {column_id: (nobs, estimator) for column_id, nobs, estimator in rows}


def _statistics(connection, table_id: str, column_id: str) -> dict:
    rows = connection.execute(
        "select statistic, value from results.model_diagnostics "
        "where study = 'paper_a' and table_id = ? and column_id = ? and equation = 'main'",
        [table_id, column_id],
    ).fetchall()
    return dict(rows)


def test_table4_robustness(warehouse_connection):
    fits = _fits(warehouse_connection, "table4")
    assert fits["(1)"] == (250, "twfe")  # Beijing, Tianjin, Shanghai, Chongqing, Guangdong dropped
    assert fits["(2)"] == (270, "iv")  # the one-year lag of NQP costs 2013
    stats = _statistics(warehouse_connection, "table4", "(2)")
    assert {"kp_rk_lm", "kp_rk_wald_f", "cragg_donald_f"} <= set(stats)
    assert stats["stock_yogo_iv_size_10"] == pytest.approx(16.38)


def test_table5_mediation(warehouse_connection):
    fits = _fits(warehouse_connection, "table5")
    assert fits == {"(1)": (300, "mediation"), "(2)": (300, "mediation")}
    equations = warehouse_connection.execute(
        "select distinct equation, depvar from results.regression_coefficients "
        "where study = 'paper_a' and table_id = 'table5' and column_id = '(1)' order by equation"
    ).fetchall()
    assert equations == [("main", "regional_gap_abs"), ("mediator", "industrial_upgrading")]
    stats = _statistics(warehouse_connection, "table5", "(2)")
    assert stats["indirect_ci_lower_bc"] <= stats["indirect_ci_upper_bc"] and stats["bootstrap_reps"] == 1000


def test_table6_heterogeneity(warehouse_connection):
    fits = _fits(warehouse_connection, "table6")
    assert [fits[c][0] for c in ("(1)", "(2)", "(3)")] == [110, 80, 110]
    for column_id in ("(1)-(2)", "(1)-(3)", "(2)-(3)"):
        assert fits[column_id][1] == "group_difference"
        assert 0 <= _statistics(warehouse_connection, "table6", column_id)["perm_p"] <= 0.5
