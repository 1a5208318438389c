"""Reports: one asset per study (its tables, figures and provenance note in every format), and the
index page. They read the published warehouse, so they run after publish."""

from pathlib import Path

import dagster as dg

from models_py.config import reports_dir
from models_py.declarations import load_manifest
from models_py.reporting import report_studies, write_index, write_study_report
from models_py.tables.display import display_table_specs
from models_py.tables.writers.markdown import table_markdown
from models_py.warehouse import query_published
from orchestration.assets.estimators import study_assets
from orchestration.assets.publish import published_warehouse
from orchestration.project import nqp_dbt_project


class ReportConfig(dg.Config):
    language: str = ""  # "zh" or "en"; empty: $NQP_LANGUAGE, else Chinese


def _manifest() -> dict:
    return load_manifest(Path(nqp_dbt_project.manifest_path))


def report_study_names() -> list[str]:
    """Studies with results assets or display tables in the manifest (known before any run)."""
    manifest = _manifest()
    with_results = [key.path[-1] for asset in study_assets for key in asset.keys]
    return sorted(set(with_results) | {spec.study for spec in display_table_specs(manifest)})


def build_report_asset(study: str) -> dg.AssetsDefinition:
    results = [key for asset in study_assets for key in asset.keys if key.path[-1] == study]

    @dg.asset(
        key=dg.AssetKey(["reports", study]),
        group_name="reports",
        deps=[*results, published_warehouse.key],
        description=f"{study}: tables (Markdown, HTML, Excel, Word, LaTeX), figures (PNG, SVG) and the data "
        "provenance note, written to reports/ (or $NQP_REPORTS) from the published warehouse.",
    )
    def study_report(context: dg.AssetExecutionContext, config: ReportConfig) -> dg.MaterializeResult:
        report = write_study_report(study, reports_dir(), config.language or None, manifest=_manifest())
        metadata = {f"path_{kind}": dg.MetadataValue.path(str(path)) for kind, path in report.paths.items()}
        metadata["figures"] = dg.MetadataValue.json([str(f.png) for f in report.figures])
        metadata["tables"] = len(report.tables)
        metadata["synthetic_series"] = report.n_synthetic_series
        for table in report.tables:
            metadata[f"{table.table_id}_preview"] = dg.MetadataValue.md(table_markdown(table))
        context.log.info("wrote %s", ", ".join(str(p) for p in report.paths.values()))
        return dg.MaterializeResult(metadata=metadata)

    return study_report


report_assets = [build_report_asset(study) for study in report_study_names()]


@dg.asset(
    key=dg.AssetKey(["reports", "index"]),
    group_name="reports",
    deps=[key for asset in report_assets for key in asset.keys],
    description="reports/index.html linking every study's report in every format.",
)
def reports_index(config: ReportConfig) -> dg.MaterializeResult:
    manifest = _manifest()
    studies = report_studies(query_published, manifest)
    path = write_index(reports_dir(), studies, config.language or None, manifest=manifest)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)), "studies": len(studies)})
