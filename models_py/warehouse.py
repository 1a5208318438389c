"""The build copy and the published warehouse.

A build writes only the build copy (config.build_warehouse()). `publish()` copies it next to the
published file and renames it into place: os.replace is atomic on POSIX, so a reader opening
warehouse/nqp.duckdb sees either the whole previous build or the whole new one, and a failed build
never touches what people query.
"""
from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from models_py import config


def reset_build_copy() -> Path:
    """Start a full build from an empty file."""
    path = config.build_warehouse()
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    return path


@contextmanager
def connect_build(read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path = config.build_warehouse()
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(path), read_only=read_only)
    try:
        yield connection
    finally:
        connection.close()


def replace_table(connection: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pd.DataFrame) -> int:
    """Replace schema.table with the frame's rows, in one transaction."""
    connection.execute(f"create schema if not exists {schema}")
    connection.execute("begin transaction")
    try:
        connection.register("incoming_frame", frame)
        connection.execute(f"create or replace table {schema}.{table} as select * from incoming_frame")
        connection.unregister("incoming_frame")
        connection.execute("commit")
    except Exception:
        connection.execute("rollback")
        raise
    return len(frame)


def publish() -> dict:
    """Checkpoint the build copy and atomically put a copy of it in place of the published file."""
    build = config.build_warehouse()
    published = config.published_warehouse()
    if not build.exists():
        raise FileNotFoundError(f"no build to publish at {build}; run the build first")
    started = time.perf_counter()
    with connect_build() as connection:
        connection.execute("checkpoint")  # fold the WAL into the file before copying it
    published.parent.mkdir(parents=True, exist_ok=True)
    staging_copy = published.with_name(f".{published.name}.publishing-{os.getpid()}")
    shutil.copyfile(build, staging_copy)
    with open(staging_copy, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(staging_copy, published)
    return {
        "published": str(published),
        "bytes": published.stat().st_size,
        "seconds": round(time.perf_counter() - started, 3),
    }


def query_published(sql: str, parameters: list | None = None) -> pd.DataFrame:
    """Run a read-only query on the published warehouse."""
    with duckdb.connect(str(config.published_warehouse()), read_only=True) as connection:
        return connection.execute(sql, parameters or []).df()
