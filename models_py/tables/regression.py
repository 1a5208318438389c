"""Regression tables: one fit per declared column, flattened into results rows."""
from __future__ import annotations

import pandas as pd

from models_py.declarations import RegressionColumn, StudyDeclaration, TableDeclaration
from models_py.estimators.fixed_effects import fit_fixed_effects, stars

# Estimators a declaration may name. Later estimators (IV, RE, GMM ...) register here.
ESTIMATORS = {"twfe": fit_fixed_effects}


class ModelError(ValueError):
    """A declared model cannot be estimated; the message names study, table and column."""


def _fit(panel: pd.DataFrame, study: StudyDeclaration, table: TableDeclaration, column: RegressionColumn):
    where = f"study {study.study}, table {table.table_id}, column {column.column_id}"
    if column.estimator not in ESTIMATORS:
        raise ModelError(f"{where}: unknown estimator {column.estimator!r}; known: {sorted(ESTIMATORS)}")
    needed = [column.depvar, *column.terms, *column.absorb] + ([column.cluster] if column.cluster else [])
    absent = [name for name in needed if name not in panel.columns]
    if absent:
        raise ModelError(f"{where}: {study.model} has no column(s) {absent}")
    try:
        return ESTIMATORS[column.estimator](
            panel,
            depvar=column.depvar,
            regressors=list(column.terms),
            absorb=list(column.absorb),
            vcov=column.vcov,
            cluster=column.cluster,
        )
    except (ValueError, RuntimeError) as error:  # RuntimeError: the absorption did not converge
        raise ModelError(f"{where}: {error}") from error


def regression_table(
    panel: pd.DataFrame, study: StudyDeclaration, table: TableDeclaration
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit every column of the table; return (coefficients, fits) rows for the results tables."""
    coefficient_rows, fit_rows = [], []
    uses_synthetic = bool(panel["uses_synthetic"].any()) if "uses_synthetic" in panel else None
    for column_order, column in enumerate(table.columns, start=1):
        fit = _fit(panel, study, table, column)
        for term_order, term in enumerate(fit.params.index, start=1):
            label = study.labels.get(term, {})
            coefficient_rows.append(
                {
                    "study": study.study,
                    "table_id": table.table_id,
                    "column_id": column.column_id,
                    "term": term,
                    "label_zh": label.get("zh", "常数项" if term == "_cons" else term),
                    "label_en": label.get("en", "Constant" if term == "_cons" else term),
                    "term_order": term_order,
                    "is_control": term in column.controls,
                    "estimate": float(fit.params[term]),
                    "std_error": float(fit.std_errors[term]),
                    "t": float(fit.tstats[term]),
                    "p": float(fit.pvalues[term]),
                    "stars": stars(float(fit.pvalues[term])),
                }
            )
        fit_rows.append(
            {
                "study": study.study,
                "table_id": table.table_id,
                "column_id": column.column_id,
                "column_order": column_order,
                "estimator": column.estimator,
                "depvar": column.depvar,
                "nobs": int(fit.nobs),
                "r2": float(fit.rsquared),
                "r2_adj": float(fit.rsquared_adj),
                "r2_within": float(fit.rsquared_within),
                "fstat": float(fit.fstat) if fit.fstat is not None else None,
                "df_resid": float(fit.df_resid),
                "n_clusters": int(fit.n_clusters) if fit.n_clusters else None,
                "vcov_type": fit.vcov_type,
                "cluster": column.cluster,
                "absorbed": ", ".join(column.absorb),
                "region_fe": "region_code" in column.absorb,
                "year_fe": "year" in column.absorb,
                "has_controls": bool(column.controls),
                "singletons_dropped": int(fit.dropped.get("singletons", 0)),
                "missing_dropped": int(fit.dropped.get("missing", 0)),
                "collinear_dropped": ", ".join(fit.dropped.get("collinear", [])) or None,
                "uses_synthetic": uses_synthetic,
            }
        )
    return pd.DataFrame(coefficient_rows), pd.DataFrame(fit_rows)
