"""The table model and its five writers on small hand-made tables (no warehouse needed).

Every writer must hold exactly the model's cell text (stars, parentheses, braces, Yes rows) and draw
the three rules of a 三线表; each check reads the written file back with the format's own reader.
"""
from __future__ import annotations

import math
from html.parser import HTMLParser

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest

from models_py.tables.display import DisplayTableError, column_label, display_table, display_table_specs
from models_py.tables.layout import descriptive_display, regression_display
from models_py.tables.model import DisplayTable, TableRow, language, stars
from models_py.tables.writers.docx import write_document
from models_py.tables.writers.html import table_html
from models_py.tables.writers.latex import latex_document, table_latex
from models_py.tables.writers.markdown import parse_markdown_cells, table_markdown
from models_py.tables.writers.xlsx import sheet_title, write_workbook

# --------------------------------------------------------------------------- a hand-made results table

LABELS = {"y": {"zh": "区域差距", "en": "Regional gap"}}


def _coef(column_id, term, estimate, se, p, *, equation="main", depvar="y", control=False, order=1, zh=None, en=None):
    return {"column_id": column_id, "term": term, "estimate": estimate, "std_error": se, "t": estimate / se, "p": p,
            "equation": equation, "depvar": depvar, "is_control": control, "term_order": order,
            "label_zh": zh or term, "label_en": en or term, "stat_kind": "t"}


@pytest.fixture
def results():
    coefficients = pd.DataFrame([
        _coef("(1)", "x", 0.5, 0.1, 0.0001, zh="新质生产力", en="NQP"),
        _coef("(1)", "c", -0.2, 0.15, 0.2, control=True, order=2, zh="控制变量甲", en="Control A"),
        _coef("(1)", "2014.year", 0.3, 0.1, 0.01, order=3),
        _coef("(1)", "_cons", 1.0, 0.2, 0.001, order=4),
        _coef("(2)", "L1.x", 0.9, 0.05, 0.0, equation="first_stage:x", depvar="x", zh="L1.新质生产力"),
        _coef("(2)", "x", 0.4, 0.2, 0.049, order=2, zh="新质生产力", en="NQP"),
        _coef("(2)", "c", 0.1, 0.5, 0.9, control=True, order=3, zh="控制变量甲", en="Control A"),
    ])
    fits = pd.DataFrame([
        {"column_id": "(1)", "column_order": 1, "estimator": "twfe", "depvar": "y", "nobs": 300, "r2_within": 0.38,
         "region_fe": True, "year_fe": True, "has_controls": True, "vcov_type": "cluster", "cluster": "region_code",
         "column_title": None},
        {"column_id": "(2)", "column_order": 2, "estimator": "iv", "depvar": "y", "nobs": 270, "r2_within": 0.2,
         "region_fe": True, "year_fe": False, "has_controls": True, "vcov_type": "cluster", "cluster": "region_code",
         "column_title": "IV"},
    ])
    diagnostics = pd.DataFrame([
        {"column_id": "(2)", "equation": "main", "statistic": "kp_rk_lm", "value": 25.3, "p": 0.0001},
        {"column_id": "(2)", "equation": "main", "statistic": "kp_rk_wald_f", "value": 120.5, "p": None},
        {"column_id": "(2)", "equation": "main", "statistic": "stock_yogo_iv_size_10", "value": 16.38, "p": None},
        {"column_id": "(2)", "equation": "first_stage:x", "statistic": "nobs", "value": 270, "p": None},
    ])
    return coefficients, fits, diagnostics


def _table(results, **options) -> DisplayTable:
    return regression_display(*results, study="s", table_id="t3", title="基准回归", labels=LABELS, **options)


def _row(table: DisplayTable, label: str) -> list[str]:
    matches = [row for row in table.rows if row.label == label]
    assert len(matches) == 1, f"{label!r} appears {len(matches)} times"
    return matches[0].cells


def _beneath(table: DisplayTable, label: str) -> list[str]:
    index = [i for i, row in enumerate(table.rows) if row.label == label][0]
    return table.rows[index + 1].cells


# --------------------------------------------------------------------------- stars, cells, rows


@pytest.mark.parametrize("p, mark", [(0.2, ""), (0.1, ""), (0.0999, "*"), (0.05, "*"), (0.0499, "**"), (0.01, "**"),
                                     (0.0099, "***"), (0.0, "***"), (float("nan"), ""), (None, "")])
def test_stars_thresholds_are_strict(p, mark):
    assert stars(p) == mark


def test_regression_cells_stars_parentheses_yes_rows_and_braces(results):
    table = _table(results)
    assert table.header[0] == ["变量", "(1)", "IV 第一阶段", "IV 第二阶段"]
    assert table.header[1] == ["", "区域差距", "x", "区域差距"]  # labelled depvar, else the name
    assert _row(table, "新质生产力") == ["0.5000***", "", "0.4000**"]
    assert _beneath(table, "新质生产力") == ["(0.1000)", "", "(0.2000)"]
    assert _row(table, "L1.新质生产力") == ["", "0.9000***", ""]
    assert _row(table, "控制变量甲") == ["-0.2000", "", "0.1000"]
    assert _row(table, "常数项") == ["1.0000***", "", ""]
    assert not any("2014" in row.label for row in table.rows), "year dummies are summarised by the FE row"
    assert _row(table, "个体固定效应") == ["Yes", "Yes", "Yes"]
    assert _row(table, "时间固定效应") == ["Yes", "No", "No"]
    assert _row(table, "观测值") == ["300", "270", "270"]
    assert _row(table, "R²（组内）") == ["0.380", "", "0.200"]
    assert _row(table, "Kleibergen-Paap rk Wald F {Stock-Yogo 10%}") == ["", "", "120.500 {16.38}"]
    assert _row(table, "Kleibergen-Paap rk LM [p]") == ["", "", "25.300 [0.000]"]
    note = table.notes[0]
    assert "*、**、*** 分别表示 10%、5%、1%" in note and "聚类到省份层面的稳健标准误" in note
    assert "花括号内为 Stock–Yogo" in note and "方括号内为 p 值" in note
    # controls listed first after the regressors of interest, constant last
    labels = [row.label for row in table.rows if row.role == "coef"]
    assert labels == ["新质生产力", "L1.新质生产力", "控制变量甲", "常数项"]


def test_tiny_coefficients_keep_two_significant_digits(results):
    coefficients, fits, diagnostics = results
    coefficients = coefficients.copy()
    coefficients.loc[0, ["estimate", "std_error"]] = [-0.000031, 0.0000123]
    table = regression_display(coefficients, fits, diagnostics, labels=LABELS)
    assert _row(table, "新质生产力")[0] == "-0.000031***" and _beneath(table, "新质生产力")[0] == "(0.000012)"
    assert _row(table, "控制变量甲")[0] == "-0.2000"


def test_t_statistics_beneath_when_declared(results):
    table = _table(results, beneath="t")
    assert _beneath(table, "新质生产力") == ["(5.000)", "", "(2.000)"]
    assert "括号内为 t 值" in table.notes[0]
    with pytest.raises(ValueError, match="beneath must be 'se' or 't'"):
        _table(results, beneath="z")


def test_collapsed_controls_give_a_yes_row(results):
    table = _table(results, show_controls=False)
    assert "控制变量甲" not in [row.label for row in table.rows]
    assert _row(table, "控制变量") == ["Yes", "Yes", "Yes"]


def test_english_labels(results):
    table = _table(results, lang="en")
    assert table.header[0][0] == "Variables" and table.header[1][1] == "Regional gap"
    for label in ("NQP", "Constant", "Region FE", "Year FE", "Observations", "R² (within)"):
        assert label in [row.label for row in table.rows]
    assert table.notes[0].startswith("Note: *, **, *** denote significance at the 10%, 5% and 1% levels")
    assert "clustered by province" in table.notes[0]


def test_language_switch(monkeypatch):
    monkeypatch.delenv("NQP_LANGUAGE", raising=False)
    assert language() == "zh"
    monkeypatch.setenv("NQP_LANGUAGE", "en")
    assert language() == "en" and language("zh") == "zh"
    with pytest.raises(ValueError, match="unknown table language 'fr'"):
        language("fr")


def test_descriptive_table_formats_the_six_statistics():
    rows = pd.DataFrame([{"variable": "x", "label_zh": "新质生产力", "label_en": "NQP", "variable_order": 1, "n": 300,
                          "mean": 0.18712, "sd": 0.0961, "min": 0.0391, "median": 0.165, "max": 0.5381,
                          "uses_synthetic": True}])
    table = descriptive_display(rows, study="s", table_id="t2", title="描述性统计")
    assert table.header == [["变量", "样本量", "均值", "标准差", "最小值", "中位数", "最大值"]]
    assert table.grid()[1] == ["新质生产力", "300", "0.187", "0.096", "0.039", "0.165", "0.538"]
    assert "合成数据" in table.notes[0]
    english = descriptive_display(rows, lang="en")
    assert english.header[0] == ["Variables", "N", "Mean", "SD", "Min", "Median", "Max"]


def test_model_rejects_ragged_rows():
    with pytest.raises(ValueError, match="row 0 .* has 1 data cells, the header has 2"):
        DisplayTable("s", "t", "x", [["a", "b", "c"]], [TableRow("r", ["1"])])


# --------------------------------------------------------------------------- writers read back


@pytest.fixture
def table(results):
    return _table(results, note="数据来源：合成数据 | 演示")


def test_markdown_cells_equal_the_model(table):
    text = table_markdown(table)
    assert parse_markdown_cells(text) == table.grid()
    assert "\\*、\\*\\*、\\*\\*\\*" in text, "stars in the note are escaped, not emphasis"


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.open_tags, self.in_cell = [], [], False

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "meta", "img", "link"):
            self.open_tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        assert self.open_tags and self.open_tags[-1] == tag, f"unbalanced </{tag}> after {self.open_tags[-3:]}"
        self.open_tags.pop()
        if tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data):
        if self.in_cell:
            self.rows[-1][-1] += data


def html_cells(text: str) -> list[list[str]]:
    parser = _Cells()
    parser.feed(text)
    parser.close()
    assert not parser.open_tags, f"unclosed tags {parser.open_tags}"
    return parser.rows


def test_html_cells_and_three_line_css(table):
    from models_py.tables.writers.html import THREE_LINE_CSS

    text = table_html(table)
    assert html_cells(text) == table.grid()
    assert text.count("<thead>") == 1 and "<caption>基准回归</caption>" in text
    assert "border-top: 2px solid" in THREE_LINE_CSS and "border-bottom: 2px solid" in THREE_LINE_CSS
    assert "thead tr:last-child th { border-bottom: 1px solid" in THREE_LINE_CSS
    assert "&lt;" not in text or "<" in table_markdown(table)


def test_xlsx_one_sheet_per_table_three_rules(tmp_path, table, results):
    second = descriptive_display(pd.DataFrame([{"variable": "x", "label_zh": "甲", "label_en": "A", "variable_order": 1,
                                                "n": 3, "mean": 1.0, "sd": 0.5, "min": 0.5, "median": 1.0,
                                                "max": 1.5}]), study="s", table_id="t2", title="描述")
    path = write_workbook([table, second], tmp_path / "s.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["t3", "t2"]
    sheet = book["t3"]
    assert sheet["A1"].value == "基准回归"
    grid = table.grid()
    for r, cells in enumerate(grid, start=2):
        for c, text in enumerate(cells, start=1):
            value = sheet.cell(row=r, column=c).value
            assert ("" if value is None else str(value)) == text or (
                isinstance(value, (int, float)) and f"{value:.{len(text.split('.')[-1])}f}" == text), (r, c, value, text)
    header_rows = len(table.header)
    last = 1 + len(grid)
    assert sheet.cell(row=2, column=2).border.top.style == "medium"
    assert sheet.cell(row=1 + header_rows, column=2).border.bottom.style == "thin"
    assert sheet.cell(row=last, column=2).border.bottom.style == "medium"
    assert sheet.cell(row=5, column=2).border.bottom.style is None  # no rules inside the body
    assert sheet.cell(row=last + 1, column=1).value == table.notes[0]
    # plain numbers are numbers, with their decimals
    n_cell = book["t2"].cell(row=3, column=2)
    assert n_cell.value == 3 and book["t2"].cell(row=3, column=3).number_format == "0.000"


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    names = [sheet_title(n, taken) for n in ["table/1", "table/1", "x" * 40]]
    assert names == ["table_1", "table_1~2", "x" * 31]


def test_docx_real_word_tables_with_three_rules(tmp_path, table):
    path = write_document("报告", [table], tmp_path / "s.docx", intro=["合成数据说明"])
    document = docx.Document(str(path))
    assert len(document.tables) == 1
    word = document.tables[0]
    assert [[cell.text for cell in row.cells] for row in word.rows] == table.grid()
    assert [[cell.text for cell in row.cells] for row in word.rows] == parse_markdown_cells(table_markdown(table))
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    borders = word._tbl.tblPr.find(f"{ns}tblBorders")
    edge = {child.tag.replace(ns, ""): child.get(f"{ns}val") for child in borders}
    assert edge == {"top": "single", "bottom": "single", "left": "nil", "right": "nil", "insideH": "nil",
                    "insideV": "nil"}
    header_cell = word.rows[len(table.header) - 1].cells[1]._tc
    assert header_cell.tcPr.find(f"{ns}tcBorders").find(f"{ns}bottom").get(f"{ns}sz") == "6"
    body_cell = word.rows[len(table.header)].cells[1]._tc
    assert body_cell.tcPr is None or body_cell.tcPr.find(f"{ns}tcBorders") is None
    paragraphs = [p.text for p in document.paragraphs]
    assert "基准回归" in paragraphs and table.notes[0] in paragraphs and "合成数据说明" in paragraphs


def test_latex_booktabs_and_threeparttable(table):
    text = table_latex(table)
    assert text.count(r"\toprule") == 1 and text.count(r"\midrule") == 1 and text.count(r"\bottomrule") == 1
    assert text.index(r"\toprule") < text.index(r"\midrule") < text.index(r"\bottomrule")
    assert r"\begin{threeparttable}" in text and r"\begin{tablenotes}" in text
    assert r"0.5000$^{***}$" in text and r"(0.1000)" in text
    assert r"120.500 \{16.38\}" in text, "braces escaped"
    assert r"R\textsuperscript{2}（组内）" in text
    document = latex_document("报告", [table])
    assert r"\usepackage{booktabs}" in document and r"\documentclass[UTF8]{ctexart}" in document
    # every row has the same number of cells
    body = [line for line in text.splitlines() if line.endswith(r"\\")]
    assert {line.count(" & ") for line in body} == {table.width - 1}


# --------------------------------------------------------------------------- display_table declarations


def _node(meta, columns=None):
    return {"resource_type": "model", "name": "index_weights", "schema": "main", "alias": None,
            "config": {"meta": meta},
            "columns": columns or {"dimension": {"meta": {"label_zh": "维度", "label_en": "Dimension"}},
                                   "weight_pct": {"meta": {}}, "gdp": {}}}


def test_display_table_spec_query_and_labels():
    meta = {"display_table": {"study": "paper_x", "table_id": "T1", "title_zh": "权重", "title_en": "Weights",
                              "row_columns": ["dimension"], "value_columns": ["weight_pct", "gdp"],
                              "order_by": ["weight_pct desc"], "where": "level = 'dimension'", "decimals": 2}}
    [spec] = display_table_specs({"nodes": {"m": _node(meta)}})
    assert spec.query == ('select "dimension", "weight_pct", "gdp" from main.index_weights '
                          "where level = 'dimension' order by weight_pct desc")
    frame = pd.DataFrame({"dimension": ["甲", "乙"], "weight_pct": [60.123, 39.877], "gdp": pd.array([5, None], dtype="Int64")})
    catalogue = {"gdp": {"zh": "地区生产总值", "en": "Gross regional product"}}
    table = display_table(spec, frame, lang="zh", catalogue=catalogue)
    assert table.header == [["维度", "weight_pct", "地区生产总值"]]
    assert table.grid()[1:] == [["甲", "60.12", "5"], ["乙", "39.88", ""]]
    english = display_table(spec, frame, lang="en", catalogue=catalogue)
    assert english.header == [["Dimension", "weight_pct", "Gross regional product"]] and english.title == "Weights"
    assert column_label("other", {}, {}, "zh") == "other"


@pytest.mark.parametrize("raw, message", [
    ({"study": "s", "table_id": "T", "row_columns": ["dimension"], "value_columns": ["weight_pct"], "colour": 1},
     r"unknown key\(s\) \['colour'\]"),
    ({"study": "s", "table_id": "T", "row_columns": ["dimension"]}, "needs value_columns"),
    ({"study": "s", "table_id": "T", "row_columns": "dimension", "value_columns": [1]},
     "value_columns must be a list of column names"),
    ({"study": "s", "table_id": "T", "row_columns": ["dimension"], "value_columns": ["weight_pct"], "decimals": "2"},
     "decimals must be an integer"),
])
def test_display_table_declaration_errors_name_model_and_table(raw, message):
    with pytest.raises(DisplayTableError, match=message):
        display_table_specs({"nodes": {"m": _node({"display_table": raw})}})


def test_display_tables_list_and_duplicates():
    base = {"study": "s", "row_columns": ["dimension"], "value_columns": ["weight_pct"]}
    specs = display_table_specs({"nodes": {"m": _node({"display_tables": [{**base, "table_id": "B"},
                                                                          {**base, "table_id": "A"}]})}})
    assert [s.table_id for s in specs] == ["A", "B"]
    with pytest.raises(DisplayTableError, match="declared twice"):
        display_table_specs({"nodes": {"m": _node({"display_tables": [{**base, "table_id": "A"},
                                                                      {**base, "table_id": "A"}]})}})


def test_display_tables_declared_on_a_source_query_its_table():
    """results.index_robustness is written after dbt, so its display tables sit on a dbt source."""
    source = {"resource_type": "source", "name": "index_robustness", "identifier": "index_robustness",
              "schema": "results", "meta": {"display_tables": [{
                  "study": "paper_a", "table_id": "R1", "row_columns": ["method_label_zh"],
                  "value_columns": ["estimate"], "order_by": ["method_order"], "where": "study = 'paper_a'"}]},
              "config": {}, "columns": {}}
    [spec] = display_table_specs({"nodes": {}, "sources": {"source.nqp.results.index_robustness": source}})
    assert spec.query == ('select "method_label_zh", "estimate" from results.index_robustness '
                          "where study = 'paper_a' order by method_order")
    # no documented English twin: the English query keeps the declared column
    assert spec.query_for("en") == spec.query


def test_a_zh_column_shows_its_documented_en_twin_in_english():
    meta = {"display_table": {"study": "s", "table_id": "T1", "row_columns": ["pair_label_zh"],
                              "value_columns": ["weight_pct"]}}
    [spec] = display_table_specs({"nodes": {"m": _node(meta, columns={"pair_label_zh": {}, "pair_label_en": {},
                                                                        "weight_pct": {}})}})
    assert spec.shown_columns("en") == ["pair_label_en", "weight_pct"]
    assert spec.query_for("en").startswith('select "pair_label_en", "weight_pct" from main.index_weights')
    table = display_table(spec, pd.DataFrame({"pair_label_en": ["East - West"], "weight_pct": [1.0]}), lang="en")
    assert table.rows[0].label == "East - West"


def test_nan_is_an_empty_cell():
    assert math.isnan(float("nan"))
    spec = display_table_specs({"nodes": {"m": _node({"display_table": {
        "study": "s", "table_id": "T", "row_columns": ["dimension"], "value_columns": ["weight_pct"]}})}})[0]
    table = display_table(spec, pd.DataFrame({"dimension": ["a"], "weight_pct": [float("nan")]}))
    assert table.rows[0].cells == [""]


def test_declared_display_options_are_validated():
    from models_py.declarations import DeclarationError, parse_study

    def study(**table_keys):
        column = {"id": "(1)", "depvar": "y", "regressors": ["x"], "title": "基准", "title_en": "Baseline"}
        return {"study": "s", "tables": [{"id": "t", "kind": "regression", "columns": [column], **table_keys}]}

    assert parse_study(study(beneath="t", show_controls=False), "m", "main.m").tables[0].table_id == "t"
    with pytest.raises(DeclarationError, match="beneath"):
        parse_study(study(beneath="z"), "m", "main.m")
    with pytest.raises(DeclarationError, match="show_controls"):
        parse_study(study(show_controls="no"), "m", "main.m")


def test_english_column_titles(results):
    coefficients, fits, diagnostics = results
    table = regression_display(coefficients, fits.assign(column_title=[None, "工具变量"]), diagnostics, lang="en",
                               labels=LABELS)
    assert table.header[0][1:] == ["(1)", "(2) first stage", "(2) second stage"]  # Chinese title → column id
    titled = regression_display(coefficients, fits, diagnostics, lang="en", labels=LABELS,
                                column_titles={"(2)": "Lagged NQP as instrument"})
    assert titled.header[0][2] == "Lagged NQP as instrument first stage"
