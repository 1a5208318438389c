"""Index robustness re-estimation (models_py/robustness.py, config.meta.robustness) on a simulated
panel written to an in-memory warehouse, as run_study runs it.

References: the baseline method's row must be the baseline column of results.regression_coefficients
exactly (the same fit); every other method's row must equal a direct fit of the estimator on a
frame built by hand with the index column replaced, and pyfixest's point estimate.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from models_py.declarations import DeclarationError, parse_study
from models_py.estimators.fixed_effects import fit_fixed_effects
from models_py.tables.regression import ModelError
from tests.test_declarations import CONTROLS, query, simulate

METHODS = {"entropy": "x", "topsis_entropy": "x_topsis", "equal": "x_equal", "critic": "x_critic"}
SPEARMAN = {"topsis_entropy": 0.91, "equal": 0.83, "critic": 0.77}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    data = simulate(4)
    rng = np.random.default_rng(4)
    for name in ("x_topsis", "x_equal", "x_critic"):
        data[name] = data["x"] + rng.normal(scale=0.5, size=len(data))
    return data


def meta(robustness=None, method_of_system="entropy") -> dict:
    columns = [{"id": "(1)", "depvar": "y", "regressors": ["x"]},
               {"id": "(2)", "depvar": "y", "regressors": ["x"], "controls": CONTROLS}]
    return {
        "study": "sim",
        "tables": [{"id": "table3", "kind": "regression", "columns": columns}],
        "robustness": robustness if robustness is not None else [
            {"id": "R1", "table": "table3", "column": "(2)", "variable": "x", "system": "sys_x", "methods": METHODS}],
    }


def warehouse(panel: pd.DataFrame, method_of_system: str = "entropy") -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.register("panel_frame", panel)
    connection.execute("create table main.panel_sim as select * from panel_frame")
    connection.execute("create schema reference")
    connection.execute(f"create table reference.index_systems as select 'sys_x' as system, '{method_of_system}' as method")
    rows = [("sys_x", "total", "entropy", m, "pooled", 300, rho) for m, rho in SPEARMAN.items()]
    rows += [("sys_x", "total", m, "entropy", "pooled", 300, rho) for m, rho in SPEARMAN.items()]
    rows += [("sys_x", "dimension", "entropy", "equal", "pooled", 300, 0.1)]  # other levels are not read
    connection.execute("create table main.index_method_correlations (system varchar, level varchar, method_a varchar, "
                       "method_b varchar, scope varchar, n_units integer, spearman double)")
    connection.executemany("insert into main.index_method_correlations values (?, ?, ?, ?, ?, ?, ?)", rows)
    return connection


def run(meta_dict, panel, connection, run_id="run-1"):
    from models_py.studies import run_study

    study = parse_study(meta_dict, "panel_sim", "main.panel_sim")
    return run_study(connection, study, run_id)


def test_each_method_refits_the_baseline_column(panel):
    connection = warehouse(panel)
    frames = run(meta(), panel, connection)
    rows = query(connection, "select * from results.index_robustness where study = 'sim' order by method_order")
    assert len(rows) == len(frames["index_robustness"]) == 4
    assert rows["method"].tolist() == list(METHODS)
    assert rows["table_id"].eq("R1").all() and rows["term"].eq("x").all()
    assert rows["is_baseline_method"].tolist() == [True, False, False, False]

    # the baseline method's row is the baseline column, bit for bit
    baseline = query(connection, "select estimate, std_error, t, p from results.regression_coefficients "
                                 "where study = 'sim' and table_id = 'table3' and column_id = '(2)' and term = 'x'")
    entropy = rows.iloc[0]
    for name in ("estimate", "std_error", "t", "p"):
        assert entropy[name] == baseline[name].iloc[0], name
    fit = query(connection, "select nobs from results.regression_fits where table_id = 'table3' and column_id = '(2)'")
    assert rows["nobs"].eq(fit["nobs"].iloc[0]).all()

    # every other method: a direct fit on a frame where x is the method's score
    for _, row in rows.iloc[1:].iterrows():
        frame = panel.drop(columns="x").rename(columns={METHODS[row["method"]]: "x"})
        direct = fit_fixed_effects(frame, "y", ["x", *CONTROLS], absorb=["region_code", "year"], vcov="cluster",
                                   cluster="region_code")
        assert row["estimate"] == pytest.approx(direct.params["x"], rel=1e-12, abs=0)
        assert row["std_error"] == pytest.approx(direct.std_errors["x"], rel=1e-12, abs=0)
        assert row["p"] == pytest.approx(direct.pvalues["x"], rel=1e-10, abs=0)
        assert row["nobs"] == direct.nobs and row["r2_within"] == pytest.approx(direct.rsquared_within, rel=1e-12)
        independent = pf.feols(f"y ~ x + {' + '.join(CONTROLS)} | region_code + year", data=frame,
                               vcov={"CRV1": "region_code"})
        assert row["estimate"] == pytest.approx(independent.coef()["x"], rel=1e-9)
        assert row["spearman_vs_baseline"] == SPEARMAN[row["method"]]
        assert row["estimate"] != entropy["estimate"]
    assert entropy["spearman_vs_baseline"] == 1.0


def test_index_as_outcome_reports_the_first_regressor(panel):
    """Paper E's form: the index is the dependent variable, the coefficient reported is the regressor's."""
    data = panel.assign(idx=panel["y"], idx_equal=panel["y"] + 0.2 * panel["c2"])
    robustness = [{"id": "R1", "table": "table3", "column": "(1)", "variable": "idx", "system": "sys_x",
                   "methods": {"entropy": "idx", "equal": "idx_equal"}}]
    declared = meta(robustness)
    declared["tables"][0]["columns"][0]["depvar"] = "idx"
    connection = warehouse(data)
    run(declared, data, connection)
    rows = query(connection, "select * from results.index_robustness order by method_order")
    assert rows["term"].eq("x").all() and len(rows) == 2
    direct = fit_fixed_effects(data.assign(idx=data["idx_equal"]), "idx", ["x"])
    assert rows["estimate"].iloc[1] == pytest.approx(direct.params["x"], rel=1e-12)


def test_rows_are_replaced_with_the_study(panel):
    connection = warehouse(panel)
    run(meta(), panel, connection, run_id="first")
    run(meta(), panel, connection, run_id="second")
    runs = query(connection, "select run_id, count(*) as n from results.index_robustness group by run_id")
    assert runs.to_dict("records") == [{"run_id": "second", "n": 4}]


def test_declared_baseline_method_must_be_the_systems(panel):
    connection = warehouse(panel, method_of_system="topsis_entropy")
    with pytest.raises(ModelError, match=r"baseline column 'x' is declared as method 'entropy', but system sys_x "
                                         r"is scored with 'topsis_entropy'"):
        run(meta(), panel, connection)
    assert query(connection, "select count(*) n from information_schema.tables where table_name = "
                             "'regression_coefficients'")["n"].item() == 0  # nothing written


def test_missing_method_column_stops_the_study_and_keeps_previous_rows(panel):
    connection = warehouse(panel)
    run(meta(), panel, connection, run_id="good")
    broken = meta([{"id": "R1", "table": "table3", "column": "(2)", "variable": "x", "system": "sys_x",
                    "methods": {**METHODS, "critic": "x_no_such"}}])
    with pytest.raises(ModelError, match=r"study sim, robustness R1: panel_sim has no column\(s\) \['x_no_such'\]"):
        run(broken, panel, connection, run_id="bad")
    assert set(query(connection, "select distinct run_id from results.index_robustness")["run_id"]) == {"good"}
    assert set(query(connection, "select distinct run_id from results.regression_fits")["run_id"]) == {"good"}


@pytest.mark.parametrize("change,match", [
    ({"table": "table9"}, "key 'table': 'table9' is not a regression table"),
    ({"column": "(7)"}, r"key 'column': '\(7\)' is not a column of table3"),
    ({"variable": "c1"}, "key 'variable': 'c1' is neither the dependent variable nor a regressor"),
    ({"methods": {"entropy": "x", "median": "x_equal"}}, "key 'methods.median': must be one of"),
    ({"methods": {"entropy": "x_topsis", "equal": "x_equal"}}, "exactly one method must map to the baseline column"),
    ({"methods": {"entropy": "x"}}, "needs the baseline method and at least one alternative"),
    ({"term": "c9"}, "key 'term': 'c9' is not a term of table3"),
    ({"weights": "critic"}, "key 'weights': unknown key"),
    ({"system": None}, "key 'system': is required"),
])
def test_declaration_errors_name_the_entry_and_key(change, match):
    entry = {"id": "R1", "table": "table3", "column": "(2)", "variable": "x", "system": "sys_x", "methods": METHODS}
    entry.update(change)
    with pytest.raises(DeclarationError, match=match) as raised:
        parse_study(meta([entry]), "panel_sim", "main.panel_sim")
    assert "study sim, table robustness 'R1'" in str(raised.value)


def test_robustness_id_may_not_reuse_a_table_id():
    entry = {"id": "table3", "table": "table3", "column": "(2)", "variable": "x", "system": "sys_x", "methods": METHODS}
    with pytest.raises(DeclarationError, match="robustness ids must be unique and differ from table ids"):
        parse_study(meta([entry]), "panel_sim", "main.panel_sim")
