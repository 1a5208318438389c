"""The shipped source `techme` (models_py/ingest/sources/techme.py): spot checks against the yearbook
figures in ../shared/reference-data/real-provincial/README.md, the loader's handling of the files'
known problems, and the observation contract. No build: the reader runs on seeds/shipped/techme."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
import xlrd

from models_py.errors import DataError
from models_py.ingest.loader import OBS_COLUMNS
from models_py.ingest.regions import RegionResolver
from models_py.ingest.seeds import (
    REPO_ROOT,
    load_region_resolver,
    load_series_catalogue,
    load_unit_converter,
    read_reference_csv,
)
from models_py.ingest.sources import techme_firm, techme_rda
from models_py.ingest.sources.located import SkipLog
from models_py.ingest.sources.techme import SOURCE, load
from models_py.ingest.sources.workbooks import decrypt, is_encrypted, read_sheets

FOLDER = REPO_ROOT / "seeds" / "shipped" / "techme"
FIRM = FOLDER / techme_firm.FIRM_DIR
OCR_TYPOS = {"内蒙占": 15, "江两": 36, "两藏": 54, "山两": 14, "四藏": 54, "江四": 36, "浙汀": 33}


@pytest.fixture(scope="module")
def resolver():
    return load_region_resolver()


@pytest.fixture(scope="module")
def techme(resolver):
    return load(FOLDER, resolver, load_unit_converter())


@pytest.fixture(scope="module")
def obs(techme):
    return techme.observations


def value(frame, series, region, year):
    hit = frame[(frame.series == series) & (frame.region_code == region) & (frame.year == year)]
    assert len(hit) == 1, (series, region, year, hit)
    return float(hit.value.iloc[0])


# --- the contract -------------------------------------------------------------------------------

def test_frame_has_the_observation_contract(obs):
    assert list(obs.columns) == OBS_COLUMNS + ["source_id"]
    assert not obs.duplicated(["series", "region_code", "year"]).any()
    assert set(obs.source_id) == set(obs.source_kind) == {"techme"} == {SOURCE.source_id}
    assert set(obs.region_code) == set(read_reference_csv("regions").region_code.astype(int))
    assert obs.value.notna().all() and (obs.value >= 0).all()
    assert (obs.provenance == "real: " + obs.source_file).all()
    for file in obs.source_file.unique():
        assert file.startswith("seeds/shipped/techme/") and (REPO_ROOT / file).is_file(), file
    assert (obs.value == obs.parsed_value * obs.unit_factor).all()


def test_values_are_in_the_catalogue_unit(obs):
    catalogue = load_series_catalogue().set_index("series_code")
    assert (obs.unit == obs.series.map(catalogue.unit)).all()
    factors = obs.groupby("series").agg(source_unit=("source_unit", "unique"),
                                        unit_factor=("unit_factor", "unique"))
    for series in ("rd_expenditure", "technology_market_turnover", "new_product_sales"):
        assert list(factors.loc[series, "source_unit"]) == ["万元"]
        assert list(factors.loc[series, "unit_factor"]) == [1e-4]
    assert list(factors.loc["industrial_rd_expenditure", "unit_factor"]) == [1.0]


def test_series_and_coverage(obs):
    years = obs.groupby("series").year.agg(lambda y: sorted(set(y)))
    assert set(years.index) == {
        "rd_expenditure", "rd_personnel_fte", "patent_applications", "invention_patent_applications",
        "patents_granted", "technology_market_turnover", "high_tech_revenue",
        "industrial_rd_expenditure", "industrial_rd_personnel_fte", "new_product_sales",
        "technical_renovation_expenditure", "tech_introduction_expenditure"}
    assert years["rd_expenditure"] == list(range(2010, 2024))
    assert years["technology_market_turnover"] == [2000, 2005, 2010, *range(2012, 2024)]
    assert years["high_tech_revenue"] == [*range(2010, 2017), *range(2018, 2024)]
    for series in ("industrial_rd_expenditure", "new_product_sales", "tech_introduction_expenditure"):
        assert years[series] == list(range(2018, 2024))


# --- spot checks (published yearbook figures) ------------------------------------------------------

def test_rd_expenditure_2020(techme, obs):
    assert round(value(obs, "rd_expenditure", 11, 2020), 1) == 2326.6
    assert round(value(obs, "rd_expenditure", 44, 2020), 1) == 3479.9
    national = techme.national.set_index(["series", "year"]).value
    assert round(national[("rd_expenditure", 2020)], 1) == 24393.1
    assert round(national[("rd_expenditure", 2023)], 1) == 33357.1
    provinces = obs[(obs.series == "rd_expenditure") & (obs.year == 2020)].value
    assert len(provinces) == 31 and provinces.sum() == pytest.approx(24393.1, abs=0.05)


def test_provinces_sum_to_the_national_row(techme):
    gaps = techme.national_gaps().set_index("series")
    for series in ("rd_expenditure", "rd_personnel_fte", "industrial_rd_expenditure",
                   "industrial_rd_personnel_fte", "new_product_sales", "high_tech_revenue"):
        assert gaps.loc[series, "relative_difference"].abs().max() < 1e-4, series
    # Patents: the national total also counts applicants outside the 31 provinces (< 4 %).
    assert gaps.loc["patents_granted", "relative_difference"].between(-0.04, 0).all()


def test_patent_grants_2020(techme, obs):
    assert value(obs, "patents_granted", 11, 2020) == 162824
    assert value(obs, "patents_granted", 44, 2020) == 709725
    national = techme.national.set_index(["series", "year"]).value
    assert national[("patents_granted", 2020)] == 3520901


def test_technology_market_is_by_seller_2020(techme, obs):
    assert round(value(obs, "technology_market_turnover", 11, 2020), 1) == 6316.2
    national = techme.national.set_index(["series", "year"]).value
    assert round(national[("technology_market_turnover", 2020)], 1) == 28251.5
    rows = obs[obs.series == "technology_market_turnover"]
    assert set(rows.source_file) == {"seeds/shipped/techme/data/MarketPush.rda"}


def test_industrial_tables_spot_values(obs):
    # 2018 workbook, 2020 workbook (decimals), 2023 workbook; values as printed, 万元.
    assert value(obs, "industrial_rd_expenditure", 11, 2018) == 2740103
    assert value(obs, "industrial_rd_expenditure", 11, 2020) == 2974156.5
    assert value(obs, "industrial_rd_expenditure", 11, 2023) == 4410019
    assert value(obs, "new_product_sales", 11, 2023) == pytest.approx(5648.4637)  # 亿元
    assert value(obs, "industrial_rd_personnel_fte", 11, 2019) == 44241  # from the HTML table
    assert value(obs, "tech_introduction_expenditure", 11, 2021) == 94104 + 58200


# --- the files' known problems ---------------------------------------------------------------------

@pytest.mark.parametrize("typo,code", OCR_TYPOS.items())
def test_ocr_typos_are_aliases(resolver, typo, code):
    assert resolver.resolve(typo) == code


def test_ocr_typo_rows_load_as_their_province(obs):
    # 内蒙占 (RDLaborHour 2013), 江两 (RDPatentAccept 2014), 山两 / 两藏 (RDPatentAuthority 2012).
    assert value(obs, "rd_personnel_fte", 15, 2013) == 37280
    assert value(obs, "patent_applications", 36, 2014) == 25594
    assert value(obs, "patents_granted", 14, 2012) == 7196
    assert value(obs, "patents_granted", 54, 2012) == 133


def test_without_the_alias_rows_a_typo_is_an_error():
    aliases = read_reference_csv("region_aliases")
    plain = RegionResolver.from_frame(aliases[~aliases.alias.isin(list(OCR_TYPOS))])
    with pytest.raises(DataError, match="unknown region") as exc:
        load(FOLDER, plain, load_unit_converter())
    assert exc.value.region in OCR_TYPOS and exc.value.file.endswith(".rda")


def test_national_and_region_group_rows_are_skipped_and_counted(techme, obs):
    skipped = techme.skipped.groupby("reason")["count"].sum()
    # 24 firm tables with 东部/中部/西部/东北地区 each; the .rda tables hold no group rows.
    assert skipped["region-group row (not a province)"] == 24 * 4
    national_rows = techme.skipped[techme.skipped.reason.str.startswith("national row")]
    firm = national_rows[national_rows.file.str.contains("part02-firm")]
    assert len(firm) == 24 and (firm["count"] == 1).all()  # one 全国 row per table
    rda = national_rows[national_rows.file.str.endswith(".rda")]["count"].sum()
    assert rda == techme.national.source_file.str.endswith(".rda").sum()
    assert (techme.national.region_code == 0).all() and (obs.region_code != 0).all()
    assert "尔部地区" in techme_firm.REGION_GROUPS


def test_blanks_are_missing_never_zero(techme, obs):
    skipped = techme.skipped.groupby("reason")["count"].sum()
    assert skipped["NA value (missing)"] == 10  # MarketPush: Tibet and early years
    assert skipped["blank cell (missing)"] == 1  # Tibet's 技术改造经费支出 2020
    assert skipped["blank part of a summed cell (missing)"] == 44
    key = obs.set_index(["series", "region_code", "year"]).index
    assert ("technical_renovation_expenditure", 54, 2020) not in key
    assert ("tech_introduction_expenditure", 12, 2022) not in key  # 天津: 消化吸收 blank
    assert ("technology_market_turnover", 54, 2016) not in key
    assert (obs.value > 0).all()


# --- part02-firm: labels, years, the two file forms -----------------------------------------------

def test_every_firm_year_maps_the_same_columns(obs):
    firm = obs[obs.source_file.str.contains("part02-firm")]
    columns = firm.groupby("series").source_column.unique()
    assert set(columns["industrial_rd_expenditure"]) == {"经费内部支出"}
    assert set(columns["industrial_rd_personnel_fte"]) == {"人员折合全时当量"}
    assert set(columns["new_product_sales"]) == {"新产品销售收入"}
    assert set(columns["technical_renovation_expenditure"]) == {"技术改造经费支出"}
    assert set(columns["tech_introduction_expenditure"]) == {
        "引进技术经费支出 + 消化吸收经费支出", "引进境外技术经费支出 + 境外技术消化吸收经费支出"}
    counts = firm.groupby(["series", "year"]).size().unstack()
    assert list(counts.columns) == list(range(2018, 2024))
    assert (counts.drop(index=["tech_introduction_expenditure", "technical_renovation_expenditure"])
            == 31).all().all()
    assert not firm.source_file.str.contains("-all").any()


def test_reordered_columns_are_found_by_label(obs):
    # 技术改造 is the last column up to 2022 and the first in 2023.
    assert value(obs, "technical_renovation_expenditure", 11, 2022) == 96153
    assert value(obs, "technical_renovation_expenditure", 11, 2023) == 92719
    assert value(obs, "tech_introduction_expenditure", 11, 2023) == 109218 + 9


def _parse(path, sheets=None, monkeypatch=None, year=None, topic=None):
    data = path.read_bytes()
    if sheets is not None:
        monkeypatch.setattr(techme_firm, "read_sheets", lambda *_: sheets)
    return techme_firm.parse_firm_table(data, path.name, year, techme_firm.FIRM_TABLES[topic],
                                        load_region_resolver(), SkipLog())


def test_a_missing_label_names_file_sheet_and_column(monkeypatch):
    path = FIRM / "03-spend-inner" / "raw-2021.xls"
    sheets = read_sheets(path.read_bytes(), path.name)
    sheet = next(s for s in sheets if s.name == "1")
    rows = [list(r) for r in sheet.rows]
    assert rows[4][2].startswith("R&D经费\n内部支出")
    rows[4][2] = "R&D经费\n支出合计"
    renamed = [dataclasses.replace(sheet, rows=rows)] + [s for s in sheets if s is not sheet]
    with pytest.raises(DataError, match="no column labelled 经费内部支出") as exc:
        _parse(path, renamed, monkeypatch, 2021, "03-spend-inner")
    message = str(exc.value)
    assert "raw-2021.xls" in message and "sheet '1'" in message and "column '经费内部支出'" in message


def test_a_label_found_twice_is_an_error(monkeypatch):
    path = FIRM / "09-tech-renew" / "raw-2023.xls"
    sheet = next(s for s in read_sheets(path.read_bytes(), path.name) if s.name == "1")
    rows = [list(r) for r in sheet.rows]
    rows[4][3] = rows[4][2]  # two 技术改造经费支出 columns
    with pytest.raises(DataError, match="2 columns labelled 技术改造经费支出"):
        _parse(path, [dataclasses.replace(sheet, rows=rows)], monkeypatch, 2023, "09-tech-renew")


def test_the_stated_unit_is_checked(monkeypatch):
    path = FIRM / "07-new-product" / "raw-2021.xls"
    sheet = next(s for s in read_sheets(path.read_bytes(), path.name) if s.name == "1")
    rows = [list(r) for r in sheet.rows]
    assert rows[2][0] == "单位:万元"
    rows[2][0] = "单位:亿元"
    with pytest.raises(DataError, match="expects '万元'"):
        _parse(path, [dataclasses.replace(sheet, rows=rows)], monkeypatch, 2021, "07-new-product")


def test_encrypted_workbook_decrypts_in_memory():
    path = FIRM / "03-spend-inner" / "raw-2021.xls"
    data = path.read_bytes()
    assert is_encrypted(data)
    with pytest.raises(xlrd.XLRDError, match="encrypted"):
        xlrd.open_workbook(file_contents=data)
    book = xlrd.open_workbook(file_contents=decrypt(data, path.name))
    assert book.sheet_by_name("1").cell_value(7, 2) == "175142461"  # 全国
    assert path.read_bytes() == data  # the file is never rewritten


def test_html_saved_as_xls_reads():
    path = FIRM / "01-employee" / "raw-2019-soshu.xls"
    assert not path.read_bytes().startswith(b"\xd0\xcf\x11\xe0")
    (sheet,) = read_sheets(path.read_bytes(), path.name)
    assert sheet.form == "html" and sheet.name is None
    table = _parse(path, year=2019, topic="01-employee")
    assert table.national["industrial_rd_personnel_fte"].number == 3151828
    assert len(table.values) == 31


def test_html_copy_must_agree_with_the_workbook():
    workbook = FIRM / "09-tech-renew" / "raw-2020.xls"
    html = FIRM / "09-tech-renew" / "raw-2020-soshu.xls"
    columns, resolver = techme_firm.FIRM_TABLES["09-tech-renew"], load_region_resolver()
    table = techme_firm.parse_firm_table(workbook.read_bytes(), workbook.name, 2020, columns,
                                         resolver, SkipLog())
    copy = techme_firm.parse_firm_table(html.read_bytes(), html.name, 2020, columns, resolver, SkipLog())
    techme_firm.check_copy(table, copy)  # agrees to the HTML's integer rounding
    tampered = html.read_bytes().replace(b">494835<", b">494935<")  # 北京 技术改造
    assert tampered != html.read_bytes()
    bad = techme_firm.parse_firm_table(tampered, html.name, 2020, columns, resolver, SkipLog())
    with pytest.raises(DataError, match="two copies of this table disagree") as exc:
        techme_firm.check_copy(table, bad)
    assert exc.value.series == "technical_renovation_expenditure" and exc.value.year == 2020


def test_a_table_for_another_population_or_year_is_refused():
    html = FIRM / "01-employee" / "raw-2019-soshu.xls"
    columns, resolver = techme_firm.FIRM_TABLES["01-employee"], load_region_resolver()
    with pytest.raises(DataError, match="not a by-region table"):
        techme_firm.parse_firm_table(html.read_bytes(), html.name, 2020, columns, resolver, SkipLog())
    other = html.read_bytes().replace("各地区规上工业企业".encode(), "各地区全部企业".encode())
    with pytest.raises(DataError, match="not a by-region table"):
        techme_firm.parse_firm_table(other, html.name, 2019, columns, resolver, SkipLog())


def test_a_missing_province_row_is_an_error():
    html = FIRM / "01-employee" / "raw-2019-soshu.xls"
    text = html.read_bytes().decode()
    start = text.index('<tr><td class="zhibiao">青海')
    cut = text[:start] + text[text.index("<tr>", start + 4):]
    with pytest.raises(DataError, match=r"regions missing from the table: codes \[63\]"):
        techme_firm.parse_firm_table(cut.encode(), html.name, 2019, techme_firm.FIRM_TABLES["01-employee"],
                                     load_region_resolver(), SkipLog())


def test_rd_intense_must_agree_with_rd_activity():
    tables: dict = {}
    resolver = load_region_resolver()
    exact, _ = techme_rda.read_rda_series(FOLDER, techme_rda.RDA_SERIES[0], resolver, SkipLog(),
                                          REPO_ROOT, tables)
    check, _ = techme_rda.read_rda_series(FOLDER, techme_rda.RD_EXPENDITURE_CHECK, resolver, SkipLog(),
                                          REPO_ROOT, tables)
    techme_rda.check_rd_expenditure(exact, check)
    off = [dataclasses.replace(v, number=v.number + 0.2) if (v.region_code, v.year) == (11, 2020) else v
           for v in check]
    with pytest.raises(DataError, match="RDIntense says") as exc:
        techme_rda.check_rd_expenditure(exact, off)
    assert exc.value.year == 2020 and exc.value.region == "北京"


def test_an_unexpected_rda_label_or_unit_is_an_error():
    spec = dataclasses.replace(techme_rda.RDA_SERIES[0], unit="亿元")
    with pytest.raises(DataError, match=r"units \['万元'\], the reader expects '亿元'"):
        techme_rda.read_rda_series(FOLDER, spec, load_region_resolver(), SkipLog(), REPO_ROOT, {})


def test_registry_entry():
    assert SOURCE.folder == "techme" and "MIT" in SOURCE.terms
    frame = SOURCE.read(FOLDER, load_region_resolver(), load_unit_converter())
    assert isinstance(frame, pd.DataFrame) and len(frame) > 3000
