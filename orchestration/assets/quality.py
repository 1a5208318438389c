"""The quarantine report: the quality warnings of this build, as Dagster metadata and in the run log."""

import dagster as dg

from models_py.quarantine import read_quarantine, summarise
from models_py.warehouse import build_lock, connect_build
from orchestration.assets.dbt import nqp_dbt_models

QUARANTINE_KEY = next(key for key in nqp_dbt_models.keys if key.path[-1] == "quarantine")

@dg.asset(
    key=["reports", "quarantine_report"],
    group_name="reports",
    deps=[QUARANTINE_KEY],
    description=(
        "Quality warnings on the loaded data (mart `quarantine`): values loaded but flagged, by check and "
        "series, with file and line. Errors never get here: they stop the dbt step."
    ),
)
def quarantine_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    with build_lock(), connect_build(read_only=True) as connection:
        flags = read_quarantine(connection)
    for line in summarise(flags):
        context.log.warning(line)
    by_check = (flags.groupby(["severity", "check_name", "series"]).size().rename("values").reset_index()
                if len(flags) else flags)
    return dg.MaterializeResult(
        metadata={
            "warnings": int((flags["severity"] == "warn").sum()) if len(flags) else 0,
            "by_check": dg.MetadataValue.md(by_check.to_markdown(index=False) if len(flags) else "no flags"),
            "first_50": dg.MetadataValue.md(flags.head(50).to_markdown(index=False) if len(flags) else "no flags"),
        }
    )
