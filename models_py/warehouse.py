"""The build copy and the published warehouse.

A build writes only the build copy (config.build_warehouse()). `publish()` copies it next to the
published file and renames it into place: os.replace is atomic on POSIX, so a reader opening
warehouse/nqp.duckdb sees either the whole previous build or the whole new one, and a failed build
never touches what people query.

`build_lock()` makes builds take turns: one process at a time may write the build copy, whether
the build was started by `nqp build`, `make run` or a run launched in the Dagster UI.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from models_py import config


class BuildLockBusy(RuntimeError):
    """Another process holds the build lock and the caller asked not to wait."""


_held_lock = threading.Lock()
_held = {"pid": None, "depth": 0, "handle": None}


def build_lock_path() -> Path:
    return config.build_warehouse().parent / "build.lock"


def _holder(handle) -> str:
    handle.seek(0)
    return handle.read().strip() or "unknown"


@contextmanager
def build_lock(wait: bool = True) -> Iterator[Path]:
    """Hold the exclusive build lock (fcntl.flock on <build dir>/build.lock) while writing the build copy.

    Re-entrant within a process: `nqp build` takes it for the whole build and the assets of the
    in-process run take it again at no cost; an asset of a run launched from the Dagster UI takes it
    for its own step. A second process prints "waiting for the build lock held by pid N" and blocks
    until the holder releases it (the OS releases it when the holder exits, even on a crash), or,
    with wait=False, raises BuildLockBusy with that pid at once. The file is never deleted.
    """
    path = build_lock_path()
    with _held_lock:
        if _held["pid"] == os.getpid() and _held["depth"] > 0:
            _held["depth"] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield path
        finally:
            with _held_lock:
                _held["depth"] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            if not wait:
                raise BuildLockBusy(f"another build is running: build lock held by pid {holder} ({path}); not waiting (--no-wait)") from None
            print(f"waiting for the build lock held by pid {holder} ({path})", file=sys.stderr, flush=True)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        with _held_lock:
            _held.update(pid=os.getpid(), depth=1, handle=handle)
        try:
            yield path
        finally:
            with _held_lock:
                _held.update(pid=None, depth=0, handle=None)
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


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


def replace_table(connection: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pd.DataFrame,
                  *more: pd.DataFrame) -> int:
    """Replace schema.table with the rows of `frame` and of each frame of `more` (by column name; column
    types as of the frames appended), in one transaction. The frames are read where they are: appending
    them to one frame first would copy them all."""
    frames = (frame, *more)
    names = [f"incoming_frame_{i}" for i in range(len(frames))]
    connection.execute(f"create schema if not exists {schema}")
    connection.execute("begin transaction")
    try:
        for name, each in zip(names, frames):
            connection.register(name, each)
        rows = " union all by name ".join(f"select * from {name}" for name in names)
        connection.execute(f"create or replace table {schema}.{table} as {rows}")
        for name in names:
            connection.unregister(name)
        connection.execute("commit")
    except Exception:
        connection.execute("rollback")
        raise
    return sum(len(each) for each in frames)


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
