"""Helpers every shipped-source reader shares: aggregate rows, records, duplicates within a source.

National (全国) and region-group rows (东部地区 …) are not provinces: a reader skips them and
counts them, it never resolves them to a code. A source that gives one region-year-series in two
of its own files must give the same value there (the copies are the same NBS figure); a
difference is a DataError naming both places, because which one is right is not the reader's call.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from models_py.errors import DataError

from ..grid import Grid
from ..regions import normalise_name

NATIONAL_NAMES = frozenset({"全国", "全国合计", "全国总计", "中国", "national", "china", "total"})
GROUP_NAMES = frozenset({"东部地区", "中部地区", "西部地区", "东北地区", "东部", "中部", "西部", "东北",
                         "东部沿海", "尔部地区"})  # 尔部地区: techme's OCR of 东部地区
DUPLICATE_TOLERANCE = 1e-9  # relative; the same figure printed in two files


@dataclass
class FileCounts:
    """What a reader saw in one file (the loader copies it into raw.ingest_files)."""

    file: str
    rows_read: int = 0
    cells: int = 0
    empty_cells: int = 0
    placeholder_cells: int = 0
    national_rows: int = 0
    group_rows: int = 0
    unmapped_cells: int = 0
    unmapped_indicators: list[str] = field(default_factory=list)
    duplicates_dropped: int = 0  # cells equal to the same figure in an earlier file of the source
    database: str | None = None
    time_range: str | None = None


def aggregate_kind(name: str) -> str | None:
    """'national' / 'group' for a row that is not a province, else None."""
    key = normalise_name(name)
    if key in {normalise_name(n) for n in NATIONAL_NAMES}:
        return "national"
    if key in {normalise_name(n) for n in GROUP_NAMES}:
        return "group"
    return None


def blank_aggregate_rows(grid: Grid, header_row: int, counts: FileCounts) -> Grid:
    """The grid with national and group rows after ``header_row`` (1-based) blanked and counted.

    Blanked, not removed: row numbers (source_row) stay those of the file.
    """
    rows = []
    for n, row in enumerate(grid.rows, start=1):
        kind = aggregate_kind(row[0]) if n > header_row and row and row[0].strip() else None
        if kind == "national":
            counts.national_rows += 1
        elif kind == "group":
            counts.group_rows += 1
        rows.append([""] * len(row) if kind else row)
    return Grid(rows, grid.sheet, grid.lines)


def drop_same_figure_twice(frame: pd.DataFrame, counts: dict[str, FileCounts]) -> pd.DataFrame:
    """Keep the first file's row where two files of one source give a region-year-series.

    ``frame`` is in the source's file order. Equal values (within DUPLICATE_TOLERANCE) are counted
    on the later file; different values raise naming series, region, year and both cells.
    """
    key = ["region_code", "year", "series"]
    first = frame.drop_duplicates(key, keep="first")
    later = frame[frame.duplicated(key, keep="first")]
    if later.empty:
        return frame
    pairs = later.merge(first, on=key, suffixes=("", "_first"))
    scale = pairs[["value", "value_first"]].abs().max(axis=1)
    differ = (pairs["value"] - pairs["value_first"]).abs() > DUPLICATE_TOLERANCE * scale
    if differ.any():
        bad = pairs[differ].iloc[0]
        raise DataError(
            f"{bad['series']} given twice by one source with different values: "
            f"{bad['source_file_first']} line {int(bad['source_row_first'])} says "
            f"{bad['raw_text_first'].strip()!r}, {bad['source_file']} line {int(bad['source_row'])} "
            f"says {bad['raw_text'].strip()!r}",
            file=bad["source_file"], row=int(bad["source_row"]), column=bad["source_column"],
            region=int(bad["region_code"]), year=int(bad["year"]), series=bad["series"],
            value=bad["raw_text"])
    for file, n in later["source_file"].value_counts().items():
        counts[file].duplicates_dropped += int(n)
    return first.reset_index(drop=True)


def with_counts(frame: pd.DataFrame, counts: dict[str, FileCounts]) -> pd.DataFrame:
    """Attach the per-file counts for the loader's report (frame.attrs['files'])."""
    frame.attrs["files"] = [asdict(c) for c in counts.values()]
    return frame
