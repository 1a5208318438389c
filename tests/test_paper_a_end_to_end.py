"""Paper A end to end: from an empty warehouse every asset is materialised (conftest.built_warehouse),
then Table 2 and Table 3 in results.* must equal an independent computation on panel_paper_a.

The independent computation is an explicit dummy-variable regression in NumPy with the cluster
sandwich and reghdfe's small-sample factor written out (reghdfe 6, `reghdfe_cluster`: G/(G-1) *
(N-1)/(N-K), with the region effects nested in the region cluster not counted, so K = k + years).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

CONTROLS = ["gov_intervention", "tax_burden", "openness", "urbanisation", "financial_development", "infrastructure"]
TABLE3 = {"(1)": ["nqp"], "(2)": ["nqp", *CONTROLS]}


def _dummy_variable_fit(panel: pd.DataFrame, regressors: list[str]) -> dict:
    y = panel["regional_gap_abs"].to_numpy()
    x = panel[regressors].to_numpy()
    region = pd.get_dummies(panel["region_code"], dtype=float).to_numpy()  # all regions: the intercept
    year = pd.get_dummies(panel["year"], drop_first=True, dtype=float).to_numpy()
    design = np.column_stack([x, region, year])
    bread = np.linalg.inv(design.T @ design)
    coefficients = bread @ design.T @ y
    residuals = y - design @ coefficients
    clusters = panel["region_code"].to_numpy()
    meat = np.zeros((design.shape[1], design.shape[1]))
    for code in np.unique(clusters):
        score = design[clusters == code].T @ residuals[clusters == code]
        meat += np.outer(score, score)
    n, k, g, years = len(y), len(regressors), len(np.unique(clusters)), panel["year"].nunique()
    scale = g / (g - 1) * (n - 1) / (n - (k + years))
    covariance = scale * bread @ meat @ bread
    # within R²: y and X net of both sets of effects (residuals of a regression on the dummies alone)
    effects = np.column_stack([region, year])
    y_within = y - effects @ np.linalg.lstsq(effects, y, rcond=None)[0]
    beta = coefficients[:k]
    return {
        "estimate": pd.Series(beta, index=regressors),
        "std_error": pd.Series(np.sqrt(np.diag(covariance)[:k]), index=regressors),
        "constant": y.mean() - x.mean(axis=0) @ beta,  # reghdfe's _cons
        "r2_within": 1 - residuals @ residuals / (y_within @ y_within),
        "r2": 1 - residuals @ residuals / ((y - y.mean()) @ (y - y.mean())),
        "nobs": n,
        "clusters": g,
    }


@pytest.fixture(scope="module")
def panel(warehouse_connection) -> pd.DataFrame:
    return warehouse_connection.execute("select * from panel_paper_a order by region_code, year").df()


def test_panel_has_papers_sample(panel):
    assert len(panel) == 300
    assert panel["region_code"].nunique() == 30 and 54 not in set(panel["region_code"])
    assert sorted(panel["year"].unique()) == list(range(2013, 2023))
    assert not panel[["regional_gap_abs", "nqp", *CONTROLS]].isna().any().any()


@pytest.mark.parametrize("column_id", list(TABLE3))
def test_table3_equals_independent_dummy_variable_regression(warehouse_connection, panel, column_id):
    regressors = TABLE3[column_id]
    expected = _dummy_variable_fit(panel, regressors)
    coefficients = warehouse_connection.execute(
        "select term, estimate, std_error, t, p, stars from results.regression_coefficients "
        "where study = 'paper_a' and table_id = 'table3' and column_id = ?",
        [column_id],
    ).df().set_index("term")
    fit = warehouse_connection.execute(
        "select * from results.regression_fits where study = 'paper_a' and table_id = 'table3' and column_id = ?",
        [column_id],
    ).df().iloc[0]

    assert list(coefficients.index) == [*regressors, "_cons"]
    np.testing.assert_allclose(coefficients.loc[regressors, "estimate"], expected["estimate"], rtol=1e-6)
    np.testing.assert_allclose(coefficients.loc[regressors, "std_error"], expected["std_error"], rtol=1e-6)
    np.testing.assert_allclose(coefficients.loc["_cons", "estimate"], expected["constant"], rtol=1e-6)
    np.testing.assert_allclose(
        coefficients.loc[regressors, "t"], expected["estimate"] / expected["std_error"], rtol=1e-6
    )
    assert fit["nobs"] == expected["nobs"] == 300
    assert fit["n_clusters"] == expected["clusters"] == 30
    np.testing.assert_allclose(fit["r2_within"], expected["r2_within"], rtol=1e-6)
    np.testing.assert_allclose(fit["r2"], expected["r2"], rtol=1e-6)
    assert fit["vcov_type"] == "cluster" and fit["region_fe"] and fit["year_fe"]


def test_table2_equals_pandas_summary(warehouse_connection, panel):
    rows = warehouse_connection.execute(
        "select * from results.descriptive_statistics where study = 'paper_a' and table_id = 'table2' order by variable_order"
    ).df()
    assert list(rows["variable"]) == ["regional_gap_abs", "nqp", *CONTROLS]
    for row in rows.itertuples():
        values = panel[row.variable]
        assert row.n == values.count() == 300
        np.testing.assert_allclose(
            [row.mean, row.sd, row.min, row.median, row.max],
            [values.mean(), values.std(), values.min(), values.median(), values.max()],
            rtol=1e-12,
        )
    assert rows.loc[rows["variable"] == "nqp", "label_zh"].item() == "新质生产力"


def test_results_are_replaced_not_appended(warehouse_connection):
    duplicates = warehouse_connection.execute(
        "select study, table_id, column_id, equation, term, count(*) from results.regression_coefficients "
        "group by all having count(*) > 1"
    ).fetchall()
    assert duplicates == []


@pytest.mark.parametrize("national_average", ["totals", "mean_of_logs"])
def test_a_region_year_without_a_gdp_chain_keeps_its_row(built_warehouse, warehouse_connection, tmp_path,
                                                         national_average):
    """panel_paper_a's SQL on a copy of the build whose Jiangsu lacks its GDP chain in 2020: the row stays
    with no real GDP (NULL, not dropped), the national average of 2020 and so every 2020 gap are NULL
    (never an average over the other regions), and every other year is the build's."""
    from tests.reference.dbt_inline import model_on_a_copy

    changes = ["delete from intermediate.int_gdp_volume_chain where region_code = 32 and year = 2020"]
    vars_ = {"paper_a_national_average": national_average}
    panel = model_on_a_copy(built_warehouse, tmp_path, "marts/studies/panel_paper_a.sql", changes, vars_)
    built = warehouse_connection.execute("select * from panel_paper_a").df()
    assert len(panel) == len(built) == 30 * 10
    in_2020, jiangsu = panel["year"] == 2020, panel["region_code"] == 32
    assert panel.loc[in_2020 & jiangsu, "real_gdp_per_capita"].isna().all()
    assert panel.loc[in_2020 & ~jiangsu, "real_gdp_per_capita"].notna().all()
    assert panel.loc[in_2020, ["regional_gap_abs", "ln_real_gdp_per_capita_national"]].isna().all().all()
    if national_average == "totals":  # the build's own setting: the other years are the build's
        columns = ["region_code", "year", "regional_gap_abs", "regional_gap_rel", "nqp"]
        other = panel.loc[~in_2020, columns].merge(built[columns], on=["region_code", "year"], suffixes=("", "_built"))
        assert len(other) == 30 * 9
        for column in columns[2:]:
            np.testing.assert_array_equal(other[column], other[f"{column}_built"], err_msg=column)
