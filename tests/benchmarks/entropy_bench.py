"""Benchmark of the index macros (entropy weights + weighted-sum scores) at firm-panel scale.

The firm panel: `generate(con, n_units, n_years, n_indicators)` writes `bench_inputs`, a long table of
units x years x indicators (default 100,000 x 20 x 40 = 80 M rows) from `range` with hash-based
pseudo-random values (deterministic: the same table every run; every 5th indicator negative). It is
the one generator of the firm-scale benches (`make bench`, `make bench-spark`); keep its name and
signature. The macros are compiled by dbt exactly as tests/test_index_macros.py does, with scope=[]
(one pooled scope), and run as the dbt models chain them:

  bench_ranges   nqp_indicator_ranges(inputs, directions)                      scan 1, by indicator
                 (min, max, count; the direction joined from the 40 rows of bench_directions, as the
                 models take it from the index catalogue, so the scan reads no direction per row)
  bench_weights  nqp_entropy_weights_from_values(inputs, ranges)               scan 2, by indicator:
                 sums of R z = |x - anchor| + shift R and of its x ln x (the shares p = z / sum z do
                 not see the factor R), computed inline after a join to the 40 range rows (no
                 standardised relation is built; the count m comes from the ranges)
  bench_scores   nqp_composite_scores(inputs, nqp_score_coefficients(ranges, weights), with_topsis=false)
                                                                               scan 3, by unit-year

The floor is the three scans exact entropy weights and scores cannot avoid (the range is needed before
sum z ln z, and the weights before the scores), as plain group-bys, materialised like the pipeline:
min/max/sum/count by indicator, sum by indicator, sum by unit-year. Floor and pipeline runs alternate
(same process, threads and memory limit), so both meet the same load on a shared machine.

The figures:
  entropy_80M_seconds          the three statements above (best of `repeats`); *_ranges/_weights/_scores_seconds
                               each statement's share in that run
  floor3_80M_seconds           the three floor scans (best of `repeats`); floor_by_*_seconds each scan
  entropy_80M_vs_floor3        the ratio (target <= 1.3); *_cpu_* the same in process CPU seconds;
                               *_paired_median: median over the runs of entropy / the floor run before it
  entropy_80M_vs_floor3_with_log  the same against a floor whose second scan also takes the one
                               logarithm per value that sum z ln z needs (floor_log_by_indicator, not
                               part of floor3); *_cpu_vs_floor3_with_log the same in CPU seconds
  entropy_80M_vs_floor2        against the earlier two-scan floor (indicator + unit-year), for comparison
  entropy_80M_peak_rss_gib     peak resident set of the process over the pipeline runs (the buffer pool
                               holding the table included; *_rss_before_gib: before the first run)
  entropy_80M_vs_numpy         vs the NumPy reference on the same data, as a matrix in memory
  entropy_80M_max_abs_diff     largest difference of weights and scores to the NumPy reference
  entropy_province_vs_numpy    31 regions x 20 years x 25 indicators, repeated, vs the NumPy reference
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

from tests.reference import entropy_numpy as ref
from tests.reference.dbt_inline import compile_queries

UNITS = ["unit_id", "year"]
NEGATIVE_EVERY = 5  # indicator k is negative when k % 5 == 4
FIRST_YEAR = 2001


def compile_pipeline(target: str | None = None) -> dict[str, str]:
    """The three statements of the pipeline, scope=[], over `bench_inputs` (for dbt target `target`)."""
    queries = {
        "ranges": "{{ nqp_indicator_ranges('bench_inputs', [], directions='bench_directions') }}",
        "weights": "{{ nqp_entropy_weights_from_values('bench_inputs', 'bench_ranges', []) }}",
        "scores": "with coefficients as ({{ nqp_score_coefficients('bench_ranges', 'bench_weights', []) }})\n"
                  f"{{{{ nqp_composite_scores('bench_inputs', 'coefficients', [], {UNITS!r}, with_topsis=false) }}}}",
    }
    compiled, _project = compile_queries(queries, target=target)
    return compiled


STAGES = (("bench_ranges", "ranges"), ("bench_weights", "weights"), ("bench_scores", "scores"))


def connect(path: Path, memory_limit: str, threads: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute(f"set threads = {threads}")
    con.execute(f"set temp_directory = '{path.parent / 'spill'}'")
    return con


def generate(con, n_units: int, n_years: int, n_indicators: int) -> None:
    """bench_inputs, ordered by (unit, year, indicator); value = exp(4u) * (1 + indicator), u ~ U[0, 1) by hash;
    and bench_directions, the direction of each indicator (the index catalogue's role in the models)."""
    per_unit = n_years * n_indicators
    con.execute(f"""
        create or replace table bench_directions as
        select
            k::smallint as indicator,
            case when k % {NEGATIVE_EVERY} = {NEGATIVE_EVERY - 1} then 'negative' else 'positive' end as direction
        from range({n_indicators}) as t(k)
    """)
    con.execute(f"""
        create or replace table bench_inputs as
        select
            (i // {per_unit})::integer as unit_id,
            ({FIRST_YEAR} + (i // {n_indicators}) % {n_years})::smallint as year,
            (i % {n_indicators})::smallint as indicator,
            case when i % {n_indicators} % {NEGATIVE_EVERY} = {NEGATIVE_EVERY - 1}
                then 'negative' else 'positive' end as direction,
            exp(4 * (hash(i) >> 11)::double / 9007199254740992) * (1 + i % {n_indicators}) as value
        from range({n_units * per_unit}) as t(i)
    """)


def _drop(con, *tables):
    for table in tables:
        con.execute(f"drop table if exists {table}")


class Timer:
    """Wall-clock and process CPU seconds (DuckDB's threads run in this process). The machine may be
    shared: CPU seconds are the steadier figure when other work competes for the two cores."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def run_entropy(con, sql: dict[str, str]) -> Timer:
    """Ranges, weights, scores: three tables; `timer.stages` holds each statement's wall seconds."""
    _drop(con, *(table for table, _ in STAGES))
    stages = {}
    with Timer() as timer:
        for table, name in STAGES:
            start = time.perf_counter()
            con.execute(f"create table {table} as {sql[name]}")
            stages[name] = time.perf_counter() - start
    timer.stages = stages
    return timer


FLOOR = (
    ("floor_by_indicator", "select indicator, min(value) as lo, max(value) as hi, sum(value) as s, "
                           "count(value) as n from bench_inputs group by indicator"),
    ("floor_by_indicator_2", "select indicator, sum(value) as s from bench_inputs group by indicator"),
    ("floor_by_unit", "select unit_id, year, sum(value) as s from bench_inputs group by unit_id, year"),
)


# not part of the floor: the second scan by indicator with the one logarithm per value that
# sum z ln z needs, to show how much of the distance to the floor is that arithmetic
LOG_SCAN = ("floor_log_by_indicator", "select indicator, sum(value * ln(value)) as s from bench_inputs "
                                      "group by indicator")


def run_floor(con) -> Timer:
    """The three scans exact entropy weights and scores cannot avoid, as plain group-bys, materialised:
    two by indicator (the range must be known before sum z ln z) and one by unit-year (the scores).
    `timer.stages` holds each scan's wall seconds, and the LOG_SCAN's, timed after the floor;
    `timer.cpu_with_log` the floor's CPU seconds with the LOG_SCAN in place of the second scan."""
    _drop(con, *(table for table, _ in FLOOR + (LOG_SCAN,)))
    stages, cpu = {}, {}
    with Timer() as timer:
        for table, query in FLOOR:
            with Timer() as scan:
                con.execute(f"create table {table} as {query}")
            stages[table], cpu[table] = scan.wall, scan.cpu
    with Timer() as scan:
        con.execute(f"create table {LOG_SCAN[0]} as {LOG_SCAN[1]}")
    stages[LOG_SCAN[0]] = scan.wall
    timer.stages = stages
    timer.cpu_with_log = timer.cpu - cpu["floor_by_indicator_2"] + scan.cpu
    return timer


def best_of(function, *args, repeats: int) -> Timer:
    """The fastest (wall) of `repeats` runs; its cpu is replaced by the smallest cpu of all runs."""
    return _best([function(*args) for _ in range(repeats)])


def _best(timers: list[Timer]) -> Timer:
    best = min(timers, key=lambda t: t.wall)
    best.cpu = min(t.cpu for t in timers)
    if hasattr(best, "cpu_with_log"):
        best.cpu_with_log = min(t.cpu_with_log for t in timers)
    return best


def reset_peak_rss() -> bool:
    """Restart the process's peak resident set (VmHWM) at the current one (Linux: clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def current_rss_gib() -> float:
    return _status_gib("VmRSS:")


def peak_rss_gib() -> float:
    """Peak resident set of this process (DuckDB's buffers and threads included) since the last reset."""
    return _status_gib("VmHWM:")


def _status_gib(field_name: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name):
            return int(line.split()[1]) * 1024 / 2**30
    return float("nan")


def floor_and_entropy(con, sql, repeats: int) -> tuple[Timer, Timer, float, float]:
    """Best of `repeats` floor runs and entropy runs, interleaved so both meet the same load on a
    shared machine; the median of the ratios of each entropy run to the floor run before it (steadier
    than the ratio of the bests when the load changes); and the peak RSS over the entropy runs (NaN
    where it cannot be measured)."""
    floors, entropies, peaks = [], [], []
    for _ in range(repeats):
        floors.append(run_floor(con))
        measured = reset_peak_rss()
        entropies.append(run_entropy(con, sql))
        peaks.append(peak_rss_gib() if measured else float("nan"))
    paired = float(np.median([e.wall / f.wall for f, e in zip(floors, entropies)]))
    return _best(floors), _best(entropies), paired, max(peaks)


def numpy_matrix(con, n_years: int, n_indicators: int) -> np.ndarray:
    """(unit-year) x indicator matrix, placed by the key columns (no sort in DuckDB)."""
    got = con.execute("select unit_id, year, indicator, value from bench_inputs").fetchnumpy()
    row = got["unit_id"].astype(np.int64) * n_years + (got["year"].astype(np.int64) - FIRST_YEAR)
    X = np.full((int(row.max()) + 1, n_indicators), np.nan)
    X[row, got["indicator"].astype(np.int64)] = got["value"]
    return X


def numpy_pipeline(X: np.ndarray):
    negative = np.arange(X.shape[1]) % NEGATIVE_EVERY == NEGATIVE_EVERY - 1
    Z = ref.standardise(X, negative)
    e, d, w = ref.entropy_weights(Z)
    return w, ref.weighted_sum(Z, w)


def check_results(con, w_ref: np.ndarray, s_ref: np.ndarray) -> float:
    """Largest absolute difference between the SQL tables and the reference (weights and scores)."""
    w = con.execute("select weight from bench_weights order by indicator").fetchnumpy()["weight"]
    s = con.execute("select weighted_sum from bench_scores order by unit_id, year").fetchnumpy()["weighted_sum"]
    return float(max(np.max(np.abs(w - w_ref)), np.max(np.abs(s - s_ref))))


def explain(con, query: str) -> str:
    rows = con.execute(f"explain analyze {query}").fetchall()
    return "\n".join(str(row[-1]) for row in rows)


@dataclass
class Bench:
    n_units: int = 100_000
    n_years: int = 20
    n_indicators: int = 40
    province_repeats: int = 30
    repeats: int = 3
    memory_limit: str = "16GB"
    threads: int = 2
    workdir: Path | None = None
    figures: dict[str, float | str] = field(default_factory=dict)

    def emit(self, name, value):
        self.figures[name] = value
        print(f"{name} {value:.4g}" if isinstance(value, float) else f"{name} {value}", flush=True)

    def run(self, explain_dir: Path | None = None, numpy_large: bool = True) -> dict:
        sql = compile_pipeline()
        work = Path(self.workdir or tempfile.mkdtemp(prefix="nqp_bench_", dir="/tmp"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            con = connect(work / "bench.duckdb", self.memory_limit, self.threads)
            self._province(con, sql)
            self._large(con, sql, explain_dir, numpy_large)
            con.close()
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return self.figures

    # -- 31 regions x 20 years x 25 indicators -------------------------------------------------
    def _province(self, con, sql) -> None:
        regions, years, indicators = 31, 20, 25
        generate(con, regions, years, indicators)
        run_entropy(con, sql)  # warm-up
        duck = best_of(run_entropy, con, sql, repeats=self.province_repeats).wall
        X = numpy_matrix(con, years, indicators)
        numpy_pipeline(X)
        timings = []
        for _ in range(self.province_repeats):
            start = time.perf_counter()
            w_ref, s_ref = numpy_pipeline(X)
            timings.append(time.perf_counter() - start)
        self.emit("entropy_province_seconds", duck)
        self.emit("numpy_province_seconds", min(timings))
        self.emit("entropy_province_vs_numpy", duck / min(timings))
        self.emit("entropy_province_max_abs_diff", check_results(con, w_ref, s_ref))

    # -- 80 M rows ----------------------------------------------------------------------------
    def _large(self, con, sql, explain_dir, numpy_large) -> None:
        n_rows = self.n_units * self.n_years * self.n_indicators
        tag = f"{round(n_rows / 1e6)}M"
        start = time.perf_counter()
        generate(con, self.n_units, self.n_years, self.n_indicators)
        con.execute("checkpoint")
        self.emit(f"generate_{tag}_seconds", time.perf_counter() - start)
        con.execute("set preserve_insertion_order = false")
        run_floor(con)  # warm the buffer pool
        rss_before = current_rss_gib()
        floor, entropy, paired, peak = floor_and_entropy(con, sql, self.repeats)
        self.emit(f"entropy_{tag}_seconds", entropy.wall)
        for name, seconds in entropy.stages.items():
            self.emit(f"entropy_{tag}_{name}_seconds", seconds)
        self.emit(f"floor3_{tag}_seconds", floor.wall)
        self.emit(f"entropy_{tag}_vs_floor3", entropy.wall / floor.wall)
        self.emit(f"entropy_{tag}_vs_floor3_paired_median", paired)
        self.emit(f"entropy_{tag}_cpu_seconds", entropy.cpu)
        self.emit(f"floor3_{tag}_cpu_seconds", floor.cpu)
        self.emit(f"entropy_{tag}_cpu_vs_floor3", entropy.cpu / floor.cpu)
        for table, seconds in floor.stages.items():
            self.emit(f"{table}_{tag}_seconds", seconds)
        with_log = floor.wall - floor.stages["floor_by_indicator_2"] + floor.stages[LOG_SCAN[0]]
        self.emit(f"entropy_{tag}_vs_floor3_with_log", entropy.wall / with_log)
        self.emit(f"entropy_{tag}_cpu_vs_floor3_with_log", entropy.cpu / floor.cpu_with_log)
        two_scan = floor.stages["floor_by_indicator"] + floor.stages["floor_by_unit"]
        self.emit(f"entropy_{tag}_vs_floor2", entropy.wall / two_scan)
        self.emit(f"entropy_{tag}_rss_before_gib", rss_before)
        self.emit(f"entropy_{tag}_peak_rss_gib", peak)
        if explain_dir is not None:
            explain_dir.mkdir(parents=True, exist_ok=True)
            for _table, name in STAGES:
                (explain_dir / f"{name}.txt").write_text(explain(con, sql[name]))
            for table, query in FLOOR + (LOG_SCAN,):
                (explain_dir / f"{table}.txt").write_text(explain(con, query))
            print(f"# explain analyze profiles in {explain_dir}", flush=True)
        if not numpy_large:
            return
        need = n_rows * 8 * 8  # fetched columns, X, Z, P, p ln p and temporaries
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        if need > available:
            print(f"# entropy_{tag}_vs_numpy skipped: needs ~{need / 2**30:.1f} GiB, "
                  f"{available / 2**30:.1f} GiB free", flush=True)
            return
        X = numpy_matrix(con, self.n_years, self.n_indicators)
        start = time.perf_counter()
        w_ref, s_ref = numpy_pipeline(X)
        seconds = time.perf_counter() - start
        del X
        self.emit(f"numpy_{tag}_seconds", seconds)
        self.emit(f"entropy_{tag}_vs_numpy", entropy.wall / seconds)
        self.emit(f"entropy_{tag}_max_abs_diff", check_results(con, w_ref, s_ref))
