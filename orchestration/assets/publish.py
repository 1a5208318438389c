"""The last step of a build: publish the build copy atomically as the warehouse people query."""

import dagster as dg

from models_py.warehouse import build_lock, publish
from orchestration.assets.dbt import dbt_model_assets
from orchestration.assets.estimators import study_assets
from orchestration.assets.misallocation import production_elasticities

@dg.asset(
    key="published_warehouse",
    group_name="publish",
    deps=[key for asset in [*dbt_model_assets, production_elasticities, *study_assets] for key in asset.keys],
    description="Copies the finished build over warehouse/nqp.duckdb (or $NQP_WAREHOUSE) with an atomic rename.",
)
def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    with build_lock():
        outcome = publish()
    context.log.info("published %s (%s bytes) in %ss", outcome["published"], outcome["bytes"], outcome["seconds"])
    return dg.MaterializeResult(metadata=outcome)
