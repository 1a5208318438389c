"""The city path with no Python: a user's 城市 table dropped in the inbox (城市, 年份, one column per
indicator; names with and without 市, no 省份 column) and one `nqp build` give the city index, its
inequality tables, the city study's regression and the city choropleth, all from the file's numbers.

The file (tests/city_files.py) is the shipped demo panel's layout with every city's GDP and R&D
scaled by a made-up factor (0.9-1.1, from the city code), so every value differs from the demo panel
and the user's table must win everywhere (int_city_series_values: inbox before the demo). It sits in
the inbox of the shared inbox build (tests/conftest.py `inbox_build`, one `nqp build --no-reports`
into a copy of the session build) beside the provincial exports, which give provinces only and
which no city model reads; the choropleth is drawn from that warehouse by the report code (the
reports themselves are the session build's to check).
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from models_py.data import city_demo
from tests.city_files import FILE_NAME
from tests.reference import inequality_numpy as ref
from tests.reference.deflators import gap_to_national, province_gdp_deflators, real_gdp
from tests.reference.entropy_numpy import compute_long


@pytest.fixture(scope="module")
def city_build(inbox_build):
    """The shared inbox build (conftest InboxBuild: .published, .city_values the file's long values),
    checked to have succeeded."""
    outcome = inbox_build.outcome
    if outcome.returncode != 0:
        pytest.fail(f"nqp build with the shared inbox (city table included) failed:\n{outcome.stdout[-4000:]}\n"
                    f"{outcome.stderr[-4000:]}")
    return inbox_build


@pytest.fixture(scope="module")
def connection(city_build):
    with duckdb.connect(str(city_build.published), read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def expected_scores(city_build, connection) -> pd.DataFrame:
    """nqp_city weights and scores recomputed with NumPy from the file's values (not the warehouse's)."""
    long = city_build.city_values
    wide = long.pivot_table(index=["region_code", "year"], columns="series", values="value").reset_index()
    catalogue = connection.execute("select * from reference.index_indicators where system = 'nqp_city'").df()
    rows = [pd.DataFrame({"system": "nqp_city", "region_code": wide["region_code"], "year": wide["year"],
                          "indicator": c.indicator, "direction": c.direction,
                          "value": wide[c.numerator] / wide[c.denominator] * float(c.scale)})
            for c in catalogue.itertuples()]
    return compute_long(pd.concat(rows, ignore_index=True), ["system"], ["region_code", "year"])


def test_the_users_city_table_replaces_the_demo_values(city_build, connection):
    long = city_build.city_values
    stored = connection.execute("select region_code, year, series, value, is_synthetic, provenance "
                                "from intermediate.int_city_series_values").df()
    assert len(stored) == len(long) == 337 * 12 * len(city_demo.SERIES)
    assert not stored["is_synthetic"].any() and stored["provenance"].str.contains(FILE_NAME).all()
    both = stored.merge(long, on=["region_code", "year", "series"], suffixes=("", "_file"))
    assert len(both) == len(stored)
    np.testing.assert_allclose(both["value"], both["value_file"], rtol=1e-12)


def test_city_index_is_computed_from_the_file(connection, expected_scores):
    weights = connection.execute("select indicator, weight from index_weights where system = 'nqp_city' "
                                 "and level = 'indicator' and period_scheme = 'pooled'").df()
    merged = weights.merge(expected_scores.weights, on="indicator", suffixes=("", "_numpy"))
    assert len(merged) == 8
    np.testing.assert_allclose(merged["weight"], merged["weight_numpy"], rtol=1e-10, atol=1e-12)
    scores = connection.execute("select region_code, year, score from index_scores "
                                "where system = 'nqp_city' and level = 'total'").df()
    merged = scores.merge(expected_scores.scores, on=["region_code", "year"])
    assert len(merged) == len(scores) == 337 * 12
    np.testing.assert_allclose(merged["score"], merged["weighted_sum"], rtol=1e-10, atol=1e-12)


def test_city_inequality_is_computed_from_the_file(connection, expected_scores):
    mart = connection.execute("select * from inequality_measures where subject = 'nqp_city' "
                              "and grouping = 'province'").df().set_index("year")
    assert sorted(mart.index) == list(range(2011, 2023))
    for year, (dagum, theil) in ref.province_split_by_year(expected_scores.scores).items():
        assert mart.loc[year, "gini"] == pytest.approx(dagum.gini, rel=1e-9)
        assert mart.loc[year, "gini_net_between"] == pytest.approx(dagum.net_between, rel=1e-9)
        assert mart.loc[year, "theil_between"] == pytest.approx(theil.between, rel=1e-9, abs=1e-12)


def test_city_regression_is_estimated_on_the_file(city_build, connection, expected_scores):
    """table2 (1): the two-way FE slope of the real-GDP-per-capita gap on NQP, both from the file (GDP put
    at 2011 prices by the province's GDP deflator); the fit counts as generated exactly when a deflator
    it used chains a generated provincial value (the shipped data's Beijing GDP index 2015-2023)."""
    wide = city_build.city_values.pivot_table(index=["region_code", "year"], columns="series",
                                              values="value").reset_index()
    deflators = province_gdp_deflators(connection, base_year=2011)
    wide["real_gdp"] = real_gdp(wide, deflators)
    wide["gap"] = gap_to_national(wide)
    data = wide.merge(expected_scores.scores, on=["region_code", "year"])[["region_code", "year", "gap", "weighted_sum"]]
    for column in ("gap", "weighted_sum"):
        x = data[column]
        data[column] = (x - x.groupby(data["region_code"]).transform("mean")
                        - x.groupby(data["year"]).transform("mean") + x.mean())
    slope = (data["gap"] * data["weighted_sum"]).sum() / (data["weighted_sum"] ** 2).sum()
    got = connection.execute("select estimate from results.regression_coefficients where study = 'city_demo' "
                             "and table_id = 'table2' and column_id = '(1)' and term = 'nqp'").fetchone()[0]
    assert got == pytest.approx(slope, rel=1e-7)
    fit = connection.execute("select nobs, n_clusters, uses_synthetic from results.regression_fits "
                             "where study = 'city_demo' and table_id = 'table2' and column_id = '(1)'").fetchone()
    used = deflators.loc[[(province, year) for province in (wide["region_code"] // 10000).unique()
                          for year in range(2011, 2023)]]
    assert fit == (337 * 12, 337, bool(used["is_synthetic"].any()))  # the user's table itself is not generated


def test_city_choropleth_draws_the_file_scores(connection, expected_scores):
    from matplotlib import colormaps

    from models_py.figures.boundaries import ADCODES, province_rings
    from models_py.figures.study import FigureSpec, draw

    figure = draw(FigureSpec("city_demo", "choropleth", "nqp_city", year=2022),
                  lambda sql, params=None: connection.execute(sql, params or []).df(), "zh")
    assert "2022 年分市得分" in figure.axes[0].get_title()
    faces = figure.axes[0].collections[0].get_facecolors()
    n_provinces = sum(len(province_rings(code)) for code in ADCODES)
    cities = faces[n_provinces:]
    assert len(cities) >= 337  # every city coloured (some have several rings)
    grey = np.array([0.85, 0.85, 0.85, 1.0])
    assert not (np.abs(cities - grey).sum(axis=1) < 1e-9).any()
    for end in (0.0, 1.0):  # the lowest and the highest 2022 score of the file take the ends of the scale
        assert (np.abs(cities - np.array(colormaps["YlOrRd"](end))).sum(axis=1) < 1e-9).any()
