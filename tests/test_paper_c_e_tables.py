"""Papers C and E in the built warehouse (conftest.built_warehouse): every declared table lands in
results.* with its declared columns and the papers' N, and panel variables equal a pandas
recomputation from the intermediate series (ln real GDP per capita, the location quotient, and
Stata winsor2's 1 % / 99 % rule)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models_py.declarations import load_manifest, study_declarations

# Expected N of every declared column (STUDIES.md): Paper C 30 regions x 2012-2022, Paper E 31 x 2010-2022.
EXPECTED_NOBS = {
    "paper_c": {
        "table3": {f"({i})": 330 for i in range(1, 7)},  # stepwise: NQP alone, then one control at a time
        "table4": {"(1)": 300, "(2)": 300},  # L1.nqp costs 2012
        "table5": {"(1)": 330, "(2)": 330, "(3)": 330},
        "table6": {"(1)": 121, "(2)": 88, "(3)": 121},
        "table7": {"(1)": 330, "(2)": 330},  # moderation by education, by government intervention
    },
    "paper_e": {
        "table3": {"(1)": 403, "(2)": 403, "(3)": 403},
        "table4": {"(1)": 403, "(2)": 403, "(3)": 403},
        "table5": {"(1)": 372, "(2)": 372, "(3)": 372, "(4)": 372},  # L.nqp costs 2010
        "table6": {"(1)": 403, "(2)": 403, "(3)": 279},  # (2): Paper A's system nqp_three_factor_e as outcome
        "table7": {"(1)": 403, "(2)": 403, "(3)": 403},
        "table8": {"(1)": 143, "(2)": 104, "(3)": 156},
        "table9": {"(1)": 403},  # spatial: the balanced 31 x 13 panel
        "table10": {"(1)": 403, "(2)": 403, "(3)": 403},
    },
}
EXPECTED_DESCRIPTIVE_N = {"paper_c": 330, "paper_e": 403}


@pytest.fixture(scope="module")
def studies():
    return {s.study: s for s in study_declarations(load_manifest()) if s.study in EXPECTED_NOBS}


def _series(connection, names, relation="intermediate.int_series_values") -> pd.DataFrame:
    long = connection.execute(
        f"select region_code, year, series, value from {relation} where series in ({', '.join('?' * len(names))})",
        list(names),
    ).df()
    return long.pivot_table(index=["region_code", "year"], columns="series", values="value").reset_index()


def _winsor2(values: pd.Series, q: float = 0.01) -> pd.Series:
    """Stata `winsor2 x, cuts(1 99)`: _pctile percentiles (x[P] and x[P+1] averaged when P = n q is whole)."""
    x = np.sort(values.dropna().to_numpy())
    n = len(x)

    def pctile(p):
        position = round(n * p, 9)
        if position == int(position):
            return (x[int(position) - 1] + x[int(position)]) / 2
        return x[int(np.ceil(position)) - 1]

    return values.clip(lower=pctile(q), upper=pctile(1 - q))


def test_studies_declared(studies):
    assert set(studies) == {"paper_c", "paper_e"}
    assert [t.table_id for t in studies["paper_c"].tables] == ["table2", "table3", "table4", "table5", "table6", "table7"]
    assert [t.table_id for t in studies["paper_e"].tables] == [
        "table2", "table3", "table4", "table5", "table6", "table7", "table8", "table9", "table10"]


@pytest.mark.parametrize("study_id", ["paper_c", "paper_e"])
def test_every_declared_table_landed(warehouse_connection, studies, study_id):
    study = studies[study_id]
    for table in study.tables:
        if table.kind == "descriptive":
            rows = warehouse_connection.execute(
                "select * from results.descriptive_statistics where study = ? and table_id = ? order by variable_order",
                [study_id, table.table_id],
            ).df()
            assert list(rows["variable"]) == list(table.variables), table.table_id
            n_column = next(c for c in ("n", "nobs", "N") if c in rows.columns)
            assert (rows[n_column] == EXPECTED_DESCRIPTIVE_N[study_id]).all(), rows[["variable", n_column]]
            continue
        fits = dict(warehouse_connection.execute(
            "select column_id, nobs from results.regression_fits where study = ? and table_id = ?",
            [study_id, table.table_id],
        ).fetchall())
        declared = [c.column_id for c in table.columns]
        assert sorted(fits) == sorted(declared), (table.table_id, fits)
        assert fits == EXPECTED_NOBS[study_id][table.table_id], table.table_id
        for column in table.columns:
            terms = {term for (term,) in warehouse_connection.execute(
                "select term from results.regression_coefficients where study = ? and table_id = ? "
                "and column_id = ? and equation = 'main'",
                [study_id, table.table_id, column.column_id],
            ).fetchall()}
            assert set(column.terms) <= terms, (table.table_id, column.column_id, terms)


def _diagnostics(connection, study, table_id, column_id, equation="main") -> dict:
    return dict(connection.execute(
        "select statistic, value from results.model_diagnostics "
        "where study = ? and table_id = ? and column_id = ? and equation = ?",
        [study, table_id, column_id, equation],
    ).fetchall())


def test_paper_c_stepwise_and_iv(warehouse_connection):
    controls = ["industrial_structure", "foreign_investment", "gov_intervention", "consumption", "education"]
    for i in range(6):
        terms = [t for (t,) in warehouse_connection.execute(
            "select term from results.regression_coefficients where study = 'paper_c' and table_id = 'table3' "
            "and column_id = ? and equation = 'main' order by term_order", [f"({i + 1})"]).fetchall()]
        assert terms[: 1 + i] == ["nqp", *controls[:i]]
    for column_id in ("(1)", "(2)"):
        stats = _diagnostics(warehouse_connection, "paper_c", "table4", column_id)
        assert {"anderson_lm", "cragg_donald_f"} <= set(stats)
        assert stats["stock_yogo_iv_size_10"] == pytest.approx(16.38)
        vcov = warehouse_connection.execute(
            "select vcov_type from results.regression_fits where study = 'paper_c' and table_id = 'table4' "
            "and column_id = ?", [column_id]).fetchone()[0]
        assert vcov == "unadjusted"
        first = warehouse_connection.execute(
            "select count(*) from results.regression_coefficients where study = 'paper_c' and table_id = 'table4' "
            "and column_id = ? and equation = 'first_stage:nqp' and term = 'L1.nqp'", [column_id]).fetchone()[0]
        assert first == 1


def test_paper_e_inverted_u_and_gmm(warehouse_connection):
    stats = _diagnostics(warehouse_connection, "paper_e", "table3", "(3)")
    assert {"turning_point", "lind_mehlum_t", "slope_at_min", "slope_at_max"} <= set(stats)
    for column_id in ("(1)", "(2)", "(3)", "(4)"):
        stats = _diagnostics(warehouse_connection, "paper_e", "table5", column_id)
        assert {"ar1_z", "ar2_z", "hansen"} <= set(stats), column_id


def test_paper_c_ln_real_gdp_per_capita(warehouse_connection):
    panel = warehouse_connection.execute(
        "select region_code, year, ln_real_gdp_per_capita from main.panel_paper_c").df()
    assert len(panel) == 330 and 54 not in set(panel["region_code"])
    chain = _series(warehouse_connection, ["gdp", "gdp_index"], "intermediate.int_series_interpolated")
    population = _series(warehouse_connection, ["population"])
    frame = chain.merge(population, on=["region_code", "year"])
    frame = frame[frame["year"].between(2012, 2022)].sort_values(["region_code", "year"])
    growth = (frame["gdp_index"] / 100).where(frame["year"] > 2012, 1.0)
    frame["volume"] = growth.groupby(frame["region_code"]).cumprod()
    base = frame.loc[frame["year"] == 2012].set_index("region_code")["gdp"]
    frame["expected"] = np.log(frame["region_code"].map(base) * frame["volume"] * 10000 / frame["population"])
    merged = panel.merge(frame, on=["region_code", "year"])
    assert len(merged) == 330
    np.testing.assert_allclose(merged["ln_real_gdp_per_capita"], merged["expected"], rtol=1e-9)


def test_paper_e_table6_column2_outcome_is_paper_as_system_on_es_sample(warehouse_connection):
    """T6 (2): nqp_three_factor = the nqp_three_factor_e total score (Paper A's 25 indicators on 31 regions x
    2010-2022), winsorised as every Paper E variable; the column regresses it on indus with the controls."""
    catalogue = warehouse_connection.execute(
        "select system, indicator, dimension, sub_dimension, direction, denominator, scale "
        "from reference.index_indicators where system in ('nqp_a', 'nqp_three_factor_e')").df()
    paper_a = catalogue[catalogue["system"] == "nqp_a"].drop(columns="system").sort_values("indicator")
    on_e = catalogue[catalogue["system"] == "nqp_three_factor_e"].drop(columns="system").sort_values("indicator")
    assert len(on_e) == 25
    pd.testing.assert_frame_equal(paper_a.reset_index(drop=True), on_e.reset_index(drop=True))
    scores = warehouse_connection.execute(
        "select region_code, year, score from main.index_scores "
        "where system = 'nqp_three_factor_e' and level = 'total'").df()
    assert len(scores) == 403 and scores["region_code"].nunique() == 31
    assert (scores["year"].min(), scores["year"].max()) == (2010, 2022)
    panel = warehouse_connection.execute("select region_code, year, nqp_three_factor from main.panel_paper_e").df()
    merged = panel.merge(scores, on=["region_code", "year"])
    assert len(merged) == 403
    np.testing.assert_allclose(merged["nqp_three_factor"], _winsor2(merged["score"]), rtol=1e-12)
    depvar, nobs = warehouse_connection.execute(
        "select depvar, nobs from results.regression_fits where study = 'paper_e' and table_id = 'table6' "
        "and column_id = '(2)'").fetchone()
    assert (depvar, nobs) == ("nqp_three_factor", 403)


def test_paper_e_location_quotient_and_winsorising(warehouse_connection):
    panel = warehouse_connection.execute(
        "select region_code, year, indus, financial_development from main.panel_paper_e").df()
    assert len(panel) == 403 and panel["region_code"].nunique() == 31
    series = _series(warehouse_connection, ["gdp", "va_industry", "deposits", "loans"])
    series = series[series["year"].between(2010, 2022)].copy()
    totals = series.groupby("year")[["va_industry", "gdp"]].transform("sum")
    series["lq"] = (series["va_industry"] / series["gdp"]) / (totals["va_industry"] / totals["gdp"])
    series["fd"] = (series["deposits"] + series["loans"]) / series["gdp"]
    series["lq_w"] = _winsor2(series["lq"])
    series["fd_w"] = _winsor2(series["fd"])
    merged = panel.merge(series, on=["region_code", "year"])
    assert len(merged) == 403
    np.testing.assert_allclose(merged["indus"], merged["lq_w"], rtol=1e-9)
    np.testing.assert_allclose(merged["financial_development"], merged["fd_w"], rtol=1e-9)
    # winsorising changed something at both tails (8 of 403 values: P = 4.03 -> x[5] and x[399])
    assert (merged["lq"] != merged["lq_w"]).sum() >= 2
    assert (merged["fd"] != merged["fd_w"]).sum() >= 2


def test_paper_c_region_year_without_a_gdp_chain_keeps_its_row(built_warehouse, warehouse_connection, tmp_path):
    """panel_paper_c's SQL on a copy of the build whose Jiangsu lacks its GDP chain in 2020: that row
    stays with no real GDP (NULL outcome, not a dropped row); every other row is the build's."""
    from tests.reference.dbt_inline import model_on_a_copy

    panel = model_on_a_copy(built_warehouse, tmp_path, "marts/studies/panel_paper_c.sql",
                            ["delete from intermediate.int_gdp_volume_chain where region_code = 32 and year = 2020"])
    built = warehouse_connection.execute("select * from panel_paper_c").df()
    assert len(panel) == len(built)
    gap = (panel["region_code"] == 32) & (panel["year"] == 2020)
    assert gap.sum() == 1 and panel.loc[gap, ["real_gdp_per_capita", "ln_real_gdp_per_capita"]].isna().all().all()
    merged = panel[~gap].merge(built, on=["region_code", "year"], suffixes=("", "_built"))
    assert len(merged) == len(built) - 1
    np.testing.assert_array_equal(merged["ln_real_gdp_per_capita"], merged["ln_real_gdp_per_capita_built"])
