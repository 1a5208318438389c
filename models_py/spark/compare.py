"""Spark's index-layer marts against the DuckDB build's: same rows, same keys, values to a tolerance.

Spark writes its tables as Parquet (spark.sql.warehouse.dir); DuckDB reads them, so the comparison
needs no Spark session. Rows are matched by sorting both sides on every non-float column (the marts'
keys are among them); float columns are compared by absolute difference, the others exactly.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from models_py.spark import INDEX_LAYER_MARTS, spark_table_dir


@dataclass(frozen=True)
class MartComparison:
    mart: str
    rows: int
    max_abs_diff: float  # over every float column and row; 0.0 when the mart has none
    worst_column: str | None
    problems: tuple[str, ...]  # row counts, columns, key or non-float values that differ


def read_spark_table(directory: Path, schema: str, table: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The rows of a Spark table and its column types (as DuckDB reads its Parquet)."""
    folder = spark_table_dir(directory, schema, table)
    if not folder.is_dir():
        raise FileNotFoundError(f"no Spark table {schema}.{table} at {folder}: build the Spark target first")
    relation = duckdb.sql(f"select * from read_parquet('{folder}/*.parquet')")
    return relation.df(), dict(zip(relation.columns, map(str, relation.types)))


def read_duckdb_table(warehouse: Path, schema: str, table: str) -> tuple[pd.DataFrame, dict[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        relation = connection.sql(f"select * from {schema}.{table}")
        return relation.df(), dict(zip(relation.columns, map(str, relation.types)))


def compare_frames(mart: str, spark: pd.DataFrame, duck: pd.DataFrame,
                   spark_types: dict[str, str] | None = None, duck_types: dict[str, str] | None = None
                   ) -> MartComparison:
    problems = []
    if spark_types is not None and duck_types is not None:
        # one portable SQL gives one type (a Spark `n * 1.0 / m` would be a DECIMAL, DuckDB's a DOUBLE)
        problems += [f"{column} is {spark_types.get(column)} on Spark, {kind} on DuckDB"
                     for column, kind in duck_types.items() if column in spark_types and spark_types[column] != kind]
    if sorted(spark.columns) != sorted(duck.columns):
        problems.append(f"columns differ: Spark only {sorted(set(spark.columns) - set(duck.columns))}, "
                        f"DuckDB only {sorted(set(duck.columns) - set(spark.columns))}")
        return MartComparison(mart, len(duck), float("nan"), None, tuple(problems))
    spark = spark[list(duck.columns)]
    if len(spark) != len(duck):
        problems.append(f"{len(spark)} rows on Spark, {len(duck)} on DuckDB")
        return MartComparison(mart, len(duck), float("nan"), None, tuple(problems))
    floats = [c for c in duck.columns if pd.api.types.is_float_dtype(duck[c])]
    keys = [c for c in duck.columns if c not in floats]
    for frame in (spark, duck):
        for column in floats:
            frame[column] = frame[column].astype(float)  # a Spark decimal arrives as object
    spark = spark.sort_values(keys, na_position="first", kind="stable").reset_index(drop=True)
    duck = duck.sort_values(keys, na_position="first", kind="stable").reset_index(drop=True)
    for column in keys:
        left, right = spark[column].astype(object), duck[column].astype(object)
        differ = ~((left == right) | (left.isna() & right.isna()))
        if differ.any():
            first = differ.idxmax()
            problems.append(f"{column} differs in {int(differ.sum())} rows, first: Spark {left[first]!r}, "
                            f"DuckDB {right[first]!r}")
    worst, worst_column = 0.0, None
    for column in floats:
        left, right = spark[column].to_numpy(float), duck[column].to_numpy(float)
        if (np.isnan(left) != np.isnan(right)).any():
            problems.append(f"{column}: missing on one engine only in {int((np.isnan(left) != np.isnan(right)).sum())} rows")
        both = ~np.isnan(left) & ~np.isnan(right)
        diff = float(np.max(np.abs(left[both] - right[both]), initial=0.0))
        if diff > worst or worst_column is None:
            worst, worst_column = max(worst, diff), column
    return MartComparison(mart, len(duck), worst, worst_column, tuple(problems))


def compare_marts(warehouse: Path, directory: Path, marts: tuple[str, ...] = INDEX_LAYER_MARTS,
                  schema: str = "main") -> list[MartComparison]:
    """Each mart of the Spark build (`directory`) against the same table of the DuckDB `warehouse`."""
    comparisons = []
    for mart in marts:
        (spark, spark_types), (duck, duck_types) = (read_spark_table(directory, schema, mart),
                                                    read_duckdb_table(warehouse, schema, mart))
        comparisons.append(compare_frames(mart, spark, duck, spark_types, duck_types))
    return comparisons
