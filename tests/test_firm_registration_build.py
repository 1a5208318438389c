"""Firms keyed by registration ids through dbt: the loader's raw.firm_units and raw.city_observations
for the enterprise tables of tests/firm_files.py (credit codes, organisation codes, a listed firm),
written into a copy of the built warehouse (with raw.user_series: the tables' columns are user series),
and stg_firm__units, int_units and int_city_series_values built on them with every test those models
declare (unit code range, unique ids, provinces and parents that exist, series in the catalogue)."""
from __future__ import annotations

import re

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


@pytest.fixture(scope="module")
def firm_copy(built_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("registration_project")
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "inbox.yml").write_text("shipped: false\n", encoding="utf-8")
    for name, text in (("企业.csv", REGISTRATION_CREDIT), ("机构.csv", REGISTRATION_ORG), ("上市.csv", REGISTRATION_STOCK)):
        (inbox / name).write_text(text, encoding="utf-8")
    loaded = load_inbox(inbox)
    copy_dbt_project(root)
    dbt, warehouse = dbt_on_copy(root, built_warehouse)
    with duckdb.connect(str(warehouse)) as connection:
        replace_table(connection, "raw", "city_observations", loaded.city_observations())
        replace_table(connection, "raw", "firm_units", loaded.firm_units)
        replace_table(connection, "raw", "user_series", loaded.user_series)
    built = dbt("build", "--select", *MODELS)
    return built, warehouse


def test_registration_id_firms_build_with_their_tests(firm_copy):
    built, warehouse = firm_copy
    assert built.returncode == 0, built.stdout[-4000:]
    assert re.search(r"PASS=\d+ WARN=0 ERROR=0", built.stdout), built.stdout[-2000:]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        units = connection.execute(
            "select unit_code, firm_id, level, province_code, parent_code, region3 from intermediate.int_units "
            "where level = 'firm' order by unit_code").fetchall()
        values = connection.execute(
            "select region_code, year, value from intermediate.int_city_series_values "
            "where region_code >= 1000000000 order by region_code, year").fetchall()
    org, beijing, hangzhou = FIRST_TEXT_FIRM_CODE, FIRST_TEXT_FIRM_CODE + 1, FIRST_TEXT_FIRM_CODE + 2
    assert units == [(1_000_600_519, "600519", "firm", 52, 52, "west"),
                     (org, "100000021", "firm", 31, 31, "east"),
                     (beijing, "91110000100000000X", "firm", 11, 11, "east"),
                     (hangzhou, "91330100000000003B", "firm", 33, 330100, "east")]
    assert [(code, year) for code, year, _ in values] == [
        (1_000_600_519, 2021), (org, 2021), (org, 2022), (beijing, 2021), (beijing, 2022), (hangzhou, 2021)]
