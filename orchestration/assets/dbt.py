"""The dbt project as Dagster assets: groups from the dbt folders, dbt tests as asset checks."""

from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from models_py.warehouse import build_lock
from orchestration.project import nqp_dbt_project

class NqpDbtTranslator(DagsterDbtTranslator):
    """Groups: reference (seeds), staging, intermediate, indices, marts, and one per study."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        meta = dbt_resource_props.get("config", {}).get("meta") or {}
        if "study" in meta:
            return meta["study"]
        if len(fqn) > 2 and fqn[1] == "marts" and fqn[2] == "indices":
            return "indices"
        if len(fqn) > 1 and fqn[1] in ("staging", "intermediate", "marts"):
            return fqn[1]
        return "marts"

dbt_translator = NqpDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

# Python estimator assets write tables that dbt reads back as sources named `intermediate` (e.g. the
# production elasticities of Paper E's misallocation mart). A model reading one cannot be built in the
# same op as the models the estimator reads, or the job would have a cycle: dbt is split by selection
# into the models upstream of every such table and the models downstream of one.
ESTIMATE_SOURCES = "source:intermediate+"


@dbt_assets(manifest=nqp_dbt_project.manifest_path, dagster_dbt_translator=dbt_translator, exclude=ESTIMATE_SOURCES)
def nqp_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Seeds, staging, intermediate and the marts that need no Python estimate, with their tests."""
    with build_lock():  # dbt writes the build copy
        yield from dbt.cli(["build"], context=context).stream()


@dbt_assets(manifest=nqp_dbt_project.manifest_path, dagster_dbt_translator=dbt_translator, select=ESTIMATE_SOURCES)
def nqp_dbt_models_on_estimates(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """The models reading a table a Python estimator wrote (the misallocation mart …), with their tests."""
    with build_lock():  # dbt writes the build copy
        yield from dbt.cli(["build"], context=context).stream()


dbt_model_assets = [nqp_dbt_models, nqp_dbt_models_on_estimates]
