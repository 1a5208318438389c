"""Compare the results.* tables of two warehouses: the check that a refactor changed no number.

    python tools/compare_results.py export WAREHOUSE.duckdb DIR   # each results.* table → DIR/<table>.parquet
    python tools/compare_results.py compare DIR_BEFORE DIR_AFTER  # exit 1 on any difference
    python tools/compare_results.py recompute WAREHOUSE.duckdb COPY.duckdb DIR
        # copy the warehouse, re-run every study on its panels with the code on PYTHONPATH, export

Two full builds need not give bit-identical panels (DuckDB sums floats in parallel, so an index
can differ in the 15th digit and a GMM standard error in the 8th). `recompute` isolates the
estimator code: run it once with the old code (PYTHONPATH=an export of the old commit) and once
with the new, on copies of the same warehouse, then `compare` the two directories.

Rows are ordered by the table's keys, run_id and computed_at are dropped (they differ per run).
Strings, integers and booleans must be equal; floats equal to 1e-12 relative (NaN equals NaN).
"""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

KEYS = {  # the key of each results table (what identifies a row)
    "descriptive_statistics": ["study", "table_id", "variable"],
    "regression_coefficients": ["study", "table_id", "column_id", "equation", "term"],
    "regression_fits": ["study", "table_id", "column_id"],
    "model_diagnostics": ["study", "table_id", "column_id", "diagnostic_order"],
    "index_robustness": ["study", "table_id", "method", "term"],
    "study_status": ["study", "table_id"],
}
VOLATILE = ("run_id", "computed_at")
RTOL = 1e-12


def export(warehouse: str, directory: str) -> None:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(warehouse, read_only=True) as connection:
        tables = [r[0] for r in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'results' order by 1").fetchall()]
        for table in tables:
            columns = [r[0] for r in connection.execute(
                "select column_name from information_schema.columns where table_schema = 'results' "
                "and table_name = ? order by ordinal_position", [table]).fetchall()]
            kept = [c for c in columns if c not in VOLATILE]
            keys = [k for k in KEYS.get(table, kept) if k in kept]
            select = ", ".join(f'"{c}"' for c in kept)
            order = ", ".join(f'"{k}"' for k in keys) or "all"
            connection.execute(f"copy (select {select} from results.{table} order by {order}) "
                               f"to '{out / table}.parquet' (format parquet)")
            count = connection.execute(f"select count(*) from results.{table}").fetchone()[0]
            print(f"{table}: {count} rows")


def _differences(table: str, before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    problems = []
    if list(before.columns) != list(after.columns):
        return [f"{table}: columns differ: {list(before.columns)} vs {list(after.columns)}"]
    if len(before) != len(after):
        return [f"{table}: {len(before)} rows before, {len(after)} after"]
    for column in before.columns:
        a, b = before[column], after[column]
        if pd.api.types.is_float_dtype(a) and pd.api.types.is_float_dtype(b):
            x, y = a.to_numpy(float), b.to_numpy(float)
            same = (np.isnan(x) & np.isnan(y)) | (np.abs(x - y) <= RTOL * np.maximum(np.abs(x), np.abs(y))) | (x == y)
        else:
            same = (a.isna() & b.isna()) | (a.astype(object) == b.astype(object)).fillna(False).to_numpy(bool)
            same = np.asarray(same, dtype=bool)
        for row in np.flatnonzero(~same)[:5]:
            keys = {k: before.at[row, k] for k in KEYS.get(table, []) if k in before.columns}
            problems.append(f"{table} {keys} {column}: {a.iat[row]!r} before, {b.iat[row]!r} after")
        if (~same).sum() > 5:
            problems.append(f"{table} {column}: {(~same).sum()} differing rows in all")
    return problems


def _read(path: Path) -> pd.DataFrame:
    return duckdb.sql(f"select * from read_parquet('{path}')").df()


def compare(before_dir: str, after_dir: str) -> list[str]:
    before_files = {p.stem: p for p in Path(before_dir).glob("*.parquet")}
    after_files = {p.stem: p for p in Path(after_dir).glob("*.parquet")}
    problems = [f"table {t} only in {before_dir}" for t in sorted(set(before_files) - set(after_files))]
    problems += [f"table {t} only in {after_dir}" for t in sorted(set(after_files) - set(before_files))]
    for table in sorted(set(before_files) & set(after_files)):
        problems += _differences(table, _read(before_files[table]), _read(after_files[table]))
    return problems


def recompute(warehouse: str, copy: str, directory: str) -> None:
    import shutil
    import uuid

    from models_py.data.real_only import synthetic_enabled
    from models_py.declarations import load_manifest, study_declarations
    from models_py.studies import run_study

    shutil.copyfile(warehouse, copy)
    on_error = "raise" if synthetic_enabled() else "report"
    with duckdb.connect(copy) as connection:
        for study in study_declarations(load_manifest()):
            run_study(connection, study, run_id=f"recompute-{uuid.uuid4()}", on_error=on_error)
    export(copy, directory)


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "recompute":
        recompute(argv[1], argv[2], argv[3])
        return 0
    if len(argv) == 3 and argv[0] == "export":
        export(argv[1], argv[2])
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        problems = compare(argv[1], argv[2])
        print("\n".join(problems) or "results.* identical (floats to 1e-12 relative)")
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
