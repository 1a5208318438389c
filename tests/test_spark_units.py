"""The index layer on Spark for units below the province: the analyst guide's project copy
(tests/test_analyst_guide.py: the shipped systems and city demo, plus its own city, county and
listed-firm systems with their excluded regions, counties split by city and firms by province) built
with the `spark` target from its own seeds and models, the way tests/test_spark_target.py builds the
session warehouse. Its marts must equal the copy's DuckDB build: same rows, keys and column types,
floats within 1e-9, and the county and firm systems must be among them."""
from __future__ import annotations

import os
import sys

import duckdb
import pytest

from models_py.spark import INDEX_LAYER_MARTS, spark_table_dir
from models_py.spark.compare import compare_marts
from tests import early_builds
from tests.guide_systems import COUNTY_SYSTEM, FIRM_SYSTEM, SYSTEM

TOLERANCE = 1e-9

pytestmark = pytest.mark.build


@early_builds.early_build("spark_guided", lane="own")
def _prepare_spark_guided(tmp_path_factory):
    directory = tmp_path_factory.mktemp("spark_guided")

    def build():
        root, env, warehouse = early_builds.outcome("guided_copy", tmp_path_factory)  # earlier in the lane
        spark_env = {**env, "NQP_SPARK_CATALOG": "in-memory", "NQP_SPARK_CODEGEN": "false",
                     "NQP_SPARK_JAVA_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}
        completed = early_builds.run(
            [sys.executable, "-m", "models_py.spark", "build", "--warehouse", str(warehouse),
             "--dir", str(directory), "--selector", "index_layer_quick"],
            cwd=root, env=spark_env, timeout=900)
        if completed.returncode != 0:
            pytest.fail(f"Spark build of the guide's copy failed:\n{completed.stdout[-6000:]}\n{completed.stderr[-4000:]}")
        return warehouse, directory

    return build


@pytest.fixture(scope="module")
def spark_guided(guided_copy, tmp_path_factory):
    """Started in the background after the guide's copy (tests/early_builds.py)."""
    return early_builds.outcome("spark_guided", tmp_path_factory)


def test_city_county_and_firm_systems_on_spark_equal_duckdb(spark_guided):
    warehouse, directory = spark_guided
    results = {result.mart: result for result in compare_marts(warehouse, directory)}
    assert set(results) == set(INDEX_LAYER_MARTS)
    for mart, result in results.items():
        assert result.rows > 0, mart
        assert not result.problems, f"{mart}: {result.problems}"
        assert result.max_abs_diff <= TOLERANCE, f"{mart}: {result.worst_column} differs by {result.max_abs_diff}"
    scores = spark_table_dir(directory, "main", "index_scores")
    systems = dict(duckdb.sql(f"select system, count(distinct region_code) from read_parquet('{scores}/*.parquet') "
                              "where level = 'total' group by system").fetchall())
    assert systems[SYSTEM] == 30 and systems["nqp_city"] > 300  # a province system and the city demo
    assert systems[COUNTY_SYSTEM] == 303 - 12  # the guide's counties but Jinan's
    assert 300 < systems[FIRM_SYSTEM] < 359  # its firms but Xinjiang's and one by its code
