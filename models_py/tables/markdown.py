"""Markdown previews of result tables (Dagster metadata): the three-line-table layout of
models_py/tables/layout.py rendered by the Markdown writer."""
from __future__ import annotations

import pandas as pd

from models_py.tables.layout import declared_regression_display, descriptive_display
from models_py.tables.writers.markdown import table_markdown


def descriptive_markdown(rows: pd.DataFrame, *, lang: str = "zh", title: str = "", note: str | None = None) -> str:
    return table_markdown(descriptive_display(rows, title=title, lang=lang, note=note))


def regression_markdown(coefficients: pd.DataFrame, fits: pd.DataFrame, diagnostics: pd.DataFrame | None = None, *,
                        lang: str = "zh", labels: dict | None = None, title: str = "", table=None) -> str:
    """Coefficient with stars, SE (or t, as the declared `table` says) in parentheses beneath; FE rows,
    N, R² (within), then the diagnostics (KP LM, KP Wald F {Stock–Yogo 10 %}, AR(1), AR(2), Hansen p …)."""
    return table_markdown(declared_regression_display(table, coefficients, fits, diagnostics, lang=lang,
                                                      labels=labels, title=title))
