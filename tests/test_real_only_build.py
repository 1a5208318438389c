"""A real-only build (NQP_SYNTHETIC=off) on the shipped data: it completes, generates nothing, and
says what it could not compute. Checks the mechanism, not a fixed list: every declared study table is
either computed (its rows are in results.*) or listed as not computed with a reason naming the
variables / series it lacks; as more real sources arrive, more tables move to the first group."""
from __future__ import annotations

import os
import sys

import duckdb
import pytest

from models_py.config import PROJECT_ROOT
from models_py.declarations import load_manifest, study_declarations
from tests import early_builds

pytestmark = pytest.mark.build


@early_builds.early_build("real_only_build", lane="own", seconds=165)
def _prepare_real_only_build(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("real_only") / "nqp.duckdb"
    env = {**os.environ, "NQP_SYNTHETIC": "off", "NQP_WAREHOUSE": str(warehouse),
           "DAGSTER_HOME": str(tmp_path_factory.mktemp("dagster_home")), "DBT_PROFILES_DIR": str(PROJECT_ROOT),
           "NQP_REPORTS": str(tmp_path_factory.mktemp("reports"))}

    def build():
        completed = early_builds.run([sys.executable, "-m", "models_py.cli", "build"], cwd=PROJECT_ROOT, env=env,
                                     timeout=1800)
        return completed, warehouse

    return build


@pytest.fixture(scope="module")
def real_only_build(tmp_path_factory):
    """Started early (tests/early_builds.py)."""
    return early_builds.outcome("real_only_build", tmp_path_factory)


def test_real_only_build_completes_without_a_traceback(real_only_build):
    completed, warehouse = real_only_build
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    assert "Traceback" not in completed.stdout and "Traceback" not in completed.stderr
    assert "real data only" in completed.stdout
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute("select count(*) from raw.synthetic_observations").fetchone()[0] == 0
        assert connection.execute("select count(*) from series_values where is_synthetic").fetchone()[0] == 0
        generated = connection.execute("select max(share_generated) from data_realness").fetchone()[0]
        assert generated == 0


def test_every_study_table_is_computed_or_says_what_it_lacks(real_only_build):
    completed, warehouse = real_only_build
    assert completed.returncode == 0, completed.stderr[-4000:]
    studies = study_declarations(load_manifest())
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        status = connection.execute("select * from results.study_status").df()
        produced = connection.execute("""select study, table_id from results.descriptive_statistics
                                         union select study, table_id from results.regression_fits
                                         union select study, table_id from results.index_robustness""").df()
        scored = connection.execute("select count(distinct system) from index_scores").fetchone()[0]
        panels = {study.model for study in studies}
        dbt_tables_with_rows = [
            node["name"] for node in load_manifest()["nodes"].values()
            if node["resource_type"] == "model" and (node["config"].get("meta") or {}).get("study")
            and node["name"] not in panels and connection.execute(
                f'select count(*) from "{node["schema"]}"."{node.get("alias") or node["name"]}"').fetchone()[0]]
    produced = set(map(tuple, produced[["study", "table_id"]].to_numpy()))
    for study in studies:
        declared = {t.table_id for t in study.tables} | {r.robustness_id for r in study.robustness}
        rows = status[status["study"] == study.study].set_index("table_id")
        assert set(rows.index) == declared, study.study
        for table_id, row in rows.iterrows():
            if row["is_computed"]:
                assert (study.study, table_id) in produced, (study.study, table_id)
            else:
                assert (study.study, table_id) not in produced
                listed = [row[c] for c in ("missing_variables", "missing_series") if isinstance(row[c], str)]
                named = [n for text in listed for n in text.split(", ") if n]
                assert named or "panel" in row["reason"] or "baseline" in row["reason"], row["reason"]
                assert all(name in row["reason"] for name in named), row["reason"]
                assert f"NOT COMPUTED {table_id}: " in completed.stdout
    assert (~status["is_computed"]).any(), "the shipped real data cannot feed every table yet"
    # something real is still computed: a study table, an index, or a study table dbt builds
    assert status["is_computed"].any() or scored > 0 or dbt_tables_with_rows
    assert "study tables built by dbt:" in completed.stdout and "with rows" in completed.stdout
    assert "data realness" in completed.stdout and "study paper_a: real " in completed.stdout


def test_coupling_sets_leave_out_and_list_region_years_a_subsystem_lacks(real_only_build):
    # Real data cannot score every index system in every year: a coupling set keeps only the
    # region-years all its subsystems are scored in, and coupling_region_years_dropped lists the rest.
    completed, warehouse = real_only_build
    assert completed.returncode == 0, completed.stderr[-4000:]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        dropped = connection.execute("select * from coupling_region_years_dropped").df()
        expected = connection.execute("""select coupling_id, region_code, year, count(*) as n_missing
                                         from intermediate.int_coupling_subsystem_expected where index_score is null
                                         group by all""").df()
        kept = connection.execute("""select coupling_id, region_code, year from coupling_coordination
                                     intersect select coupling_id, region_code, year
                                     from coupling_region_years_dropped""").fetchall()
    assert len(dropped) == len(expected) > 0
    merged = dropped.merge(expected, on=["coupling_id", "region_code", "year"], validate="1:1")
    assert (merged["n_missing_subsystems"] == merged["n_missing"]).all()
    assert kept == []
