"""The winsorising macro against an independent NumPy implementation of Stata's percentile rule.

Stata, [R] summarize / _pctile (default definition): with x sorted, n values and P = n p / 100,
the p-th percentile is (x[P] + x[P+1]) / 2 if P is an integer, else x[floor(P) + 1].
winsor2 replaces values below p1 / above p99 with those percentiles.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pytest

from tests.reference.dbt_inline import compile_queries


def stata_percentile(values: np.ndarray, p: float) -> float:
    x = np.sort(values[~np.isnan(values)])
    position = round(len(x) * p / 100, 9)
    if position == int(position):
        return (x[int(position) - 1] + x[int(position)]) / 2
    return x[int(np.floor(position))]


def winsorised(values: np.ndarray, cut: float) -> np.ndarray:
    low, high = stata_percentile(values, 100 * cut), stata_percentile(values, 100 * (1 - cut))
    return np.where(np.isnan(values), np.nan, np.clip(values, low, high))


@pytest.fixture(scope="module")
def compiled():
    queries, _ = compile_queries(
        {
            f"cut_{name}": f"select id, {{{{ nqp_winsorised('sample', 'x', {cut}) }}}} as x from sample order by id"
            for name, cut in (("1", 0.01), ("5", 0.05))
        }
    )
    return queries


@pytest.mark.parametrize("n", [300, 403, 7, 100, 250])
@pytest.mark.parametrize("name,cut", [("1", 0.01), ("5", 0.05)])
def test_matches_stata_rule(compiled, n, name, cut):
    rng = np.random.default_rng(n)
    values = rng.lognormal(size=n)
    values[rng.choice(n, size=max(1, n // 50), replace=False)] = np.nan  # missing stay missing
    with duckdb.connect() as connection:
        connection.execute("create table sample (id integer, x double)")
        connection.executemany("insert into sample values (?, ?)", [(i, None if np.isnan(v) else float(v)) for i, v in enumerate(values)])
        result = connection.execute(compiled[f"cut_{name}"]).df()
    np.testing.assert_allclose(result["x"].to_numpy(dtype=float), winsorised(values, cut), rtol=1e-15)


def test_ties_and_whole_number_positions(compiled):
    values = np.array([1, 1, 2, 3, 4, 5, 6, 7, 8, 9] * 10, dtype=float)  # n = 100: P = 1 and 99 are whole numbers
    with duckdb.connect() as connection:
        connection.execute("create table sample as select i as id, x from (select unnest(range(100)) as i, unnest(?) as x)", [values.tolist()])
        result = connection.execute(compiled["cut_1"]).df()
    np.testing.assert_allclose(result["x"].to_numpy(dtype=float), winsorised(values, 0.01))
