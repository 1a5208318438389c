"""Dagster's SQLite event log under $DAGSTER_HOME is written without an fsync per event
(orchestration/event_log.py), and nothing else is touched."""
from __future__ import annotations

import sqlite3

from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from sqlalchemy import create_engine, text

from orchestration import event_log


def test_event_log_connections_under_dagster_home_skip_fsync(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    event_log.install()
    event_log.install()  # idempotent: one listener
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        storage = instance.event_log_storage
        with storage.index_connection() as connection:
            assert connection.execute(text("pragma synchronous")).scalar() == 0  # OFF
        with storage.run_connection("some_run") as connection:
            assert connection.execute(text("pragma synchronous")).scalar() == 0


def test_other_sqlite_files_keep_their_default(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    event_log.install()
    engine = create_engine(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("pragma synchronous")).scalar() == 2  # FULL, SQLite's default
    plain = sqlite3.connect(tmp_path / "plain.db")  # not through SQLAlchemy: untouched too
    assert plain.execute("pragma synchronous").fetchone()[0] == 2
    plain.close()
