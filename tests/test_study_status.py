"""results.study_status: a study table whose panel is empty or lacks a declared variable in every
row is reported (naming what is missing), not raised; the tables that can run still run."""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from models_py.declarations import parse_study
from models_py.studies import compute_study_tables, run_study, series_without_values
from models_py.tables.regression import ModelError

META = {"study": "sim", "tables": [
    {"id": "t1", "kind": "descriptive", "variables": ["y", "x"]},
    {"id": "t2", "kind": "regression", "columns": [
        {"id": "(1)", "depvar": "y", "regressors": ["x"], "controls": ["c1"]}]},
    {"id": "t3", "kind": "regression", "columns": [
        {"id": "(1)", "depvar": "y", "regressors": ["x"], "controls": ["c2"]}]},
]}


def panel() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    codes = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32]
    frame = pd.DataFrame([(c, y) for c in codes for y in range(2011, 2021)], columns=["region_code", "year"])
    for name in ("x", "c1", "c2"):
        frame[name] = rng.normal(size=len(frame))
    frame["y"] = frame["x"] + frame["c1"] + rng.normal(size=len(frame))
    return frame


def study():
    return parse_study(META, "panel_sim", "main.panel_sim")


def status_of(frames) -> pd.DataFrame:
    return frames["study_status"].set_index("table_id")


def test_complete_panel_computes_every_table():
    frames = compute_study_tables(panel(), study())
    status = status_of(frames)
    assert status["is_computed"].all() and status["reason"].isna().all()
    assert set(frames["regression_fits"]["table_id"]) == {"t2", "t3"}


def test_variable_missing_in_every_row_skips_only_the_tables_using_it():
    data = panel().assign(c2=np.nan)
    frames = compute_study_tables(data, study())  # default on_error='raise': nothing raises
    status = status_of(frames)
    assert status.loc["t1", "is_computed"] and status.loc["t2", "is_computed"]
    assert not status.loc["t3", "is_computed"]
    assert status.loc["t3", "missing_variables"] == "c2"
    assert "c2" in status.loc["t3", "reason"] and "10 regions x 2011-2020" in status.loc["t3", "reason"]
    assert set(frames["regression_fits"]["table_id"]) == {"t2"}


def test_empty_panel_computes_nothing_and_says_so():
    frames = compute_study_tables(panel().iloc[0:0], study())
    status = status_of(frames)
    assert not status["is_computed"].any()
    assert status["reason"].str.contains("panel panel_sim has no rows").all()
    assert frames["regression_fits"].empty and frames["descriptive_statistics"].empty


def test_estimator_errors_raise_by_default_and_are_reported_in_a_real_only_build():
    broken = {**META, "tables": [META["tables"][0], {"id": "t9", "kind": "regression", "columns": [
        {"id": "(1)", "depvar": "y", "regressors": ["x"], "controls": ["not_a_column"]}]}]}
    declared = parse_study(broken, "panel_sim", "main.panel_sim")
    with pytest.raises(ModelError, match="not_a_column"):
        compute_study_tables(panel(), declared)
    frames = compute_study_tables(panel(), declared, on_error="report")
    status = status_of(frames)
    assert status.loc["t1", "is_computed"] and not status.loc["t9", "is_computed"]
    assert "not_a_column" in status.loc["t9", "reason"]


def test_run_study_writes_the_status_and_names_series_without_values():
    connection = duckdb.connect()
    connection.register("frame", panel().assign(c2=np.nan))
    connection.execute("create table main.panel_sim as select * from frame")
    connection.execute("create table main.data_realness_series as select * from (values "
                       "('sim', 'robot_density', 0), ('sim', 'gdp', 310)) t(study, series, n_values)")
    run_study(connection, study(), "run-1")
    rows = connection.execute("select table_id, is_computed, missing_series, reason from results.study_status "
                              "where study = 'sim' order by table_id").df().set_index("table_id")
    assert rows["is_computed"].tolist() == [True, True, False]
    assert rows.loc["t3", "missing_series"] == "robot_density"
    assert rows.loc["t3", "reason"].endswith("series of the study without any value: robot_density")



def test_series_without_values_name_their_level_when_a_study_reads_two():
    connection = duckdb.connect()
    connection.execute("create table main.data_realness_series as select * from (values "
                       "('c', 'gdp_index', 'province', 0), ('c', 'gdp', 'prefecture_city', 4044), "
                       "('c', 'robot_density', 'prefecture_city', 0), ('p', 'robot_density', 'province', 0)) "
                       "t(study, series, unit_level, n_values)")
    assert series_without_values(connection, "c") == ["gdp_index (province)", "robot_density (prefecture city)"]
    assert series_without_values(connection, "p") == ["robot_density"]