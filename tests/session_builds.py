"""The session's shared builds: the session build (`built_warehouse`) and the inbox rebuild made
from it (`inbox_build`), registered as early builds (tests/early_builds.py) and handed out by the
fixtures of tests/conftest.py. A module of its own so that test modules can import
`session_reports` without importing conftest a second time."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import duckdb
import pytest

from tests import early_builds

if TYPE_CHECKING:
    import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def session_reports(warehouse: Path) -> Path:
    """Where the session build writes its reports: beside its warehouse, so tests find that build's
    reports and not another build's (the real-only and the guide builds write reports too)."""
    return warehouse.parent / "reports"


@early_builds.early_build("built_warehouse", seconds=250)
def _prepare_session_build(tmp_path_factory) -> Callable[[], Path]:
    warehouse = tmp_path_factory.mktemp("warehouse") / "nqp.duckdb"
    env = {
        **os.environ,
        "NQP_WAREHOUSE": str(warehouse),
        "DAGSTER_HOME": str(tmp_path_factory.mktemp("dagster_home")),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "NQP_REPORTS": str(session_reports(warehouse)),
    }

    def build() -> Path:
        completed = early_builds.run([sys.executable, "-m", "models_py.cli", "build"], cwd=PROJECT_ROOT, env=env,
                                     timeout=1800)
        if completed.returncode != 0:
            pytest.fail(f"nqp build failed:\n{completed.stdout[-5000:]}\n{completed.stderr[-5000:]}")
        assert warehouse.exists()
        return warehouse

    return build


class InboxBuild(NamedTuple):
    """What `inbox_build` returns."""
    outcome: subprocess.CompletedProcess  # the `nqp build --no-reports` run
    published: Path  # the warehouse it published
    inbox: Path  # the inbox folder it read
    rows: list[list]  # the 2021 export's rows (tests/ingest_files.py export_rows)
    city_values: pd.DataFrame  # the city table's values, long (tests/city_files.py city_inbox_table)
    old_run_ids: set[str]  # the build run ids of the warehouse the rebuild replaced
    reader_log: Path  # what a process querying the published file during the rebuild saw (tests/concurrent_reader.py)
    rebuild_seconds: float
    dagster_home: Path  # the rebuild's run history


@early_builds.early_build("inbox_build", seconds=200)
def _prepare_inbox_build(tmp_path_factory) -> Callable[[], InboxBuild]:
    root = tmp_path_factory.mktemp("inbox_build")

    def build() -> InboxBuild:
        from tests.city_files import write_city_table
        from tests.concurrent_reader import reading, run_ids
        from tests.ingest_files import MAPPED, YEAR, classic_csv, export_2021, export_rows

        built_warehouse = early_builds.outcome("built_warehouse", tmp_path_factory)  # done: earlier in the lane
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
        old_run_ids = run_ids(published)
        with reading(published, root / "reader") as reader_log:
            started = time.perf_counter()
            completed = early_builds.run([sys.executable, "-m", "models_py.cli", "build", "--no-reports"],
                                         cwd=PROJECT_ROOT, env=env, timeout=1800)
            rebuild_seconds = time.perf_counter() - started
        return InboxBuild(completed, published, inbox, rows, city_values, old_run_ids, reader_log, rebuild_seconds,
                          root / "dagster_home")

    return build
