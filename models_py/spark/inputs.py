"""The raw inputs of the index layer, exported from a DuckDB build to Parquet for Spark."""
from __future__ import annotations

from pathlib import Path

import duckdb

from models_py.errors import DataError

# The source tables the index layer reads (staging models stg_portal__observations,
# stg_synthetic__observations, stg_ingest__user_series, stg_city__observations, stg_firm__units); the seeds are loaded by `dbt seed`.
RAW_INPUTS = ("portal_observations", "synthetic_observations", "user_series", "city_observations", "firm_units")


def export_raw_inputs(warehouse: Path, directory: Path, tables: tuple[str, ...] = RAW_INPUTS) -> list[Path]:
    """Write raw.<table> of `warehouse` to <directory>/<table>.parquet (one file each, replaced)."""
    if not Path(warehouse).exists():
        raise DataError("no DuckDB warehouse to export the raw inputs from: build one first (make run)",
                        file=warehouse)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        present = {name for (name,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}
        for table in tables:
            if table not in present:
                raise DataError(f"raw.{table} is missing: the index layer reads it", file=warehouse)
            target = directory / f"{table}.parquet"
            target.unlink(missing_ok=True)
            connection.execute(f"copy raw.{table} to '{target}' (format parquet)")
            written.append(target)
    return written
