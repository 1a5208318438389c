"""python -m models_py.spark build|compare [--warehouse W] [--dir D] [--selector S] (see models_py/spark/__init__.py)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from models_py.config import published_warehouse
from models_py.spark import spark_dir

TOLERANCE = 1e-9  # the Spark marts equal DuckDB's to this (absolute), README "The index layer on Spark"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models_py.spark")
    parser.add_argument("command", choices=["build", "compare"])
    parser.add_argument("--warehouse", type=Path, default=None, help="DuckDB build to read (default: the published warehouse)")
    parser.add_argument("--dir", type=Path, default=None, help="Spark files (default: $NQP_SPARK_DIR or warehouse/spark)")
    parser.add_argument("--selector", default="index_layer", help="dbt selector to build (index_layer_quick: no built-in tests)")
    args = parser.parse_args(argv)
    warehouse = (args.warehouse or published_warehouse()).resolve()
    directory = (args.dir or spark_dir()).resolve()
    if args.command == "build":
        from models_py.spark.build import build_index_layer

        started = time.perf_counter()
        build_index_layer(warehouse, directory, selector=args.selector)
        print(f"spark build ({args.selector}) in {time.perf_counter() - started:.1f}s; tables in {directory / 'tables'}")
        return 0
    from models_py.spark.compare import compare_marts

    failed = False
    for result in compare_marts(warehouse, directory):
        bad = bool(result.problems) or not result.max_abs_diff <= TOLERANCE
        failed |= bad
        print(f"{result.mart}: {result.rows} rows, max |Spark - DuckDB| = {result.max_abs_diff:.3g}"
              f" ({result.worst_column}){' FAILED' if bad else ''}")
        for problem in result.problems:
            print(f"  {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
