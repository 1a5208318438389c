"""The one reader of the dbt manifest: every `config.meta` the project declares, as typed objects.

    manifest = read_manifest(load_manifest())
    manifest.studies          # StudyDeclaration per study panel (tables, robustness, labels)
    manifest.pages[study]     # what a study's report shows: titles, its tables in order, labels, figures
    manifest.display_tables   # DisplayTableSpec per `display_table(s)` of any model or source
    manifest.production_function  # Paper E's fit configuration (int_production_inputs)

The declarations, the reports, the Dagster assets and their previews all read these objects, so a
table is rendered the same everywhere. Parsed once per manifest dict (the result is memoised).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from models_py import config

PRODUCTION_INPUTS = "int_production_inputs"


def load_manifest(path: Path | None = None) -> dict:
    path = path or config.DBT_TARGET_DIR / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"dbt manifest not found at {path}: run `make prepare` (dbt parse) first")
    return json.loads(path.read_text(encoding="utf-8"))


def node_meta(node: Mapping[str, Any]) -> dict:
    """A node's (or a column's) `config.meta` (dbt ≥ 1.10), else its legacy `meta`."""
    return node.get("config", {}).get("meta") or node.get("meta") or {}


def relation(node: Mapping[str, Any]) -> str:
    """schema.table of a model or source in the warehouse."""
    return f"{node['schema']}.{node.get('alias') or node.get('identifier') or node['name']}"


def column_labels(node: Mapping[str, Any]) -> dict[str, dict]:
    """column -> {"zh", "en"} of the columns whose meta has label_zh or label_en (None where absent)."""
    labels = {}
    for name, column in (node.get("columns") or {}).items():
        meta = node_meta(column)
        if meta.get("label_zh") or meta.get("label_en"):
            labels[name] = {"zh": meta.get("label_zh") or None, "en": meta.get("label_en") or None}
    return labels


def named(labels: dict[str, dict]) -> dict[str, dict]:
    """Labels with the column name standing in for a missing language."""
    return {name: {lang: label.get(lang) or name for lang in ("zh", "en")} for name, label in labels.items()}


@dataclass(frozen=True)
class ProductionFunctionConfig:
    relation: str  # schema.table of the inputs
    constant_returns: bool
    fit_from: int
    fit_to: int


@dataclass
class StudyPage:
    """What a study's report shows: titles, its declared tables in order, labels, figures."""

    study: str
    title_zh: str
    title_en: str
    tables: dict = field(default_factory=dict)  # table id -> TableDeclaration (declared order)
    labels: dict = field(default_factory=dict)  # panel column -> {"zh", "en"}
    figures: list | None = None
    models: list = field(default_factory=list)  # dbt models carrying meta.study
    raw_code: str = ""


@dataclass(frozen=True)
class Manifest:
    studies: tuple  # StudyDeclaration, by study
    pages: dict  # study -> StudyPage
    display_tables: tuple  # DisplayTableSpec, by (study, table id)
    production_function: ProductionFunctionConfig | None

    def study(self, name: str):
        return next((s for s in self.studies if s.study == name), None)


def _models(manifest: dict) -> list[dict]:
    nodes = sorted(manifest["nodes"].values(), key=lambda n: n.get("unique_id", ""))
    return [n for n in nodes if n.get("resource_type") == "model"]


def _studies(manifest: dict) -> tuple:
    from models_py.declarations import parse_study

    studies = []
    for node in manifest["nodes"].values():
        meta = node_meta(node)
        if node.get("resource_type") != "model" or "study" not in meta or "tables" not in meta:
            continue
        studies.append(parse_study(meta, node["name"], relation(node), named(column_labels(node))))
    return tuple(sorted(studies, key=lambda s: s.study))


def _pages(manifest: dict, studies: tuple) -> dict[str, StudyPage]:
    from models_py.figures.study import parse_figures

    declared = {s.model: s for s in studies}
    pages: dict[str, StudyPage] = {}
    for node in _models(manifest):
        meta = node_meta(node)
        study = meta.get("study")
        if not study:
            continue
        page = pages.setdefault(study, StudyPage(study, study, study))
        page.models.append(node["name"])
        page.raw_code += "\n" + (node.get("raw_code") or "")
        if node["name"] in declared:
            declaration = declared[node["name"]]
            page.title_zh, page.title_en = declaration.title_zh, declaration.title_en
            page.tables.update({t.table_id: t for t in declaration.tables})
        if "figures" in meta:
            page.figures = parse_figures(study, meta["figures"])
        page.labels.update(named(column_labels(node)))
    return pages


def _display_tables(manifest: dict) -> tuple:
    from models_py.tables.display import DisplayTableError, display_table_spec

    specs = []
    for node in [*manifest["nodes"].values(), *manifest.get("sources", {}).values()]:
        if node.get("resource_type") not in ("model", "source"):
            continue
        meta = node_meta(node)
        declared = []
        if "display_table" in meta:
            declared.append(meta["display_table"])
        if "display_tables" in meta:
            if not isinstance(meta["display_tables"], list):
                raise DisplayTableError(f"model {node['name']}: display_tables must be a list")
            declared += meta["display_tables"]
        if declared:
            labels = column_labels(node)
            specs += [display_table_spec(node, raw, labels, relation(node)) for raw in declared]
    seen = set()
    for spec in specs:
        key = (spec.study, spec.table_id)
        if key in seen:
            raise DisplayTableError(f"display table {spec.study}.{spec.table_id} is declared twice (model {spec.model})")
        seen.add(key)
    return tuple(sorted(specs, key=lambda s: (s.study, s.table_id)))


def _production_function(manifest: dict) -> ProductionFunctionConfig | None:
    node = next((n for n in _models(manifest) if n["name"] == PRODUCTION_INPUTS), None)
    if node is None or "production_function" not in node_meta(node):
        return None
    meta = node_meta(node)["production_function"]
    constant_returns = meta["constant_returns"]
    if not isinstance(constant_returns, bool):
        raise ValueError(f"{PRODUCTION_INPUTS} meta production_function.constant_returns must be true or false, "
                         f"got {constant_returns!r} (var paper_e_constant_returns)")
    return ProductionFunctionConfig(relation=relation(node), constant_returns=constant_returns,
                                    fit_from=int(meta["fit_from"]), fit_to=int(meta["fit_to"]))


_read: list[tuple[dict, Manifest]] = []  # (manifest dict, what it declares): the last few read


def read_manifest(manifest: dict) -> Manifest:
    """Every declaration of the manifest, parsed (and checked) once per manifest dict."""
    for source, parsed in _read:
        if source is manifest:
            return parsed
    studies = _studies(manifest)
    parsed = Manifest(studies, _pages(manifest, studies), _display_tables(manifest), _production_function(manifest))
    _read.insert(0, (manifest, parsed))
    del _read[4:]
    return parsed
