"""Read and summarise the `quarantine` mart (quality flags on loaded data) for the run output."""
from __future__ import annotations

import duckdb
import pandas as pd

COLUMNS = ["severity", "check_name", "series", "region_code", "year", "value", "reference_value",
           "detail", "source_file", "source_row", "raw_text"]


def read_quarantine(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The mart's rows, errors first; an empty frame if the mart was not built (a failed build)."""
    exists = connection.execute(
        "select count(*) from information_schema.tables where table_schema = 'main' and table_name = 'quarantine'"
    ).fetchone()[0]
    if not exists:
        return pd.DataFrame(columns=COLUMNS)
    return connection.execute(
        f"select {', '.join(COLUMNS)} from main.quarantine "
        "order by severity, check_name, series, region_code, year"
    ).df()


def summarise(flags: pd.DataFrame, examples: int = 3) -> list[str]:
    """One line per (severity, check, series) with its count and the first few values, file and line."""
    if flags.empty:
        return ["quarantine: no quality flags"]
    lines = [f"quarantine: {len(flags)} flagged values (query: nqp sql \"select * from quarantine\")"]
    for (severity, check, series), group in flags.groupby(["severity", "check_name", "series"], sort=True):
        shown = "; ".join(
            f"region {r.region_code} {r.year} = {r.value:g} ({r.detail}"
            + (f", {r.source_file} line {int(r.source_row)}" if pd.notna(r.source_row) else "") + ")"
            for r in group.head(examples).itertuples()
        )
        more = f"; … {len(group) - examples} more" if len(group) > examples else ""
        lines.append(f"  {severity} {check} {series}: {len(group)} — {shown}{more}")
    return lines
