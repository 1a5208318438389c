"""Build the index layer with the `spark` dbt target, in one process and so one Spark session."""
from __future__ import annotations

import json
import os
from pathlib import Path

from models_py.config import PROJECT_ROOT
from models_py.spark import spark_dir
from models_py.spark.inputs import RAW_INPUTS, export_raw_inputs


class SparkBuildFailed(RuntimeError):
    """A dbt step on the Spark target failed (the message names the step and dbt's error)."""


def dbt_args(directory: Path) -> list[str]:
    """Project, profile and target; dbt's target and log paths apart from the DuckDB manifest Dagster reads."""
    return ["--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT), "--target", "spark",
            "--target-path", str(directory / "dbt" / "target")]


def run_dbt(command: list[str], directory: Path) -> None:
    """One dbt command in this process (dbt-spark's session method then reuses the process's Spark session)."""
    from dbt.cli.main import dbtRunner

    os.environ["NQP_SPARK_DIR"] = str(directory)  # read by profiles.yml
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    result = dbtRunner().invoke([*command[:1], "--log-path", str(directory / "dbt" / "logs"), *command[1:],
                                 *dbt_args(directory)])
    if not result.success:
        failed = [f"{r.node.name}: {r.message}" for r in getattr(result.result, "results", None) or []
                  if str(r.status) in ("error", "fail")]
        detail = "; ".join(failed) or str(result.exception or "see the dbt log")
        raise SparkBuildFailed(f"dbt {command[0]} on the spark target failed: {detail}")


def build_index_layer(warehouse: Path, directory: Path | None = None, selector: str = "index_layer",
                      dbt_vars: dict | None = None) -> Path:
    """Export the raw inputs of `warehouse`, register them in Spark and `dbt build --selector index_layer`.

    Seeds are loaded by the build itself (the selection holds the seeds the layer reads). Returns the
    Spark directory (tables under tables/<schema>.db/<table>).
    """
    directory = (directory or spark_dir()).resolve()
    export_raw_inputs(warehouse, directory / "raw")
    run_dbt(["run-operation", "nqp_register_parquet_sources", "--args",
             json.dumps({"directory": str(directory / "raw"), "tables": list(RAW_INPUTS)})], directory)
    build = ["build", "--selector", selector]
    if dbt_vars:
        build += ["--vars", json.dumps(dbt_vars)]
    run_dbt(build, directory)
    return directory
