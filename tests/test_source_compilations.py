"""The compiled real sources: regional_disparity (1949-2022 yearbook compilation) and energy_panel.

Fast (no build): each reader on the shipped copies, checked against published figures, against an
independent pandas / openpyxl reading of the same files, and on malformed temporary copies.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from models_py.errors import DataError
from models_py.ingest.loader import OBS_COLUMNS
from models_py.ingest.seeds import REPO_ROOT, load_region_resolver, load_unit_converter
from models_py.ingest.sources import energy_panel, regional_disparity

SHIPPED = REPO_ROOT / "seeds" / "shipped"
RD_DIR, EP_DIR = SHIPPED / "regional-disparity", SHIPPED / "energy-panel"
# The gathered upstream copies (../shared next to the repository; another place via the variable).
UPSTREAM = Path(os.environ.get("NQP_REAL_PROVINCIAL",
                               REPO_ROOT.parent / "shared" / "reference-data" / "real-provincial"))
CO2 = "Total apparent CO2 emissions (mt)"
KEY = ["region_code", "year", "series"]
# The upstream workbooks have no default style; openpyxl says so when the tests write copies.
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")


@pytest.fixture(scope="module")
def resolver():
    return load_region_resolver()


@pytest.fixture(scope="module")
def converter():
    return load_unit_converter()


@pytest.fixture(scope="module")
def rd(resolver, converter):
    return regional_disparity.read(RD_DIR, resolver, converter)


@pytest.fixture(scope="module")
def ep(resolver, converter):
    return energy_panel.read(EP_DIR, resolver, converter)


def value(frame, region, year, series):
    hit = frame[(frame.region_code == region) & (frame.year == year) & (frame.series == series)]
    assert len(hit) == 1, f"{series} {region} {year}: {len(hit)} rows"
    return hit.iloc[0]


def counts(frame, name):
    return next(c for c in frame.attrs["files"] if c["file"].endswith(name))


# --- published figures --------------------------------------------------------------------------

def test_beijing_gdp_2020_is_the_published_figure(rd):
    row = value(rd, 11, 2020, "gdp")
    assert row.value == pytest.approx(36102.6)
    assert (row.source_file, row.source_sheet, row.source_row) == (
        "seeds/shipped/regional-disparity/prov_1.xlsx", "Sheet0", 3)
    assert row.raw_text == "36102.6" and row.unit == "亿元"


def test_guangdong_population_2020_is_the_published_figure(rd):
    assert value(rd, 44, 2020, "population").value == pytest.approx(12624)


def test_budget_expenditure_converted_from_wan_yuan_through_the_unit_seed(rd):
    row = value(rd, 11, 2020, "budget_expenditure")
    assert row.raw_text == "71161800" and row.source_unit == "万元" and row.unit == "亿元"
    assert row.unit_factor == pytest.approx(1e-4)
    assert row.value == pytest.approx(7116.18)


def test_so2_provincial_sums_match_the_readme_and_the_national_totals(ep):
    so2 = ep[ep.series == "so2_emissions"].groupby("year")["value"].sum()
    national = {2000: 1995, 2010: 2185, 2015: 1859}
    for year, provincial in {2000: 1945.36, 2010: 2177.80, 2015: 1856.43}.items():
        assert so2[year] == pytest.approx(provincial, abs=0.01)
        assert abs(so2[year] / national[year] - 1) < 0.03  # in 万吨, not 吨 or 亿吨
    assert set(ep.loc[ep.series == "so2_emissions", "unit"]) == {"万吨"}
    assert set(ep.loc[ep.series == "energy_consumption", "unit"]) == {"万吨标准煤"}


# --- the contract frame -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["rd", "ep"])
def test_frame_has_the_contract_columns_and_one_value_per_key(name, request):
    frame = request.getfixturevalue(name)
    source_id = {"rd": "regional_disparity", "ep": "energy_panel"}[name]
    assert list(frame.columns) == OBS_COLUMNS + ["source_id"]
    assert not frame.duplicated(KEY).any()
    assert set(frame.source_id) == set(frame.source_kind) == {source_id}
    assert frame.provenance.eq("real: " + frame.source_file).all()
    assert frame.source_file.str.startswith("seeds/shipped/").all()
    assert frame.value.notna().all() and (frame.value > 0).all()
    assert (frame.value == frame.parsed_value * frame.unit_factor).all()
    assert set(frame.region_code) <= set(range(11, 66))


def test_regional_disparity_series_and_years(rd):
    years = rd.groupby("series")["year"].agg(["min", "max"])
    assert years.loc["gdp"].tolist() == [2000, 2022]
    assert years.loc["population"].tolist() == [2000, 2022]  # mixed definitions before 2005, as printed
    assert years.loc["fixed_asset_investment"].tolist() == [2000, 2017]  # no NBS level after
    assert set(rd.series) == {"gdp", "va_primary", "va_secondary", "va_tertiary", "population",
                              "budget_expenditure", "fixed_asset_investment"}
    guangdong_2000 = rd[(rd.region_code == 44) & (rd.year == 2000) & (rd.series == "population")]
    assert guangdong_2000["value"].tolist() == [7707]  # registered total as the yearbook printed it


# --- blanks, excluded cells, consistency ---------------------------------------------------------

def _sheet_cells(path: Path) -> pd.DataFrame:
    """Independent reading: one row per (region name, year, indicator, text) of a workbook."""
    rows = list(openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
    years = pd.Series(rows[0][1:]).ffill().str.slice(0, 4).astype(int)
    out = [(r[0], years[j], rows[1][j + 1], "" if v is None else str(v).strip())
           for r in rows[2:] for j, v in enumerate(r[1:])]
    return pd.DataFrame(out, columns=["name", "year", "indicator", "text"])


def test_regional_disparity_blanks_are_counted_not_loaded_as_zero(rd):
    cells = _sheet_cells(RD_DIR / "prov_6.xlsx")
    window = ((cells.indicator == "财政支出(万元)") & cells.year.between(2000, 2022)) | (
        (cells.indicator == "固定资产投资额(万元)") & cells.year.between(2000, 2017))
    report = counts(rd, "prov_6.xlsx")
    assert report["placeholder_cells"] == (window & (cells.text == "--")).sum() > 0
    assert report["empty_cells"] == (window & (cells.text == "")).sum()
    assert (report["cells"] + report["placeholder_cells"] + report["empty_cells"]
            + len(report["known_errors"])) == window.sum()
    assert rd[(rd.region_code == 11) & (rd.year == 2019) & (rd.series == "budget_expenditure")].empty
    assert report["observations"] == (rd.source_file.str.endswith("prov_6.xlsx")).sum()


def test_regional_disparity_known_errors_are_left_out_and_listed(rd):
    report = counts(rd, "prov_6.xlsx")
    assert len(report["known_errors"]) == len(regional_disparity.KNOWN_ERRORS)
    assert rd[(rd.region_code == 63) & (rd.year == 2000) & (rd.series == "fixed_asset_investment")].empty
    assert value(rd, 63, 2001, "fixed_asset_investment").value == pytest.approx(178.03)


def test_value_added_loaded_only_where_it_adds_up_to_the_files_gdp(rd):
    wide = rd.pivot_table(index=["region_code", "year"], columns="series", values="value")
    sectors = wide[["va_primary", "va_secondary", "va_tertiary"]].dropna()
    gap = sectors.sum(axis=1) / wide.loc[sectors.index, "gdp"] - 1
    assert (gap.abs() <= regional_disparity.VA_SUM_TOLERANCE).all()
    # Guangdong 2018: sector columns hold other quantities (1,071 / 2,300 / 54,710 vs GDP 99,945)
    assert (44, 2018) not in sectors.index and (44, 2019) in sectors.index
    report = counts(rd, "prov_3.xlsx")
    assert len(report["inconsistent"]) * 3 + report["observations"] == report["cells"]
    assert any(line.startswith("44 2018") for line in report["inconsistent"])


def test_energy_panel_blanks_are_counted_not_loaded(ep):
    raw = pd.read_csv(EP_DIR / "raw_data.csv", encoding="utf-8-sig")
    recent = raw[raw.Year >= energy_panel.FIRST_YEAR]
    columns = ["Total energy consumption", "SO2 emissions"]
    report = counts(ep, "raw_data.csv")
    assert report["empty_cells"] == int(recent[columns].isna().sum().sum()) > 0
    assert report["cells"] + len(report["known_errors"]) == int(recent[columns].notna().sum().sum())
    assert report["rows_read"] == len(raw) and report["national_rows"] == report["group_rows"] == 0
    # Tibet: SO2 every year, energy consumption only where the panel has it (2017)
    tibet = ep[(ep.region_code == 54) & (ep.series == "energy_consumption")]
    assert tibet.year.tolist() == [2017]
    assert ep[(ep.region_code == 64) & (ep.year == 2020) & (ep.series == "energy_consumption")].empty


# --- malformed copies ---------------------------------------------------------------------------

def test_unknown_province_in_a_workbook_names_file_row_and_region(tmp_path, resolver, converter):
    copy = tmp_path / "regional-disparity"
    shutil.copytree(RD_DIR, copy)
    book = openpyxl.load_workbook(copy / "prov_4.xlsx")
    book.worksheets[0]["A10"] = "Gotham"
    book.save(copy / "prov_4.xlsx")
    with pytest.raises(DataError) as caught:
        regional_disparity.read(copy, resolver, converter)
    error = caught.value
    assert error.file.endswith("prov_4.xlsx") and error.row == 10 and error.region == "Gotham"
    assert "prov_4.xlsx" in str(error) and "row 10" in str(error) and "Gotham" in str(error)


def test_text_in_a_number_cell_names_file_row_column_region_and_year(tmp_path, resolver, converter):
    copy = tmp_path / "regional-disparity"
    shutil.copytree(RD_DIR, copy)
    book = openpyxl.load_workbook(copy / "prov_1.xlsx")
    sheet = book.worksheets[0]
    column = next(c for c in range(2, sheet.max_column + 1, 2) if sheet.cell(1, c).value == "2010年")
    sheet.cell(5, column).value = "约8000"
    book.save(copy / "prov_1.xlsx")
    with pytest.raises(DataError, match="not a number") as caught:
        regional_disparity.read(copy, resolver, converter)
    assert (caught.value.row, caught.value.region, caught.value.year) == (5, "河北省", 2010)


def _edit_csv(tmp_path: Path, edit) -> Path:
    copy = tmp_path / "energy-panel"
    shutil.copytree(EP_DIR, copy)
    path = copy / "raw_data.csv"
    original = path.read_bytes()
    edited = edit(original)
    assert edited != original, "the edit did not apply: the test would prove nothing"
    path.write_bytes(edited)
    return copy


def test_unknown_province_in_the_csv_names_file_line_and_region(tmp_path, resolver, converter):
    copy = _edit_csv(tmp_path, lambda b: b.replace("辽宁省,1990".encode(), "Gotham,1990".encode(), 1))
    with pytest.raises(DataError) as caught:
        energy_panel.read(copy, resolver, converter)
    error = caught.value
    assert error.file.endswith("raw_data.csv") and error.row == 3 and error.region == "Gotham"
    assert "line 3" in str(error)


def test_national_and_group_rows_are_skipped_and_counted(tmp_path, resolver, converter, ep):
    lines = "".join(",".join([name, "2010", name] + ["1"] * 13) + "\r\n" for name in ("全国", "东部地区"))
    copy = _edit_csv(tmp_path, lambda b: b + lines.encode())
    frame = energy_panel.read(copy, resolver, converter)
    report = counts(frame, "raw_data.csv")
    assert (report["national_rows"], report["group_rows"], report["rows_read"]) == (1, 1, 1118)
    assert len(frame) == len(ep)


def test_a_fixed_upstream_error_makes_the_declared_exclusion_stale(tmp_path, resolver, converter):
    copy = _edit_csv(tmp_path, lambda b: b.replace(b",7.16,,0.79\r\n", b",7.16,,7900.0\r\n"))
    with pytest.raises(DataError, match="no longer matches"):
        energy_panel.read(copy, resolver, converter)


def test_a_changed_layout_is_an_error(tmp_path, resolver, converter):
    copy = _edit_csv(tmp_path, lambda b: b.replace(b"SO2 emissions", b"SO2 emissions (t)", 1))
    with pytest.raises(DataError, match="unknown columns"):
        energy_panel.read(copy, resolver, converter)


# --- what is shipped ----------------------------------------------------------------------------

def test_shipped_energy_panel_has_no_co2_column():
    data = (EP_DIR / "raw_data.csv").read_bytes()
    assert b"CO2" not in data and b"CEADs" not in data
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert CO2 not in header and "Total energy consumption" in header


@pytest.mark.skipif(not (UPSTREAM / "energy-panel").is_dir(), reason=f"upstream copies not at {UPSTREAM}")
def test_shipped_energy_panel_is_upstream_minus_the_co2_column():
    upstream = (UPSTREAM / "energy-panel" / "raw_data.csv").read_bytes()
    shipped = (EP_DIR / "raw_data.csv").read_bytes()
    assert shipped.startswith(b"\xef\xbb\xbf") == upstream.startswith(b"\xef\xbb\xbf")
    assert shipped.count(b"\r\n") == upstream.count(b"\r\n") and shipped.count(b"\n") == upstream.count(b"\n")
    up_rows = list(csv.reader(io.StringIO(upstream.decode("utf-8-sig"), newline="")))
    ship_rows = list(csv.reader(io.StringIO(shipped.decode("utf-8-sig"), newline="")))
    drop = up_rows[0].index(CO2)
    assert ship_rows == [row[:drop] + row[drop + 1:] for row in up_rows]
    for name in ("variable_dictionary.csv", "README.md"):
        assert (EP_DIR / name).read_bytes() == (UPSTREAM / "energy-panel" / name).read_bytes()


@pytest.mark.skipif(not (UPSTREAM / "regional-disparity").is_dir(), reason=f"upstream copies not at {UPSTREAM}")
def test_shipped_regional_disparity_workbooks_are_unchanged():
    for name in regional_disparity.COLUMNS:
        assert (RD_DIR / name).read_bytes() == (UPSTREAM / "regional-disparity" / name).read_bytes()
