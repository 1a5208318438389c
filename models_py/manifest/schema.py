"""A JSON Schema for the study YAML (`config.meta` of a dbt model with `study:`), generated from
the typed declarations: the option dataclass of every estimator kind, SampleFilter,
TableDeclaration, IndexRobustnessDeclaration, FigureSpec and DisplayTableSpec.

    python -m models_py.manifest.schema > docs/study_meta.schema.json

The schema is of a whole dbt properties file (what an editor opens), with the study meta under
$defs.study_meta. In VS Code (YAML extension) put
``# yaml-language-server: $schema=<path to>/docs/study_meta.schema.json`` on a file's first line.

A field's YAML key, its allowed values or an explicit schema come from the dataclass field's
metadata ("yaml", "choices", "schema"); a field without a default is required unless its
metadata says {"required": False}. tests/test_manifest_schema.py checks that the committed file
is what this module generates and that every shipped study YAML validates against it. The schema
checks shape (keys, types, allowed values); the parser (models_py/declarations.py) checks the rest
(a regressor named twice, an instrument that is also a regressor …) and names the bad key.
"""
from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing

from models_py.config import PROJECT_ROOT

SCHEMA_PATH = PROJECT_ROOT / "docs" / "study_meta.schema.json"
NAMES = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}  # x or [x, y]
SCALAR = {"type": ["string", "integer", "number", "boolean", "null"]}


def type_schema(tp) -> dict:
    """The schema of a Python type as the YAML writes it (a tuple of names may be one name)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        options = [type_schema(a) for a in args if a is not type(None)]
        schema = options[0] if len(options) == 1 else {"anyOf": options}
        return {"anyOf": [schema, {"type": "null"}]} if type(None) in args else schema
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is tuple or tp is list:
        return {"type": "array"}
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            if args[0] is str:
                return NAMES
            return {"type": "array", "items": type_schema(args[0])}
        return {"type": "array", "prefixItems": [type_schema(a) for a in args], "minItems": len(args),
                "maxItems": len(args)}
    if origin is dict or tp is dict:
        return {"type": "object"}
    if dataclasses.is_dataclass(tp):
        return dataclass_schema(tp)
    return {}


def dataclass_schema(cls, *, skip: tuple = (), overrides: dict | None = None) -> dict:
    """An object schema with one property per field (under its YAML name), no other keys."""
    hints = typing.get_type_hints(cls)
    overrides = overrides or {}
    properties, required = {}, []
    for f in dataclasses.fields(cls):
        key = f.metadata.get("yaml", f.name)
        if f.name in skip or key is None:
            continue
        if key in overrides:
            schema = overrides[key]
        elif "schema" in f.metadata:
            schema = f.metadata["schema"]
        else:
            schema = type_schema(hints[f.name])
        if "choices" in f.metadata:
            schema = {"enum": list(f.metadata["choices"])}
        properties[key] = schema
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        if f.metadata.get("required", not has_default):
            required.append(key)
    for key, schema in overrides.items():  # YAML keys with no field of their own
        properties.setdefault(key, schema)
    out = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def column_schema() -> dict:
    """A regression column: the common keys, then each kind's option section."""
    from models_py.declarations import VCOV_ALIASES, VCOV_TYPES, SampleFilter
    from models_py.estimators.registry import KINDS, option_sections

    properties = {
        "id": {"type": ["string", "integer"]},
        "title": {"type": "string"},
        "title_en": {"type": "string"},
        "estimator": {"enum": list(KINDS)},
        "depvar": {"type": "string"},
        "regressors": NAMES,
        "controls": NAMES,
        "absorb": NAMES,
        "vcov": {"enum": [*VCOV_TYPES, *VCOV_ALIASES]},
        "cluster": {"type": "string"},
        "sample": dataclass_schema(SampleFilter),
        "lags": {"type": "object", "additionalProperties": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "array", "items": {"type": "integer", "minimum": 1}}]}},
        "squared": {"type": "string"},
    }
    for section, kind in option_sections().items():
        properties[section] = kind.option_schema()
    return {"type": "object", "properties": properties, "additionalProperties": False}


def study_meta_schema() -> dict:
    """The `config.meta` of a dbt model that belongs to a study."""
    from models_py.declarations import IndexRobustnessDeclaration, TableDeclaration
    from models_py.figures.study import FigureSpec
    from models_py.tables.display import DisplayTableSpec

    column = column_schema()
    table = dataclass_schema(TableDeclaration, skip=("study",), overrides={
        "columns": {"type": "array", "items": column}, "defaults": column})
    robustness = dataclass_schema(IndexRobustnessDeclaration, skip=("study",), overrides={
        "methods": {"type": "object", "additionalProperties": {"type": "string"}}})
    display = dataclass_schema(DisplayTableSpec, skip=("model", "relation", "labels", "documented"),
                               overrides={"note": {"type": "string"}})
    return {
        "type": "object",
        "properties": {
            "study": {"type": "string"},
            "title_zh": {"type": "string"},
            "title_en": {"type": "string"},
            "tables": {"type": "array", "items": table},
            "robustness": {"type": "array", "items": robustness},
            "figures": {"type": "array", "items": dataclass_schema(FigureSpec, skip=("study",))},
            "display_table": display,
            "display_tables": {"type": "array", "items": display},
        },
        "required": ["study"],
        "additionalProperties": False,
    }


def properties_file_schema() -> dict:
    """A dbt properties file (models/…/_paper_a.yml): the meta of every model or source table that
    names a `study` must be a study meta."""
    node = {"type": "object", "properties": {
        "config": {"type": "object", "properties": {"meta": {"$ref": "#/$defs/meta"}}},
        "meta": {"$ref": "#/$defs/meta"}}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "dbt properties file of the nqp project: study declarations in config.meta",
        "description": "Generated by models_py/manifest/schema.py from the typed declarations "
                       "(python -m models_py.manifest.schema); see docs/results.md, 'Declaring a table'.",
        "type": "object",
        "properties": {
            "models": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            "sources": {"type": "array", "items": {"type": "object", "properties": {
                "tables": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
        },
        "$defs": {
            "node": node,
            "meta": {"if": {"type": "object", "required": ["study"]}, "then": {"$ref": "#/$defs/study_meta"}},
            "study_meta": study_meta_schema(),
        },
    }


def schema_text() -> str:
    return json.dumps(properties_file_schema(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema_text())
