"""Markdown previews of result tables (Dagster metadata, reports): the three-line-table layout."""
from __future__ import annotations

import math
import re

import pandas as pd


def descriptive_markdown(rows: pd.DataFrame) -> str:
    lines = ["| 变量 | N | 均值 | 标准差 | 最小值 | 中位数 | 最大值 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows.sort_values("variable_order").itertuples():
        lines.append(
            f"| {row.label_zh} | {row.n} | {row.mean:.4f} | {row.sd:.4f} | {row.min:.4f} | {row.median:.4f} | {row.max:.4f} |"
        )
    return "\n".join(lines)


# Year dummies are summarised by the "时间固定效应" row, not printed one by one.
_YEAR_DUMMY = re.compile(r"^(\d{4}\.year|year_\d{4})$")
ESTIMATOR_NAMES = {"twfe": "FE", "iv": "2SLS", "re": "RE", "gmm": "GMM", "mediation": "FE", "subsample": "FE",
                   "group_difference": "组间差异", "hausman": "Hausman"}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _value_p(d: dict) -> str:
    p = "" if _missing(d.get("p")) else f" [{d['p']:.3f}]"
    return f"{d['value']:.3f}{p}"


def _p_only(d: dict) -> str:
    return "" if _missing(d.get("p")) else f"{d['p']:.3f}"


def _value(d: dict) -> str:
    return f"{d['value']:.4g}"


# (statistic, row label, cell format): shown below N / R² when any column has the statistic.
DIAGNOSTIC_ROWS = (
    ("first_stage_f", "第一阶段 F 值 [p]", _value_p),
    ("anderson_lm", "Anderson canon. corr. LM [p]", _value_p),
    ("kp_rk_lm", "Kleibergen-Paap rk LM [p]", _value_p),
    ("cragg_donald_f", "Cragg-Donald Wald F {Stock-Yogo 10%}", "weak_id"),
    ("kp_rk_wald_f", "Kleibergen-Paap rk Wald F {Stock-Yogo 10%}", "weak_id"),
    ("hansen_j", "Hansen J [p]", _value_p),
    ("ar1_z", "AR(1) z [p]", _value_p),
    ("ar2_z", "AR(2) z [p]", _value_p),
    ("hansen", "Hansen 检验 p 值", _p_only),
    ("n_instruments", "工具变量个数", _value),
    ("wald_chi2", "Wald χ² [p]", _value_p),
    ("hausman_chi2", "Hausman χ² [p]", _value_p),
    ("indirect_effect", "间接效应 a·b (Sobel) [p]", _value_p),
    ("indirect_ci_lower_bc", "间接效应 Bootstrap 95% CI (BC)", "ci_bc"),
    ("chow_f", "组间系数差异 Chow F [p]", _value_p),
    ("perm_p", "组间系数差异 经验 p 值 (bdiff)", _value),
    ("turning_point", "拐点", _value),
    ("lind_mehlum_t", "U 型检验 (Lind–Mehlum) t [p]", _value_p),
)


def _display_columns(coefficients: pd.DataFrame, fits: pd.DataFrame) -> list[dict]:
    """One display column per (declared column, equation); a group-difference column shows its difference."""
    out = []
    for fit in fits.sort_values("column_order").itertuples():
        rows = coefficients[coefficients["column_id"] == fit.column_id].sort_values("term_order")
        equations = list(dict.fromkeys(rows["equation"])) or ["main"]
        if fit.estimator == "group_difference" and "difference" in equations:
            equations = ["difference"]
        title = getattr(fit, "column_title", None)
        title = fit.column_id if _missing(title) else title
        for equation in equations:
            eq_rows = rows[rows["equation"] == equation]
            depvar = eq_rows["depvar"].iloc[0] if len(eq_rows) and not _missing(eq_rows["depvar"].iloc[0]) else fit.depvar
            header = title if len(equations) == 1 else f"{title} {equation}"
            out.append({"fit": fit, "equation": equation, "header": header, "depvar": depvar,
                        "model_level": equation == "main" or ("main" not in equations and equation == equations[-1])})
    return out


def regression_markdown(coefficients: pd.DataFrame, fits: pd.DataFrame, diagnostics: pd.DataFrame | None = None) -> str:
    """Coefficient with stars, SE in parentheses beneath; FE rows, N, R² (within), then the
    diagnostics (KP LM, KP Wald F {Stock–Yogo 10 %}, AR(1), AR(2), Hansen p …)."""
    coefficients = coefficients.copy()
    if "equation" not in coefficients:
        coefficients["equation"] = "main"
    if "depvar" not in coefficients:
        coefficients["depvar"] = None
    coefficients["equation"] = coefficients["equation"].fillna("main")
    if diagnostics is None:
        diagnostics = pd.DataFrame(columns=["column_id", "equation", "statistic", "value", "df", "df2", "p", "note"])
    columns = _display_columns(coefficients, fits)

    def diag(col: dict, statistic: str) -> dict | None:
        """The diagnostic of this display column: its equation's, or the model-level one."""
        fit_rows = diagnostics[(diagnostics["column_id"] == col["fit"].column_id) & (diagnostics["statistic"] == statistic)]
        for equation in [col["equation"], *(["main"] if col["model_level"] else [])]:
            match = fit_rows[fit_rows["equation"] == equation]
            if not match.empty and not _missing(match.iloc[0]["value"]):
                return match.iloc[0].to_dict()
        return None

    header = "| 变量 | " + " | ".join(c["header"] for c in columns) + " |"
    lines = [header, "|---|" + "---:|" * len(columns)]
    lines.append("| | " + " | ".join(str(c["depvar"]) for c in columns) + " |")
    shown = coefficients[~coefficients["term"].astype(str).str.match(_YEAR_DUMMY)]
    terms = (
        shown.sort_values(["is_control", "term_order"])
        .drop_duplicates("term")
        .loc[lambda f: f["term"] != "_cons"]
    )
    for term in list(terms.itertuples()) + list(shown[shown["term"] == "_cons"].head(1).itertuples()):
        cells = []
        for col in columns:
            match = coefficients[
                (coefficients["column_id"] == col["fit"].column_id)
                & (coefficients["equation"] == col["equation"])
                & (coefficients["term"] == term.term)
            ]
            if match.empty:
                cells.append("")
                continue
            row = match.iloc[0]
            se = "" if _missing(row.std_error) else f"<br>({row.std_error:.4f})"
            cells.append(f"{row.estimate:.4f}{row.stars or ''}{se}")
        lines.append(f"| {term.label_zh} | " + " | ".join(cells) + " |")
    lines.append("| 个体固定效应 | " + " | ".join("Yes" if c["fit"].region_fe else "No" for c in columns) + " |")
    lines.append("| 时间固定效应 | " + " | ".join("Yes" if c["fit"].year_fe else "No" for c in columns) + " |")
    if any(c["fit"].estimator != "twfe" for c in columns):
        names = []
        for c in columns:
            name = ESTIMATOR_NAMES.get(c["fit"].estimator, c["fit"].estimator)
            names.append("2SLS 第一阶段" if c["equation"].startswith("first_stage:") else name)
        lines.append("| 估计方法 | " + " | ".join(names) + " |")

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

    r2 = per_column("r2_within", main_only=True)
    lines.append("| R² (within) | " + " | ".join("" if _missing(v) else f"{v:.3f}" for v in r2) + " |")
    nobs = per_column("nobs", main_only=False)
    lines.append("| 观测值 | " + " | ".join("" if _missing(v) else str(int(v)) for v in nobs) + " |")

    braces = brackets = False
    for statistic, label, fmt in DIAGNOSTIC_ROWS:
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
            else:
                cells.append(fmt(d))
                brackets = brackets or "[" in cells[-1]
        if any_value:
            lines.append(f"| {label} | " + " | ".join(cells) + " |")

    vcov = fits.sort_values("column_order")["vcov_type"].iloc[0]
    note = f"注：*、**、*** 分别表示 10%、5%、1% 的显著性水平；括号内为标准误（{vcov}）"
    if brackets:
        note += "；方括号内为 p 值"
    if braces:
        note += "；花括号内为 Stock–Yogo 弱工具变量检验 10% 临界值"
    lines.append("")
    lines.append(note + "。")
    return "\n".join(lines)
