"""The last step of a build: publish the build copy atomically as the warehouse people query."""

import dagster as dg

from models_py.warehouse import publish
from orchestration.assets.dbt import nqp_dbt_models
from orchestration.assets.estimators import study_assets

@dg.asset(
    key="published_warehouse",
    group_name="publish",
    deps=[*nqp_dbt_models.keys, *[key for asset in study_assets for key in asset.keys]],
    description="Copies the finished build over warehouse/nqp.duckdb (or $NQP_WAREHOUSE) with an atomic rename.",
)
def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    outcome = publish()
    context.log.info("published %s (%s bytes) in %ss", outcome["published"], outcome["bytes"], outcome["seconds"])
    return dg.MaterializeResult(metadata=outcome)
