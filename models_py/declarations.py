"""Table declarations: what each study's tables contain, declared in the dbt YAML of its panel.

A study panel's YAML carries `config.meta` with `study` and `tables` (see
dbt_project/models/marts/studies/_paper_a.yml). They are read from the dbt manifest, so adding a
table is a YAML change: no Python is edited.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from models_py import config


class DeclarationError(ValueError):
    """A table declaration is incomplete or contradicts itself."""


@dataclass(frozen=True)
class RegressionColumn:
    column_id: str
    estimator: str
    depvar: str
    regressors: tuple[str, ...]
    controls: tuple[str, ...]
    absorb: tuple[str, ...]
    vcov: str
    cluster: str | None
    sample: str | None  # optional SQL-like filter, applied by the table runner (later issues)

    @property
    def terms(self) -> tuple[str, ...]:
        return self.regressors + self.controls


@dataclass(frozen=True)
class TableDeclaration:
    study: str
    table_id: str
    kind: str  # descriptive / regression
    title_zh: str
    title_en: str
    variables: tuple[str, ...] = ()
    columns: tuple[RegressionColumn, ...] = ()


@dataclass(frozen=True)
class StudyDeclaration:
    study: str
    model: str  # the dbt model of the study panel, e.g. panel_paper_a
    relation: str  # schema.table in the warehouse
    title_zh: str
    title_en: str
    tables: tuple[TableDeclaration, ...]
    labels: dict = field(default_factory=dict)  # column -> {"zh": ..., "en": ...}


def _regression_column(study: str, table_id: str, raw: dict, defaults: dict) -> RegressionColumn:
    merged = {**defaults, **raw}
    where = f"study {study}, table {table_id}, column {merged.get('id')!r}"
    for required in ("id", "depvar", "regressors"):
        if not merged.get(required):
            raise DeclarationError(f"{where}: '{required}' is required")
    vcov = merged.get("vcov", "cluster")
    cluster = merged.get("cluster", "region_code") if vcov == "cluster" else None
    return RegressionColumn(
        column_id=str(merged["id"]),
        estimator=merged.get("estimator", "twfe"),
        depvar=merged["depvar"],
        regressors=tuple(merged["regressors"]),
        controls=tuple(merged.get("controls", ())),
        absorb=tuple(merged.get("absorb", ("region_code", "year"))),
        vcov=vcov,
        cluster=cluster,
        sample=merged.get("sample"),
    )


def _table(study: str, raw: dict) -> TableDeclaration:
    table_id = raw.get("id")
    kind = raw.get("kind")
    if not table_id or kind not in ("descriptive", "regression"):
        raise DeclarationError(f"study {study}: every table needs an id and kind descriptive|regression, got {raw!r}")
    columns = tuple(
        _regression_column(study, table_id, column, raw.get("defaults", {})) for column in raw.get("columns", ())
    )
    if kind == "regression" and not columns:
        raise DeclarationError(f"study {study}, table {table_id}: a regression table needs columns")
    if kind == "descriptive" and not raw.get("variables"):
        raise DeclarationError(f"study {study}, table {table_id}: a descriptive table needs variables")
    return TableDeclaration(
        study=study,
        table_id=table_id,
        kind=kind,
        title_zh=raw.get("title_zh", table_id),
        title_en=raw.get("title_en", table_id),
        variables=tuple(raw.get("variables", ())),
        columns=columns,
    )


def load_manifest(path: Path | None = None) -> dict:
    path = path or config.DBT_TARGET_DIR / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"dbt manifest not found at {path}: run `make prepare` (dbt parse) first")
    return json.loads(path.read_text(encoding="utf-8"))


def study_declarations(manifest: dict) -> list[StudyDeclaration]:
    """Every study panel model with table declarations, in a stable order."""
    studies = []
    for node in manifest["nodes"].values():
        if node.get("resource_type") != "model":
            continue
        meta = node.get("config", {}).get("meta") or node.get("meta") or {}
        if "study" not in meta or "tables" not in meta:
            continue
        labels = {}
        for name, column in node.get("columns", {}).items():
            column_meta = column.get("config", {}).get("meta") or column.get("meta") or {}
            if "label_zh" in column_meta or "label_en" in column_meta:
                labels[name] = {"zh": column_meta.get("label_zh", name), "en": column_meta.get("label_en", name)}
        studies.append(
            StudyDeclaration(
                study=meta["study"],
                model=node["name"],
                relation=f"{node['schema']}.{node.get('alias') or node['name']}",
                title_zh=meta.get("title_zh", meta["study"]),
                title_en=meta.get("title_en", meta["study"]),
                tables=tuple(_table(meta["study"], table) for table in meta["tables"]),
                labels=labels,
            )
        )
    return sorted(studies, key=lambda s: s.study)
