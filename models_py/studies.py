"""Compute every declared table of a study from its panel and write them to results.*.

results.study_status holds one row per declared table (and robustness table): computed, or why not.
A table whose panel is empty or lacks a declared variable in every row is not computed (its status
names the variables and, from the warehouse, the study's series without any value). With
on_error='report' (a real-only build) an estimator error in one table is reported the same way and
the other tables still run; the default ('raise') stops the study on any error, as before.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import duckdb
import pandas as pd

from models_py.declarations import StudyDeclaration
from models_py.results import replace_study_results
from models_py.robustness import index_robustness
from models_py.study_gaps import series_labels, table_gap
from models_py.tables.descriptive import descriptive_statistics
from models_py.tables.regression import ModelError, regression_table


def compute_study_tables(panel: pd.DataFrame, study: StudyDeclaration,
                         index_correlations: pd.DataFrame | None = None,
                         on_error: str = "raise") -> dict[str, pd.DataFrame]:
    """Every declared table of the study, computed before anything is written: a ModelError in any
    column stops the study and results.* keep the previous run's rows (on_error='report': the table is
    listed in study_status with the error instead). `index_correlations`: the pooled total-score rows
    of index_method_correlations, for the robustness tables' Spearman rho."""
    if on_error not in ("raise", "report"):
        raise ValueError(f"on_error must be raise or report, not {on_error!r}")
    descriptive, coefficients, fits, diagnostics, status = [], [], [], [], []
    for table in study.tables:
        gap = table_gap(panel, study, table)
        if gap is None:
            try:
                if table.kind == "descriptive":
                    descriptive.append(descriptive_statistics(panel, study, table))
                else:
                    table_coefficients, table_fits, table_diagnostics = regression_table(panel, study, table)
                    coefficients.append(table_coefficients)
                    fits.append(table_fits)
                    diagnostics.append(table_diagnostics)
            except (ModelError, KeyError, ValueError) as error:
                if on_error == "raise":
                    raise
                gap = {"reason": f"{type(error).__name__}: {error}", "missing_variables": ""}
        status.append(_status_row(study, table.table_id, table.kind, gap))
    skipped = {row["table_id"] for row in status if not row["is_computed"]}
    robustness = pd.DataFrame()
    for declaration in study.robustness:
        gap = None
        if declaration.table_id in skipped:
            gap = {"reason": f"its baseline table {declaration.table_id} was not computed", "missing_variables": ""}
        else:
            try:
                one = index_robustness(panel, replace(study, robustness=(declaration,)), index_correlations)
                robustness = pd.concat([robustness, one], ignore_index=True)
            except (ModelError, KeyError, ValueError) as error:
                if on_error == "raise":
                    raise
                gap = {"reason": f"{type(error).__name__}: {error}", "missing_variables": ""}
        status.append(_status_row(study, declaration.robustness_id, "robustness", gap))
    concat = lambda frames: pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()  # noqa: E731
    return {
        "descriptive_statistics": concat(descriptive),
        "regression_coefficients": concat(coefficients),
        "regression_fits": concat(fits),
        "model_diagnostics": concat(diagnostics),
        "index_robustness": robustness,
        "study_status": pd.DataFrame(status, columns=STATUS_COLUMNS),
    }


STATUS_COLUMNS = ["study", "table_id", "kind", "is_computed", "reason", "missing_variables", "missing_series"]


def _status_row(study: StudyDeclaration, table_id: str, kind: str, gap: dict | None) -> dict:
    return {"study": study.study, "table_id": table_id, "kind": kind, "is_computed": gap is None,
            "reason": None if gap is None else gap["reason"],
            "missing_variables": None if gap is None else gap["missing_variables"] or None,
            "missing_series": None}


def _index_correlations(connection: duckdb.DuckDBPyConnection, study: StudyDeclaration) -> pd.DataFrame | None:
    """Pooled Spearman rho between the methods' total scores of the systems the study's robustness
    declarations name; the build stops if a declared baseline method is not the system's own."""
    if not study.robustness:
        return None
    systems = sorted({r.system for r in study.robustness})
    marks = ", ".join("?" * len(systems))
    own = dict(connection.execute(
        f"select system, method from reference.index_systems where system in ({marks})", systems).fetchall())
    for declaration in study.robustness:
        if declaration.system not in own:
            raise ModelError(f"study {study.study}, robustness {declaration.robustness_id}: index system "
                             f"{declaration.system!r} is not in seeds/reference/index_systems.csv")
        if own[declaration.system] != declaration.baseline_method:
            raise ModelError(f"study {study.study}, robustness {declaration.robustness_id}: the baseline column "
                             f"{declaration.variable!r} is declared as method {declaration.baseline_method!r}, but "
                             f"system {declaration.system} is scored with {own[declaration.system]!r}")
    return connection.execute(
        f"select system, method_a, method_b, n_units, spearman from main.index_method_correlations "
        f"where scope = 'pooled' and level = 'total' and system in ({marks})", systems).df()


def run_study(connection: duckdb.DuckDBPyConnection, study: StudyDeclaration, run_id: str,
              on_error: str = "raise") -> dict[str, pd.DataFrame]:
    panel = connection.execute(f"select * from {study.relation} order by region_code, year").df()
    frames = compute_study_tables(panel, study, _index_correlations(connection, study), on_error=on_error)
    status = frames["study_status"]
    if not status["is_computed"].all():  # name the study's series that hold no value at all
        absent = series_without_values(connection, study.study)
        status.loc[~status["is_computed"], "missing_series"] = ", ".join(absent) or None
        with_series = ~status["is_computed"] & status["missing_series"].notna()
        status.loc[with_series, "reason"] = (status.loc[with_series, "reason"]
                                             + "; series of the study without any value: "
                                             + status.loc[with_series, "missing_series"])
    stamp = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    for frame in frames.values():
        if not frame.empty:
            frame["run_id"] = run_id
            frame["computed_at"] = stamp
    replace_study_results(connection, study.study, frames)
    return frames


def series_without_values(connection: duckdb.DuckDBPyConnection, study: str) -> list[str]:
    """Series the study reads (mart data_realness_series) that have no value in the warehouse, each
    with its unit level when the study reads more than one ('gdp_index (province)' in a city study)."""
    try:
        frame = connection.execute("select * from main.data_realness_series where study = ? order by series",
                                   [study]).df()
    except duckdb.CatalogException:  # a warehouse built before the mart existed
        return []
    return series_labels(frame)[frame["n_values"] == 0].tolist()

