"""The `threshold` estimator kind (models_py/estimators/kinds/threshold.py): a YAML declaration
parses into ThresholdSpec, mistakes raise DeclarationError naming the key, a fit through the
registry equals a direct fit_threshold call, and the rendered table shows the regime terms, the
thresholds with their LR bounds and the F tests. No warehouse build; small bootstrap counts.

The Paper A table on the built warehouse: test_paper_a_threshold_table_* at the end (build)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from models_py.declarations import DeclarationError, parse_study
from models_py.estimators import registry
from models_py.estimators.kinds.threshold import ThresholdSpec, regime_term
from models_py.estimators.panel import required_columns
from models_py.estimators.threshold import fit_threshold
from models_py.tables.layout import regression_display
from models_py.tables.regression import regression_table
from tests.test_threshold import simulated_panel

DECLARATION = """
study: s
tables:
  - id: t1
    kind: regression
    title_zh: 门槛回归
    title_en: Threshold regression
    defaults:
      estimator: threshold
      depvar: y
      regressors: [x0]
      controls: [c0, c1]
      absorb: [region_code]
      vcov: cluster
    columns:
      - id: "(1)"
        threshold: {variable: q, trim: 0.05, grid: 60, bootstrap: 19, seed: 3}
      - id: "(2)"
        threshold: {variable: q, n_thresholds: 2, trim: [0.05, 0.05], grid: 60, bootstrap: [19, 9], seed: 3,
                    level: 90}
"""
LABELS = {"x0": {"zh": "核心变量", "en": "Core"}, "q": {"zh": "门槛变量", "en": "Q"}}


def _study(declaration: str = DECLARATION):
    return parse_study(yaml.safe_load(declaration), "panel_s", "main.panel_s", labels=LABELS)


def _column_meta(**threshold) -> dict:
    column = {"id": "(1)", "estimator": "threshold", "depvar": "y", "regressors": ["x0"], "controls": ["c0"],
              "absorb": ["region_code"], "threshold": {"variable": "q", **threshold}}
    return {"study": "s", "tables": [{"id": "t1", "kind": "regression", "columns": [column]}]}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulated_panel(n=20, T=8, gammas=(-0.3, 0.6), slopes=((1.0,), (-0.5,), (1.5,)), seed=21)


@pytest.fixture(scope="module")
def table(panel):
    study = _study()
    return study, regression_table(panel, study, study.tables[0])


# --------------------------------------------------------------------------- declarations


def test_the_yaml_section_parses_with_xthreg_defaults():
    study = _study()
    single, double = study.tables[0].columns
    assert single.threshold == ThresholdSpec(variable="q", regime=("x0",), n_thresholds=1, trim=0.05, grid=60,
                                             bootstrap=19, seed=3, level=95.0, year_effects=False)
    assert double.threshold.trim == (0.05, 0.05) and double.threshold.bootstrap == (19, 9)
    assert double.threshold.level == 90.0 and double.threshold.n_thresholds == 2
    assert single.kind is registry.KINDS["threshold"]
    assert "q" in required_columns(single)
    defaults = parse_study(_column_meta(), "m", "main.m").tables[0].columns[0].threshold
    assert (defaults.n_thresholds, defaults.trim, defaults.grid, defaults.bootstrap, defaults.level) == (
        1, 0.01, 300, 300, 95.0)
    with_year = _column_meta()
    with_year["tables"][0]["columns"][0]["absorb"] = ["region_code", "year"]
    assert parse_study(with_year, "m", "main.m").tables[0].columns[0].threshold.year_effects is True


@pytest.mark.parametrize("change, key, problem", [
    ({"threshold": {}}, "threshold.variable", "is required"),
    ({"threshold": {"variable": "q", "bins": 3}}, "threshold.bins", "unknown key"),
    ({"threshold": {"variable": "y"}}, "threshold.variable", "is the dependent variable"),
    ({"threshold": {"variable": "q", "regime": ["c0"]}}, "threshold.regime", "must also be listed in regressors"),
    ({"threshold": {"variable": "q", "n_thresholds": 4}}, "threshold.n_thresholds", "must be 1, 2 or 3"),
    ({"threshold": {"variable": "q", "n_thresholds": 0}}, "threshold.n_thresholds", "at least 1"),
    ({"threshold": {"variable": "q", "trim": 0.5}}, "threshold.trim", r"in \(0, 0.5\)"),
    ({"threshold": {"variable": "q", "n_thresholds": 2, "trim": [0.05]}}, "threshold.trim", "one value per threshold"),
    ({"threshold": {"variable": "q", "bootstrap": -1}}, "threshold.bootstrap", "at least 0"),
    ({"threshold": {"variable": "q", "grid": 0}}, "threshold.grid", "at least 1"),
    ({"threshold": {"variable": "q", "level": 0.95}}, "threshold.level", "in percent"),
    ({"threshold": {"variable": "q", "seed": "one"}}, "threshold.seed", "whole number"),
    ({"threshold": {"variable": "q", "year_effects": "yes"}}, "threshold.year_effects", "true or false"),
    ({"absorb": ["region_code", "region3"]}, "absorb", "must name region_code"),
    ({"absorb": ["year"]}, "absorb", "must name region_code"),
    ({"vcov": "hc1"}, "vcov", "cluster or unadjusted"),
    ({"cluster": "region3"}, "cluster", "clusters by the panel unit"),
    ({"estimator": "twfe"}, "threshold", "only applies to estimator threshold"),
])
def test_declaration_mistakes_name_study_table_column_and_key(change, key, problem):
    meta = _column_meta()
    column = meta["tables"][0]["columns"][0]
    change = dict(change)
    threshold = change.pop("threshold", None)
    if threshold is not None:
        column["threshold"] = threshold
    column.update(change)
    with pytest.raises(DeclarationError, match=rf"study s, table t1, column '\(1\)': key '{key}': .*{problem}"):
        parse_study(meta, "m", "main.m")


def test_the_section_is_required():
    meta = _column_meta()
    del meta["tables"][0]["columns"][0]["threshold"]
    with pytest.raises(DeclarationError, match=r"key 'threshold': is required for estimator 'threshold'"):
        parse_study(meta, "m", "main.m")


# --------------------------------------------------------------------------- the fit


def test_fit_through_the_registry_equals_a_direct_fit_threshold(panel, table):
    study, (coefficients, fits, diagnostics) = table
    direct = {
        "(1)": fit_threshold(panel, "y", ["x0"], "q", ["c0", "c1"], n_thresholds=1, trim=0.05, grid=60,
                             bootstrap=19, seed=3),
        "(2)": fit_threshold(panel, "y", ["x0"], "q", ["c0", "c1"], n_thresholds=2, trim=[0.05, 0.05], grid=60,
                             bootstrap=[19, 9], seed=3, level=0.90),
    }
    for column_id, fit in direct.items():
        n = len(fit.thresholds)
        rows = coefficients[coefficients["column_id"] == column_id].set_index("term")
        expected = {regime_term("x0", j, n): f"x0_regime{j}" for j in range(1, n + 2)}
        expected.update({t: t for t in ("c0", "c1", "_cons")})
        assert list(rows.index) == list(expected)  # regime terms first, lowest regime first
        for term, direct_term in expected.items():
            assert rows.loc[term, "estimate"] == pytest.approx(fit.params[direct_term], rel=1e-12, abs=1e-14)
            assert rows.loc[term, "std_error"] == pytest.approx(fit.std_errors[direct_term], rel=1e-12)
            assert rows.loc[term, "p"] == pytest.approx(fit.pvalues[direct_term], rel=1e-10, abs=1e-14)
        assert not rows.loc[[t for t in expected if t.startswith("x0_")], "is_control"].any()
        assert rows.loc[["c0", "c1"], "is_control"].all()
        fit_row = fits.set_index("column_id").loc[column_id]
        assert fit_row["estimator"] == "threshold" and fit_row["nobs"] == 160 and fit_row["n_clusters"] == 20
        assert fit_row["r2_within"] == pytest.approx(fit.rsquared_within, rel=1e-12)
        assert fit_row["vcov_type"] == "cluster" and fit_row["region_fe"] and not fit_row["year_fe"]
        stats = diagnostics[diagnostics["column_id"] == column_id].set_index("statistic")
        for k, gamma in enumerate(fit.thresholds, start=1):
            assert stats.loc[f"threshold_{k}", "value"] == gamma
            label = "Th-1" if n == 1 else fit.estimates.index[fit.estimates["threshold"] == gamma][-1]
            assert stats.loc[f"threshold_{k}_lower", "value"] == fit.estimates.loc[label, "lower"]
            assert stats.loc[f"threshold_{k}_upper", "value"] == fit.estimates.loc[label, "upper"]
        for test in fit.tests:
            name = f"threshold_f_{test.label.lower()}"
            assert stats.loc[name, "value"] == pytest.approx(test.f_stat, rel=1e-12)
            assert stats.loc[name, "p"] == test.p_value
            for q in ("crit10", "crit5", "crit1"):
                assert stats.loc[f"{name}_{q}", "value"] == getattr(test, q)
        for d in fit.diagnostics:  # fit_threshold's own rows, all kept but the within R² (a fit field)
            if d.name != "rsquared_within":
                assert stats.loc[d.name, "value"] == pytest.approx(d.value, rel=1e-12)
        assert stats.loc["lr_critical_value", "value"] == pytest.approx(fit.lr_critical_value)
        assert [stats.loc[f"regime{j}_nobs", "value"] for j in range(1, n + 2)] == list(fit.regime_counts)
    # the simulated thresholds (−0.3, 0.6) are found by the double model
    double = diagnostics[diagnostics["column_id"] == "(2)"].set_index("statistic")["value"]
    assert abs(double["threshold_1"] + 0.3) < 0.1 and abs(double["threshold_2"] - 0.6) < 0.1


def test_regime_independent_regressors_and_year_effects(panel):
    """`regime` a subset of the regressors: the rest enter linearly; year in absorb: year dummies
    (written as Stata's 2014.year and hidden in the table)."""
    meta = _column_meta(regime=["x0"], bootstrap=0, grid=40)
    column = meta["tables"][0]["columns"][0]
    column.update({"regressors": ["x0", "c1"], "absorb": ["region_code", "year"], "vcov": "unadjusted"})
    study = parse_study(meta, "m", "main.m")
    coefficients, fits, diagnostics = regression_table(panel, study, study.tables[0])
    direct = fit_threshold(panel, "y", ["x0"], "q", ["c1", "c0"], bootstrap=0, grid=40, vcov="unadjusted",
                           year_effects=True)
    rows = coefficients.set_index("term")
    assert rows.loc["c1", "estimate"] == pytest.approx(direct.params["c1"], rel=1e-12)
    assert not rows.loc["c1", "is_control"] and rows.loc["c0", "is_control"]
    years = [t for t in rows.index if t.endswith(".year")]
    assert years == [f"{y}.year" for y in range(2011, 2018)]
    assert rows.loc["2011.year", "estimate"] == pytest.approx(direct.params["_year_2011"], rel=1e-12)
    assert fits.iloc[0]["year_fe"] and fits.iloc[0]["cluster"] is None and fits.iloc[0]["vcov_type"] == "unadjusted"
    single = diagnostics.set_index("statistic").loc["threshold_f_single"]
    assert single["value"] == pytest.approx(direct.tests[0].f_stat) and pd.isna(single["p"])
    assert "threshold_f_single_crit5" not in set(diagnostics["statistic"])  # no bootstrap, no critical values
    table = regression_display(coefficients, fits, diagnostics, lang="en")
    assert not any(".year" in row.label for row in table.rows)


def test_a_bad_panel_is_a_model_error_naming_the_column(panel):
    from models_py.tables.regression import ModelError

    study = _study()
    unbalanced = panel.iloc[1:]
    with pytest.raises(ModelError, match=r"column \(1\) \(threshold\): panel threshold regression needs a balanced"):
        regression_table(unbalanced, study, study.tables[0])


# --------------------------------------------------------------------------- the rendered table


def test_the_table_shows_regimes_thresholds_with_bounds_and_the_f_tests(table):
    _, (coefficients, fits, diagnostics) = table
    for lang, labels in (("zh", ("核心变量 × I(门槛变量 ≤ γ₁)", "核心变量 × I(门槛变量 > γ₁)",
                                  "核心变量 × I(γ₁ < 门槛变量 ≤ γ₂)", "核心变量 × I(门槛变量 > γ₂)",
                                  "门槛值 γ₁ [LR 置信区间]", "门槛值 γ₂ [LR 置信区间]",
                                  "单一门槛检验 F [Bootstrap p]", "双重门槛检验 F [Bootstrap p]", "门槛回归")),
                         ("en", ("Core × I(Q ≤ γ₁)", "Core × I(Q > γ₁)", "Core × I(γ₁ < Q ≤ γ₂)", "Core × I(Q > γ₂)",
                                 "Threshold γ₁ [LR confidence interval]", "Threshold γ₂ [LR confidence interval]",
                                 "Single-threshold test F [bootstrap p]", "Double-threshold test F [bootstrap p]",
                                 "Threshold"))):
        display = regression_display(coefficients, fits, diagnostics, lang=lang)
        rows = {row.label: row.cells for row in display.rows}
        assert set(labels[:8]) <= set(rows), (lang, list(rows))
        assert rows[labels[1]][1] == "" and rows[labels[2]][0] == ""  # q > γ₁ only in the single model
        assert rows["估计方法" if lang == "zh" else "Estimator"] == [labels[8], labels[8]]
    stats = diagnostics.set_index(["column_id", "statistic"])["value"]
    p = diagnostics.set_index(["column_id", "statistic"])["p"]
    expected = (f"{stats['(2)', 'threshold_2']:.4g} [{stats['(2)', 'threshold_2_lower']:.4g}, "
                f"{stats['(2)', 'threshold_2_upper']:.4g}]")
    assert rows["Threshold γ₂ [LR confidence interval]"] == ["", expected]
    assert rows["Double-threshold test F [bootstrap p]"] == [
        "", f"{stats['(2)', 'threshold_f_double']:.3f} [{p['(2)', 'threshold_f_double']:.3f}]"]
    assert rows["Single-threshold test F [bootstrap p]"][0] == (
        f"{stats['(1)', 'threshold_f_single']:.3f} [{p['(1)', 'threshold_f_single']:.3f}]")


def test_the_note_says_the_brackets_hold_p_values_and_the_threshold_intervals(table):
    """Can fail: the thresholds' rows bracket an LR confidence interval, not a p-value."""
    _, (coefficients, fits, diagnostics) = table
    zh = regression_display(coefficients, fits, diagnostics, lang="zh").notes[0]
    en = regression_display(coefficients, fits, diagnostics, lang="en").notes[0]
    assert "方括号内为 p 值（标明置信区间的行为置信区间）" in zh, zh
    assert "p-values in brackets (confidence intervals in the rows labelled so)" in en, en
    only_thresholds = diagnostics[~diagnostics["statistic"].str.startswith("threshold_f")]
    zh = regression_display(coefficients, fits, only_thresholds, lang="zh").notes[0]
    assert "方括号内为置信区间" in zh and "p 值" not in zh, zh


# --------------------------------------------------------------------------- Paper A (build)

PAPER_A_CONTROLS = ["gov_intervention", "tax_burden", "openness", "urbanisation", "financial_development",
                    "infrastructure"]


def test_paper_a_threshold_table_equals_a_direct_fit_on_the_warehouse_panel(warehouse_connection):
    con = warehouse_connection
    panel = con.execute("select * from main.panel_paper_a order by region_code, year").df()
    index = con.execute("select region_code, year, score from main.index_scores where system = 'digital_economy_a' "
                        "and level = 'total' and year between 2013 and 2022 and region_code <> 54 "
                        "order by region_code, year").df()
    assert len(panel) == 300 and panel["digital_economy"].notna().all()
    np.testing.assert_allclose(panel["digital_economy"].to_numpy(), index["score"].to_numpy(), rtol=1e-12)
    coefficients = con.execute("select * from results.regression_coefficients where study = 'paper_a' "
                               "and table_id = 'table7'").df()
    fits = con.execute("select * from results.regression_fits where study = 'paper_a' and table_id = 'table7'").df()
    diagnostics = con.execute("select * from results.model_diagnostics where study = 'paper_a' "
                              "and table_id = 'table7'").df()
    assert fits.set_index("column_id")["nobs"].to_dict() == {"(1)": 300, "(2)": 300}
    assert set(fits["estimator"]) == {"threshold"}
    for column_id, n in (("(1)", 1), ("(2)", 2)):
        fit = fit_threshold(panel, "regional_gap_abs", "nqp", "digital_economy", PAPER_A_CONTROLS, n_thresholds=n,
                            trim=0.05, grid=300, bootstrap=300, seed=1, year_effects=True)
        rows = coefficients[coefficients["column_id"] == column_id].set_index("term")
        for j in range(1, n + 2):
            assert rows.loc[regime_term("nqp", j, n), "estimate"] == pytest.approx(
                fit.params[f"nqp_regime{j}"], rel=1e-9)
            assert rows.loc[regime_term("nqp", j, n), "std_error"] == pytest.approx(
                fit.std_errors[f"nqp_regime{j}"], rel=1e-9)
        stats = diagnostics[diagnostics["column_id"] == column_id].set_index("statistic")
        assert tuple(stats.loc[f"threshold_{k}", "value"] for k in range(1, n + 1)) == fit.thresholds
        for test in fit.tests:
            name = f"threshold_f_{test.label.lower()}"
            assert stats.loc[name, "value"] == pytest.approx(test.f_stat, rel=1e-9)
            assert stats.loc[name, "p"] == pytest.approx(test.p_value)
            assert stats.loc[f"{name}_crit5", "value"] == pytest.approx(test.crit5, rel=1e-9)


def test_paper_a_threshold_table_is_in_the_five_report_formats(built_warehouse, warehouse_connection):
    import docx
    import openpyxl

    from tests.session_builds import session_reports

    reports = session_reports(built_warehouse)
    gamma = warehouse_connection.execute(
        "select value from results.model_diagnostics where study = 'paper_a' and table_id = 'table7' "
        "and column_id = '(1)' and statistic = 'threshold_1'").fetchone()[0]
    cell = f"{gamma:.4g} ["
    markdown = (reports / "paper_a.md").read_text(encoding="utf-8")
    assert "**表7 门槛效应：数字经济发展水平**" in markdown
    assert "门槛值 γ₁ [LR 置信区间]" in markdown and cell in markdown and "双重门槛检验 F [Bootstrap p]" in markdown
    assert "新质生产力 × I(数字经济发展指数 ≤ γ₁)" in markdown
    html = (reports / "paper_a.html").read_text(encoding="utf-8")
    assert "门槛值 γ₁ [LR 置信区间]" in html and cell in html
    tex = (reports / "paper_a.tex").read_text(encoding="utf-8")
    assert "门槛值 γ₁ [LR 置信区间]" in tex and f"{gamma:.4g}" in tex
    document = docx.Document(str(reports / "paper_a.docx"))
    texts = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert "门槛值 γ₁ [LR 置信区间]" in texts and any(t.startswith(cell) for t in texts)
    book = openpyxl.load_workbook(reports / "paper_a.xlsx")
    values = {str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value}
    assert "门槛值 γ₁ [LR 置信区间]" in values and any(v.startswith(cell) for v in values)
