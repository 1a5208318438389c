"""The replication view: seed published_cells, mart replication_cells, reports/<study>_replication.*.

The seed tests need no warehouse. The mart is checked against an independent pandas computation on
the built warehouse (every cell's our value, differences, colour and the realness of its inputs), the
report pages on the build's reports/, and a planted cell (fabricated rows equal to, 5 % off and 50 %
off our value) on a copy of the warehouse with the mart rebuilt by dbt.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.session_builds import session_reports

from models_py.declarations import load_manifest, study_declarations
from models_py.reporting import study_metas, study_series, study_years

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED = PROJECT_ROOT / "seeds" / "reference" / "published_cells.csv"
STUDIES = ("paper_a", "paper_b", "paper_c", "paper_d", "paper_e")
# The tables each paper prints with numbers (and `text`: numbers printed in the running text).
PAPER_TABLES = {
    "paper_a": {"T2", "T3", "T4", "T5", "T6"},
    "paper_b": {"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "text"},
    "paper_c": {"T2", "T3", "T4", "T5"},
    "paper_d": {"T1", "text"},
    "paper_e": {"T2", "T3", "T4", "T5", "T6", "T7", "T8"},
}
# Which key columns each relation needs, and the measures it has.
RELATION_KEYS = {
    "results.descriptive_statistics": (["our_table_id", "our_item"], {"n", "mean", "sd", "min", "median", "max"}),
    "results.regression_coefficients": (["our_table_id", "our_column_id", "our_equation", "our_item"],
                                        {"estimate", "std_error", "t"}),
    "results.regression_fits": (["our_table_id", "our_column_id"], {"nobs", "r2", "r2_adj", "r2_within"}),
    "results.model_diagnostics": (["our_table_id", "our_column_id", "our_equation", "our_item"], {"value", "p"}),
    "paper_b_index_weights": (["our_table_id", "our_column_id", "our_item"],
                              {"weight_pct_pooled", "weight_pct_2003", "weight_pct_2004_2012", "weight_pct_2013_2022",
                               "weight_pct_2023"}),
    "paper_b_national_indices": (["our_item", "our_year"], {"value"}),
    "regional_disparity_change": (["our_item"], {"gdp_gap_start", "gdp_gap_end", "gdp_gap_change_pct",
                                                 "gdp_per_capita_gap_start", "gdp_per_capita_gap_end",
                                                 "gdp_per_capita_gap_change_pct"}),
    "regional_rankings": (["our_item", "our_year"], {"gdp_per_capita_rank", "gdp_per_capita", "ratio_to_bottom"}),
    "hu_line_shares": (["our_item", "our_year"], {"gdp_share_pct", "population_share_pct", "land_area_share_pct"}),
}
KEY_COLUMNS = ["our_table_id", "our_column_id", "our_equation", "our_item", "our_year"]


def seed_text() -> pd.DataFrame:
    return pd.read_csv(SEED, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- the seed


def test_every_row_names_a_study_and_a_table_the_paper_prints():
    seed = seed_text()
    assert len(seed) > 1000
    assert set(seed["study"]) == set(STUDIES)
    for row in seed.itertuples():
        assert row.table_id in PAPER_TABLES[row.study], f"{row.cell_id}: {row.study} prints no table {row.table_id}"
    assert seed["cell_id"].is_unique
    assert (seed["row_label"] != "").all() and (seed["column_label"] != "").all()


def test_values_are_numbers_with_the_printed_decimals():
    for row in seed_text().itertuples():
        assert re.fullmatch(r"-?\d+(\.\d+)?", row.value), f"{row.cell_id}: value {row.value!r} is not a plain number"
        assert math.isfinite(float(row.value))
        decimals = len(row.value.split(".")[1]) if "." in row.value else 0
        assert int(row.printed_decimals) == decimals, f"{row.cell_id}: {row.value} has {decimals} decimals"
        assert re.fullmatch(r"\**", row.printed_stars)


def test_every_counterpart_has_its_keys_and_a_known_measure():
    for row in seed_text().itertuples():
        if not row.our_relation:
            assert row.note, f"{row.cell_id}: a cell without counterpart says why in its note"
            continue
        keys, measures = RELATION_KEYS[row.our_relation]
        for key in keys:
            assert getattr(row, key), f"{row.cell_id}: {row.our_relation} needs {key}"
        assert row.our_measure in measures, f"{row.cell_id}: {row.our_relation} has no measure {row.our_measure}"
    # a transcribed coefficient comes with its standard error
    seed = seed_text()
    coefficients = seed[seed["kind"] == "coefficient"]
    errors = seed[seed["kind"] == "std_error"]
    pair = ["study", "table_id", "row_label", "column_label"]
    assert len(coefficients) == len(errors)
    assert coefficients[pair].merge(errors[pair], how="left", indicator=True)["_merge"].eq("both").all()


def test_results_counterparts_name_declared_tables_and_columns():
    """Offline: each results.* key names a table (and column) the study's YAML declares."""
    declared = {s.study: s for s in study_declarations(load_manifest())}
    for row in seed_text().itertuples():
        if not row.our_relation.startswith("results."):
            continue
        study = declared[row.study]
        tables = {t.table_id: t for t in study.tables}
        assert row.our_table_id in tables, f"{row.cell_id}: {row.study} declares no {row.our_table_id}"
        if row.our_column_id:
            columns = {c.column_id for c in tables[row.our_table_id].columns}
            assert row.our_column_id in columns, f"{row.cell_id}: {row.our_table_id} has no column {row.our_column_id}"


# --------------------------------------------------------------------------- the mart vs pandas


def _long_values(connection) -> pd.DataFrame:
    """Our values in the seed's key schema, computed in pandas (independent of the mart's SQL)."""
    def frame(sql):
        return connection.execute(sql).df()

    parts = []
    d = frame("select * from results.descriptive_statistics")
    for measure in ("n", "mean", "sd", "min", "median", "max"):
        parts.append(pd.DataFrame({"our_relation": "results.descriptive_statistics", "study": d["study"],
                                   "our_table_id": d["table_id"], "our_item": d["variable"], "our_measure": measure,
                                   "our_value": d[measure].astype(float)}))
    c = frame("select * from results.regression_coefficients")
    for measure in ("estimate", "std_error", "t"):
        parts.append(pd.DataFrame({"our_relation": "results.regression_coefficients", "study": c["study"],
                                   "our_table_id": c["table_id"], "our_column_id": c["column_id"],
                                   "our_equation": c["equation"], "our_item": c["term"], "our_measure": measure,
                                   "our_value": c[measure].astype(float)}))
    f = frame("select * from results.regression_fits")
    for measure in ("nobs", "r2", "r2_adj", "r2_within"):
        parts.append(pd.DataFrame({"our_relation": "results.regression_fits", "study": f["study"],
                                   "our_table_id": f["table_id"], "our_column_id": f["column_id"],
                                   "our_measure": measure, "our_value": f[measure].astype(float)}))
    m = frame("select * from results.model_diagnostics")
    for measure in ("value", "p"):
        parts.append(pd.DataFrame({"our_relation": "results.model_diagnostics", "study": m["study"],
                                   "our_table_id": m["table_id"], "our_column_id": m["column_id"],
                                   "our_equation": m["equation"], "our_item": m["statistic"], "our_measure": measure,
                                   "our_value": m[measure].astype(float)}))
    w = frame("select * from paper_b_index_weights where level in ('dimension', 'indicator')")
    for measure in ("weight_pct_pooled", "weight_pct_2003", "weight_pct_2004_2012", "weight_pct_2013_2022",
                    "weight_pct_2023"):
        parts.append(pd.DataFrame({"our_relation": "paper_b_index_weights", "study": "paper_b",
                                   "our_table_id": w["system"], "our_column_id": w["level"],
                                   "our_item": w["indicator"].fillna(w["dimension"]), "our_measure": measure,
                                   "our_value": w[measure]}))
    n = frame("select * from paper_b_national_indices")
    for column in ("factor_innovation", "fi_labour", "fi_capital", "fi_technology", "industrial_digitisation",
                   "digitisation_primary", "digitisation_secondary", "digitisation_tertiary", "coordination"):
        parts.append(pd.DataFrame({"our_relation": "paper_b_national_indices", "study": "paper_b", "our_item": column,
                                   "our_measure": "value", "our_year": n["year"], "our_value": n[column]}))
    g = frame("select * from regional_disparity_change")
    for measure in ("gdp_gap_start", "gdp_gap_end", "gdp_gap_change_pct", "gdp_per_capita_gap_start",
                    "gdp_per_capita_gap_end", "gdp_per_capita_gap_change_pct"):
        parts.append(pd.DataFrame({"our_relation": "regional_disparity_change", "study": "paper_d",
                                   "our_item": g["region_a"] + "-" + g["region_b"], "our_measure": measure,
                                   "our_value": g[measure]}))
    r = frame("select * from regional_rankings")
    for measure in ("gdp_per_capita_rank", "gdp_per_capita", "ratio_to_bottom"):
        parts.append(pd.DataFrame({"our_relation": "regional_rankings", "study": "paper_d",
                                   "our_item": r["region_code"].astype(str), "our_year": r["year"],
                                   "our_measure": measure, "our_value": r[measure].astype(float)}))
    h = frame("select * from hu_line_shares")
    for measure in ("gdp_share_pct", "population_share_pct", "land_area_share_pct"):
        parts.append(pd.DataFrame({"our_relation": "hu_line_shares", "study": "paper_d", "our_item": h["hu_line_side"],
                                   "our_year": h["year"], "our_measure": measure, "our_value": h[measure]}))
    values = pd.concat(parts, ignore_index=True)
    for key in KEY_COLUMNS:
        values[key] = values[key].fillna("").astype(str) if key in values else ""
    values["our_year"] = values["our_year"].replace({"": "-1"}).astype(float).astype(int).astype(str)
    return values.dropna(subset=["our_value"])


def _expected_cells(connection) -> pd.DataFrame:
    seed = seed_text()
    seed["our_year"] = seed["our_year"].replace({"": "-1"})
    ours = _long_values(connection)
    assert not ours.duplicated(["our_relation", "study", *KEY_COLUMNS, "our_measure"]).any()
    merged = seed.merge(ours, how="left", on=["our_relation", "study", *KEY_COLUMNS, "our_measure"])
    assert len(merged) == len(seed)
    published = merged["value"].astype(float)
    merged["abs_diff"] = (merged["our_value"] - published).abs()
    half = 0.5 * 10.0 ** -merged["printed_decimals"].astype(int)
    left = (merged["abs_diff"] - half).clip(lower=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        merged["rel_diff_beyond_rounding"] = np.where(left == 0, 0.0, left / published.abs())
    merged.loc[merged["our_value"].isna(), "rel_diff_beyond_rounding"] = np.nan
    rel = merged["rel_diff_beyond_rounding"].replace(np.inf, np.nan)
    merged["closeness"] = np.select([merged["our_value"].isna(), rel.isna(), rel <= 0.01, rel <= 0.10],
                                    [None, "red", "green", "amber"], "red")
    return merged


def _generated_values_by_cell(connection, cells: pd.DataFrame) -> pd.Series:
    """Generated input values per cell, by the rules the mart documents, in pandas / the reports' Python."""
    query = lambda sql, params=None: connection.execute(sql, params or []).df()  # noqa: E731
    metas = study_metas(load_manifest())
    values = query("select series, year, is_synthetic from series_values")
    indicators = query("select system, dimension, indicator, numerator, denominator from reference.index_indicators")
    inputs = indicators.melt(id_vars=["system", "dimension", "indicator"], value_vars=["numerator", "denominator"],
                             value_name="series").dropna(subset=["series"])
    systems = query("select system, year_from, year_to from reference.index_systems").set_index("system")
    disparity = query("select min(start_year) as s, min(end_year) as e from regional_disparity_change").iloc[0]
    national = {"factor_innovation": ("factor_innovation_b", None), "fi_labour": ("factor_innovation_b", "labour"),
                "fi_capital": ("factor_innovation_b", "capital"), "fi_technology": ("factor_innovation_b", "technology"),
                "industrial_digitisation": ("industrial_digitisation_b", None),
                "digitisation_primary": ("industrial_digitisation_b", "primary"),
                "digitisation_secondary": ("industrial_digitisation_b", "secondary"),
                "digitisation_tertiary": ("industrial_digitisation_b", "tertiary"),
                "coordination": ("coordination_b", None)}

    def generated(series: set, years: set) -> int:
        rows = values[values["series"].isin(series) & values["year"].isin(years)]
        return int(rows["is_synthetic"].sum())

    study_inputs = {}
    for study in STUDIES:
        first_last = study_years(study, query)
        if first_last:
            study_inputs[study] = (set(study_series(study, query, metas.get(study))),
                                   set(range(first_last[0], first_last[1] + 1)))
    counts = {}
    for cell in cells.itertuples():
        relation = cell.our_relation
        if relation.startswith("results."):
            series, years = study_inputs[cell.study]
        elif relation == "paper_b_index_weights":
            period = cell.our_measure.replace("weight_pct_", "")
            if period == "pooled":
                years = set(range(systems.loc[cell.our_table_id, "year_from"], systems.loc[cell.our_table_id, "year_to"] + 1))
            else:
                bounds = [int(y) for y in period.split("_")]
                years = set(range(bounds[0], bounds[-1] + 1))
            mine = inputs[inputs["system"] == cell.our_table_id]
            level = "indicator" if cell.our_column_id == "indicator" else "dimension"
            series = set(mine[mine[level] == cell.our_item]["series"])
        elif relation == "paper_b_national_indices":
            system, dimension = national[cell.our_item]
            mine = inputs[inputs["system"] == system]
            series = set((mine if dimension is None else mine[mine["dimension"] == dimension])["series"])
            years = {int(cell.our_year)}
        elif relation == "regional_disparity_change":
            series, years = {"gdp", "population", "gdp_per_capita"}, {int(disparity["s"]), int(disparity["e"])}
        elif relation in ("regional_rankings", "hu_line_shares"):
            series, years = {"gdp", "population", "gdp_per_capita"}, {int(cell.our_year)}
        else:
            counts[cell.cell_id] = 0
            continue
        counts[cell.cell_id] = generated(series, years)
    return pd.Series(counts)


@pytest.mark.build
def test_mart_matches_an_independent_pandas_computation(warehouse_connection):
    mart = warehouse_connection.execute("select * from replication_cells").df().set_index("cell_id")
    expected = _expected_cells(warehouse_connection).set_index("cell_id")
    assert set(mart.index) == set(expected.index)
    mart = mart.loc[expected.index]
    found = expected["our_value"].notna()
    assert found.sum() > 0.9 * len(expected)
    np.testing.assert_allclose(mart.loc[found, "our_value"], expected.loc[found, "our_value"], rtol=1e-12, atol=1e-12)
    assert mart.loc[~found, "our_value"].isna().all()
    np.testing.assert_allclose(mart.loc[found, "abs_diff"], expected.loc[found, "abs_diff"], rtol=1e-9, atol=1e-12)
    both = found & expected["rel_diff_beyond_rounding"].replace(np.inf, np.nan).notna()
    np.testing.assert_allclose(mart.loc[both, "rel_diff_beyond_rounding"], expected.loc[both, "rel_diff_beyond_rounding"],
                               rtol=1e-9, atol=1e-12)
    assert (mart["closeness"].fillna("-") == expected["closeness"].fillna("-")).all()

    generated = _generated_values_by_cell(warehouse_connection, expected.reset_index())
    np.testing.assert_array_equal(mart["n_generated_values"].to_numpy(), generated.loc[mart.index].to_numpy())
    status = np.where(~found, "none", np.where(generated.loc[mart.index] > 0, "grey", expected["closeness"].fillna("none")))
    mismatched = mart.index[mart["status"].to_numpy() != status]
    assert len(mismatched) == 0, f"status differs for {list(mismatched[:10])}"
    # no counterpart is said so, and every status occurs only with its reason
    assert (mart.loc[expected["our_relation"] == "", "none_reason"] == "no counterpart").all()


def _reports_dir(built_warehouse) -> Path:
    written = [d for d in [session_reports(built_warehouse)] if (d / "index.html").exists()]
    assert written, "the build wrote no reports/index.html"
    return written[0]


@pytest.mark.build
def test_the_build_writes_a_coloured_replication_page_per_study(warehouse_connection, built_warehouse):
    reports = _reports_dir(built_warehouse)
    counts = warehouse_connection.execute("select study, status, count(*) as n from replication_cells group by all").df()
    index = (reports / "index.html").read_text(encoding="utf-8")
    for study in STUDIES:
        html = (reports / f"{study}_replication.html").read_text(encoding="utf-8")
        markdown = (reports / f"{study}_replication.md").read_text(encoding="utf-8")
        for colour in ("#c8e6c9", "#ffe0b2", "#ffcdd2", "#e0e0e0"):  # green, amber, red, grey
            assert colour in html
        mine = counts[counts["study"] == study].set_index("status")["n"]
        assert html.count('<tr class="status-') - 5 == int(mine.sum())  # every cell a row, plus the 5 count rows
        for status, n in mine.items():
            assert f'<td data-status="{status}">{n}</td>' in html
            assert html.count(f'data-status="{status}" title=') == n
        assert "🟢" in markdown and "⚪" in markdown
        assert f'href="{study}_replication.html"' in index
        assert f"{study}_replication.html" in (reports / f"{study}.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- planted cells


def _null(value):
    """A missing key as SQL NULL (pandas gives NaN or None; NaN would become the text 'nan')."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


@pytest.fixture(scope="module")
def planted(built_warehouse, tmp_path_factory) -> tuple[duckdb.DuckDBPyConnection, pd.DataFrame]:
    """A copy of the warehouse with fabricated published cells added, the mart rebuilt by dbt."""
    folder = tmp_path_factory.mktemp("replication_planted")
    database = folder / built_warehouse.name
    shutil.copyfile(built_warehouse, database)
    with duckdb.connect(str(database)) as connection:
        mart = connection.execute("select * from replication_cells where our_value is not null").df()
        real = mart[mart["n_generated_values"] == 0]
        generated = mart[mart["n_generated_values"] > 0]
        assert not real.empty or not generated.empty
        plants = []
        for source, factor, expected, tag in [(real, 1.0, "green", "equal"), (real, 1.05, "amber", "five_pct"),
                                              (real, 1.5, "red", "half"), (generated, 1.0, "grey", "generated")]:
            if source.empty:
                continue
            cell = source[source["our_value"].abs() > 1e-6].iloc[0]
            plants.append((f"Z_{tag}", cell, cell["our_value"] * factor, expected))
        for cell_id, cell, value, _ in plants:
            connection.execute(
                "insert into reference.published_cells (cell_id, study, table_id, row_label, column_label, value, "
                "printed_decimals, printed_stars, kind, our_relation, our_table_id, our_column_id, our_equation, "
                "our_item, our_measure, our_year, note) values (?, ?, 'planted', ?, ?, ?, 12, '', ?, ?, ?, ?, ?, ?, ?, ?, "
                "'planted by tests/test_replication.py')",
                [cell_id, cell["study"], cell["row_label"], cell["column_label"], float(value), cell["kind"],
                 *[_null(cell[key]) for key in ("our_relation", "our_table_id", "our_column_id", "our_equation",
                                                "our_item", "our_measure")],
                 None if pd.isna(cell["our_year"]) else int(cell["our_year"])])
        connection.execute(
            "insert into reference.published_cells (cell_id, study, table_id, row_label, column_label, value, "
            "printed_decimals, kind, note) values ('Z_none', 'paper_a', 'planted', 'x', 'y', 1.0, 1, 'coefficient', "
            "'planted: no counterpart')")
        plants.append(("Z_none", None, 1.0, "none"))
    env = {**os.environ, "NQP_DBT_DATABASE": str(database), "DBT_PROFILES_DIR": str(PROJECT_ROOT),
           "DBT_TARGET_PATH": str(folder / "target"), "DBT_LOG_PATH": str(folder / "logs")}
    completed = subprocess.run([str(Path(sys.executable).parent / "dbt"), "run", "--select", "replication_cells", "--quiet"],
                               cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, f"dbt run failed:\n{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
    connection = duckdb.connect(str(database), read_only=True)
    yield connection, pd.DataFrame([(p[0], p[3]) for p in plants], columns=["cell_id", "expected"])
    connection.close()


@pytest.mark.build
def test_planted_cells_get_the_colour_their_difference_deserves(planted):
    connection, plants = planted
    statuses = connection.execute("select cell_id, status, rel_diff from replication_cells where cell_id like 'Z_%'").df()
    merged = plants.merge(statuses, on="cell_id", how="left")
    assert merged["status"].notna().all()
    assert (merged["status"] == merged["expected"]).all(), merged.to_string()
    equal = merged[merged["cell_id"] == "Z_equal"]
    if not equal.empty:
        assert equal["rel_diff"].iloc[0] < 1e-9


def test_a_page_shows_each_cell_in_its_colour_and_the_counts(tmp_path):
    """Offline: the page writer on a hand-made mart extract (one cell per status)."""
    from models_py.replication import COLUMNS, write_replication_page

    rows = []
    for k, (status, closeness) in enumerate([("green", "green"), ("amber", "amber"), ("red", "red"),
                                             ("grey", "red"), ("none", None)]):
        row = dict.fromkeys(COLUMNS)
        row.update(cell_id=f"A{k:04d}", table_id="T3", row_label=f"row {k}", column_label="(1)", kind="coefficient",
                   published_value=0.5, printed_decimals=3, our_value=None if status == "none" else 0.5 + k / 10,
                   status=status, closeness=closeness, none_reason="no counterpart" if status == "none" else None)
        rows.append(row)
    cells = pd.DataFrame(rows)
    page = write_replication_page("paper_a", tmp_path, "en", lambda sql, params=None: cells)
    html = page.paths["html"].read_text(encoding="utf-8")
    for status in ("green", "amber", "red", "grey", "none"):
        assert html.count(f'data-status="{status}" title=') == 1
        assert f'<td data-status="{status}">1</td>' in html
    assert "grey · red" in html and "green 1, amber 1, red 2" in html
    assert "🔴" in page.paths["md"].read_text(encoding="utf-8")
    assert write_replication_page("paper_a", tmp_path / "x", "en", lambda sql, params=None: cells.iloc[0:0]) is None
