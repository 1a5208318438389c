"""A process that queries a published warehouse in a loop while a rebuild replaces it, for
tests/test_concurrent_readers.py. It runs during the shared inbox rebuild (tests/conftest.py
`inbox_build`): any rebuild of a published warehouse will do, and that one is run anyway."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

RESULT_TABLES = ("regression_fits", "regression_coefficients", "descriptive_statistics", "model_diagnostics")

READER = textwrap.dedent(
    """
    import json, os, sys, time
    import duckdb

    path, out, stop = sys.argv[1:4]
    # MAX_SECONDS only bounds a reader whose rebuild never ends: the stop file ends it normally
    MIN_QUERIES, MAX_QUERIES, MAX_SECONDS, AFTER_STOP = 20, 20000, 1800, 5
    run_ids_sql = " union ".join(f"select distinct run_id from results.{t}" for t in __TABLES__)
    deadline = time.monotonic() + MAX_SECONDS
    queries = after_stop = 0
    with open(out, "w") as log:
        while queries < MAX_QUERIES and time.monotonic() < deadline:
            if os.path.exists(stop):
                after_stop += 1
                if queries >= MIN_QUERIES and after_stop > AFTER_STOP:
                    break
            started = time.perf_counter()
            record = {"at": time.time()}
            try:
                connection = duckdb.connect(path, read_only=True)
                try:
                    computed_at, fits = connection.execute(
                        "select max(computed_at), count(*) from results.regression_fits").fetchone()
                    scores = connection.execute("select count(*) from main.index_scores").fetchone()[0]
                    run_ids = sorted(r[0] for r in connection.execute(run_ids_sql).fetchall())
                finally:
                    connection.close()
                record.update(ok=True, computed_at=str(computed_at), fits=fits, scores=scores, run_ids=run_ids)
            except Exception as error:  # recorded, asserted on by the test
                record.update(ok=False, error=repr(error))
            record["seconds"] = time.perf_counter() - started
            log.write(json.dumps(record) + "\\n")
            log.flush()
            queries += 1
            time.sleep(0.2)
    """
).replace("__TABLES__", repr(RESULT_TABLES))


def run_ids(path: Path) -> set[str]:
    """The build run ids the result tables of ``path`` hold (one for a whole build)."""
    with duckdb.connect(str(path), read_only=True) as connection:
        sql = " union ".join(f"select distinct run_id from results.{t}" for t in RESULT_TABLES)
        return {row[0] for row in connection.execute(sql).fetchall()}


@contextmanager
def reading(published: Path, folder: Path) -> Iterator[Path]:
    """Query ``published`` in another process for as long as the block runs, then a few times more;
    yields the JSON-lines log the reader writes (one record per query), complete after the block."""
    folder.mkdir(parents=True, exist_ok=True)
    script, log, stop = folder / "reader.py", folder / "reader.jsonl", folder / "stop"
    script.write_text(READER)
    reader = subprocess.Popen([sys.executable, str(script), str(published), str(log), str(stop)])
    try:
        yield log
        stop.touch()
        reader.wait(timeout=120)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    if reader.returncode != 0:
        raise RuntimeError(f"the reader process exited with {reader.returncode}")


def records(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]
