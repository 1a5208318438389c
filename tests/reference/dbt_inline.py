"""Compile SQL that calls the project's dbt macros, with dbt itself (`dbt compile --inline`).

Several queries are compiled by one dbt invocation (one parse of the real project): they are
joined with marker comments and the compiled text is split on them again. Nothing is executed by
dbt; the caller runs the compiled SQL with the duckdb client against its own databases.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_MARKER = "/* @@nqp_inline_query {name}@@ */"
_MARKER_RE = re.compile(r"/\* @@nqp_inline_query (\w+)@@ \*/")


class DbtCompileError(RuntimeError):
    pass


_WORK_DIRS: dict[str | None, Path] = {}
_KEPT: set[str | None] = set()  # targets whose partial-parse file this process has stored

# dbt's partial-parse file of an earlier inline compile, kept between processes (git-ignored, beside
# the project's own target folder; one file per profile target). dbt checks it against every project
# file, dbt_project.yml, the profile, the project's env vars and its own version, and re-parses only
# what changed, so the first compile of a process takes ~2 s instead of ~6 s (a full parse). It is
# replaced atomically, so a concurrent process reads the old file or the new one, never half of one.
PARSE_CACHE = PROJECT_ROOT / "dbt_project" / "target" / "inline_compile"

# The DuckDB profile's path while compiling: refs compile against its catalog, `compile`, and the
# callers create their tables in a compile.duckdb of their own. dbt never opens it (the cache is not
# populated, and no compiled macro queries the database), so one path serves every process, and the
# profile, part of dbt's partial-parse check, is the same in all of them. Its folder does not exist,
# so a macro that did query the database would fail here instead of sharing a file between processes.
COMPILE_DATABASE = Path(tempfile.gettempdir()) / "nqp-dbt-inline-never-opened" / "compile.duckdb"


@atexit.register
def _remove_work_dirs() -> None:
    """The process's dbt target folders (~3 MB each) go with it: the partial-parse file worth keeping is
    stored in PARSE_CACHE."""
    for work in _WORK_DIRS.values():
        shutil.rmtree(work, ignore_errors=True)


def _cached_parse(target: str | None) -> Path:
    return PARSE_CACHE / f"{target or 'duckdb'}.partial_parse.msgpack"


def _work_dir(target: str | None) -> Path:
    """One dbt target folder per process and profile target, started from the cached partial-parse
    file: the first compile parses what changed since and writes dbt's partial-parse file there, the
    later ones reuse it (an inline query changes no project file)."""
    if target not in _WORK_DIRS:
        work = Path(tempfile.mkdtemp(prefix="nqp_dbt_inline_"))
        cached = _cached_parse(target)
        if cached.is_file():
            (work / "target").mkdir()
            shutil.copyfile(cached, work / "target" / "partial_parse.msgpack")
        _WORK_DIRS[target] = work
    return _WORK_DIRS[target]


def _keep_parse(target: str | None, work: Path) -> None:
    """Store this process's partial-parse file for the next process (after a successful compile), once
    per process and target: the later compiles leave it as it is (an inline query changes no project file)."""
    parsed = work / "target" / "partial_parse.msgpack"
    if target in _KEPT or not parsed.is_file():
        return
    _KEPT.add(target)
    cached = _cached_parse(target)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
    shutil.copyfile(parsed, partial)
    os.replace(partial, cached)


def compile_queries(queries: dict[str, str], target: str | None = None,
                    vars_: dict | None = None) -> tuple[dict[str, str], str]:
    """Compile {name: jinja_sql} in the real project; returns ({name: compiled_sql}, project dir).

    `target`: a profile target other than the DuckDB default (e.g. "spark": the macros dispatched per engine
    render for it; the cache is not populated, so nothing connects). `vars_`: dbt --vars (a parse of their
    own: the kept partial-parse file stays the one without them).

    Raises DbtCompileError with dbt's message if the project does not parse or a query does not compile.
    """
    from dbt.cli.main import dbtRunner

    text = "\n".join(_MARKER.format(name=name) + "\n" + sql for name, sql in queries.items())
    work = _work_dir(target)
    env = {
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "NQP_DBT_DATABASE": str(COMPILE_DATABASE),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        # --no-write-json: the compiled text comes back in the result, and manifest.json (the whole
        # project, written twice per call) cost ~0.6 s of every compile; the partial-parse file is
        # still written
        result = dbtRunner().invoke(
            ["compile", "--inline", text, "--quiet", "--log-level", "none", "--no-write-json", "--no-populate-cache",
             "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT),
             *(["--target", target] if target else []), *(["--vars", json.dumps(vars_)] if vars_ else [])]
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if result.success and not vars_:
        _keep_parse(target, work)
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


def model_on_a_copy(warehouse: Path, copy_dir: Path, model: str, changes: list[str], vars_: dict | None = None):
    """The SQL of `model` (a path under dbt_project/models, compiled inline, with dbt --vars `vars_`) run on
    a copy of `warehouse` after the `changes` statements: what the
    model would give on that warehouse changed so. The copy is named compile.duckdb, the catalog the refs
    compile to. Returns the rows as a pandas frame."""
    import duckdb

    copy = Path(copy_dir) / "compile.duckdb"
    shutil.copy(warehouse, copy)
    text = (PROJECT_ROOT / "dbt_project" / "models" / model).read_text()
    compiled, _project = compile_queries({"model": text}, vars_=vars_)
    with duckdb.connect(str(copy)) as connection:
        for statement in changes:
            connection.execute(statement)
        return connection.execute(compiled["model"]).df()
