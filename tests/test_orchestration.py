"""The Dagster definitions the UI shows: groups, descriptions, jobs, the inbox sensor, and the
executor that holds the build lock for a whole run.

Checked against independent sources: the dbt manifest and the series catalogue CSV, read here
without the orchestration code; the lock is probed from another process, as a rival build would.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.executor import build_locked_executor
from orchestration.sensors import data_inbox_sensor

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = PROJECT_ROOT / "dbt_project" / "target" / "manifest.json"
BASE_GROUPS = {"sources", "reference", "staging", "intermediate", "indices", "coupling", "marts", "publish", "reports"}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def asset_graph():
    return defs.get_repository_def().asset_graph


def studies_in(manifest: dict) -> set[str]:
    return {
        (n.get("config", {}).get("meta") or {})["study"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and "tables" in (n.get("config", {}).get("meta") or {})
    }


def model_key(manifest_node: dict) -> dg.AssetKey:
    # dagster-dbt's default key: the configured schema (staging, intermediate, main, reference), then the name
    schema = manifest_node["config"].get("schema")
    return dg.AssetKey([schema, manifest_node["name"]] if schema else [manifest_node["name"]])


def test_groups_are_the_layers_and_one_per_study(manifest, asset_graph):
    groups = {asset_graph.get(key).group_name for key in asset_graph.get_all_asset_keys()}
    studies = studies_in(manifest)
    assert studies, "no study panel declares tables"
    # a study's group also holds marts that declare only meta.study (Paper D's disparity marts)
    study_groups = {(n.get("config", {}).get("meta") or {}).get("study") for n in manifest["nodes"].values()
                    if n["resource_type"] == "model"} - {None}
    assert studies <= study_groups <= groups and "paper_d" in study_groups
    assert groups <= BASE_GROUPS | study_groups, f"unexpected groups {groups - BASE_GROUPS - study_groups}"
    assert {"sources", "reference", "staging", "intermediate", "indices", "coupling", "marts"} <= groups
    for study in studies:
        assert asset_graph.get(dg.AssetKey(["results", study])).group_name == study


def test_every_dbt_model_is_an_asset_with_its_dbt_description(manifest, asset_graph):
    models = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")]
    undocumented = [n["name"] for n in models if not n.get("description", "").strip()]
    assert not undocumented, f"dbt models/seeds without a description in their YAML: {undocumented}"
    keys = set(asset_graph.get_all_asset_keys())
    for node in models:
        key = model_key(node)
        assert key in keys, f"{node['name']} is not a Dagster asset"
        assert asset_graph.get(key).description.startswith(node["description"].strip()[:60])


def test_dbt_tests_are_asset_checks(manifest, asset_graph):
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test" and n.get("attached_node")]
    checks = {check.name for check in asset_graph.asset_check_keys}
    assert len(tests) > 50
    missing = [t["name"] for t in tests if t["name"] not in checks]
    assert not missing, f"dbt tests that are not asset checks: {missing[:10]}"


def test_source_assets_describe_the_catalogue_series_they_hold(asset_graph):
    with open(PROJECT_ROOT / "seeds" / "reference" / "series_catalogue.csv", encoding="utf-8") as handle:
        catalogue = list(csv.DictReader(handle))
    real = asset_graph.get(dg.AssetKey(["raw", "portal_observations"])).description
    generated = asset_graph.get(dg.AssetKey(["raw", "synthetic_observations"])).description
    # real: what a shipped source maps (not the provenance text); generated: what demo_fill allows
    mapped = {row["series_code"] for row in csv.DictReader(
        open(PROJECT_ROOT / "seeds" / "reference" / "source_mappings.csv", encoding="utf-8")) if row["series_code"]}
    assert len(mapped) >= 17
    for row in catalogue:
        is_real = row["series_code"] in mapped
        assert (f"`{row['series_code']}` " in real) == is_real, row["series_code"]
        assert (f"`{row['series_code']}` " in generated) == (row["demo_fill"] == "true"), row["series_code"]
        assert row["name_zh"] in (real if is_real else generated)
    assert asset_graph.get(dg.AssetKey(["raw", "portal_observations"])).group_name == "sources"


def test_jobs_build_all_and_one_per_study(manifest):
    repository = defs.get_repository_def()
    everything = set(defs.get_repository_def().asset_graph.get_all_asset_keys())
    build_all = repository.get_job("build_all")
    assert set(build_all.asset_layer.executable_asset_keys) >= {k for k in everything if k.path[0] != "reference"} - {
        k for k in everything if not repository.asset_graph.get(k).is_materializable
    }
    studies = studies_in(manifest)
    for study in studies:
        job = repository.get_job(f"build_{study}")
        selected = set(job.asset_layer.executable_asset_keys)
        panel = next(n for n in manifest["nodes"].values()
                     if n["resource_type"] == "model" and (n["config"].get("meta") or {}).get("study") == study
                     and "tables" in n["config"]["meta"])
        assert dg.AssetKey(["results", study]) in selected
        assert dg.AssetKey("published_warehouse") in selected
        assert model_key(panel) in selected
        # everything the panel reads, as dbt says (depends_on), is in the job
        upstream = set(panel["depends_on"]["nodes"])
        for unique_id in upstream:
            node = manifest["nodes"].get(unique_id)
            if node is not None:
                assert model_key(node) in selected, f"{study}: {node['name']} missing"
        for other in studies - {study}:
            assert dg.AssetKey(["results", other]) not in selected
        assert job.executor_def.name == "in_process_build_locked"
    assert build_all.executor_def.name == "in_process_build_locked"


# ---------------------------------------------------------------- inbox sensor

def tick(cursor):
    context = dg.build_sensor_context(cursor=cursor)
    result = data_inbox_sensor(context)
    return result, context.cursor


def test_inbox_sensor_launches_build_all_on_new_changed_or_removed_files(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.csv").write_text("x\n1\n", encoding="utf-8")
    monkeypatch.setenv("NQP_INBOX", str(inbox))
    assert data_inbox_sensor.job_name == "build_all"

    first, cursor = tick(None)  # first tick: records the inbox, launches nothing
    assert isinstance(first, dg.SkipReason)
    assert json.loads(cursor).keys() == {"a.csv"}

    same, cursor_same = tick(cursor)
    assert isinstance(same, dg.SkipReason) and cursor_same == cursor

    (inbox / ".a.csv.swp").write_text("editor", encoding="utf-8")  # hidden: ignored
    hidden, _ = tick(cursor)
    assert isinstance(hidden, dg.SkipReason)

    (inbox / "sub").mkdir()
    (inbox / "sub" / "b.xls").write_bytes(b"\x00" * 10)
    added, cursor_added = tick(cursor)
    assert isinstance(added, dg.RunRequest)
    assert "added: sub/b.xls" in added.tags["inbox_changes"]
    assert cursor_added != cursor

    (inbox / "a.csv").write_text("x\n1\n2\n", encoding="utf-8")  # replaced: size and mtime change
    changed, cursor_changed = tick(cursor_added)
    assert isinstance(changed, dg.RunRequest) and "changed: a.csv" in changed.tags["inbox_changes"]
    assert changed.run_key != added.run_key

    (inbox / "a.csv").unlink()
    removed, cursor_removed = tick(cursor_changed)
    assert isinstance(removed, dg.RunRequest) and "removed: a.csv" in removed.tags["inbox_changes"]

    # the same content seen again gives the same run key (Dagster launches a run key once)
    _, again = tick(None)
    (inbox / "c.csv").write_text("1", encoding="utf-8")
    first_c, _ = tick(again)
    second_c, _ = tick(again)
    assert first_c.run_key == second_c.run_key


def test_inbox_sensor_watches_the_folder_config_names(monkeypatch, tmp_path):
    monkeypatch.delenv("NQP_INBOX", raising=False)
    from models_py import config

    result, cursor = tick(None)
    shipped = {p.relative_to(config.data_inbox()).as_posix() for p in config.data_inbox().rglob("*")
               if p.is_file() and not any(part.startswith(".") for part in p.relative_to(config.data_inbox()).parts)}
    assert set(json.loads(cursor)) == shipped and shipped


# ---------------------------------------------------------------- the build lock across a run

PROBE = (
    "import sys\n"
    "from models_py.warehouse import BuildLockBusy, build_lock\n"
    "try:\n"
    "    with build_lock(wait=False):\n"
    "        sys.exit(0)\n"
    "except BuildLockBusy:\n"
    "    sys.exit(75)\n"
)


def rival_can_lock() -> bool:
    """Whether another process (a second `nqp build`) could take the build lock right now."""
    code = subprocess.run([sys.executable, "-c", PROBE], cwd=PROJECT_ROOT, env=os.environ.copy(), timeout=60).returncode
    assert code in (0, 75), code
    return code == 0


@dg.op
def first_step(context) -> bool:
    return rival_can_lock()


@dg.op
def second_step(context, first: bool) -> list[bool]:
    return [first, rival_can_lock()]


@dg.job(executor_def=build_locked_executor)
def locked_probe_job():
    second_step(first_step())


@dg.job(executor_def=dg.in_process_executor)
def unlocked_probe_job():
    second_step(first_step())


def run_probe(job_name: str, instance) -> dg.ExecuteJobResult:
    return dg.execute_job(dg.reconstructable(globals()[job_name + "_factory"]), instance=instance)


def locked_probe_job_factory():
    return locked_probe_job


def unlocked_probe_job_factory():
    return unlocked_probe_job


@pytest.fixture
def lock_env(tmp_path, monkeypatch):
    monkeypatch.setenv("NQP_WAREHOUSE", str(tmp_path / "warehouse" / "nqp.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        yield instance


def test_a_run_holds_the_build_lock_from_first_step_to_last(lock_env):
    result = run_probe("locked_probe_job", lock_env)
    assert result.success
    with result:
        assert result.output_for_node("second_step") == [False, False]  # a rival is locked out in every step
    assert rival_can_lock()  # and released when the run ends


def test_without_the_locked_executor_a_rival_gets_in(lock_env):
    """The probe can fail: with dagster's plain executor a rival takes the lock during the run."""
    result = run_probe("unlocked_probe_job", lock_env)
    with result:
        assert result.output_for_node("second_step") == [True, True]


def test_a_run_waits_for_a_build_already_running_and_says_so(lock_env):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time\nfrom models_py.warehouse import build_lock\n"
         "with build_lock():\n    print('held', flush=True)\n    time.sleep(4)\n"],
        cwd=PROJECT_ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        result = run_probe("locked_probe_job", lock_env)
        waited = time.monotonic() - started
    finally:
        holder.wait(timeout=30)
    assert result.success
    assert waited > 2  # the run queued behind the holder
    messages = [e.message or "" for e in result.all_events if e.event_type_value == "ENGINE_EVENT"]
    assert any(m.startswith("waiting: another build is running: build lock held by pid") for m in messages), messages
    with result:
        assert result.output_for_node("second_step") == [False, False]


def test_the_dbt_resource_runs_this_environments_dbt_core_without_an_adapter():
    """orchestration/dbt_cli.py skips dagster-dbt's `dbt --version` subprocess and its in-process
    adapter: sound only while the executable the resource runs is the dbt Core imported here, so its
    version is the one the executable itself prints, and nothing asks for the adapter (no fetch_*)."""
    dbt = defs.resources["dbt"]
    printed = subprocess.run([dbt.dbt_executable, "--version"], capture_output=True, text=True, check=True).stdout
    assert f"installed: {dbt._cli_version}" in printed, printed
    assert dbt._initialize_dbt_core_adapter(["build"]) is None
    sources = "\n".join(path.read_text(encoding="utf-8") for path in (PROJECT_ROOT / "orchestration").rglob("*.py"))
    assert "fetch_row_counts()" not in sources and "fetch_column_metadata()" not in sources
