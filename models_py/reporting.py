"""Reports per study from the published warehouse: tables, figures and the data-provenance note.

For each study `reports/<study>.{md,html,xlsx,docx,tex}` and `reports/figures/<study>_*.{png,svg}`,
and `reports/index.html` linking them all. A study's tables are its declared results tables
(results.*, in the order of the panel's YAML) followed by every dbt model's `display_table` of that
study; its figures are declared in the panel's `config.meta.figures` or default to its main index.
Language: Chinese by default, English with `nqp reports --language en`, NQP_LANGUAGE=en, or the
Dagster run config. Every file is written under a temporary name and renamed into place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from models_py import config
from models_py.figures.study import DrawnFigure, default_figures, write_figures
from models_py.manifest.reader import StudyPage, load_manifest, read_manifest
from models_py.replication import ReplicationPage, write_replication_page
from models_py.tables.display import display_table, display_table_specs
from models_py.tables.layout import declared_regression_display, descriptive_display
from models_py.tables.model import DisplayTable, language
from models_py.tables.writers.docx import write_document
from models_py.tables.writers.html import html_page, table_html
from models_py.tables.writers.latex import latex_document
from models_py.tables.writers.markdown import table_markdown
from models_py.tables.writers.xlsx import write_workbook
from models_py.warehouse import query_published

Query = Callable[..., pd.DataFrame]
RESULT_TABLES = ("descriptive_statistics", "regression_coefficients", "regression_fits", "model_diagnostics")


# --------------------------------------------------------------------------- what the manifest declares


StudyMeta = StudyPage  # what the report of a study shows (models_py/manifest/reader.py)


def study_metas(manifest: dict) -> dict[str, StudyPage]:
    """Titles, table declarations, labels and figure declarations of every study in the dbt YAML."""
    return read_manifest(manifest).pages


# --------------------------------------------------------------------------- tables


def _frames(query: Query, study: str) -> dict[str, pd.DataFrame]:
    frames = {}
    for table in RESULT_TABLES:
        try:
            frames[table] = query(f"select * from results.{table} where study = ?", [study])
        except duckdb.CatalogException:  # a warehouse without results (or an older one)
            frames[table] = pd.DataFrame(columns=["table_id"])
    return frames


def catalogue_names(query: Query) -> dict:
    catalogue = query("select series_code, name_zh, name_en from reference.series_catalogue")
    return {row.series_code: {"zh": row.name_zh, "en": row.name_en} for row in catalogue.itertuples()}


def caption(table_id: str, title: str, lang: str) -> str:
    """"表3 基准回归结果" / "Table 3 Baseline …" for ids like table3 or T3; "表6（补充） …" for a
    table supplementing one (table6_sobel); other ids as written (R1, national_indices …)."""
    match = re.fullmatch(r"(?:table|tab|t)_?(\d+[a-z]?)", table_id, flags=re.I)
    supplement = re.fullmatch(r"(?:table|tab|t)_?(\d+[a-z]?)_\w+", table_id, flags=re.I)
    if match:
        number = match.group(1)
    elif supplement:
        number = f"{supplement.group(1)}（补充）" if lang == "zh" else f"{supplement.group(1)} (supplement)"
    else:
        number = table_id
    return f"表{number} {title}" if lang == "zh" else f"Table {number} {title}"


def study_tables(study: str, query: Query, manifest: dict, lang: str) -> list[DisplayTable]:
    """The study's results tables in declared order, then its display tables."""
    meta = study_metas(manifest).get(study) or StudyMeta(study, study, study)
    frames = _frames(query, study)
    descriptive, coefficients = frames["descriptive_statistics"], frames["regression_coefficients"]
    fits, diagnostics = frames["regression_fits"], frames["model_diagnostics"]
    present = list(dict.fromkeys([*descriptive["table_id"], *fits["table_id"]]))
    ordered = [t for t in meta.tables if t in present] + sorted(t for t in present if t not in meta.tables)
    tables = []
    for table_id in ordered:
        declared = meta.tables.get(table_id)
        declared_title = (declared.title_zh if lang == "zh" else declared.title_en) if declared else None
        title = caption(table_id, declared_title or table_id, lang)
        if table_id in set(descriptive["table_id"]):
            tables.append(descriptive_display(descriptive[descriptive["table_id"] == table_id], study=study,
                                              table_id=table_id, title=title, lang=lang,
                                              note=declared.note if declared else None))
        else:
            tables.append(declared_regression_display(
                declared, coefficients[coefficients["table_id"] == table_id], fits[fits["table_id"] == table_id],
                diagnostics[diagnostics["table_id"] == table_id] if "table_id" in diagnostics else None,
                study=study, table_id=table_id, title=title, lang=lang, labels=meta.labels))
    catalogue = catalogue_names(query)
    for spec in display_table_specs(manifest):
        if spec.study == study:
            try:
                rows = query(spec.query_for(lang))
            except duckdb.Error as error:
                raise ValueError(f"model {spec.model}, display_table {spec.table_id}: its query failed: {error}") from error
            table = display_table(spec, rows, lang=lang, catalogue=catalogue)
            table.title = caption(spec.table_id, table.title, lang)
            tables.append(table)
    return tables


def report_studies(query: Query, manifest: dict) -> list[str]:
    """Every study with results rows or a display table."""
    studies = set()
    for table in ("regression_fits", "descriptive_statistics"):
        try:
            studies |= set(query(f"select distinct study from results.{table}")["study"])
        except duckdb.CatalogException:
            pass
    studies |= {spec.study for spec in display_table_specs(manifest)}
    return sorted(studies)


# --------------------------------------------------------------------------- provenance


def study_series(study: str, query: Query, meta: StudyMeta | None) -> list[str]:
    """Series a study uses: those of mart data_realness_series (the inputs of its index systems'
    indicators and the series its models' SQL names); in a warehouse without that mart, the inputs and
    every catalogued series code named as a quoted string in the SQL of its panel models."""
    try:
        listed = query("select series from main.data_realness_series where study = ? order by series", [study])
        return listed["series"].tolist()
    except duckdb.CatalogException:
        pass
    inputs = query("""select distinct unnest([i.numerator, i.denominator]) as series
                      from reference.index_indicators i join reference.index_systems s on s.system = i.system
                      where s.study = ?""", [study])["series"].dropna().tolist()
    catalogue = set(query("select series_code from reference.series_catalogue")["series_code"])
    quoted = set(re.findall(r"'([a-z][a-z0-9_]*)'", meta.raw_code)) if meta else set()
    return sorted(set(inputs) | (quoted & catalogue))


def study_years(study: str, query: Query) -> tuple[int, int] | None:
    """The years of the study's index systems (reference.index_systems), None when it has none."""
    years = query("select min(year_from) as first, max(year_to) as last from reference.index_systems where study = ?",
                  [study])
    first, last = years.iloc[0]["first"], years.iloc[0]["last"]
    return None if pd.isna(first) or pd.isna(last) else (int(first), int(last))


PROVENANCE_COLUMNS = ["series", "name_zh", "name_en", "provenance", "n_values", "n_synthetic", "n_interpolated"]


def provenance(study: str, query: Query, meta: StudyMeta | None) -> pd.DataFrame:
    """Per series of the study, over the study's years: catalogue name and provenance, values,
    synthetic and interpolated ones (a series real from 2005 is real in a 2013-2022 study). Counted on
    the level mart data_realness_series counts the series on: a city study's own series on the cities,
    with the provenance of the city values, and a series it reads at province level (the GDP index of
    its provinces' deflators) on the provinces, its source marked as province values."""
    try:
        counted = query("""select r.series, r.unit_level, r.n_values, r.n_generated as n_synthetic, r.n_interpolated,
                                  c.name_zh, c.name_en, coalesce(c.provenance, 'derived') as provenance
                           from main.data_realness_series r
                           left join reference.series_catalogue c on c.series_code = r.series
                           where r.study = ? order by r.n_generated = 0, r.series""", [study])
    except duckdb.CatalogException:  # a warehouse built before the mart existed
        return _provenance_from_series_values(study, query, meta)
    subprovincial = counted["unit_level"] != "province"
    if subprovincial.any():
        first, last = study_years(study, query) or (-9999, 9999)
        texts = query("""select series, level as unit_level, string_agg(distinct provenance, '; ' order by provenance)
                                as unit_provenance
                         from intermediate.int_city_series_values where year between ? and ?
                         group by series, level""", [first, last])
        counted = counted.merge(texts, on=["series", "unit_level"], how="left")
        counted.loc[subprovincial, "provenance"] = counted.loc[subprovincial, "unit_provenance"].fillna("no values")
        counted.loc[~subprovincial, "provenance"] = "province values: " + counted.loc[~subprovincial, "provenance"]
    return counted[PROVENANCE_COLUMNS]


def _provenance_from_series_values(study: str, query: Query, meta: StudyMeta | None) -> pd.DataFrame:
    series = study_series(study, query, meta)
    if not series:
        return pd.DataFrame(columns=PROVENANCE_COLUMNS)
    first, last = study_years(study, query) or (-9999, 9999)
    return query("""select v.series, any_value(c.name_zh) as name_zh, any_value(c.name_en) as name_en,
                           coalesce(any_value(c.provenance), 'derived') as provenance, count(*) as n_values,
                           count(*) filter (where v.is_synthetic) as n_synthetic,
                           count(*) filter (where v.is_interpolated) as n_interpolated
                    from series_values v left join reference.series_catalogue c on c.series_code = v.series
                    where list_contains(?, v.series) and v.year between ? and ?
                    group by v.series order by n_synthetic = 0, v.series""", [series, first, last])


def provenance_summary(frame: pd.DataFrame, lang: str) -> tuple[str, str]:
    """(headline, rest) of the provenance note: how many of the study's series hold synthetic values."""
    n, synthetic = len(frame), int((frame["n_synthetic"] > 0).sum())
    if lang == "zh":
        return (f"本研究使用的 {n} 个序列中，{synthetic} 个含合成数据",  # in the study's years
                "（由 models_py.data.synthetic 生成，以真实 GDP 和人口为锚，不是官方统计数据）。"
                "使用这些序列的指数和回归只演示方法，不复现论文的数值。")
    return (f"{synthetic} of the {n} series this study uses contain synthetic values",
            " (generated by models_py.data.synthetic, anchored on real GDP and population; NOT official "
            "statistics). Indices and regressions using them demonstrate the method; they do not reproduce "
            "the paper's numbers.")


def _provenance_rows(frame: pd.DataFrame, lang: str) -> tuple[tuple[str, ...], list[tuple[str, str, str, str]]]:
    """Header and rows (series, name, synthetic / all values, source), synthetic series first (the query's order)."""
    header = ("序列", "名称", "合成值 / 全部值", "来源") if lang == "zh" else ("Series", "Name", "Synthetic / all values",
                                                                     "Source")
    name_column = "name_zh" if lang == "zh" else "name_en"
    rows = []
    for row in frame.itertuples():
        name = getattr(row, name_column)
        name = "" if name is None or name != name else str(name)
        rows.append((str(row.series), name, f"{row.n_synthetic} / {row.n_values}", str(row.provenance)))
    return header, rows


def realness(study: str, query: Query) -> pd.DataFrame:
    """The study's rows of mart data_realness (the study, then its index systems) and its tables
    results.study_status lists as not computed (columns table_id, reason; kind 'not_computed')."""
    try:
        shares = query("""select subject_kind, subject, n_cells, share_real, share_interpolated, share_generated,
                                 share_missing
                          from main.data_realness where study = ?
                          order by subject_kind = 'index_system', subject""", [study])
    except duckdb.CatalogException:  # a warehouse built before the mart existed
        shares = pd.DataFrame(columns=["subject_kind", "subject"])
    try:
        skipped = query("select table_id as subject, reason from results.study_status "
                        "where study = ? and not is_computed order by table_id", [study])
    except duckdb.CatalogException:
        skipped = pd.DataFrame(columns=["subject", "reason"])
    return pd.concat([shares, skipped.assign(subject_kind="not_computed")], ignore_index=True)


def realness_lines(frame: pd.DataFrame, lang: str) -> list[str]:
    """One sentence per study / index system: the shares of real, interpolated, generated, missing values;
    one per table not computed, with the reason."""
    lines = []
    pct = lambda value: "-" if pd.isna(value) else f"{100 * value:.1f}%"  # noqa: E731
    for row in frame.itertuples():
        if row.subject_kind == "not_drawn":
            lines.append(f"图未绘制：{row.reason}" if lang == "zh" else f"Figure not drawn: {row.reason}")
            continue
        if row.subject_kind == "not_computed":
            lines.append(f"表 {row.subject} 未计算：{row.reason}" if lang == "zh"
                         else f"Table {row.subject} not computed: {row.reason}")
            continue
        who = (("本研究" if row.subject_kind == "study" else f"指数 {row.subject}") if lang == "zh"
               else ("This study" if row.subject_kind == "study" else f"Index {row.subject}"))
        if lang == "zh":
            lines.append(f"{who}：真实 {pct(row.share_real)}，插值 {pct(row.share_interpolated)}，"
                         f"生成 {pct(row.share_generated)}，缺失 {pct(row.share_missing)}（共 {int(row.n_cells)} 个值）")
        else:
            lines.append(f"{who}: real {pct(row.share_real)}, interpolated {pct(row.share_interpolated)}, "
                         f"generated {pct(row.share_generated)}, missing {pct(row.share_missing)} "
                         f"of {int(row.n_cells)} values")
    return lines


def provenance_markdown(frame: pd.DataFrame, lang: str, realness_frame: pd.DataFrame | None = None) -> str:
    headline, rest = provenance_summary(frame, lang)
    header, rows = _provenance_rows(frame, lang)
    lines = ["## 数据来源说明" if lang == "zh" else "## Data provenance", "", f"**{headline}**{rest}", ""]
    realness_text = realness_lines(realness_frame, lang) if realness_frame is not None else []
    if realness_text:
        lines += [f"- {line}" for line in realness_text] + [""]
    lines += ["| " + " | ".join(header) + " |", "|---|---|---:|---|"]
    lines += [f"| `{series}` | {name.replace('|', '/')} | {counts} | {source.replace('|', '/')} |"
              for series, name, counts, source in rows]
    return "\n".join(lines)


def provenance_html(frame: pd.DataFrame, lang: str, realness_frame: pd.DataFrame | None = None) -> str:
    headline, rest = provenance_summary(frame, lang)
    header, rows = _provenance_rows(frame, lang)
    realness_text = realness_lines(realness_frame, lang) if realness_frame is not None else []
    realness_list = ("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in realness_text) + "</ul>"
                     if realness_text else "")
    body = "".join(f"<tr><td><code>{escape(series)}</code></td><td>{escape(name)}</td><td>{counts}</td>"
                   f"<td>{escape(source)}</td></tr>" for series, name, counts, source in rows)
    return (f'<section class="provenance"><h2>{"数据来源说明" if lang == "zh" else "Data provenance"}</h2>'
            f"<p><strong>{escape(headline)}</strong>{escape(rest)}</p>{realness_list}"
            '<table class="three-line"><thead><tr>' + "".join(f"<th>{escape(c)}</th>" for c in header)
            + f"</tr></thead><tbody>{body}</tbody></table></section>")


# --------------------------------------------------------------------------- writing


@dataclass
class StudyReport:
    study: str
    title: str
    paths: dict  # format -> Path
    tables: list[DisplayTable]
    figures: list[DrawnFigure]
    n_synthetic_series: int
    n_series: int
    replication: ReplicationPage | None = None


def _write_text(path: Path, text: str) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def write_study_report(study: str, directory: Path, lang: str | None = None, *, query: Query = query_published,
                       manifest: dict | None = None) -> StudyReport:
    lang = language(lang)
    manifest = manifest if manifest is not None else load_manifest()
    meta = study_metas(manifest).get(study)
    title = (meta.title_zh if lang == "zh" else meta.title_en) if meta else study
    heading = f"{study}：{title}" if lang == "zh" else f"{study}: {title}"
    tables = study_tables(study, query, manifest, lang)
    systems = query("select system, study from reference.index_systems")
    specs = meta.figures if meta and meta.figures is not None else default_figures(study, systems)
    directory.mkdir(parents=True, exist_ok=True)
    not_drawn: list[str] = []
    figures = write_figures(specs, query, directory / "figures", lang, not_drawn)
    prov = provenance(study, query, meta)
    real = realness(study, query)
    if not_drawn:  # stated with the tables not computed
        real = pd.concat([real, pd.DataFrame({"subject_kind": "not_drawn", "reason": not_drawn})], ignore_index=True)

    md = [f"# {heading}", ""]
    html_body = [f"<h1>{escape(heading)}</h1>", '<p><a href="index.html">' + ("全部报告" if lang == "zh" else "All reports")
                 + "</a></p>"]
    tables_title = "表" if lang == "zh" else "Tables"
    md += [f"## {tables_title}", ""]
    html_body.append(f"<h2>{tables_title}</h2>")
    for table in tables:
        md += [table_markdown(table), ""]
        html_body.append(table_html(table, anchor=table.name))
    if figures:
        figures_title = "图" if lang == "zh" else "Figures"
        md += [f"## {figures_title}", ""]
        html_body.append(f"<h2>{figures_title}</h2>")
        for figure in figures:
            relative = figure.png.relative_to(directory).as_posix()
            svg = figure.svg.relative_to(directory).as_posix()
            md += [f"![{figure.title}]({relative})", "", f"[SVG]({svg})", ""]
            html_body.append(f'<figure><img src="{escape(relative)}" alt="{escape(figure.title)}">'
                             f'<figcaption>{escape(figure.title)} (<a href="{escape(svg)}">SVG</a>)</figcaption></figure>')
    md += [provenance_markdown(prov, lang, real), ""]
    html_body.append(provenance_html(prov, lang, real))
    replication = write_replication_page(study, directory, lang, query)
    if replication is not None:
        md += [replication_link_markdown(replication, lang), ""]
        html_body.append(replication_link_html(replication, lang))
    files = {"md": "md", "html": "html", "xlsx": "xlsx", "docx": "docx", "tex": "tex"}
    paths = {kind: directory / f"{study}.{suffix}" for kind, suffix in files.items()}
    if replication is not None:
        paths.update({f"replication_{kind}": path for kind, path in replication.paths.items()})
    _write_text(paths["md"], "\n".join(md))
    _write_text(paths["html"], html_page(heading, "\n".join(html_body), lang=lang))
    write_workbook(tables, paths["xlsx"])
    write_document(heading, tables, paths["docx"], intro=["".join(provenance_summary(prov, lang)), *realness_lines(real, lang)],
                   figures=[(f.title, f.png) for f in figures])
    _write_text(paths["tex"], latex_document(heading, tables))
    return StudyReport(study, heading, paths, tables, figures, int((prov["n_synthetic"] > 0).sum()), len(prov),
                       replication)


def _replication_summary(page: ReplicationPage) -> str:
    return ", ".join(f"{status} {n}" for status, n in page.counts.items())


def replication_link_markdown(page: ReplicationPage, lang: str) -> str:
    title = "## 复现对照" if lang == "zh" else "## Replication view"
    link = f"[{page.paths['md'].name}]({page.paths['md'].name})"
    return f"{title}\n\n{link}: {len(page.cells)} cells ({_replication_summary(page)})"


def replication_link_html(page: ReplicationPage, lang: str) -> str:
    title = "复现对照" if lang == "zh" else "Replication view"
    return (f'<section class="replication"><h2>{title}</h2><p><a href="{escape(page.paths["html"].name)}">'
            f"{escape(page.paths['html'].name)}</a>: {len(page.cells)} cells ({escape(_replication_summary(page))})"
            "</p></section>")


def write_index(directory: Path, studies: list[str], lang: str | None = None, *,
                manifest: dict | None = None) -> Path:
    """reports/index.html: a link to every study's report and each of its formats found on disk."""
    lang = language(lang)
    metas = study_metas(manifest if manifest is not None else load_manifest())
    rows = []
    for study in sorted(studies):
        meta = metas.get(study)
        title = (meta.title_zh if lang == "zh" else meta.title_en) if meta else study
        files = [directory / f"{study}.{suffix}" for suffix in ("html", "md", "xlsx", "docx", "tex")]
        links = " · ".join(f'<a href="{escape(p.name)}">{p.suffix[1:]}</a>' for p in files if p.exists())
        replication = directory / f"{study}_replication.html"
        if replication.exists():
            links += f' · <a href="{escape(replication.name)}">{"复现对照" if lang == "zh" else "replication view"}</a>'
        rows.append(f'<li><a href="{escape(study)}.html"><strong>{escape(study)}</strong> {escape(title)}</a> '
                    f"({links})</li>")
    title = "新质生产力研究报告" if lang == "zh" else "New quality productive forces: study reports"
    note = ("报告中大量数据为合成数据，仅演示方法；各报告末尾的数据来源说明列出合成序列。" if lang == "zh" else
            "Much of the data is synthetic and demonstrates the method only; each report ends with its provenance note.")
    body = f"<h1>{title}</h1>\n<p class=\"provenance\">{note}</p>\n<ul>\n" + "\n".join(rows) + "\n</ul>"
    return _write_text(directory / "index.html", html_page(title, body, lang=lang))


def write_reports(directory: Path | None = None, lang: str | None = None, *, query: Query = query_published,
                  manifest: dict | None = None) -> list[Path]:
    """Every study's report and the index page; returns the written files."""
    directory = directory or config.reports_dir()
    manifest = manifest if manifest is not None else load_manifest()
    reports = [write_study_report(study, directory, lang, query=query, manifest=manifest)
               for study in report_studies(query, manifest)]
    index = write_index(directory, [r.study for r in reports], lang, manifest=manifest)
    written = [p for r in reports for p in r.paths.values()]
    written += [p for r in reports for f in r.figures for p in (f.png, f.svg)]
    return [*written, index]
