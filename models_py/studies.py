"""Compute every declared table of a study from its panel and write them to results.*."""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from models_py.declarations import StudyDeclaration
from models_py.results import replace_study_results
from models_py.tables.descriptive import descriptive_statistics
from models_py.tables.regression import regression_table


def compute_study_tables(panel: pd.DataFrame, study: StudyDeclaration) -> dict[str, pd.DataFrame]:
    """Every declared table of the study, computed before anything is written: a ModelError in any
    column stops the study and results.* keep the previous run's rows."""
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
    }


def run_study(connection: duckdb.DuckDBPyConnection, study: StudyDeclaration, run_id: str) -> dict[str, pd.DataFrame]:
    panel = connection.execute(f"select * from {study.relation} order by region_code, year").df()
    frames = compute_study_tables(panel, study)
    stamp = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    for frame in frames.values():
        if not frame.empty:
            frame["run_id"] = run_id
            frame["computed_at"] = stamp
    replace_study_results(connection, study.study, frames)
    return frames
