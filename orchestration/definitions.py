"""Assembles the Dagster definitions; the assets live in orchestration/assets/."""
from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg

from models_py.declarations import load_manifest, study_declarations
from orchestration.assets.dbt import dbt_model_assets
from orchestration.assets.estimators import study_assets
from orchestration.assets.misallocation import production_elasticities
from orchestration.assets.publish import published_warehouse
from orchestration.assets.quality import quarantine_report
from orchestration.assets.reports import report_assets, reports_index
from orchestration.assets.sources import (
    city_observations,
    firm_units,
    ingest_files,
    portal_observations,
    synthetic_observations,
    unit_attributes,
    user_series,
)
from orchestration.dbt_cli import NqpDbtCliResource
from orchestration.event_log import install as no_fsync_per_event
from orchestration.executor import build_locked_executor
from orchestration.jobs import build_all, study_job
from orchestration.project import nqp_dbt_project
from orchestration.sensors import data_inbox_sensor

no_fsync_per_event()  # the run's ~1,900 events: see orchestration/event_log.py

study_jobs = [study_job(study) for study in study_declarations(load_manifest(nqp_dbt_project.manifest_path))]

defs = dg.Definitions(
    assets=[
        portal_observations,
        ingest_files,
        user_series,
        city_observations,
        firm_units,
        unit_attributes,
        synthetic_observations,
        *dbt_model_assets,
        production_elasticities,
        *study_assets,
        published_warehouse,
        quarantine_report,
        *report_assets,
        reports_index,
    ],
    jobs=[build_all, *study_jobs],
    sensors=[data_inbox_sensor],
    resources={
        "dbt": NqpDbtCliResource(
            project_dir=nqp_dbt_project,
            profiles_dir=str(nqp_dbt_project.profiles_dir),
            # the dbt of this environment, whether or not its bin/ is on PATH
            dbt_executable=str(Path(sys.executable).parent / "dbt"),
        )
    },
    # One process runs every step in turn (DuckDB allows one writer), holding the build lock from
    # the first step to the last, so no other build can write the build copy in between.
    executor=build_locked_executor,
)
