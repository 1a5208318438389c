"""The SQL series layer against independent pandas/NumPy computations on the built warehouse:
interpolation of interior gaps, derived series, real GDP chained from the GDP index, Paper A's
regional gap and controls."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def observations(warehouse_connection) -> pd.DataFrame:
    return warehouse_connection.execute(
        "select region_code, year, series, value from intermediate.int_observations_unioned"
    ).df()


@pytest.fixture(scope="module")
def series_wide(warehouse_connection) -> pd.DataFrame:
    long = warehouse_connection.execute("select region_code, year, series, value from series_values").df()
    return long.pivot_table(index=["region_code", "year"], columns="series", values="value")


def test_interior_gaps_are_interpolated_linearly_and_edges_are_not_extrapolated(warehouse_connection, observations):
    interpolated = warehouse_connection.execute(
        "select region_code, year, series, value, is_interpolated from intermediate.int_series_interpolated"
    ).df().set_index(["region_code", "series", "year"]).sort_index()
    expected_parts = []
    for (region, series), group in observations.groupby(["region_code", "series"]):
        years = np.arange(group["year"].min(), group["year"].max() + 1)
        filled = group.set_index("year")["value"].reindex(years).interpolate(method="index", limit_area="inside")
        expected_parts.append(pd.DataFrame({"region_code": region, "series": series, "year": years, "value": filled.values}))
    expected = pd.concat(expected_parts).set_index(["region_code", "series", "year"]).sort_index()
    assert len(interpolated) == len(expected)
    np.testing.assert_allclose(interpolated["value"], expected.loc[interpolated.index, "value"], rtol=1e-12)
    filled_cells = interpolated.index.difference(observations.set_index(["region_code", "series", "year"]).index)
    assert interpolated.loc[filled_cells, "is_interpolated"].all()
    assert interpolated["is_interpolated"].sum() == len(filled_cells) > 0


def test_derived_series(series_wide):
    frame = series_wide.dropna(subset=["gdp", "population", "va_primary", "va_secondary", "va_tertiary"])
    np.testing.assert_allclose(frame["gdp_per_capita"], frame["gdp"] * 1e4 / frame["population"], rtol=1e-12)
    sectors = frame["va_primary"] + frame["va_secondary"] + frame["va_tertiary"]  # GDP within one vintage
    upgrading = (frame["va_primary"] + 2 * frame["va_secondary"] + 3 * frame["va_tertiary"]) / sectors
    np.testing.assert_allclose(frame["industrial_structure_upgrading"], upgrading, rtol=1e-12)
    np.testing.assert_allclose(
        frame["industrial_structure_advancement"], frame["va_tertiary"] / frame["va_secondary"], rtol=1e-12
    )


def _paper_a_expected(series_wide: pd.DataFrame, base_year: int = 2013) -> pd.DataFrame:
    frame = series_wide.reset_index().sort_values(["region_code", "year"])
    frame = frame[frame["gdp_index"].notna() & frame["population"].notna()].copy()
    # Real GDP at base-year prices: the base-year nominal level moved by the cumulated index.
    frame["chain"] = frame.groupby("region_code")["gdp_index"].transform(lambda idx: np.cumprod(idx / 100))
    base = frame[frame["year"] == base_year].set_index("region_code")
    frame["real_gdp"] = frame["region_code"].map(base["gdp"]) * frame["chain"] / frame["region_code"].map(base["chain"])
    frame["ln_rpgdp"] = np.log(frame["real_gdp"] * 1e4 / frame["population"])
    national = frame.groupby("year").apply(
        lambda year: np.log(year["real_gdp"].sum() * 1e4 / year["population"].sum()), include_groups=False
    )
    frame["ln_rpgdp_national"] = frame["year"].map(national)
    frame["regional_gap_abs"] = (frame["ln_rpgdp"] - frame["ln_rpgdp_national"]).abs()
    frame["regional_gap_rel"] = frame["regional_gap_abs"] / (0.5 * (frame["ln_rpgdp"] + frame["ln_rpgdp_national"]))
    frame["gov_intervention"] = frame["budget_expenditure"] / frame["gdp"]
    frame["tax_burden"] = frame["tax_revenue"] / frame["gdp"]
    frame["openness"] = frame["trade_cny"] / frame["gdp"]
    frame["urbanisation"] = frame["urban_population"] / frame["population"]
    frame["financial_development"] = (frame["deposits"] + frame["loans"]) / frame["gdp"]
    frame["infrastructure"] = np.log(frame["fixed_asset_investment"] * 1e4 / frame["population"])
    frame["industrial_upgrading"] = frame["industrial_structure_upgrading"]
    sample = frame[(frame["year"].between(2013, 2022)) & (frame["region_code"] != 54)]
    return sample.set_index(["region_code", "year"]).sort_index()


@pytest.mark.parametrize(
    "column",
    ["regional_gap_abs", "regional_gap_rel", "gov_intervention", "tax_burden", "openness", "urbanisation",
     "financial_development", "infrastructure", "industrial_upgrading"],
)
def test_paper_a_panel_variables(warehouse_connection, series_wide, column):
    panel = warehouse_connection.execute("select * from panel_paper_a").df().set_index(["region_code", "year"]).sort_index()
    expected = _paper_a_expected(series_wide)
    assert list(panel.index) == list(expected.index)
    np.testing.assert_allclose(panel[column], expected[column], rtol=1e-10)


def test_paper_a_nqp_is_the_total_score_of_nqp_a(warehouse_connection):
    mismatched = warehouse_connection.execute(
        """
        select count(*) from panel_paper_a as panel
        join index_scores as scores
          on scores.system = 'nqp_a' and scores.level = 'total'
         and scores.region_code = panel.region_code and scores.year = panel.year
        where abs(scores.score - panel.nqp) > 1e-12
        """
    ).fetchone()[0]
    assert mismatched == 0
