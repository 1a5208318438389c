"""Compile SQL that calls the project's dbt macros, with dbt itself (`dbt compile --inline`).

Several queries are compiled by one dbt invocation (one parse of the real project): they are
joined with marker comments and the compiled text is split on them again. Nothing is executed by
dbt; the caller runs the compiled SQL with the duckdb client against its own databases.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_MARKER = "/* @@nqp_inline_query {name}@@ */"
_MARKER_RE = re.compile(r"/\* @@nqp_inline_query (\w+)@@ \*/")


class DbtCompileError(RuntimeError):
    pass


_WORK_DIRS: dict[str | None, Path] = {}


def _work_dir(target: str | None) -> Path:
    """One dbt target folder per process and profile target: the first compile parses the project and
    writes dbt's partial-parse file there, the later ones reuse it (an inline query changes no project
    file), which saves a full parse (~4 s) per call. A new process starts from a fresh folder, so an
    edited project is always parsed anew."""
    if target not in _WORK_DIRS:
        _WORK_DIRS[target] = Path(tempfile.mkdtemp(prefix="nqp_dbt_inline_"))
    return _WORK_DIRS[target]


def compile_queries(queries: dict[str, str], target: str | None = None) -> tuple[dict[str, str], str]:
    """Compile {name: jinja_sql} in the real project; returns ({name: compiled_sql}, project dir).

    `target`: a profile target other than the DuckDB default (e.g. "spark": the macros dispatched per engine
    render for it; the cache is not populated, so nothing connects).

    Raises DbtCompileError with dbt's message if the project does not parse or a query does not compile.
    """
    from dbt.cli.main import dbtRunner

    text = "\n".join(_MARKER.format(name=name) + "\n" + sql for name, sql in queries.items())
    work = _work_dir(target)
    env = {
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "NQP_DBT_DATABASE": str(work / "compile.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        result = dbtRunner().invoke(
            ["compile", "--inline", text, "--quiet", "--log-level", "none", "--project-dir", str(PROJECT_ROOT),
             "--profiles-dir", str(PROJECT_ROOT),
             *(["--target", target, "--no-populate-cache"] if target else [])]
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if not result.success:
        cause = result.exception.__context__ if result.exception is not None else None  # the macro's own message
        raise DbtCompileError(f"dbt could not parse the project {PROJECT_ROOT} or compile the inline "
                              f"queries {sorted(queries)}:\n{result.exception}" + (f"\n{cause}" if cause else ""))
    parts = _MARKER_RE.split(result.result.results[0].node.compiled_code)
    # parts = [prefix, name1, sql1, name2, sql2, ...]
    compiled = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts), 2)}
    missing = set(queries) - set(compiled)
    if missing:
        raise DbtCompileError(f"compiled text lost the queries {sorted(missing)}")
    return compiled, str(PROJECT_ROOT)
