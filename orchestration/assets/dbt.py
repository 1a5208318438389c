"""The dbt project as Dagster assets: groups from the dbt folders, dbt tests as asset checks,
row counts and a preview of every table a step built in its materialisation metadata."""

import json
import os
import shutil
import signal
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_dbt.core.dbt_cli_invocation import PARTIAL_PARSE_FILE_NAME

from models_py.data.real_only import dbt_vars
from models_py.manifest.reader import load_manifest, node_meta, read_manifest
from models_py.warehouse import build_lock, connect_build
from orchestration.project import nqp_dbt_project

PREVIEW_ROWS = 5


class NqpDbtTranslator(DagsterDbtTranslator):
    """Groups: reference (seeds), staging, intermediate, indices, coupling, marts, and one per study."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        meta = node_meta(dbt_resource_props)
        if "study" in meta:
            return meta["study"]
        if len(fqn) > 2 and fqn[1] == "marts" and fqn[2] in ("indices", "coupling"):
            return fqn[2]
        if len(fqn) > 1 and fqn[1] in ("staging", "intermediate", "marts"):
            return fqn[1]
        return "marts"

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        """A model reading the `results` source (the replication mart) depends on every study's results
        asset instead of the source tables: the four results tables are written by all of them, so no
        one asset stands for a table (and the tables would show as stray external assets)."""
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or {}
        parents = node.get("depends_on", {}).get("nodes", []) if node.get("resource_type") == "model" else []
        results_tables = {super(NqpDbtTranslator, self).get_asset_spec(manifest, parent, project).key
                          for parent in parents if parent.startswith(RESULTS_SOURCE_PREFIX)}
        if results_tables:
            studies = [dg.AssetKey(["results", study.study]) for study in read_manifest(manifest).studies]
            kept = [dep for dep in spec.deps if dep.asset_key not in results_tables]
            spec = spec.replace_attributes(deps=[*kept, *studies])
        return spec


dbt_translator = NqpDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

# Python estimator assets write tables that dbt reads back as sources named `intermediate` (e.g. the
# production elasticities of Paper E's misallocation mart). A model reading one cannot be built in the
# same op as the models the estimator reads, or the job would have a cycle: dbt is split by selection
# into the models upstream of every such table and the models downstream of one.
ESTIMATE_SOURCES = "source:intermediate+"
# Models reading the results tables every study asset writes (the replication mart) are a third step,
# after all study assets (NqpDbtTranslator.get_asset_spec adds those dependencies).
RESULTS_SOURCES = "source:results+"
RESULTS_SOURCE_PREFIX = "source.nqp.results."


def table_metadata(connection, schema: str, table: str) -> dict:
    """Row count (dagster/row_count, shown in the catalogue) and the first rows as Markdown."""
    relation = f'"{schema}"."{table}"'
    rows = connection.execute(f"select count(*) from {relation}").fetchone()[0]
    preview = connection.execute(f"select * from {relation} limit {PREVIEW_ROWS}").df()
    return {
        "dagster/row_count": dg.MetadataValue.int(int(rows)),
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False) if not preview.empty else "(no rows)"),
    }


def with_table_metadata(events: list, manifest: dict) -> Iterator:
    """The dbt events, each model's or seed's output carrying its table's row count and preview.

    Counted after `dbt build` has exited: dbt's process holds DuckDB's single write lock while it
    runs, so the tables cannot be opened from here before (dagster-dbt's fetch_row_counts would)."""
    nodes = manifest["nodes"]
    with connect_build(read_only=True) as connection:
        for event in events:
            unique_id = event.metadata.get("unique_id") if isinstance(event, dg.Output) else None
            node = nodes.get(getattr(unique_id, "value", unique_id)) if unique_id else None
            if node is None or node["config"].get("materialized") not in ("table", "incremental", "seed"):
                yield event
                continue
            try:
                extra = table_metadata(connection, node["schema"], node.get("alias") or node["name"])
            except Exception as error:  # a missing table is dbt's failure to report, not ours
                extra = {"row_count_error": str(error).splitlines()[0]}
            yield event.with_metadata({**event.metadata, **extra})


@contextmanager
def tests_of_the_selection_only(context: dg.AssetExecutionContext) -> Iterator[None]:
    """A study job builds part of the project. dbt's default (eager) indirect selection would also
    run every test touching a selected model, e.g. a relationships test from an unselected model to
    `regions`, and fail on a fresh warehouse where that model's table does not exist: `buildable`
    runs the tests whose parents are all selected or upstream of the selection. A full build
    (nothing subset) keeps eager. dagster-dbt reads the variable as its default and still sets
    `empty` itself when it selects asset checks one by one."""
    if not context.is_subset:
        yield
        return
    previous = os.environ.get("DBT_INDIRECT_SELECTION")
    os.environ["DBT_INDIRECT_SELECTION"] = "buildable"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DBT_INDIRECT_SELECTION", None)
        else:
            os.environ["DBT_INDIRECT_SELECTION"] = previous


def dbt_build_args() -> list[str]:
    """`build`, plus --vars for a real-only build (models_py.data.real_only); none by default."""
    build_vars = dbt_vars()
    return ["build", "--vars", json.dumps(build_vars)] if build_vars else ["build"]


def keep_partial_parse(invocation_target: Path) -> None:
    """Save this dbt invocation's parse where dagster-dbt takes the next one's from.

    dbt parses the whole project again when the profile's database path differs from the one the
    saved parse was made with, and every build writes a build copy under its own $NQP_WAREHOUSE:
    without this, both dbt steps of a build re-parse everything (~5-12 s each). Saved back, the
    second step and the next build into the same warehouse parse only what changed (dbt checks
    every file's hash and the profile itself, so a stale save only costs a full parse)."""
    parsed = invocation_target / PARTIAL_PARSE_FILE_NAME
    source = Path(os.getenv("DBT_TARGET_PATH") or nqp_dbt_project.target_path)
    if not source.is_absolute():
        source = Path(nqp_dbt_project.project_dir) / source
    if not parsed.exists() or source.resolve() == invocation_target.resolve():
        return
    partial = source / f".{PARTIAL_PARSE_FILE_NAME}.{os.getpid()}"
    shutil.copyfile(parsed, partial)
    os.replace(partial, source / PARTIAL_PARSE_FILE_NAME)  # atomic: another run may be reading it


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """End a dbt process the step has stopped reading (as dagster-dbt does on an interrupt: SIGINT,
    then kill after `timeout`): it would otherwise keep building, and holding the warehouse's write lock.
    A process that ignores SIGINT gets SIGTERM; one that ignores both is killed at once. Both happen: a
    process started while SIGINT was ignored here (a shell's background job, as in CI) ignores it too,
    and after Dagster's interrupt set-up (SIGTERM gets SIGINT's handler) it ignores SIGTERM as well."""
    if process.poll() is not None:
        return
    heeded = heeded_signals(process.pid, (signal.SIGINT, signal.SIGTERM))
    if heeded:
        process.send_signal(heeded[0])
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            pass
    process.kill()
    process.wait()


def heeded_signals(pid: int, signals: tuple[int, ...]) -> list[int]:
    """Those of `signals` the process neither ignores nor blocks: read from /proc where there is one,
    else judged from this process's own handlers (a child inherits SIG_IGN)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return [s for s in signals if signal.getsignal(s) is not signal.SIG_IGN]
    masks = dict(line.split(":", 1) for line in status.splitlines() if line.startswith(("SigIgn:", "SigBlk:")))
    deaf = int(masks["SigIgn"], 16) | int(masks["SigBlk"], 16)
    return [s for s in signals if not deaf >> (s - 1) & 1]


def stale_manifest_error(failure: Exception) -> dg.Failure | None:
    """dagster-dbt's KeyError on a node its manifest does not know (a model or test added since the
    definitions were loaded), as an error that says what to do; None for any other failure."""
    node = failure.args[0] if isinstance(failure, KeyError) and failure.args else None
    if not (isinstance(node, str) and node.split(".", 1)[0] in ("model", "test", "seed", "snapshot")):
        return None
    return dg.Failure(
        f"dbt built {node}, which the manifest these assets were loaded from does not have: the dbt "
        "project changed after the last `dbt parse`. Run `.venv/bin/dbt parse --quiet` (or `make prepare`), "
        "then reload the definitions in the UI (Deployment > Reload) and materialise again; "
        "`nqp build` parses by itself.")


def run_dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator:
    with build_lock(), tests_of_the_selection_only(context):  # dbt writes the build copy
        events, failure = [], None
        invocation = dbt.cli(dbt_build_args(), context=context)
        try:
            for event in invocation.stream():
                events.append(event)
        except Exception as error:  # report what did build, then fail the step
            failure = error
            stop(invocation.process)  # else its write lock hides `error` behind a lock error below
        keep_partial_parse(Path(invocation.target_path))
        yield from with_table_metadata(events, load_manifest(nqp_dbt_project.manifest_path))
        if failure is not None:
            explained = stale_manifest_error(failure)
            if explained is not None:
                raise explained from failure
            raise failure


@dbt_assets(manifest=nqp_dbt_project.manifest_path, dagster_dbt_translator=dbt_translator,
            exclude=f"{ESTIMATE_SOURCES} {RESULTS_SOURCES}")
def nqp_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Seeds, staging, intermediate and the marts that need no Python estimate, with their tests."""
    yield from run_dbt_build(context, dbt)


@dbt_assets(manifest=nqp_dbt_project.manifest_path, dagster_dbt_translator=dbt_translator, select=ESTIMATE_SOURCES,
            exclude=RESULTS_SOURCES)
def nqp_dbt_models_on_estimates(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """The models reading a table a Python estimator wrote (the misallocation mart …), with their tests."""
    yield from run_dbt_build(context, dbt)


@dbt_assets(manifest=nqp_dbt_project.manifest_path, dagster_dbt_translator=dbt_translator, select=RESULTS_SOURCES)
def nqp_dbt_models_on_results(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """The models reading every study's results (the replication mart), with their tests."""
    yield from run_dbt_build(context, dbt)


dbt_model_assets = [nqp_dbt_models, nqp_dbt_models_on_estimates, nqp_dbt_models_on_results]
