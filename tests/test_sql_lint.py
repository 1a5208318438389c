"""SQL lint of the dbt project in the house style (.sqlfluff: duckdb dialect, jinja templater with
dbt's builtins and the project's macros, lowercase, trailing commas, 4-space indent, 110 columns).

sqlfluff runs in a subprocess: its jinja library (dbt_project/lint_library) registers a module named
`dbt`, which must not shadow dbt-core inside the test process.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import early_builds

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LINTED = ["dbt_project/models", "dbt_project/tests"]
SQLFLUFF = [sys.executable, "-m", "sqlfluff"]


def lint(paths: list[str], *extra: str, run=subprocess.run) -> list[dict]:
    completed = run(
        [*SQLFLUFF, "lint", *paths, "--format", "json", "--nofail", "--disable-progress-bar", *extra],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )
    assert completed.stdout.strip(), f"sqlfluff printed nothing:\n{completed.stderr[-3000:]}"
    return json.loads(completed.stdout)


@early_builds.early_build("house_style_lint", lane="own", priority=-1, seconds=70)
def _prepare_house_style_lint(_tmp_path_factory):
    # one process per core: the whole project takes ~50 s CPU, so it runs in the background
    return lambda: lint(LINTED, "--processes", "0", run=early_builds.run)


@pytest.fixture(scope="module")
def house_style_lint(tmp_path_factory) -> list[dict]:
    """sqlfluff's findings on the project (started early: tests/early_builds.py)."""
    return early_builds.outcome("house_style_lint", tmp_path_factory)


def test_dbt_sql_passes_the_house_style(house_style_lint):
    files = house_style_lint
    linted = {Path(f["filepath"]).name for f in files}
    expected = {p.name for folder in LINTED for p in (PROJECT_ROOT / folder).rglob("*.sql")}
    assert linted == expected, f"not linted: {expected - linted}"
    problems = [
        f"{f['filepath']}:{v['start_line_no']}:{v['start_line_pos']} {v['code']} {v['description']}"
        for f in files for v in f["violations"]
    ]
    assert not problems, "sqlfluff (fix with `.venv/bin/sqlfluff fix <file>` or by hand):\n" + "\n".join(problems)


def test_the_lint_catches_what_the_house_style_forbids(tmp_path):
    """Can fail: a model in another style is reported, rule by rule, and its jinja still renders."""
    model = tmp_path / "bad_model.sql"
    model.write_text(
        "SELECT Region_Code , YEAR\n"
        "    ,value\n"
        "FROM {{ ref('int_series_values') }} WHERE series = {{ var('paper_a_base_year') }} "
        "and cast(value as {{ dbt.type_string() }}) <> '' and region_code > 0 and year > 2000 and value > 0\n",
        encoding="utf-8",
    )
    files = lint([str(model)], "--config", str(PROJECT_ROOT / ".sqlfluff"))
    codes = {v["code"] for f in files for v in f["violations"]}
    assert {"CP01", "LT04", "LT05"} <= codes, codes  # keyword case, leading comma, line length
    assert "TMP" not in codes and "PRS" not in codes, codes  # var(), dbt.type_string() and ref() render
