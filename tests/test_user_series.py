"""Inbox indicators nothing maps become user series of their own (models_py/ingest/user_series.py):
a genuine 2021 portal export with 14 value-added columns loads instead of stopping the build; the
codes are stable across runs, file names and spellings; `skip` / `unmapped` / `series:` in inbox.yml
work; `nqp inbox` lists them; and (build) a user series' value reaches series_values."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from models_py.errors import DataError
from models_py.ingest import load_inbox, load_regions
from tests.ingest_files import (AGRICULTURE, INDICATORS, MAPPED, UNKNOWN, YEAR, classic_csv, expected_code,
                                 export_2021, export_rows, newer_csv)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
def make_inbox(tmp_path: Path, files: dict[str, bytes], yml: str | None = "shipped: false\n") -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir(parents=True, exist_ok=True)
    if yml is not None:
        (folder / "inbox.yml").write_text(yml, encoding="utf-8")
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def test_the_14_column_export_loads_with_8_user_series(tmp_path):
    result = load_inbox(make_inbox(tmp_path, {"分省年度数据2021.csv": export_2021()}))
    users = result.user_series
    assert len(users) == len(UNKNOWN) == 8
    assert sorted(users["series_code"]) == sorted(expected_code(i) for i in UNKNOWN)
    assert expected_code("农林牧渔业增加值 (亿元)") == AGRICULTURE
    row = users.set_index("series_code").loc[AGRICULTURE]
    assert (row["name_zh"], row["indicator_text"], row["unit"]) == ("农林牧渔业增加值", "农林牧渔业增加值 (亿元)", "亿元")
    assert (row["n_values"], row["n_regions"], row["first_year"], row["last_year"]) == (31, 31, YEAR, YEAR)
    assert row["first_file"].endswith("分省年度数据2021.csv")
    per_capita = users.set_index("name_zh").loc["人均地区生产总值"]
    assert per_capita["unit"] == "元/人"

    obs = result.observations
    assert sorted(obs["series"].unique()) == sorted(set(MAPPED.values()) | set(users["series_code"]))
    assert len(obs) == 31 * 14
    # the value, its unit and lineage as read: Beijing is the first data row (line 4)
    beijing = obs[(obs.series == AGRICULTURE) & (obs.region_code == 11)].iloc[0]
    assert beijing["value"] == beijing["parsed_value"] == export_rows()[0][1 + INDICATORS.index("农林牧渔业增加值 (亿元)")]
    assert (beijing["unit"], beijing["unit_factor"], beijing["source_row"]) == ("亿元", 1.0, 4)
    assert beijing["provenance"] == f"real: {beijing['source_file']}"
    assert beijing["indicator_text"] == "农林牧渔业增加值 (亿元)"

    report = result.report().set_index("origin").loc["inbox"]
    assert report["unmapped_cells"] == 0 and report["unmapped_indicators"] == ""
    assert f"{AGRICULTURE} 农林牧渔业增加值 (亿元)" in report["user_series"]
    assert report["user_series"].count("user_") == 8


def test_codes_are_stable_across_runs_file_names_and_spellings(tmp_path):
    first = load_inbox(make_inbox(tmp_path / "a", {"分省年度数据2021.csv": export_2021()})).user_series
    again = load_inbox(make_inbox(tmp_path / "a", {})).user_series
    renamed = load_inbox(make_inbox(tmp_path / "b", {"my export.csv": export_2021()})).user_series
    pd.testing.assert_series_equal(first["series_code"], again["series_code"])
    pd.testing.assert_series_equal(first["series_code"], renamed["series_code"])
    # full-width brackets, no space, another file with another year: the same series
    other = classic_csv([["北京市", 111.5]], [2020], "农林牧渔业增加值（亿元）")
    both = load_inbox(make_inbox(tmp_path / "c", {"a2021.csv": export_2021(), "b2020.csv": other}))
    agriculture = both.observations[both.observations.series == AGRICULTURE]
    assert sorted(agriculture["year"].unique()) == [2020, YEAR]
    assert len(both.user_series) == 8


def test_a_later_file_in_another_unit_is_converted_to_the_first_files_unit(tmp_path):
    wan = classic_csv([["北京市", 1115000.0]], [2020], "农林牧渔业增加值(万元)")
    result = load_inbox(make_inbox(tmp_path, {"a2021.csv": export_2021(), "b2020.csv": wan}))
    got = result.observations.set_index(["series", "region_code", "year"]).loc[(AGRICULTURE, 11, 2020)]
    assert (got["value"], got["unit"], got["source_unit"]) == (pytest.approx(111.5), "亿元", "万元")
    dollars = classic_csv([["北京市", 1.0]], [2020], "农林牧渔业增加值(万美元)")
    with pytest.raises(DataError, match="cannot be converted") as exc:
        load_inbox(make_inbox(tmp_path / "d", {"a2021.csv": export_2021(), "b2020.csv": dollars}))
    assert exc.value.file.endswith("b2020.csv")


def test_skip_leaves_named_indicators_out(tmp_path):
    yml = "shipped: false\nskip:\n  - 农林牧渔业增加值\n  - 建筑业增加值 (亿元)\n  - 地区生产总值\n"
    result = load_inbox(make_inbox(tmp_path, {"x.csv": export_2021()}, yml))
    assert len(result.user_series) == 6
    assert AGRICULTURE not in set(result.observations["series"])
    assert "gdp" not in set(result.observations["series"])  # skip wins over a catalogue name
    report = result.report().set_index("origin").loc["inbox"]
    assert report["unmapped_cells"] == 3 * 31
    assert "农林牧渔业增加值 (亿元) (skipped by inbox.yml)" in report["unmapped_indicators"]


def test_unmapped_skip_loads_only_what_is_mapped_and_error_restores_the_strict_load(tmp_path):
    result = load_inbox(make_inbox(tmp_path, {"x.csv": export_2021()}, "shipped: false\nunmapped: skip\n"))
    assert result.user_series.empty
    assert sorted(result.observations["series"].unique()) == sorted(MAPPED.values())
    with pytest.raises(DataError, match="not mapped to a series .*unmapped: error") as exc:
        load_inbox(make_inbox(tmp_path / "e", {"x.csv": export_2021()}, "shipped: false\nunmapped: error\n"))
    assert exc.value.file.endswith("x.csv")


@pytest.mark.parametrize("yml,why", [
    ("skip: 农林牧渔业增加值\n", "skip must be a list"),
    ("unmapped: drop\n", "unmapped must be one of series, skip, error"),
])
def test_bad_skip_or_unmapped_key(tmp_path, yml, why):
    with pytest.raises(DataError, match=why):
        load_inbox(make_inbox(tmp_path, {"x.csv": export_2021()}, yml))


def test_a_series_mapping_merges_the_indicator_into_a_catalogue_series(tmp_path):
    yml = "shipped: false\nseries:\n  农林牧渔业增加值: va_primary\n"
    rows = export_rows()
    folder = make_inbox(tmp_path, {"x.csv": newer_csv([r[:2] + r[5:6] for r in rows], YEAR,
                                                      ["地区生产总值 (亿元)", "农林牧渔业增加值 (亿元)"])}, yml)
    result = load_inbox(folder)
    assert result.user_series.empty
    assert sorted(result.observations["series"].unique()) == ["gdp", "va_primary"]


def test_a_user_series_needs_a_unit(tmp_path):
    table = "地区,年份,数字专利数\n北京,2021,5\n".encode()
    with pytest.raises(DataError, match="no unit for '数字专利数', which becomes a user series"):
        load_inbox(make_inbox(tmp_path, {"t.csv": table}))


def test_nqp_inbox_lists_the_user_series(tmp_path, monkeypatch, capsys):
    from models_py.cli import main

    folder = make_inbox(tmp_path, {"x.csv": export_2021()}, "shipped: false\nskip: [建筑业增加值]\n")
    monkeypatch.setenv("NQP_INBOX", str(folder))
    assert main(["inbox"]) == 0
    out = capsys.readouterr().out
    assert "7 user series (not in the catalogue" in out
    assert AGRICULTURE in out and "农林牧渔业增加值" in out
    assert "not loaded: 建筑业增加值 (亿元) (skipped by inbox.yml)" in out


# --------------------------------------------------------------------------- end to end


@pytest.mark.build
def test_a_user_series_value_reaches_series_values(inbox_build):
    """The export in the inbox of a full build (the shared inbox build, tests/conftest.py): the 8 user
    series are in the published warehouse with their values, unit and real provenance; the mapped
    columns equal what the build already had."""
    outcome, published, inbox, rows = (inbox_build.outcome, inbox_build.published, inbox_build.inbox,
                                       inbox_build.rows)
    assert outcome.returncode == 0, outcome.stdout[-3000:] + outcome.stderr[-3000:]

    with duckdb.connect(str(published), read_only=True) as connection:
        value = connection.execute(
            "select name_zh, value, unit, provenance, is_synthetic, is_interpolated from series_values "
            "where series = ? and region_code = 11 and year = ?", [AGRICULTURE, YEAR]).fetchone()
        users = connection.execute("select * from user_series order by series_code").df()
        user_values = connection.execute(
            "select count(*) from series_values where series like 'user\\_%' escape '\\'").fetchone()[0]
        flagged = connection.execute("select count(*) from quarantine where series like 'user\\_%' escape '\\' "
                                     "and severity = 'error'").fetchone()[0]
        listed = connection.execute("select user_series from staging.stg_ingest__files where origin = 'inbox' "
                                    "and file like '%分省年度数据2021.csv'"
                                    ).fetchone()[0]
        sourced = connection.execute("select count(*) from sources where series like 'user\\_%' escape '\\'"
                                     ).fetchone()[0]
    column = 1 + INDICATORS.index("农林牧渔业增加值 (亿元)")
    assert value[0] == "农林牧渔业增加值"
    assert value[1] == pytest.approx(rows[0][column], rel=1e-12)
    assert value[2] == "亿元"
    assert value[3] == f"real: {inbox.as_posix()}/分省年度数据2021.csv"
    assert value[4] is False and value[5] is False
    assert sorted(users["series_code"]) == sorted(expected_code(i) for i in UNKNOWN)
    assert (users["n_values"] == 31).all() and (users["first_year"] == YEAR).all()
    assert user_values == 8 * 31
    assert flagged == 0
    assert listed.count("user_") == 8
    assert sourced == 8
