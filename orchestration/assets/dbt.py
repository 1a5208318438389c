"""The dbt project as Dagster assets: groups from the dbt folders, dbt tests as asset checks."""

from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

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

@dbt_assets(manifest=nqp_dbt_project.manifest_path, dagster_dbt_translator=dbt_translator)
def nqp_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()
