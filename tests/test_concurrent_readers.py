"""Readers of the published warehouse during a rebuild, and the build lock.

A rebuild (`nqp build --no-reports`: everything up to publish, as in `make run`) runs while another process queries the published file in a loop. Every
query must succeed and see one whole build (one run_id), the old one until the atomic rename and
the new one after it. A second build started with --no-wait while the lock is held fails at once.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from models_py import warehouse as wh

PROJECT_ROOT = Path(__file__).resolve().parent.parent

RESULT_TABLES = ("regression_fits", "regression_coefficients", "descriptive_statistics", "model_diagnostics")

READER = textwrap.dedent(
    """
    import json, os, sys, time
    import duckdb

    path, out, stop = sys.argv[1:4]
    MIN_QUERIES, MAX_QUERIES, MAX_SECONDS, AFTER_STOP = 20, 20000, 300, 5
    run_ids_sql = " union ".join(f"select distinct run_id from results.{t}" for t in __TABLES__)
    deadline = time.monotonic() + MAX_SECONDS
    queries = after_stop = 0
    with open(out, "w") as log:
        while queries < MAX_QUERIES and time.monotonic() < deadline:
            if os.path.exists(stop):
                after_stop += 1
                if queries >= MIN_QUERIES and after_stop > AFTER_STOP:
                    break
            started = time.perf_counter()
            record = {"at": time.time()}
            try:
                connection = duckdb.connect(path, read_only=True)
                try:
                    computed_at, fits = connection.execute(
                        "select max(computed_at), count(*) from results.regression_fits").fetchone()
                    scores = connection.execute("select count(*) from main.index_scores").fetchone()[0]
                    run_ids = sorted(r[0] for r in connection.execute(run_ids_sql).fetchall())
                finally:
                    connection.close()
                record.update(ok=True, computed_at=str(computed_at), fits=fits, scores=scores, run_ids=run_ids)
            except Exception as error:  # recorded, asserted on by the test
                record.update(ok=False, error=repr(error))
            record["seconds"] = time.perf_counter() - started
            log.write(json.dumps(record) + "\\n")
            log.flush()
            queries += 1
            time.sleep(0.2)
    """
).replace("__TABLES__", repr(RESULT_TABLES))


def _run_ids(path: Path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as connection:
        sql = " union ".join(f"select distinct run_id from results.{t}" for t in RESULT_TABLES)
        return {row[0] for row in connection.execute(sql).fetchall()}


def _env(warehouse: Path, tmp_path: Path) -> dict:
    return {
        **os.environ,
        "NQP_WAREHOUSE": str(warehouse),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "NQP_REPORTS": str(tmp_path / "reports"),
    }


def _publish_metadata(dagster_home: Path) -> tuple[str, dict]:
    from dagster import AssetKey, DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    with DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        event = instance.get_latest_materialization_event(AssetKey("published_warehouse"))
        assert event is not None, "the rebuild recorded no publish materialization"
        metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
        return event.run_id, metadata


def test_readers_see_one_whole_build_during_a_rebuild(built_warehouse, tmp_path):
    # The rebuild replaces a copy of the session build, not the session build itself: DuckDB caches one
    # database per path in a process, so a session connection another test holds open (read-only, as
    # `warehouse_connection`) would show this process the old file after the rename.
    published = tmp_path / "warehouse" / built_warehouse.name
    published.parent.mkdir()
    shutil.copyfile(built_warehouse, published)
    old_run_ids = _run_ids(published)
    assert len(old_run_ids) == 1
    (old_run_id,) = old_run_ids

    env = _env(published, tmp_path)
    os.makedirs(env["DAGSTER_HOME"])
    reader_script = tmp_path / "reader.py"
    reader_script.write_text(READER)
    log, stop = tmp_path / "reader.jsonl", tmp_path / "stop"

    reader = subprocess.Popen([sys.executable, str(reader_script), str(published), str(log), str(stop)])
    try:
        rebuild_started = time.perf_counter()
        rebuild = subprocess.run(  # the reports come after publish and are the session build's to check
            [sys.executable, "-m", "models_py.cli", "build", "--no-reports"],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
        )
        rebuild_seconds = time.perf_counter() - rebuild_started
        stop.touch()
        reader.wait(timeout=120)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    assert rebuild.returncode == 0, f"rebuild failed:\n{rebuild.stdout[-3000:]}\n{rebuild.stderr[-3000:]}"
    assert reader.returncode == 0

    records = [json.loads(line) for line in log.read_text().splitlines()]
    failures = [r for r in records if not r["ok"]]
    assert not failures, f"{len(failures)} of {len(records)} reader queries failed, first: {failures[0]['error']}"
    assert len(records) >= 20

    mixed = [r for r in records if len(r["run_ids"]) != 1]
    assert not mixed, f"a query saw a mix of builds: {mixed[0]}"
    seen = [r["run_ids"][0] for r in records]

    new_run_id, publish = _publish_metadata(Path(env["DAGSTER_HOME"]))
    assert new_run_id != old_run_id
    assert _run_ids(published) == {new_run_id}
    assert set(seen) <= {old_run_id, new_run_id}, f"unexpected run_ids {set(seen) - {old_run_id, new_run_id}}"
    assert seen[-1] == new_run_id, "the new build never became visible to the reader"
    switch = seen.index(new_run_id)
    assert all(run_id == new_run_id for run_id in seen[switch:]), "a reader went back to the old build"
    assert all(r["fits"] > 0 and r["scores"] > 0 for r in records)

    latencies = sorted(r["seconds"] for r in records)
    summary = {
        "rebuild_seconds": round(rebuild_seconds, 1),
        "publish_seconds": publish["seconds"],
        "published_bytes": publish["bytes"],
        "reader_queries": len(records),
        "queries_on_old_build": switch,
        "queries_on_new_build": len(records) - switch,
        "max_query_seconds": round(latencies[-1], 4),
        "median_query_seconds": round(latencies[len(latencies) // 2], 4),
    }
    print("concurrent readers:", json.dumps(summary))


HOLDER = textwrap.dedent(
    """
    import sys, time
    from models_py.warehouse import build_lock
    with build_lock():
        print("locked", flush=True)
        time.sleep(float(sys.argv[1]))
    """
)


def _hold_lock(env: dict, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(seconds)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_second_build_with_no_wait_fails_while_the_lock_is_held(tmp_path):
    env = _env(tmp_path / "warehouse" / "nqp.duckdb", tmp_path)
    holder = _hold_lock(env, 60)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "models_py.cli", "build", "--no-wait"],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
        )
        assert second.returncode != 0
        assert f"build lock held by pid {holder.pid}" in second.stderr
        assert not (tmp_path / "warehouse" / ".build" / "nqp.duckdb").exists(), "the refused build touched the build copy"
    finally:
        holder.kill()
        holder.wait()


def test_a_waiting_build_says_who_holds_the_lock_and_proceeds_when_released(tmp_path):
    env = _env(tmp_path / "warehouse" / "nqp.duckdb", tmp_path)
    holder = _hold_lock(env, 60)
    waiter = subprocess.Popen(
        [sys.executable, "-c", "from models_py.warehouse import build_lock\nwith build_lock(): print('acquired')"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert f"waiting for the build lock held by pid {holder.pid}" in waiter.stderr.readline()
        assert waiter.poll() is None, "the waiter did not wait"
    finally:
        holder.kill()
        holder.wait()
    stdout, _ = waiter.communicate(timeout=60)
    assert waiter.returncode == 0 and stdout.strip() == "acquired"


def test_build_lock_is_reentrant_within_a_process(tmp_path, monkeypatch):
    monkeypatch.setenv("NQP_WAREHOUSE", str(tmp_path / "nqp.duckdb"))
    with wh.build_lock(wait=False) as path:
        with wh.build_lock(wait=False):  # an asset of the in-process run started by `nqp build`
            assert path.read_text().strip() == str(os.getpid())
    with wh.build_lock(wait=False):  # released: takes it again
        pass
    assert path == tmp_path / ".build" / "build.lock"
