"""Bad input stops the build with a message naming series, region, year and value, and the
published warehouse stays exactly as it was (the build writes a private copy, published atomically)."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED = PROJECT_ROOT / "seeds" / "shipped" / "nbs-exports"
INTEGRATED_PANEL = "分省年度数据_整合.csv"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build(env_overrides: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "NQP_REPORTS": str(tmp_path / "reports"),
        **env_overrides,
    }
    return subprocess.run(
        [sys.executable, "-m", "models_py.cli", "build"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )


def _inbox_with_negative_investment(tmp_path: Path) -> Path:
    """The shipped exports, with Beijing's 2015 fixed-asset investment set to a negative number."""
    inbox = tmp_path / "inbox"
    shutil.copytree(SHIPPED, inbox)
    panel = inbox / INTEGRATED_PANEL
    lines = panel.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    column = header.index("固定资产投资总额_亿元")
    for number, line in enumerate(lines):
        fields = line.split(",")
        if fields[0] == "北京" and fields[1] == "2015":
            fields[column] = "-6.5"
            lines[number] = ",".join(fields)
            break
    else:  # pragma: no cover - the shipped file has Beijing 2015
        raise AssertionError("Beijing 2015 not found in the integrated panel")
    panel.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return inbox


def test_non_positive_real_value_stops_the_build_and_keeps_the_published_warehouse(built_warehouse, tmp_path):
    published = tmp_path / "nqp.duckdb"
    shutil.copyfile(built_warehouse, published)  # a good previous build, published
    before = _digest(published)

    outcome = _build(
        {"NQP_WAREHOUSE": str(published), "NQP_INBOX": str(_inbox_with_negative_investment(tmp_path))}, tmp_path
    )

    assert outcome.returncode != 0
    message = outcome.stderr
    assert "real value must be positive" in message
    assert INTEGRATED_PANEL in message  # the file
    assert "series 'fixed_asset_investment'" in message  # the series
    assert "region 11" in message and "year 2015" in message and "value -6.5" in message
    assert "published warehouse was left as it was" in message

    assert _digest(published) == before
    with duckdb.connect(str(published), read_only=True) as connection:
        assert connection.execute("select count(*) from panel_paper_a").fetchone()[0] == 300


def test_log_of_a_non_positive_value_in_sql_names_series_region_year_and_value():
    """The SQL guard every model uses before ln() (macro nqp_safe_ln), compiled by dbt itself."""
    from tests.reference.dbt_inline import compile_queries

    compiled, _ = compile_queries(
        {"logged": "select {{ nqp_safe_ln('value', \"'real GDP per capita'\") }} as logged from guarded"}
    )
    with duckdb.connect() as connection:
        connection.execute(
            "create table guarded as select * from (values (11, 2014, 5.0), (44, 2015, -0.25)) as t(region_code, year, value)"
        )
        with pytest.raises(duckdb.Error) as raised:
            connection.execute(compiled["logged"]).fetchall()
        connection.execute("delete from guarded where value <= 0")
        assert connection.execute(compiled["logged"]).fetchall() == [(pytest.approx(1.6094379124341003),)]
    message = str(raised.value)
    assert "cannot take the log of a non-positive value: real GDP per capita = -0.25" in message
    assert "region 44" in message and "year 2015" in message
