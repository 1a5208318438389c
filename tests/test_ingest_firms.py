"""Firm tables read by the loader (models_py.ingest.firms): firm codes to unit codes, each firm's
province, city and name, and the errors that name file, line and the firm. No build."""
from __future__ import annotations

from pathlib import Path

import pytest

from models_py.errors import DataError
from models_py.ingest import load_inbox
from models_py.ingest.firms import FIRST_FIRM_CODE, firm_id, firm_unit_code, is_firm


def _inbox(tmp_path: Path, files: dict[str, str]) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "inbox.yml").write_text("shipped: false\n", encoding="utf-8")
    for name, text in files.items():
        (inbox / name).write_text(text, encoding="utf-8")
    return inbox


def test_firm_codes_become_unit_codes_above_every_administrative_code():
    assert firm_unit_code("600519") == firm_unit_code("600519.SH") == firm_unit_code("６００５１９.sh") == 1_000_600_519
    assert firm_unit_code("000001") == firm_unit_code("1") == firm_unit_code(" 000001.SZ ") == 1_000_000_001
    assert firm_unit_code("99999999") == 1_099_999_999 < 2**31 - 1
    assert firm_id(1_000_000_011) == "000011" and firm_id(1_012_345_678) == "12345678"
    assert is_firm(FIRST_FIRM_CODE + 11) and not is_firm(11) and not is_firm(659004)
    for text in ("91110000100000000X", "123456789", "6005A9", "", "600519.HK"):
        with pytest.raises(DataError, match="not a firm code"):
            firm_unit_code(text, file="f.csv", row=3)


def test_firm_table_loads_its_firms_and_values(tmp_path):
    text = ("证券代码,证券简称,省份,城市,年份,营业收入(万元),员工人数(人)\n"
            "000001,平安银行,广东省,深圳市,2021,100,10\n"
            "1,平安银行,广东,,2022,120,11\n"
            "600519.SH,贵州茅台,贵州省,,2022,900,3\n")
    result = load_inbox(_inbox(tmp_path, {"公司.csv": text}))
    assert result.warehouse_observations().empty  # firm values go where city values go, never to provinces
    values = result.city_observations()
    assert sorted(set(values["region_code"])) == [1_000_000_001, 1_000_600_519]
    assert len(values) == 6 and set(values["source_column"]) == {"营业收入(万元)", "员工人数(人)"}
    firms = result.firm_units.set_index("unit_code")
    assert firms.loc[1_000_000_001, ["firm_id", "firm_name", "province_code", "city_code"]].tolist() == [
        "000001", "平安银行", 44, 440300]  # the city from the row that gives it
    assert firms.loc[1_000_600_519, ["firm_id", "province_code"]].tolist() == ["600519", 52]
    assert firms.loc[1_000_600_519, "city_code"] is None or str(firms.loc[1_000_600_519, "city_code"]) == "<NA>"
    assert firms.loc[1_000_000_001, "source_row"] == 2


def test_firm_table_needs_a_province_column(tmp_path):
    with pytest.raises(DataError, match=r"公司.csv, line 1, column '证券代码'.*province column \(省份\)"):
        load_inbox(_inbox(tmp_path, {"公司.csv": "证券代码,年份,营业收入(万元)\n000001,2021,100\n"}))


def test_a_text_firm_id_is_an_error_naming_file_line_and_value(tmp_path):
    text = "统一社会信用代码,省份,年份,营业收入(万元)\n91110000100000000X,北京,2021,100\n"
    # a credit-code column is not a firm column: the table is then a provincial one, and the code a
    # value that is not a number; the same code under 证券代码 is a firm code error
    with pytest.raises(DataError, match=r"a.csv, line 2, column '统一社会信用代码'.*not a number"):
        load_inbox(_inbox(tmp_path, {"a.csv": text}))
    text = "证券代码,省份,年份,营业收入(万元)\n000001,北京,2021,100\n91110000100000000X,北京,2021,100\n"
    with pytest.raises(DataError, match=r"b.csv, line 3, column '证券代码', value '91110000100000000X'.*not a firm code"):
        load_inbox(_inbox(tmp_path / "b", {"b.csv": text}))


def test_a_firm_in_two_provinces_is_an_error_naming_both_places(tmp_path):
    first = "证券代码,省份,年份,营业收入(万元)\n000001,广东,2021,100\n"
    second = "证券代码,省份,年份,员工人数(人)\n000001,北京,2021,10\n"
    with pytest.raises(DataError, match=r"b.csv, line 2, region '000001'.*firm 000001 has province 44 at "
                                        r".*a.csv line 2 and 11 here"):
        load_inbox(_inbox(tmp_path, {"a.csv": first, "b.csv": second}))
    same_file = "证券代码,证券简称,省份,年份,营业收入(万元)\n000001,平安银行,广东,2021,100\n000001,万科A,广东,2022,100\n"
    with pytest.raises(DataError, match=r"c.csv, line 3.*firm 000001 has name '平安银行'.*'万科A'"):
        load_inbox(_inbox(tmp_path / "c", {"c.csv": same_file}))


def test_a_firm_city_outside_its_province_is_an_error(tmp_path):
    text = "证券代码,省份,城市,年份,营业收入(万元)\n000001,广东,杭州,2021,100\n"
    with pytest.raises(DataError, match=r"line 2, column '城市'.*杭州.*not a prefecture_city of province '广东'"):
        load_inbox(_inbox(tmp_path, {"a.csv": text}))


def test_spatial_weights_name_a_firm_as_having_no_outline():
    from models_py.spatial.outlines import unit_level

    with pytest.raises(DataError, match=r"unit 1000600519 is a firm \(its code 600519\).*provinces and "
                                        r"prefecture-level cities only"):
        unit_level([1_000_600_519, 659004])
