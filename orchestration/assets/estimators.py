"""One asset per study: every table declared in the study panel's YAML, written to results.*."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from models_py.data.real_only import synthetic_enabled
from models_py.declarations import StudyDeclaration, load_manifest, study_declarations
from models_py.studies import run_study
from models_py.tables.markdown import descriptive_markdown, regression_markdown
from models_py.warehouse import build_lock, connect_build
from orchestration.assets.dbt import dbt_model_assets
from orchestration.project import nqp_dbt_project

def _preview(study: StudyDeclaration, frames) -> dict:
    metadata = {}
    status = frames["study_status"]
    computed = set(status.loc[status["is_computed"], "table_id"])
    for table in study.tables:
        if table.table_id not in computed:
            continue
        if table.kind == "descriptive":
            rows = frames["descriptive_statistics"]
            metadata[f"{table.table_id}_preview"] = dg.MetadataValue.md(
                descriptive_markdown(rows[rows["table_id"] == table.table_id], title=table.title_zh, note=table.note)
            )
        else:
            coefficients = frames["regression_coefficients"]
            fits = frames["regression_fits"]
            diagnostics = frames["model_diagnostics"]
            metadata[f"{table.table_id}_preview"] = dg.MetadataValue.md(
                regression_markdown(
                    coefficients[coefficients["table_id"] == table.table_id],
                    fits[fits["table_id"] == table.table_id],
                    diagnostics[diagnostics["table_id"] == table.table_id] if not diagnostics.empty else None,
                    labels=study.labels,
                    title=table.title_zh,
                    table=table,
                )
            )
    robustness = frames.get("index_robustness")
    if robustness is not None and not robustness.empty:
        for table_id, rows in robustness.groupby("table_id", sort=False):
            shown = rows[["method", "term", "estimate", "std_error", "stars", "nobs", "spearman_vs_baseline"]]
            metadata[f"{table_id}_preview"] = dg.MetadataValue.md(shown.to_markdown(index=False, floatfmt=".4f"))
    return metadata

def _model_asset_key(model: str) -> dg.AssetKey:
    """The asset key of a study panel in whichever dbt asset builds it (Paper E's panel reads the
    misallocation mart, so it is built after the production-elasticity estimate)."""
    for assets in dbt_model_assets:
        try:
            key = get_asset_key_for_model([assets], model)
        except Exception:  # not selected in this dbt asset
            continue
        if key in assets.keys:
            return key
    raise ValueError(f"dbt model {model!r} is in no dbt asset")


def build_study_asset(study: StudyDeclaration) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["results", study.study]),
        group_name=study.study,
        # the panel, and for a robustness declaration the rank correlations its rows report
        deps=[_model_asset_key(study.model)]
        + ([_model_asset_key("index_method_correlations")] if study.robustness else []),
        description=f"{study.title_en} ({study.title_zh}): tables "
        + ", ".join(t.table_id for t in study.tables)
        + f" from {study.relation}, written to results.*.",
    )
    def study_results(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        # a real-only build reports a table it cannot compute instead of failing the study
        on_error = "raise" if synthetic_enabled() else "report"
        with build_lock(), connect_build() as connection:
            frames = run_study(connection, study, run_id=context.run_id, on_error=on_error)
        metadata = {name: len(frame) for name, frame in frames.items()}
        metadata.update(_preview(study, frames))
        status = frames["study_status"]
        skipped = status[~status["is_computed"]]
        metadata["tables_computed"] = int(status["is_computed"].sum())
        metadata["tables_not_computed"] = len(skipped)
        for row in skipped.itertuples():
            metadata[f"{row.table_id}_not_computed"] = row.reason
            context.log.warning("study %s, table %s not computed: %s", study.study, row.table_id, row.reason)
        return dg.MaterializeResult(metadata=metadata)

    return study_results

study_assets = [build_study_asset(study) for study in study_declarations(load_manifest(nqp_dbt_project.manifest_path))]
