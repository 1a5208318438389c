"""What a shipped-source reader finds: located values, the rows it skips, and the observation frame.

A reader yields `LocatedValue`s (a number in its source unit, with file / sheet / row / column /
raw text) and notes every row or cell it does not load in a `SkipLog` (national rows, region-group
rows, blank cells ...), so nothing is dropped silently. `to_observations` converts each value to its
catalogue series' unit with the project's UnitConverter and builds the loader's OBS_COLUMNS frame
plus `source_id`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from models_py.errors import DataError

from ..units import UnitConverter


@dataclass(frozen=True)
class LocatedValue:
    region_code: int
    year: int
    series: str
    number: float  # as the source prints it, in source_unit
    raw_text: str
    source_unit: str
    source_file: str  # repo-relative path
    source_sheet: str | None
    source_row: int
    source_column: str
    indicator_text: str
    source_database: str | None = None
    source_time_range: str | None = None
    region_text: str = ""  # the name as printed, for messages


@dataclass
class SkipLog:
    """Rows and cells a reader read but did not load, counted per (file, reason)."""

    counts: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)

    def note(self, file: str, reason: str, example: str = "") -> None:
        self.counts[(file, reason)] += 1
        self.examples.setdefault((file, reason), example)

    def total(self, reason: str) -> int:
        return sum(n for (_, r), n in self.counts.items() if r == reason)

    def frame(self) -> pd.DataFrame:
        rows = [(f, r, n, self.examples[(f, r)]) for (f, r), n in sorted(self.counts.items())]
        return pd.DataFrame(rows, columns=["file", "reason", "count", "example"])


def catalogue_units(catalogue: pd.DataFrame) -> dict[str, str]:
    return dict(zip(catalogue["series_code"], catalogue["unit"]))


def to_observations(values: list[LocatedValue], units: UnitConverter, catalogue: pd.DataFrame,
                    source_id: str) -> pd.DataFrame:
    """OBS_COLUMNS + source_id, each value converted to its series' catalogue unit."""
    from ..loader import OBS_COLUMNS  # not at module top: the loader imports the source registry

    target = catalogue_units(catalogue)
    factors: dict[tuple[str, str], float] = {}
    rows = []
    for v in values:
        if v.series not in target:
            raise DataError("series is not in seeds/reference/series_catalogue.csv", file=v.source_file,
                            series=v.series)
        key = (v.source_unit, v.series)
        if key not in factors:
            factors[key] = units.factor(v.source_unit, target[v.series], file=v.source_file,
                                        sheet=v.source_sheet, row=v.source_row, column=v.source_column,
                                        series=v.series)
        factor = factors[key]
        rows.append((v.region_code, v.year, v.series, v.number * factor, target[v.series],
                     f"real: {v.source_file}", v.source_file, v.source_sheet, v.source_row,
                     v.source_column, v.raw_text, v.indicator_text, factor, v.number, v.source_unit,
                     source_id, v.source_database, v.source_time_range, source_id))
    frame = pd.DataFrame(rows, columns=OBS_COLUMNS + ["source_id"])
    for col in ("region_code", "year", "source_row"):
        frame[col] = frame[col].astype("int32")
    for col in ("value", "unit_factor", "parsed_value"):
        frame[col] = frame[col].astype("float64")
    return frame.sort_values(["series", "region_code", "year"], ignore_index=True)
