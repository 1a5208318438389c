"""Stata .dta files read by the loader (models_py.ingest.stata): the same cells, firms and lineage as the
CSV of the same table, value labels, missing values, float storage, the GBK text of old formats, and
errors naming file, line and column. The files are written by pandas' Stata writer, but for two
Stata wrote (shipped in statsmodels). No build."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.datasets.macrodata

from models_py.errors import DataError
from models_py.ingest import load_inbox, load_region_resolver, parse_file
from models_py.ingest.stata import dta_grid, release
from models_py.ingest.tables import names_a_role
from tests.city_files import city_inbox_table
from tests.county_files import county_inbox_table
from tests.firm_files import COLUMNS, STATA_LABELS, firm_inbox_table, stata_frame


@pytest.fixture(scope="module")
def resolver():
    return load_region_resolver()


def _cells(parsed) -> pd.DataFrame:
    return pd.DataFrame([(c.region_code, c.year, c.indicator_text, c.number, c.raw_text, c.source_row,
                          c.source_column) for c in parsed.cells],
                        columns=["region_code", "year", "indicator", "number", "raw_text", "row", "column"])


def test_a_dta_gives_the_cells_firms_and_lines_of_the_same_table_as_csv(tmp_path, resolver):
    table, firms, long = firm_inbox_table()
    table.to_csv(tmp_path / "firms.csv", index=False, encoding="utf-8")
    stata_frame(table).to_stata(tmp_path / "firms.dta", write_index=False, version=118,
                                      variable_labels=STATA_LABELS)
    from_csv = parse_file(tmp_path / "firms.csv", "firms.csv", resolver)
    from_dta = parse_file(tmp_path / "firms.dta", "firms.dta", resolver)
    assert from_dta.kind == from_csv.kind and from_dta.rows_read == from_csv.rows_read == len(table)
    assert from_dta.indicators == from_csv.indicators == {c: c[c.index("(") + 1:-1] for c in COLUMNS}
    dta, csv = _cells(from_dta), _cells(from_csv)
    pd.testing.assert_frame_equal(dta.drop(columns="raw_text"), csv.drop(columns="raw_text"))  # values, line, column
    # the raw text is what Stata shows (57272 where pandas' CSV writes 57272.0), the same number
    assert (dta["raw_text"].astype(float) == csv["raw_text"].astype(float)).all()
    assert dta["raw_text"].str.endswith(".0").sum() == 0 < csv["raw_text"].str.endswith(".0").sum()
    # province from the value label, city, name from the variable label, first line: as the CSV's
    assert {code: replace(firm, source_file="firms.csv") for code, firm in from_dta.firms.items()} == from_csv.firms
    assert len(from_dta.firms) == len(firms)
    # the 证券简称, 行业代码 and 产权性质 labels (string variables labelled so): the CSV's, line for line
    assert from_dta.attributes == from_csv.attributes and len(from_csv.attributes) == 3 * len(table)  # and 证券简称
    # and the values are the table's (not only equal to the CSV's)
    got = _cells(from_dta).rename(columns={"indicator": "series"})
    got["series"] = got["series"].map(COLUMNS)
    merged = got.merge(long, on=["region_code", "year", "series"], validate="one_to_one")
    assert len(merged) == len(long) and (merged["number"] == merged["value"]).all()


def test_a_dta_in_the_inbox_loads_with_its_lineage(tmp_path):
    table, _, _ = firm_inbox_table()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "inbox.yml").write_text("shipped: false\n", encoding="utf-8")
    stata_frame(table.head(40)).to_stata(inbox / "上市公司.dta", write_index=False, version=118,
                                               variable_labels=STATA_LABELS)
    result = load_inbox(inbox)
    values = result.city_observations()
    assert len(values) == 40 * len(COLUMNS) and values["source_file"].str.endswith("上市公司.dta").all()
    first = values[(values["source_row"] == 2) & (values["source_column"] == "营业收入(万元)")]
    assert first["parsed_value"].tolist() == [table.loc[0, "营业收入(万元)"]]  # observation 1 is line 2
    report = result.report().set_index("file")
    assert report["rows_read"].tolist() == [40] and report["cells"].tolist() == [40 * len(COLUMNS)]
    assert sorted(result.firm_units["firm_name"].unique())[:1] == [table.loc[0, "证券简称"]]


def test_missing_values_are_empty_cells_and_floats_read_as_stata_shows_them(tmp_path, resolver):
    frame = pd.DataFrame({"province": ["北京市", "天津市", "河北省"], "year": [2021, 2021, 2021],
                          "share": np.array([0.1, np.nan, 2.675], dtype="float32"),
                          "gdp": [40269.6, np.nan, 1e20]})
    frame.to_stata(tmp_path / "p.dta", write_index=False, version=118,
                   variable_labels={"share": "研发强度(%)", "gdp": "地区生产总值(亿元)"})
    parsed = parse_file(tmp_path / "p.dta", "p.dta", resolver)
    cells = _cells(parsed)
    assert parsed.empty_cells == 2  # Stata's . is an empty cell, counted, never 0
    assert cells[cells["indicator"] == "研发强度(%)"]["raw_text"].tolist() == ["0.1", "2.675"]
    assert cells[cells["indicator"] == "研发强度(%)"]["number"].tolist() == [0.1, 2.675]
    assert cells[cells["indicator"] == "地区生产总值(亿元)"]["number"].tolist() == [40269.6, 1e20]
    assert cells["region_code"].tolist() == [11, 11, 13, 13]


def _gbk_as_latin1(text: str) -> str:
    """How pandas (and Stata 13 on a Chinese system) holds GBK text in a format-117 file."""
    return text.encode("gbk").decode("latin-1")


@pytest.mark.parametrize("version", [114, 117])
def test_old_formats_read_their_text_as_gbk(tmp_path, resolver, version):
    frame = pd.DataFrame({"stkcd": [600519, 1], "name": [_gbk_as_latin1("贵州茅台"), _gbk_as_latin1("平安银行")],
                          "prov": pd.Categorical([_gbk_as_latin1("贵州省"), _gbk_as_latin1("广东省")]),
                          "year": [2022, 2022], "rev": [900.5, 120.0]})
    frame.to_stata(tmp_path / "old.dta", write_index=False, version=version,
                   variable_labels={"name": _gbk_as_latin1("证券简称"), "prov": _gbk_as_latin1("省份"),
                                    "rev": _gbk_as_latin1("营业收入(万元)")})
    parsed = parse_file(tmp_path / "old.dta", "old.dta", resolver)
    assert {code: (firm.province_code, firm.name) for code, firm in parsed.firms.items()} == {
        1_000_600_519: (52, "贵州茅台"), 1_000_000_001: (44, "平安银行")}
    assert parsed.indicators == {"营业收入(万元)": "万元"}
    assert _cells(parsed)["number"].tolist() == [900.5, 120.0]


def test_a_year_formatted_as_a_stata_year_reads_as_the_year(tmp_path, resolver):
    frame = pd.DataFrame({"province": ["北京市", "天津市"], "year": pd.to_datetime(["2021-01-01", "2022-01-01"]),
                          "gdp": [40269.6, 16311.3]})
    frame.to_stata(tmp_path / "y.dta", write_index=False, version=118, convert_dates={"year": "ty"},
                   variable_labels={"gdp": "地区生产总值(亿元)"})
    cells = _cells(parse_file(tmp_path / "y.dta", "y.dta", resolver))
    assert cells[["region_code", "year", "number"]].values.tolist() == [[11, 2021, 40269.6], [12, 2022, 16311.3]]


def test_a_date_variable_is_refused_as_a_csv_date_would_be(tmp_path, resolver):
    frame = pd.DataFrame({"province": ["北京市"], "year": [2021],
                          "listed": [pd.Timestamp("2001-08-27")], "gdp": [40269.6]})
    frame.to_stata(tmp_path / "d.dta", write_index=False, version=118, convert_dates={"listed": "td"},
                   variable_labels={"listed": "上市日期"})
    with pytest.raises(DataError, match=r"d.dta, line 2, column '上市日期'.*value '2001-08-27'.*not a number"):
        parse_file(tmp_path / "d.dta", "d.dta", resolver)


def test_a_dta_without_a_unit_column_or_damaged_is_an_error_naming_it(tmp_path, resolver):
    pd.DataFrame({"year": [2021], "gdp": [1.0]}).to_stata(tmp_path / "n.dta", write_index=False, version=118)
    with pytest.raises(DataError, match=r"n.dta, line 1: a Stata file whose variables name no region"):
        parse_file(tmp_path / "n.dta", "n.dta", resolver)
    good = tmp_path / "p.dta"
    pd.DataFrame({"province": ["北京市"], "year": [2021], "gdp": [1.0]}).to_stata(good, write_index=False, version=118)
    Path(tmp_path / "cut.dta").write_bytes(good.read_bytes()[:400])
    with pytest.raises(DataError, match=r"cut.dta: cannot read the Stata file"):
        parse_file(tmp_path / "cut.dta", "cut.dta", resolver)


STATSMODELS_DATA = Path(statsmodels.datasets.macrodata.__file__).parent


def test_a_file_stata_wrote_reads_as_the_csv_shipped_beside_it():
    """statsmodels ships macrodata twice: as Stata saved it (format 114, twelve float variables) and as a
    CSV. Read as Stata shows it, every cell is the CSV's number; the float32 bits as doubles are not."""
    data = (STATSMODELS_DATA / "macrodata.dta").read_bytes()
    assert release(data) == 114
    grid = dta_grid(data, "macrodata.dta", names_a_role)
    csv = pd.read_csv(STATSMODELS_DATA / "macrodata.csv")
    assert grid.rows[0] == list(csv.columns)
    read = np.array([[float(cell) for cell in row] for row in grid.rows[1:]])
    np.testing.assert_array_equal(read, csv.to_numpy(dtype=float))
    bits = pd.read_stata(STATSMODELS_DATA / "macrodata.dta", preserve_dtypes=True).to_numpy(dtype=float)
    assert not np.array_equal(bits, csv.to_numpy(dtype=float))  # what reading the storage would give


def test_a_leap_second_datetime_is_refused_not_read_as_milliseconds(tmp_path):
    """A Stata-written file with a %tC variable (statsmodels' test data): pandas would leave it a number."""
    data = (STATSMODELS_DATA.parent.parent / "iolib/tests/results/time_series_examples.dta").read_bytes()
    with pytest.raises(DataError, match=r"examples.dta: a %tC .*drop it, or format it %tc"):
        dta_grid(data, "examples.dta", names_a_role)


@pytest.mark.parametrize("make_table", [city_inbox_table, county_inbox_table], ids=["cities", "counties"])
def test_city_and_county_tables_in_stata_give_the_csv_cells(tmp_path, resolver, make_table):
    """The README's city and county tables (tests/city_files.py, county_files.py) saved by Stata with
    English role names and the indicators as labelled variables v1, v2 ...: the CSV's cells and lines."""
    table, _ = make_table()
    table.to_csv(tmp_path / "t.csv", index=False, encoding="utf-8")
    roles = {"省份": "province", "城市": "city", "区县": "county", "年份": "year"}
    series = [column for column in table.columns if column not in roles]
    names = roles | {column: f"v{k + 1}" for k, column in enumerate(series)}
    table.rename(columns=names).to_stata(tmp_path / "t.dta", write_index=False, version=118,
                                         variable_labels={names[column]: column for column in series})
    dta, csv = (_cells(parse_file(tmp_path / name, name, resolver)) for name in ("t.dta", "t.csv"))
    assert len(dta) > 1000 and (dta["region_code"] > 100_000).all()  # six-digit city / county codes
    pd.testing.assert_frame_equal(dta.drop(columns="raw_text"), csv.drop(columns="raw_text"))
