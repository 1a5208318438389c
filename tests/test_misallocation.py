"""Paper E's misallocation mechanism against independent computations.

On the built warehouse (conftest.warehouse_connection, one full `nqp build`): the perpetual-inventory
capital stock against a NumPy year-by-year recursion on the same inputs, the production elasticities
against statsmodels OLS on explicit region-dummy interactions, gamma / tau / M against pandas.
On simulated panels: the LSDV fit recovers known region-specific elasticities.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import yaml

from models_py.errors import DataError
from models_py.estimators.misallocation import ELASTICITY_COLUMNS, fit_production_function

VARS = yaml.safe_load((Path(__file__).resolve().parent.parent / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


# ---------------------------------------------------------------- capital stock


def _capital_stock_reference(series: pd.DataFrame) -> pd.DataFrame:
    """K_t0 = x_t0 / (g + delta), K_t = (1 - delta) K_{t-1} + x_t, x = I / P, by explicit recursion."""
    delta, base_year, window = VARS["capital_depreciation_rate"], VARS["production_base_year"], VARS["capital_initial_growth_years"]
    parts = []
    for region, group in series.groupby("region_code"):
        group = group.dropna(subset=["fixed_asset_investment", "fai_price_index"]).sort_values("year")
        chain = np.cumprod(group["fai_price_index"].to_numpy() / 100)
        deflator = chain / chain[group["year"].to_numpy() == base_year][0]
        real_investment = group["fixed_asset_investment"].to_numpy() / deflator
        growth = (real_investment[window] / real_investment[0]) ** (1 / window) - 1
        stock = np.empty_like(real_investment)
        stock[0] = real_investment[0] / (growth + delta)
        for t in range(1, len(stock)):
            stock[t] = (1 - delta) * stock[t - 1] + real_investment[t]
        parts.append(pd.DataFrame({
            "region_code": region, "year": group["year"].to_numpy(), "investment_deflator": deflator,
            "real_investment": real_investment, "initial_growth": growth, "capital_stock": stock,
        }))
    return pd.concat(parts).set_index(["region_code", "year"]).sort_index()


def test_capital_stock_equals_the_perpetual_inventory_recursion(warehouse_connection):
    series = warehouse_connection.execute(
        "select region_code, year, series, value from intermediate.int_series_values "
        "where series in ('fixed_asset_investment', 'fai_price_index')"
    ).df().pivot_table(index=["region_code", "year"], columns="series", values="value").reset_index()
    expected = _capital_stock_reference(series)
    built = warehouse_connection.execute(
        "select * from intermediate.int_capital_stock order by region_code, year"
    ).df().set_index(["region_code", "year"])

    assert list(built.index) == list(expected.index)
    assert built.index.get_level_values("region_code").nunique() == 31
    for column in ("investment_deflator", "real_investment", "initial_growth", "capital_stock"):
        np.testing.assert_allclose(built[column], expected[column], rtol=1e-10, err_msg=column)
    np.testing.assert_allclose(built.xs(VARS["production_base_year"], level="year")["investment_deflator"], 1.0, rtol=1e-12)


# ---------------------------------------------------------------- production elasticities


@pytest.fixture(scope="module")
def fit_inputs(warehouse_connection) -> pd.DataFrame:
    first, last = VARS["paper_e_fit_years"]
    return warehouse_connection.execute(
        "select * from intermediate.int_production_inputs where year between ? and ? order by region_code, year",
        [first, last],
    ).df()


def _statsmodels_lsdv(inputs: pd.DataFrame, constant_returns: bool):
    """OLS on hand-built columns: one intercept and slope(s) per region, year dummies but the first."""
    ln = {name: np.log(inputs[name]) for name in ("real_gdp", "capital_stock", "employment")}
    y = ln["real_gdp"] - ln["employment"] if constant_returns else ln["real_gdp"]
    slopes = {"beta_k": ln["capital_stock"] - ln["employment"]} if constant_returns else {
        "beta_k": ln["capital_stock"], "beta_l": ln["employment"]}
    columns = {}
    for region in sorted(inputs["region_code"].unique()):
        dummy = (inputs["region_code"] == region).astype(float)
        columns[f"alpha[{region}]"] = dummy
        for name, regressor in slopes.items():
            columns[f"{name}[{region}]"] = dummy * regressor
    for year in sorted(inputs["year"].unique())[1:]:
        columns[f"year[{year}]"] = (inputs["year"] == year).astype(float)
    return sm.OLS(y.to_numpy(), pd.DataFrame(columns)).fit()


def test_elasticities_table_equals_statsmodels_dummy_regression(warehouse_connection, fit_inputs):
    table = warehouse_connection.execute(
        "select * from intermediate.production_elasticities order by region_code"
    ).df()
    assert list(table.columns) == ELASTICITY_COLUMNS
    assert VARS["paper_e_constant_returns"] is True
    reference = _statsmodels_lsdv(fit_inputs, constant_returns=True)
    names = [f"beta_k[{region}]" for region in table["region_code"]]
    np.testing.assert_allclose(table["beta_k"], reference.params[names], rtol=1e-8)
    np.testing.assert_allclose(table["se_beta_k"], reference.bse[names], rtol=1e-8)
    np.testing.assert_allclose(table["beta_l"], 1 - table["beta_k"], rtol=1e-12)
    first, last = VARS["paper_e_fit_years"]
    assert len(table) == 31
    assert (table["nobs"] == last - first + 1).all()
    assert (table["sample_from"] == first).all() and (table["sample_to"] == last).all()
    assert table["specification"].str.startswith("constant_returns").all()


def test_unrestricted_fit_equals_statsmodels_dummy_regression(fit_inputs):
    fit = fit_production_function(fit_inputs, constant_returns=False)
    reference = _statsmodels_lsdv(fit_inputs, constant_returns=False)
    np.testing.assert_allclose(fit.params[reference.params.index], reference.params, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(fit.std_errors[reference.params.index], reference.bse, rtol=1e-7)
    assert fit.df_resid == reference.df_resid and fit.rsquared == pytest.approx(reference.rsquared, rel=1e-10)
    np.testing.assert_allclose(fit.elasticities["se_beta_l"],
                               reference.bse[[f"beta_l[{r}]" for r in fit.elasticities.index]], rtol=1e-7)


# ---------------------------------------------------------------- misallocation mart


def test_misallocation_indices_equal_pandas_recomputation(warehouse_connection):
    first, last = VARS["paper_e_sample_years"]
    inputs = warehouse_connection.execute(
        "select * from intermediate.int_production_inputs where year between ? and ?", [first, last]
    ).df()
    elasticities = warehouse_connection.execute(
        "select region_code, beta_k, beta_l from intermediate.production_elasticities"
    ).df()
    frame = inputs.merge(elasticities, on="region_code", how="left")
    by_year = frame.groupby("year")
    share = frame["gdp"] / by_year["gdp"].transform("sum")
    expected = pd.DataFrame({"region_code": frame["region_code"], "year": frame["year"], "output_share": share})
    for factor, quantity in (("k", "capital_stock"), ("l", "employment")):
        beta = frame[f"beta_{factor}"]
        beta_bar = (share * beta).groupby(frame["year"]).transform("sum")
        gamma = (frame[quantity] / by_year[quantity].transform("sum")) / (share * beta / beta_bar)
        expected[f"beta_{factor}_bar"] = beta_bar
        expected[f"gamma_{factor}"] = gamma
        expected[f"tau_{factor}"] = 1 / gamma - 1
    expected["m_cap"] = expected["tau_k"].abs()
    expected["m_lab"] = expected["tau_l"].abs()
    expected["m_all"] = expected["m_cap"] + expected["m_lab"]
    expected = expected.set_index(["region_code", "year"]).sort_index()

    mart = warehouse_connection.execute("select * from misallocation").df().set_index(["region_code", "year"]).sort_index()
    assert len(mart) == 31 * (last - first + 1) == len(expected)
    assert list(mart.index) == list(expected.index)
    for column in expected.columns:
        np.testing.assert_allclose(mart[column], expected[column], rtol=1e-10, err_msg=column)


def test_output_shares_sum_to_one_each_year(warehouse_connection):
    totals = warehouse_connection.execute(
        "select year, sum(output_share) as total, count(*) as regions from misallocation group by year"
    ).df()
    np.testing.assert_allclose(totals["total"], 1.0, rtol=0, atol=1e-12)
    assert (totals["regions"] == 31).all()


# ---------------------------------------------------------------- a missing input: kept, never a subset


JIANGSU_2020 = "region_code = 32 and year = 2020"


def test_production_inputs_keep_a_region_year_lacking_an_input(built_warehouse, warehouse_connection, tmp_path):
    """int_production_inputs' SQL on a copy of the build without Jiangsu's 2020 employment: the row stays
    with NULL employment and has_all_inputs false (the fit leaves it out and logs it); the output shares,
    which need no employment, and every other row are the build's."""
    from tests.reference.dbt_inline import model_on_a_copy

    inputs = model_on_a_copy(built_warehouse, tmp_path, "intermediate/int_production_inputs.sql",
                             [f"delete from intermediate.int_series_values where series = 'employment' and {JIANGSU_2020}"])
    built = warehouse_connection.execute("select * from intermediate.int_production_inputs").df()
    assert len(inputs) == len(built)
    merged = inputs.merge(built, on=["region_code", "year"], suffixes=("", "_built"))
    gap = (merged["region_code"] == 32) & (merged["year"] == 2020)
    assert merged.loc[gap, "employment"].isna().all() and not merged.loc[gap, "has_all_inputs"].any()
    assert merged.loc[gap, "employment_built"].notna().all() and merged.loc[gap, "has_all_inputs_built"].all()
    for column in ("employment", "has_all_inputs"):
        np.testing.assert_array_equal(merged.loc[~gap, column], merged.loc[~gap, f"{column}_built"])
    for column in ("gdp", "real_gdp", "capital_stock", "output_share"):  # window sums: last digits may move
        np.testing.assert_allclose(merged[column], merged[f"{column}_built"], rtol=1e-13, err_msg=column)


def test_output_shares_are_null_in_a_year_a_region_lacks_gdp(built_warehouse, warehouse_connection, tmp_path):
    from tests.reference.dbt_inline import model_on_a_copy

    inputs = model_on_a_copy(built_warehouse, tmp_path, "intermediate/int_production_inputs.sql",
                             [f"update intermediate.int_gdp_volume_chain set gdp = null where {JIANGSU_2020}"])
    built = warehouse_connection.execute("select region_code, year, output_share from "
                                         "intermediate.int_production_inputs").df()
    merged = inputs.merge(built, on=["region_code", "year"], suffixes=("", "_built"))
    in_2020 = merged["year"] == 2020
    assert in_2020.sum() == 31 and merged.loc[in_2020, "output_share"].isna().all()
    assert merged.loc[in_2020, "output_share_built"].notna().all()
    np.testing.assert_allclose(merged.loc[~in_2020, "output_share"], merged.loc[~in_2020, "output_share_built"],
                               rtol=1e-13)


def test_misallocation_is_null_where_a_year_lacks_a_regions_factor(built_warehouse, warehouse_connection, tmp_path):
    """The mart's SQL on a copy whose inputs lack Jiangsu's 2020 employment: the labour share of every
    region in 2020 is NULL, and so are gamma_L, tau_L, M_lab and M_all of that year (never shares of
    the other 30 regions' employment); capital misallocation and every other year are the build's."""
    from tests.reference.dbt_inline import model_on_a_copy

    mart = model_on_a_copy(built_warehouse, tmp_path, "marts/studies/misallocation.sql", [
        f"update intermediate.int_production_inputs set employment = null, has_all_inputs = false where {JIANGSU_2020}"])
    built = warehouse_connection.execute("select * from misallocation").df()
    merged = mart.merge(built, on=["region_code", "year"], suffixes=("", "_built"))
    assert len(merged) == len(built) == len(mart)
    in_2020 = merged["year"] == 2020
    labour = ["gamma_l", "tau_l", "m_lab", "m_all"]
    assert merged.loc[in_2020, labour].isna().all().all() and merged.loc[in_2020].shape[0] == 31
    assert merged.loc[in_2020, [f"{c}_built" for c in labour]].notna().all().all()
    for column in built.columns.drop(["region_code", "year"]):
        rows = ~in_2020 if column in labour else slice(None)
        actual, built_values = merged.loc[rows, column], merged.loc[rows, f"{column}_built"]
        if actual.dtype == bool:
            np.testing.assert_array_equal(actual, built_values, err_msg=column)
        else:
            np.testing.assert_allclose(actual, built_values, rtol=1e-12, err_msg=column)


def test_misallocation_without_a_regions_elasticities(built_warehouse, tmp_path):
    """A region with all inputs but no fitted elasticities stops the mart, naming it; a region the fit
    could not use (no year with all inputs) leaves the output-weighted elasticities, and so every index,
    NULL (never weighted over the other 30 regions)."""
    import duckdb

    from tests.reference.dbt_inline import model_on_a_copy

    no_fit = "delete from intermediate.production_elasticities where region_code = 32"
    with pytest.raises(duckdb.Error, match="no production elasticities for region 32"):
        model_on_a_copy(built_warehouse, tmp_path, "marts/studies/misallocation.sql", [no_fit])
    mart = model_on_a_copy(built_warehouse, tmp_path, "marts/studies/misallocation.sql", [no_fit, (
        "update intermediate.int_production_inputs set capital_stock = null, has_all_inputs = false "
        "where region_code = 32")])
    assert len(mart) == 403
    assert mart[["beta_k_bar", "beta_l_bar", "m_cap", "m_lab", "m_all"]].isna().all().all()
    assert mart["output_share"].notna().all()


def test_fit_leaves_out_and_names_the_rows_lacking_an_input():
    from orchestration.assets.misallocation import complete_rows

    rows = pd.DataFrame({"region_code": [31, 32, 32], "year": [2020, 2020, 2021], "real_gdp": [1.0, 2.0, np.nan],
                         "capital_stock": [1.0, np.nan, np.nan], "employment": [1.0, np.nan, 3.0],
                         "has_all_inputs": [True, False, False]})
    used, left_out = complete_rows(rows)
    assert used.to_dict("list") == {"region_code": [31], "year": [2020], "real_gdp": [1.0], "capital_stock": [1.0],
                                    "employment": [1.0]}
    assert left_out == ["region 32 in 2020 lacks capital stock, employment",
                        "region 32 in 2021 lacks real GDP, capital stock"]


# ---------------------------------------------------------------- the LSDV function on simulated panels


def _simulated_panel(constant_returns: bool, noise: float, regions: int = 12, years: int = 25, seed: int = 7):
    rng = np.random.default_rng(seed)
    codes = np.arange(11, 11 + regions)
    beta_k = pd.Series(rng.uniform(0.2, 0.6, regions), index=codes)
    beta_l = 1 - beta_k if constant_returns else pd.Series(rng.uniform(0.3, 0.7, regions), index=codes)
    alpha = pd.Series(rng.normal(0, 0.5, regions), index=codes)
    year_effect = pd.Series(np.cumsum(rng.normal(0.02, 0.01, years)), index=np.arange(2000, 2000 + years))
    rows = []
    for code in codes:
        ln_k = np.log(1000 * rng.uniform(0.5, 2)) + np.cumsum(rng.normal(0.08, 0.05, years))
        ln_l = np.log(2000 * rng.uniform(0.5, 2)) + np.cumsum(rng.normal(0.01, 0.03, years))
        ln_y = (alpha[code] + beta_k[code] * ln_k + beta_l[code] * ln_l + year_effect.to_numpy()
                + rng.normal(0, noise, years))
        rows.append(pd.DataFrame({"region_code": code, "year": year_effect.index, "real_gdp": np.exp(ln_y),
                                  "capital_stock": np.exp(ln_k), "employment": np.exp(ln_l)}))
    return pd.concat(rows, ignore_index=True).sample(frac=1, random_state=1), beta_k, beta_l


@pytest.mark.parametrize("constant_returns", [True, False])
def test_fit_recovers_known_elasticities_exactly_without_noise(constant_returns):
    panel, beta_k, beta_l = _simulated_panel(constant_returns, noise=0.0)
    fit = fit_production_function(panel, constant_returns=constant_returns)
    np.testing.assert_allclose(fit.elasticities["beta_k"], beta_k, rtol=1e-8)
    np.testing.assert_allclose(fit.elasticities["beta_l"], beta_l, rtol=1e-8)
    assert fit.nobs == len(panel) and (fit.elasticities["nobs"] == 25).all()
    assert fit.specification.startswith("constant_returns" if constant_returns else "unrestricted")


@pytest.mark.parametrize("constant_returns", [True, False])
def test_fit_recovers_known_elasticities_within_their_standard_errors(constant_returns):
    panel, beta_k, beta_l = _simulated_panel(constant_returns, noise=0.01)
    fit = fit_production_function(panel, constant_returns=constant_returns)
    z_k = (fit.elasticities["beta_k"] - beta_k) / fit.elasticities["se_beta_k"]
    z_l = (fit.elasticities["beta_l"] - beta_l) / fit.elasticities["se_beta_l"]
    assert (z_k.abs() < 4).all() and (z_l.abs() < 4).all()
    assert np.abs(fit.elasticities["beta_k"] - beta_k).max() < 0.1


def test_table_has_the_warehouse_columns():
    panel, _, _ = _simulated_panel(True, noise=0.01)
    table = fit_production_function(panel).table()
    assert list(table.columns) == ELASTICITY_COLUMNS
    assert (table["sample_from"] == 2000).all() and (table["sample_to"] == 2024).all()


def test_non_positive_input_names_region_and_year():
    panel, _, _ = _simulated_panel(True, noise=0.01)
    panel.loc[(panel["region_code"] == 13) & (panel["year"] == 2005), "capital_stock"] = 0.0
    with pytest.raises(DataError, match=r"region 13, year 2005, value 0.0: .*positive capital_stock"):
        fit_production_function(panel)


def test_region_with_too_few_years_is_refused():
    panel, _, _ = _simulated_panel(True, noise=0.01)
    panel = panel[(panel["region_code"] != 14) | (panel["year"] <= 2001)]
    with pytest.raises(DataError, match="region 14"):
        fit_production_function(panel)


def test_region_with_constant_capital_labour_ratio_is_not_identified():
    panel, _, _ = _simulated_panel(True, noise=0.01)
    region = panel["region_code"] == 15
    panel.loc[region, "capital_stock"] = 2.0 * panel.loc[region, "employment"]
    with pytest.raises(DataError, match=r"region 15.*beta_k\[15\] is collinear"):
        fit_production_function(panel)


def test_fit_configuration_comes_from_the_dbt_vars_through_the_manifest():
    from models_py.declarations import load_manifest
    from orchestration.assets.misallocation import production_function_config
    from orchestration.project import nqp_dbt_project

    spec = production_function_config(load_manifest(nqp_dbt_project.manifest_path))
    assert spec.relation == "intermediate.int_production_inputs"
    assert spec.constant_returns is VARS["paper_e_constant_returns"]
    assert [spec.fit_from, spec.fit_to] == VARS["paper_e_fit_years"]
