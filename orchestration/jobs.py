"""The jobs the UI offers: everything, and one per study (its upstream, its tables, publish)."""

import dagster as dg

from models_py.declarations import StudyDeclaration

PUBLISH = dg.AssetKey("published_warehouse")

build_all = dg.define_asset_job(
    "build_all",
    selection=dg.AssetSelection.all(),
    description="Load the sources, build every dbt model and test, run every study's tables, publish.",
)


def study_job_name(study: str) -> str:
    return f"build_{study}"


def study_job(study: StudyDeclaration):
    """Everything the study's tables need (sources, dbt models and tests, estimates upstream of its
    panel), its results asset, and publish: other studies' results in the published warehouse stay
    as the last run left them."""
    results = dg.AssetKey(["results", study.study])
    return dg.define_asset_job(
        study_job_name(study.study),
        selection=dg.AssetSelection.assets(results).upstream() | dg.AssetSelection.assets(PUBLISH),
        description=f"{study.title_en} ({study.title_zh}): rebuild what {study.model} needs, compute tables "
        + ", ".join(t.table_id for t in study.tables)
        + " and publish the warehouse.",
        tags={"study": study.study},
    )
