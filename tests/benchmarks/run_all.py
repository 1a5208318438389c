"""Entry point of `make bench`: python -m tests.benchmarks.run_all [--units N] [--explain DIR].

Prints one `name value` line per figure (lines starting with '#' are notes).
"""
from __future__ import annotations

import argparse
import os
import resource
from pathlib import Path

from tests.benchmarks import estimators_bench, inequality_bench, ingest_bench
from tests.benchmarks import spatial_bench, threshold_bench
from tests.benchmarks.entropy_bench import Bench

# Families whose module has run(repeats) and prints its own lines; a new one is one entry here.
SMALL_FAMILIES = {
    "threshold": threshold_bench.run,  # Hansen panel threshold: bootstrap 300 reps, 31 x 13
    "spatial": spatial_bench.run,  # two-way FE SDM with 1,000 effect draws: 31 x 13 and 290 x 15
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100_000, help="units of the large panel (default 100,000)")
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--province-repeats", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each large case (best is kept)")
    parser.add_argument("--memory-limit", default=os.environ.get("NQP_BENCH_MEMORY_LIMIT", "16GB"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--explain", type=Path, default=None, help="write EXPLAIN ANALYZE profiles here")
    parser.add_argument("--no-numpy-large", action="store_true", help="skip the NumPy run on the large panel")
    parser.add_argument("--only", choices=["entropy", "estimators", "ingest", "inequality", *SMALL_FAMILIES],
                        default=None, help="run one family only")
    parser.add_argument("--ingest-large", action="store_true",
                        help="also load a firm table of 10^7 values (about 90 s and 6 GiB)")
    args = parser.parse_args(argv)
    if args.only in (None, "ingest"):
        ingest_bench.run(repeats=args.repeats, large=args.ingest_large)
    if args.only == "ingest":
        return 0
    for name, run in SMALL_FAMILIES.items():
        if args.only in (None, name):
            run(repeats=args.repeats)
        if args.only == name:
            return 0
    if args.only in (None, "inequality"):  # county scale: Dagum Gini by running sums vs a self-join, vs NumPy
        inequality_bench.run(units=2800, years=20, groups=4, repeats=args.repeats, threads=args.threads)
    if args.only == "inequality":
        return 0
    if args.only != "entropy":
        estimators_bench.run(repeats=args.repeats)
    if args.only == "estimators":
        return 0
    bench = Bench(n_units=args.units, n_years=args.years, n_indicators=args.indicators,
                  province_repeats=args.province_repeats, repeats=args.repeats,
                  memory_limit=args.memory_limit, threads=args.threads)
    bench.run(explain_dir=args.explain, numpy_large=not args.no_numpy_large)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(f"peak_rss_gib {peak / 2**30:.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
