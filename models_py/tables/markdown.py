"""Markdown previews of result tables (Dagster metadata, reports): the three-line-table layout."""
from __future__ import annotations

import pandas as pd


def descriptive_markdown(rows: pd.DataFrame) -> str:
    lines = ["| 变量 | N | 均值 | 标准差 | 最小值 | 中位数 | 最大值 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows.sort_values("variable_order").itertuples():
        lines.append(
            f"| {row.label_zh} | {row.n} | {row.mean:.4f} | {row.sd:.4f} | {row.min:.4f} | {row.median:.4f} | {row.max:.4f} |"
        )
    return "\n".join(lines)


def regression_markdown(coefficients: pd.DataFrame, fits: pd.DataFrame) -> str:
    """Coefficient with stars, SE in parentheses beneath; FE rows, N, R² (within)."""
    fits = fits.sort_values("column_order")
    column_ids = list(fits["column_id"])
    terms = (
        coefficients.sort_values(["is_control", "term_order"])
        .drop_duplicates("term")
        .loc[lambda f: f["term"] != "_cons"]
    )
    header = "| 变量 | " + " | ".join(column_ids) + " |"
    lines = [header, "|---|" + "---:|" * len(column_ids)]
    depvars = " | ".join(fits["depvar"])
    lines.append(f"| | {depvars} |")
    for term in list(terms.itertuples()) + list(coefficients[coefficients["term"] == "_cons"].head(1).itertuples()):
        cells = []
        for column_id in column_ids:
            match = coefficients[(coefficients["column_id"] == column_id) & (coefficients["term"] == term.term)]
            if match.empty:
                cells.append("")
            else:
                row = match.iloc[0]
                cells.append(f"{row.estimate:.4f}{row.stars}<br>({row.std_error:.4f})")
        lines.append(f"| {term.label_zh} | " + " | ".join(cells) + " |")
    lines.append("| 个体固定效应 | " + " | ".join("Yes" if v else "No" for v in fits["region_fe"]) + " |")
    lines.append("| 时间固定效应 | " + " | ".join("Yes" if v else "No" for v in fits["year_fe"]) + " |")
    lines.append("| R² (within) | " + " | ".join(f"{v:.3f}" for v in fits["r2_within"]) + " |")
    lines.append("| 观测值 | " + " | ".join(str(v) for v in fits["nobs"]) + " |")
    vcov = fits["vcov_type"].iloc[0]
    lines.append("")
    lines.append(f"注：*、**、*** 分别表示 10%、5%、1% 的显著性水平；括号内为标准误（{vcov}）。")
    return "\n".join(lines)
