"""Benchmark of the inequality macros at county scale (not a test; a minute or so):
python -m tests.benchmarks.inequality_bench [--units 2800] [--years 20] [--groups 4]

A county panel (default 2,800 counties x 20 years, 4 region groups, lognormal values) is generated
with NumPy (seeded); the macros are compiled by dbt as tests/test_disparity.py does and run with
duckdb, partitioned by year. Prints `name value` lines:
  dagum_gini_<n>x<y>_seconds      nqp_dagum_gini (total with G_w, G_nb, G_t), best of `repeats`
  dagum_gini_selfjoin_seconds     the same Gini as a plain pairwise self-join (n^2 pairs per year)
  theil_<n>x<y>_seconds, cv_...   nqp_theil, nqp_coefficient_of_variation
  dagum_gini_max_abs_diff         largest |SQL - NumPy reference| over the parts, first year
"""
from __future__ import annotations

import argparse
import time

import duckdb
import numpy as np
import pandas as pd

from tests.reference import inequality_numpy as ref
from tests.reference.dbt_inline import compile_queries

SELF_JOIN_GINI = """
    select a.year, sum(abs(a.value - b.value)) / (2.0 * count(distinct a.county) * count(distinct a.county)
        * avg(a.value)) as gini
    from counties as a
    join counties as b on a.year = b.year
    group by a.year
"""


def _best(connection, query: str, repeats: int) -> tuple[float, pd.DataFrame]:
    best, frame = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        frame = connection.execute(query).df()
        best = min(best, time.perf_counter() - start)
    return best, frame


def run(units: int, years: int, groups: int, repeats: int, threads: int) -> None:
    compiled, _ = compile_queries({
        "gini": "{{ nqp_dagum_gini('counties', 'value', 'region', ['year'], unit=['county']) }}",
        "theil": "{{ nqp_theil('counties', 'value', 'region', ['year'], unit=['county']) }}",
        "cv": "{{ nqp_coefficient_of_variation('counties', 'value', ['year'], unit=['county']) }}",
    })
    rng = np.random.default_rng(2026)
    frame = pd.DataFrame({
        "county": np.tile(np.arange(units), years),
        "year": np.repeat(np.arange(2001, 2001 + years), units),
        "region": np.tile(rng.integers(0, groups, units), years).astype(str),
        "value": rng.lognormal(10.5, 0.6, units * years),
    })
    connection = duckdb.connect(":memory:", config={"threads": threads})
    connection.register("frame", frame)
    connection.execute("create table counties as select * from frame")
    size = f"{units}x{years}"
    seconds, gini = _best(connection, compiled["gini"], repeats)
    print(f"dagum_gini_{size}_seconds {seconds:.3f}")
    seconds, self_join = _best(connection, SELF_JOIN_GINI, 1)
    print(f"dagum_gini_selfjoin_seconds {seconds:.3f}")
    print(f"dagum_gini_vs_selfjoin_max_abs_diff "
          f"{np.abs(gini.sort_values('year')['gini'].to_numpy() - self_join.sort_values('year')['gini'].to_numpy()).max():.3g}")
    for name in ["theil", "cv"]:
        seconds, _ = _best(connection, compiled[name], repeats)
        print(f"{name}_{size}_seconds {seconds:.3f}")
    first = frame[frame["year"] == 2001]
    expected = ref.dagum(first["value"].to_numpy(), first["region"].to_numpy())
    got = gini[gini["year"] == 2001].iloc[0]
    diff = max(abs(got["gini"] - expected.gini), abs(got["gini_within"] - expected.within),
               abs(got["gini_net_between"] - expected.net_between),
               abs(got["gini_transvariation"] - expected.transvariation))
    print(f"dagum_gini_max_abs_diff {diff:.3g}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=2800)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--groups", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    run(args.units, args.years, args.groups, args.repeats, args.threads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
