"""The index layer on Spark (dbt-spark, session method, README "The index layer on Spark").

The analyst guide's project copy (tests/test_analyst_guide.py: the shipped project with its provincial
systems and city demo, plus the guide's own provincial, city, county and listed-firm systems with their
excluded regions, counties split by city and firms by province) has its raw inputs exported to
Parquet and registered in Spark, and the selector `index_layer_quick` (seeds, staging, intermediate,
index weights and scores, the inequality marts and the project's own tests) is built with the `spark`
target from the copy's own seeds and models, in one process: one Spark session, local[2], 2 shuffle
partitions, no UI, an in-memory catalog. Its marts must equal the copy's DuckDB build: same rows, keys
and column types, floats within 1e-9. (The copy rather than the session build: it holds every unit
level, for one Spark build's time.)
"""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from models_py.spark import INDEX_LAYER_MARTS, spark_table_dir
from models_py.spark.compare import compare_frames, compare_marts
from tests import early_builds
from tests.guide_systems import COUNTY_SYSTEM, FIRM_SYSTEM, SYSTEM

TOLERANCE = 1e-9


@early_builds.early_build("spark_build", seconds=140)
def _prepare_spark_build(tmp_path_factory):
    directory = tmp_path_factory.mktemp("spark")
    # a short job on small tables: C1-only JIT, serial GC and no whole-stage codegen spend less CPU on
    # compiling than they would save (the profile's defaults stay for real data)
    spark_env = {"NQP_SPARK_CATALOG": "in-memory", "NQP_SPARK_CODEGEN": "false",
                 "NQP_SPARK_JAVA_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}

    def build() -> tuple[Path, Path]:
        # the guide's copy builds in the other lane; this lane has the session build's jobs before it
        root, env, warehouse = early_builds.outcome("guided_copy", tmp_path_factory)
        completed = early_builds.run(
            [sys.executable, "-m", "models_py.spark", "build", "--warehouse", str(warehouse),
             "--dir", str(directory), "--selector", "index_layer_quick"],
            cwd=root, env={**env, **spark_env}, timeout=900,
        )
        if completed.returncode != 0:
            pytest.fail(f"Spark build failed:\n{completed.stdout[-6000:]}\n{completed.stderr[-4000:]}")
        return warehouse, directory

    return build


@pytest.fixture(scope="module")
def spark_build(guided_copy, tmp_path_factory) -> tuple[Path, Path]:
    """(the copy's DuckDB warehouse, the Spark files). Started in the background (tests/early_builds.py)."""
    return early_builds.outcome("spark_build", tmp_path_factory)


def test_index_layer_on_spark_equals_duckdb(spark_build):
    warehouse, directory = spark_build
    results = {result.mart: result for result in compare_marts(warehouse, directory)}
    assert set(results) == set(INDEX_LAYER_MARTS)
    for mart, result in results.items():
        assert result.rows > 0, mart
        assert not result.problems, f"{mart}: {result.problems}"
        assert result.max_abs_diff <= TOLERANCE, f"{mart}: {result.worst_column} differs by {result.max_abs_diff}"
    # both weighting levels, both score kinds and every inequality measure came through
    assert results["index_scores"].rows > 1000 and results["inequality_pairs"].rows > 100
    # ... for every unit level: a provincial system, the city demo, the guide's counties and firms
    scores = spark_table_dir(directory, "main", "index_scores")
    systems = dict(duckdb.sql(f"select system, count(distinct region_code) from read_parquet('{scores}/*.parquet') "
                              "where level = 'total' group by system").fetchall())
    assert systems[SYSTEM] == 30 and systems["nqp_a"] == 30 and systems["nqp_city"] > 300
    assert systems[COUNTY_SYSTEM] == 303 - 12  # the guide's counties but Jinan's
    assert 300 < systems[FIRM_SYSTEM] < 359  # its firms but Xinjiang's and one by its code


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
