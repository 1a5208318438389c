"""Readers of the published warehouse during a rebuild, and the build lock.

A rebuild (`nqp build --no-reports`: everything up to publish, as in `make run`; the shared inbox
rebuild of tests/conftest.py) runs while another process queries the published file in a loop. Every
query must succeed and see one whole build (one run_id), the old one until the atomic rename and
the new one after it. A second build started with --no-wait while the lock is held fails at once.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from models_py import warehouse as wh
from tests.concurrent_reader import records as read_records
from tests.concurrent_reader import run_ids

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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


def test_readers_see_one_whole_build_during_a_rebuild(inbox_build):
    """The shared inbox rebuild (`nqp build --no-reports` replacing a copy of the session build) ran
    while a reader process queried the published file every 0.2 s (tests/concurrent_reader.py)."""
    build = inbox_build
    assert build.outcome.returncode == 0, f"rebuild failed:\n{build.outcome.stdout[-3000:]}\n{build.outcome.stderr[-3000:]}"
    assert len(build.old_run_ids) == 1
    (old_run_id,) = build.old_run_ids

    records = read_records(build.reader_log)
    failures = [r for r in records if not r["ok"]]
    assert not failures, f"{len(failures)} of {len(records)} reader queries failed, first: {failures[0]['error']}"
    assert len(records) >= 20

    mixed = [r for r in records if len(r["run_ids"]) != 1]
    assert not mixed, f"a query saw a mix of builds: {mixed[0]}"
    seen = [r["run_ids"][0] for r in records]

    new_run_id, publish = _publish_metadata(build.dagster_home)
    assert new_run_id != old_run_id
    assert run_ids(build.published) == {new_run_id}
    assert set(seen) <= {old_run_id, new_run_id}, f"unexpected run_ids {set(seen) - {old_run_id, new_run_id}}"
    assert seen[0] == old_run_id, "the reader started after the new build was published"
    assert seen[-1] == new_run_id, "the new build never became visible to the reader"
    switch = seen.index(new_run_id)
    assert all(run_id == new_run_id for run_id in seen[switch:]), "a reader went back to the old build"
    assert all(r["fits"] > 0 and r["scores"] > 0 for r in records)

    latencies = sorted(r["seconds"] for r in records)
    summary = {
        "rebuild_seconds": round(build.rebuild_seconds, 1),
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
