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


def empty_study_model_lines(connection: duckdb.DuckDBPyConnection, manifest: dict) -> list[str]:
    """Study tables built by dbt (models with config.meta.study) that came out empty, with the study's
    series lacking values in its window (mart data_realness_series): what a real-only build could not
    compute without a Python estimator to report it."""
    lines = []
    for node in sorted(manifest.get("nodes", {}).values(), key=lambda n: n.get("name", "")):
        study = (node.get("config", {}).get("meta") or {}).get("study")
        if node.get("resource_type") != "model" or not study:
            continue
        relation = f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
        counted = _read(connection, f"select count(*) as n from {relation}")
        if counted is None or int(counted["n"][0]) > 0:
            continue
        lines.append(f"  {study}: {node['name']} has no rows")
        lacking = _read(connection, f"""select series, n_missing, n_region_years, first_value_year, last_value_year
                                        from main.data_realness_series
                                        where study = '{study}' and n_missing > 0 order by series""")
        for row in (lacking if lacking is not None else pd.DataFrame()).itertuples():
            years = ("no value" if pd.isna(row.first_value_year)
                     else f"values {int(row.first_value_year)}-{int(row.last_value_year)}")
            lines.append(f"    series {row.series}: {row.n_missing} of {row.n_region_years} region-years "
                         f"missing ({years})")
    return (["study tables built by dbt that are empty:"] + lines) if lines else []


def summary_lines(connection: duckdb.DuckDBPyConnection, manifest: dict | None = None) -> list[str]:
    return [*study_status_lines(connection), *(empty_study_model_lines(connection, manifest) if manifest else []),
            *index_status_lines(connection), *realness_lines(connection)]
