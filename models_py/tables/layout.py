"""results.* rows → DisplayTable: the papers' regression and descriptive-statistics layout.

Regression tables read like esttab output in a Chinese journal: coefficient with stars, the SE
(or the t / z statistic, when the table declares ``beneath: t``) in parentheses on the row
beneath, rows 控制变量 / 个体固定效应 / 时间固定效应 "Yes", N, R², then the diagnostics the
columns have (KP rk LM, KP rk Wald F with the Stock–Yogo 10 % value in braces, AR(1), AR(2),
Hansen …), and notes on stars and the SE type.
"""
from __future__ import annotations

import math
import re

import pandas as pd

from models_py.estimators import registry
from models_py.tables.model import DisplayTable, TableRow, stars

# Year dummies are summarised by the year-FE row, not printed one by one.
YEAR_DUMMY = re.compile(r"^(\d{4}\.year|year_\d{4})$")

TEXT = {  # fixed row and header labels, per language
    "variable": ("变量", "Variables"),
    "depvar": ("被解释变量", "Dependent variable"),
    "constant": ("常数项", "Constant"),
    "controls": ("控制变量", "Controls"),
    "region_fe": ("个体固定效应", "Region FE"),
    "year_fe": ("时间固定效应", "Year FE"),
    "method": ("估计方法", "Estimator"),
    "r2_within": ("R²（组内）", "R² (within)"),
    "nobs": ("观测值", "Observations"),
    "yes": ("Yes", "Yes"),
    "no": ("No", "No"),
    "first_stage": ("2SLS 第一阶段", "2SLS first stage"),
    "n": ("样本量", "N"),
    "mean": ("均值", "Mean"),
    "sd": ("标准差", "SD"),
    "min": ("最小值", "Min"),
    "median": ("中位数", "Median"),
    "max": ("最大值", "Max"),
}

VCOV_NAMES = {
    "cluster": ("聚类到{cluster}层面的稳健标准误", "standard errors clustered by {cluster}"),
    "hc1": ("异方差稳健标准误", "heteroskedasticity-robust standard errors"),
    "unadjusted": ("普通标准误", "conventional standard errors"),
    "robust (Windmeijer)": ("Windmeijer 修正的稳健标准误", "Windmeijer-corrected robust standard errors"),
    "robust": ("稳健标准误", "robust standard errors"),
}  # plus what a kind adds (registry.vcov_names)
CLUSTER_NAMES = {"region_code": ("省份", "province")}


def estimator_label(estimator: str, lang: str) -> str:
    """The 估计方法 / Estimator cell of a column: its kind's label (models_py/estimators/kinds/)."""
    kind = registry.KINDS.get(estimator)
    return kind.label[0 if lang == "zh" else 1] if kind else estimator


def column_header(col: dict, lang: str) -> str:
    """The column title, with the equation when a declared column shows several (IV first stage …)."""
    if col["single"]:
        return str(col["title"])
    equation = col["equation"]
    if equation.startswith("first_stage:"):
        name = "第一阶段" if lang == "zh" else "first stage"
    elif equation == "main" and getattr(registry.KINDS.get(col["fit"].estimator), "main_equation_label", None):
        name = registry.KINDS[col["fit"].estimator].main_equation_label[0 if lang == "zh" else 1]
    else:
        name = registry.equation_labels().get(equation, (equation, equation))[0 if lang == "zh" else 1] or equation
    return f"{col['title']} {name}"


def _t(key: str, lang: str) -> str:
    return TEXT[key][0 if lang == "zh" else 1]


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _value_p(d: dict) -> str:
    p = "" if missing(d.get("p")) else f" [{d['p']:.3f}]"
    return f"{d['value']:.3f}{p}"


def _p_only(d: dict) -> str:
    return "" if missing(d.get("p")) else f"{d['p']:.3f}"


def _value(d: dict) -> str:
    return f"{d['value']:.4g}"


# Cell formats of the diagnostic rows the estimator kinds declare (kinds/base.py TableRow.cell);
# weak_id, ci_bc and value_ci (the value with [<statistic>_lower, <statistic>_upper]) read further
# statistics and are built in regression_display.
CELL_FORMATS = {"value_p": _value_p, "p_only": _p_only, "value": _value, "weak_id": "weak_id", "ci_bc": "ci_bc",
                "value_ci": "value_ci"}


CJK = re.compile(r"[\u4e00-\u9fff]")


def _display_columns(coefficients: pd.DataFrame, fits: pd.DataFrame, lang: str = "zh",
                     column_titles: dict | None = None) -> list[dict]:
    """One display column per (declared column, equation); a group-difference column shows its difference.
    Titles: `column_titles[column_id]` (the declared title_en in English), else the declared title — in
    English the column id instead of a Chinese title."""
    out = []
    column_titles = column_titles or {}
    for fit in fits.sort_values("column_order").itertuples():
        rows = coefficients[coefficients["column_id"] == fit.column_id].sort_values("term_order")
        equations = list(dict.fromkeys(rows["equation"])) or ["main"]
        shown = getattr(registry.KINDS.get(fit.estimator), "shown_equations", None)
        if shown and any(e in equations for e in shown):  # a group-difference column shows its difference
            equations = [e for e in shown if e in equations]
        stacked = tuple(getattr(registry.KINDS.get(fit.estimator), "stacked_equations", ()))
        if any(e not in stacked for e in equations):  # printed beneath the main equation, same column
            equations = [e for e in equations if e not in stacked]
        title = getattr(fit, "column_title", None)
        title = fit.column_id if missing(title) else title
        if column_titles.get(fit.column_id):
            title = column_titles[fit.column_id]
        elif lang == "en" and CJK.search(str(title)):
            title = fit.column_id
        for equation in equations:
            eq_rows = rows[rows["equation"] == equation]
            depvar = eq_rows["depvar"].iloc[0] if len(eq_rows) and not missing(eq_rows["depvar"].iloc[0]) else fit.depvar
            out.append({"fit": fit, "equation": equation, "title": title, "single": len(equations) == 1,
                        "depvar": depvar, "stacked": stacked if equation == "main" else (),
                        "model_level": equation == "main" or ("main" not in equations and equation == equations[-1])})
    return out


def decimals(*values, base: int = 4, most: int = 8) -> int:
    """Four decimals, more for tiny numbers so at least two significant digits show
    (an environmental-regulation coefficient of 0.00031 is not printed as 0.0003 or -0.0000)."""
    places = base
    for value in values:
        if missing(value) or value == 0 or math.isinf(value):
            continue
        places = max(places, min(most, -math.floor(math.log10(abs(value))) + 1))
    return places


def _term_label(row, lang: str) -> str:
    if row.term == "_cons":
        return _t("constant", lang)
    value = getattr(row, f"label_{lang}", None)
    return row.term if missing(value) else str(value)


def _se_note(fits: pd.DataFrame, lang: str, labels: dict | None = None) -> str:
    """The SE type of each fit; a cluster is named by the panel's label of its column (a city panel
    labels region_code 城市 / city), else CLUSTER_NAMES (a provincial panel's region_code: 省份)."""
    names = []
    for vcov, cluster in dict.fromkeys(zip(fits["vcov_type"], fits.get("cluster", [None] * len(fits)))):
        if missing(vcov):
            continue
        zh, en = (VCOV_NAMES | registry.vcov_names()).get(vcov, (str(vcov), str(vcov)))
        who = CLUSTER_NAMES.get(cluster, (cluster, cluster)) if not missing(cluster) else ("", "")
        label = (labels or {}).get(cluster) or {}
        names.append((zh if lang == "zh" else en).format(cluster=label.get(lang) or who[0 if lang == "zh" else 1]))
    return ("、" if lang == "zh" else "; ").join(names)


def regression_display(coefficients: pd.DataFrame, fits: pd.DataFrame, diagnostics: pd.DataFrame | None = None, *,
                       study: str = "", table_id: str = "", title: str = "", lang: str = "zh",
                       labels: dict | None = None, beneath: str = "se", show_controls: bool = True,
                       note: str | None = None, column_titles: dict | None = None) -> DisplayTable:
    """The three-line regression table of one results table (rows of one study and table_id)."""
    if beneath not in ("se", "t"):
        raise ValueError(f"table {study}.{table_id}: beneath must be 'se' or 't', got {beneath!r}")
    if fits.empty:
        raise ValueError(f"table {study}.{table_id}: results.regression_fits has no rows for it")
    labels = labels or {}
    coefficients = coefficients.copy()
    for column, default in (("equation", "main"), ("depvar", None), ("is_control", False)):
        if column not in coefficients:
            coefficients[column] = default
    coefficients["equation"] = coefficients["equation"].fillna("main")
    if diagnostics is None or diagnostics.empty:
        diagnostics = pd.DataFrame(columns=["column_id", "equation", "statistic", "value", "df", "df2", "p", "note"])
    columns = _display_columns(coefficients, fits, lang, column_titles)

    # Looked up per cell (thousands per build): indexed once, not a mask over the frame per cell.
    first_diagnostic = {}  # (column_id, statistic, equation) -> the first such row
    for record in diagnostics.to_dict("records"):
        first_diagnostic.setdefault((record["column_id"], record["statistic"], record["equation"]), record)
    coefficient_rows = {}  # (column_id, term) -> its rows, in order
    for record in coefficients.to_dict("records"):
        coefficient_rows.setdefault((record["column_id"], record["term"]), []).append(record)

    def diag(col: dict, statistic: str) -> dict | None:
        """The diagnostic of this display column: its equation's, or the model-level one."""
        for equation in [col["equation"], *(["main"] if col["model_level"] else [])]:
            record = first_diagnostic.get((col["fit"].column_id, statistic, equation))
            if record is not None and not missing(record["value"]):
                return record
        return None

    header = [[_t("variable", lang), *(column_header(c, lang) for c in columns)],
              ["", *(_depvar_label(labels, c["depvar"], lang) for c in columns)]]
    rows: list[TableRow] = []
    shown = coefficients[~coefficients["term"].astype(str).str.match(YEAR_DUMMY)]
    if not show_controls:
        shown = shown[~shown["is_control"].fillna(False).astype(bool)]
    in_block = shown["equation"].isin({e for c in columns for e in c["stacked"]})  # a second block, after _cons
    position = {c["fit"].column_id: i for i, c in enumerate(columns)}  # the block in order of first appearance
    block = (shown[in_block].assign(position=lambda f: f["column_id"].map(position))
             .sort_values(["position", "term_order"]).drop_duplicates("term"))
    shown = shown[~in_block]
    terms = shown.sort_values(["is_control", "term_order"]).drop_duplicates("term").loc[lambda f: f["term"] != "_cons"]
    stat_kinds = set()
    for term in [*terms.itertuples(), *shown[shown["term"] == "_cons"].head(1).itertuples(), *block.itertuples()]:
        estimates, beneath_cells = [], []
        for col in columns:
            equations = (col["equation"], *col["stacked"])
            row = next((r for r in coefficient_rows.get((col["fit"].column_id, term.term), ())
                        if r["equation"] in equations), None)
            if row is None:
                estimates.append("")
                beneath_cells.append("")
                continue
            places = decimals(row["estimate"], row["std_error"])
            estimates.append(f"{row['estimate']:.{places}f}{stars(row['p'])}")
            second = row["std_error"] if beneath == "se" else row["t"]
            if beneath == "t":
                stat_kinds.add(row.get("stat_kind") if not missing(row.get("stat_kind")) else "t")
            beneath_cells.append("" if missing(second) else f"({second:.{places}f})" if beneath == "se"
                                 else f"({second:.3f})")
        rows.append(TableRow(_term_label(term, lang), estimates, "coef"))
        rows.append(TableRow("", beneath_cells, "se" if beneath == "se" else "t"))

    yes, no = _t("yes", lang), _t("no", lang)
    if not show_controls:
        rows.append(TableRow(_t("controls", lang), [yes if _has_controls(c["fit"]) else no for c in columns],
                             "fixed_effect"))
    rows.append(TableRow(_t("region_fe", lang), [yes if c["fit"].region_fe else no for c in columns], "fixed_effect"))
    rows.append(TableRow(_t("year_fe", lang), [yes if c["fit"].year_fe else no for c in columns], "fixed_effect"))
    if any(c["fit"].estimator != "twfe" for c in columns):
        names = []
        for c in columns:
            name = estimator_label(c["fit"].estimator, lang)
            names.append(_t("first_stage", lang) if c["equation"].startswith("first_stage:") else name)
        rows.append(TableRow(_t("method", lang), names, "statistic"))

    def per_column(statistic: str, main_only: bool) -> list:
        """The equation's own value (a diagnostics row), else the fit row's (for N: every
        equation of the column; for R²: the main equation only)."""
        cells = []
        for c in columns:
            d = diag(c, statistic)
            if d is not None:
                cells.append(d["value"])
            elif not main_only or c["equation"] == "main":
                cells.append(getattr(c["fit"], statistic))
            else:
                cells.append(None)
        return cells

    nobs = per_column("nobs", main_only=False)
    rows.append(TableRow(_t("nobs", lang), ["" if missing(v) else str(int(v)) for v in nobs], "statistic"))
    r2 = per_column("r2_within", main_only=True)
    rows.append(TableRow(_t("r2_within", lang), ["" if missing(v) else f"{v:.3f}" for v in r2], "statistic"))

    braces = False
    brackets = set()  # what the diagnostic rows show in brackets: "p" values, "ci" confidence intervals
    for table_row in registry.table_rows():
        statistic, fmt = table_row.statistic, CELL_FORMATS[table_row.cell]
        label_zh, label_en = table_row.label_zh, table_row.label_en
        cells, any_value = [], False
        for c in columns:
            d = diag(c, statistic)
            if d is None:
                cells.append("")
                continue
            any_value = True
            if fmt == "weak_id":
                sy = diag(c, "stock_yogo_iv_size_10")
                cells.append(f"{d['value']:.3f}" + ("" if sy is None else f" {{{sy['value']:.2f}}}"))
                braces = braces or sy is not None
            elif fmt == "ci_bc":
                upper = diag(c, "indirect_ci_upper_bc")
                cells.append(f"[{d['value']:.4f}, {upper['value']:.4f}]" if upper else "")
                brackets |= {"ci"} if upper else set()
            elif fmt == "value_ci":
                lower, upper = diag(c, f"{statistic}_lower"), diag(c, f"{statistic}_upper")
                bounds = f" [{lower['value']:.4g}, {upper['value']:.4g}]" if lower and upper else ""
                cells.append(_value(d) + bounds)
                brackets |= {"ci"} if bounds else set()
            else:
                cells.append(fmt(d))
                brackets |= {"p"} if "[" in cells[-1] else set()
        if any_value:
            rows.append(TableRow(label_zh if lang == "zh" else label_en, cells, "diagnostic"))

    return DisplayTable(study, table_id, title, header, rows,
                        _regression_notes(fits, lang, beneath, stat_kinds, brackets, braces, note, labels),
                        text_columns=set())


def declared_regression_display(table, coefficients: pd.DataFrame, fits: pd.DataFrame,
                                diagnostics: pd.DataFrame | None = None, *, study: str = "", table_id: str = "",
                                title: str = "", lang: str = "zh", labels: dict | None = None) -> DisplayTable:
    """regression_display with the presentation the table declares (`beneath`, `show_controls`,
    `note`, English column titles): what the reports and the Dagster preview both show.
    `table` is the TableDeclaration (None for a results table no longer declared: the defaults)."""
    if table is None:
        return regression_display(coefficients, fits, diagnostics, study=study, table_id=table_id, title=title,
                                  lang=lang, labels=labels)
    return regression_display(coefficients, fits, diagnostics, study=study, table_id=table_id, title=title,
                              lang=lang, labels=labels, beneath=table.beneath, show_controls=table.show_controls,
                              note=table.note, column_titles=table.column_titles(lang))


def _has_controls(fit) -> bool:
    value = getattr(fit, "has_controls", False)
    return bool(value) and not missing(value)


def _depvar_label(labels: dict, depvar, lang: str) -> str:
    if missing(depvar):
        return ""
    entry = labels.get(str(depvar)) or {}
    return str(entry.get(lang) or depvar)


# What the brackets hold, by the kinds of bracketed cells a table has: p-values (value_p cells) and
# confidence intervals (a threshold's LR interval, an indirect effect's bootstrap interval); the rows
# with an interval say so in their label.
BRACKET_NOTES = {
    "zh": {frozenset({"p"}): "；方括号内为 p 值", frozenset({"ci"}): "；方括号内为置信区间",
           frozenset({"p", "ci"}): "；方括号内为 p 值（标明置信区间的行为置信区间）"},
    "en": {frozenset({"p"}): "; p-values in brackets", frozenset({"ci"}): "; confidence intervals in brackets",
           frozenset({"p", "ci"}): "; p-values in brackets (confidence intervals in the rows labelled so)"},
}


def _regression_notes(fits, lang, beneath, stat_kinds, brackets, braces, note, labels=None) -> list[str]:
    se = _se_note(fits, lang, labels)
    if lang == "zh":
        text = "注：*、**、*** 分别表示 10%、5%、1% 的显著性水平；"
        if beneath == "se":
            text += f"括号内为{se or '标准误'}"
        else:
            kind = "z" if stat_kinds == {"z"} else "t" if stat_kinds <= {"t"} else "t（或 z）"
            text += f"括号内为 {kind} 值（基于{se or '标准误'}）"
        text += BRACKET_NOTES["zh"].get(frozenset(brackets), "")
        if braces:
            text += "；花括号内为 Stock–Yogo 弱工具变量检验 10% 临界值"
        notes = [text + "。"]
    else:
        text = "Note: *, **, *** denote significance at the 10%, 5% and 1% levels; "
        if beneath == "se":
            text += f"{se or 'standard errors'} in parentheses"
        else:
            kind = "z" if stat_kinds == {"z"} else "t" if stat_kinds <= {"t"} else "t (or z)"
            text += f"{kind} statistics in parentheses (from {se or 'standard errors'})"
        text += BRACKET_NOTES["en"].get(frozenset(brackets), "")
        if braces:
            text += "; Stock–Yogo 10% maximal IV size critical values in braces"
        notes = [text + "."]
    if note:
        notes.append(str(note))
    return notes


def descriptive_display(rows: pd.DataFrame, *, study: str = "", table_id: str = "", title: str = "",
                        lang: str = "zh", note: str | None = None) -> DisplayTable:
    """N, mean, SD, min, median, max per variable, in the declared order."""
    if rows.empty:
        raise ValueError(f"table {study}.{table_id}: results.descriptive_statistics has no rows for it")
    header = [[_t("variable", lang), *(_t(k, lang) for k in ("n", "mean", "sd", "min", "median", "max"))]]
    body = []
    for row in rows.sort_values("variable_order").itertuples():
        label = getattr(row, f"label_{lang}", None)
        label = row.variable if missing(label) else label
        body.append(TableRow(str(label), [str(int(row.n)), *(f"{getattr(row, k):.3f}" for k in
                                                         ("mean", "sd", "min", "median", "max"))]))
    notes = []
    if "uses_synthetic" in rows and rows["uses_synthetic"].fillna(False).astype(bool).any():
        notes.append("注：部分变量由合成数据计算（见数据来源说明），不是官方统计数据。" if lang == "zh" else
                     "Note: some variables are computed from synthetic series (see the data provenance note); "
                     "they are not official statistics.")
    if note:
        notes.append(str(note))
    return DisplayTable(study, table_id, title, header, body, notes)
