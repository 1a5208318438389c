"""Paper B in the built warehouse (conftest.built_warehouse): every declared table lands in results.*
with the paper's columns, terms and N (341 / 310; heterogeneity 110/66/132/33 and 176/165); the
weight tables (Tables 1-3) equal an independent NumPy entropy computation for every system, level
and scope; the national series equals a pandas mean of the provincial scores; the panel's variables
equal a pandas recomputation; the random-effects columns and the Hausman tests equal linearmodels /
an explicit within-estimator computation; the marts' options (GDP-weighted national series, a
reporting period without a column) compiled by dbt and run on the warehouse."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels import RandomEffects
from scipy import stats

from models_py.declarations import load_manifest, study_declarations
from tests.reference.entropy_numpy import compute_long

STUDY = "paper_b"
SYSTEMS = ("factor_innovation_b", "coordination_b", "industrial_digitisation_b")
PERIODS = ("2003", "2004-2012", "2013-2022", "2023")
CONTROLS = ["talent", "economic_base", "urban_rural_gap", "gov_support"]
NO_TALENT = CONTROLS[1:]
MEDIATORS = ["industrial_digitisation", "digitisation_primary", "digitisation_secondary", "digitisation_tertiary"]

# The paper's Table 5: regressors and controls of each of its 11 columns (read off its rows).
TABLE5 = {
    "(1)": (["factor_innovation"], CONTROLS),
    "(2)": (["factor_innovation"], NO_TALENT),
    "(3)": (["factor_innovation", "fi_technology"], CONTROLS),
    "(4)": (["factor_innovation", "fi_labour"], CONTROLS),
    "(5)": (["factor_innovation", "fi_capital"], CONTROLS),
    "(6)": (["factor_innovation", "fi_capital"], NO_TALENT),
    "(7)": (["fi_labour"], NO_TALENT),
    "(8)": (["fi_capital"], NO_TALENT),
    "(9)": (["fi_technology"], NO_TALENT),
    "(10)": (["factor_innovation", "fi_labour", "fi_technology"], CONTROLS),
    "(11)": (["factor_innovation", "fi_labour", "fi_capital"], CONTROLS),
}
EXPECTED_NOBS = {
    "table5": {column: 341 for column in TABLE5},
    "table6": {f"({i})": 341 for i in range(1, 6)},
    "table6_sobel": {f"({i})": 341 for i in range(1, 5)},
    "table7": {**{f"({i})": 310 for i in range(1, 5)}, **{f"({i})": 341 for i in range(5, 9)}},
    "table7_hausman": {f"({i})": 341 for i in range(5, 9)},
    "table8": {"(1)": 110, "(2)": 66, "(3)": 132, "(4)": 33, "(5)": 176, "(6)": 165},
}
TABLE4_VARIABLES = ["factor_innovation", "industrial_digitisation", "coordination", *CONTROLS]


@pytest.fixture(scope="module")
def study():
    return next(s for s in study_declarations(load_manifest()) if s.study == STUDY)


@pytest.fixture(scope="module")
def panel(warehouse_connection) -> pd.DataFrame:
    return warehouse_connection.execute("select * from main.panel_paper_b order by region_code, year").df()


def _terms(connection, table_id, column_id, equation="main") -> list[str]:
    return [t for (t,) in connection.execute(
        "select term from results.regression_coefficients where study = ? and table_id = ? and column_id = ? "
        "and equation = ? order by term_order", [STUDY, table_id, column_id, equation]).fetchall()]


def _coefficients(connection, table_id, column_id, equation="main") -> pd.DataFrame:
    return connection.execute(
        "select term, estimate, std_error from results.regression_coefficients where study = ? and table_id = ? "
        "and column_id = ? and equation = ?", [STUDY, table_id, column_id, equation]).df().set_index("term")


def _diagnostics(connection, table_id, column_id, equation="main") -> dict:
    return {s: (v, df, p) for s, v, df, p in connection.execute(
        "select statistic, value, df, p from results.model_diagnostics where study = ? and table_id = ? "
        "and column_id = ? and equation = ?", [STUDY, table_id, column_id, equation]).fetchall()}


# --------------------------------------------------------------------------- declarations and N


def test_tables_declared(study):
    assert [t.table_id for t in study.tables] == [
        "table4", "table5", "table6", "table6_sobel", "table7", "table7_hausman", "table8"]
    table5 = next(t for t in study.tables if t.table_id == "table5")
    assert {c.column_id: (list(c.regressors), list(c.controls)) for c in table5.columns} == TABLE5


def test_panel_sample(panel):
    assert len(panel) == 341 and panel["region_code"].nunique() == 31
    assert (panel["year"].min(), panel["year"].max()) == (2013, 2023)
    regions = panel.drop_duplicates("region_code")
    assert regions["region4"].value_counts().to_dict() == {"west": 12, "east": 10, "central": 6, "northeast": 3}
    assert regions["south_north"].value_counts().to_dict() == {"south": 16, "north": 15}
    assert not panel.drop(columns=["region_name"]).isna().any().any()


def test_descriptive_table(warehouse_connection):
    rows = warehouse_connection.execute(
        "select variable, n from results.descriptive_statistics where study = ? and table_id = 'table4' "
        "order by variable_order", [STUDY]).fetchall()
    assert rows == [(variable, 341) for variable in TABLE4_VARIABLES]


@pytest.mark.parametrize("table_id", sorted(EXPECTED_NOBS))
def test_every_column_landed_with_its_n_and_terms(warehouse_connection, study, table_id):
    table = next(t for t in study.tables if t.table_id == table_id)
    fits = dict(warehouse_connection.execute(
        "select column_id, nobs from results.regression_fits where study = ? and table_id = ?",
        [STUDY, table_id]).fetchall())
    assert fits == EXPECTED_NOBS[table_id]
    for column in table.columns:
        equation = "re" if column.estimator == "hausman" else "main"
        assert _terms(warehouse_connection, table_id, column.column_id, equation) == [*column.terms, "_cons"], \
            (table_id, column.column_id)


def test_table6_and_robustness_rows(warehouse_connection):
    # Table 6: (1) the mediator equation, (2)-(5) factor innovation plus one mediator each.
    assert _terms(warehouse_connection, "table6", "(1)")[0] == "factor_innovation"
    depvar = warehouse_connection.execute(
        "select depvar from results.regression_fits where study = ? and table_id = 'table6' and column_id = '(1)'",
        [STUDY]).fetchone()[0]
    assert depvar == "industrial_digitisation"
    for i, mediator in enumerate(MEDIATORS):
        assert _terms(warehouse_connection, "table6", f"({i + 2})")[:2] == ["factor_innovation", mediator]
        assert _terms(warehouse_connection, "table7", f"({i + 1})")[:2] == ["L1.factor_innovation", f"L1.{mediator}"]
        assert _terms(warehouse_connection, "table7", f"({i + 5})")[:2] == ["factor_innovation", mediator]
        sobel = _diagnostics(warehouse_connection, "table6_sobel", f"({i + 1})")
        assert {"indirect_effect", "sobel_z", "path_a", "path_b"} <= set(sobel)
        # a·b of the Sobel table = (M on X) x (M's coefficient in the outcome equation)
        a = _coefficients(warehouse_connection, "table6_sobel", f"({i + 1})", "mediator").loc["factor_innovation"]
        b = _coefficients(warehouse_connection, "table6_sobel", f"({i + 1})", "outcome").loc[mediator]
        assert sobel["indirect_effect"][0] == pytest.approx(a["estimate"] * b["estimate"], rel=1e-10)
    # Table 6 (2) is the Sobel table's outcome equation: same fit
    outcome = _coefficients(warehouse_connection, "table6_sobel", "(1)", "outcome")
    direct = _coefficients(warehouse_connection, "table6", "(2)")
    np.testing.assert_allclose(direct.loc[outcome.index, "estimate"], outcome["estimate"], rtol=1e-10)


def test_table5_sub_indices_add_up(panel, warehouse_connection):
    # The sub-indices are their dimensions' contributions: labour + capital + technology = total,
    # so columns (10) and (11) are one model reparametrised (as the paper's identical controls show).
    np.testing.assert_allclose(panel[["fi_labour", "fi_capital", "fi_technology"]].sum(axis=1),
                               panel["factor_innovation"], rtol=1e-9)
    np.testing.assert_allclose(panel[MEDIATORS[1:]].sum(axis=1), panel["industrial_digitisation"], rtol=1e-9)
    ten, eleven = (_coefficients(warehouse_connection, "table5", c) for c in ("(10)", "(11)"))
    np.testing.assert_allclose(ten.loc[CONTROLS, "estimate"], eleven.loc[CONTROLS, "estimate"], rtol=1e-7)


# --------------------------------------------------------------------------- panel variables


def test_panel_variables_against_pandas(warehouse_connection, panel):
    series = warehouse_connection.execute(
        "select region_code, year, series, value from intermediate.int_series_values where series in "
        "('gdp', 'employment', 'graduate_students', 'local_government_debt', 'urban_disposable_income', "
        "'rural_disposable_income', 'budget_expenditure') and year between 2013 and 2023").df()
    wide = series.pivot_table(index=["region_code", "year"], columns="series", values="value").reset_index()
    expected = pd.DataFrame({
        "region_code": wide["region_code"], "year": wide["year"],
        "talent": 100 * wide["graduate_students"] / (wide["employment"] * 10000),
        "economic_base": wide["local_government_debt"] / wide["gdp"],
        "urban_rural_gap": wide["urban_disposable_income"] / wide["rural_disposable_income"],
        "gov_support": wide["budget_expenditure"] / wide["gdp"],
    })
    scores = warehouse_connection.execute(
        "select system, region_code, year, coalesce(dimension, 'total') as node, score from main.index_scores "
        "where level in ('total', 'dimension') and system in ('coordination_b', 'factor_innovation_b', "
        "'industrial_digitisation_b')").df()
    scores = scores.pivot_table(index=["region_code", "year"], columns=["system", "node"], values="score")
    expected = expected.set_index(["region_code", "year"])
    for column, key in {
        "coordination": ("coordination_b", "total"), "factor_innovation": ("factor_innovation_b", "total"),
        "fi_labour": ("factor_innovation_b", "labour"), "fi_capital": ("factor_innovation_b", "capital"),
        "fi_technology": ("factor_innovation_b", "technology"),
        "industrial_digitisation": ("industrial_digitisation_b", "total"),
        "digitisation_primary": ("industrial_digitisation_b", "primary"),
        "digitisation_secondary": ("industrial_digitisation_b", "secondary"),
        "digitisation_tertiary": ("industrial_digitisation_b", "tertiary"),
    }.items():
        expected[column] = scores[key]
    merged = panel.set_index(["region_code", "year"])
    expected = expected.loc[merged.index]
    for column in expected.columns:
        np.testing.assert_allclose(merged[column], expected[column], rtol=1e-12, err_msg=column)


# --------------------------------------------------------------------------- Tables 1-3: weights


@pytest.fixture(scope="module")
def numpy_weights(warehouse_connection) -> pd.DataFrame:
    """Eq. 1-6 in NumPy on the raw indicator values, pooled over 2003-2023 and per reporting period."""
    long = warehouse_connection.execute(
        "select system, region_code, year, dimension, indicator, direction, value from main.indicator_values "
        "where system in ('factor_innovation_b', 'coordination_b', 'industrial_digitisation_b')").df()
    periods = warehouse_connection.execute(
        "select system, period, year_from, year_to from reference.index_periods").df()
    assert sorted(set(periods.loc[periods["system"].isin(SYSTEMS), "period"])) == sorted(PERIODS)
    pooled = long.assign(period="pooled")
    by_period = pd.concat([
        long[(long["system"] == p.system) & long["year"].between(p.year_from, p.year_to)].assign(period=p.period)
        for p in periods.itertuples() if p.system in SYSTEMS])
    assert len(pooled) == 31 * 21 * (11 + 12 + 3) == len(by_period)
    result = compute_long(pd.concat([pooled, by_period]), scope=["system", "period"], units=["region_code", "year"])
    dimensions = long.drop_duplicates(["system", "indicator"])[["system", "indicator", "dimension"]]
    return result.weights.merge(dimensions, on=["system", "indicator"])


def test_weight_tables_equal_numpy(warehouse_connection, numpy_weights):
    mart = warehouse_connection.execute("select * from main.paper_b_index_weights").df()
    columns = {"pooled": "weight_pct_pooled", **{p: f"weight_pct_{p.replace('-', '_')}" for p in PERIODS}}
    indicators = mart[mart["level"] == "indicator"].set_index(["system", "indicator"])
    dimensions = mart[mart["level"] == "dimension"].set_index(["system", "dimension"])
    assert len(indicators) == 26 and len(dimensions) == 9
    for period, column in columns.items():
        reference = numpy_weights[numpy_weights["period"] == period]
        by_indicator = reference.set_index(["system", "indicator"])["weight"] * 100
        np.testing.assert_allclose(indicators.loc[by_indicator.index, column], by_indicator, rtol=1e-9,
                                   err_msg=period)
        by_dimension = reference.groupby(["system", "dimension"])["weight"].sum() * 100
        np.testing.assert_allclose(dimensions.loc[by_dimension.index, column], by_dimension, rtol=1e-9,
                                   err_msg=period)
    # the periods really differ from the pooled weights (a copied column would pass the test above)
    assert not np.allclose(indicators["weight_pct_2003"], indicators["weight_pct_pooled"])


def test_weight_tables_layout(warehouse_connection, study):
    """Each display table selects the paper's rows: dimension rows each followed by its indicators."""
    manifest = load_manifest()
    node = next(n for n in manifest["nodes"].values() if n.get("name") == "paper_b_index_weights")
    declared = node["config"]["meta"]["display_tables"]
    assert [d["table_id"] for d in declared] == ["table1", "table2", "table3"]
    expected_rows = {"table1": 3 + 11, "table2": 3 + 12, "table3": 3}
    expected_first = {"table1": ["劳动创新", "资本创新", "科技创新"], "table2": ["经济协调", "社会协调", "生态协调"],
                      "table3": ["一产数字化", "二产数字化", "三产数字化"]}
    for d in declared:
        columns = [*d["row_columns"], *d["value_columns"]]
        rows = warehouse_connection.execute(
            f"select level, {', '.join(columns)} from main.paper_b_index_weights where {d['where']} "
            f"order by {', '.join(d['order_by'])}").df()
        assert len(rows) == expected_rows[d["table_id"]], d["table_id"]
        assert list(rows.loc[rows["level"] == "dimension", "dimension_zh"]) == expected_first[d["table_id"]]
        assert rows["level"].iloc[0] == "dimension"
        assert (rows[d["value_columns"]].notna()).all().all()
        assert rows.loc[rows["level"] == "dimension", "weight_pct_pooled"].sum() == pytest.approx(100)


# --------------------------------------------------------------------------- national series


def test_national_display_table(warehouse_connection):
    node = next(n for n in load_manifest()["nodes"].values() if n.get("name") == "paper_b_national_indices")
    declared = node["config"]["meta"]["display_table"]
    assert declared["study"] == STUDY and declared["row_columns"] == ["year"]
    labelled = {name for name, column in node["columns"].items() if (column.get("config", {}).get("meta") or {})
                .get("label_zh")}
    assert set(declared["value_columns"]) <= labelled  # every shown series has its Chinese label
    rows = warehouse_connection.execute(
        f"select {', '.join(declared['row_columns'] + declared['value_columns'])} from main.paper_b_national_indices "
        f"order by {', '.join(declared['order_by'])}").df()
    assert list(rows["year"]) == list(range(2003, 2024)) and rows.notna().all().all()


def test_national_series_is_mean_of_provincial_scores(warehouse_connection):
    national = warehouse_connection.execute("select * from main.paper_b_national_indices order by year").df()
    assert list(national["year"]) == list(range(2003, 2024)) and (national["aggregation"] == "mean").all()
    scores = warehouse_connection.execute(
        "select system, region_code, year, coalesce(dimension, 'total') as node, score from main.index_scores "
        "where level in ('total', 'dimension') and system in ('coordination_b', 'factor_innovation_b', "
        "'industrial_digitisation_b')").df()
    assert scores.groupby(["system", "node", "year"])["region_code"].nunique().eq(31).all()
    means = scores.groupby(["system", "node", "year"])["score"].mean()
    for column, key in {"factor_innovation": ("factor_innovation_b", "total"),
                        "fi_labour": ("factor_innovation_b", "labour"),
                        "fi_technology": ("factor_innovation_b", "technology"),
                        "industrial_digitisation": ("industrial_digitisation_b", "total"),
                        "digitisation_secondary": ("industrial_digitisation_b", "secondary"),
                        "coordination": ("coordination_b", "total")}.items():
        np.testing.assert_allclose(national[column], means.loc[key].loc[national["year"]].to_numpy(),
                                   rtol=1e-12, err_msg=column)
    # the series rise over 2003-2023, as the paper's text reads them
    for column in ("factor_innovation", "industrial_digitisation", "coordination"):
        assert national[column].iloc[-1] > national[column].iloc[0]


# --------------------------------------------------------------------------- random effects and Hausman


def _within_fe(panel: pd.DataFrame, y: str, xs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """xtreg, fe with the conventional VCE, written out: region-demeaned OLS, s² = SSR / (N - n - k)."""
    frame = panel[["region_code", y, *xs]]
    demeaned = frame[[y, *xs]] - frame.groupby("region_code")[[y, *xs]].transform("mean")
    X, Y = demeaned[xs].to_numpy(), demeaned[y].to_numpy()
    XtX_inv = np.linalg.inv(X.T @ X)
    b = XtX_inv @ X.T @ Y
    resid = Y - X @ b
    s2 = resid @ resid / (len(Y) - frame["region_code"].nunique() - len(xs))
    return b, s2 * XtX_inv


@pytest.mark.parametrize("index", range(4))
def test_random_effects_and_hausman_against_references(warehouse_connection, panel, index):
    mediator = MEDIATORS[index]
    xs = ["factor_innovation", mediator, *CONTROLS]
    data = panel.set_index(["region_code", "year"])
    exog = data[xs].assign(const=1.0)
    re = RandomEffects(data["coordination"], exog).fit()  # Swamy-Arora, = xtreg, re on a balanced panel
    column = f"({index + 5})"
    ours = _coefficients(warehouse_connection, "table7", column).rename(index={"_cons": "const"})
    np.testing.assert_allclose(ours.loc[re.params.index, "estimate"], re.params, rtol=1e-6)
    np.testing.assert_allclose(ours.loc[re.params.index, "std_error"], re.std_errors, rtol=1e-6)
    # the Hausman column's re equation is the same fit
    hausman_re = _coefficients(warehouse_connection, "table7_hausman", column, "re")
    np.testing.assert_allclose(hausman_re.loc[xs, "estimate"], ours.loc[xs, "estimate"], rtol=1e-10)

    b, V_b = _within_fe(panel, "coordination", xs)
    B, V_B = re.params[xs].to_numpy(), re.cov.loc[xs, xs].to_numpy()
    d = b - B
    chi2 = float(d @ np.linalg.solve(V_b - V_B, d))
    diagnostics = _diagnostics(warehouse_connection, "table7_hausman", column)
    value, df, p = diagnostics["hausman_chi2"]
    assert df == len(xs)
    assert value == pytest.approx(chi2, rel=1e-6)
    if chi2 < 0:  # V_b - V_B not positive definite on these data: Stata's hausman prints no p-value
        assert p is None or np.isnan(p)
    else:
        assert p == pytest.approx(stats.chi2.sf(chi2, len(xs)), rel=1e-6)


# --------------------------------------------------------------------------- options of the marts


def _compiled_model(model: str, variables: dict, tmp_path) -> str:
    """The model's SQL compiled by dbt with `variables` overriding dbt_project.yml (nothing is run)."""
    import json
    import os

    from dbt.cli.main import dbtRunner

    from tests.reference.dbt_inline import PROJECT_ROOT

    # the build database is named nqp.duckdb so the compiled relations read "nqp".main.…, as in the warehouse
    env = {"DBT_PROFILES_DIR": str(PROJECT_ROOT), "DBT_TARGET_PATH": str(tmp_path / "target"),
           "DBT_LOG_PATH": str(tmp_path / "logs"), "NQP_DBT_DATABASE": str(tmp_path / "nqp.duckdb")}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        result = dbtRunner().invoke(["compile", "--select", model, "--vars", json.dumps(variables), "--quiet",
                                     "--log-level", "none", "--project-dir", str(PROJECT_ROOT),
                                     "--profiles-dir", str(PROJECT_ROOT), "--no-partial-parse"])
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    if not result.success:
        raise AssertionError(f"dbt compile {model} failed: {result.exception}")
    return next(r.node.compiled_code for r in result.result.results if r.node.name == model)


def test_national_series_gdp_weighted_option(warehouse_connection, tmp_path):
    sql = _compiled_model("paper_b_national_indices", {"paper_b_national_aggregation": "gdp_weighted"}, tmp_path)
    national = warehouse_connection.execute(sql).df().set_index("year").sort_index()
    assert (national["aggregation"] == "gdp_weighted").all()
    frame = warehouse_connection.execute(
        "select s.year, s.score, g.value as gdp from main.index_scores as s "
        "join intermediate.int_series_values as g on g.series = 'gdp' and g.region_code = s.region_code "
        "and g.year = s.year where s.system = 'coordination_b' and s.level = 'total'").df()
    expected = (frame["score"] * frame["gdp"]).groupby(frame["year"]).sum() / frame.groupby("year")["gdp"].sum()
    np.testing.assert_allclose(national["coordination"], expected.loc[national.index], rtol=1e-12)
    mean = warehouse_connection.execute("select coordination from main.paper_b_national_indices order by year").df()
    assert not np.allclose(national["coordination"].to_numpy(), mean["coordination"].to_numpy())


def test_weight_table_refuses_a_period_it_has_no_column_for(warehouse_connection, tmp_path):
    import duckdb

    sql = _compiled_model("paper_b_index_weights", {"paper_b_weight_periods": ["2003", "2004-2012", "2013-2022"]},
                          tmp_path)
    with pytest.raises(duckdb.Error, match=r"paper_b_index_weights: .*2023.* paper_b_weight_periods"):
        warehouse_connection.execute(sql).fetchall()


def test_talent_option_postgraduate_share(warehouse_connection, tmp_path):
    sql = _compiled_model("panel_paper_b", {"paper_b_talent": "postgraduate_share_employed"}, tmp_path)
    alternative = warehouse_connection.execute(sql).df().set_index(["region_code", "year"]).sort_index()
    assert len(alternative) == 341
    share = warehouse_connection.execute(
        "select region_code, year, value from intermediate.int_series_values "
        "where series = 'postgraduate_share_employed' and year between 2013 and 2023").df()
    share = share.set_index(["region_code", "year"])["value"].sort_index()
    np.testing.assert_allclose(alternative["talent"], share.loc[alternative.index], rtol=1e-12)
    default = warehouse_connection.execute(
        "select region_code, year, talent, coordination from main.panel_paper_b").df()
    default = default.set_index(["region_code", "year"]).sort_index()
    assert not np.allclose(alternative["talent"], default["talent"])
    np.testing.assert_allclose(alternative["coordination"], default["coordination"], rtol=1e-12)
