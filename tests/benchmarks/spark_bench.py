"""Entropy weights + scores on Spark and on DuckDB, side by side (`make bench-spark`; not a test and
not part of `make bench`).

The panel of entropy_bench (units x 20 years x 40 indicators; 100,000 units = 80 M rows, `--units`
scales it down) is generated once in DuckDB; DuckDB runs the three statements of entropy_bench on
its own table, Spark (local[2], PySpark in this process, the settings of the `spark` profile) on the
same rows written to Parquet. The macros are compiled by dbt for each target (`--target spark`:
the macros dispatched per engine render Spark's SQL). Both write their results as tables.

Prints `name value` lines: duckdb_entropy_<n>_seconds, spark_entropy_<n>_seconds (best of
--repeats, each the three statements), spark_entropy_<n>_<stage>_seconds, spark_vs_duckdb, and
spark_entropy_<n>_max_abs_diff (weights and scores, Spark vs DuckDB).
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from tests.benchmarks.entropy_bench import STAGES, best_of, compile_pipeline, connect, generate, run_entropy


def spark_session(work: Path, memory: str, partitions: int):
    """The session the `spark` profile would open, with the bench's memory and shuffle partitions."""
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master("local[2]").appName("nqp-bench-spark")
            .config("spark.driver.memory", memory).config("spark.sql.shuffle.partitions", str(partitions))
            .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
            .config("spark.log.level", "ERROR")
            .config("spark.sql.catalogImplementation", "in-memory")
            .config("spark.sql.warehouse.dir", str(work / "tables"))
            .config("spark.local.dir", str(work / "spark_tmp"))
            .getOrCreate())


def run_spark(spark, sql: dict[str, str]):
    for table, _ in STAGES:
        spark.sql(f"drop table if exists {table}")
    stages = {}
    wall = time.perf_counter()
    for table, name in STAGES:
        start = time.perf_counter()
        spark.sql(f"create table {table} using parquet as {sql[name]}")
        stages[name] = time.perf_counter() - start
    timer = type("SparkTimer", (), {})()
    timer.wall, timer.cpu, timer.stages = time.perf_counter() - wall, 0.0, stages
    return timer


def max_abs_diff(con, work: Path) -> float:
    """Weights and scores of Spark (its Parquet tables, read by DuckDB) against DuckDB's tables."""
    tables = work / "tables"
    w_spark = con.execute(f"select weight from read_parquet('{tables}/bench_weights/*.parquet') order by indicator").fetchnumpy()["weight"]
    w_duck = con.execute("select weight from bench_weights order by indicator").fetchnumpy()["weight"]
    s_spark = con.execute(f"select weighted_sum from read_parquet('{tables}/bench_scores/*.parquet') "
                          "order by unit_id, year").fetchnumpy()["weighted_sum"]
    s_duck = con.execute("select weighted_sum from bench_scores order by unit_id, year").fetchnumpy()["weighted_sum"]
    if len(w_spark) != len(w_duck) or len(s_spark) != len(s_duck):
        return float("inf")
    return float(max(np.max(np.abs(w_spark - w_duck)), np.max(np.abs(s_spark - s_duck))))


def run(units: int = 100_000, years: int = 20, indicators: int = 40, repeats: int = 2,
        memory: str = "6g", partitions: int = 8, threads: int = 2) -> dict[str, float]:
    figures: dict[str, float] = {}

    def emit(name, value):
        figures[name] = value
        print(f"{name} {value:.4g}", flush=True)

    tag = f"{units * years * indicators / 1e6:g}M"
    work = Path(tempfile.mkdtemp(prefix="nqp_bench_spark_", dir="/tmp"))
    # the profile's settings, should dbt open the session while compiling: the same as spark_session's
    os.environ.update({"NQP_SPARK_DIR": str(work), "NQP_SPARK_CATALOG": "in-memory",
                       "NQP_SPARK_DRIVER_MEMORY": memory, "NQP_SPARK_SHUFFLE_PARTITIONS": str(partitions)})
    try:
        duck_sql, spark_sql = compile_pipeline(), compile_pipeline(target="spark")
        con = connect(work / "bench.duckdb", "16GB", threads)
        generate(con, units, years, indicators)
        for table in ("bench_inputs", "bench_directions"):
            con.execute(f"copy {table} to '{work / table}.parquet' (format parquet)")
        run_entropy(con, duck_sql)  # warm-up
        duck = best_of(run_entropy, con, duck_sql, repeats=repeats)
        emit(f"duckdb_entropy_{tag}_seconds", duck.wall)

        start = time.perf_counter()
        spark = spark_session(work, memory, partitions)
        emit("spark_session_start_seconds", time.perf_counter() - start)
        for table in ("bench_inputs", "bench_directions"):
            spark.sql(f"create table {table} using parquet location '{work / table}.parquet'")
        runs = [run_spark(spark, spark_sql) for _ in range(repeats)]
        best = min(runs, key=lambda timer: timer.wall)
        emit(f"spark_entropy_{tag}_seconds", best.wall)
        for name, seconds in best.stages.items():
            emit(f"spark_entropy_{tag}_{name}_seconds", seconds)
        emit(f"spark_entropy_{tag}_vs_duckdb", best.wall / duck.wall)
        emit(f"spark_entropy_{tag}_max_abs_diff", max_abs_diff(con, work))
        spark.stop()
        con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000, help="units (x 20 years x 40 indicators); 100,000 = 80 M rows")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--memory", default="6g", help="Spark driver memory (local mode: the executors live in the driver)")
    parser.add_argument("--partitions", type=int, default=8, help="spark.sql.shuffle.partitions")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (Spark runs local[2])")
    args = parser.parse_args()
    run(units=args.units, repeats=args.repeats, memory=args.memory, partitions=args.partitions, threads=args.threads)


if __name__ == "__main__":
    main()
