"""`nqp build` parses the dbt project again when a model, test, macro, seed or YAML file is newer than
the manifest Dagster loads its assets from (models_py/manifest/freshness.py), so an analyst's new
model is an asset of that build; and a dbt run of a node the loaded manifest lacks fails with an error
that says to parse, after the dbt process the step stopped reading is ended (orchestration/assets/dbt.py)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from models_py.manifest.freshness import changed_since_parse, parse_if_stale, target_dir
from orchestration.assets.dbt import heeded_signals, stale_manifest_error, stop
from tests.project_copy import copy_dbt_project


def _touch(path, mtime: float, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))


def test_the_files_newer_than_the_manifest_are_the_changes(tmp_path):
    manifest = target_dir(tmp_path) / "manifest.json"
    _touch(tmp_path / "dbt_project.yml", 1000)
    _touch(tmp_path / "dbt_project/models/a.sql", 1000)
    assert set(changed_since_parse(tmp_path)) == {tmp_path / "dbt_project/models/a.sql", tmp_path / "dbt_project.yml"}
    _touch(manifest, 2000, "{}")
    assert changed_since_parse(tmp_path) == []
    _touch(tmp_path / "dbt_project/models/marts/_new.yml", 3000)
    _touch(tmp_path / "seeds/reference/index_systems.csv", 2500)
    _touch(tmp_path / "dbt_project/target/compiled/x.sql", 4000)  # dbt's own output is not a change
    _touch(tmp_path / "reports/x.html", 4000)  # nor is anything outside the project's paths
    assert changed_since_parse(tmp_path) == [tmp_path / "dbt_project/models/marts/_new.yml",
                                            tmp_path / "seeds/reference/index_systems.csv"]


@pytest.mark.build
def test_a_new_model_is_parsed_into_the_manifest_before_a_build(tmp_path):
    copy_dbt_project(tmp_path)
    assert parse_if_stale(tmp_path)  # no manifest yet: everything is a change
    assert parse_if_stale(tmp_path) == []  # parsed: nothing newer
    model = tmp_path / "dbt_project/models/marts/analyst_new_table.sql"
    model.write_text("select 1 as one\n", encoding="utf-8")
    (model.parent / "_analyst_new_table.yml").write_text(
        "version: 2\nmodels:\n  - name: analyst_new_table\n    description: An analyst's model.\n"
        "    columns:\n      - {name: one, description: One., tests: [not_null]}\n", encoding="utf-8")
    future = (target_dir(tmp_path) / "manifest.json").stat().st_mtime + 5  # past the parse's own clock tick
    for path in (model, model.parent / "_analyst_new_table.yml"):
        os.utime(path, (future, future))
    changed = parse_if_stale(tmp_path)
    assert set(changed) == {model, model.parent / "_analyst_new_table.yml"}
    nodes = json.loads((target_dir(tmp_path) / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    assert "model.nqp.analyst_new_table" in nodes
    assert any(key.startswith("test.nqp.not_null_analyst_new_table_one") for key in nodes)


def test_a_node_the_loaded_manifest_lacks_fails_with_what_to_do():
    explained = stale_manifest_error(KeyError("test.nqp.not_null_analyst_new_table_one.1a2b3c"))
    assert "the dbt project changed after the last `dbt parse`" in explained.description
    assert "make prepare" in explained.description and "test.nqp.not_null_analyst_new_table_one" in explained.description
    assert stale_manifest_error(KeyError("region_code")) is None
    assert stale_manifest_error(RuntimeError("test.nqp.x")) is None


def child(dispositions: str) -> subprocess.Popen:
    """A Python process that sets its own signal dispositions (whatever it inherited from this test
    session, which a shell's background job or Dagster's interrupt set-up may have changed), says it
    is ready, and sleeps."""
    process = subprocess.Popen([sys.executable, "-c", "import signal, time; " + dispositions +
                                "; print('ready', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "ready\n"
    return process


def ended_by(process: subprocess.Popen, timeout: float) -> tuple[int, float]:
    started = time.perf_counter()
    stop(process, timeout=timeout)
    process.stdout.close()
    return process.returncode, time.perf_counter() - started


def test_a_dbt_process_the_step_stopped_reading_is_ended():
    """Its write lock would otherwise outlive the step (and hide the step's error behind a lock error)."""
    # a process that heeds SIGINT gets it (and ends by KeyboardInterrupt, as dbt does)
    code, seconds = ended_by(child("signal.signal(signal.SIGINT, signal.default_int_handler)"), timeout=20)
    assert code == -signal.SIGINT and seconds < 20
    # one that ignores SIGINT (started from a background job, as in CI) gets SIGTERM, not a wait for the kill
    code, seconds = ended_by(child("signal.signal(signal.SIGINT, signal.SIG_IGN); "
                                   "signal.signal(signal.SIGTERM, signal.SIG_DFL)"), timeout=20)
    assert code == -signal.SIGTERM and seconds < 20
    # one that ignores both (a background job after Dagster's interrupt set-up) is killed at once
    code, seconds = ended_by(child("signal.signal(signal.SIGINT, signal.SIG_IGN); "
                                   "signal.signal(signal.SIGTERM, signal.SIG_IGN)"), timeout=20)
    assert code == -signal.SIGKILL and seconds < 20
    # one that heeds SIGINT but does not end in time is killed after the timeout
    stubborn = child("signal.signal(signal.SIGINT, lambda *_: None)")
    code, seconds = ended_by(stubborn, timeout=1)
    assert code == -signal.SIGKILL and 1 <= seconds < 10
    stop(stubborn)  # an ended process is left as it is
    assert stubborn.returncode == -signal.SIGKILL


def test_the_signals_a_process_heeds_are_read_from_it():
    blocked = child("signal.signal(signal.SIGINT, signal.default_int_handler); "
                    "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})")
    assert heeded_signals(blocked.pid, (signal.SIGINT, signal.SIGTERM)) == [signal.SIGINT]
    ignoring = child("signal.signal(signal.SIGINT, signal.SIG_IGN); signal.signal(signal.SIGTERM, signal.SIG_DFL)")
    assert heeded_signals(ignoring.pid, (signal.SIGINT, signal.SIGTERM)) == [signal.SIGTERM]
    for process in (blocked, ignoring):
        process.kill()
        process.wait()
        process.stdout.close()
    # without /proc/<pid> (another system, or an ended process) this process's own handlers are the guide
    assert heeded_signals(blocked.pid, (signal.SIGINT, signal.SIGTERM)) == [
        s for s in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(s) is not signal.SIG_IGN]
