"""Firms keyed by registration ids through dbt: the loader's raw.firm_units and raw.city_observations
for the enterprise tables of tests/firm_files.py (credit codes, organisation codes, a listed firm),
written into a copy of the built warehouse (with raw.user_series: the tables' columns are user series),
and stg_firm__units, int_units and int_city_series_values built on them with every test those models
declare (unit code range, unique ids, provinces and parents that exist, series in the catalogue).
An organisation code in an earlier year is read as the credit code containing it (one firm), and a link
table gives the listed firm a credit code.
Then a firm index system declared in the copy's seeds leaves a firm out by its id
(excluded_regions firm:<id>), and a word of excluded_regions that names nothing stops the build."""
from __future__ import annotations

import csv
import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import pytest

from models_py.ingest import load_inbox
from models_py.ingest.firms import FIRST_TEXT_FIRM_CODE
from models_py.warehouse import replace_table
from tests.firm_files import REGISTRATION_CREDIT, REGISTRATION_ORG, REGISTRATION_STOCK
from tests.project_copy import copy_dbt_project, dbt_on_copy

pytestmark = pytest.mark.build

# the firms' models, and the user series their unmapped columns become (营业收入(万元) and 员工人数(人)
# are not in the catalogue; stg_city__observations' series must be in int_series_catalogue)
MODELS = ["stg_firm__units", "stg_city__observations", "int_units", "int_city_series_values",
          "stg_ingest__user_series", "int_series_catalogue"]
ORG, BEIJING, HANGZHOU = FIRST_TEXT_FIRM_CODE, FIRST_TEXT_FIRM_CODE + 1, FIRST_TEXT_FIRM_CODE + 2
SYSTEM = "registration_firms"
# the Beijing firm's organisation code (characters 9-17 of its credit code) in an earlier year: one firm
EARLY_BEIJING = "法人代码,省份,年份,员工人数(人)\n10000000-0,北京,2020,12\n"
# a link table: the listed firm's credit code (no table has rows of it), read as that firm's id too
LISTED_CREDIT = "91520000MA0000001X"
LINK = f"证券代码,证券简称,统一社会信用代码,省份\n600519,贵州茅台,{LISTED_CREDIT},贵州\n"


@dataclass
class FirmCopy:
    root: Path
    warehouse: Path
    dbt: Callable
    built: object  # the dbt build of MODELS
    revenue_series: str  # the user series code of 营业收入(万元)


@pytest.fixture(scope="module")
def firm_copy(built_warehouse, tmp_path_factory) -> FirmCopy:
    root = tmp_path_factory.mktemp("registration_project")
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "inbox.yml").write_text("shipped: false\n", encoding="utf-8")
    for name, text in (("企业.csv", REGISTRATION_CREDIT), ("机构.csv", REGISTRATION_ORG), ("上市.csv", REGISTRATION_STOCK),
                       ("早年.csv", EARLY_BEIJING), ("公司信息.csv", LINK)):
        (inbox / name).write_text(text, encoding="utf-8")
    loaded = load_inbox(inbox)
    copy_dbt_project(root)
    dbt, warehouse = dbt_on_copy(root, built_warehouse)
    with duckdb.connect(str(warehouse)) as connection:
        replace_table(connection, "raw", "city_observations", loaded.city_observations())
        replace_table(connection, "raw", "firm_units", loaded.firm_units)
        replace_table(connection, "raw", "user_series", loaded.user_series)
    built = dbt("build", "--select", *MODELS)
    revenue = loaded.user_series.set_index("indicator_text").loc["营业收入(万元)", "series_code"]
    return FirmCopy(root, warehouse, dbt, built, revenue)


def test_registration_id_firms_build_with_their_tests(firm_copy):
    built, warehouse = firm_copy.built, firm_copy.warehouse
    assert built.returncode == 0, built.stdout[-4000:]
    assert re.search(r"PASS=\d+ WARN=0 ERROR=0", built.stdout), built.stdout[-2000:]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        units = connection.execute(
            "select unit_code, firm_id, level, province_code, parent_code, region3 from intermediate.int_units "
            "where level = 'firm' order by unit_code").fetchall()
        values = connection.execute(
            "select region_code, year, value from intermediate.int_city_series_values "
            "where region_code >= 1000000000 order by region_code, year").fetchall()
        linked = connection.execute("select unit_code, linked_ids from staging.stg_firm__units "
                                    "where linked_ids is not null order by unit_code").fetchall()
        linked_units = connection.execute("select unit_code, linked_ids from intermediate.int_units "
                                          "where linked_ids is not null order by unit_code").fetchall()
    assert units == [(1_000_600_519, "600519", "firm", 52, 52, "west"),
                     (ORG, "100000021", "firm", 31, 31, "east"),
                     (BEIJING, "91110000100000000X", "firm", 11, 11, "east"),
                     (HANGZHOU, "91330100000000003B", "firm", 33, 330100, "east")]
    assert [(code, year) for code, year, _ in values] == [
        (1_000_600_519, 2021), (ORG, 2021), (ORG, 2022), (BEIJING, 2020), (BEIJING, 2021), (BEIJING, 2022),
        (HANGZHOU, 2021)]
    assert linked == linked_units == [(1_000_600_519, LISTED_CREDIT), (BEIJING, "100000000")]


def _declare_system(firm_copy: FirmCopy, excluded: str) -> subprocess.CompletedProcess:
    """Add SYSTEM (unit_level firm, 2021, revenue as a level) to the copy's index seeds and load them."""
    seeds = firm_copy.root / "seeds" / "reference"
    _append_row(seeds / "index_systems.csv", {
        "system": SYSTEM, "name_zh": "企业测试指数", "name_en": "Registration-id firms", "method": "entropy",
        "shift": "0", "score_weighting": "pooled", "year_from": "2021", "year_to": "2021",
        "excluded_regions": excluded, "description": "Test system on registration-id firms.",
        "missing_rule": "complete_cases", "unit_level": "firm"})
    _append_row(seeds / "index_indicators.csv", {
        "system": SYSTEM, "dimension": "scale", "dimension_zh": "规模", "sub_dimension": "revenue",
        "sub_dimension_zh": "营收", "indicator": "firm_revenue_level", "indicator_zh": "营业收入",
        "direction": "positive", "numerator": firm_copy.revenue_series, "scale": "1", "unit": "万元",
        "derivation": "level"})
    return firm_copy.dbt("seed", "--select", "index_systems", "index_indicators", "--full-refresh")


def _append_row(path: Path, row: dict) -> None:
    rows = [r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))) if r["system"] != SYSTEM]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows + [{key: row.get(key, "") for key in rows[0]}])
    path.write_text(out.getvalue(), encoding="utf-8")


def _sample_without(firm_copy: FirmCopy, excluded: str) -> list[tuple]:
    """SYSTEM's 2021 sample (firm, revenue) with `excluded` as its excluded_regions."""
    seeded = _declare_system(firm_copy, excluded)
    assert seeded.returncode == 0, seeded.stdout[-3000:]
    ran = firm_copy.dbt("run", "--select", "int_index_indicator_values")
    assert ran.returncode == 0, ran.stdout[-3000:]
    with duckdb.connect(str(firm_copy.warehouse), read_only=True) as connection:
        return connection.execute(
            "select region_code, value from intermediate.int_index_indicator_values where system = ? "
            "order by region_code", [SYSTEM]).fetchall()


def test_excluded_regions_leave_a_firm_out_by_its_id(firm_copy):
    # the firms with values in 2021 but the Beijing firm; the organisation-code firm has no revenue
    sample = _sample_without(firm_copy, "firm:91110000100000000X")
    assert sample == [(1_000_600_519, 900.0), (ORG, None), (HANGZHOU, 100.0)]
    # the Beijing firm by the organisation code read as its credit code (EARLY_BEIJING) leaves the same out
    assert _sample_without(firm_copy, "firm:100000000") == sample
    # the listed firm by the credit code a link table gives it
    assert _sample_without(firm_copy, f"firm:{LISTED_CREDIT}") == [(ORG, None), (BEIJING, 50.0), (HANGZHOU, 100.0)]


def test_a_word_of_excluded_regions_naming_nothing_stops_the_build(firm_copy):
    seeded = _declare_system(firm_copy, "firm:91110000100000000X 54 firm:NOSUCHFIRM 999999")
    assert seeded.returncode == 0, seeded.stdout[-3000:]
    ran = firm_copy.dbt("run", "--select", "int_index_indicator_values")
    assert ran.returncode != 0
    assert (f"index system {SYSTEM}: excluded_regions names 999999 (and 1 more), which is not a province, a unit "
            "of level firm, a prefecture city of a county or firm system or firm:<id> of a firm system") in ran.stdout
