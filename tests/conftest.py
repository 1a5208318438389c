"""Shared fixtures. The end-to-end fixture builds a real warehouse once per test session."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest

from tests import early_builds, examples
from tests.session_builds import InboxBuild  # importing it registers the session's two builds

# Fixtures that build a warehouse (or need one built): a test using any of them is a `build` test,
# so `pytest -m "not build"` runs the fast rest while one works. Modules that build on their own
# mark themselves with `pytestmark = pytest.mark.build`.
BUILD_FIXTURES = frozenset({"built_warehouse", "warehouse_connection", "guided_copy", "dagster_ui", "inbox_build"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BUILD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.build)
    # Modules without build tests first, while the early builds run in the background; then those
    # needing a build, by when their builds will be ready (early_builds.ready_at: the declared seconds
    # of the builds before them in their lanes), so a module waits behind no later build of the other
    # lane. A module moves whole, so its module fixtures are made once; the order within a rank is kept.
    early = early_builds.registered()
    ranks: dict[str, float] = {}
    for item in items:
        needs = [early_builds.ready_at(name) for name in getattr(item, "fixturenames", ()) if name in early]
        if item.get_closest_marker("build") is None and not needs:
            continue
        module = item.nodeid.split("::")[0]
        ranks[module] = max(ranks.get(module, 0), 1 + max(needs, default=0))
    items[:] = sorted(items, key=lambda item: ranks.get(item.nodeid.split("::")[0], 0))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session):
    """Start the early builds the selected tests need (tests/early_builds.py)."""
    if session.config.option.collectonly:
        return
    needed = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    early_builds.start([name for name in early_builds.registered() if name in needed],
                       session.config._tmp_path_factory)  # pytest's session tmp_path_factory


def pytest_sessionfinish(session):
    early_builds.stop()


def pytest_terminal_summary(terminalreporter):
    """Where the early builds ran in the session's time (the test-time budget's critical path)."""
    lines = early_builds.timeline()
    if lines:
        terminalreporter.write_sep("-", "early builds (seconds since the session began)")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_report_header(config):
    return f"property tests: {examples.mode()}"


def pytest_configure(config):
    """One cache folder (the outline arrays) for every build of the session, so the outlines are read
    once, not once per build (~15 s each): pytest's own cache folder (.pytest_cache/d/nqp-cache), so
    the next session reads them too (its files are keyed by the outlines, libraries and code they
    were made from, so a change makes new ones); a session without pytest's cache provider, or
    that cannot write it, gets a temporary folder. A folder the caller set in NQP_CACHE is kept."""
    if os.environ.get("NQP_CACHE"):
        return
    try:
        os.environ["NQP_CACHE"] = str(config.cache.mkdir("nqp-cache"))
    except (AttributeError, OSError):  # no cache provider, or a checkout we may not write to
        os.environ["NQP_CACHE"] = config._nqp_cache = tempfile.mkdtemp(prefix="nqp-test-cache-")


def pytest_unconfigure(config):
    if getattr(config, "_nqp_cache", None):
        shutil.rmtree(config._nqp_cache, ignore_errors=True)


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory) -> Path:
    """Run the whole build (`nqp build`, as `make run` does) into a fresh warehouse path.

    Every asset is materialised in process by the real Dagster job: loader, generator, dbt build
    with its tests, the study estimators, publish. Returns the published DuckDB file. Started in
    the background when the tests are collected (tests/early_builds.py).
    """
    return early_builds.outcome("built_warehouse", tmp_path_factory)


@pytest.fixture(scope="session")
def warehouse_connection(built_warehouse):
    connection = duckdb.connect(str(built_warehouse), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def guided_copy(tmp_path_factory):
    """(root, env, warehouse): the README guides followed in a copy of the project, then built
    (tests/test_analyst_guide.py registers it; started early: tests/early_builds.py)."""
    return early_builds.outcome("guided_copy", tmp_path_factory)


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
    replaces; `--no-reports` (the reports are the session build's to check). While it runs, another
    process queries the published file in a loop (tests/test_concurrent_readers.py checks what it saw).
    Started in the background after the session build (tests/early_builds.py).
    """
    return early_builds.outcome("inbox_build", tmp_path_factory)
