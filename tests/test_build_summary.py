"""What `nqp build` prints after a build (models_py.build_summary), on a small warehouse."""
from __future__ import annotations

import duckdb

from models_py.build_summary import summary_lines


def warehouse() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("create schema results")
    connection.execute("""create table results.study_status as select * from (values
        ('sim', 't1', true, null, null),
        ('sim', 't2', false, 'no value in any of the 10 rows of panel_sim (1 regions x 2011-2020) for: c2; '
                             || 'series of the study without any value: robot_density', 'robot_density'))
        t(study, table_id, is_computed, reason, missing_series)""")
    connection.execute("create table main.panel_sim as select 1 as x")
    connection.execute("create table main.gaps_sim as select 1 as x where false")
    connection.execute("create table main.means_sim as select 1 as x")
    connection.execute("""create table main.data_realness_series as select * from (values
        ('sim', 'robot_density', 10, 10, null, null), ('sim', 'gdp', 4, 10, 2015, 2020))
        t(study, series, n_missing, n_region_years, first_value_year, last_value_year)""")
    connection.execute("""create table main.data_realness as select * from (values
        ('study', 'sim', 'sim', 20, 0.5, 0.1, 0.0, 0.4)) t(subject_kind, subject, study, n_cells, share_real,
        share_interpolated, share_generated, share_missing)""")
    return connection


def node(name: str, study: str, tables=None) -> dict:
    meta = {"study": study, **({"tables": tables} if tables else {})}
    return {"resource_type": "model", "name": name, "schema": "main", "config": {"meta": meta}, "columns": {}}


def test_summary_names_what_ran_what_did_not_and_why():
    manifest = {"nodes": {
        "model.nqp.panel_sim": node("panel_sim", "sim", [{"id": "t1", "kind": "descriptive", "variables": ["x"]}]),
        "model.nqp.gaps_sim": node("gaps_sim", "sim"), "model.nqp.means_sim": node("means_sim", "sim")}}
    lines = summary_lines(warehouse(), manifest)
    text = "\n".join(lines)
    assert "  sim: 1 of 2 tables computed (t1)" in lines
    assert "    NOT COMPUTED t2: no value in any of the 10 rows of panel_sim (1 regions x 2011-2020) for: c2" in lines
    assert "    series of sim without any value: robot_density" in lines
    assert "  sim: with rows means_sim (1); EMPTY gaps_sim" in lines  # the panel is left to study_status
    assert "    series gdp: values 2015-2020, 4 of 10 region-years missing" in lines
    assert "study sim: real 50.0%, interpolated 10.0%, generated 0.0%, missing 40.0% of 20 values" in text
    assert "index systems" not in text  # no index_system_status mart in this warehouse


def test_a_series_counted_on_another_level_is_named_with_its_level():
    """A city study reads the provinces' GDP index (its deflator): the lines say which level lacks it."""
    connection = warehouse()
    connection.execute("drop table main.data_realness_series")
    connection.execute("""create table main.data_realness_series as select * from (values
        ('sim', 'gdp_index', 'province', 8, 372, 2011, 2022, 364), ('sim', 'gdp', 'prefecture_city', 0, 4044, 2011,
        2022, 4044), ('sim', 'robot_density', 'prefecture_city', 4044, 4044, null, null, 0))
        t(study, series, unit_level, n_missing, n_region_years, first_value_year, last_value_year, n_values)""")
    manifest = {"nodes": {"model.nqp.gaps_sim": node("gaps_sim", "sim")}}
    lines = summary_lines(connection, manifest)
    assert "    series gdp_index (province): values 2011-2022, 8 of 372 region-years missing" in lines
    assert "    series of sim without any value: robot_density (prefecture city)" in lines

