"""What `nqp build` prints after the build: how real each study's and index system's data are
(mart data_realness), which study tables could not be computed and why (results.study_status), and
which index systems were not scored (mart index_system_status, when the warehouse has it)."""
from __future__ import annotations

import duckdb
import pandas as pd

from models_py.study_gaps import series_labels


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


SERIES_NOTE = "; series of the study without any value: "


def study_status_lines(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Per study: tables computed, and each table not computed with its reason; the study's series
    without any value (appended to every reason in results.study_status) are named once."""
    frame = _read(connection, "select * from results.study_status order by study, table_id")
    if frame is None or frame.empty:
        return []
    lines = ["studies (results.study_status):"]
    for study, rows in frame.groupby("study", sort=True):
        computed = rows.loc[rows["is_computed"], "table_id"].tolist()
        lines.append(f"  {study}: {len(computed)} of {len(rows)} tables computed"
                     + (f" ({', '.join(computed)})" if computed else ""))
        for row in rows[~rows["is_computed"]].itertuples():
            lines.append(f"    NOT COMPUTED {row.table_id}: {str(row.reason).split(SERIES_NOTE)[0]}")
        absent = rows["missing_series"].dropna()
        if len(absent):
            lines.append(f"    series of {study} without any value: {absent.iloc[0]}")
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


def study_model_lines(connection: duckdb.DuckDBPyConnection, manifest: dict) -> list[str]:
    """Study tables dbt builds (models with config.meta.study, other than the panels the Python
    estimators read, which results.study_status covers): which have rows and which came out empty, and
    for a study with an empty one the series lacking values in its window (mart data_realness_series)."""
    from models_py.manifest.reader import node_meta, read_manifest

    panels = {study.model for study in read_manifest(manifest).studies}
    tables: dict[str, dict[str, int]] = {}
    for node in sorted(manifest.get("nodes", {}).values(), key=lambda n: n.get("name", "")):
        study = node_meta(node).get("study")
        if node.get("resource_type") != "model" or not study or node["name"] in panels:
            continue
        counted = _read(connection, f'select count(*) as n from "{node["schema"]}"."{node.get("alias") or node["name"]}"')
        if counted is not None:
            tables.setdefault(study, {})[node["name"]] = int(counted["n"][0])
    lines = []
    for study, counts in sorted(tables.items()):
        full = [f"{name} ({n})" for name, n in counts.items() if n]
        empty = [name for name, n in counts.items() if not n]
        lines.append(f"  {study}: with rows {', '.join(full) or 'none'}"
                     + (f"; EMPTY {', '.join(empty)}" if empty else ""))
        if not empty:
            continue
        series = _read(connection, f"select * from main.data_realness_series where study = '{study}' order by series")
        if series is None or series.empty:
            continue
        lacking = series.assign(label=series_labels(series))[series["n_missing"] > 0]
        none = lacking[lacking["first_value_year"].isna()]
        some = lacking[lacking["first_value_year"].notna()]
        if len(none):
            lines.append(f"    series of {study} without any value: {', '.join(none['label'])}")
        for row in some.itertuples():
            lines.append(f"    series {row.label}: values {int(row.first_value_year)}-{int(row.last_value_year)}, "
                         f"{row.n_missing} of {row.n_region_years} region-years missing")
    return (["study tables built by dbt:"] + lines) if lines else []


def summary_lines(connection: duckdb.DuckDBPyConnection, manifest: dict | None = None) -> list[str]:
    return [*study_status_lines(connection), *(study_model_lines(connection, manifest) if manifest else []),
            *index_status_lines(connection), *realness_lines(connection)]
