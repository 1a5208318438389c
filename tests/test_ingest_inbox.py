"""Bring-your-own data: every layout, the inbox rules (inbox.yml, precedence over shipped exports),
lineage, placeholders, units, a broken-file corpus, idempotence, and a round-trip property."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models_py import config
from models_py.errors import DataError
from models_py.ingest import (
    SHIPPED_EXPORTS_DIR,
    load_directory,
    load_inbox,
    load_region_resolver,
    load_regions,
    load_series_catalogue,
    load_unit_converter,
)
from tests.examples import examples
from tests.ingest_files import (
    classic_csv,
    csv_bytes,
    english_csv,
    newer_csv,
    portal_sheet_rows,
    write_xls,
    write_xlsx,
)

ONLY_MINE = "shipped: false\n"


def inbox(tmp_path: Path, files: dict[str, bytes | list], yml: str | None = ONLY_MINE) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir(parents=True, exist_ok=True)
    if yml is not None:
        (folder / "inbox.yml").write_text(yml, encoding="utf-8")
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        elif name.endswith(".xlsx"):
            write_xlsx(folder / name, {"Sheet1": content})
        else:
            write_xls(folder / name, {"Sheet1": content})
    return folder


def values(result) -> dict[tuple[str, int, int], float]:
    return {(r.series, int(r.region_code), int(r.year)): r.value for r in result.observations.itertuples()}


def one(result, series, code, year):
    o = result.observations
    hit = o[(o.series == series) & (o.region_code == code) & (o.year == year)]
    assert len(hit) == 1, (series, code, year, len(hit))
    return hit.iloc[0]


# --------------------------------------------------------------------------- config

def test_data_inbox_defaults_to_data_inbox_and_follows_nqp_inbox(monkeypatch, tmp_path):
    monkeypatch.delenv("NQP_INBOX", raising=False)
    assert config.data_inbox() == config.PROJECT_ROOT / "data" / "inbox"
    monkeypatch.setenv("NQP_INBOX", str(tmp_path))
    assert config.data_inbox() == tmp_path
    monkeypatch.setenv("NQP_INBOX", "some/relative")
    assert config.data_inbox() == config.PROJECT_ROOT / "some" / "relative"


def test_empty_or_missing_inbox_loads_exactly_the_shipped_exports(tmp_path):
    shipped = load_directory(SHIPPED_EXPORTS_DIR)
    for folder in (tmp_path / "missing", inbox(tmp_path, {}, yml=None)):
        result = load_inbox(folder)
        pd.testing.assert_frame_equal(result.observations, shipped.observations)
    # NQP_INBOX at the shipped folder itself (the earlier meaning) reads it once, as shipped.
    pd.testing.assert_frame_equal(load_inbox(SHIPPED_EXPORTS_DIR).observations, shipped.observations)


# --------------------------------------------------------------------------- every layout

def test_classic_csv_in_inbox_beats_the_shipped_value(tmp_path):
    folder = inbox(tmp_path, {"gdp.csv": classic_csv([["北京市", 50000.5, 47000.25]], [2024, 2023])}, yml=None)
    result = load_inbox(folder)
    row = one(result, "gdp", 11, 2024)
    assert row.value == 50000.5 and row.source_file.endswith("inbox/gdp.csv")
    assert (row.source_database, row.source_time_range, row.source_kind) == ("分省年度数据", "最近20年", "portal_csv")
    assert one(result, "gdp", 12, 2024).value == 17931.3  # Tianjin still shipped
    report = result.report().set_index("file")
    mine = report.loc[row.source_file]
    assert (mine.origin, mine.kept, mine.overridden) == ("inbox", 2, 0)
    assert len(mine.sha256) == 64
    shipped_gdp = report.loc["seeds/shipped/nbs-exports/分省年度数据.csv"]
    assert shipped_gdp.overridden == 2 and shipped_gdp.origin == "shipped"
    ov = result.overridden[result.overridden.source_file == "seeds/shipped/nbs-exports/分省年度数据.csv"]
    assert set(ov.kept_file) == {row.source_file} and set(ov.value) == {49670.2, 47353.7}


def test_newer_layout_tab_comma_bom_indicators_across(tmp_path):
    data = newer_csv([["北京市", 49843.1, 71.4], ["Inner Mongolia", 26314.6, "—"]], 2024,
                     ["地区生产总值(亿元)", "城镇人口比重(%)"])
    folder = inbox(tmp_path, {"2024.csv": data}, yml=ONLY_MINE + "series:\n  城镇人口比重: urbanisation_rate\n")
    result = load_inbox(folder)
    assert values(result) == {("gdp", 11, 2024): 49843.1, ("gdp", 15, 2024): 26314.6,
                              ("urbanisation_rate", 11, 2024): 71.4}
    row = one(result, "gdp", 15, 2024)
    assert (row.source_column, row.raw_text, row.source_row) == ("地区生产总值(亿元)", "26314.6\t", 5)
    assert row.source_time_range == "2024年" and row.indicator_text == "地区生产总值(亿元)"
    assert result.files[0].placeholder_cells == 1


def test_newer_layout_needs_one_year(tmp_path):
    data = newer_csv([["北京市", 1.0]], 2024, ["地区生产总值(亿元)"]).replace("时间：2024年".encode(), "时间：最近5年".encode())
    with pytest.raises(DataError, match=r"2024\.csv, line 3.*one year in the 时间"):
        load_inbox(inbox(tmp_path, {"2024.csv": data}))


def test_english_export(tmp_path):
    data = english_csv([["Beijing", 49670.2, 47353.7], ["Xizang", 2764.9, "NA"]], [2024, 2023],
                       "Gross Regional Product(100 million yuan)")
    folder = inbox(tmp_path, {"en.csv": data}, yml=ONLY_MINE + "series:\n  Gross Regional Product: gdp\n")
    result = load_inbox(folder)
    assert values(result) == {("gdp", 11, 2024): 49670.2, ("gdp", 11, 2023): 47353.7, ("gdp", 54, 2024): 2764.9}
    row = one(result, "gdp", 54, 2024)
    assert row.source_unit == "100 million yuan" and row.unit_factor == 1.0 and row.unit == "亿元"
    assert row.source_database == "Regional Annual Data" and result.files[0].placeholder_cells == 1


@pytest.mark.parametrize("suffix", [".xls", ".xlsx"])
def test_portal_layout_in_a_workbook(tmp_path, suffix):
    rows = portal_sheet_rows([["北京市", 496702000, 473537000], ["天津市", "…", 172118000]], [2024, 2023],
                             "地区生产总值(万元)")
    result = load_inbox(inbox(tmp_path, {f"gdp{suffix}": rows}))
    assert values(result) == pytest.approx({("gdp", 11, 2024): 49670.2, ("gdp", 11, 2023): 47353.7,
                                            ("gdp", 12, 2023): 17211.8})
    row = one(result, "gdp", 12, 2023)
    assert (row.source_sheet, row.source_row, row.source_column, row.raw_text) == ("Sheet1", 6, "2023年", "172118000")
    assert row.parsed_value == 172118000 and row.unit_factor == pytest.approx(1e-4) and row.source_unit == "万元"
    assert row.source_kind == "portal_xls" and result.files[0].placeholder_cells == 1


def test_long_table_with_unit_column_csv(tmp_path):
    data = csv_bytes([["地区", "年份", "指标", "数值", "单位"],
                      ["广东", 2023, "地区生产总值", 1354000000, "万元"],
                      ["Guangdong", 2022, "gdp", 129118.58, "亿元"],
                      ["guangdong sheng", 2023, "城镇人口比重", 75.42, "%"],
                      ["广东省", 2021, "地区生产总值", "-", "亿元"]])
    folder = inbox(tmp_path, {"long.csv": data}, yml=ONLY_MINE + "series:\n  城镇人口比重: urbanisation_rate\n")
    result = load_inbox(folder)
    assert values(result) == pytest.approx({("gdp", 44, 2023): 135400.0, ("gdp", 44, 2022): 129118.58,
                                            ("urbanisation_rate", 44, 2023): 75.42})
    assert one(result, "gdp", 44, 2023).unit_factor == pytest.approx(1e-4)
    assert result.files[0].kind == "long_table" and result.files[0].placeholder_cells == 1


def test_panel_region_year_by_series_xlsx_english_headers(tmp_path):
    rows = [["Province", "Year", "GDP(亿元)", "Employment(万人)", "Population sample(人)"],
            ["Shanghai", 2023, 47218.66, 1400.5, 20000],
            ["Shanghai", 2024, 53926.7, None, 19876]]
    yml = ONLY_MINE + "series:\n  GDP: gdp\n  Employment: employment\n  Population sample: population_sample\n"
    result = load_inbox(inbox(tmp_path, {"panel.xlsx": rows}, yml=yml))
    assert values(result) == {("gdp", 31, 2023): 47218.66, ("gdp", 31, 2024): 53926.7,
                              ("employment", 31, 2023): 1400.5, ("population_sample", 31, 2023): 20000.0,
                              ("population_sample", 31, 2024): 19876.0}
    assert result.files[0].kind == "long_csv" and result.files[0].empty_cells == 1


def test_wide_table_named_after_its_indicator_and_by_inbox_yml(tmp_path):
    by_name = csv_bytes([["地区", 2022, 2023], ["北京", 41610.9, 43760.7]])
    by_yml = [["省份", "2022年", "2023年"], ["上海", 4800.0, 5000.0]]
    yml = ONLY_MINE + "files:\n  tax.xlsx: {series: tax_revenue, unit: 亿元}\n"
    result = load_inbox(inbox(tmp_path, {"地区生产总值(亿元).csv": by_name, "tax.xlsx": by_yml}, yml=yml))
    assert values(result) == {("gdp", 11, 2022): 41610.9, ("gdp", 11, 2023): 43760.7,
                              ("tax_revenue", 31, 2022): 4800.0, ("tax_revenue", 31, 2023): 5000.0}
    assert {f.kind for f in result.files} == {"wide_table"}


def test_region_names_in_every_form(tmp_path):
    regions = load_regions()
    forms = []
    for rec in regions.itertuples():
        forms += [rec.name_full, rec.name_short, rec.name_en]
    rows = [["地区", "年份", "指标", "数值", "单位"]]
    rows += [[name, 2000 + i, "gdp", 100.0 + i, "亿元"] for i, name in enumerate(forms)]
    rows += [["neimenggu", 1990, "gdp", 1.0, "亿元"], ["Xinjiang Uyghur", 1990, "gdp", 1.0, "亿元"]]
    result = load_inbox(inbox(tmp_path, {"names.csv": csv_bytes(rows)}))
    assert len(result.observations) == len(forms) + 2
    assert set(result.observations.region_code) == set(regions.region_code)


# --------------------------------------------------------------------------- units

@pytest.mark.parametrize("unit,target,factor", [
    ("万元", "亿元", 1e-4), ("亿元", "万元", 1e4), ("元", "亿元", 1e-8), ("人", "万人", 1e-4),
    ("万人", "人", 1e4), ("亿美元", "万美元", 1e4), ("％", "%", 1.0), ("100 million yuan", "亿元", 1.0),
    ("10000 persons", "万人", 1.0), ("亿元人民币", "亿元", 1.0),
])
def test_unit_factors(unit, target, factor):
    assert load_unit_converter().factor(unit, target) == pytest.approx(factor)


def test_every_catalogue_unit_is_known():
    converter = load_unit_converter()
    units = set(load_series_catalogue().unit)
    assert {u for u in units if not converter.known(u)} <= {"unit"}  # 'unit': index-valued, never loaded


@pytest.mark.parametrize("indicator,why", [
    ("地区生产总值(万美元)", "cannot be converted"), ("地区生产总值(亿斤)", "unknown unit"),
])
def test_unconvertible_unit_is_an_error(tmp_path, indicator, why):
    folder = inbox(tmp_path, {"g.csv": classic_csv([["北京市", 1.0]], [2024], indicator)})
    with pytest.raises(DataError, match=why) as exc:
        load_inbox(folder)
    assert "g.csv" in str(exc.value) and exc.value.series == "gdp"


def test_missing_unit_is_an_error(tmp_path):
    data = csv_bytes([["地区", "年份", "指标", "数值"], ["北京", 2024, "gdp", 1.0]])
    with pytest.raises(DataError, match="no unit for 'gdp'"):
        load_inbox(inbox(tmp_path, {"u.csv": data}))


# --------------------------------------------------------------------------- inbox rules

def test_unmapped_inbox_indicator_is_a_user_series_or_with_unmapped_error_an_error_with_the_fix(tmp_path):
    """(tests/test_user_series.py covers user series in full.)"""
    folder = inbox(tmp_path, {"x.csv": classic_csv([["北京市", 1.0]], [2024], "人均绿地面积(平方米)")})
    assert load_inbox(folder).user_series[["name_zh", "unit"]].values.tolist() == [["人均绿地面积", "平方米"]]
    (folder / "inbox.yml").write_text(ONLY_MINE + "unmapped: error\n", encoding="utf-8")
    with pytest.raises(DataError, match="not mapped to a series .*add it to inbox.yml") as exc:
        load_inbox(folder)
    assert exc.value.file.endswith("x.csv")


def test_inbox_yml_series_must_exist(tmp_path):
    folder = inbox(tmp_path, {"x.csv": classic_csv([["北京市", 1.0]], [2024], "绿地(公顷)")},
                   yml="series:\n  绿地: green_area\n")
    with pytest.raises(DataError, match="'green_area', which is not in the series catalogue"):
        load_inbox(folder)


def test_duplicate_between_inbox_files_needs_a_precedence(tmp_path):
    a = classic_csv([["北京市", 1.0, 2.0]], [2024, 2023])
    b = csv_bytes([["地区", "年份", "指标", "数值", "单位"], ["北京", 2024, "gdp", 3.0, "亿元"]])
    folder = inbox(tmp_path, {"a.csv": a, "b.csv": b})
    with pytest.raises(DataError, match="same inbox.yml precedence; rank the files") as exc:
        load_inbox(folder)
    assert "a.csv" in str(exc.value) and "b.csv" in str(exc.value)
    (folder / "inbox.yml").write_text(ONLY_MINE + "precedence:\n  b.csv: 2\n  a.csv: 1\n", encoding="utf-8")
    result = load_inbox(folder)
    assert values(result) == {("gdp", 11, 2024): 3.0, ("gdp", 11, 2023): 2.0}
    assert result.overridden.iloc[0].kept_file.endswith("b.csv")


@pytest.mark.parametrize("yml,why", [
    ("shipped: maybe\n", "shipped must be true or false"),
    ("precedence:\n  nothere.csv: 1\n", "not in the inbox"),
    ("precedence:\n  g.csv: high\n", "integer 0-999"),
    ("colour: blue\n", "unknown keys"),
    ("files:\n  g.csv: {unit: 亿元}\n", "needs indicator or series"),
    ("files:\n  other.csv: {series: gdp}\n", "not in the inbox"),
    ("series: [unclosed\n", "not valid YAML"),
    ("files: g.csv\n", "files must be a mapping"),
])
def test_bad_inbox_yml(tmp_path, yml, why):
    folder = inbox(tmp_path, {"g.csv": classic_csv([["北京市", 1.0]], [2024])}, yml=yml)
    with pytest.raises(DataError, match=why) as exc:
        load_inbox(folder)
    assert "inbox.yml" in str(exc.value)


def test_rerun_is_idempotent_and_a_new_year_equals_a_full_load(tmp_path):
    years = [2020, 2021, 2022, 2023]
    rows = [[name, *[1000.0 + 10 * i + j for j in range(len(years))]] for i, name in enumerate(["北京市", "天津市", "河北省"])]
    full = inbox(tmp_path / "full", {"all.csv": classic_csv(rows, years)})
    split = inbox(tmp_path / "split", {"old.csv": classic_csv([r[:4] for r in rows], years[:3])})
    first, again = load_inbox(split), load_inbox(split)
    pd.testing.assert_frame_equal(first.observations, again.observations)
    assert [f.sha256 for f in first.files] == [f.sha256 for f in again.files]
    # Next year's export arrives: a one-year file in the newer layout.
    (split / "new.csv").write_bytes(newer_csv([[r[0], r[4]] for r in rows], 2023, ["地区生产总值(亿元)"]))
    incremental, complete = load_inbox(split), load_inbox(full)
    lineage_free = ["region_code", "year", "series", "value", "unit", "unit_factor"]
    pd.testing.assert_frame_equal(incremental.observations[lineage_free], complete.observations[lineage_free])


# --------------------------------------------------------------------------- broken corpus

OK = classic_csv([["北京市", 1.0, 2.0]], [2024, 2023])
BROKEN = {
    "truncated_newer": ("t.csv", newer_csv([["北京市", 1.0], ["天津市", 2.0]], 2024, ["地区生产总值(亿元)"])[:-60],
                        ["truncated"]),
    "english_duplicate_year": ("e.csv", english_csv([["Beijing", 1.0, 2.0]], [2024, 2024], "GDP(100 million yuan)"),
                               ["line 4", "duplicate year column"]),
    "newer_duplicate_indicator": ("d.csv", newer_csv([["北京市", 1.0, 2.0]], 2024, ["地区生产总值(亿元)"] * 2),
                                  ["line 3", "duplicate indicator column"]),
    "newer_missing_region_header": ("m.csv", newer_csv([["北京市", 1.0]], 2024, ["地区生产总值(亿元)"]).replace(
        "地区\t,".encode(), "省\t,".encode()), ["line 3", "地区 header"]),
    "wrong_encoding_latin1": ("w.csv", "数据库：分省年度数据\r\n".encode("utf-8")[:-3] + "é,ü\r\n".encode("latin-1"),
                              ["wrong encoding"]),
    "table_unknown_region": ("r.csv", csv_bytes([["地区", "年份", "gdp(亿元)"], ["北京", 2024, 1], ["Gotham", 2024, 2]]),
                             ["line 3", "Gotham", "unknown region"]),
    "table_text_in_numeric": ("n.csv", csv_bytes([["地区", "年份", "gdp(亿元)"], ["北京", 2024, "约1万"]]),
                              ["line 2", "'gdp(亿元)'", "not a number"]),
    "wide_duplicate_year": ("地区生产总值(亿元).csv", csv_bytes([["地区", 2024, "2024年"], ["北京", 1, 2]]),
                            ["line 1", "duplicate year column"]),
    "wide_without_indicator": ("w2.csv", csv_bytes([["地区", 2024], ["北京", 1]]), ["line 1", "needs its indicator"]),
    "table_unrecognised": ("u.csv", csv_bytes([["地区", "季度", "GDP"], ["北京", "Q1", 1]]),
                           ["line 1", "not a recognised table", "季度"]),
    "empty": ("z.csv", b"", ["line 1", "empty file"]),
    "bom_only": ("b.csv", b"\xef\xbb\xbf", ["line 1", "empty file"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_inbox_files_name_file_line_and_reason(tmp_path, case):
    name, content, fragments = BROKEN[case]
    with pytest.raises(DataError) as exc:
        load_inbox(inbox(tmp_path, {"ok.csv": OK, name: content}))
    msg = str(exc.value)
    assert exc.value.file is not None and exc.value.file.endswith(name), msg
    for fragment in fragments:
        assert fragment in msg, (fragment, msg)


def test_broken_workbook_cells_name_sheet_and_row(tmp_path):
    rows = portal_sheet_rows([["北京市", 1.0], ["天津市", "12,3"]], [2024], "地区生产总值(亿元)")
    with pytest.raises(DataError, match=r"x\.xlsx, sheet 'Sheet1', row 6, column '2024年', region '天津市'.*not a number"):
        load_inbox(inbox(tmp_path / "a", {"x.xlsx": rows}))
    unknown = [["地区", "年份", "gdp(亿元)"], ["火星", 2024, 1.0]]
    with pytest.raises(DataError, match=r"y\.xls, sheet 'Sheet1', row 2.*火星.*unknown region"):
        load_inbox(inbox(tmp_path / "b", {"y.xls": unknown}))


def test_bad_file_leaves_nothing_half_loaded(tmp_path):
    """The batch is all-or-nothing: a bad last file means no result at all, not the good files."""
    folder = inbox(tmp_path, {"a_good.csv": OK, "z_bad.csv": classic_csv([["北京市", "x"]], [2020])})
    with pytest.raises(DataError, match="z_bad.csv"):
        load_inbox(folder)


def test_fifty_megabyte_export_is_read_to_the_end(tmp_path):
    """A 50 MB portal CSV (generated here, never committed): huge notes, then a stray data line."""
    head = classic_csv([["北京市", 1.0, 2.0]], [2024, 2023]).decode("gbk").split("\r\n")[:5]
    note = "\u3000\u3000" + "注释续行" * 20
    count = 50 * 1024 * 1024 // len(note.encode("gbk"))
    text = "\r\n".join([*head, "注：很长的注释。", *([note] * count), "天津市,1,2", "数据来源：国家统计局", ""])
    path = tmp_path / "inbox" / "big.csv"
    path.parent.mkdir()
    path.write_bytes(text.encode("gbk"))
    assert path.stat().st_size >= 50 * 1024 * 1024
    with pytest.raises(DataError) as exc:
        load_inbox(path.parent)
    assert str(exc.value) == (f"file {path.as_posix()}, line {count + 7}, value '天津市,1,2': "
                              "unexpected line after the notes")


# --------------------------------------------------------------------------- round trip property

_RESOLVER = load_region_resolver()
_REGIONS = load_regions()
_NAMES = st.sampled_from(sorted(set(_REGIONS.name_full) | set(_REGIONS.name_short) | set(_REGIONS.name_en)))
_VALUE = st.one_of(st.none(), st.just("—"), st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False))
_SERIES = st.sampled_from(["gdp", "tax_revenue", "employment", "urbanisation_rate", "trade_usd"])


def _write(folder: Path, name: str, fmt: str, rows: list[list]) -> None:
    if fmt == "csv":
        (folder / f"{name}.csv").write_bytes(csv_bytes(rows))
    else:
        write_xlsx(folder / f"{name}.xlsx", {"data": [[None if c == "" else c for c in r] for r in rows]})


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.sampled_from(["wide", "long"]), fmt=st.sampled_from(["csv", "xlsx"]),
       names=st.lists(_NAMES, min_size=1, max_size=5, unique_by=_RESOLVER.resolve),
       years=st.lists(st.integers(1949, 2099), min_size=1, max_size=6, unique=True), data=st.data())
def test_generated_tables_round_trip(tmp_path_factory, layout, fmt, names, years, data):
    folder = tmp_path_factory.mktemp("rt")
    spec = f"files:\n  tax.{fmt}: {{series: tax_revenue, unit: 万元}}\n" if layout == "wide" else ""
    (folder / "inbox.yml").write_text(ONLY_MINE + spec, encoding="utf-8")
    if layout == "wide":
        grid = {(n, y): data.draw(_VALUE) for n in names for y in years}
        rows = [["地区", *years]] + [[n, *["" if grid[n, y] is None else grid[n, y] for y in years]] for n in names]
        _write(folder, "tax", fmt, rows)
        want = {("tax_revenue", _RESOLVER.resolve(n), y): v * 1e-4 for (n, y), v in grid.items()
                if isinstance(v, float)}
        cells = grid.values()
    else:
        keys = data.draw(st.lists(st.tuples(_NAMES, st.sampled_from(years), _SERIES), min_size=1, max_size=20,
                                  unique_by=lambda k: (_RESOLVER.resolve(k[0]), k[1], k[2])))
        units = dict(zip(load_series_catalogue().series_code, load_series_catalogue().unit))
        cells = [data.draw(_VALUE) for _ in keys]
        rows = [["region", "year", "series", "value", "unit"]]
        rows += [[n, y, s, "" if v is None else v, units[s]] for (n, y, s), v in zip(keys, cells)]
        _write(folder, "long", fmt, rows)
        want = {(s, _RESOLVER.resolve(n), y): v for (n, y, s), v in zip(keys, cells) if isinstance(v, float)}
    result = load_inbox(folder)
    got = values(result)
    assert got.keys() == want.keys()
    for key, v in want.items():
        assert math.isclose(got[key], v, rel_tol=1e-12, abs_tol=1e-300), (key, got[key], v)
    report = result.files[0]
    assert report.placeholder_cells == sum(v == "—" for v in cells)
    assert report.empty_cells == sum(v is None for v in cells)


# --------------------------------------------------------------------------- nqp inbox

def test_nqp_inbox_reports_or_names_the_error(tmp_path, monkeypatch, capsys):
    from models_py.cli import main

    folder = inbox(tmp_path, {"gdp.csv": classic_csv([["北京市", 50000.5, 47000.25]], [2024, 2023])}, yml=None)
    monkeypatch.setenv("NQP_INBOX", str(folder))
    assert main(["inbox"]) == 0
    out = capsys.readouterr().out
    assert f"inbox {folder}: 1 files, 2 values (gdp); 4 shipped values replaced" in out
    (folder / "bad.csv").write_bytes(classic_csv([["北京市", "12a"]], [2024]))
    assert main(["inbox"]) == 1
    err = capsys.readouterr().err
    assert f"nqp inbox: file {folder.as_posix()}/bad.csv, line 5, column '2024年'" in err and "not a number" in err


def test_a_copy_of_the_shipped_set_in_the_inbox_loads_as_shipped(tmp_path):
    """Files mapped by source_mappings.csv keep its declared ranking (portal export over the panel)."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    for path in SHIPPED_EXPORTS_DIR.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "inbox.yml").write_text(ONLY_MINE, encoding="utf-8")
    mine, shipped = load_inbox(folder), load_directory(SHIPPED_EXPORTS_DIR)
    cols = ["region_code", "year", "series", "value", "unit", "source_row", "source_column", "raw_text"]
    pd.testing.assert_frame_equal(mine.observations[cols], shipped.observations[cols])
    names = lambda result: [Path(f).name for f in result.observations.source_file]  # noqa: E731
    assert names(mine) == names(shipped)


def test_indicator_only_in_the_file_name(tmp_path):
    """A newer export of one indicator: no 指标： line, the year across, the indicator in the file name."""
    text = "\ufeff数据库：分省年度数据\r\n时间：2024年\r\n地区\t,2024年\t\r\n北京市\t,3.5\t\r\n数据来源：国家统计局\r\n"
    result = load_inbox(inbox(tmp_path, {"私营企业和个体就业人员(万人).csv": text.encode("utf-8")}))
    row = one(result, "employment_private", 11, 2024)
    assert row.value == 3.5 and row.indicator_text == "私营企业和个体就业人员(万人)" and row.source_unit == "万人"
