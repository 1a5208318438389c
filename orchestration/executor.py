"""The executor of every job: all steps in one process, holding the build lock for the whole run.

DuckDB allows one writer, and a run's steps only make sense together (dbt reads what the loader
wrote, publish copies what the estimators wrote). A run launched from the Dagster UI therefore
takes the build lock (models_py.warehouse.build_lock) before its first step and keeps it until its
last step has finished, failed or been cancelled: an `nqp build` started meanwhile waits for the
whole run, never slips in between two steps. The assets' own `build_lock()` calls are re-entrant
no-ops inside the run. `nqp build` holds the lock itself and runs the job with execute_in_process,
which uses an in-process executor of its own; the assets' calls are no-ops there too.
"""

import os

import dagster as dg
from dagster._core.definitions.executor_definition import IN_PROC_CONFIG
from dagster._core.events import DagsterEvent, EngineEventData
from dagster._core.executor.in_process import InProcessExecutor

from models_py.warehouse import BuildLockBusy, build_lock, build_lock_path


class BuildLockedInProcessExecutor(InProcessExecutor):
    """dagster's in-process executor inside one build_lock() for the whole run."""

    def execute(self, plan_context, execution_plan):
        try:
            lock = build_lock(wait=False)
            lock.__enter__()
        except BuildLockBusy as busy:
            # Say so in the run's event log, then queue behind the other build.
            yield DagsterEvent.engine_event(plan_context, f"waiting: {busy}", EngineEventData())
            lock = build_lock(wait=True)
            lock.__enter__()
        try:
            yield DagsterEvent.engine_event(
                plan_context,
                f"build lock {build_lock_path()} held by pid {os.getpid()} for the whole run",
                EngineEventData(),
            )
            yield from super().execute(plan_context, execution_plan)
        finally:
            lock.__exit__(None, None, None)


@dg.executor(name="in_process_build_locked", config_schema=IN_PROC_CONFIG)
def build_locked_executor(init_context: dg.InitExecutorContext) -> BuildLockedInProcessExecutor:
    """All steps in one process, under the build lock from the first step to the last."""
    plain = dg.in_process_executor.executor_creation_fn(init_context)
    return BuildLockedInProcessExecutor(
        retries=plain.retries,
        step_dependency_config=plain.step_dependency_config,
        marker_to_close=plain.marker_to_close,
    )
