"""Non-regression tables declared in dbt YAML (`config.meta.display_table` / `display_tables`).

A weights table, a disparity table, a ranking … is a dbt mart; its YAML says how to show it:

    config:
      meta:
        display_table: {study: paper_b, table_id: T1, title_zh: ..., title_en: ...,
                        row_columns: [dimension, indicator], value_columns: [weight_pct],
                        order_by: [dimension, weight_pct desc], where: "period = 'pooled'",
                        note: ..., decimals: 4}

Rows are read from the warehouse with that query; headers are the columns' `meta.label_zh` /
`label_en`, else the catalogue name of a series of that code, else the column name. Nothing here
knows any particular mart: a new one appears in its study's report at the next build.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models_py.tables.layout import missing
from models_py.tables.model import DisplayTable, TableRow

SPEC_KEYS = ("study", "table_id", "title_zh", "title_en", "row_columns", "value_columns", "order_by", "where",
             "note", "note_zh", "note_en", "decimals")
REQUIRED = ("study", "table_id", "row_columns", "value_columns")


class DisplayTableError(ValueError):
    """A display_table declaration that cannot be rendered; the message names the model and table."""


@dataclass(frozen=True)
class DisplayTableSpec:
    model: str
    relation: str
    study: str
    table_id: str
    title_zh: str = field(metadata={"required": False})
    title_en: str = field(metadata={"required": False})
    row_columns: tuple[str, ...]
    value_columns: tuple[str, ...]
    order_by: tuple[str, ...] = field(metadata={"required": False})
    where: str | None = field(metadata={"required": False})
    note_zh: str | None = field(metadata={"required": False})
    note_en: str | None = field(metadata={"required": False})
    decimals: int = field(metadata={"required": False, "schema": {"type": "integer", "minimum": 0, "maximum": 8}})
    labels: dict  # column -> {"zh": ..., "en": ...}
    documented: tuple[str, ...] = ()  # the relation's documented columns

    def shown_columns(self, lang: str = "zh") -> list[str]:
        """Row and value columns; in English a declared `<x>_zh` column shows its documented `<x>_en`
        twin (method_label_zh -> method_label_en), so one declaration serves both languages."""
        columns = [*self.row_columns, *self.value_columns]
        if lang != "en":
            return columns
        return [f"{c[:-3]}_en" if c.endswith("_zh") and f"{c[:-3]}_en" in self.documented else c for c in columns]

    def query_for(self, lang: str) -> str:
        columns = ", ".join(f'"{c}"' for c in self.shown_columns(lang))
        sql = f"select {columns} from {self.relation}"
        if self.where:
            sql += f" where {self.where}"
        if self.order_by:
            sql += " order by " + ", ".join(self.order_by)
        return sql

    @property
    def query(self) -> str:
        return self.query_for("zh")


def display_table_spec(node: dict, raw, labels: dict, relation: str) -> DisplayTableSpec:
    """One `display_table` declaration of a dbt node (models_py/manifest/reader.py finds them)."""
    model = node["name"]
    if not isinstance(raw, dict):
        raise DisplayTableError(f"model {model}: display_table must be a mapping, got {raw!r}")
    where = f"model {model}, display_table {raw.get('table_id', '?')}"
    unknown = sorted(set(raw) - set(SPEC_KEYS))
    if unknown:
        raise DisplayTableError(f"{where}: unknown key(s) {unknown}; allowed: {', '.join(SPEC_KEYS)}")
    absent = [key for key in REQUIRED if not raw.get(key)]
    if absent:
        raise DisplayTableError(f"{where}: needs {', '.join(absent)}")
    lists = {}
    for key in ("row_columns", "value_columns", "order_by"):
        value = raw.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DisplayTableError(f"{where}: {key} must be a list of column names, got {value!r}")
        lists[key] = tuple(value)
    if not lists["row_columns"] or not lists["value_columns"]:
        raise DisplayTableError(f"{where}: row_columns and value_columns each need at least one column")
    decimals = raw.get("decimals", 4)
    if not isinstance(decimals, int) or not 0 <= decimals <= 8:
        raise DisplayTableError(f"{where}: decimals must be an integer 0-8, got {decimals!r}")
    return DisplayTableSpec(
        model=model, relation=relation, study=str(raw["study"]), table_id=str(raw["table_id"]),
        title_zh=raw.get("title_zh") or str(raw["table_id"]), title_en=raw.get("title_en") or str(raw["table_id"]),
        row_columns=lists["row_columns"], value_columns=lists["value_columns"], order_by=lists["order_by"],
        where=raw.get("where"), note_zh=raw.get("note_zh") or raw.get("note"),
        note_en=raw.get("note_en") or raw.get("note"), decimals=decimals, labels=labels,
        documented=tuple(node.get("columns") or {}),
    )


def display_table_specs(manifest: dict) -> list[DisplayTableSpec]:
    """Every display-table declaration of every dbt model and source, ordered by study and table id.

    Sources count: tables the estimator assets write after dbt (results.index_robustness) are
    declared as dbt sources so that their display tables live in YAML like the marts'.
    """
    from models_py.manifest.reader import read_manifest

    return list(read_manifest(manifest).display_tables)


def column_label(column: str, labels: dict, catalogue: dict, lang: str) -> str:
    """The column's meta label in the language (Chinese by default), else the other language's,
    else the catalogue name of a series with that code, else the column name."""
    entry = labels.get(column) or {}
    other = "en" if lang == "zh" else "zh"
    if entry.get(lang):
        return str(entry[lang])
    if column in catalogue and catalogue[column].get(lang):
        return str(catalogue[column][lang])
    if entry.get(other):
        return str(entry[other])
    return column


def _cell(value, decimals: int) -> str:
    if missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "Yes" if value else "No"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{value:.{decimals}f}"
    return str(value)


def display_table(spec: DisplayTableSpec, frame: pd.DataFrame, *, lang: str = "zh",
                  catalogue: dict | None = None) -> DisplayTable:
    """The DisplayTable of a declaration from the rows its query returned."""
    catalogue = catalogue or {}
    columns = spec.shown_columns(lang)
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise DisplayTableError(f"model {spec.model}, display_table {spec.table_id}: the rows lack {absent}")
    header = [[column_label(c, spec.labels, catalogue, lang) for c in columns]]
    # the first row column is the stub; further row columns are text columns of the body
    rows = [TableRow(_cell(record[0], spec.decimals), [_cell(v, spec.decimals) for v in record[1:]])
            for record in frame[columns].itertuples(index=False, name=None)]
    note = spec.note_zh if lang == "zh" else spec.note_en
    return DisplayTable(spec.study, spec.table_id, spec.title_zh if lang == "zh" else spec.title_en, header, rows,
                        [note] if note else [], text_columns=set(range(1, len(spec.row_columns))))
