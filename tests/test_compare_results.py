"""tools/compare_results.py: the before/after check of results.* finds a changed number and
ignores run_id, computed_at and differences below 1e-12 relative."""
from __future__ import annotations

import sys

import duckdb
import pytest

from models_py.config import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "tools"))
import compare_results  # noqa: E402


def _warehouse(path, estimate: float, run_id: str) -> str:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema results")
        connection.execute("create table results.regression_fits (study varchar, table_id varchar, column_id varchar, "
                           "nobs bigint, r2 double, run_id varchar, computed_at timestamp)")
        connection.execute("insert into results.regression_fits values ('s', 't', '(2)', 10, 0.5, ?, now()), "
                           "('s', 't', '(1)', 12, ?, ?, now())", [run_id, estimate, run_id])
    return str(path)


@pytest.mark.parametrize("after, same", [(0.25, True), (0.25 * (1 + 1e-14), True), (0.25 * (1 + 1e-9), False)])
def test_compare_finds_a_changed_number_only(tmp_path, after, same):
    compare_results.export(_warehouse(tmp_path / "a.duckdb", 0.25, "run-a"), str(tmp_path / "a"))
    compare_results.export(_warehouse(tmp_path / "b.duckdb", after, "run-b"), str(tmp_path / "b"))
    problems = compare_results.compare(str(tmp_path / "a"), str(tmp_path / "b"))
    assert (problems == []) == same, problems
    if not same:
        assert "'column_id': '(1)'" in problems[0] and "r2" in problems[0]
