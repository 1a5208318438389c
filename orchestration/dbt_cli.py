"""The dbt resource the assets run `dbt build` with: dagster-dbt's, without two costs per build that
buy nothing here.

Before each `dbt.cli()` dagster-dbt builds a dbt Core adapter in this process (loads the profile,
the project and every macro: ~2.4 s a call, three calls a build) for its `fetch_row_counts` /
`fetch_column_metadata`, which these assets do not use (the row counts come from
`with_table_metadata` after dbt has exited, orchestration/assets/dbt.py); and it runs `dbt --version`
in a subprocess (~2.4 s) to tell dbt Core from the Fusion engine. Both together were ~10 s of a
~110 s `nqp build`. The dbt it runs is this environment's dbt Core (definitions.py), so its
version is the one imported here.
"""
from __future__ import annotations

from functools import cached_property

from dagster_dbt import DbtCliResource
from dagster_dbt.compat import DBT_PYTHON_VERSION
from packaging import version


class NqpDbtCliResource(DbtCliResource):
    """DbtCliResource for dbt Core of this environment, with no adapter in the Dagster process."""

    def _initialize_dbt_core_adapter(self, args):  # dagster-dbt's hook; None: no fetch_* methods
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        if DBT_PYTHON_VERSION is None:  # no dbt Core in this environment: ask the executable
            return super()._cli_version
        return DBT_PYTHON_VERSION
