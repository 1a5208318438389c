"""SQL lint of the dbt project in the house style (.sqlfluff: duckdb dialect, jinja templater with
dbt's builtins and the project's macros, lowercase, trailing commas, 4-space indent, 110 columns).

sqlfluff runs in a subprocess: its jinja library (dbt_project/lint_library) registers a module named
`dbt`, which must not shadow dbt-core inside the test process.

A file's findings are kept in the session's cache folder (NQP_CACHE: pytest's cache), keyed by its path
and text and by everything the lint of any file depends on (sqlfluff's version, .sqlfluff, dbt_project.yml,
the macros and the jinja library): a session lints only the files changed since the last, or all of them
when a macro or the settings changed (the whole project is ~50 s CPU, which competed with the fast tests
of `pytest -m "not build"`). A clean checkout (CI) has no cache and lints everything.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import pytest

from tests import early_builds

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LINTED = ["dbt_project/models", "dbt_project/tests"]
SQLFLUFF = [sys.executable, "-m", "sqlfluff"]
# what the lint of every file depends on besides the file itself
LINT_SETTINGS = [".sqlfluff", ".sqlfluffignore", "pyproject.toml", "dbt_project.yml", "dbt_project/macros",
                 "dbt_project/lint_library"]


def lint(paths: list[str], *extra: str, run=subprocess.run, cwd: Path = PROJECT_ROOT) -> list[dict]:
    completed = run(
        [*SQLFLUFF, "lint", *paths, "--format", "json", "--nofail", "--disable-progress-bar", *extra],
        cwd=cwd, capture_output=True, text=True, timeout=600,
    )
    assert completed.stdout.strip(), f"sqlfluff printed nothing:\n{completed.stderr[-3000:]}"
    return json.loads(completed.stdout)


def settings_digest(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256(metadata.version("sqlfluff").encode())
    nested = sorted(str(f.relative_to(root)) for f in (root / "dbt_project").rglob(".sqlfluff*"))  # per-folder configs
    for name in LINT_SETTINGS + nested:
        path = root / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(f"{file.relative_to(root)}\0".encode() + file.read_bytes() + b"\0")
    return digest.hexdigest()


def lint_with_cache(folders: list[str], cache: Path, root: Path = PROJECT_ROOT, run=subprocess.run) -> list[dict]:
    """sqlfluff's findings on every .sql file under `folders`: those of a file linted before with the
    same text and settings from `cache`, the others linted now (one process per core) and kept there."""
    settings = settings_digest(root)
    keys = {}
    for file in sorted(f for folder in folders for f in (root / folder).rglob("*.sql")):
        relative = str(file.relative_to(root))
        keys[relative] = hashlib.sha256(f"{settings}\0{relative}\0".encode() + file.read_bytes()).hexdigest()
    found, changed = [], []
    for relative, key in keys.items():
        kept = cache / f"{key}.json"
        if kept.is_file():
            found.append(json.loads(kept.read_text(encoding="utf-8")))
        else:
            changed.append(relative)
    if changed:
        fresh = lint(changed, "--processes", "0", run=run, cwd=root)
        cache.mkdir(parents=True, exist_ok=True)
        for finding in fresh:
            key = keys.get(str(Path(finding["filepath"])))
            if key is not None:  # a file sqlfluff did not report is linted again next time
                partial = cache / f"{key}.{os.getpid()}.partial"
                partial.write_text(json.dumps(finding), encoding="utf-8")
                partial.replace(cache / f"{key}.json")
        found += fresh
    return found


def lint_once_at_a_time(folders: list[str], cache: Path, root: Path = PROJECT_ROOT,
                        run=subprocess.run) -> list[dict]:
    """lint_with_cache under an exclusive lock on the cache folder: the workers of `pytest -n 2` each start
    this early build, and with a cold cache both linted the whole project; the second now waits and reads
    what the first kept."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return lint_with_cache(folders, cache, root, run=run)


@early_builds.early_build("house_style_lint", lane="own", priority=-1, seconds=80)
def _prepare_house_style_lint(_tmp_path_factory):
    # in the background: linting the whole project takes ~50 s CPU (a cached session: a second or two)
    cache = Path(os.environ["NQP_CACHE"]) / "sql_lint"
    return lambda: lint_once_at_a_time(LINTED, cache, run=early_builds.run)


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


def test_a_file_is_linted_again_only_when_it_or_the_lint_settings_changed(tmp_path):
    """The cache of lint_with_cache, with a stand-in for sqlfluff that reports each file's text (the real
    sqlfluff is the test above): unchanged files are not linted again, a changed one is, and a changed
    macro or setting lints every file."""
    root, cache, calls = tmp_path / "project", tmp_path / "cache", []
    files = {".sqlfluff": "[sqlfluff]\ndialect = duckdb\n", "dbt_project/macros/m.sql": "{% macro m() %}1{% endmacro %}",
             "dbt_project/models/a.sql": "select 1", "dbt_project/models/b.sql": "select 2"}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)

    def sqlfluff(command, cwd, **_):
        paths = command[command.index("lint") + 1:command.index("--format")]
        calls.append(sorted(paths))
        findings = [{"filepath": p, "violations": [{"code": "T", "description": (Path(cwd) / p).read_text()}]}
                    for p in paths if "skipped" not in p]
        return subprocess.CompletedProcess(command, 0, json.dumps(findings), "")

    def lint_now():
        found = lint_with_cache(["dbt_project/models"], cache, root, run=sqlfluff)
        return {f["filepath"]: f["violations"][0]["description"] for f in found}

    a, b = "dbt_project/models/a.sql", "dbt_project/models/b.sql"
    assert lint_now() == {a: "select 1", b: "select 2"} and calls == [[a, b]]
    assert lint_now() == {a: "select 1", b: "select 2"} and len(calls) == 1  # all from the cache
    (root / a).write_text("select 3")
    assert lint_now() == {a: "select 3", b: "select 2"} and calls[-1] == [a]
    (root / "dbt_project/macros/m.sql").write_text("{% macro m() %}2{% endmacro %}")
    assert lint_now() == {a: "select 3", b: "select 2"} and calls[-1] == [a, b]
    (root / ".sqlfluff").write_text("[sqlfluff]\ndialect = duckdb\nmax_line_length = 80\n")
    lint_now()
    assert calls[-1] == [a, b] and len(calls) == 4
    skipped = root / "dbt_project/models/skipped.sql"  # a file sqlfluff leaves out is not cached as clean
    skipped.write_text("select 4")
    lint_now()
    lint_now()
    assert calls[-2:] == [[str(skipped.relative_to(root))]] * 2


def test_two_workers_with_a_cold_cache_lint_once(tmp_path):
    """lint_once_at_a_time from two threads at once (as the two workers of `pytest -n 2`): the stand-in
    sqlfluff, slow enough for both to be waiting, runs once; both get every file's findings."""
    root, cache, calls = tmp_path / "project", tmp_path / "cache", []
    for name, text in {".sqlfluff": "[sqlfluff]\n", "dbt_project/models/a.sql": "select 1"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)

    def slow_sqlfluff(command, cwd, **_):
        calls.append(command)
        time.sleep(0.5)
        paths = command[command.index("lint") + 1:command.index("--format")]
        findings = [{"filepath": p, "violations": []} for p in paths]
        return subprocess.CompletedProcess(command, 0, json.dumps(findings), "")

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(lint_once_at_a_time, ["dbt_project/models"], cache, root, slow_sqlfluff)
                for _ in range(2)]
        found = [run.result() for run in runs]
    assert len(calls) == 1
    assert found[0] == found[1] == [{"filepath": "dbt_project/models/a.sql", "violations": []}]
