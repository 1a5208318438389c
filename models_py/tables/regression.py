"""Regression tables: one fit per declared column, flattened into results rows.

Each column goes through its estimator's adapter (models_py/tables/adapters.py), which returns a
uniform FitOutcome; this module adds the study / table / column keys and the labels and returns
the rows of results.regression_coefficients, results.regression_fits and results.model_diagnostics.
"""
from __future__ import annotations

import pandas as pd

from models_py.declarations import RegressionColumn, StudyDeclaration, TableDeclaration, lag_expression
from models_py.estimators.numerics import stars
from models_py.tables.adapters import ADAPTERS, FitOutcome, prepare_panel, required_columns, run_adapter

# Estimators a declaration may name: estimator kind → adapter (declared column + panel → FitOutcome).
ESTIMATORS = dict(ADAPTERS)


class ModelError(ValueError):
    """A declared model cannot be estimated; the message names study, table and column."""


def _where(study: StudyDeclaration, table: TableDeclaration, column: RegressionColumn) -> str:
    return f"study {study.study}, table {table.table_id}, column {column.column_id}"


def fit_column(panel: pd.DataFrame, study: StudyDeclaration, table: TableDeclaration,
               column: RegressionColumn) -> FitOutcome:
    where = _where(study, table, column)
    if column.estimator not in ESTIMATORS:
        raise ModelError(f"{where}: unknown estimator {column.estimator!r}; known: {sorted(ESTIMATORS)}")
    absent = [name for name in required_columns(column) if name not in panel.columns]
    if absent:
        raise ModelError(f"{where}: {study.model} has no column(s) {absent}")
    try:
        data = prepare_panel(panel, column)
        return run_adapter(ESTIMATORS[column.estimator], data, column)
    # ValueError (incl. numpy's LinAlgError), RuntimeError (the absorption did not converge),
    # ArithmeticError and KeyError are what the estimators raise on data they cannot fit.
    except (ValueError, RuntimeError, ArithmeticError, KeyError) as error:
        raise ModelError(f"{where} ({column.estimator}): {error}") from error


def _label(study: StudyDeclaration, term: str, column: RegressionColumn) -> tuple[str, str]:
    if term == "_cons":
        return "常数项", "Constant"
    if column.squared and term == column.squared_term:
        zh, en = _label(study, column.squared, column)
        return f"{zh}²", f"{en}²"
    label = study.labels.get(term)
    if label:
        return label.get("zh", term), label.get("en", term)
    lag = lag_expression(term)
    if lag and lag[0] in study.labels:
        zh, en = _label(study, lag[0], column)
        return f"L{lag[1]}.{zh}", f"L{lag[1]}.{en}"
    return term, term


def regression_table(
    panel: pd.DataFrame, study: StudyDeclaration, table: TableDeclaration
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Fit every column of the table; return (coefficients, fits, diagnostics) rows for results.*."""
    coefficient_rows, fit_rows, diagnostic_rows = [], [], []
    uses_synthetic = bool(panel["uses_synthetic"].any()) if "uses_synthetic" in panel else None
    for column_order, column in enumerate(table.columns, start=1):
        outcome = fit_column(panel, study, table, column)
        keys = {"study": study.study, "table_id": table.table_id, "column_id": column.column_id}
        for term_order, row in enumerate(outcome.coefficients, start=1):
            label_zh, label_en = _label(study, row.term, column)
            coefficient_rows.append(
                {
                    **keys,
                    "term": row.term,
                    "label_zh": label_zh,
                    "label_en": label_en,
                    "term_order": term_order,
                    "is_control": row.term in column.controls,
                    "estimate": row.estimate,
                    "std_error": row.std_error,
                    "t": row.stat,
                    "p": row.p,
                    "stars": stars(row.p) if row.p == row.p else "",
                    "equation": row.equation,
                    "depvar": row.depvar or column.depvar,
                    "stat_kind": row.stat_kind,
                }
            )
        fit_rows.append({**keys, "column_order": column_order, **outcome.fit, "uses_synthetic": uses_synthetic})
        for order, row in enumerate(outcome.diagnostics, start=1):
            diagnostic_rows.append(
                {
                    **keys,
                    "equation": row.equation,
                    "statistic": row.statistic,
                    "value": row.value,
                    "df": row.df,
                    "df2": row.df2,
                    "p": row.p,
                    "note": row.note,
                    "diagnostic_order": order,
                }
            )
    return pd.DataFrame(coefficient_rows), pd.DataFrame(fit_rows), pd.DataFrame(diagnostic_rows)
