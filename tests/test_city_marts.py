"""City-level panels in a real build (session fixture `built_warehouse`): the generated demo panel
sums to the provinces, city units take their province's groups, and the city index system (nqp_city)
and its inequality measures match pandas / NumPy recomputed from the raw city values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models_py.data.city_demo import SERIES
from tests.reference import inequality_numpy as ref
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


def test_city_study_panel_and_its_regression(warehouse_connection):
    """panel_city_demo recomputed from the city series; the declared TWFE columns estimated on it, by
    city (337 clusters) and by province (31), with the coefficient a NumPy within-regression gives."""
    panel = _frame(warehouse_connection, "select * from panel_city_demo order by region_code, year")
    assert len(panel) == 337 * 12 and panel["uses_synthetic"].all()
    values = _frame(warehouse_connection, "select region_code, year, series, value from intermediate.int_city_series_values")
    wide = values.pivot_table(index=["region_code", "year"], columns="series", values="value").reset_index()
    national = wide.groupby("year")[["gdp", "population"]].sum()
    ln_national = np.log(national["gdp"] * 1e4 / national["population"])
    gap = (np.log(wide["gdp"] * 1e4 / wide["population"]) - wide["year"].map(ln_national)).abs()
    merged = panel.merge(wide.assign(gap=gap)[["region_code", "year", "gap", "budget_expenditure", "gdp"]],
                         on=["region_code", "year"])
    _close(merged["regional_gap_abs"], merged["gap"], "regional_gap_abs")
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
