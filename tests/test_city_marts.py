"""City-level panels in a real build (session fixture `built_warehouse`): the generated demo panel
sums to the provinces, city units take their province's groups, and the city index system (nqp_city)
and its inequality measures match pandas / NumPy recomputed from the raw city values."""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from models_py.data.city_demo import SERIES
from tests.reference import inequality_numpy as ref
from tests.reference.dbt_inline import compile_queries, model_on_a_copy
from tests.reference.deflators import gap_to_national, province_gdp_deflators, real_gdp
from tests.reference.entropy_numpy import compute_long

TOL = 1e-10


def _frame(connection, sql: str) -> pd.DataFrame:
    return connection.execute(sql).df()


def _close(got, expected, what: str) -> None:
    np.testing.assert_allclose(np.asarray(got, float), np.asarray(expected, float), rtol=TOL, atol=TOL, err_msg=what)


def test_demo_panel_sums_to_the_province_values(warehouse_connection):
    cities = _frame(warehouse_connection, "select region_code, year, series, value, is_synthetic, provenance "
                                          "from intermediate.int_city_series_values")
    assert set(cities["series"]) == set(SERIES)
    assert cities["region_code"].nunique() == 337 and sorted(cities["year"].unique()) == list(range(2011, 2023))
    assert cities["is_synthetic"].all() and cities["provenance"].str.startswith("synthetic: city demo").all()
    provinces = _frame(warehouse_connection, "select region_code, year, series, value from series_values")
    summed = (cities.assign(province=cities["region_code"] // 10000)
              .groupby(["province", "year", "series"])["value"].sum().rename("cities").reset_index())
    both = summed.merge(provinces, left_on=["province", "year", "series"],
                        right_on=["region_code", "year", "series"], how="left")
    assert both["value"].notna().all() and len(both) == 31 * 12 * len(SERIES)
    _close(both["cities"], both["value"], "city sums = province values")


def test_city_units_take_their_province_groups(warehouse_connection):
    units = _frame(warehouse_connection, "select * from intermediate.int_units")
    regions = _frame(warehouse_connection, "select * from reference.regions")
    assert units["level"].value_counts().to_dict() == {"county": 2844, "prefecture_city": 337, "province": 31}
    joined = units.merge(regions, left_on="province_code", right_on="region_code", suffixes=("", "_p"))
    for column in ("region3", "region4", "south_north", "hu_line_side"):
        assert (joined[column] == joined[f"{column}_p"]).all(), column
    assert (units.loc[units["level"] == "prefecture_city", "unit_code"] // 10000
            == units.loc[units["level"] == "prefecture_city", "province_code"]).all()


@pytest.fixture(scope="module")
def city_indicators(warehouse_connection) -> pd.DataFrame:
    """nqp_city's indicators recomputed in pandas from the city series (not from the index layer)."""
    values = _frame(warehouse_connection, "select region_code, year, series, value from intermediate.int_city_series_values")
    wide = values.pivot_table(index=["region_code", "year"], columns="series", values="value").reset_index()
    catalogue = _frame(warehouse_connection, "select * from reference.index_indicators where system = 'nqp_city'")
    rows = []
    for c in catalogue.itertuples():
        value = wide[c.numerator] / wide[c.denominator] * float(c.scale)
        rows.append(pd.DataFrame({"system": "nqp_city", "region_code": wide["region_code"], "year": wide["year"],
                                  "indicator": c.indicator, "direction": c.direction, "dimension": c.dimension,
                                  "value": value}))
    return pd.concat(rows, ignore_index=True)


def test_city_index_weights_and_scores_match_numpy(warehouse_connection, city_indicators):
    expected = compute_long(city_indicators, ["system"], ["region_code", "year"])
    weights = _frame(warehouse_connection, "select indicator, weight, entropy from index_weights where system = "
                                           "'nqp_city' and level = 'indicator' and period_scheme = 'pooled'")
    got = weights.set_index("indicator").sort_index()
    want = expected.weights.set_index("indicator").sort_index()
    assert list(got.index) == list(want.index) and len(got) == 8
    _close(got["weight"], want["weight"], "weights")
    _close(got["entropy"], want["entropy"], "entropy")
    scores = _frame(warehouse_connection, "select region_code, year, score from index_scores "
                                          "where system = 'nqp_city' and level = 'total'")
    assert len(scores) == 337 * 12
    merged = scores.merge(expected.scores, on=["region_code", "year"])
    assert len(merged) == len(scores)
    _close(merged["score"], merged["weighted_sum"], "total scores")


def test_city_inequality_by_province_and_region_matches_numpy(warehouse_connection):
    mart = _frame(warehouse_connection, "select * from inequality_measures where subject = 'nqp_city'")
    assert set(mart["grouping"]) == {"province", "region3", "region4", "south_north", "hu_line_side"}
    assert set(_frame(warehouse_connection, "select distinct grouping from inequality_measures "
                                            "where subject <> 'nqp_city'")["grouping"]) == {
        "region3", "region4", "south_north", "hu_line_side"}  # provinces are not grouped by province
    scores = _frame(warehouse_connection, """
        select s.region_code, s.year, s.score, u.province_code, u.region4
        from index_scores s join intermediate.int_units u on s.region_code = u.unit_code
        where s.system = 'nqp_city' and s.level = 'total'""")
    population = _frame(warehouse_connection, "select region_code, year, value as population from "
                                              "intermediate.int_city_series_values where series = 'population'")
    scores = scores.merge(population, on=["region_code", "year"])
    checked = 0
    for (grouping, column) in [("province", "province_code"), ("region4", "region4")]:
        for year, frame in scores.groupby("year"):
            row = mart[(mart["grouping"] == grouping) & (mart["year"] == year)].iloc[0]
            y, g, w = frame["score"].to_numpy(), frame[column].astype(str).to_numpy(), frame["population"].to_numpy()
            dagum, theil, weighted = ref.dagum(y, g), ref.theil(y, g), ref.theil(y, g, w)
            assert row["n_units"] == 337 and row["n_groups"] == len(set(g))
            for name, value in [("cv", ref.coefficient_of_variation(y)), ("theil", theil.total),
                                ("theil_within", theil.within), ("theil_between", theil.between),
                                ("theil_pw", weighted.total), ("theil_pw_between", weighted.between),
                                ("gini", dagum.gini), ("gini_within", dagum.within),
                                ("gini_net_between", dagum.net_between),
                                ("gini_transvariation", dagum.transvariation)]:
                assert row[name] == pytest.approx(value, rel=1e-9, abs=1e-12), (grouping, year, name)
            checked += 1
    assert checked == 2 * 12


@pytest.mark.parametrize("base_year", [2011, 2016])
def test_province_gdp_deflator_matches_the_reference(built_warehouse, warehouse_connection, base_year):
    """nqp_province_gdp_deflator(base_year) on the built warehouse against the deflator chained here from
    series_values, every province and year, before and after the base year; 1 in the base year."""
    compiled, _project = compile_queries({"deflators": f"{{{{ nqp_province_gdp_deflator({base_year}) }}}}"})
    with duckdb.connect() as connection:
        connection.execute(f"attach '{built_warehouse}' as compile (read_only)")  # refs compile to `compile`
        got = connection.execute(compiled["deflators"]).df().set_index(["province_code", "year"]).sort_index()
    expected = province_gdp_deflators(warehouse_connection, base_year)
    assert got.index.equals(expected.index) and len(got) > 31 * 20
    _close(got["gdp_deflator"], expected["deflator"], "gdp_deflator")
    assert (got["is_synthetic"] == expected["is_synthetic"]).all()
    assert (got.xs(base_year, level="year")["gdp_deflator"] == 1).all()


def test_a_city_year_without_its_province_deflator_has_no_real_gdp(built_warehouse, warehouse_connection, tmp_path):
    """panel_city_demo's SQL on a copy of the build whose Jiangsu lacks its GDP chain in 2020: Jiangsu's
    cities have no real GDP that year (NULL, no error), the national average and so every city's gap of
    2020 are NULL (never an average over the other cities), and every other year is the build's."""
    panel = model_on_a_copy(built_warehouse, tmp_path, "marts/studies/panel_city_demo.sql",
                            ["delete from intermediate.int_gdp_volume_chain where region_code = 32 and year = 2020"])
    built = _frame(warehouse_connection, "select * from panel_city_demo")
    assert len(panel) == len(built) == 337 * 12
    in_2020 = panel["year"] == 2020
    jiangsu = panel["province_code"] == 32
    assert panel.loc[in_2020 & jiangsu, "real_gdp_per_capita"].isna().all()
    assert panel.loc[in_2020 & ~jiangsu, "real_gdp_per_capita"].notna().all()
    assert panel.loc[in_2020, ["regional_gap_abs", "ln_real_gdp_per_capita_national"]].isna().all().all()
    assert panel.loc[in_2020, "ln_gdp_per_capita_national"].notna().all()  # the nominal one is complete
    columns = ["region_code", "year", "regional_gap_abs", "real_gdp_per_capita", "uses_synthetic"]
    other = panel.loc[~in_2020, columns].merge(built[columns], on=["region_code", "year"], suffixes=("", "_built"))
    assert len(other) == 337 * 11
    _close(other["regional_gap_abs"], other["regional_gap_abs_built"], "other years' gaps")
    _close(other["real_gdp_per_capita"], other["real_gdp_per_capita_built"], "other years' real GDP per capita")


def test_city_study_panel_and_its_regression(warehouse_connection):
    """panel_city_demo recomputed from the city series (GDP deflated by the province's GDP deflator, chained
    here from the published provincial GDP index); the declared TWFE columns estimated on it, by
    city (337 clusters) and by province (31), with the coefficient a NumPy within-regression gives."""
    panel = _frame(warehouse_connection, "select * from panel_city_demo order by region_code, year")
    assert len(panel) == 337 * 12 and panel["uses_synthetic"].all()
    values = _frame(warehouse_connection, "select region_code, year, series, value from intermediate.int_city_series_values")
    wide = values.pivot_table(index=["region_code", "year"], columns="series", values="value").reset_index()
    wide["real_gdp"] = real_gdp(wide, province_gdp_deflators(warehouse_connection, base_year=2011))
    merged = panel.merge(wide.assign(gap=gap_to_national(wide))[["region_code", "year", "gap", "budget_expenditure", "gdp",
                                               "real_gdp", "population"]], on=["region_code", "year"])
    _close(merged["regional_gap_abs"], merged["gap"], "regional_gap_abs")
    _close(merged["real_gdp_per_capita"], merged["real_gdp"] * 1e4 / merged["population"], "real_gdp_per_capita")
    base = merged[merged["year"] == 2011]
    _close(base["real_gdp_per_capita"], base["gdp_per_capita"], "real = nominal in the base year")
    _close(merged["gov_intervention"], merged["budget_expenditure"] / merged["gdp"], "gov_intervention")
    assert (panel["province_code"] == panel["region_code"] // 10000).all()

    fits = _frame(warehouse_connection, "select column_id, nobs, n_clusters, cluster from results.regression_fits "
                                        "where study = 'city_demo' and table_id = 'table2' order by column_id")
    assert fits[["column_id", "n_clusters", "cluster"]].values.tolist() == [
        ["(1)", 337, "region_code"], ["(2)", 337, "region_code"], ["(3)", 31, "province_code"]]
    assert (fits["nobs"] == 337 * 12).all()
    coefficients = _frame(warehouse_connection, "select column_id, estimate, std_error from "
                                                "results.regression_coefficients where study = 'city_demo' "
                                                "and table_id = 'table2' and term = 'nqp' order by column_id")
    # balanced panel: two-way within transformation, then OLS
    columns = ["regional_gap_abs", "nqp", "gov_intervention", "investment_rate", "tertiary_share"]
    data = panel[["region_code", "year", *columns]].copy()
    for column in columns:
        x = data[column]
        data[column] = (x - x.groupby(data["region_code"]).transform("mean")
                        - x.groupby(data["year"]).transform("mean") + x.mean())
    for column_id, regressors in [("(1)", ["nqp"]), ("(2)", columns[1:])]:
        beta = np.linalg.lstsq(data[regressors].to_numpy(), data["regional_gap_abs"].to_numpy(), rcond=None)[0]
        got = coefficients.set_index("column_id").loc[column_id, "estimate"]
        assert got == pytest.approx(beta[0], rel=1e-8), column_id
    by_id = coefficients.set_index("column_id")
    assert by_id.loc["(2)", "estimate"] == pytest.approx(by_id.loc["(3)", "estimate"], rel=1e-12)
    assert by_id.loc["(3)", "std_error"] != pytest.approx(by_id.loc["(2)", "std_error"], rel=1e-3)  # clusters differ


def test_shipped_demo_file_is_what_the_generator_makes(warehouse_connection):
    """seeds/shipped/city-demo is reproducible: the generator on this build's provincial values gives
    the shipped numbers (shares from a hash, never from a random state)."""
    from models_py.data import city_demo
    from models_py.ingest.seeds import read_reference_csv

    units = read_reference_csv("units")
    for col in ("unit_code", "region_code", "parent_code"):
        units[col] = pd.to_numeric(units[col]).astype("Int64")
    provinces = _frame(warehouse_connection, "select region_code, series, year, value from series_values "
                                             "where year between 2011 and 2022")
    made = city_demo.generate(provinces[provinces["series"].isin(list(city_demo.SERIES))], units)
    made = made.drop(columns="region_code").rename(columns={"unit_code": "region_code"}).astype(
        {"region_code": "int64", "value": "float64"})
    shipped = city_demo.load_city_demo()[["region_code", "year", "series", "value"]].astype({"region_code": "int64",
                                                                                           "year": "int64"})
    both = made.merge(shipped, on=["region_code", "year", "series"], how="outer", suffixes=("_made", "_shipped"))
    assert len(both) == len(shipped) == 337 * 12 * len(city_demo.SERIES)
    _close(both["value_made"], both["value_shipped"], "regenerated demo values")


# ------------------------------------------------------------ the other estimator kinds on the city panel
# Coefficients recomputed with NumPy on the balanced city panel (two-way within transformation, then
# least squares / 2SLS), independently of the estimators' absorption and sample code.

CONTROLS = ["gov_intervention", "investment_rate", "tertiary_share"]


@pytest.fixture(scope="module")
def city_panel(warehouse_connection) -> pd.DataFrame:
    return _frame(warehouse_connection, "select * from panel_city_demo order by region_code, year")


@pytest.fixture(scope="module")
def city_results(warehouse_connection):
    """(coefficients, fits, diagnostics) of the city study, indexed for lookups."""
    where = "where study = 'city_demo'"
    coefficients = _frame(warehouse_connection, f"select * from results.regression_coefficients {where}")
    fits = _frame(warehouse_connection, f"select * from results.regression_fits {where}")
    diagnostics = _frame(warehouse_connection, f"select * from results.model_diagnostics {where}")
    return coefficients, fits, diagnostics


def _within(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Two-way within transformation of a balanced panel (city and year means removed)."""
    out = frame[columns].astype(float)
    by_city, by_year = frame["region_code"], frame["year"]
    return out - out.groupby(by_city).transform("mean") - out.groupby(by_year).transform("mean") + out.mean()


def _ols(frame: pd.DataFrame, y: str, xs: list[str]) -> np.ndarray:
    data = _within(frame, [y, *xs])
    return np.linalg.lstsq(data[xs].to_numpy(), data[y].to_numpy(), rcond=None)[0]


def _estimate(coefficients, table_id, column_id, term, equation="main") -> float:
    row = coefficients[(coefficients["table_id"] == table_id) & (coefficients["column_id"] == column_id)
                       & (coefficients["equation"] == equation) & (coefficients["term"] == term)]
    assert len(row) == 1, (table_id, column_id, equation, term)
    return float(row["estimate"].iloc[0])


def _statistic(diagnostics, table_id, column_id, statistic, equation="main") -> float:
    row = diagnostics[(diagnostics["table_id"] == table_id) & (diagnostics["column_id"] == column_id)
                      & (diagnostics["equation"] == equation) & (diagnostics["statistic"] == statistic)]
    assert len(row) == 1, (table_id, column_id, statistic)
    return float(row["value"].iloc[0])


def test_every_estimator_kind_runs_on_the_city_panel(city_results):
    _, fits, _ = city_results
    kinds = set(fits["estimator"])
    assert kinds == {"twfe", "iv", "mediation", "group_difference", "moderation", "threshold", "gmm", "spatial"}
    status = fits.groupby("table_id")["nobs"].min().to_dict()
    assert status == {"table2": 4044, "table3": 3707, "table4": 4044, "table5": 1224, "table6": 4044,
                      "table7": 4044, "table8": 3707, "table9": 4044}


def test_city_iv_with_lagged_nqp_matches_numpy_2sls(city_panel, city_results):
    coefficients, fits, _ = city_results
    data = city_panel.assign(lag_nqp=city_panel.groupby("region_code")["nqp"].shift(1))
    data = data[data["year"] >= 2012].reset_index(drop=True)  # the lag loses 2011: balanced 337 x 11
    w = _within(data, ["regional_gap_abs", "nqp", "lag_nqp", *CONTROLS])
    x, z, y = w[["nqp", *CONTROLS]].to_numpy(), w[["lag_nqp", *CONTROLS]].to_numpy(), w["regional_gap_abs"].to_numpy()
    fitted = z @ np.linalg.lstsq(z, x, rcond=None)[0]
    beta = np.linalg.lstsq(fitted, y, rcond=None)[0]
    for column_id in ("(1)", "(2)"):
        assert _estimate(coefficients, "table3", column_id, "nqp") == pytest.approx(beta[0], rel=1e-8)
    table3 = fits[fits["table_id"] == "table3"].set_index("column_id")
    assert table3.loc["(1)", "n_clusters"] == 337 and table3.loc["(2)", "n_clusters"] == 31
    assert (table3["nobs"] == 337 * 11).all()


def test_city_mediation_paths_match_numpy(city_panel, city_results):
    coefficients, _, diagnostics = city_results
    controls = ["gov_intervention", "investment_rate"]
    c_total = _ols(city_panel, "regional_gap_abs", ["nqp", *controls])[0]
    a = _ols(city_panel, "tertiary_share", ["nqp", *controls])[0]
    direct, b = _ols(city_panel, "regional_gap_abs", ["nqp", "tertiary_share", *controls])[:2]
    assert _estimate(coefficients, "table4", "(1)", "nqp") == pytest.approx(c_total, rel=1e-8)
    assert _estimate(coefficients, "table4", "(1)", "nqp", "mediator") == pytest.approx(a, rel=1e-8)
    assert _estimate(coefficients, "table4", "(2)", "nqp", "outcome") == pytest.approx(direct, rel=1e-8)
    assert _estimate(coefficients, "table4", "(2)", "tertiary_share", "outcome") == pytest.approx(b, rel=1e-8)
    assert _statistic(diagnostics, "table4", "(2)", "indirect_effect") == pytest.approx(a * b, rel=1e-8)
    assert _statistic(diagnostics, "table4", "(2)", "bootstrap_reps") == 1000
    assert _statistic(diagnostics, "table4", "(2)", "bootstrap_clusters") == 337


def test_city_heterogeneity_by_the_province_region_matches_numpy(city_panel, city_results):
    coefficients, fits, diagnostics = city_results
    slopes = {}
    for column_id, group in (("(1)", "east"), ("(2)", "central"), ("(3)", "west")):
        part = city_panel[city_panel["region3"] == group].reset_index(drop=True)
        slopes[group] = _ols(part, "regional_gap_abs", ["nqp", *CONTROLS])[0]
        assert _estimate(coefficients, "table5", column_id, "nqp") == pytest.approx(slopes[group], rel=1e-8)
        fit = fits[(fits["table_id"] == "table5") & (fits["column_id"] == column_id)].iloc[0]
        assert fit["nobs"] == len(part) and fit["n_clusters"] == part["region_code"].nunique()
    for column_id, (first, second) in (("(1)-(2)", ("east", "central")), ("(1)-(3)", ("east", "west")),
                                       ("(2)-(3)", ("central", "west"))):
        difference = _estimate(coefficients, "table5", column_id, "nqp", "difference")
        assert difference == pytest.approx(slopes[first] - slopes[second], rel=1e-8)
        assert 0 < _statistic(diagnostics, "table5", column_id, "perm_p") < 1
        assert _statistic(diagnostics, "table5", column_id, "perm_reps") == 1000


@pytest.mark.parametrize(("column_id", "moderator", "controls"), [
    ("(1)", "gov_intervention", ["investment_rate", "tertiary_share"]),
    ("(2)", "internet_penetration", CONTROLS)])
def test_city_moderation_matches_numpy(city_panel, city_results, column_id, moderator, controls):
    coefficients, _, _ = city_results
    x, m = city_panel["nqp"], city_panel[moderator]
    data = city_panel.assign(product=(x - x.mean()) * (m - m.mean()))
    b1, b2, b3 = _ols(data, "regional_gap_abs", ["nqp", moderator, "product", *controls])[:3]
    assert _estimate(coefficients, "table6", column_id, "nqp") == pytest.approx(b1, rel=1e-8)
    assert _estimate(coefficients, "table6", column_id, f"c.nqp#c.{moderator}") == pytest.approx(b3, rel=1e-8)
    sd = m.std(ddof=1)
    for at, shift in (("mean-sd", -sd), ("mean", 0.0), ("mean+sd", sd)):
        got = _estimate(coefficients, "table6", column_id, f"nqp@{at}", "margins")
        assert got == pytest.approx(b1 + b3 * shift, rel=1e-8), at


@pytest.mark.parametrize(("column_id", "n_thresholds"), [("(1)", 1), ("(2)", 2)])
def test_city_threshold_slopes_at_the_estimated_thresholds_match_numpy(city_panel, city_results, column_id,
                                                                      n_thresholds):
    """Given the thresholds the estimator found, the regime slopes and the RSS are NumPy's within
    regression on x·I(regime); the thresholds are values of the threshold variable."""
    coefficients, _, diagnostics = city_results
    q = city_panel["internet_penetration"]
    gammas = sorted(_statistic(diagnostics, "table7", column_id, f"threshold_{j}") for j in range(1, n_thresholds + 1))
    assert all(np.isclose(q, gamma, rtol=0, atol=1e-12).any() for gamma in gammas)
    edges = [-np.inf, *gammas, np.inf]
    names = (["nqp_le_g1", "nqp_gt_g1"] if n_thresholds == 1 else ["nqp_le_g1", "nqp_g1_g2", "nqp_gt_g2"])
    data = city_panel.copy()
    for name, low, high in zip(names, edges[:-1], edges[1:]):
        data[name] = data["nqp"] * ((q > low) & (q <= high))
    w = _within(data, ["regional_gap_abs", *names, *CONTROLS])
    beta, rss = np.linalg.lstsq(w[[*names, *CONTROLS]].to_numpy(), w["regional_gap_abs"].to_numpy(), rcond=None)[:2]
    for name, value in zip(names, beta):
        assert _estimate(coefficients, "table7", column_id, name) == pytest.approx(value, rel=1e-7), name
    assert _statistic(diagnostics, "table7", column_id, "rss") == pytest.approx(float(rss[0]), rel=1e-8)


def test_city_system_gmm_and_spatial_durbin_ran_on_all_cities(city_panel, city_results):
    """GMM and spatial ML are checked against xtabond2 / spreg in their own tests; here: they ran on the
    337 cities (GMM on 337 x 11 after the lag, 26 collapsed instruments; SDM on the balanced 337 x 12
    with economic-distance weights built from the panel's GDP per capita, the cities' queen contiguity
    and their inverse distances)."""
    coefficients, fits, diagnostics = city_results
    gmm = fits[fits["table_id"] == "table8"].iloc[0]
    assert gmm["nobs"] == 337 * 11 and gmm["vcov_type"] == "robust (Windmeijer)"
    assert _statistic(diagnostics, "table8", "(1)", "n_groups") == 337
    assert _statistic(diagnostics, "table8", "(1)", "n_instruments") < 337  # collapsed: far fewer than groups
    assert 0 < _estimate(coefficients, "table8", "(1)", "L1.regional_gap_abs") < 1
    spatial = diagnostics[(diagnostics["table_id"] == "table9") & (diagnostics["statistic"] == "spatial_weights")]
    assert spatial.sort_values("column_id")["note"].tolist() == ["economic_distance", "queen", "inverse_distance"]
    for column_id in ("(1)", "(2)", "(3)"):
        assert _statistic(diagnostics, "table9", column_id, "n_units") == 337
        assert _statistic(diagnostics, "table9", column_id, "n_periods") == 12
        direct = _estimate(coefficients, "table9", column_id, "nqp", "direct")
        indirect = _estimate(coefficients, "table9", column_id, "nqp", "indirect")
        total = _estimate(coefficients, "table9", column_id, "nqp", "total")
        assert total == pytest.approx(direct + indirect, rel=1e-9)
        assert abs(_estimate(coefficients, "table9", column_id, "rho")) < 1
    restricted = diagnostics[(diagnostics["table_id"] == "table9") & diagnostics["note"].str.contains("restricted",
                                                                                                       na=False)]
    assert restricted.empty  # the panel has all 337 cities: W is the full matrix


@pytest.mark.parametrize("column_id, kind", [("(2)", "queen"), ("(3)", "inverse_distance")])
def test_city_sdm_with_geographic_weights_equals_a_direct_fit(city_panel, city_results, column_id, kind):
    """table9 (2) / (3): the city SDM of the build equals fit_spatial_panel on the warehouse panel with
    the city weights of models_py.spatial.weights (tests/test_spatial_weights_city.py checks those
    against shapely and a direct haversine)."""
    from models_py.spatial import weights as sw
    from models_py.spatial.panel_ml import fit_spatial_panel

    coefficients, _, _ = city_results
    weights = (sw.queen_contiguity("prefecture_city") if kind == "queen"
               else sw.inverse_distance(level="prefecture_city"))
    assert weights.n == 337
    terms = ["nqp", "gov_intervention", "investment_rate", "tertiary_share"]
    direct = fit_spatial_panel(city_panel, "regional_gap_abs", terms, weights, model="sdm", draws=1000,
                               seed=20261205, vce="oim")
    for term in [*terms, "rho", "sigma2_e"]:
        assert _estimate(coefficients, "table9", column_id, term) == pytest.approx(direct.params[term], rel=1e-9)
    for equation, source in (("wx", "Wx"), ("direct", "direct"), ("indirect", "indirect")):
        assert _estimate(coefficients, "table9", column_id, "nqp", equation) == pytest.approx(
            direct.equations[source].params["nqp"], rel=1e-9)
