"""Loader benchmark (issue 5): load time of an inbox of 100 portal exports. A time, not a test.

  ingest_100_exports_seconds   100 files, each one indicator x 31 regions x 20 years as the portal
                               exports it: 70 classic GBK CSVs, 15 portal sheets in .xlsx, 15 in
                               .xls; 10 catalogue series x 10 disjoint 20-year blocks, mapped by name
  ingest_100_newer_seconds     100 one-year exports in the newer layout (UTF-8 BOM, TAB + comma,
                               5 indicators across), years 1925-2024
  ingest_firm_table_seconds    one listed-firm table (证券代码, 省份, 年份 and 20 series columns): 5,000
                               firms x 15 years x 20 series = 1.5 M values (models_py/ingest/firms.py)
  ingest_firm_dta_seconds      the same shape of table saved by Stata (format 118: numeric stkcd, the
                               series as variables labelled 指标k(万元)), read as a .dta (models_py/ingest/stata.py)
  ingest_firm_10M_*            (--ingest-large only) 50,000 firms x 10 years x 20 series = 10^7 values, one CSV,
                               loaded once
  *_peak_rss_gib               the process's peak resident set over the loads of that inbox (its loaded frames
                               included); *_peak_bytes_per_value: that peak less the resident set before the
                               first load, per value loaded
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from models_py.ingest import load_inbox, load_regions, load_series_catalogue
from tests.benchmarks.entropy_bench import current_rss_gib, peak_rss_gib, reset_peak_rss
from tests.ingest_files import classic_csv, newer_csv, portal_sheet_rows, write_xls, write_xlsx

SERIES = ["gdp", "tax_revenue", "employment", "urbanisation_rate", "population_sample", "trade_usd",
          "fixed_asset_investment", "budget_expenditure", "invention_patent_applications", "secondary_share"]


def _indicators() -> dict[str, str]:
    catalogue = load_series_catalogue().set_index("series_code")
    return {s: f"{catalogue.name_zh[s]}({catalogue.unit[s]})" for s in SERIES}


def write_mixed_inbox(folder: Path, rng: np.random.Generator) -> int:
    names = list(load_regions().name_full)
    indicators = _indicators()
    (folder / "inbox.yml").write_text("shipped: false\n", encoding="utf-8")
    for k in range(100):
        series, block = SERIES[k % 10], k // 10
        years = list(range(1900 + 20 * block + 19, 1900 + 20 * block - 1, -1))
        rows = [[name, *[round(float(v), 2) for v in rng.uniform(20, 90, len(years))]] for name in names]
        if k % 20 < 14:
            (folder / f"分省年度数据 ({k}).csv").write_bytes(classic_csv(rows, years, indicators[series]))
        elif k % 20 < 17:
            write_xlsx(folder / f"export_{k}.xlsx", {"Sheet1": portal_sheet_rows(rows, years, indicators[series])})
        else:
            write_xls(folder / f"export_{k}.xls", {"Sheet1": portal_sheet_rows(rows, years, indicators[series])})
    return 100 * 31 * 20


def write_newer_inbox(folder: Path, rng: np.random.Generator) -> int:
    names = list(load_regions().name_full)
    indicators = list(_indicators().values())[:5]
    (folder / "inbox.yml").write_text("shipped: false\n", encoding="utf-8")
    for year in range(1925, 2025):
        rows = [[name, *[round(float(v), 2) for v in rng.uniform(20, 90, 5)]] for name in names]
        (folder / f"{year}.csv").write_bytes(newer_csv(rows, year, indicators))
    return 100 * 31 * 5


def firm_table(rng: np.random.Generator, n_firms: int = 5000, last_year: int = 2022) -> tuple[pd.DataFrame, list[str]]:
    """`n_firms` firms (random stock codes) x 2008-`last_year` x 20 columns of made-up values, in five
    provinces: the table (one row per firm-year) and its series columns."""
    years, n_series = np.arange(2008, last_year + 1), 20
    codes = np.sort(rng.choice(np.arange(1, 700000), n_firms, replace=False))
    provinces = rng.choice(list(load_regions().name_full)[:5], n_firms)
    values = rng.uniform(1, 1e6, (n_firms * len(years), n_series)).round(2)
    series = [f"指标{k}(万元)" for k in range(n_series)]
    table = pd.DataFrame({"证券代码": np.repeat(codes, len(years)), "省份": np.repeat(provinces, len(years)),
                          "年份": np.tile(years, n_firms)})
    return pd.concat([table, pd.DataFrame(values, columns=series)], axis=1), series


def write_firm_inbox(folder: Path, rng: np.random.Generator, **shape) -> int:
    """The firm table as a CSV export: codes six digits wide."""
    table, series = firm_table(rng, **shape)
    (folder / "inbox.yml").write_text("shipped: false\n", encoding="utf-8")
    table.assign(证券代码=table["证券代码"].map("{:06d}".format)).to_csv(folder / "firms.csv", index=False)
    return len(table) * len(series)


def write_firm_dta_inbox(folder: Path, rng: np.random.Generator) -> int:
    """The firm table as Stata saves it (format 118): stkcd numeric, the series as variables labelled
    with their column names."""
    table, series = firm_table(rng)
    (folder / "inbox.yml").write_text("shipped: false\n", encoding="utf-8")
    names = {"证券代码": "stkcd", "省份": "province", "年份": "year"} | {c: f"v{k}" for k, c in enumerate(series)}
    table.rename(columns=names).to_stata(folder / "firms.dta", write_index=False, version=118,
                                         variable_labels={names[c]: c for c in series})
    return len(table) * len(series)


def _time(folder: Path, repeats: int) -> tuple[float, int, float, float]:
    """Best seconds of `repeats` loads, the values loaded, and the peak resident set over the loads
    (GiB) with the resident set before them (GiB; NaN where /proc cannot reset the peak)."""
    best, rows = float("inf"), 0
    before = current_rss_gib() if reset_peak_rss() else float("nan")
    for _ in range(repeats):
        started = time.perf_counter()
        result = load_inbox(folder)
        best = min(best, time.perf_counter() - started)
        rows = len(result.observations)
        del result  # the next load's peak must not include this one's frames
    return best, rows, peak_rss_gib(), before


def write_large_firm_inbox(folder: Path, rng: np.random.Generator) -> int:
    """50,000 firms x 2008-2017 x 20 series = 10^7 values as one CSV (105 MiB): the loader at the scale
    where its memory, not SQL, is the limit."""
    return write_firm_inbox(folder, rng, n_firms=50_000, last_year=2017)


def run(repeats: int = 3, large: bool = False) -> None:
    """Each inbox loaded `repeats` times (best kept); `large`: also the 10^7-value firm table, loaded once
    (about 90 s and 6 GiB)."""
    rng = np.random.default_rng(5)
    cases = [("ingest_100_exports", write_mixed_inbox, repeats), ("ingest_100_newer", write_newer_inbox, repeats),
             ("ingest_firm_table", write_firm_inbox, repeats), ("ingest_firm_dta", write_firm_dta_inbox, repeats)]
    if large:
        cases.append(("ingest_firm_10M", write_large_firm_inbox, 1))
    with tempfile.TemporaryDirectory(prefix="nqp_ingest_bench_") as work:
        for name, writer, times in cases:
            folder = Path(work) / name
            folder.mkdir()
            expected = writer(folder, rng)
            seconds, rows, peak, before = _time(folder, times)
            assert rows == expected, (name, rows, expected)  # a benchmark of a loader that drops rows is void
            size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
            print(f"{name}_seconds {seconds:.3g}")
            print(f"{name}_observations {rows}")
            print(f"{name}_peak_rss_gib {peak:.3g}")
            print(f"{name}_peak_bytes_per_value {(peak - before) * 2**30 / rows:.0f}")
            print(f"# {name}: {size:.1f} MiB, {rows / seconds:,.0f} observations/s (best of {times})")


if __name__ == "__main__":
    run()
