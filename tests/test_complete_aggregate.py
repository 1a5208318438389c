"""nqp_complete_aggregate (dbt_project/macros/utils/complete_aggregate.sql): an aggregate over every row of
its group, or NULL when one row lacks the value, against pandas. No build (dbt compile, an in-memory table)."""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from tests.reference.dbt_inline import compile_queries

ROWS = pd.DataFrame({"year": [2020, 2020, 2020, 2021, 2021, 2021],
                     "region": [1, 2, 3, 1, 2, 3],
                     "gdp": [1.0, 2.0, 4.0, 3.0, np.nan, 5.0],  # 2021: region 2 lacks gdp
                     "kept": [True, True, False, True, False, True]})


def _run(queries: dict[str, str]) -> dict[str, pd.DataFrame]:
    compiled, _ = compile_queries(queries)
    connection = duckdb.connect()
    connection.register("rows_in", ROWS)
    return {name: connection.execute(sql).df() for name, sql in compiled.items()}


def test_group_window_and_filter_forms_match_pandas():
    got = _run({
        "grouped": "select year, {{ nqp_complete_aggregate('sum', 'gdp') }} as total from rows_in group by year "
                   "order by year",
        "window": "select year, region, gdp / {{ nqp_complete_aggregate('sum', 'gdp', over='partition by year') }} "
                  "as share from rows_in order by year, region",
        "filtered": "select year, {{ nqp_complete_aggregate('avg', 'gdp', filter='kept') }} as mean from rows_in "
                    "group by year order by year",
    })
    totals = ROWS.groupby("year")["gdp"].agg(lambda g: g.sum() if g.notna().all() else np.nan)
    np.testing.assert_array_equal(got["grouped"]["total"].to_numpy(dtype=float), totals.to_numpy())  # [7, NaN]
    share = ROWS["gdp"] / ROWS["year"].map(totals)
    np.testing.assert_allclose(got["window"]["share"].to_numpy(dtype=float), share.to_numpy(), rtol=1e-15)
    assert got["window"]["share"].isna().tolist() == [False] * 3 + [True] * 3  # the whole year, not region 2 only
    kept = ROWS[ROWS["kept"]].groupby("year")["gdp"].agg(lambda g: g.mean() if g.notna().all() else np.nan)
    np.testing.assert_allclose(got["filtered"]["mean"].to_numpy(dtype=float), kept.to_numpy())
    assert got["filtered"]["mean"].tolist() == [1.5, 4.0]  # 2021's region 2, lacking gdp, is not kept: no NULL
