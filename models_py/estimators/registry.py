"""The estimator registry: every `estimator:` kind a table column may declare, one module each.

Adding a kind is one module in models_py/estimators/kinds/ (a ``Kind`` subclass instance named
``KIND``: its YAML options, the columns it needs, ``fit(data, column) -> PanelResults``, how a
table shows it) and one line below. docs/estimators.md walks through it.
"""
from __future__ import annotations

import warnings
from dataclasses import replace

import pandas as pd

from models_py.estimators.kinds import (
    gmm, group_difference, hausman, iv, mediation, moderation, re, spatial, subsample, threshold, twfe,
)
from models_py.estimators.kinds.base import Kind, TableRow
from models_py.estimators.results import Diagnostic, PanelResults

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        twfe.KIND,
        iv.KIND,
        re.KIND,
        gmm.KIND,
        mediation.KIND,
        subsample.KIND,
        group_difference.KIND,
        hausman.KIND,
        threshold.KIND,
        moderation.KIND,
        spatial.KIND,
    )
}


def kind_of(column) -> Kind:
    """The kind of a declared column (its `estimator`)."""
    try:
        return KINDS[column.estimator]
    except KeyError:
        raise ValueError(f"unknown estimator {column.estimator!r}; known: {sorted(KINDS)}") from None


def option_sections() -> dict[str, Kind]:
    """YAML option key → the kind it belongs to."""
    return {kind.section: kind for kind in KINDS.values() if kind.section}


def table_rows() -> list[TableRow]:
    """Every kind's diagnostic table rows, each statistic once, in rank order."""
    rows: dict[str, TableRow] = {}
    for kind in KINDS.values():
        for row in kind.table_rows:
            rows.setdefault(row.statistic, row)
    return sorted(rows.values(), key=lambda row: row.rank)


def vcov_names() -> dict[str, tuple[str, str]]:
    """Table-note text (zh, en) of the VCE types kinds add (e.g. spatial ML's oim / eim)."""
    names: dict[str, tuple[str, str]] = {}
    for kind in KINDS.values():
        names.update(kind.vcov_names)
    return names


def equation_labels() -> dict[str, tuple[str, str]]:
    """Column-header suffix (zh, en) of every named equation of every kind."""
    labels: dict[str, tuple[str, str]] = {"main": ("", "")}
    for kind in KINDS.values():
        labels.update(kind.equation_labels)
    return labels


def estimate(data: pd.DataFrame, column) -> PanelResults:
    """Fit a declared column on its prepared panel, keeping the estimator's warnings (collinear terms
    omitted …) as estimator_note diagnostics."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = kind_of(column).fit(data, column)
    messages = tuple(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, UserWarning)))
    known = {d.note for d in results.diagnostics if d.name == "estimator_note"}
    extra = tuple(Diagnostic("estimator_note", None, note=m) for m in messages if m not in known)
    return replace(results, diagnostics=results.diagnostics + extra, warnings=messages)
