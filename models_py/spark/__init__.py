"""The index layer on Spark (dbt-spark, README "The index layer on Spark").

The loader and the generator write the raw tables into DuckDB. For the `spark` dbt target those
inputs are exported to Parquet (`inputs`), registered as the tables of source `raw` and built with
the selector `index_layer` (`build`), all in one process, so dbt-spark's session method uses one
Spark session. `compare` checks the Spark marts against the DuckDB build's.

    python -m models_py.spark build   [--warehouse W] [--dir D]   export, register, seed + build
    python -m models_py.spark compare [--warehouse W] [--dir D]   max |Spark - DuckDB| per mart
"""
from __future__ import annotations

import os
from pathlib import Path

from models_py.config import PROJECT_ROOT

# The marts of the index layer whose values are compared with DuckDB's.
INDEX_LAYER_MARTS = ("index_weights", "index_scores", "inequality_measures", "inequality_groups", "inequality_pairs")


def spark_dir() -> Path:
    """Where the Spark target keeps its files: warehouse/spark unless NQP_SPARK_DIR says otherwise.

    Holds raw/ (the exported Parquet inputs), tables/ (spark.sql.warehouse.dir), metastore_db (the
    Derby catalog) and dbt/ (dbt's target and log paths for this target, apart from DuckDB's manifest).
    """
    path = Path(os.environ.get("NQP_SPARK_DIR", PROJECT_ROOT / "warehouse" / "spark"))
    return (path if path.is_absolute() else PROJECT_ROOT / path).resolve()


def spark_table_dir(directory: Path, schema: str, table: str) -> Path:
    """The Parquet folder of a managed table `schema.table` (Spark's layout: <warehouse>/<schema>.db/<table>)."""
    return directory / "tables" / f"{schema}.db" / table
