"""Compute every declared table of a study from its panel and write them to results.*."""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from models_py.declarations import StudyDeclaration
from models_py.results import replace_study_results
from models_py.robustness import index_robustness
from models_py.tables.descriptive import descriptive_statistics
from models_py.tables.regression import ModelError, regression_table


def compute_study_tables(panel: pd.DataFrame, study: StudyDeclaration,
                         index_correlations: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every declared table of the study, computed before anything is written: a ModelError in any
    column stops the study and results.* keep the previous run's rows. `index_correlations`: the
    pooled total-score rows of index_method_correlations, for the robustness tables' Spearman rho."""
    descriptive, coefficients, fits, diagnostics = [], [], [], []
    for table in study.tables:
        if table.kind == "descriptive":
            descriptive.append(descriptive_statistics(panel, study, table))
        else:
            table_coefficients, table_fits, table_diagnostics = regression_table(panel, study, table)
            coefficients.append(table_coefficients)
            fits.append(table_fits)
            diagnostics.append(table_diagnostics)
    concat = lambda frames: pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()  # noqa: E731
    return {
        "descriptive_statistics": concat(descriptive),
        "regression_coefficients": concat(coefficients),
        "regression_fits": concat(fits),
        "model_diagnostics": concat(diagnostics),
        "index_robustness": index_robustness(panel, study, index_correlations),
    }


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


def run_study(connection: duckdb.DuckDBPyConnection, study: StudyDeclaration, run_id: str) -> dict[str, pd.DataFrame]:
    panel = connection.execute(f"select * from {study.relation} order by region_code, year").df()
    frames = compute_study_tables(panel, study, _index_correlations(connection, study))
    stamp = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    for frame in frames.values():
        if not frame.empty:
            frame["run_id"] = run_id
            frame["computed_at"] = stamp
    replace_study_results(connection, study.study, frames)
    return frames
