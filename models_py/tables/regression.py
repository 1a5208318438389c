"""Regression tables: one fit per declared column, flattened into results rows.

Each column is fitted by its estimator kind (models_py/estimators/registry.py), which returns the
one result shape, PanelResults (models_py/estimators/results.py); this module adds the study /
table / column keys and the labels and returns the rows of results.regression_coefficients,
results.regression_fits and results.model_diagnostics.
"""
from __future__ import annotations

import pandas as pd

from models_py.declarations import RegressionColumn, StudyDeclaration, TableDeclaration, lag_expression
from models_py.estimators.numerics import stars
from models_py.estimators.panel import prepare_panel, required_columns
from models_py.estimators.registry import KINDS, estimate
from models_py.estimators.results import PanelResults


class ModelError(ValueError):
    """A declared model cannot be estimated; the message names study, table and column."""


def _where(study: StudyDeclaration, table: TableDeclaration, column: RegressionColumn) -> str:
    return f"study {study.study}, table {table.table_id}, column {column.column_id}"


def fit_column(panel: pd.DataFrame, study: StudyDeclaration, table: TableDeclaration,
               column: RegressionColumn) -> PanelResults:
    where = _where(study, table, column)
    if column.estimator not in KINDS:
        raise ModelError(f"{where}: unknown estimator {column.estimator!r}; known: {sorted(KINDS)}")
    absent = [name for name in required_columns(column) if name not in panel.columns]
    if absent:
        raise ModelError(f"{where}: {study.model} has no column(s) {absent}")
    try:
        data = prepare_panel(panel, column)
        return estimate(data, column)
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
    generated = KINDS[column.estimator].term_label(term, column, lambda name: _label(study, name, column))
    return generated or (term, term)


def fit_row(column: RegressionColumn, results: PanelResults) -> dict:
    """The results.regression_fits columns of a fit (without the study / table / column keys)."""
    return {
        "estimator": column.estimator,
        "depvar": column.depvar,
        "nobs": results.nobs,
        "r2": results.r2,
        "r2_adj": results.r2_adj,
        "r2_within": results.r2_within,
        "fstat": results.fstat,
        "df_resid": results.df_resid,
        "n_clusters": results.n_clusters,
        "vcov_type": results.vcov_type,
        "cluster": results.cluster,
        "absorbed": ", ".join(results.absorbed) or None,
        "region_fe": bool(results.region_fe),
        "year_fe": bool(results.year_fe),
        "has_controls": bool(column.controls),
        "singletons_dropped": results.singletons_dropped,
        "missing_dropped": results.missing_dropped,
        "collinear_dropped": ", ".join(results.collinear_dropped) or None,
        "column_title": column.title,
        "sample_filter": column.sample.describe() if column.sample else None,
    }


def regression_table(
    panel: pd.DataFrame, study: StudyDeclaration, table: TableDeclaration
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Fit every column of the table; return (coefficients, fits, diagnostics) rows for results.*."""
    coefficient_rows, fit_rows, diagnostic_rows = [], [], []
    uses_synthetic = bool(panel["uses_synthetic"].any()) if "uses_synthetic" in panel else None
    for column_order, column in enumerate(table.columns, start=1):
        results = fit_column(panel, study, table, column)
        keys = {"study": study.study, "table_id": table.table_id, "column_id": column.column_id}
        term_order = 0
        for equation_name, equation in results.equations.items():
            for term, estimate_, std_error, stat, p in equation.rows():
                term_order += 1
                label_zh, label_en = _label(study, term, column)
                coefficient_rows.append(
                    {
                        **keys,
                        "term": term,
                        "label_zh": label_zh,
                        "label_en": label_en,
                        "term_order": term_order,
                        "is_control": term in column.controls,
                        "estimate": estimate_,
                        "std_error": std_error,
                        "t": stat,
                        "p": p,
                        "stars": stars(p),
                        "equation": equation_name,
                        "depvar": equation.depvar or column.depvar,
                        "stat_kind": equation.stat_kind,
                    }
                )
        fit_rows.append({**keys, "column_order": column_order, **fit_row(column, results),
                         "uses_synthetic": uses_synthetic})
        for order, diagnostic in enumerate(results.diagnostics, start=1):
            diagnostic_rows.append(
                {
                    **keys,
                    "equation": diagnostic.equation,
                    "statistic": diagnostic.name,
                    "value": diagnostic.value,
                    "df": diagnostic.df,
                    "df2": diagnostic.df2,
                    "p": diagnostic.p,
                    "note": diagnostic.note,
                    "diagnostic_order": order,
                }
            )
    return pd.DataFrame(coefficient_rows), pd.DataFrame(fit_rows), pd.DataFrame(diagnostic_rows)
