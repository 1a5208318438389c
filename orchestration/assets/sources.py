"""Python assets that fill the raw schema: real exports through the loader, then the generator."""

import dagster as dg

from models_py import config
from models_py.data.synthetic import generate_synthetic
from models_py.ingest.loader import load_directory
from models_py.ingest.seeds import load_regions
from models_py.warehouse import build_lock, connect_build, replace_table

@dg.asset(
    key_prefix="raw",
    name="portal_observations",
    group_name="sources",
    description="Real observations loaded from the data-portal exports in the inbox (shipped: seeds/shipped/nbs-exports).",
)
def portal_observations(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    result = load_directory(config.data_inbox())
    with build_lock(), connect_build() as connection:
        rows = replace_table(connection, "raw", "portal_observations", result.observations)
    report = result.report()
    context.log.info("loaded %s observations from %s files", rows, len(report))
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "files": len(report),
            "series": sorted(result.observations["series"].unique().tolist()),
            "per_file": dg.MetadataValue.md(report.to_markdown(index=False)),
        }
    )

@dg.asset(
    key_prefix="raw",
    name="synthetic_observations",
    group_name="sources",
    deps=[portal_observations],
    description="Generated observations for every series and region-year no real file covers (NOT official statistics).",
)
def synthetic_observations(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    with build_lock(), connect_build() as connection:
        real = connection.execute("select * from raw.portal_observations").df()
        generated = generate_synthetic(real, load_regions())
        rows = replace_table(connection, "raw", "synthetic_observations", generated)
    return dg.MaterializeResult(
        metadata={"rows": rows, "series": int(generated["series"].nunique())}
    )
