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


def _labels(result) -> list[tuple]:
    frame = result.unit_attributes.sort_values(["unit_code", "year", "attribute"])
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
    assert set(result.unit_attributes["unit_code"]) == codes and len(result.unit_attributes) == 3
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
