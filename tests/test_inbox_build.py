"""The inbox end to end: a bad file or an error-severity quality flag stops `nqp build` with a message
naming file, line and reason, and the published warehouse stays exactly as it was; warnings are
loaded, listed in the quarantine mart and printed; the sources mart accounts for every value."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import duckdb
import pytest

from tests import early_builds
from tests.ingest_files import classic_csv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# files the loader reads from seeds/shipped: 9 portal exports (nbs_portal), 9 of nbs_portal_2016_2025,
# 30 techme tables, 4 regional_disparity workbooks, 1 energy panel
SHIPPED_FILES = 53


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build(tmp_path: Path, published: Path, inbox: Path, run=subprocess.run) -> subprocess.CompletedProcess:
    """`nqp build --no-reports`: every step up to publish, as `make run`; the reports (after publish,
    from the published warehouse) are the session build's to check."""
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home"), "NQP_REPORTS": str(tmp_path / "reports"),
           "NQP_WAREHOUSE": str(published), "NQP_INBOX": str(inbox), "DBT_PROFILES_DIR": str(PROJECT_ROOT)}
    return run([sys.executable, "-m", "models_py.cli", "build", "--no-reports"], cwd=PROJECT_ROOT,
               env=env, capture_output=True, text=True, timeout=1800)


@pytest.fixture
def published(built_warehouse, tmp_path) -> Path:
    path = tmp_path / "nqp.duckdb"
    shutil.copyfile(built_warehouse, path)  # a good previous build, published
    return path


def test_a_bad_inbox_file_stops_the_build_and_keeps_the_published_warehouse(published, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.csv").write_bytes(classic_csv([["北京市", 50000.0]], [2024]))
    (inbox / "bad.csv").write_bytes(classic_csv([["北京市", 1.0], ["Gotham", 2.0]], [2024]))
    before = _digest(published)
    outcome = _build(tmp_path, published, inbox)
    assert outcome.returncode != 0
    assert f"file {inbox.as_posix()}/bad.csv, line 6, column '地区', region 'Gotham': unknown region" in outcome.stderr
    assert "published warehouse was left as it was" in outcome.stderr
    assert _digest(published) == before


class ErrorFlagBuild(NamedTuple):
    outcome: subprocess.CompletedProcess
    published: Path
    inbox: Path
    digest_before: str  # of the published warehouse


# A county table beside it with 正定县's population in persons under a 万人 header: 10,000x the other
# counties of the table (unit_scale compares a county with the other counties, never with provinces).
COUNTY_TABLE = "区县,年份,年末常住人口(万人)\n正定县,2024,520000\n栾城区,2024,35\n井陉县,2024,30\n" \
               "行唐县,2024,40\n灵寿县,2024,33\n高邑县,2024,18\n"


@early_builds.early_build("error_flag_build", lane="own", seconds=120)
def _prepare_error_flag_build(tmp_path_factory):
    """Beijing's GDP in 万元 under a 亿元 header: 10,000x the other regions, and implausible; and a
    county's population in persons under a 万人 header (COUNTY_TABLE)."""
    folder = tmp_path_factory.mktemp("error_flag")

    def build() -> ErrorFlagBuild:
        published = folder / "nqp.duckdb"
        shutil.copyfile(early_builds.outcome("built_warehouse", tmp_path_factory), published)
        inbox = folder / "inbox"
        inbox.mkdir()
        (inbox / "gdp.csv").write_bytes(classic_csv([["北京市", 496702000.0]], [2024]))
        (inbox / "县域人口.csv").write_text(COUNTY_TABLE, encoding="utf-8")
        before = _digest(published)
        return ErrorFlagBuild(_build(folder, published, inbox, run=early_builds.run), published, inbox, before)

    return build


@pytest.fixture(scope="module")
def error_flag_build(built_warehouse, tmp_path_factory) -> ErrorFlagBuild:
    """Started in the background, in the lane of the guide's copy (tests/early_builds.py)."""
    return early_builds.outcome("error_flag_build", tmp_path_factory)


def test_an_error_severity_flag_stops_the_build_and_names_the_value(error_flag_build):
    """Beijing's GDP in 万元 under a 亿元 header: 10,000x the other regions, and implausible."""
    outcome, published, inbox = error_flag_build.outcome, error_flag_build.published, error_flag_build.inbox
    assert outcome.returncode != 0
    err = outcome.stderr
    assert "quality_flags_absent_quarantine_error" in err or "quarantine" in err
    assert "error unit_scale gdp: 1 — region 11 2024 = 4.96702e+08" in err
    assert f"{inbox.as_posix()}/gdp.csv line 5" in err
    assert "error plausible_range gdp: 1" in err
    assert "error unit_scale population: 1 — region 130123 2024 = 520000" in err
    assert f"{inbox.as_posix()}/县域人口.csv line 2" in err
    assert _digest(published) == error_flag_build.digest_before
    with duckdb.connect(str(published), read_only=True) as connection:
        gdp = connection.execute("select value from series_values where series = 'gdp' and region_code = 11 "
                                 "and year = 2024").fetchone()[0]
    assert gdp == 49670.2


def test_inbox_values_reach_the_published_warehouse(inbox_build):
    """The easy path: exports dropped in the inbox, one command, the warehouse has the value (the
    shared inbox build of tests/conftest.py: a classic export with Beijing's 2024 GDP, a 2021 export
    whose unmapped columns become user series, tests/test_user_series.py, and a city table,
    tests/test_city_inbox_build.py)."""
    outcome, published, inbox = inbox_build.outcome, inbox_build.published, inbox_build.inbox
    assert outcome.returncode == 0, outcome.stderr[-3000:]
    with duckdb.connect(str(published), read_only=True) as connection:
        gdp = connection.execute("select value, provenance from series_values where series = 'gdp' "
                                 "and region_code = 11 and year = 2024").fetchone()
        mine = connection.execute("select n_values, first_year, indicator_text from sources "
                                  "where origin = 'inbox' and source_file like '%/gdp.csv'").fetchall()
        files = connection.execute("select origin, count(*) from raw.ingest_files group by origin order by origin").fetchall()
        flagged = connection.execute("select count(*) from quarantine").fetchone()[0]
    assert f"quarantine: {flagged} flagged values" in outcome.stdout
    assert gdp == (50000.5, f"real: {inbox.as_posix()}/gdp.csv")
    assert mine == [(1, 2024, "地区生产总值(亿元)")]
    assert files == [("inbox", 3), ("shipped", SHIPPED_FILES)]  # gdp.csv, the 2021 export, the city table


def test_shipped_exports_quarantine_holds_only_the_known_flags(warehouse_connection):
    flags = warehouse_connection.execute(
        "select check_name, severity, series, count(*) from quarantine group by all order by all").fetchall()
    # Reviewed (seeds quality_reviewed.csv): Tibet's and Gansu's tiny but printed R&D figures.
    # Sector sums: value added of the yearbook compilation (first-published vintage) against the
    # portal's revised GDP. Jumps: sample-survey counts ~20x into and out of the 1 % survey years
    # (2005, 2015), the integrated panel's 2006 USD trade, SO2's 2016 change of statistical scope,
    # and the yearbooks' own swings in small provinces' technology and innovation figures.
    assert flags == [("plausible_range", "reviewed", "technical_renovation_expenditure", 2),
                     ("sector_sum", "warn", "gdp", 409),
                     ("unit_scale", "reviewed", "new_product_sales", 2),
                     ("unit_scale", "reviewed", "tech_introduction_expenditure", 1),
                     ("unit_scale", "reviewed", "technical_renovation_expenditure", 2),
                     ("unit_scale", "reviewed", "technology_market_turnover", 2),
                     ("year_on_year_jump", "warn", "high_tech_revenue", 1),
                     ("year_on_year_jump", "warn", "new_product_sales", 1),
                     ("year_on_year_jump", "warn", "population_65plus_sample", 93),
                     ("year_on_year_jump", "warn", "population_sample", 93),
                     ("year_on_year_jump", "warn", "so2_emissions", 6),
                     ("year_on_year_jump", "warn", "tech_introduction_expenditure", 13),
                     ("year_on_year_jump", "warn", "technical_renovation_expenditure", 4),
                     ("year_on_year_jump", "warn", "technology_market_turnover", 17),
                     ("year_on_year_jump", "warn", "trade_usd", 18)]
    years = warehouse_connection.execute(
        "select distinct year from quarantine where series = 'population_sample' order by year").fetchall()
    assert [y for (y,) in years] == [2006, 2015, 2016]


def test_sources_mart_accounts_for_every_value(warehouse_connection):
    # n_values counts the values used after the choice between sources (one per region-year-series).
    real = warehouse_connection.execute("select count(*) from intermediate.int_observations_chosen").fetchone()[0]
    unioned = warehouse_connection.execute("select count(*) from intermediate.int_observations_unioned").fetchone()[0]
    by_origin = dict(warehouse_connection.execute(
        "select origin, sum(n_values) from sources group by origin").fetchall())
    assert by_origin["shipped"] == real and by_origin["shipped"] + by_origin["synthetic"] == unioned
    files = warehouse_connection.execute("select count(*), count(distinct sha256) from raw.ingest_files").fetchone()
    assert files == (SHIPPED_FILES, SHIPPED_FILES)
    gdp = warehouse_connection.execute(
        "select source_file, indicator_text, source_database, source_time_range, first_year, last_year "
        "from sources where series = 'gdp' and source_id = 'nbs_portal'").fetchall()
    assert gdp == [("seeds/shipped/nbs-exports/分省年度数据.csv", "地区生产总值(亿元)", "分省年度数据", "最近20年",
                    2006, 2024)]


def test_dagster_shows_the_quarantine_report_after_the_quarantine_mart():
    import dagster as dg

    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    report = dg.AssetKey(["reports", "quarantine_report"])
    assert graph.get(report).group_name == "reports"
    parents = {key.path[-1] for key in graph.get(report).parent_keys}
    assert parents == {"quarantine"}
    assert graph.get(dg.AssetKey(["raw", "portal_observations"])).group_name == "sources"
