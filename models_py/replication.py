"""The replication view of a study: every published cell next to ours, coloured by the mart
replication_cells (green within 1 %, amber within 10 %, red beyond, grey where our inputs include
generated values, none without a counterpart), with the counts per status.

Written as reports/<study>_replication.{html,md} by write_study_report (so by the report assets of a
build and by `nqp reports`); the study's report and reports/index.html link to it.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from models_py.tables.writers.html import html_page

Query = Callable[..., pd.DataFrame]

STATUSES = ("green", "amber", "red", "grey", "none")
COLOURS = {"green": "#c8e6c9", "amber": "#ffe0b2", "red": "#ffcdd2", "grey": "#e0e0e0", "none": "#ffffff"}
MARKS = {"green": "🟢", "amber": "🟠", "red": "🔴", "grey": "⚪", "none": "·"}
LABELS = {
    "zh": {"green": "绿：相差 ≤ 1 %", "amber": "橙：相差 ≤ 10 %", "red": "红：相差 > 10 %",
           "grey": "灰：我们的输入含生成数据", "none": "无：仓库中没有对应值"},
    "en": {"green": "green: within 1 %", "amber": "amber: within 10 %", "red": "red: beyond 10 %",
           "grey": "grey: our inputs include generated values", "none": "none: no counterpart in the warehouse"},
}
COLUMNS = ["cell_id", "table_id", "row_label", "column_label", "kind", "published_value", "printed_decimals",
           "our_value", "rel_diff", "rel_diff_beyond_rounding", "closeness", "status", "none_reason",
           "share_real_values", "generated_series", "our_relation", "note"]


@dataclass
class ReplicationPage:
    study: str
    cells: pd.DataFrame
    counts: dict  # status -> number of cells
    paths: dict  # "html" / "md" -> Path


def replication_cells(study: str, query: Query) -> pd.DataFrame | None:
    """The study's rows of the mart in the paper's order; None when the warehouse has no mart."""
    try:
        return query(f"select {', '.join(COLUMNS)} from replication_cells where study = ? order by cell_id", [study])
    except duckdb.CatalogException:  # a warehouse built before the replication view
        return None


def status_counts(cells: pd.DataFrame) -> dict:
    counted = cells["status"].value_counts()
    return {status: int(counted.get(status, 0)) for status in STATUSES}


def closeness_summary(cells: pd.DataFrame, lang: str) -> str:
    """How near the numbers are, generated inputs included (what grey hides): green / amber / red."""
    counted = cells["closeness"].value_counts()
    parts = ", ".join(f"{colour} {int(counted.get(colour, 0))}" for colour in ("green", "amber", "red"))
    if lang == "zh":
        return f"数值接近程度（含生成数据的单元格也计入）：{parts}"
    return f"Closeness of the numbers, cells on generated inputs included: {parts}"


def _number(value, decimals: int | None = None) -> str:
    if value is None or pd.isna(value):
        return ""
    if decimals is not None:
        return f"{value:.{int(decimals)}f}"
    return f"{value:.6g}"


def _percent(value) -> str:
    return "" if value is None or pd.isna(value) else f"{100 * value:.1f} %"


def _status_text(row, lang: str) -> str:
    """grey cells also say how close the numbers are (e.g. grey · red)."""
    if row.status == "grey" and isinstance(row.closeness, str):
        return f"grey · {row.closeness}"
    if row.status == "none" and isinstance(row.none_reason, str):
        return f"none · {row.none_reason}"
    return str(row.status)


def _texts(lang: str) -> dict:
    if lang == "zh":
        return {"title": "复现对照", "intro": "论文中每个已发表的数值单元格与本仓库对应值的比较（数据来自 replication_cells）。"
                "与印刷精度相差不超过末位半个单位视为 0；其余按相对差 |ours − published| / |published| 着色。"
                "灰色表示该单元格所依赖的序列中含有生成（合成）数据，此时数值差异不说明复现结果。",
                "counts": "各状态单元格数", "status": "状态", "cells": "单元格数", "table": "表",
                "header": ("单元格", "行", "列", "发表值", "本仓库", "相对差", "扣除舍入后", "状态", "真实值占比", "含生成数据的序列"),
                "report": "研究报告", "all": "全部报告"}
    return {"title": "Replication view", "intro": "Every published cell of the paper next to our value (mart "
            "replication_cells). A difference within half a unit of the last printed digit counts as zero; beyond "
            "it the relative difference |ours − published| / |published| decides the colour. Grey: a series behind "
            "the cell holds generated (synthetic) values, so the difference says nothing about replication.",
            "counts": "Cells per status", "status": "Status", "cells": "Cells", "table": "Table",
            "header": ("Cell", "Row", "Column", "Published", "Ours", "Rel. diff.", "Beyond rounding", "Status",
                       "Real share", "Generated series"),
            "report": "Study report", "all": "All reports"}


def _row_values(row) -> tuple:
    generated = row.generated_series if isinstance(row.generated_series, str) else ""
    if len(generated) > 80:
        generated = generated[:77] + "…"
    return (row.cell_id, row.row_label, row.column_label, _number(row.published_value, row.printed_decimals),
            _number(row.our_value), _percent(row.rel_diff), _percent(row.rel_diff_beyond_rounding),
            _status_text(row, "en"), _percent(row.share_real_values), generated)


def replication_html(study: str, cells: pd.DataFrame, lang: str) -> str:
    text = _texts(lang)
    counts = status_counts(cells)
    style = "<style>\n" + "\n".join(f"tr.status-{s} td {{ background: {c}; }}" for s, c in COLOURS.items()) + \
            "\ntable.replication td, table.replication th { padding: 2px 6px; border-bottom: 1px solid #ddd; }\n</style>"
    body = [style, f"<h1>{escape(study)}: {escape(text['title'])}</h1>",
            f'<p><a href="{escape(study)}.html">{escape(text["report"])}</a> · <a href="index.html">{escape(text["all"])}</a></p>',
            f'<p class="provenance">{escape(text["intro"])}</p>', f"<h2>{escape(text['counts'])}</h2>",
            f'<table class="replication counts"><thead><tr><th>{escape(text["status"])}</th><th>{escape(text["cells"])}</th></tr></thead><tbody>']
    for status in STATUSES:
        body.append(f'<tr class="status-{status}"><td>{escape(LABELS[lang][status])}</td>'
                    f'<td data-status="{status}">{counts[status]}</td></tr>')
    body.append(f'<tr><td><strong>Σ</strong></td><td>{len(cells)}</td></tr></tbody></table>')
    body.append(f'<p class="closeness">{escape(closeness_summary(cells, lang))}</p>')
    for table_id, rows in cells.groupby("table_id", sort=False):
        table_counts = status_counts(rows)
        summary = ", ".join(f"{status} {n}" for status, n in table_counts.items() if n)
        body.append(f'<h2 id="{escape(str(table_id))}">{escape(text["table"])} {escape(str(table_id))} ({escape(summary)})</h2>')
        body.append('<table class="replication"><thead><tr>' + "".join(f"<th>{escape(h)}</th>" for h in text["header"])
                    + "</tr></thead><tbody>")
        for row in rows.itertuples():
            cells_html = "".join(f"<td>{escape(str(v))}</td>" for v in _row_values(row))
            title = escape(row.note) if isinstance(row.note, str) else ""
            body.append(f'<tr class="status-{escape(row.status)}" data-status="{escape(row.status)}" title="{title}">'
                        f"{cells_html}</tr>")
        body.append("</tbody></table>")
    return html_page(f"{study}: {text['title']}", "\n".join(body), lang=lang)


def replication_markdown(study: str, cells: pd.DataFrame, lang: str) -> str:
    text = _texts(lang)
    counts = status_counts(cells)
    lines = [f"# {study}: {text['title']}", "", text["intro"], "", f"## {text['counts']}", "",
             f"| {text['status']} | {text['cells']} |", "|---|---:|"]
    lines += [f"| {MARKS[s]} {LABELS[lang][s]} | {counts[s]} |" for s in STATUSES]
    lines += [f"| Σ | {len(cells)} |", "", closeness_summary(cells, lang), ""]
    for table_id, rows in cells.groupby("table_id", sort=False):
        lines += [f"## {text['table']} {table_id}", "", "| " + " | ".join(text["header"]) + " |",
                  "|" + "---|" * len(text["header"])]
        for row in rows.itertuples():
            values = [str(v).replace("|", "/") for v in _row_values(row)]
            values[7] = f"{MARKS.get(row.status, '')} {values[7]}"
            lines.append("| " + " | ".join(values) + " |")
        lines.append("")
    return "\n".join(lines)


def write_replication_page(study: str, directory: Path, lang: str, query: Query) -> ReplicationPage | None:
    """reports/<study>_replication.{html,md}; None (nothing written) when the warehouse has no mart or
    the study no published cells."""
    cells = replication_cells(study, query)
    if cells is None or cells.empty:
        return None
    paths = {"html": directory / f"{study}_replication.html", "md": directory / f"{study}_replication.md"}
    for kind, content in (("html", replication_html(study, cells, lang)), ("md", replication_markdown(study, cells, lang))):
        tmp = paths[kind].with_name(paths[kind].name + ".tmp")
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(paths[kind])
    return ReplicationPage(study, cells, status_counts(cells), paths)
