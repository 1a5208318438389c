"""The index layer on Spark (dbt-spark, session method, README "The index layer on Spark").

The session build's raw inputs are exported to Parquet, registered in Spark, and the selector
`index_layer_quick` (seeds, staging, intermediate, index weights and scores, the inequality marts and
the project's own tests) is built with the `spark` target in one process: one Spark session, local[2],
2 shuffle partitions, no UI, an in-memory catalog. Its marts must equal the DuckDB build's: same
rows, keys and column types, floats within 1e-9.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from models_py.spark import INDEX_LAYER_MARTS
from models_py.spark.compare import compare_frames, compare_marts
from tests import early_builds

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 1e-9


@early_builds.early_build("spark_build")
def _prepare_spark_build(tmp_path_factory):
    directory = tmp_path_factory.mktemp("spark")
    # a short job on small tables: C1-only JIT, serial GC and no whole-stage codegen spend less CPU on
    # compiling than they would save (the profile's defaults stay for real data)
    env = {**os.environ, "NQP_SPARK_CATALOG": "in-memory", "DBT_PROFILES_DIR": str(PROJECT_ROOT),
           "NQP_SPARK_CODEGEN": "false", "NQP_SPARK_JAVA_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}

    def build() -> Path:
        built_warehouse = early_builds.outcome("built_warehouse", tmp_path_factory)  # done: earlier in the lane
        completed = early_builds.run(
            [sys.executable, "-m", "models_py.spark", "build", "--warehouse", str(built_warehouse),
             "--dir", str(directory), "--selector", "index_layer_quick"],
            cwd=PROJECT_ROOT, env=env, timeout=900,
        )
        if completed.returncode != 0:
            pytest.fail(f"Spark build failed:\n{completed.stdout[-6000:]}\n{completed.stderr[-4000:]}")
        return directory

    return build


@pytest.fixture(scope="module")
def spark_build(built_warehouse, tmp_path_factory) -> Path:
    """Started in the background after the session build (tests/early_builds.py)."""
    return early_builds.outcome("spark_build", tmp_path_factory)


def test_index_layer_on_spark_equals_duckdb(spark_build, built_warehouse):
    results = {result.mart: result for result in compare_marts(built_warehouse, spark_build)}
    assert set(results) == set(INDEX_LAYER_MARTS)
    for mart, result in results.items():
        assert result.rows > 0, mart
        assert not result.problems, f"{mart}: {result.problems}"
        assert result.max_abs_diff <= TOLERANCE, f"{mart}: {result.worst_column} differs by {result.max_abs_diff}"
    # both weighting levels, both score kinds and every inequality measure came through
    assert results["index_scores"].rows > 1000 and results["inequality_pairs"].rows > 100


def test_the_comparison_catches_a_difference():
    """Can fail: a value off by 1e-8, a missing row, a changed key and a DECIMAL column are reported."""
    duck = pd.DataFrame({"system": ["a", "a", "b"], "dimension": [None, "d", "d"], "weight": [0.2, 0.3, 0.5]})
    types = {"system": "VARCHAR", "dimension": "VARCHAR", "weight": "DOUBLE"}
    same = compare_frames("m", duck.iloc[::-1].copy(), duck.copy(), types, types)
    assert same.max_abs_diff == 0 and not same.problems  # row order does not matter

    off = duck.copy()
    off.loc[2, "weight"] += 1e-8
    assert compare_frames("m", off, duck.copy()).max_abs_diff > TOLERANCE
    assert compare_frames("m", duck.iloc[:2].copy(), duck.copy()).problems
    renamed = duck.copy()
    renamed.loc[0, "system"] = "c"
    assert any("system differs" in p for p in compare_frames("m", renamed, duck.copy()).problems)
    decimal = compare_frames("m", duck.copy(), duck.copy(), {**types, "weight": "DECIMAL(24,12)"}, types)
    assert any("DECIMAL" in p for p in decimal.problems)
