"""The `moderation` estimator kind: its YAML section, its fit through the registry, its table, and
Paper C's moderation table in the built warehouse and its reports.

The numerics (fit_moderation) are checked against pyfixest and Wooldridge in tests/test_moderation.py;
here the kind must add nothing to them (fit through the registry == a direct call), parse and check
its declaration, and show the interaction and the marginal effects in the rendered table. The
build tests compare Paper C's table7 with pyfixest on the panel read from the warehouse, the
centred product built by hand.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pyfixest as pf
import pytest

from models_py.declarations import DeclarationError, parse_study
from models_py.estimators import registry
from models_py.estimators.moderation import fit_moderation
from models_py.estimators.panel import required_columns
from models_py.tables.layout import regression_display
from models_py.tables.regression import regression_table
from tests.session_builds import session_reports

RTOL = 1e-8
PF_SSC = dict(k_adj=True, k_fixef="nonnested", G_adj=True, G_df="min")  # reghdfe's, as tests/test_moderation.py
LABELS = {"x": {"zh": "核心解释变量", "en": "Core variable"}, "m": {"zh": "调节变量甲", "en": "Moderator A"},
          "d": {"zh": "虚拟变量", "en": "Dummy"}, "y": {"zh": "被解释变量", "en": "Outcome"}}


def _study(column: dict, labels=LABELS):
    base = {"id": "(1)", "estimator": "moderation", "depvar": "y", "regressors": ["x"], "controls": ["z"]}
    meta = {"study": "s", "tables": [{"id": "t7", "kind": "regression", "columns": [{**base, **column}]}]}
    return parse_study(meta, "panel_s", "main.panel_s", labels)


def _column(moderation: dict, **column):
    return _study({"moderation": moderation, **column}).tables[0].columns[0]


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """20 provinces x 11 years: y depends on x·m; d a 0/1 moderator; one missing x."""
    rng = np.random.default_rng(11)
    df = pd.DataFrame([(r, t) for r in range(11, 31) for t in range(2012, 2023)], columns=["region_code", "year"])
    n = len(df)
    unit = rng.normal(size=20)[df["region_code"] - 11]
    df["x"] = rng.normal(1.0, 1.0, n) + 0.5 * unit
    df["m"] = rng.normal(2.0, 1.0, n) + 0.05 * (df["year"] - 2012)
    df["d"] = (rng.random(n) < 0.4).astype(float)
    df["z"] = rng.normal(size=n)
    df["y"] = (0.5 * df["x"] + 0.3 * df["m"] + 0.4 * df["x"] * df["m"] - 0.3 * df["x"] * df["d"] + 0.1 * df["z"]
               + unit + rng.normal(0, 1, n))
    df.loc[7, "x"] = np.nan
    return df


# --------------------------------------------------------------------------- the YAML section


def test_declaration_parses_with_defaults():
    column = _column({"moderators": "m"})
    spec = column.moderation
    assert column.estimator == "moderation" and column.kind is registry.KINDS["moderation"]
    assert (spec.moderators, spec.center, spec.at, spec.categorical, spec.level) == (("m",), "both", None, (), 95.0)
    assert required_columns(column) == ["y", "x", "z", "m", "region_code", "year"]
    full = _column({"moderators": ["m", "d"], "center": "moderator", "categorical": ["d"], "level": 90,
                    "at": {"m": ["mean-2sd", "p25", 1.5, "max"], "d": [0, 1]}})
    assert full.moderation.at == {"m": ("mean-2sd", "p25", 1.5, "max"), "d": (0, 1)}
    assert full.moderation.categorical == ("d",) and full.moderation.level == 90.0
    assert _column({"moderators": ["m"], "at": ["mean-sd", "mean+sd"]}).moderation.at == ("mean-sd", "mean+sd")


@pytest.mark.parametrize("moderation, column, key, message", [
    ({}, {}, "moderation.moderators", "is required"),
    ({"moderators": []}, {}, "moderation.moderators", "must name at least one column"),
    ({"moderators": "m", "centre": "both"}, {}, "moderation.centre", "unknown key"),
    ({"moderators": "m", "center": "mean"}, {}, "moderation.center", "must be one of both, moderator, none"),
    ({"moderators": "m", "at": ["mean-sd", "median"]}, {}, "moderation.at", "cannot read at value 'median'"),
    ({"moderators": "m", "at": [True]}, {}, "moderation.at", "expected a number"),
    ({"moderators": "m", "at": []}, {}, "moderation.at", "lists no moderator value"),
    ({"moderators": "m", "at": ["mean", "Mean"]}, {}, "moderation.at", "names a value twice"),
    ({"moderators": "m", "at": [1, 1.0]}, {}, "moderation.at", "names a value twice"),
    ({"moderators": "m", "at": {"w": ["mean"]}}, {}, "moderation.at", r"names \['w'\], which are not moderators"),
    ({"moderators": "m", "at": {"m": ["p101"]}}, {}, "moderation.at.m", "must lie in 0..100"),
    ({"moderators": ["m", "d"], "categorical": ["d"], "at": ["mean"]}, {}, "moderation.at",
     "'d' is categorical"),
    ({"moderators": "m", "categorical": ["d"]}, {}, "moderation.categorical", "not among the moderators"),
    ({"moderators": "m", "level": 0.95 * 200}, {}, "moderation.level", "confidence level in percent"),
    ({"moderators": "m"}, {"regressors": ["x", "w"]}, "regressors", "exactly one regressor"),
    ({"moderators": "z"}, {}, "moderation.moderators", r"\['z'\] are also"),
    ({"moderators": "m"}, {"squared": "x"}, "squared", "not 'moderation'"),
])
def test_declaration_errors_name_the_key(moderation, column, key, message):
    with pytest.raises(DeclarationError, match=rf"study s, table t7, column '\(1\)': key '{re.escape(key)}': .*{message}"):
        _column(moderation, **column)


def test_section_is_required_and_belongs_to_moderation():
    with pytest.raises(DeclarationError, match="key 'moderation': is required for estimator 'moderation'"):
        _study({})
    with pytest.raises(DeclarationError, match="key 'moderation': only applies to estimator moderation"):
        _study({"estimator": "twfe", "moderation": {"moderators": "m"}})


# --------------------------------------------------------------------------- the fit


def _direct(panel, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_moderation(panel, "y", "x", **kwargs)


def test_fit_through_the_registry_is_fit_moderation(panel):
    column = _column({"moderators": ["m"], "at": ["mean-sd", "mean", "mean+sd", "p75"]})
    res = registry.estimate(panel, column)
    ref = _direct(panel, moderators=["m"], controls=["z"], cluster="region_code",
                  at=["mean-sd", "mean", "mean+sd", "p75"])
    assert list(res.params.index) == ["x", "m", "c.x#c.m", "z", "_cons"]
    for ours, theirs in ((res.params, ref.params), (res.std_errors, ref.std_errors), (res.stats, ref.stats),
                         (res.pvalues, ref.pvalues)):
        pd.testing.assert_series_equal(ours, theirs, check_names=False)
    margins = res.equations["margins"]
    assert list(margins.params.index) == ["x@mean-sd", "x@mean", "x@mean+sd", "x@p75"]  # one moderator: no m
    np.testing.assert_array_equal(margins.params, ref.equations["margins"].params)
    np.testing.assert_array_equal(margins.std_errors, ref.equations["margins"].std_errors)
    np.testing.assert_array_equal(margins.pvalues, ref.equations["margins"].pvalues)
    assert (res.nobs, res.df_resid, res.n_clusters, res.r2_within) == (ref.nobs, ref.df_resid, ref.n_clusters,
                                                                       ref.rsquared_within)
    assert res.nobs == 219 and res.missing_dropped == 1 and res.region_fe and res.year_fe
    diagnostics = {(d.equation, d.name): d for d in res.diagnostics}
    for d in ref.diagnostics:  # interaction F, centres, Johnson–Neyman bounds and share, as the numerics give
        ours = diagnostics[(d.equation, d.name)]
        assert (ours.value, ours.df, ours.df2, ours.p, ours.note) == (d.value, d.df, d.df2, d.p, d.note)
    assert diagnostics[("main", "interaction_f")].value == pytest.approx(ref.stats["c.x#c.m"] ** 2, rel=1e-12)
    at = diagnostics[("margins", "moderator_value:x@p75")]
    assert at.value == ref.simple_slopes.loc["x@m=p75", "value"] and at.note == "m = p75"
    assert diagnostics[("main", "center_m")].value == pytest.approx(panel.loc[panel["x"].notna(), "m"].mean())


def test_two_moderators_one_categorical(panel):
    column = _column({"moderators": ["m", "d"], "categorical": ["d"], "center": "moderator"})
    res = registry.estimate(panel, column)
    ref = _direct(panel, moderators=["m", "d"], controls=["z"], categorical=["d"], center="moderator")
    assert list(res.params.index) == ["x", "m", "1.d", "c.x#c.m", "1.d#c.x", "z", "_cons"]
    np.testing.assert_array_equal(res.params, ref.params)
    assert list(res.equations["margins"].params.index) == [
        "x@m=mean-sd", "x@m=mean", "x@m=mean+sd", "x@d=0", "x@d=1"]
    np.testing.assert_array_equal(res.equations["margins"].std_errors, ref.equations["margins"].std_errors)
    f = next(d for d in res.diagnostics if d.name == "interaction_f")
    assert f.df == 2 and f.value == pytest.approx(ref.diagnostics[0].value)


# --------------------------------------------------------------------------- results rows and the table


def test_results_rows_and_rendered_table(panel):
    study = _study({"moderation": {"moderators": ["m"]}})
    meta = {"study": "s", "tables": [{"id": "t7", "kind": "regression", "columns": [
        {"id": "(1)", "estimator": "moderation", "depvar": "y", "regressors": ["x"], "controls": ["z"],
         "moderation": {"moderators": ["m"]}},
        {"id": "(2)", "estimator": "moderation", "depvar": "y", "regressors": ["x"], "controls": ["z"],
         "moderation": {"moderators": ["d"], "categorical": ["d"]}}]}]}
    study = parse_study(meta, "panel_s", "main.panel_s", LABELS)
    coefficients, fits, diagnostics = regression_table(panel, study, study.tables[0])
    one = coefficients[coefficients["column_id"] == "(1)"].set_index("term")
    assert one.loc["c.x#c.m", ["label_zh", "label_en"]].tolist() == ["核心解释变量 × 调节变量甲",
                                                                      "Core variable × Moderator A"]
    assert one.loc["x@mean-sd", ["label_zh", "equation"]].tolist() == ["边际效应：调节变量 = 均值−1标准差", "margins"]
    assert one.loc["x@mean+sd", "label_en"] == "Marginal effect at moderator = mean + 1 SD"
    two = coefficients[coefficients["column_id"] == "(2)"].set_index("term")
    assert two.loc["1.d#c.x", "label_zh"] == "核心解释变量 × 虚拟变量" and two.loc["1.d", "label_en"] == "Dummy"
    assert two.loc["x@1", "label_zh"] == "边际效应：调节变量 = 1"
    assert set(fits["estimator"]) == {"moderation"} and fits["nobs"].tolist() == [219, 219]
    assert {"interaction_f", "center_x", "center_m", "jn_lower_m", "jn_upper_m", "jn_share_significant_m",
            "moderator_value:x@mean"} <= set(diagnostics["statistic"])

    table = regression_display(coefficients, fits, diagnostics, study="s", table_id="t7", lang="zh",
                               labels=study.labels)
    assert table.header[0] == ["变量", "(1)", "(2)"]  # margins beneath, not as columns of their own
    labels = [row.label for row in table.rows if row.role == "coef"]
    assert labels == ["核心解释变量", "调节变量甲", "虚拟变量", "核心解释变量 × 调节变量甲", "核心解释变量 × 虚拟变量",
                      "z", "常数项", "边际效应：调节变量 = 均值−1标准差", "边际效应：调节变量 = 均值",
                      "边际效应：调节变量 = 均值+1标准差", "边际效应：调节变量 = 0", "边际效应：调节变量 = 1"]
    rows = {row.label: row.cells for row in table.rows}
    b = one.loc["c.x#c.m"]
    assert rows["核心解释变量 × 调节变量甲"][0].startswith(f"{b.estimate:.4f}") and rows["核心解释变量 × 调节变量甲"][1] == ""
    mean = one.loc["x@mean"]
    assert rows["边际效应：调节变量 = 均值"] == [f"{mean.estimate:.4f}{mean.stars}", ""]
    assert rows["估计方法"] == ["调节效应（FE）", "调节效应（FE）"]
    f = diagnostics[(diagnostics["column_id"] == "(1)") & (diagnostics["statistic"] == "interaction_f")].iloc[0]
    assert rows["交互项联合检验 F [p]"][0] == f"{f.value:.3f} [{f.p:.3f}]"
    english = regression_display(coefficients, fits, diagnostics, study="s", table_id="t7", lang="en",
                                 labels=study.labels)
    assert "Marginal effect at moderator = mean − 1 SD" in [row.label for row in english.rows]


# --------------------------------------------------------------------------- Paper C, built


MODERATORS = {"(1)": "education", "(2)": "gov_intervention"}
CONTROLS = ["industrial_structure", "foreign_investment", "gov_intervention", "consumption", "education"]


def _paper_c_panel(connection) -> pd.DataFrame:
    from models_py.declarations import load_manifest, study_declarations

    study = next(s for s in study_declarations(load_manifest()) if s.study == "paper_c")
    return connection.execute(f"select * from {study.relation}").df()


def test_paper_c_moderation_table_equals_pyfixest(warehouse_connection):
    panel = _paper_c_panel(warehouse_connection)
    coefficients = warehouse_connection.execute(
        "select * from results.regression_coefficients where study = 'paper_c' and table_id = 'table7'").df()
    fits = warehouse_connection.execute(
        "select * from results.regression_fits where study = 'paper_c' and table_id = 'table7'").df()
    diagnostics = warehouse_connection.execute(
        "select * from results.model_diagnostics where study = 'paper_c' and table_id = 'table7'").df()
    assert fits.set_index("column_id")["nobs"].to_dict() == {"(1)": 330, "(2)": 330}
    assert set(fits["estimator"]) == {"moderation"}
    for column_id, m in MODERATORS.items():
        ours = coefficients[coefficients["column_id"] == column_id].set_index(["equation", "term"])
        controls = [c for c in CONTROLS if c != m]
        work = panel.copy()
        centres = {v: work[v].mean() for v in ("nqp", m)}  # N = 330: the whole balanced panel is e(sample)
        work["xm"] = (work["nqp"] - centres["nqp"]) * (work[m] - centres[m])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = pf.feols(f"ln_real_gdp_per_capita ~ nqp + {m} + xm + {' + '.join(controls)} | region_code + year",
                           data=work, vcov={"CRV1": "region_code"}, ssc=pf.ssc(**PF_SSC), fixef_tol=1e-13)
        assert ref._N == 330
        mapping = {"nqp": "nqp", m: m, f"c.nqp#c.{m}": "xm", **{c: c for c in controls}}
        main = ours.loc["main"]
        for term, theirs in mapping.items():
            assert main.loc[term, "estimate"] == pytest.approx(ref.coef()[theirs], rel=RTOL), (column_id, term)
            assert main.loc[term, "std_error"] == pytest.approx(ref.se()[theirs], rel=RTOL), (column_id, term)
            assert main.loc[term, "p"] == pytest.approx(ref.pvalue()[theirs], rel=1e-7, abs=1e-14)
        sd = work[m].std(ddof=1)
        for at, v in (("mean-sd", centres[m] - sd), ("mean", centres[m]), ("mean+sd", centres[m] + sd)):
            g = pd.Series(0.0, index=ref.coef().index)
            g["nqp"], g["xm"] = 1.0, v - centres[m]
            effect, se = float(g @ ref.coef()), float(np.sqrt(g.to_numpy() @ ref._vcov @ g.to_numpy()))
            row = ours.loc[("margins", f"nqp@{at}")]
            assert row["estimate"] == pytest.approx(effect, rel=RTOL) and row["std_error"] == pytest.approx(se, rel=RTOL)
        centre = diagnostics[(diagnostics["column_id"] == column_id) & (diagnostics["statistic"] == f"center_{m}")]
        assert centre["value"].iloc[0] == pytest.approx(centres[m], rel=1e-12)
        f = diagnostics[(diagnostics["column_id"] == column_id) & (diagnostics["statistic"] == "interaction_f")]
        assert f["value"].iloc[0] == pytest.approx(ref.tstat()["xm"] ** 2, rel=RTOL)


def test_paper_c_moderation_table_in_the_five_report_formats(built_warehouse, warehouse_connection):
    reports = session_reports(built_warehouse)
    row = warehouse_connection.execute(
        "select estimate, std_error, stars from results.regression_coefficients where study = 'paper_c' "
        "and table_id = 'table7' and column_id = '(1)' and term = 'c.nqp#c.education'").fetchone()
    margin = warehouse_connection.execute(
        "select estimate, stars from results.regression_coefficients where study = 'paper_c' "
        "and table_id = 'table7' and column_id = '(2)' and term = 'nqp@mean+sd'").fetchone()
    places = lambda *v: max(4, *(min(8, -int(np.floor(np.log10(abs(x)))) + 1) for x in v if x))  # noqa: E731
    coef = f"{row[0]:.{places(row[0], row[1])}f}{row[2] or ''}"
    caption, interaction, effect = "表7 调节效应：人力资本与政府干预", "新质生产力 × 教育水平", "边际效应：调节变量 = 均值+1标准差"
    markdown = (reports / "paper_c.md").read_text(encoding="utf-8")
    assert f"**{caption}**" in markdown and f"| {interaction} | {coef} |" in markdown
    cell = f"{margin[0]:.4f}{margin[1] or ''}"  # column (2), the margin at mean + 1 SD
    assert re.search(rf"\| {re.escape(effect)} \| [^|]* \| {re.escape(cell)} \|", markdown)
    html = (reports / "paper_c.html").read_text(encoding="utf-8")
    assert caption in html and interaction in html and coef in html and effect in html
    tex = (reports / "paper_c.tex").read_text(encoding="utf-8")
    table = tex[tex.index(rf"\caption{{{caption}}}"):]
    table = table[:table.index(r"\end{table}")]  # stars are $^{**}$ there
    assert re.search(rf"{re.escape(interaction)} & {re.escape(f'{row[0]:.4f}')}(\$\^{{\*+}}\$)? &", table)
    assert re.search(rf"{re.escape(effect)} & [^&]* & {re.escape(f'{margin[0]:.4f}')}", table)
    import docx

    document = docx.Document(str(reports / "paper_c.docx"))
    cells = {cell.text for table in document.tables for r in table.rows for cell in r.cells}
    assert {interaction, coef, effect} <= cells
    book = openpyxl.load_workbook(reports / "paper_c.xlsx")
    values = {str(c.value) for sheet in book.worksheets for r in sheet.iter_rows() for c in r if c.value is not None}
    assert {interaction, coef, effect} <= values
