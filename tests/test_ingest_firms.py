"""Firm tables read by the loader (models_py.ingest.firms): stock codes and registration ids to unit
codes, each firm's province, city and name, and the errors that name file, line and the firm. No build
(tests/test_firm_registration_build.py takes registration-id firms through dbt)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from models_py.errors import DataError
from models_py.ingest import load_inbox
from models_py.ingest.firms import (FIRST_FIRM_CODE, FIRST_TEXT_FIRM_CODE, check_character_holds, firm_id,
                                    firm_unit_code, is_firm, is_registration_column, provisional_code,
                                    registration_id)
from tests.firm_files import REGISTRATION_CREDIT as CREDIT
from tests.firm_files import REGISTRATION_ORG as ORG
from tests.firm_files import REGISTRATION_STOCK as STOCK


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
    assert firm_unit_code("99999999") == 1_099_999_999 < FIRST_TEXT_FIRM_CODE < 2**31 - 1
    assert firm_id(1_000_000_011) == "000011" and firm_id(1_012_345_678) == "12345678"
    assert is_firm(FIRST_FIRM_CODE + 11) and not is_firm(11) and not is_firm(659004)
    assert is_firm(FIRST_TEXT_FIRM_CODE) and firm_id(FIRST_TEXT_FIRM_CODE + 4) == "registration id no. 5"
    for text in ("91110000100000000X", "123456789", "6005A9", "", "600519.HK"):
        with pytest.raises(DataError, match="not a firm code.*统一社会信用代码, 组织机构代码 or 法人代码"):
            firm_unit_code(text, file="f.csv", row=3)


def test_registration_ids_are_compared_in_upper_case_without_hyphens_or_spaces():
    assert registration_id("91110000100000000x") == registration_id(" 91110000 100000000X") == "91110000100000000X"
    assert registration_id("10000002-1") == "100000021" and registration_id("１００００００２１") == "100000021"
    for text in ("", "-", "北京某公司", "9111000010000000.X", "A" * 33):
        with pytest.raises(DataError, match="not a registration id"):
            registration_id(text, file="f.csv", row=3)
    assert all(is_registration_column(name) for name in ("统一社会信用代码", "组织机构代码", "法人代码", "Credit_Code"))
    assert not any(is_registration_column(name) for name in ("证券代码", "stkcd", "firm"))
    # provisional codes: negative, from the id alone, distinct for distinct ids
    codes = {provisional_code(f"{n:09d}") for n in range(10_000)}
    assert len(codes) == 10_000 and max(codes) < 0 and provisional_code("A1") == provisional_code("A1")


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


def test_a_firm_no_table_places_in_a_province_is_an_error(tmp_path):
    """A table without 省份 takes each firm's province from another table of the load; a firm none places is an
    error naming it, where it was read, and how many more there are."""
    text = "证券代码,年份,营业收入(万元)\n000001,2021,100\n000002,2021,50\n000003,2021,70\n"
    with pytest.raises(DataError, match=r"公司.csv, line 2, region '000001': firm 000001 has no province.*公司基本信息"
                                        r".*; 2 more firms without one"):
        load_inbox(_inbox(tmp_path / "a", {"公司.csv": text}))
    register = "证券代码,省份\n000001,广东\n000002,北京\n000003,浙江\n"
    result = load_inbox(_inbox(tmp_path / "b", {"公司.csv": text, "register.csv": register}))
    firms = result.firm_units.set_index("firm_id")["province_code"]
    assert firms.to_dict() == {"000001": 44, "000002": 11, "000003": 33} and len(result.city_observations()) == 3


# a CSMAR download (FS_Combas, 资产负债表): field codes, names, units; 统计截止日期 for the year; 报表类型 A;
# no 省份 (the 公司基本信息 table gives it)
CSMAR = ("Stkcd,ShortName,Accper,Typrep,A001000000,F050501B\n"
         "证券代码,证券简称,统计截止日期,报表类型,资产总计,总资产净利润率ROA\n"
         "没有单位,没有单位,没有单位,没有单位,元,没有单位\n"
         "000001,平安银行,2020-12-31,A,4468514000000,0.0065\n"
         "000001,平安银行,2021-12-31,A,4921380000000,0.0072\n")
REGISTER = "证券代码,证券简称,省份\n000001,平安银行,广东\n"


def test_a_csmar_download_loads_as_it_comes(tmp_path):
    result = load_inbox(_inbox(tmp_path, {"FS_Combas.csv": CSMAR, "公司基本信息.csv": REGISTER}))
    values = result.city_observations().set_index(["source_column", "year"])
    assert values["value"].to_dict() == {("资产总计(元)", 2020): 4468514000000.0, ("资产总计(元)", 2021): 4921380000000.0,
                                         ("总资产净利润率ROA(没有单位)", 2020): 0.0065,
                                         ("总资产净利润率ROA(没有单位)", 2021): 0.0072}
    assert values["source_row"].tolist() == [4, 5, 4, 5]  # the lines of the file, after its three header lines
    assert dict(zip(result.user_series["name_zh"], result.user_series["unit"])) == {"资产总计": "元",
                                                                                  "总资产净利润率ROA": "没有单位"}
    assert result.firm_units[["firm_id", "firm_name", "province_code"]].values.tolist() == [["000001", "平安银行", 44]]
    two_lines = "\n".join(line for i, line in enumerate(CSMAR.splitlines()) if i != 2).replace(",资产总计,", ",资产总计(元),").replace(
        "ROA\n", "ROA(没有单位)\n")
    again = load_inbox(_inbox(tmp_path / "two", {"a.csv": two_lines, "b.csv": REGISTER})).city_observations()
    assert sorted(again["value"]) == sorted(values["value"])  # codes and names only: the names are the header


def test_a_csmar_downloads_parent_only_and_within_year_rows_are_left_out_and_counted(tmp_path, capsys, monkeypatch):
    """As a Stata user keeps `Typrep == "A"` and the 12-31 rows: a 报表类型 B row (the parent company alone) and
    rows dated within the year (a balance sheet's 01-01 opening row, a half-year report) are left out, each rule
    counted in the file report (raw.ingest_files skipped_rows / skipped_why) and printed by nqp inbox; the
    values are those of the A rows at 12-31. A statement type neither A nor B is an error naming the cell."""
    from models_py.cli import main

    more = ("000001,平安银行,2021-12-31,B,999,0.9\n000001,平安银行,2021-01-01,A,998,0.8\n"
            "000001,平安银行,2021-06-30,A,997,0.7\n")
    folder = _inbox(tmp_path, {"FS_Combas.csv": CSMAR + more, "b.csv": REGISTER})
    result = load_inbox(folder)
    values = result.city_observations()
    assert sorted(values["value"]) == [0.0065, 0.0072, 4468514000000.0, 4921380000000.0]
    report = result.report().set_index("file").loc[str(folder / "FS_Combas.csv")]
    assert report["rows_read"] == 5 and report["skipped_rows"] == 3
    assert report["skipped_why"] == ("报表类型 B (母公司报表, the parent company alone; the A row is the consolidated one): "
                                     "1; dated within the year (统计截止日期 not 12-31: a quarterly or half-year report, "
                                     "an opening balance): 2")
    monkeypatch.setenv("NQP_INBOX", str(folder))
    assert main(["inbox"]) == 0
    assert f"{folder / 'FS_Combas.csv'}: 3 rows left out: 报表类型 B" in capsys.readouterr().out
    with pytest.raises(DataError, match=r"line 4, column '报表类型'.*value 'C': a statement type neither A"):
        load_inbox(_inbox(tmp_path / "c", {"FS_Combas.csv": CSMAR.replace(",2020-12-31,A,", ",2020-12-31,C,"),
                                           "b.csv": REGISTER}))


def _values(result) -> dict[tuple[int, int, str], float]:
    values = result.city_observations()
    return {(r.region_code, r.year, r.source_column): r.parsed_value for r in values.itertuples()}


def test_registration_ids_number_their_firms_in_sorted_order_beside_stock_codes(tmp_path):
    result = load_inbox(_inbox(tmp_path, {"a.csv": CREDIT, "b.csv": ORG, "c.csv": STOCK}))
    org, beijing, hangzhou = (FIRST_TEXT_FIRM_CODE + rank for rank in range(3))  # 100000021 < 9111… < 9133…
    assert _values(result) == {
        (hangzhou, 2021, "营业收入(万元)"): 100, (beijing, 2021, "营业收入(万元)"): 50,
        (beijing, 2022, "营业收入(万元)"): 60, (org, 2021, "员工人数(人)"): 30, (org, 2022, "员工人数(人)"): 31,
        (1_000_600_519, 2021, "营业收入(万元)"): 900}
    firms = result.firm_units.set_index("unit_code")
    assert firms["firm_id"].to_dict() == {1_000_600_519: "600519", org: "100000021",
                                          beijing: "91110000100000000X", hangzhou: "91330100000000003B"}
    assert firms["province_code"].to_dict() == {1_000_600_519: 52, org: 31, beijing: 11, hangzhou: 33}
    assert firms.loc[hangzhou, ["firm_name", "city_code", "source_row"]].tolist() == ["杭州甲公司", 330100, 2]
    assert firms.loc[hangzhou, "source_file"].endswith("a.csv") and firms.loc[org, "source_file"].endswith("b.csv")
    # the codes follow the ids, not the files: the same tables under other names get the same codes
    renamed = load_inbox(_inbox(tmp_path / "renamed", {"z.csv": CREDIT, "a.csv": ORG, "m.csv": STOCK}))
    assert _values(renamed) == _values(result)


def test_a_bad_registration_id_or_a_text_stock_code_is_an_error_naming_file_line_and_value(tmp_path):
    text = "统一社会信用代码,省份,年份,营业收入(万元)\n91110000100000000X,北京,2021,100\n北京某公司,北京,2022,100\n"
    with pytest.raises(DataError, match=r"a.csv, line 3, column '统一社会信用代码', value '北京某公司'.*"
                                        r"not a registration id"):
        load_inbox(_inbox(tmp_path, {"a.csv": text}))
    text = "证券代码,省份,年份,营业收入(万元)\n000001,北京,2021,100\n91110000100000000X,北京,2021,100\n"
    with pytest.raises(DataError, match=r"b.csv, line 3, column '证券代码', value '91110000100000000X'.*not a firm "
                                        r"code.*goes in a column named 统一社会信用代码"):
        load_inbox(_inbox(tmp_path / "b", {"b.csv": text}))


def test_a_registration_id_in_two_provinces_is_an_error_naming_both_places(tmp_path):
    moved = "法人代码,省份,年份,员工人数(人)\n91110000-100000000X,上海,2021,10\n"
    with pytest.raises(DataError, match=r"b.csv, line 2, region '91110000100000000X': firm 91110000100000000X "
                                        r"has province 11 at .*a.csv line 3 and 31 here"):
        load_inbox(_inbox(tmp_path, {"a.csv": CREDIT, "b.csv": moved}))


def test_a_firm_in_two_provinces_is_an_error_naming_both_places(tmp_path):
    first = "证券代码,省份,年份,营业收入(万元)\n000001,广东,2021,100\n"
    second = "证券代码,省份,年份,员工人数(人)\n000001,北京,2021,10\n"
    with pytest.raises(DataError, match=r"b.csv, line 2, region '000001'.*firm 000001 has province 44 at "
                                        r".*a.csv line 2 and 11 here"):
        load_inbox(_inbox(tmp_path, {"a.csv": first, "b.csv": second}))


def test_a_renamed_firm_is_one_firm_shown_by_its_latest_name_with_each_years_name_a_label(tmp_path):
    """ST, *ST and new short names change a firm's 证券简称 from year to year: one firm, shown by the name of its
    latest year (whatever the order of rows and files), each year's name kept as a label (剔除ST samples read
    it); two names for one firm-year are an error, as for any label; a table without a year names only a firm
    no table with years names."""
    panel = ("证券代码,证券简称,省份,年份,营业收入(万元)\n000002,*ST 某某,广东,2021,90\n000002,某某股份,广东,2019,80\n"
             "000002,ST 某某,广东,2020,85\n")
    info = "证券代码,证券简称,省份,行业代码\n000002,某某控股,广东,K70\n600519,贵州茅台,贵州,C15\n"
    result = load_inbox(_inbox(tmp_path / "a", {"panel.csv": panel, "info.csv": info}))
    firms = result.firm_units.set_index("unit_code")["firm_name"]
    assert firms.to_dict() == {1000000002: "*ST 某某", 1000600519: "贵州茅台"}
    names = result.unit_attributes[result.unit_attributes["attribute"] == "证券简称"].sort_values("year")
    assert names[["unit_code", "year", "value"]].values.tolist() == [
        [1000000002, 2019, "某某股份"], [1000000002, 2020, "ST 某某"], [1000000002, 2021, "*ST 某某"]]
    assert names["source_row"].tolist() == [3, 4, 2]  # each read where it stands
    long = "证券代码,证券简称,省份,年份,指标,数值\n000002,某某,广东,2021,营业收入(万元),1\n000002,某某,广东,2021,研发投入(万元),2\n"
    labels = load_inbox(_inbox(tmp_path / "b", {"long.csv": long})).unit_attributes
    assert len(labels) == 1 and labels.iloc[0]["source_row"] == 2  # one name a firm-year, not one a row
    other = "证券代码,证券简称,省份,年份,员工人数(人)\n000002,某某新名,广东,2021,9\n"
    with pytest.raises(DataError, match=r"two labels for one unit and year: '某某新名' .*other.csv, line 2\) and "
                                        r"'\*ST 某某' .*panel.csv, line 2\)"):
        load_inbox(_inbox(tmp_path / "c", {"panel.csv": panel, "other.csv": other}))


def test_a_firm_city_outside_its_province_is_an_error(tmp_path):
    text = "证券代码,省份,城市,年份,营业收入(万元)\n000001,广东,杭州,2021,100\n"
    with pytest.raises(DataError, match=r"line 2, column '城市'.*杭州.*not a prefecture_city of province '广东'"):
        load_inbox(_inbox(tmp_path, {"a.csv": text}))


def test_spatial_weights_name_a_firm_as_having_no_outline():
    from models_py.spatial.outlines import unit_level

    with pytest.raises(DataError, match=r"unit 1000600519 is a firm \(its code 600519\).*provinces and "
                                        r"prefecture-level cities only"):
        unit_level([1_000_600_519, 659004])


def test_registration_ids_saved_by_stata_give_the_csvs_firms_and_values(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"credit_code": ["91330100000000003B", "91110000100000000x", "91110000 100000000X"],
                          "province": ["浙江", "北京", "北京"], "year": [2021, 2021, 2022],
                          "revenue": [100.0, 50.0, 60.0]})
    inbox = _inbox(tmp_path, {})
    frame.to_stata(inbox / "企业.dta", write_index=False, version=118, variable_labels={"revenue": "营业收入(万元)"})
    stata = load_inbox(inbox)
    text = ("统一社会信用代码,省份,年份,营业收入(万元)\n91330100000000003B,浙江,2021,100\n"
            "91110000100000000x,北京,2021,50\n91110000 100000000X,北京,2022,60\n")
    csv = load_inbox(_inbox(tmp_path / "csv", {"企业.csv": text}))
    assert _values(stata) == _values(csv) and len(_values(stata)) == 3
    assert stata.firm_units["firm_id"].tolist() == csv.firm_units["firm_id"].tolist() == [
        "91110000100000000X", "91330100000000003B"]


def test_nqp_inbox_counts_the_firms_by_kind_of_id(tmp_path, monkeypatch, capsys):
    from models_py.cli import main

    monkeypatch.setenv("NQP_INBOX", str(_inbox(tmp_path, {"a.csv": CREDIT, "b.csv": ORG, "c.csv": STOCK})))
    assert main(["inbox"]) == 0
    out = capsys.readouterr().out
    assert "4 firms (1 by stock code, 3 by registration id) in 4 provinces, 1 placed in a prefecture city" in out


# 工业企业数据库 style: the early years keyed by 法人代码 (organisation codes), the later years by credit
# codes; 100000000 is characters 9-17 of Beijing's credit code in CREDIT, 100000021 (ORG) of none
EARLY = "法人代码,企业名称,省份,年份,营业收入(万元)\n10000000-0,北京乙公司,北京,2013,40\n100000021,,上海,2013,7\n"


def test_an_organisation_code_is_read_as_the_credit_code_containing_it(tmp_path):
    result = load_inbox(_inbox(tmp_path, {"a.csv": CREDIT, "early.csv": EARLY}))
    org, beijing, hangzhou = (FIRST_TEXT_FIRM_CODE + rank for rank in range(3))  # 100000021 < 9111… < 9133…
    assert _values(result) == {
        (beijing, 2013, "营业收入(万元)"): 40, (beijing, 2021, "营业收入(万元)"): 50,
        (beijing, 2022, "营业收入(万元)"): 60, (hangzhou, 2021, "营业收入(万元)"): 100,
        (org, 2013, "营业收入(万元)"): 7}
    firms = result.firm_units.set_index("unit_code")
    assert firms["firm_id"].to_dict() == {org: "100000021", beijing: "91110000100000000X", hangzhou: "91330100000000003B"}
    assert firms["linked_ids"].fillna("").to_dict() == {org: "", beijing: "100000000", hangzhou: ""}
    assert firms.loc[beijing, "province_code"] == 11 and firms.loc[beijing, "firm_name"] == "北京乙公司"
    # the same whichever file comes first
    assert _values(load_inbox(_inbox(tmp_path / "swapped", {"z.csv": CREDIT, "a.csv": EARLY}))) == _values(result)


def test_an_organisation_code_and_its_credit_code_must_agree_on_the_province(tmp_path):
    moved = "组织机构代码,省份,年份,员工人数(人)\n100000000,上海,2013,10\n"
    with pytest.raises(DataError, match=r"b.csv, line 2, region '91110000100000000X': firm 100000000 \(inside "
                                        r"credit code 91110000100000000X\) has province 11 at .*a.csv line 3 and 31"):
        load_inbox(_inbox(tmp_path, {"a.csv": CREDIT, "b.csv": moved}))


def test_an_organisation_code_inside_two_credit_codes_is_an_error_naming_the_three(tmp_path):
    other = "统一社会信用代码,省份,年份,营业收入(万元)\n91310000100000000Y,上海,2021,5\n"
    with pytest.raises(DataError, match=r"organisation code 100000000 is inside credit codes 9111\w+ \(.*a.csv "
                                        r"line 3\) and 9131\w+.*which firm its rows belong to is not known"):
        load_inbox(_inbox(tmp_path, {"a.csv": CREDIT, "b.csv": other, "early.csv": EARLY}))
    # without that organisation code in the load, two credit codes sharing characters 9-17 are two firms
    result = load_inbox(_inbox(tmp_path / "no_org", {"a.csv": CREDIT, "b.csv": other}))
    assert {"91110000100000000X", "91310000100000000Y"} <= set(result.firm_units["firm_id"])
    assert result.firm_units["linked_ids"].isna().all()


def test_nqp_inbox_says_how_many_organisation_codes_it_read_as_credit_codes(tmp_path, monkeypatch, capsys):
    from models_py.cli import main

    monkeypatch.setenv("NQP_INBOX", str(_inbox(tmp_path, {"a.csv": CREDIT, "early.csv": EARLY})))
    assert main(["inbox"]) == 0
    out = capsys.readouterr().out
    assert "3 firms (0 by stock code, 3 by registration id)" in out
    assert "organisation codes read as the credit codes containing them: 1, of 1 firms (raw.firm_units.linked_ids)" in out


def test_check_characters_of_credit_and_organisation_codes():
    """GB 32100-2015's own example, 91350100M000100Y43, holds as a credit code (check character 3) and its
    characters 9-17, M000100Y4, as an organisation code (GB 11714-1997, check character 4)."""
    assert check_character_holds("91350100M000100Y43") is True
    assert check_character_holds("M000100Y4") is True
    for typo in ("91350100M000100Y42", "91350100M000100Y34", "91350100M000010Y43", "M000100Y5", "M001000Y4"):
        assert check_character_holds(typo) is False, typo
    assert check_character_holds("91350100M000100I43") is False  # I is not a credit code character
    assert check_character_holds("600519") is None and check_character_holds("ABC123") is None
    # the organisation-code check of 10 is X, of 11 is 0: every check digit is reached by some body
    checks = {check for body in range(2000) for check in "0123456789X"
              if check_character_holds(f"{body:08d}{check}")}
    assert checks == set("0123456789X")


def test_nqp_inbox_names_the_ids_whose_check_character_fails(tmp_path, monkeypatch, capsys):
    from models_py.cli import main

    good = "统一社会信用代码,省份,年份,营业收入(万元)\n91350100M000100Y43,福建,2021,1\n"
    monkeypatch.setenv("NQP_INBOX", str(_inbox(tmp_path, {"a.csv": CREDIT, "good.csv": good, "early.csv": EARLY})))
    assert main(["inbox"]) == 0
    out = capsys.readouterr().out
    # the made-up ids of CREDIT and EARLY fail, the organisation code joined to Beijing's credit code too;
    # the standard's example does not
    assert ("4 registration ids whose check character does not hold (GB 32100-2015 / GB 11714-1997; a mistyped "
            "id loads as a firm of its own): 100000000, 100000021, 91110000100000000X, 91330100000000003B\n") in out


def test_check_characters_error_stops_the_load_at_the_first_bad_id(tmp_path):
    """inbox.yml `check_characters: error`: the first failing id in id order (the organisation code of
    early.csv, as written there) is named with the file and line it was read at, the others after it;
    the same inbox with only the standard's example loads."""
    good = "统一社会信用代码,省份,年份,营业收入(万元)\n91350100M000100Y43,福建,2021,1\n"
    inbox = _inbox(tmp_path, {"a.csv": CREDIT, "good.csv": good, "early.csv": EARLY})
    (inbox / "inbox.yml").write_text("shipped: false\ncheck_characters: error\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_inbox(inbox)
    error = caught.value
    assert (error.file, error.row, error.region) == (str(inbox / "early.csv"), 2, "100000000"), str(error)
    assert "3 more: 100000021, 91110000100000000X, 91330100000000003B" in str(error)
    assert "check_characters: report" in str(error)
    for name in ("a.csv", "early.csv"):
        (inbox / name).unlink()
    assert load_inbox(inbox).firm_units["firm_id"].tolist() == ["91350100M000100Y43"]


def test_check_characters_takes_report_or_error(tmp_path):
    inbox = _inbox(tmp_path, {})
    (inbox / "inbox.yml").write_text("check_characters: warn\n", encoding="utf-8")
    with pytest.raises(DataError, match="check_characters must be one of report, error") as caught:
        load_inbox(inbox)
    assert caught.value.column == "check_characters" and caught.value.value == "warn"


# A CSMAR 公司基本信息 style table: a listed firm's stock code beside its credit code (000003 has none),
# linking Beijing's credit code of CREDIT (and the organisation code inside it, EARLY) to stock code 000002
LINKS = "证券代码,证券简称,统一社会信用代码,省份\n000002,北京乙股份,91110000100000000X,北京\n000003,丙股份,,浙江\n"
LISTED = "证券代码,省份,年份,研发投入(万元)\n000002,北京,2021,5\n"


def test_a_link_table_reads_registration_ids_as_the_listed_firm(tmp_path):
    """The credit code's rows (CREDIT) and its organisation code's (EARLY) are read as listed firm 000002
    beside its own rows (LISTED): one unit code, the stock code as id, the short name of the link table,
    the registration ids in linked_ids; the firms no link names keep their numbering."""
    result = load_inbox(_inbox(tmp_path, {"a.csv": CREDIT, "early.csv": EARLY, "links.csv": LINKS,
                                          "listed.csv": LISTED}))
    listed, other = FIRST_FIRM_CODE + 2, FIRST_FIRM_CODE + 3
    shanghai, hangzhou = FIRST_TEXT_FIRM_CODE, FIRST_TEXT_FIRM_CODE + 1  # 100000021 < 91330100000000003B
    assert _values(result) == {
        (hangzhou, 2021, "营业收入(万元)"): 100, (listed, 2021, "营业收入(万元)"): 50,
        (listed, 2022, "营业收入(万元)"): 60, (listed, 2013, "营业收入(万元)"): 40,
        (shanghai, 2013, "营业收入(万元)"): 7, (listed, 2021, "研发投入(万元)"): 5}
    firms = result.firm_units.set_index("unit_code")
    assert firms.loc[listed, ["firm_id", "firm_name", "province_code", "linked_ids"]].tolist() == [
        "000002", "北京乙股份", 11, "100000000 91110000100000000X"]
    assert firms.loc[other, ["firm_id", "firm_name", "province_code"]].tolist() == ["000003", "丙股份", 33]
    assert firms.loc[other, "linked_ids"] is pd.NA
    assert firms.loc[hangzhou, "firm_id"] == "91330100000000003B" and firms.loc[shanghai, "firm_id"] == "100000021"
    report = result.report().set_index("file")
    assert report.loc[str(tmp_path / "inbox" / "links.csv"), ["kind", "rows_read", "observations"]].tolist() == [
        "firm_links", 2, 0]


def test_a_link_names_its_registration_id_even_without_rows_of_it(tmp_path):
    """excluded_regions firm:<credit code> and an analyst's join find the listed firm by its credit code."""
    result = load_inbox(_inbox(tmp_path, {"links.csv": LINKS, "listed.csv": LISTED}))
    firms = result.firm_units.set_index("firm_id")
    assert firms.loc["000002", "linked_ids"] == "91110000100000000X"


def test_a_firm_table_with_both_ids_keys_its_rows_by_the_stock_code(tmp_path):
    both = "证券代码,统一社会信用代码,省份,年份,营业收入(万元)\n000002,91110000100000000X,北京,2023,70\n"
    result = load_inbox(_inbox(tmp_path, {"a.csv": CREDIT, "both.csv": both}))
    listed = FIRST_FIRM_CODE + 2
    assert {k: v for k, v in _values(result).items() if k[0] == listed} == {
        (listed, 2021, "营业收入(万元)"): 50, (listed, 2022, "营业收入(万元)"): 60, (listed, 2023, "营业收入(万元)"): 70}


@pytest.mark.parametrize(("files", "message"), [
    ({"links.csv": LINKS, "more.csv": "证券代码,统一社会信用代码,省份\n000004,91110000100000000X,北京\n"},
     r"more.csv, line 2, region '91110000100000000X': registration id 91110000100000000X is linked to stock "
     r"codes 000002 \(.*links.csv line 2\) and 000004: a firm has one stock code"),
    ({"links.csv": LINKS, "more.csv": "证券代码,统一社会信用代码,省份\n000002,91330100000000003B,北京\n"},
     r"more.csv, line 2, region '000002': stock code 000002 is linked to registration ids 91110000100000000X "
     r"\(.*links.csv line 2\) and 91330100000000003B, which are not one firm's"),
    ({"links.csv": LINKS, "a.csv": CREDIT.replace("北京乙公司,北京", "北京乙公司,天津")},
     r"firm 91110000100000000X \(linked to stock code 000002\) has province 11 at .*links.csv line 2 and 12"),
    ({"links.csv": LINKS.replace("统一社会信用代码,省份", "统一社会信用代码,省份,上市日期").replace("北京\n", "北京,2001\n")
      .replace("浙江\n", "浙江,2002\n")},
     r"links.csv, line 1, column '上市日期': a link table .* reads only the ids, 省份, 城市, 证券简称 and label columns"),
    ({"twice.csv": "证券代码,股票代码,省份,年份,x(元)\n1,1,北京,2021,1\n"},
     r"twice.csv, line 1, column '股票代码': two firm id columns of one kind"),
])
def test_links_that_contradict_each_other_or_a_firm_are_errors_naming_both_rows(tmp_path, files, message):
    with pytest.raises(DataError, match=message):
        load_inbox(_inbox(tmp_path, files))


def test_nqp_inbox_says_how_many_registration_ids_it_read_as_listed_firms(tmp_path, monkeypatch, capsys):
    from models_py.cli import main

    monkeypatch.setenv("NQP_INBOX", str(_inbox(tmp_path, {"a.csv": CREDIT, "early.csv": EARLY, "links.csv": LINKS})))
    assert main(["inbox"]) == 0
    out = capsys.readouterr().out
    assert "registration ids read as listed firms: 2, of 1 stock codes (raw.firm_units.linked_ids)" in out
    assert "organisation codes read as the credit codes containing them" not in out


def test_check_characters_error_covers_the_ids_of_a_link_table(tmp_path):
    """A link table's credit code that no other table has rows of is checked too (report mode lists it
    among the firm's linked_ids)."""
    inbox = _inbox(tmp_path, {"links.csv": LINKS})
    (inbox / "inbox.yml").write_text("shipped: false\ncheck_characters: error\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_inbox(inbox)
    assert (caught.value.file, caught.value.row, caught.value.region) == (
        str(inbox / "links.csv"), 2, "91110000100000000X"), str(caught.value)


def test_a_csmar_workbook_with_date_cells_loads_and_a_date_as_a_value_is_an_error(tmp_path):
    """CSMAR's .xlsx keeps 统计截止日期 as date cells: read as 2020-12-31 text, so the date column gives the year
    (and leaves the 01-01 row out, counted); a date cell under a value column is still 'not a number'."""
    import datetime as dt

    from tests.ingest_files import write_xlsx

    rows = [["Stkcd", "Accper", "Typrep", "A001000000"], ["证券代码", "统计截止日期", "报表类型", "资产总计"],
            ["没有单位", "没有单位", "没有单位", "元"], [1, dt.datetime(2020, 12, 31), "A", 4468514000000],
            [1, dt.datetime(2021, 1, 1), "A", 1], [1, dt.date(2021, 12, 31), "A", 4921380000000]]
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "inbox.yml").write_text("shipped: false\n", encoding="utf-8")
    (folder / "r.csv").write_text(REGISTER, encoding="utf-8")
    write_xlsx(folder / "FS_Combas.xlsx", {"Sheet1": rows})
    result = load_inbox(folder)
    values = result.city_observations()
    assert dict(zip(values["year"], values["value"])) == {2020: 4468514000000.0, 2021: 4921380000000.0}
    assert result.report().set_index("file").loc[str(folder / "FS_Combas.xlsx"), "skipped_rows"] == 1
    rows[3][3] = dt.datetime(2020, 5, 6, 7, 8)
    write_xlsx(folder / "FS_Combas.xlsx", {"Sheet1": rows})
    with pytest.raises(DataError, match=r"sheet 'Sheet1', row 4, column '资产总计\(元\)'.*'2020-05-06 07:08:00': "
                                        r"not a number"):
        load_inbox(folder)
