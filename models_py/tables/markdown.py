"""Markdown previews of result tables (Dagster metadata): the three-line-table layout of
models_py/tables/layout.py rendered by the Markdown writer."""
from __future__ import annotations

import pandas as pd

from models_py.tables.layout import DIAGNOSTIC_ROWS, descriptive_display, regression_display  # noqa: F401
from models_py.tables.writers.markdown import table_markdown


def descriptive_markdown(rows: pd.DataFrame, *, lang: str = "zh", title: str = "") -> str:
    return table_markdown(descriptive_display(rows, title=title, lang=lang))


def regression_markdown(coefficients: pd.DataFrame, fits: pd.DataFrame, diagnostics: pd.DataFrame | None = None, *,
                        lang: str = "zh", labels: dict | None = None, title: str = "", beneath: str = "se") -> str:
    """Coefficient with stars, SE in parentheses beneath; FE rows, N, R² (within), then the
    diagnostics (KP LM, KP Wald F {Stock–Yogo 10 %}, AR(1), AR(2), Hansen p …)."""
    return table_markdown(regression_display(coefficients, fits, diagnostics, lang=lang, labels=labels, title=title,
                                             beneath=beneath))
