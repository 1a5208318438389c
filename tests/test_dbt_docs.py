"""`dbt docs generate` (what `make docs` serves) on a built warehouse, offline: the catalogue,
manifest and page are written, the page loads nothing from outside, and every model, seed and
column of the warehouse is documented in the YAML."""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests import early_builds

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEAD_PROXY = "http://127.0.0.1:9"  # anything dbt tried to fetch would fail here


@early_builds.early_build("docs", seconds=40)
def _prepare_docs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docs")

    def generate() -> Path:
        built_warehouse = early_builds.outcome("built_warehouse", tmp_path_factory)
        database = folder / built_warehouse.name  # same name: DuckDB's catalog is the file's stem
        shutil.copyfile(built_warehouse, database)
        target = folder / "target"
        env = {
            **os.environ,
            "NQP_DBT_DATABASE": str(database),
            "DBT_PROFILES_DIR": str(PROJECT_ROOT),
            "DBT_TARGET_PATH": str(target),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "HTTP_PROXY": DEAD_PROXY, "HTTPS_PROXY": DEAD_PROXY, "http_proxy": DEAD_PROXY, "https_proxy": DEAD_PROXY,
        }
        completed = early_builds.run(
            [str(Path(sys.executable).parent / "dbt"), "docs", "generate", "--quiet"],
            cwd=PROJECT_ROOT, env=env, timeout=900,
        )
        assert completed.returncode == 0, \
            f"dbt docs generate failed:\n{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
        return target

    return generate


@pytest.fixture(scope="module")
def docs(built_warehouse, tmp_path_factory) -> Path:
    """`dbt docs generate` on a copy of the session build (started early: tests/early_builds.py)."""
    return early_builds.outcome("docs", tmp_path_factory)


def test_docs_are_generated(docs):
    for name in ("catalog.json", "manifest.json", "index.html"):
        assert (docs / name).stat().st_size > 0, name
    catalog = json.loads((docs / "catalog.json").read_text(encoding="utf-8"))
    assert not catalog.get("errors"), catalog["errors"]
    assert len(catalog["nodes"]) > 20


def test_the_page_fetches_nothing_from_outside(docs):
    page = (docs / "index.html").read_text(encoding="utf-8")
    external = set(re.findall(r"""<(?:script|link|img)[^>]+(?:src|href)=["'](https?://[^"']+)""", page))
    assert not external, external


def test_every_model_seed_and_column_in_the_warehouse_is_documented(docs):
    manifest = json.loads((docs / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((docs / "catalog.json").read_text(encoding="utf-8"))
    undocumented = []
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] in ("model", "seed") and not node.get("description", "").strip():
            undocumented.append(f"{node['name']} (the model)")
    for unique_id, table in catalog["nodes"].items():
        node = manifest["nodes"][unique_id]
        documented = {name.lower(): column.get("description", "").strip() for name, column in node["columns"].items()}
        for column in table["columns"]:
            if not documented.get(column.lower()):
                undocumented.append(f"{node['name']}.{column}")
    for unique_id, node in manifest["nodes"].items():  # every built model is in the catalogue
        if node["resource_type"] == "model":
            assert unique_id in catalog["nodes"], f"{node['name']} is not in the warehouse the docs describe"
    assert not undocumented, "document these in the model's YAML (columns: - {name: …, description: …}):\n" + \
        "\n".join(undocumented)
