"""Descriptive statistics as the papers print them: N, mean, SD, min, median, max."""
from __future__ import annotations

import pandas as pd

from models_py.declarations import StudyDeclaration, TableDeclaration


def descriptive_statistics(panel: pd.DataFrame, study: StudyDeclaration, table: TableDeclaration) -> pd.DataFrame:
    missing = [v for v in table.variables if v not in panel.columns]
    if missing:
        raise KeyError(f"study {study.study}, table {table.table_id}: variables not in {study.model}: {missing}")
    uses_synthetic = bool(panel["uses_synthetic"].any()) if "uses_synthetic" in panel else None
    rows = []
    for order, variable in enumerate(table.variables, start=1):
        values = panel[variable].dropna().astype(float)
        label = study.labels.get(variable, {})
        rows.append(
            {
                "study": study.study,
                "table_id": table.table_id,
                "variable": variable,
                "label_zh": label.get("zh", variable),
                "label_en": label.get("en", variable),
                "variable_order": order,
                "n": int(values.size),
                "mean": values.mean(),
                "sd": values.std(ddof=1),  # sample SD, as Stata's summarize
                "min": values.min(),
                "median": values.median(),
                "max": values.max(),
                "uses_synthetic": uses_synthetic,
            }
        )
    return pd.DataFrame(rows)
