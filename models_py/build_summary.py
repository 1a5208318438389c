"""What `nqp build` prints after the build: how real each study's and index system's data are
(mart data_realness), which study tables could not be computed and why (results.study_status), and
which index systems were not scored (mart index_system_status, when the warehouse has it)."""
from __future__ import annotations

import duckdb
import pandas as pd


def _read(connection: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame | None:
    try:
        return connection.execute(sql).df()
    except duckdb.CatalogException:  # a table this build did not produce
        return None


def _pct(value) -> str:
    return "-" if value is None or pd.isna(value) else f"{100 * value:.1f}%"


def realness_lines(connection: duckdb.DuckDBPyConnection) -> list[str]:
    frame = _read(connection, "select * from main.data_realness order by study, subject_kind = 'index_system', subject")
    if frame is None or frame.empty:
        return []
    lines = ["data realness (share of values real / interpolated / generated / missing; mart data_realness):"]
    for row in frame.itertuples():
        kind = "study" if row.subject_kind == "study" else "  index"
        lines.append(f"  {kind} {row.subject}: real {_pct(row.share_real)}, interpolated "
                     f"{_pct(row.share_interpolated)}, generated {_pct(row.share_generated)}, missing "
                     f"{_pct(row.share_missing)} of {row.n_cells} values")
    return lines


def study_status_lines(connection: duckdb.DuckDBPyConnection) -> list[str]:
    frame = _read(connection, "select * from results.study_status order by study, table_id")
    if frame is None or frame.empty:
        return []
    lines = ["studies (results.study_status):"]
    for study, rows in frame.groupby("study", sort=True):
        computed = rows.loc[rows["is_computed"], "table_id"].tolist()
        lines.append(f"  {study}: {len(computed)} of {len(rows)} tables computed"
                     + (f" ({', '.join(computed)})" if computed else ""))
        for row in rows[~rows["is_computed"]].itertuples():
            lines.append(f"    NOT COMPUTED {row.table_id}: {row.reason}")
    return lines


def index_status_lines(connection: duckdb.DuckDBPyConnection) -> list[str]:
    frame = _read(connection, "select * from main.index_system_status order by system")
    if frame is None or frame.empty or "is_computed" not in frame:
        return []
    skipped = frame[~frame["is_computed"].astype(bool)]
    lines = [f"index systems: {len(frame) - len(skipped)} of {len(frame)} scored (mart index_system_status)"]
    for row in skipped.itertuples():
        lines.append(f"    NOT SCORED {row.system}: {getattr(row, 'missing_detail', '')}")
    return lines


def summary_lines(connection: duckdb.DuckDBPyConnection) -> list[str]:
    return [*study_status_lines(connection), *index_status_lines(connection), *realness_lines(connection)]
