"""Index robustness: a study's baseline regression re-estimated with its index under each weighting
method (entropy, TOPSIS-entropy, equal, CRITIC; mart index_scores_by_method).

Declared in the panel YAML (`config.meta.robustness`, parsed by models_py/declarations.py): the
baseline table and column, the panel column holding the index, and the panel column of the index
under each method. The column is fitted once per method with the index variable's values replaced
by that method's scores, through the same estimator kind as the baseline table, so the baseline method's
row is the baseline column itself. Rows land in results.index_robustness, written with the study's
other results in one transaction (models_py/results.py).
"""
from __future__ import annotations

import pandas as pd

from models_py.declarations import IndexRobustnessDeclaration, StudyDeclaration
from models_py.estimators.numerics import stars
from models_py.tables.regression import ModelError, fit_column

METHOD_LABELS = {
    "entropy": ("熵权法", "Entropy weights"),
    "topsis_entropy": ("TOPSIS-熵权法", "TOPSIS-entropy"),
    "equal": ("等权法", "Equal weights"),
    "critic": ("CRITIC赋权法", "CRITIC weights"),
}


def _spearman(correlations: pd.DataFrame | None, system: str, baseline: str, method: str) -> float:
    """Pooled Spearman rho of the total scores of `method` against `baseline` (index_method_correlations)."""
    if method == baseline:
        return 1.0
    if correlations is None or correlations.empty:
        return float("nan")
    hit = correlations[(correlations["system"] == system) & (correlations["method_a"] == baseline)
                       & (correlations["method_b"] == method)]
    return float(hit["spearman"].iloc[0]) if len(hit) == 1 else float("nan")


def robustness_rows(panel: pd.DataFrame, study: StudyDeclaration, declaration: IndexRobustnessDeclaration,
                    correlations: pd.DataFrame | None = None) -> list[dict]:
    where = f"study {study.study}, robustness {declaration.robustness_id}"
    table = next(t for t in study.tables if t.table_id == declaration.table_id)
    column = next(c for c in table.columns if c.column_id == declaration.column_id)
    absent = [panel_column for _, panel_column in declaration.methods if panel_column not in panel.columns]
    if absent:
        raise ModelError(f"{where}: {study.model} has no column(s) {absent} (the index under the declared methods)")
    baseline = declaration.baseline_method
    rows = []
    for method_order, (method, panel_column) in enumerate(declaration.methods, start=1):
        data = panel if panel_column == declaration.variable else panel.assign(
            **{declaration.variable: panel[panel_column]})
        results = fit_column(data, study, table, column)
        main = results.equations.get("main")
        coefficient = next((row for row in main.rows() if row[0] == declaration.term), None) if main else None
        if coefficient is None:
            raise ModelError(f"{where}, method {method}: the fit has no coefficient {declaration.term!r} "
                             "(omitted as collinear?)")
        label_zh, label_en = METHOD_LABELS[method]
        rows.append({
            "study": study.study,
            "table_id": declaration.robustness_id,
            "method": method,
            "method_order": method_order,
            "method_label_zh": label_zh,
            "method_label_en": label_en,
            "is_baseline_method": method == baseline,
            "baseline_table_id": declaration.table_id,
            "baseline_column_id": declaration.column_id,
            "system": declaration.system,
            "variable": declaration.variable,
            "panel_column": panel_column,
            "term": declaration.term,
            "estimate": coefficient[1],
            "std_error": coefficient[2],
            "t": coefficient[3],
            "p": coefficient[4],
            "stars": stars(coefficient[4]),
            "stat_kind": main.stat_kind,
            "nobs": results.nobs,
            "r2_within": results.r2_within,
            "spearman_vs_baseline": _spearman(correlations, declaration.system, baseline, method),
            "title_zh": declaration.title_zh,
            "title_en": declaration.title_en,
        })
    return rows


def index_robustness(panel: pd.DataFrame, study: StudyDeclaration,
                     correlations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows of results.index_robustness for every robustness declaration of the study."""
    rows = [row for declaration in study.robustness
            for row in robustness_rows(panel, study, declaration, correlations)]
    return pd.DataFrame(rows)
