"""The results.* tables: every estimate lands here, where people query it with SQL.

A study's results are replaced as a whole in one transaction, so a reader never sees a mix of an
old and a new run of the same study. Every column and every diagnostic statistic name is documented
in docs/results.md.
"""
from __future__ import annotations

import duckdb
import pandas as pd

RESULT_TABLES: dict[str, str] = {
    "descriptive_statistics": """
        study varchar not null,
        table_id varchar not null,
        variable varchar not null,
        label_zh varchar,
        label_en varchar,
        variable_order integer,
        n bigint,
        mean double,
        sd double,
        min double,
        median double,
        max double,
        uses_synthetic boolean,
        run_id varchar,
        computed_at timestamp
    """,
    "regression_coefficients": """
        study varchar not null,
        table_id varchar not null,
        column_id varchar not null,
        term varchar not null,
        label_zh varchar,
        label_en varchar,
        term_order integer,
        is_control boolean,
        estimate double,
        std_error double,
        t double,
        p double,
        stars varchar,
        equation varchar not null default 'main',
        depvar varchar,
        stat_kind varchar,
        run_id varchar,
        computed_at timestamp
    """,
    "regression_fits": """
        study varchar not null,
        table_id varchar not null,
        column_id varchar not null,
        column_order integer,
        estimator varchar,
        depvar varchar,
        nobs bigint,
        r2 double,
        r2_adj double,
        r2_within double,
        fstat double,
        df_resid double,
        n_clusters bigint,
        vcov_type varchar,
        cluster varchar,
        absorbed varchar,
        region_fe boolean,
        year_fe boolean,
        has_controls boolean,
        singletons_dropped bigint,
        missing_dropped bigint,
        collinear_dropped varchar,
        uses_synthetic boolean,
        column_title varchar,
        sample_filter varchar,
        run_id varchar,
        computed_at timestamp
    """,
    "model_diagnostics": """
        study varchar not null,
        table_id varchar not null,
        column_id varchar not null,
        equation varchar not null default 'main',
        statistic varchar not null,
        value double,
        df double,
        df2 double,
        p double,
        note varchar,
        diagnostic_order integer,
        run_id varchar,
        computed_at timestamp
    """,
    "index_robustness": """
        study varchar not null,
        table_id varchar not null,
        method varchar not null,
        method_order integer,
        method_label_zh varchar,
        method_label_en varchar,
        is_baseline_method boolean,
        baseline_table_id varchar,
        baseline_column_id varchar,
        system varchar,
        variable varchar,
        panel_column varchar,
        term varchar,
        estimate double,
        std_error double,
        t double,
        p double,
        stars varchar,
        stat_kind varchar,
        nobs bigint,
        r2_within double,
        spearman_vs_baseline double,
        title_zh varchar,
        title_en varchar,
        run_id varchar,
        computed_at timestamp
    """,
    "study_status": """
        study varchar not null,
        table_id varchar not null,
        kind varchar,
        is_computed boolean not null,
        reason varchar,
        missing_variables varchar,
        missing_series varchar,
        run_id varchar,
        computed_at timestamp
    """,
}


def _column_definitions(ddl: str) -> list[tuple[str, str]]:
    """(name, definition) of each column in one of the DDL strings above."""
    out = []
    for line in ddl.strip().splitlines():
        line = line.strip().rstrip(",")
        if line:
            name, definition = line.split(None, 1)
            out.append((name, definition))
    return out


def ensure_result_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the results tables, and add columns a warehouse written by an older version lacks."""
    connection.execute("create schema if not exists results")
    for table, columns in RESULT_TABLES.items():
        connection.execute(f"create table if not exists results.{table} ({columns})")
        present = {
            row[0]
            for row in connection.execute(
                "select column_name from information_schema.columns where table_schema = 'results' and table_name = ?",
                [table],
            ).fetchall()
        }
        for name, definition in _column_definitions(columns):
            if name not in present:
                definition = definition.replace(" not null", "")  # existing rows get the default or NULL
                connection.execute(f"alter table results.{table} add column {name} {definition}")


def replace_study_results(
    connection: duckdb.DuckDBPyConnection, study: str, frames: dict[str, pd.DataFrame]
) -> dict[str, int]:
    """Delete every earlier row of `study` from each results table and insert the new ones, atomically."""
    unknown = set(frames) - set(RESULT_TABLES)
    if unknown:
        raise ValueError(f"not a results table: {sorted(unknown)}")
    ensure_result_tables(connection)
    written = {}
    connection.execute("begin transaction")
    try:
        for table in RESULT_TABLES:
            connection.execute(f"delete from results.{table} where study = ?", [study])
            frame = frames.get(table)
            if frame is None or frame.empty:
                written[table] = 0
                continue
            columns = ", ".join(frame.columns)
            connection.register("incoming_results", frame)
            connection.execute(f"insert into results.{table} ({columns}) select {columns} from incoming_results")
            connection.unregister("incoming_results")
            written[table] = len(frame)
        connection.execute("commit")
    except Exception:
        connection.execute("rollback")
        raise
    return written
