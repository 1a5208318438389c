"""Paper E's production elasticities: the regression between two dbt layers.

dbt builds int_production_inputs (real GDP, perpetual-inventory capital, employment, output shares);
this asset fits the LSDV Cobb-Douglas with region-specific elasticities on its rows with all three inputs
(the region-years left out are logged and listed in the materialisation's metadata) and writes
intermediate.production_elasticities, which the misallocation mart reads back as a dbt source.
The fit is configured in the meta of int_production_inputs (rendered from dbt vars).
"""

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from models_py.data.real_only import synthetic_enabled
from models_py.errors import DataError
from models_py.estimators.misallocation import ELASTICITY_COLUMNS, fit_production_function
from models_py.manifest.reader import PRODUCTION_INPUTS, ProductionFunctionConfig, load_manifest, read_manifest
from models_py.warehouse import build_lock, connect_build, replace_table
from orchestration.assets.dbt import nqp_dbt_models
from orchestration.project import nqp_dbt_project

INPUTS_MODEL = PRODUCTION_INPUTS


def production_function_config(manifest: dict) -> ProductionFunctionConfig:
    """The inputs' relation and meta.production_function of their model in the dbt manifest."""
    spec = read_manifest(manifest).production_function
    if spec is None:
        raise ValueError(f"dbt model {INPUTS_MODEL} with meta.production_function is not in the manifest")
    return spec


@dg.asset(
    key=dg.AssetKey(["intermediate", "production_elasticities"]),
    group_name="intermediate",
    deps=[get_asset_key_for_model([nqp_dbt_models], INPUTS_MODEL)],
    description="Region-specific output elasticities of capital and labour (LSDV Cobb-Douglas with year "
    "effects; constant returns by default, var paper_e_constant_returns) fitted on int_production_inputs "
    "over var paper_e_fit_years, written to intermediate.production_elasticities for the misallocation mart.",
)
def production_elasticities(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    spec = production_function_config(load_manifest(nqp_dbt_project.manifest_path))
    with build_lock(), connect_build() as connection:
        rows = connection.execute(
            f"select region_code, year, real_gdp, capital_stock, employment, has_all_inputs from {spec.relation} "
            "where year between ? and ? order by region_code, year",
            [spec.fit_from, spec.fit_to],
        ).df()
        inputs, left_out = complete_rows(rows)
        if left_out:
            context.log.warning("production function: %d region-years of %s %s-%s lack an input and are not "
                                "in the fit: %s", len(left_out), spec.relation, spec.fit_from, spec.fit_to,
                                "; ".join(left_out))
        try:
            fit = fit_production_function(inputs, constant_returns=spec.constant_returns)
        except (DataError, ValueError) as error:
            if synthetic_enabled():
                raise
            # real-only build: the inputs lack data; the misallocation mart and Paper E's tables reading
            # it come out empty and say so (results.study_status) instead of stopping the build
            reason = (f"production function not fitted on {spec.relation} {spec.fit_from}-{spec.fit_to} "
                      f"({len(rows)} rows, {len(inputs)} with all inputs): {error}")
            replace_table(connection, "intermediate", "production_elasticities", empty_elasticities())
            context.log.warning(reason)
            return dg.MaterializeResult(metadata={"rows": 0, "dagster/row_count": 0, "not_fitted": reason,
                                                  "left_out": "; ".join(left_out)})
        table = fit.table()
        written = replace_table(connection, "intermediate", "production_elasticities", table)
    context.log.info("%s: N = %s, R² = %.4f", fit.specification, fit.nobs, fit.rsquared)
    return dg.MaterializeResult(
        metadata={
            "rows": written,
            "dagster/row_count": written,
            "specification": fit.specification,
            "nobs": fit.nobs,
            "df_resid": fit.df_resid,
            "r2": fit.rsquared,
            "sample": f"{spec.fit_from}-{spec.fit_to}",
            "left_out": "; ".join(left_out) or "none",
            "preview": dg.MetadataValue.md(table.round(4).to_markdown(index=False)),
        }
    )


INPUTS = {"real_gdp": "real GDP", "capital_stock": "capital stock", "employment": "employment"}


def complete_rows(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The rows the fit uses (has_all_inputs: real GDP, capital stock and employment present), and each
    row left out as 'region 32 in 2020 lacks employment', so the sample rule is logged, not silent."""
    complete = rows["has_all_inputs"].astype(bool)
    named = [f"region {row.region_code} in {row.year} lacks "
             + ", ".join(label for column, label in INPUTS.items() if pd.isna(getattr(row, column)))
             for row in rows[~complete].itertuples()]
    return rows[complete].drop(columns="has_all_inputs"), named


def empty_elasticities() -> pd.DataFrame:
    """intermediate.production_elasticities with no rows and its columns typed (dbt reads it back)."""
    types = {"region_code": "int32", "beta_k": "float64", "beta_l": "float64", "se_beta_k": "float64",
             "nobs": "int64", "sample_from": "int32", "sample_to": "int32", "specification": "str"}
    return pd.DataFrame({name: pd.Series(dtype=types[name]) for name in ELASTICITY_COLUMNS})
