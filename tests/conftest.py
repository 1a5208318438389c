"""Shared fixtures. The end-to-end fixture builds a real warehouse once per test session."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import duckdb
import pytest

if TYPE_CHECKING:
    import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Fixtures that build a warehouse (or need one built): a test using any of them is a `build` test,
# so `pytest -m "not build"` runs the fast rest while one works. Modules that build on their own
# mark themselves with `pytestmark = pytest.mark.build`.
BUILD_FIXTURES = frozenset({"built_warehouse", "warehouse_connection", "guided_copy", "dagster_ui", "inbox_build"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BUILD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.build)


def session_reports(warehouse: Path) -> Path:
    """Where the session build writes its reports: beside its warehouse, so tests find that build's
    reports and not another build's (the real-only and the guide builds write reports too)."""
    return warehouse.parent / "reports"


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
        "NQP_REPORTS": str(session_reports(warehouse)),
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


class InboxBuild(NamedTuple):
    """What `inbox_build` returns."""
    outcome: subprocess.CompletedProcess  # the `nqp build --no-reports` run
    published: Path  # the warehouse it published
    inbox: Path  # the inbox folder it read
    rows: list[list]  # the 2021 export's rows (tests/ingest_files.py export_rows)
    city_values: pd.DataFrame  # the city table's values, long (tests/city_files.py city_inbox_table)


@pytest.fixture(scope="session")
def inbox_build(built_warehouse, tmp_path_factory) -> InboxBuild:
    """One rebuild with a user inbox, shared by the inbox tests (one build instead of one each:
    tests/test_inbox_build.py, tests/test_user_series.py, tests/test_city_inbox_build.py).

    The inbox holds three files: a classic portal export (Beijing's 2024 GDP, 50,000.5); a genuine
    2021 export of the newer layout with 14 value-added columns, whose 6 catalogue columns repeat the
    session build's values and whose 8 others become user series; and a user's city table
    (tests/city_files.py: the demo panel's layout with city GDP and R&D scaled, 2011-2022). They do
    not touch each other's values: the first two give provinces (two-digit codes, raw.portal_observations),
    the city table six-digit city codes (raw.city_observations) and no user series, and no city model
    reads the provincial values. The session build is copied as the published warehouse the rebuild
    replaces; `--no-reports` (the reports are the session build's to check).
    """
    from tests.city_files import write_city_table
    from tests.ingest_files import MAPPED, YEAR, classic_csv, export_2021, export_rows

    root = tmp_path_factory.mktemp("inbox_build")
    published = root / "nqp.duckdb"
    shutil.copyfile(built_warehouse, published)
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        known = connection.execute(
            "select region_code, series, value from series_values where year = ? and list_contains(?, series)",
            [YEAR, sorted(MAPPED.values())]).df()
    rows = export_rows({int(code): dict(zip(group["series"], group["value"]))
                        for code, group in known.groupby("region_code")})
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "gdp.csv").write_bytes(classic_csv([["北京市", 50000.5]], [2024]))
    (inbox / "分省年度数据2021.csv").write_bytes(export_2021(rows))
    city_values = write_city_table(inbox)
    env = {**os.environ, "DAGSTER_HOME": str(root / "dagster_home"), "NQP_REPORTS": str(root / "reports"),
           "NQP_WAREHOUSE": str(published), "NQP_INBOX": str(inbox), "DBT_PROFILES_DIR": str(PROJECT_ROOT)}
    completed = subprocess.run([sys.executable, "-m", "models_py.cli", "build", "--no-reports"], cwd=PROJECT_ROOT,
                               env=env, capture_output=True, text=True, timeout=1800)
    return InboxBuild(completed, published, inbox, rows, city_values)
