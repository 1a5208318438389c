"""The JSON Schema of the study YAML (docs/study_meta.schema.json) is generated from the typed
declarations, is up to date, accepts every shipped dbt properties file and rejects bad ones."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from models_py.config import PROJECT_ROOT
from models_py.manifest.schema import SCHEMA_PATH, properties_file_schema, schema_text

PROPERTY_FILES = sorted((PROJECT_ROOT / "dbt_project" / "models").rglob("*.yml"))


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_the_generated_one():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "docs/study_meta.schema.json is stale: run python -m models_py.manifest.schema > docs/study_meta.schema.json")


def _study_metas(path: Path) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    nodes = [*(data.get("models") or []), *(t for s in data.get("sources") or [] for t in s.get("tables") or [])]
    metas = [(n.get("config") or {}).get("meta") or n.get("meta") or {} for n in nodes]
    return [m for m in metas if "study" in m]


def test_every_shipped_properties_file_validates(validator):
    checked = 0
    for path in PROPERTY_FILES:
        errors = [f"{path.name}: {list(e.absolute_path)}: {e.message}"
                  for e in validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")) or {})]
        assert not errors, "\n".join(errors[:10])
        checked += len(_study_metas(path))
    assert checked >= 10  # the five papers' panels and their display tables


def _paper_a() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "dbt_project" / "models" / "marts" / "studies" / "_paper_a.yml").read_text(
        encoding="utf-8"))


def _first_column(data: dict) -> dict:
    meta = next(m["config"]["meta"] for m in data["models"] if "tables" in (m.get("config") or {}).get("meta", {}))
    table = next(t for t in meta["tables"] if t["kind"] == "regression")
    return (table.get("columns") or [table["defaults"]])[0]


@pytest.mark.parametrize("mistake", [
    {"regresors": ["x"]},  # a misspelled key
    {"estimator": "ols"},
    {"vcov": "clustered"},
    {"mediation": {"mediator": "m", "method": "sobel"}},
    {"gmm": {"gmm": [{"variable": "y", "equation": "levels"}]}},
    {"hausman": {"form": "robust"}},
    {"sample": {"years": [2011]}},
])
def test_a_bad_declaration_fails_validation(validator, mistake):
    data = copy.deepcopy(_paper_a())
    _first_column(data).update(mistake)
    assert list(validator.iter_errors(data)), f"{mistake} should not validate"


def test_schema_lists_every_registered_kind():
    from models_py.estimators.registry import KINDS, option_sections

    column = properties_file_schema()["$defs"]["study_meta"]["properties"]["tables"]["items"]["properties"][
        "columns"]["items"]
    assert column["properties"]["estimator"]["enum"] == list(KINDS)
    assert set(option_sections()) <= set(column["properties"])
