"""What a study table lacks before it can be computed: an empty panel, or a declared variable with
no value in any row. A real-only build (models_py.data.real_only) reports such a table instead of
stopping the build; the message names the variables, the panel's regions and years, and (added by
models_py.studies.run_study from the warehouse) the study's series that have no value at all."""
from __future__ import annotations

import pandas as pd

from models_py.declarations import TIME, UNIT, StudyDeclaration, TableDeclaration, lag_expression
from models_py.estimators.panel import required_columns


def table_variables(table: TableDeclaration) -> list[str]:
    """Panel columns a declared table reads (lags reduced to the lagged variable)."""
    if table.kind == "descriptive":
        return list(table.variables)
    names = [name for column in table.columns for name in required_columns(column)]
    return [n for n in dict.fromkeys(names) if n not in (UNIT, TIME) and not lag_expression(n)]


def describe_rows(panel: pd.DataFrame) -> str:
    """'31 regions x 2013-2022' for the panel's rows."""
    if panel.empty:
        return "no rows"
    years = panel[TIME].astype(int)
    return f"{panel[UNIT].nunique()} regions x {years.min()}-{years.max()}"


def table_gap(panel: pd.DataFrame, study: StudyDeclaration, table: TableDeclaration) -> dict | None:
    """None when the table can be attempted, else {reason, missing_variables} naming what is missing."""
    if panel.empty:
        return {"reason": f"panel {study.model} has no rows", "missing_variables": ""}
    present = [v for v in table_variables(table) if v in panel.columns]
    empty = [v for v in present if panel[v].isna().all()]
    if not empty:
        return None
    return {"reason": f"no value in any of the {len(panel)} rows of {study.model} ({describe_rows(panel)}) "
                      f"for: {', '.join(empty)}",
            "missing_variables": ", ".join(empty)}


def series_labels(frame: pd.DataFrame) -> pd.Series:
    """The names of one study's rows of data_realness_series, with ' (<unit level>)' added when its
    series are counted on more than one level (a city study reading a provincial series)."""
    if "unit_level" not in frame or frame["unit_level"].nunique() < 2:
        return frame["series"]
    return frame["series"] + " (" + frame["unit_level"].str.replace("_", " ") + ")"
