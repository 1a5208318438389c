"""The one dbt project the orchestration runs, and where it builds."""
from __future__ import annotations

import os

from dagster_dbt import DbtProject

from models_py import config

# Every dbt invocation of a Dagster run writes the build copy, never the published warehouse.
os.environ["NQP_DBT_DATABASE"] = str(config.build_warehouse())

nqp_dbt_project = DbtProject(
    project_dir=config.DBT_PROJECT_DIR,
    profiles_dir=config.PROJECT_ROOT,
    target_path=config.DBT_TARGET_DIR,
)
