"""Assembles the Dagster definitions; the assets live in orchestration/assets/."""
from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.dbt import dbt_model_assets
from orchestration.assets.estimators import study_assets
from orchestration.assets.misallocation import production_elasticities
from orchestration.assets.publish import published_warehouse
from orchestration.assets.quality import quarantine_report
from orchestration.assets.reports import report_assets, reports_index
from orchestration.assets.sources import portal_observations, synthetic_observations
from orchestration.project import nqp_dbt_project

build_all = dg.define_asset_job(
    "build_all",
    selection=dg.AssetSelection.all(),
    description="Load the sources, build every dbt model and test, run every study's tables, publish, write reports.",
)

defs = dg.Definitions(
    assets=[
        portal_observations,
        synthetic_observations,
        *dbt_model_assets,
        production_elasticities,
        *study_assets,
        published_warehouse,
        quarantine_report,
        *report_assets,
        reports_index,
    ],
    jobs=[build_all],
    resources={
        "dbt": DbtCliResource(
            project_dir=nqp_dbt_project,
            profiles_dir=str(nqp_dbt_project.profiles_dir),
            # the dbt of this environment, whether or not its bin/ is on PATH
            dbt_executable=str(Path(sys.executable).parent / "dbt"),
        )
    },
    # One process runs every step in turn: DuckDB allows one writer, so no two steps may write at once.
    executor=dg.in_process_executor,
)
