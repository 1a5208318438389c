"""Table declarations → estimator kinds → results.*: every estimator kind declared as in the dbt YAML,
run on a simulated province panel, written to an in-memory warehouse.

References: direct calls of the estimators (an estimator kind adds nothing to the numbers), lags and
sample sizes counted by hand in pandas, the statistic names of docs/results.md.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from models_py.declarations import DeclarationError, parse_study
from models_py.estimators.fixed_effects import fit_fixed_effects
from models_py.estimators.heterogeneity import REGIONS_CSV, add_region_groups
from models_py.estimators.iv import fit_iv
from models_py.results import RESULT_TABLES, ensure_result_tables, replace_study_results
from models_py.studies import compute_study_tables, run_study
from models_py.estimators.panel import add_lag, prepare_panel
from models_py.tables.markdown import regression_markdown
from models_py.tables.regression import ModelError

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTED = set(re.findall(r"`([a-z0-9_]+)`", (ROOT / "docs" / "results.md").read_text(encoding="utf-8")))
YEARS = list(range(2011, 2021))
CONTROLS = ["c1", "c2", "c3"]


def simulate(seed: int = 0) -> pd.DataFrame:
    """30 provinces (no Tibet) x 2011-2020 with region and year effects: x persistent (so its lag
    is a strong instrument), mediator m, outcome y, quadratic outcome yq, dynamic outcome yd."""
    rng = np.random.default_rng(seed)
    codes = pd.read_csv(REGIONS_CSV).region_code.to_numpy()
    base = add_region_groups(pd.DataFrame({"region_code": codes[codes != 54]}), columns=("region3",))
    n, T = len(base), len(YEARS)
    data = base.loc[base.index.repeat(T)].reset_index(drop=True)
    data["year"] = np.tile(YEARS, n)
    alpha = np.repeat(rng.normal(size=n), T)
    lam = rng.normal(size=T)[np.tile(np.arange(T), n)]
    x = np.zeros((n, T))
    yd = np.zeros((n, T))
    shocks = rng.normal(size=(n, T))
    a = rng.normal(size=n)
    for t in range(T):
        x[:, t] = (0.7 * x[:, t - 1] if t else 0) + 0.5 * a + shocks[:, t]
    data["x"] = x.ravel()
    for c in CONTROLS:
        data[c] = rng.normal(size=len(data))
    data["m"] = 0.5 * data.x + 0.3 * data.c1 + alpha + lam + rng.normal(size=len(data))
    data["y"] = 1.0 * data.x + 0.8 * data.m + 0.2 * data.c1 + alpha + lam + rng.normal(size=len(data))
    data["yq"] = 2.0 * data.x - 0.4 * data.x**2 + 0.2 * data.c1 + alpha + lam + rng.normal(size=len(data))
    e = rng.normal(size=(n, T))
    xs = x
    for t in range(T):
        yd[:, t] = (0.5 * yd[:, t - 1] if t else 0) + xs[:, t] + a + e[:, t]
    data["yd"] = yd.ravel()
    data["region_constant"] = np.repeat(rng.normal(size=n), T)  # absorbed by region effects
    data["uses_synthetic"] = True
    return data


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate()


def study_of(columns=None, tables=None, study="sim") -> dict:
    return {"study": study, "tables": tables or [{"id": "t1", "kind": "regression", "columns": columns}]}


def run(meta: dict, panel: pd.DataFrame, connection=None, run_id: str = "run-1"):
    connection = connection or duckdb.connect()
    connection.register("panel_frame", panel)
    connection.execute("create or replace table main.panel_sim as select * from panel_frame")
    connection.unregister("panel_frame")
    study = parse_study(meta, "panel_sim", "main.panel_sim", labels={"x": {"zh": "解释变量", "en": "X"}})
    frames = run_study(connection, study, run_id)
    return connection, frames


def query(connection, sql: str, params=()) -> pd.DataFrame:
    return connection.execute(sql, list(params)).df()


# --------------------------------------------------------------------------- every estimator kind

BASE = {"id": "(1)", "depvar": "y", "regressors": ["x"], "controls": ["c1"]}
KINDS = {
    "twfe_squared": (
        {**BASE, "depvar": "yq", "squared": "x"},
        {"main"},
        {"f_model", "turning_point", "turning_point_se", "turning_point_ci_lower", "turning_point_ci_upper",
         "lind_mehlum_t", "slope_at_min_t", "slope_at_max_t", "lind_mehlum_x_min", "lind_mehlum_x_max"},
    ),
    "iv": (
        {**BASE, "estimator": "iv", "iv": {"endog": ["x"], "instruments": ["L1.x"]}},
        {"first_stage:x", "main"},
        {"first_stage_f", "first_stage_partial_r2", "kp_rk_lm", "kp_rk_wald_f", "cragg_donald_f",
         "stock_yogo_iv_size_10", "f_model"},
    ),
    "re": (
        {**BASE, "estimator": "re"},
        {"main"},
        {"sigma_u", "sigma_e", "rho", "theta", "r2_w", "r2_b", "r2_o", "wald_chi2"},
    ),
    "gmm": (
        {"id": "(1)", "estimator": "gmm", "depvar": "yd", "regressors": ["x"],
         "gmm": {"lags": 1, "gmm": [{"variable": "yd", "min_lag": 2, "max_lag": 4, "collapse": True}],
                 "system": True, "two_step": True, "robust": True}},
        {"main"},
        {"ar1_z", "ar2_z", "hansen", "sargan", "n_instruments", "n_groups", "wald_chi2", "diff_hansen_difference"},
    ),
    "mediation_jiang": (
        {**BASE, "estimator": "mediation", "mediation": {"mediator": "m"}},
        {"main", "mediator"},
        {"path_a", "path_c", "nobs", "r2_within"},
    ),
    "mediation_bootstrap": (
        {**BASE, "estimator": "mediation", "mediation": {"mediator": "m", "method": "bootstrap", "reps": 99, "seed": 1}},
        {"main", "mediator", "outcome"},
        {"path_a", "path_b", "indirect_effect", "sobel_se", "sobel_z", "indirect_ci_lower_bc", "indirect_ci_upper_bc",
         "indirect_ci_lower_percentile", "indirect_boot_se", "bootstrap_reps", "proportion_mediated"},
    ),
    "subsample": (
        {**BASE, "estimator": "subsample", "subsample": {"group": "region3", "groups": ["east", "central", "west"]}},
        {"east", "central", "west"},
        {"nobs", "r2_within", "n_clusters"},
    ),
    "group_difference_interaction": (
        {**BASE, "estimator": "group_difference", "group_difference": {"group": "region3", "groups": ["east", "west"]}},
        {"east", "west", "difference"},
        {"difference", "difference_se", "difference_t", "chow_f"},
    ),
    "group_difference_permutation": (
        {**BASE, "estimator": "group_difference",
         "group_difference": {"group": "region3", "groups": ["east", "west"], "method": "permutation", "reps": 99,
                              "seed": 7}},
        {"east", "west", "difference"},
        {"perm_difference", "perm_p", "perm_p_two_sided", "perm_freq", "perm_reps"},
    ),
    "hausman_stata": (
        {**BASE, "estimator": "hausman"},
        {"fe", "re", "difference"},
        {"hausman_chi2", "hausman_rank", "sigma_u", "wald_chi2"},
    ),
    "hausman_mundlak": (
        {**BASE, "estimator": "hausman", "hausman": {"form": "mundlak"}},
        {"main"},
        {"hausman_chi2"},
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_estimator_writes_documented_rows(panel, kind):
    column, equations, statistics = KINDS[kind]
    connection, _ = run(study_of([column]), panel)
    fits = query(connection, "select * from results.regression_fits where study = 'sim'")
    coefficients = query(connection, "select * from results.regression_coefficients where study = 'sim'")
    diagnostics = query(connection, "select * from results.model_diagnostics where study = 'sim'")
    assert len(fits) == 1 and fits.estimator.item() == column.get("estimator", "twfe")
    assert set(coefficients.equation) == equations
    assert statistics <= set(diagnostics.statistic), statistics - set(diagnostics.statistic)
    undocumented = set(diagnostics.statistic) - DOCUMENTED
    assert not undocumented, f"statistics missing from docs/results.md: {undocumented}"
    assert not coefficients[["estimate"]].isna().any().any()
    assert set(coefficients.stat_kind) <= {"t", "z"}
    assert (coefficients.run_id == "run-1").all() and (diagnostics.run_id == "run-1").all()
    # the markdown preview renders every kind
    text = regression_markdown(coefficients, fits, diagnostics)
    assert "观测值" in text


def test_twfe_column_equals_a_direct_fit_and_keeps_old_columns(panel):
    connection, _ = run(study_of([{**BASE, "controls": CONTROLS}]), panel)
    rows = query(connection, "select * from results.regression_coefficients order by term_order").set_index("term")
    direct = fit_fixed_effects(panel, "y", ["x", *CONTROLS], absorb=["region_code", "year"], vcov="cluster",
                               cluster="region_code")
    np.testing.assert_allclose(rows.loc[direct.params.index, "estimate"], direct.params, rtol=1e-10)
    np.testing.assert_allclose(rows.loc[direct.params.index, "std_error"], direct.std_errors, rtol=1e-10)
    assert (rows.equation == "main").all() and (rows.depvar == "y").all()
    assert rows.loc["x", "label_zh"] == "解释变量" and rows.loc["c1", "is_control"]
    fit = query(connection, "select * from results.regression_fits").iloc[0]
    assert fit.nobs == 300 and fit.n_clusters == 30 and fit.region_fe and fit.year_fe and fit.has_controls


def test_iv_column_equals_a_direct_fit_with_a_pandas_lag(panel):
    column = {**BASE, "estimator": "iv", "iv": {"endog": ["x"], "instruments": ["L1.x"]}}
    connection, _ = run(study_of([column]), panel)
    frame = panel.sort_values(["region_code", "year"]).copy()
    frame["x_lag"] = frame.groupby("region_code")["x"].shift(1)  # balanced panel: shift = L1.
    direct = fit_iv(frame, "y", exog=["c1"], endog=["x"], instruments=["x_lag"])
    main = query(connection, "select * from results.regression_coefficients where equation = 'main'").set_index("term")
    np.testing.assert_allclose(main.loc[["x", "c1"], "estimate"], direct.params[["x", "c1"]], rtol=1e-10)
    diag = query(connection, "select * from results.model_diagnostics").set_index(["equation", "statistic"])
    assert diag.loc[("main", "kp_rk_wald_f"), "value"] == pytest.approx(direct.diagnostics["kp_rk_wald_f"])
    assert diag.loc[("main", "kp_rk_lm"), "p"] == pytest.approx(direct.diagnostics["kp_rk_lm_p"])
    assert diag.loc[("main", "stock_yogo_iv_size_10"), "value"] == 16.38
    fs = direct.first_stage["x"]
    assert diag.loc[("first_stage:x", "first_stage_f"), "value"] == pytest.approx(fs.partial_f)
    assert diag.loc[("first_stage:x", "first_stage_f"), "df2"] == fs.partial_f_df[1]
    assert query(connection, "select nobs from results.regression_fits").nobs.item() == 270
    first = query(connection, "select * from results.regression_coefficients where equation = 'first_stage:x'")
    assert list(first.term) == ["L1.x", "c1"] and (first.depvar == "x").all()
    assert first.set_index("term").loc["L1.x", "label_zh"] == "L1.解释变量"
    text = regression_markdown(query(connection, "select * from results.regression_coefficients"),
                               query(connection, "select * from results.regression_fits"),
                               query(connection, "select * from results.model_diagnostics"))
    assert "Kleibergen-Paap rk Wald F" in text and "{16.38}" in text and "Kleibergen-Paap rk LM" in text


def test_mediation_paths_are_the_equation_coefficients(panel):
    column = KINDS["mediation_bootstrap"][0]
    connection, _ = run(study_of([column]), panel)
    coef = query(connection, "select * from results.regression_coefficients").set_index(["equation", "term"])
    diag = query(connection, "select * from results.model_diagnostics").set_index("statistic")
    a, b = coef.loc[("mediator", "x"), "estimate"], coef.loc[("outcome", "m"), "estimate"]
    assert diag.loc["path_a", "value"] == pytest.approx(a) and diag.loc["path_b", "value"] == pytest.approx(b)
    assert diag.loc["indirect_effect", "value"] == pytest.approx(a * b)
    assert diag.loc["indirect_ci_lower_bc", "value"] < a * b < diag.loc["indirect_ci_upper_bc", "value"]
    assert coef.loc[("mediator", "x"), "depvar"] == "m"


def test_gmm_statistic_z_and_time_dummies(panel):
    connection, _ = run(study_of([KINDS["gmm"][0]]), panel)
    coef = query(connection, "select * from results.regression_coefficients")
    assert coef.term.iloc[0] == "L1.yd" and (coef.stat_kind == "z").all()
    assert coef.term.str.match(r"year_\d{4}").any()  # time_effects default: year is in absorb
    fit = query(connection, "select * from results.regression_fits").iloc[0]
    assert fit.vcov_type == "robust (Windmeijer)" and fit.year_fe and fit.nobs == 270


# --------------------------------------------------------------------------- stepwise, lags, samples


def test_stepwise_expands_to_k_plus_one_columns(panel):
    tables = [{"id": "t3", "kind": "regression", "stepwise": True,
               "columns": [{"depvar": "y", "regressors": ["x"], "controls": CONTROLS}]}]
    connection, _ = run(study_of(tables=tables), panel)
    fits = query(connection, "select * from results.regression_fits order by column_order")
    assert list(fits.column_id) == ["(1)", "(2)", "(3)", "(4)"]
    assert list(fits.has_controls) == [False, True, True, True]
    coef = query(connection, "select column_id, term from results.regression_coefficients where term <> '_cons'")
    for j, column_id in enumerate(fits.column_id):
        assert list(coef.loc[coef.column_id == column_id, "term"]) == ["x", *CONTROLS[:j]]
    last = query(connection, "select term, estimate from results.regression_coefficients where column_id = '(4)'")
    direct = fit_fixed_effects(panel, "y", ["x", *CONTROLS])
    np.testing.assert_allclose(last.set_index("term").estimate[direct.params.index], direct.params, rtol=1e-10)


def test_lags_respect_gaps(panel):
    gappy = panel.loc[~((panel.region_code == 11) & (panel.year == 2015))].sample(frac=1.0, random_state=1)
    frame = gappy.sort_values(["region_code", "year"]).reset_index(drop=True)
    lagged = add_lag(frame, "x", 1)
    values = {(r, y): x for r, y, x in zip(frame.region_code, frame.year, frame.x)}
    expected = [values.get((r, y - 1), np.nan) for r, y in zip(frame.region_code, frame.year)]
    np.testing.assert_array_equal(lagged.to_numpy(), np.array(expected))
    row = frame.index[(frame.region_code == 11) & (frame.year == 2016)][0]
    assert np.isnan(lagged[row])  # 2015 is missing: no lag for 2016
    two = add_lag(frame, "x", 2)
    row17 = frame.index[(frame.region_code == 11) & (frame.year == 2017)][0]
    assert np.isnan(two[row17]) and two[frame.index[(frame.region_code == 11) & (frame.year == 2018)][0]] == values[(11, 2016)]
    # in a model: 299 rows, 30 first years and 11/2016 have no L1.x
    column = {**BASE, "regressors": ["L1.x"], "lags": {"x": 1}}
    connection, _ = run(study_of([column]), gappy)
    assert query(connection, "select nobs from results.regression_fits").nobs.item() == 299 - 30 - 1


@pytest.mark.parametrize(
    "sample, expected",
    [
        ({"drop_regions": ["北京", 12, "Shanghai"]}, 27 * 10),
        ({"years": [2012, 2019]}, 30 * 8),
        ({"years": [2012, 2019], "drop_years": [2015]}, 30 * 7),
        ({"where_group": {"column": "region3", "value": "east"}}, 11 * 10),
        ({"where_group": {"column": "region3", "value": ["central", "west"]}}, 19 * 10),
        ({"drop_regions": ["北京", 12, "Shanghai"], "years": [2012, 2019], "drop_years": [2015],
          "where_group": {"column": "region3", "value": "east"}}, 8 * 7),
    ],
)
def test_sample_filters_give_the_expected_n(panel, sample, expected):
    connection, _ = run(study_of([{**BASE, "sample": sample}]), panel)
    fit = query(connection, "select nobs, sample_filter from results.regression_fits").iloc[0]
    assert fit.nobs == expected and fit.sample_filter


def test_lags_are_built_before_the_sample_filter(panel):
    """Stata's `if`: the 2012 row keeps its lag from 2011 even when 2011 is filtered out."""
    column = {**BASE, "regressors": ["L1.x"], "sample": {"years": [2012, 2020]}}
    study = parse_study(study_of([column]), "panel_sim", "main.panel_sim")
    frame = prepare_panel(panel, study.tables[0].columns[0])
    assert frame.year.min() == 2012 and frame["L1.x"].notna().all()


# --------------------------------------------------------------------------- bad declarations

BAD = [
    ({"colour": 1}, "colour"),
    ({"estimator": "ols"}, "estimator"),
    ({"depvar": None}, "depvar"),
    ({"vcov": "bootstrap"}, "vcov"),
    ({"estimator": "iv"}, "iv"),
    ({"estimator": "iv", "iv": {"endog": ["z"], "instruments": ["L1.x"]}}, "iv.endog"),
    ({"estimator": "iv", "iv": {"endog": ["x"], "instruments": ["c1"]}}, "iv.instruments"),
    ({"estimator": "iv", "iv": {"endog": ["x"], "instrument": ["L1.x"]}}, "iv.instrument"),
    ({"iv": {"endog": ["x"], "instruments": ["L1.x"]}}, "iv"),
    ({"sample": {"years": [2020, 2010]}}, "sample.years"),
    ({"sample": {"drop_regions": ["Atlantis"]}}, "sample.drop_regions"),
    ({"sample": {"drop_regions": [99]}}, "sample.drop_regions"),
    ({"sample": {"drop_regions": "Beijing"}}, "sample.drop_regions"),
    ({"sample": {"drop_region": [11]}}, "sample.drop_region"),
    ({"sample": {"where_group": {"column": "region3"}}}, "sample.where_group"),
    ({"lags": {"x": 1}}, "lags.x"),
    ({"lags": {"x": 0}, "regressors": ["L0.x"]}, "lags.x"),
    ({"squared": "c2"}, "squared"),
    ({"squared": "x", "estimator": "mediation", "mediation": {"mediator": "m"}}, "squared"),
    ({"estimator": "mediation"}, "mediation"),
    ({"estimator": "mediation", "mediation": {"method": "jiang"}}, "mediation.mediator"),
    ({"estimator": "mediation", "mediation": {"mediator": "m", "method": "sobel"}}, "mediation.method"),
    ({"estimator": "mediation", "mediation": {"mediator": "m", "reps": 1}}, "mediation.reps"),
    ({"estimator": "mediation", "mediation": {"mediator": "m"}, "regressors": ["x", "c2"]}, "regressors"),
    ({"estimator": "mediation", "mediation": {"mediator": "c1"}}, "mediation.mediator"),
    ({"estimator": "subsample", "subsample": {"groups": ["east"]}}, "subsample.group"),
    ({"estimator": "group_difference", "group_difference": {"group": "region3", "groups": ["east", "central", "west"]}},
     "group_difference.groups"),
    ({"estimator": "group_difference", "group_difference": {"group": "region3", "groups": ["east", "west"],
                                                            "method": "sur"}}, "group_difference.method"),
    ({"estimator": "group_difference", "vcov": "hc1",
      "group_difference": {"group": "region3", "groups": ["east", "west"]}}, "vcov"),
    ({"estimator": "hausman", "hausman": {"form": "robust"}}, "hausman.form"),
    ({"estimator": "gmm", "gmm": {"gmm": [{"variable": "y", "equation": "levels"}]}}, "gmm.gmm[0].equation"),
    ({"estimator": "gmm", "gmm": {"twostep": True}}, "gmm.twostep"),
    ({"estimator": "gmm", "gmm": {"gmm": [{"variable": "y", "min_lag": 3, "max_lag": 2}]}}, "gmm.gmm[0].max_lag"),
    ({"estimator": "gmm", "lags": {"x": 1}, "regressors": ["L1.x"]}, "lags"),
    ({"estimator": "re", "vcov": "hc1"}, "vcov"),
    ({"estimator": "re", "absorb": ["region_code", "province_year"]}, "absorb"),
    ({"controls": ["x"]}, "controls"),
    ({"regressors": "y"}, "depvar"),
    ({"regressors": [3]}, "regressors"),
]


@pytest.mark.parametrize("change, key", BAD, ids=[key for _, key in BAD])
def test_bad_declarations_name_study_table_column_and_key(change, key):
    column = {**BASE, **change}
    with pytest.raises(DeclarationError) as raised:
        parse_study(study_of([column]), "panel_sim", "main.panel_sim")
    message = str(raised.value)
    assert "study sim, table t1, column '(1)'" in message
    assert f"key '{key}'" in message


@pytest.mark.parametrize(
    "table, where, key",
    [
        ({"id": "t1", "kind": "regression", "colums": []}, "study sim, table t1", "colums"),
        ({"id": "t1", "kind": "regression", "stepwise": True, "columns": [{**BASE}]}, "column '(1)'", "id"),
        ({"id": "t1", "kind": "regression", "stepwise": True,
          "columns": [{"depvar": "y", "regressors": ["x"], "estimator": "re", "controls": ["c1"]}]},
         "column 'columns[0]'", "stepwise"),
        ({"id": "t1", "kind": "regression", "stepwise": True, "columns": [{"depvar": "y", "regressors": ["x"]}]},
         "column 'columns[0]'", "stepwise"),
        ({"id": "t1", "kind": "regression", "columns": [BASE, BASE]}, "column '(1)'", "id"),
        ({"id": "t1", "kind": "regression", "defaults": {"id": "(9)"}, "columns": [BASE]}, "table t1", "defaults.id"),
    ],
)
def test_bad_tables(table, where, key):
    with pytest.raises(DeclarationError) as raised:
        parse_study(study_of(tables=[table]), "panel_sim", "main.panel_sim")
    assert where in str(raised.value) and f"key '{key}'" in str(raised.value)


# --------------------------------------------------------------------------- estimator errors


@pytest.mark.parametrize(
    "column, match",
    [
        ({**BASE, "depvar": "nope"}, r"has no column\(s\) \['nope'\]"),
        ({**BASE, "estimator": "iv", "iv": {"endog": ["x"], "instruments": ["region_constant"]}},
         "not identified"),
        ({**BASE, "sample": {"years": [1990, 2000]}}, "leaves no rows"),
        ({**BASE, "regressors": ["region_constant"], "estimator": "mediation", "mediation": {"mediator": "m"}},
         "collinear with the fixed effects"),
        # too few clusters for a cluster-robust VCE: 2 regions, 4 regressors
        ({**BASE, "sample": {"where_group": {"column": "region_code", "value": [11, 12]}}}, "cluster"),
        # a subsample with fewer observations than parameters
        ({**BASE, "absorb": ["year"], "vcov": "hc1", "sample": {"where_group": {"column": "region_code", "value": [11]},
                                                          "years": [2013, 2015]}}, "observations"),
        # the only regressor constant within every region (collinear with the region effects)
        ({**BASE, "regressors": ["region_constant"], "controls": []}, "collinear"),
    ],
)
def test_estimator_errors_become_model_errors_and_nothing_is_written(panel, column, match):
    good = study_of([BASE])
    connection, _ = run(good, panel, run_id="good-run")
    before = {t: query(connection, f"select * from results.{t} where study = 'sim'") for t in RESULT_TABLES}
    bad = study_of(tables=[{"id": "t1", "kind": "regression", "columns": [BASE]},
                           {"id": "t2", "kind": "regression", "columns": [column]}])
    with pytest.raises(ModelError, match=match) as raised:
        run(bad, panel, connection=connection, run_id="bad-run")
    assert "study sim, table t2, column (1)" in str(raised.value)
    for table, rows in before.items():
        after = query(connection, f"select * from results.{table} where study = 'sim'")
        assert len(after) == len(rows)
        assert set(after.get("run_id", pd.Series(dtype=str))) <= {"good-run"}


def test_a_failed_insert_rolls_back_the_whole_study(panel):
    connection, frames = run(study_of([BASE]), panel, run_id="good-run")
    broken = {name: frame.copy() for name, frame in frames.items()}
    broken["model_diagnostics"]["no_such_column"] = 1.0
    with pytest.raises(duckdb.Error):
        replace_study_results(connection, "sim", broken)
    counts = {t: query(connection, f"select count(*) n from results.{t} where study = 'sim'").n.item() for t in RESULT_TABLES}
    assert counts["regression_coefficients"] == len(frames["regression_coefficients"]) > 0
    assert counts["model_diagnostics"] == len(frames["model_diagnostics"]) > 0


def test_older_results_tables_gain_the_new_columns():
    connection = duckdb.connect()
    connection.execute("create schema results")
    connection.execute("create table results.regression_coefficients (study varchar, table_id varchar, "
                       "column_id varchar, term varchar, estimate double)")
    connection.execute("insert into results.regression_coefficients values ('old', 't', '(1)', 'x', 1.0)")
    ensure_result_tables(connection)
    row = query(connection, "select equation, depvar from results.regression_coefficients").iloc[0]
    assert row.equation == "main" and row.depvar is None
    assert query(connection, "select count(*) n from results.model_diagnostics").n.item() == 0


# --------------------------------------------------------------------------- Paper A's declarations


def paper_a_like(seed: int = 1) -> pd.DataFrame:
    """A panel with panel_paper_a's columns (30 regions x 2013-2022), simulated."""
    data = simulate(seed)
    data["year"] = data["year"] + 2
    rename = {"y": "regional_gap_abs", "x": "nqp", "m": "industrial_upgrading", "c1": "gov_intervention",
              "c2": "tax_burden", "c3": "openness"}
    data = data.rename(columns=rename)
    rng = np.random.default_rng(seed)
    for name in ("urbanisation", "financial_development", "infrastructure"):
        data[name] = rng.normal(size=len(data))
    for name in ("nqp_topsis_entropy", "nqp_equal", "nqp_critic"):  # the index under the other methods
        data[name] = data["nqp"] + rng.normal(scale=0.3, size=len(data))
    data["digital_economy"] = rng.uniform(size=len(data))  # table7's threshold variable
    return data


def test_paper_a_yaml_declares_tables_4_to_6_with_the_papers_ns():
    doc = yaml.safe_load((ROOT / "dbt_project/models/marts/studies/_paper_a.yml").read_text(encoding="utf-8"))
    node = next(m for m in doc["models"] if m["name"] == "panel_paper_a")
    study = parse_study(node["config"]["meta"], "panel_paper_a", "main.panel_paper_a")
    tables = {t.table_id: t for t in study.tables}
    assert {"table2", "table3", "table4", "table5", "table6"} <= set(tables)
    t4 = tables["table4"].columns
    assert t4[0].sample.drop_regions == (11, 12, 31, 50, 44)
    assert t4[1].estimator == "iv" and t4[1].iv.instruments == ("L1.nqp",)
    assert [c.mediation.method for c in tables["table5"].columns] == ["jiang", "bootstrap"]
    frames = compute_study_tables(paper_a_like(), study)
    fits = frames["regression_fits"].set_index(["table_id", "column_id"])
    assert fits.loc[("table4", "(1)"), "nobs"] == 250
    assert fits.loc[("table4", "(2)"), "nobs"] == 270
    assert [fits.loc[("table6", c), "nobs"] for c in ("(1)", "(2)", "(3)")] == [110, 80, 110]
    assert [fits.loc[("table7", c), "nobs"] for c in ("(1)", "(2)")] == [300, 300]  # threshold, balanced
    diag = frames["model_diagnostics"]
    t4 = diag[(diag.table_id == "table4") & (diag.column_id == "(2)")].set_index("statistic")
    assert {"kp_rk_lm", "kp_rk_wald_f"} <= set(t4.index) and t4.loc["stock_yogo_iv_size_10", "value"] == 16.38
    t5 = diag[(diag.table_id == "table5") & (diag.column_id == "(2)")].statistic
    assert {"indirect_effect", "indirect_ci_lower_bc", "indirect_ci_upper_bc"} <= set(t5)
    coef = frames["regression_coefficients"]
    jiang = coef[(coef.table_id == "table5") & (coef.column_id == "(1)")]
    assert set(jiang.equation) == {"main", "mediator"}
    assert set(jiang.loc[jiang.equation == "mediator", "depvar"]) == {"industrial_upgrading"}
    t6 = diag[diag.table_id == "table6"]
    assert set(t6.loc[t6.statistic == "perm_p", "column_id"]) == {"(1)-(2)", "(1)-(3)", "(2)-(3)"}
