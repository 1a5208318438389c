"""Dagster's SQLite event log without an fsync per event.

Dagster's SQLite storage opens a connection per event, commits and closes it; in WAL mode the
commit and the checkpoint on close each wait for an fsync. A full build stores ~1,900 events (every
dbt model and test, planned and done), and those fsyncs took ~80 s of a 250 s `nqp build` on a
virtual disk (15-20 ms each), more than dbt itself. With `synchronous=OFF` SQLite hands the writes
to the OS without waiting: a crash of the process loses nothing, only a power loss or OS crash
could lose or damage the event log (the run history the UI shows), never the warehouse (DuckDB,
written by dbt and the assets). Only the SQLite files under $DAGSTER_HOME are affected.
"""
from __future__ import annotations

import functools
import os
import sqlite3

from sqlalchemy import event
from sqlalchemy.pool import Pool

_installed = False


@functools.lru_cache(maxsize=256)
def _real(path: str) -> str:
    """os.path.realpath, once per path: Dagster opens a connection per event (~10,000 a build)."""
    return os.path.realpath(path)


def _in_dagster_home(connection: sqlite3.Connection) -> bool:
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return False
    files = [row[2] for row in connection.execute("pragma database_list").fetchall()]
    root = _real(home) + os.sep
    return any(file and _real(file).startswith(root) for file in files)


def _no_fsync(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection) and _in_dagster_home(dbapi_connection):
        dbapi_connection.execute("pragma synchronous=OFF")


def install() -> None:
    """Every SQLite connection SQLAlchemy opens in this process under $DAGSTER_HOME: synchronous=OFF."""
    global _installed
    if not _installed:
        event.listen(Pool, "connect", _no_fsync)
        _installed = True
