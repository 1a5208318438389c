"""Attribute columns (行业代码, 产权性质 …, or inbox.yml attributes:): labels per unit and year, read beside the
values of a region-year table (models_py/ingest/attributes.py). No build."""
from __future__ import annotations

from pathlib import Path

import pytest

from models_py.errors import DataError
from models_py.ingest import load_inbox
from models_py.ingest.attributes import ATTRIBUTE_COLUMNS, is_attribute_column
from tests.firm_files import REGISTRATION_CREDIT

FIRMS = ("证券代码,证券简称,省份,年份,行业代码,产权性质,上市板块,营业收入(万元)\n"
         "000001,平安银行,广东,2020,J66,非国有,主板,150\n"
         "600519,贵州茅台,贵州,2020, C15 ,国有,—,95\n"
         "600519,贵州茅台,贵州,2021,C15,,主板,100\n")


def _inbox(tmp_path: Path, files: dict[str, str], config: str = "") -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir(parents=True)
    (folder / "inbox.yml").write_text("shipped: false\n" + config, encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


NAMES = ("证券简称", "企业名称")  # a firm's name per year: a label too (tests/test_ingest_firms.py)


def _labels(result) -> list[tuple]:
    """The labels but the firms' names."""
    frame = result.unit_attributes.sort_values(["unit_code", "year", "attribute"])
    frame = frame[~frame["attribute"].isin(NAMES)]
    return [tuple(row) for row in frame[["unit_code", "year", "attribute", "value"]].itertuples(index=False)]


def test_industry_and_ownership_are_labels_and_a_declared_column_too(tmp_path):
    result = load_inbox(_inbox(tmp_path, {"firms.csv": FIRMS}, "attributes:\n  - 上市板块\n"))
    assert _labels(result) == [
        (1000000001, 2020, "上市板块", "主板"), (1000000001, 2020, "产权性质", "非国有"),
        (1000000001, 2020, "行业代码", "J66"),
        (1000600519, 2020, "产权性质", "国有"), (1000600519, 2020, "行业代码", "C15"),  # stripped; '—' is none
        (1000600519, 2021, "上市板块", "主板"), (1000600519, 2021, "行业代码", "C15")]  # empty: no label
    first = result.unit_attributes.set_index(["unit_code", "year", "attribute"]).loc[(1000000001, 2020, "行业代码")]
    assert first["source_file"].endswith("firms.csv") and first["source_row"] == 2
    values = result.city_observations()
    assert len(values) == 3 and set(values["source_column"]) == {"营业收入(万元)"}  # labels are not values
    assert result.report()["cells"].tolist() == [3]


def test_an_undeclared_text_column_is_still_an_error(tmp_path):
    with pytest.raises(DataError, match="not a number") as error:
        load_inbox(_inbox(tmp_path, {"firms.csv": FIRMS}))
    assert "上市板块" in str(error.value) and "line 2" in str(error.value)


def test_the_same_label_twice_is_one_row_and_two_labels_are_an_error(tmp_path):
    industry = "证券代码,省份,年份,行业代码,{}(人)\n000001,广东,2020,{},10\n"  # b.csv: another series
    a, b = industry.format("员工人数", "J66"), industry.format("研发人员", "J66")
    result = load_inbox(_inbox(tmp_path / "same", {"a.csv": a, "b.csv": b}))
    assert _labels(result) == [(1000000001, 2020, "行业代码", "J66")]
    assert result.unit_attributes["source_file"].str.endswith("a.csv").all()  # the first place read
    with pytest.raises(DataError, match="two labels for one unit and year") as error:
        load_inbox(_inbox(tmp_path / "two", {"a.csv": a, "b.csv": industry.format("研发人员", "J67")}))
    message = str(error.value)
    assert "'J66'" in message and "'J67'" in message and "a.csv, line 2" in message and "b.csv, line 2" in message


def test_registration_id_firms_get_their_final_codes(tmp_path):
    credit = REGISTRATION_CREDIT.replace("年份,", "年份,企业性质,").replace(",2021,", ",2021,民营,").replace(
        ",2022,", ",2022,民营,")
    result = load_inbox(_inbox(tmp_path, {"credit.csv": credit}))
    codes = set(result.firm_units["unit_code"])
    assert set(result.unit_attributes["unit_code"]) == codes and len(_labels(result)) == 3
    assert (result.unit_attributes["attribute"] == "企业名称").sum() == 3  # and each firm-year's name
    assert (result.unit_attributes["unit_code"] > 0).all()  # no provisional (negative) code left


def test_a_city_table_reads_a_declared_label(tmp_path):
    text = "城市,年份,城市等级,地区生产总值(亿元)\n石家庄,2020,二线,5800\n唐山,2020,三线,7200\n"
    result = load_inbox(_inbox(tmp_path, {"cities.csv": text}, "attributes: [城市等级]\n"))
    assert _labels(result) == [(130100, 2020, "城市等级", "二线"), (130200, 2020, "城市等级", "三线")]


def test_attribute_names_and_a_bad_declaration():
    assert is_attribute_column("行业代码") and is_attribute_column("Nnindcd") and is_attribute_column(" INDUSTRY ")
    assert not is_attribute_column("营业收入(万元)") and is_attribute_column("城市等级", frozenset({"城市等级"}))
    assert "产权性质" in ATTRIBUTE_COLUMNS


def test_attributes_must_be_a_list_of_headers(tmp_path):
    with pytest.raises(DataError, match="attributes must be a list"):
        load_inbox(_inbox(tmp_path, {"firms.csv": FIRMS}, "attributes: 上市板块\n"))


def test_nqp_inbox_counts_the_labels(tmp_path, monkeypatch, capsys):
    from models_py.cli import main

    monkeypatch.setenv("NQP_INBOX", str(_inbox(tmp_path, {"firms.csv": FIRMS}, "attributes: [上市板块]\n")))
    assert main(["inbox"]) == 0
    out = capsys.readouterr().out
    assert ("labels per unit and year (raw.unit_attributes): 上市板块 (2 units, 1 distinct), "
            "产权性质 (2 units, 2 distinct), 行业代码 (2 units, 2 distinct)") in out


# a CSMAR 公司基本信息 export: one row per firm, no 年份; 行业代码 is today's industry
FIRM_INFO = ("证券代码,证券简称,省份,行业代码,上市板块\n"
             "000001,平安银行,广东,J66,主板\n"
             "600519,贵州茅台,贵州,C15,主板\n"
             "300750,宁德时代,福建,C38,创业板\n")


def test_a_table_without_a_year_gives_labels_without_a_year(tmp_path):
    result = load_inbox(_inbox(tmp_path, {"info.csv": FIRM_INFO}, "attributes: [上市板块]\n"))
    frame = result.unit_attributes
    assert frame["year"].isna().all() and str(frame["year"].dtype) == "Int32"
    assert sorted(zip(frame["unit_code"], frame["attribute"], frame["value"])) == [
        (1000000001, "上市板块", "主板"), (1000000001, "行业代码", "J66"), (1000300750, "上市板块", "创业板"),
        (1000300750, "行业代码", "C38"), (1000600519, "上市板块", "主板"), (1000600519, "行业代码", "C15")]
    row = frame.set_index(["unit_code", "attribute"]).loc[(1000300750, "行业代码")]
    assert row["source_file"].endswith("info.csv") and row["source_row"] == 4 and row["source_column"] == "行业代码"
    assert set(result.firm_units["unit_code"]) == {1000000001, 1000600519, 1000300750}  # the firms, with names
    assert len(result.city_observations()) == 0 and result.report()["cells"].tolist() == [0]


def test_labels_of_a_year_beside_labels_without_one(tmp_path):
    """The panel's 2020 industry of 000001 differs from the info table's: both are kept (the mart keeps the
    year's), and yearless_overridden / yearless_summary name the unit-year."""
    from models_py.ingest.attributes import yearless_overridden, yearless_summary

    panel = "证券代码,省份,年份,行业代码,营业收入(万元)\n000001,广东,2020,J67,150\n000001,广东,2021,J66,160\n"
    result = load_inbox(_inbox(tmp_path, {"info.csv": FIRM_INFO, "panel.csv": panel}, "attributes: [上市板块]\n"))
    industry = result.unit_attributes[(result.unit_attributes["unit_code"] == 1000000001)
                                      & (result.unit_attributes["attribute"] == "行业代码")]
    assert sorted(industry["year"].fillna(0).astype(int).tolist()) == [0, 2020, 2021]
    differ = yearless_overridden(result.unit_attributes)
    assert differ[["unit_code", "year", "attribute", "value", "yearless_value"]].values.tolist() == [
        [1000000001, 2020, "行业代码", "J67", "J66"]]
    summary = yearless_summary(result.unit_attributes)
    assert summary.startswith("labels read without a year (tables without 年份): 6 of 3 units;")
    assert "1 unit-years have a label of their own year that differs from it, which they keep: " \
           "1000000001 2020 行业代码 'J67' (without a year 'J66')" in summary
    assert yearless_summary(load_inbox(_inbox(tmp_path / "dated", {"firms.csv": FIRMS},
                                              "attributes: [上市板块]\n")).unit_attributes) is None


def test_two_labels_without_a_year_are_an_error(tmp_path):
    other = "证券代码,省份,行业代码\n000001,广东,J67\n"
    with pytest.raises(DataError, match=r"two labels for one unit and no year \(tables without a year\)") as error:
        load_inbox(_inbox(tmp_path, {"a.csv": FIRM_INFO, "b.csv": other}, "attributes: [上市板块]\n"))
    assert "'J66'" in str(error.value) and "'J67'" in str(error.value) and "b.csv, line 2" in str(error.value)


def test_a_table_without_a_year_reads_only_label_columns(tmp_path):
    with pytest.raises(DataError, match="a table without a year reads only label columns") as error:
        load_inbox(_inbox(tmp_path, {"info.csv": FIRM_INFO}))  # 上市板块 not declared
    assert "上市板块" in str(error.value)
    with_number = "城市,城市等级,地区生产总值(亿元)\n石家庄,二线,5800\n"
    with pytest.raises(DataError, match="a table without a year reads only label columns") as error:
        load_inbox(_inbox(tmp_path / "city", {"cities.csv": with_number}, "attributes: [城市等级]\n"))
    assert "地区生产总值(亿元)" in str(error.value)


def test_a_link_table_reads_its_label_columns_too(tmp_path):
    """证券代码 + 统一社会信用代码 + 行业代码, no year: the ids linked and the industry read without a year; another
    column is an error that names it."""
    links = "证券代码,统一社会信用代码,省份,行业代码\n600519,91520000214434146R,贵州,C15\n"
    result = load_inbox(_inbox(tmp_path, {"links.csv": links}))
    assert result.unit_attributes[["unit_code", "attribute", "value"]].values.tolist() == [
        [1000600519, "行业代码", "C15"]] and result.unit_attributes["year"].isna().all()
    assert result.firm_units["linked_ids"].tolist() == ["91520000214434146R"]
    with pytest.raises(DataError, match="a link table .* reads only the ids") as error:
        load_inbox(_inbox(tmp_path / "bad", {"links.csv": links.replace("行业代码", "注册资本(万元)")}))
    assert "注册资本(万元)" in str(error.value)


def test_a_city_table_without_a_year_gives_a_declared_label(tmp_path):
    text = "城市,省份,城市等级\n石家庄,河北,二线\n朝阳,辽宁,五线\n"
    result = load_inbox(_inbox(tmp_path, {"tiers.xlsx.csv": text}, "attributes: [城市等级]\n"))
    assert sorted(zip(result.unit_attributes["unit_code"], result.unit_attributes["value"])) == [
        (130100, "二线"), (211300, "五线")]


def test_nqp_inbox_states_the_rule_for_labels_without_a_year(tmp_path, monkeypatch, capsys):
    from models_py.cli import main

    monkeypatch.setenv("NQP_INBOX", str(_inbox(tmp_path, {"info.csv": FIRM_INFO}, "attributes: [上市板块]\n")))
    assert main(["inbox"]) == 0
    out = capsys.readouterr().out
    assert ("labels read without a year (tables without 年份): 6 of 3 units; the unit_attributes mart gives each "
            "to every year the unit has values in and no label of that year names") in out
