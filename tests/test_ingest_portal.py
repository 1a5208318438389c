"""Ingestion of the real portal exports, the region seeds, and a corpus of broken files."""

from __future__ import annotations

import pickle
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models_py.errors import DataError
from models_py.ingest import (
    OBS_COLUMNS,
    SHIPPED_EXPORTS_DIR,
    SourceMappings,
    load_directory,
    load_region_resolver,
    load_regions,
    load_source_mappings,
    normalise_name,
    read_reference_csv,
)
from tests.examples import examples

EXPORTS = "seeds/shipped/nbs-exports"
ALL_CODES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65}


# --------------------------------------------------------------------------- fixtures / helpers

@pytest.fixture(scope="module")
def resolver():
    return load_region_resolver()


@pytest.fixture(scope="module")
def mappings():
    return load_source_mappings()


@pytest.fixture(scope="module")
def real():
    return load_directory(SHIPPED_EXPORTS_DIR)


def _obs(result, series, code, year):
    o = result.observations
    hit = o[(o.series == series) & (o.region_code == code) & (o.year == year)]
    assert len(hit) == 1, (series, code, year, len(hit))
    return hit.iloc[0]


GDP = "地区生产总值(亿元)"
FOOTER = ["注：示例注释。", "\u3000\u3000\u30002.续行。", "数据来源：国家统计局"]


def portal_text(rows, *, indicator=GDP, header="地区,2024年,2023年", footer=FOOTER,
                preamble=True) -> str:
    lines = []
    if preamble:
        lines += ["数据库：分省年度数据", f"指标：{indicator}", "时间：最近20年"]
    if header is not None:
        lines.append(header)
    lines += list(rows) + list(footer)
    return "".join(line + "\r\n" for line in lines)


def write(tmp_path: Path, name: str, text: str | bytes, encoding: str = "gbk") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def long_text(header, rows) -> bytes:
    return ("\ufeff" + "\n".join([header, *rows]) + "\n").encode("utf-8")


def mapping_frame(rows) -> SourceMappings:
    cols = ["source_kind", "indicator_text", "series_code", "source_unit", "unit_factor",
            "series_unit", "precedence", "note"]
    return SourceMappings.from_frame(pd.DataFrame(rows, columns=cols).astype(str))


# --------------------------------------------------------------------------- regions seed

def test_regions_seed_shape_and_groups():
    regions = load_regions()
    assert len(regions) == 31
    assert list(regions.region_code) == sorted(ALL_CODES)
    assert (regions.gbt_code6 == regions.region_code * 10000).all()
    assert regions.region3.value_counts().to_dict() == {"west": 12, "east": 11, "central": 8}
    assert regions.region4.value_counts().to_dict() == {"west": 12, "east": 10, "central": 6,
                                                        "northeast": 3}
    assert regions.south_north.value_counts().to_dict() == {"south": 16, "north": 15}
    assert set(regions.loc[regions.region4 == "northeast", "region_code"]) == {21, 22, 23}
    assert set(regions.loc[regions.is_municipality, "region_code"]) == {11, 12, 31, 50}
    zh = {"east": "东部", "central": "中部", "west": "西部", "northeast": "东北"}
    assert (regions.region3.map(zh) == regions.region3_zh).all()
    assert (regions.region4.map(zh) == regions.region4_zh).all()
    assert (regions.south_north.map({"south": "南方", "north": "北方"}) == regions.south_north_zh).all()
    area = regions.set_index("region_code").land_area_km2
    assert area[11] == 16410 and area[65] == 1664900 and (area > 6000).all()
    assert area.idxmax() == 65 and area.idxmin() == 31


def test_every_region_name_resolves(resolver):
    regions = load_regions()
    for rec in regions.itertuples():
        for name in (rec.name_full, rec.name_short, rec.name_en):
            assert resolver.resolve(name) == rec.region_code, name


@pytest.mark.parametrize("name,code", [
    ("Shaanxi", 61), ("Shanxi", 14), ("Nei Mongol", 15), ("Neimenggu", 15), ("Xizang", 54),
    ("Tibet", 54), ("Guangxi Zhuang Autonomous Region", 45), ("Ningxia Hui", 64),
    ("Xinjiang Uygur", 65), ("Xinjiang Uyghur", 65), ("Inner Mongolia Autonomous Region", 15),
    ("Beijing Municipality", 11), (" 北 京 市 ", 11), ("\u3000上海\u3000", 31), ("ＢＥＩＪＩＮＧ", 11),
    ("inner  mongolia", 15), ("新疆维吾尔自治区", 65), ("广西", 45), ("重庆市", 50),
])
def test_alias_forms(resolver, name, code):
    assert resolver.resolve(name) == code


def test_aliases_unique_and_valid():
    aliases = read_reference_csv("region_aliases")
    keys = aliases.alias.map(normalise_name)
    assert not keys.duplicated().any(), aliases[keys.duplicated(keep=False)]
    assert set(aliases.region_code.astype(int)) == ALL_CODES


def test_unknown_region_is_an_error(resolver):
    with pytest.raises(DataError, match="unknown region") as exc:
        resolver.resolve("香港", file="x.csv", row=7)
    assert "x.csv" in str(exc.value) and "line 7" in str(exc.value)
    assert exc.value.region == "香港"


# --------------------------------------------------------------------------- mappings seed

def test_source_mappings_cover_every_real_indicator(real, mappings):
    # Only the deliberately unused column is unmapped: the unrevised GDP vintage (see source_mappings).
    unmapped = [i for f in real.files for i in f.unmapped_indicators]
    assert len(unmapped) == 1 and unmapped[0].startswith("GDP_当年价_亿元 (not used: ")
    assert all(m.unit_factor == 1.0 for m in mappings if m.series_code)
    # The dedicated portal exports beat the hand-compiled panel.
    by_kind = {}
    for m in mappings:
        if m.series_code:
            by_kind.setdefault(m.source_kind, set()).add(m.precedence)
    assert min(by_kind["portal_csv"]) > max(by_kind["long_csv"])


# --------------------------------------------------------------------------- the real files

def test_real_files_known_values(real):
    gdp = _obs(real, "gdp", 11, 2024)
    assert gdp.value == 49670.2 and gdp.unit == "亿元"
    assert gdp.provenance == f"real: {EXPORTS}/分省年度数据.csv"
    assert gdp.source_file == f"{EXPORTS}/分省年度数据.csv"
    assert (gdp.source_row, gdp.source_column, gdp.raw_text) == (5, "2024年", "49670.2")
    assert gdp.indicator_text == GDP and gdp.unit_factor == 1.0 and pd.isna(gdp.source_sheet)
    assert _obs(real, "gdp", 65, 2006).value == 2984.5
    # 2005 only exists in the integrated panel's unrevised GDP column, which is not used (level break).
    o = real.observations
    assert o[(o.series == "gdp") & (o.year == 2005)].empty
    # Survey-year jump (1 % sample in 2015) is real data and loads as it is.
    assert _obs(real, "population_sample", 11, 2015).value == 335775
    assert _obs(real, "population_sample", 11, 2016).value == 18132
    # The xls: fiscal expenditure 2005-06, general budget expenditure from 2007.
    b07 = _obs(real, "budget_expenditure", 11, 2007)
    assert (b07.value, b07.source_sheet, b07.source_row, b07.source_column) == (1649.5, "Sheet1", 2, "2007")
    assert _obs(real, "budget_expenditure", 11, 2005).value == 1058.31
    assert _obs(real, "budget_expenditure", 65, 2024).value == 7645.96
    # Series only in the long panel.
    urb = _obs(real, "urbanisation_rate", 31, 2005)
    assert urb.value == 89.09 and urb.provenance == f"real: {EXPORTS}/分省年度数据_整合.csv"
    assert _obs(real, "fai_funds_growth", 11, 2024).value == -4.7
    assert _obs(real, "fai_funds_growth", 11, 2024).source_file.endswith("分省年度数据 (5).csv")


def test_real_files_shape_and_counts(real):
    o = real.observations
    assert list(o.columns) == OBS_COLUMNS
    assert str(o.region_code.dtype) == "int32" and str(o.year.dtype) == "int32"
    assert str(o.value.dtype) == "float64"
    assert not o.duplicated(["region_code", "year", "series"]).any()
    assert set(o.region_code) == ALL_CODES
    assert len(o) == 8360
    counts = o.groupby("series").size().to_dict()
    assert counts == {
        "budget_expenditure": 620, "employment": 340, "employment_private": 465,
        "employment_urban_units": 527, "fai_funds_growth": 217, "fixed_asset_investment": 403,
        "gdp": 589, "gdp_index": 611, "invention_patent_applications": 620,
        "population_65plus_sample": 558, "population_sample": 558,
        "public_professional_staff": 403, "secondary_share": 620, "tax_revenue": 620,
        "trade_cny": 279, "trade_usd": 310, "urbanisation_rate": 620,
    }
    for series, group in o.groupby("series"):
        assert set(group.region_code) == ALL_CODES, series
    assert o.provenance.str.startswith(f"real: {EXPORTS}/").all()


def test_real_files_report(real):
    report = real.report().set_index("file")
    assert real.skipped == [f"{EXPORTS}/LICENSE"]
    assert len(report) == 9
    gdp = report.loc[f"{EXPORTS}/分省年度数据.csv"]
    assert (gdp.kind, gdp.rows_read, gdp.observations, gdp.empty_cells, gdp.kept) == (
        "portal_csv", 31, 589, 0, 589)
    assert report.loc[f"{EXPORTS}/分省年度数据 (5).csv"].empty_cells == 403
    assert report.loc[f"{EXPORTS}/一般公共预算等.xls"].kind == "portal_xls"
    panel = report.loc[f"{EXPORTS}/分省年度数据_整合.csv"]
    assert (panel.kind, panel.rows_read, panel.overridden) == ("long_csv", 620, 4681)
    assert panel.kept + panel.overridden == panel.observations
    assert report.kept.sum() == len(real.observations)
    # Every overridden value names the winner, which always has the higher precedence.
    ov = real.overridden
    assert len(ov) == 4681 and (ov.kept_precedence > ov.precedence).all()


# --------------------------------------------------------------------------- conversion, precedence

def test_unit_conversion(tmp_path, resolver):
    write(tmp_path, "gdp_wan.csv", portal_text(["北京市,496702000,473537000"],
                                               indicator="地区生产总值(万元)"))
    m = mapping_frame([("portal_csv", "地区生产总值(万元)", "gdp", "万元", "0.0001", "亿元", "100", "")])
    result = load_directory(tmp_path, m, resolver)
    row = _obs(result, "gdp", 11, 2024)
    assert row.value == pytest.approx(49670.2) and row.unit == "亿元" and row.unit_factor == 1e-4
    assert row.raw_text == "496702000"
    assert row.provenance == f"real: {(tmp_path / 'gdp_wan.csv').resolve().as_posix()}"


def test_unit_in_file_must_match_mapping(tmp_path, resolver, mappings):
    write(tmp_path, "gdp.csv", portal_text(["北京市,1,2"], indicator="地区生产总值(万元)"))
    m = mapping_frame([("portal_csv", "地区生产总值(万元)", "gdp", "亿元", "1", "亿元", "100", "")])
    with pytest.raises(DataError, match="unit") as exc:
        load_directory(tmp_path, m, resolver)
    assert "gdp.csv" in str(exc.value)


def test_precedence_portal_beats_panel(tmp_path, resolver, mappings):
    write(tmp_path, "a.csv", portal_text(["北京市,49670.2,47353.7"]))
    write(tmp_path, "b.csv", long_text("地区,年份,GDP_亿元", ["北京,2024,1.0", "北京,2022,45222.4"]))
    result = load_directory(tmp_path, mappings, resolver)
    assert _obs(result, "gdp", 11, 2024).value == 49670.2
    assert _obs(result, "gdp", 11, 2022).value == 45222.4  # the panel fills the gap
    report = result.report().set_index("kind")
    assert report.loc["long_csv", "overridden"] == 1 and report.loc["long_csv", "kept"] == 1
    ov = result.overridden.iloc[0]
    assert ov.value == 1.0 and ov.kept_value == 49670.2 and ov.kept_file.endswith("a.csv")


def test_precedence_within_one_panel(tmp_path, resolver):
    # GDP_亿元 (50) beats GDP_当年价_亿元 (40) in the same file; the lower one fills 2005.
    write(tmp_path, "p.csv", long_text("地区,年份,GDP_亿元,GDP_当年价_亿元",
                                       ["北京,2005,,6969.5", "北京,2006,8618.9,8117.8"]))
    m = mapping_frame([("long_csv", "GDP_亿元", "gdp", "亿元", "1", "亿元", "50", ""),
                       ("long_csv", "GDP_当年价_亿元", "gdp", "亿元", "1", "亿元", "40", "")])
    result = load_directory(tmp_path, m, resolver)
    assert _obs(result, "gdp", 11, 2005).value == 6969.5
    assert _obs(result, "gdp", 11, 2006).value == 8618.9
    assert result.files[0].overridden == 1 and result.files[0].empty_cells == 1


def test_duplicate_at_same_precedence_names_both_files(tmp_path, resolver, mappings):
    write(tmp_path, "first.csv", portal_text(["北京市,49670.2,47353.7"]))
    write(tmp_path, "second.csv", portal_text(["天津市,1,2", "北京市,49670.3,"]))
    with pytest.raises(DataError, match="same precedence") as exc:
        load_directory(tmp_path, mappings, resolver)
    msg = str(exc.value)
    assert "first.csv" in msg and "second.csv" in msg and "line 5" in msg and "line 6" in msg


def test_unmapped_indicators_are_reported_not_loaded(tmp_path, resolver):
    write(tmp_path, "x.csv", portal_text(["北京市,1,2"], indicator="人均地区生产总值(元)"))
    write(tmp_path, "y.csv", portal_text(["北京市,3,4"], indicator="地区生产总值(亿元)"))
    m = mapping_frame([("portal_csv", "人均地区生产总值(元)", "", "元", "", "", "", "no planned series")])
    result = load_directory(tmp_path, m, resolver)
    assert result.observations.empty
    report = result.report().set_index("kind")
    notes = " | ".join(report.unmapped_indicators)
    assert "人均地区生产总值(元) (no planned series)" in notes
    assert "地区生产总值(亿元) (not in source_mappings)" in notes
    assert report.unmapped_cells.sum() == 4


def test_portal_quirks_are_tolerated(tmp_path, resolver, mappings):
    # Empty leading year column, a short row, extra empty trailing fields, notes with continuation.
    text = portal_text(["北京市,,49670.2", "天津市,", "河北省,,47448.1,,,"],
                       header="地区,2025年,2024年,2023年")
    write(tmp_path, "q.csv", text)
    result = load_directory(tmp_path, mappings, resolver)
    assert len(result.observations) == 2
    assert result.files[0].empty_cells == 7 and result.files[0].rows_read == 3


def test_data_error_message_and_pickle():
    err = DataError("not a number", file="f.csv", row=3, column="2024年", region="北京市",
                    year=2024, value="abc")
    assert str(err) == ("file f.csv, line 3, column '2024年', region '北京市', year 2024, "
                        "value 'abc': not a number")
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.region == "北京市" and again.year == 2024
    assert "sheet 'S', row 4" in str(DataError("x", file="b.xls", sheet="S", row=4))
    assert isinstance(err, ValueError)


# --------------------------------------------------------------------------- broken corpus

OK_ROW = "北京市,49670.2,47353.7"

BROKEN = {
    # name: (file name, content, expected fragments: location and reason)
    "unknown_region": ("r.csv", portal_text([OK_ROW, "火星省,1,2"]), ["line 6", "火星省", "unknown region"]),
    "text_in_numeric": ("t.csv", portal_text(["北京市,49670.2,n/a"]),
                        ["line 5", "'2023年'", "北京市", "year 2023", "'n/a'", "not a number"]),
    "nan_text": ("nan.csv", portal_text(["北京市,nan,1"]), ["line 5", "not a number"]),
    "duplicate_year_columns": ("d.csv", portal_text([OK_ROW], header="地区,2024年,2024年"),
                               ["line 4", "2024", "duplicate year column"]),
    "header_not_a_year": ("h.csv", portal_text([OK_ROW], header="地区,2024年,合计"),
                          ["line 4", "合计", "not a year"]),
    "missing_region_header": ("m.csv", portal_text([OK_ROW], header=None),
                              ["line 4", "地区 header"]),
    "missing_indicator": ("i.csv", "数据库：分省年度数据\r\n时间：最近20年\r\n地区,2024年\r\n北京市,1\r\n数据来源：国家统计局\r\n",
                          ["line 3", "指标"]),
    "value_beyond_header": ("v.csv", portal_text(["北京市,1,2,3"]), ["line 5", "beyond the last header"]),
    "data_after_notes": ("n.csv", portal_text([OK_ROW], footer=["注：x", "天津市,1,2", "数据来源：y"]),
                         ["line 7", "after the notes"]),
    "empty_file": ("e.csv", b"", ["line 1", "empty file"]),
    "blank_file": ("b.csv", "\r\n\r\n", ["line 1", "empty file"]),
    "truncated_mid_row": ("c.csv", portal_text([OK_ROW, "天津市,17931.3,172"], footer=[])[:-2],
                          ["line 6", "truncated"]),
    "truncated_after_header": ("c2.csv", portal_text([], footer=[]), ["line 4", "no data rows"]),
    "utf16": ("u.csv", portal_text([OK_ROW]).encode("utf-16"), ["line 1", "wrong encoding"]),
    "invalid_gbk_byte": ("g.csv", portal_text([OK_ROW, "天津市,1,2"]).encode("gbk").replace(b"\xcc\xec", b"\xff\xfe"),
                         ["line 6", "wrong encoding", "GBK"]),
    "big5": ("big5.csv", "數據庫：分省年度數據\r\n指標：地區生產總值(億元)\r\n地區,2024年\r\n北京市,1\r\n".encode("big5"),
             ["line 1", "wrong encoding"]),
    "not_an_export": ("z.csv", "a,b,c\r\n1,2,3\r\n", ["line 1", "not a recognised export"]),
    "long_text_cell": ("l1.csv", long_text("地区,年份,GDP_亿元", ["北京,2024,1", "上海,2024,约50000"]),
                       ["line 3", "'GDP_亿元'", "上海", "year 2024", "not a number"]),
    "long_bad_year": ("l2.csv", long_text("地区,年份,GDP_亿元", ["北京,二〇二四,1"]), ["line 2", "not a year"]),
    "long_field_count": ("l3.csv", long_text("地区,年份,GDP_亿元,城镇化率_%", ["北京,2024,1"]),
                         ["line 2", "3 fields"]),
    "long_unknown_region": ("l4.csv", long_text("地区,年份,GDP_亿元", ["北京,2024,1", "台北,2024,1"]),
                            ["line 3", "台北", "unknown region"]),
    "long_duplicate_column": ("l5.csv", long_text("地区,年份,GDP_亿元,GDP_亿元", ["北京,2024,1,1"]),
                              ["line 1", "duplicate column"]),
    "long_duplicate_row": ("l6.csv", long_text("地区,年份,GDP_亿元", ["北京,2024,1", "北京市,2024,2"]),
                           ["line 2", "line 3", "same precedence"]),
    "corrupt_xlsx": ("w.xlsx", b"PK\x03\x04" + b"\x00" * 50, ["cannot read the workbook"]),
    "corrupt_xls": ("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
                    ["cannot read the workbook"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_raise_located_errors(tmp_path, resolver, mappings, case):
    name, content, fragments = BROKEN[case]
    write(tmp_path, name, content)
    with pytest.raises(DataError) as exc:
        load_directory(tmp_path, mappings, resolver)
    msg = str(exc.value)
    assert name in msg, msg
    assert exc.value.file is not None and exc.value.file.endswith(name)
    for fragment in fragments:
        assert fragment in msg, (fragment, msg)


def test_truncated_real_xls(tmp_path, resolver, mappings):
    data = (SHIPPED_EXPORTS_DIR / "一般公共预算等.xls").read_bytes()
    write(tmp_path, "cut.xls", data[: len(data) // 2])
    with pytest.raises(DataError, match="cut.xls.*cannot read the workbook"):
        load_directory(tmp_path, mappings, resolver)


def test_truncated_real_portal_csv(tmp_path, resolver, mappings):
    data = (SHIPPED_EXPORTS_DIR / "分省年度数据.csv").read_bytes()
    write(tmp_path, "cut.csv", data[:2000])
    with pytest.raises(DataError, match=r"cut\.csv, line \d+: truncated"):
        load_directory(tmp_path, mappings, resolver)


def test_real_files_reencoded_utf8_load_the_same(tmp_path, resolver, mappings):
    # A user re-saving an export as UTF-8 (with or without BOM) changes nothing.
    src = (SHIPPED_EXPORTS_DIR / "分省年度数据.csv").read_bytes().decode("gbk")
    write(tmp_path, "utf8.csv", src, encoding="utf-8")
    result = load_directory(tmp_path, mappings, resolver)
    assert len(result.observations) == 589 and _obs(result, "gdp", 11, 2024).value == 49670.2


def test_non_data_files_are_skipped_and_listed(tmp_path, resolver, mappings):
    write(tmp_path, "README", "just text\n", encoding="utf-8")
    write(tmp_path, "g.csv", portal_text([OK_ROW]))
    result = load_directory(tmp_path, mappings, resolver)
    assert [Path(s).name for s in result.skipped] == ["README"]
    assert len(result.observations) == 2


def test_indicator_text_is_read_exactly(real):
    texts = set(real.observations.indicator_text)
    assert "一般公共预算支出（亿元）i" in texts
    assert "固定资产投资(不含农户)实际到位资金_比上年增长(%)" in texts
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)


# --------------------------------------------------------------------------- round trip property

_NAMES = list(load_regions().name_full)
_CELL = st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False).map(lambda x: round(x, 2)))


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(st.sampled_from(_NAMES), min_size=1, max_size=6, unique=True),
    years=st.lists(st.integers(1990, 2030), min_size=1, max_size=8, unique=True),
    data=st.data(),
)
def test_portal_csv_round_trip(tmp_path_factory, resolver, mappings, names, years, data):
    grid = {(n, y): data.draw(_CELL) for n in names for y in years}
    rows = [",".join([n] + ["" if grid[n, y] is None else repr(grid[n, y]) for y in years])
            for n in names]
    folder = tmp_path_factory.mktemp("rt")
    write(folder, "rt.csv", portal_text(rows, header="地区," + ",".join(f"{y}年" for y in years)))
    result = load_directory(folder, mappings, resolver)
    got = {(int(r.region_code), int(r.year)): r.value for r in result.observations.itertuples()}
    want = {(resolver.resolve(n), y): v for (n, y), v in grid.items() if v is not None}
    assert got == want
    assert result.files[0].empty_cells == sum(v is None for v in grid.values())
