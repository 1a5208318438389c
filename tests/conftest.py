"""Shared fixtures. The end-to-end fixture builds a real warehouse once per test session."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Fixtures that build a warehouse (or need one built): a test using any of them is a `build` test,
# so `pytest -m "not build"` runs the fast rest while one works. Modules that build on their own
# mark themselves with `pytestmark = pytest.mark.build`.
BUILD_FIXTURES = frozenset({"built_warehouse", "warehouse_connection", "guided_copy", "dagster_ui"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BUILD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.build)


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory) -> Path:
    """Run the whole build (`nqp build`, as `make run` does) into a fresh warehouse path.

    Every asset is materialised in process by the real Dagster job: loader, generator, dbt build
    with its tests, the study estimators, publish. Returns the published DuckDB file.
    """
    warehouse = tmp_path_factory.mktemp("warehouse") / "nqp.duckdb"
    env = {
        **os.environ,
        "NQP_WAREHOUSE": str(warehouse),
        "DAGSTER_HOME": str(tmp_path_factory.mktemp("dagster_home")),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "NQP_REPORTS": str(tmp_path_factory.mktemp("reports")),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "models_py.cli", "build"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if completed.returncode != 0:
        pytest.fail(f"nqp build failed:\n{completed.stdout[-5000:]}\n{completed.stderr[-5000:]}")
    assert warehouse.exists()
    return warehouse


@pytest.fixture(scope="session")
def warehouse_connection(built_warehouse):
    connection = duckdb.connect(str(built_warehouse), read_only=True)
    yield connection
    connection.close()
