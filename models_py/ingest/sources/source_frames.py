"""What the readers of the compiled sources share: aggregate rows, counts, known errors, the frame.

A reader walks its files cell by cell; every cell ends in exactly one bucket of ``FileCounts``
(an observation, a blank, an unmapped column, a year outside the loaded range, a declared upstream
error), so nothing is dropped silently. ``ObservationRows`` turns the loaded cells into the
contract frame: ``OBS_COLUMNS`` plus ``source_id``, values already in the catalogue's unit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from models_py.errors import DataError

from ..loader import OBS_COLUMNS
from ..regions import normalise_name
from ..seeds import REPO_ROOT, load_series_catalogue
from ..units import UnitConverter

# National and region-group rows: skipped and counted, never resolved as a province.
NATIONAL_NAMES = frozenset(normalise_name(n) for n in (
    "全国", "全国合计", "全国总计", "合计", "总计", "中国", "National", "China", "Total"))
GROUP_NAMES = frozenset(normalise_name(n) for n in (
    "东部地区", "中部地区", "西部地区", "东北地区", "东部", "中部", "西部", "东北"))
FRAME_COLUMNS = OBS_COLUMNS + ["source_id"]


def aggregate_kind(name: str) -> str | None:
    """'national' / 'group' for a row that is not a province, else None."""
    key = normalise_name(name)
    return "national" if key in NATIONAL_NAMES else "group" if key in GROUP_NAMES else None


@dataclass(frozen=True)
class KnownError:
    """An upstream cell known to be wrong: not loaded, counted, and checked still to be there.

    ``raw_text`` must match the file's cell exactly; if upstream changes the cell the reader
    raises, so a fixed file is noticed and the entry removed rather than silently kept.
    """

    file: str  # file name inside the source folder
    region_code: int
    year: int
    column: str  # the indicator column's header text
    raw_text: str
    reason: str


@dataclass
class FileCounts:
    """Where each cell of one file went (the reader's load report; the loader's field names)."""

    file: str
    rows_read: int = 0  # data rows, aggregate rows included
    national_rows: int = 0  # 全国 rows skipped
    group_rows: int = 0  # region-group rows (东部地区 …) skipped
    cells: int = 0  # numeric cells of mapped columns in the loaded years
    empty_cells: int = 0  # empty cells of mapped columns in the loaded years: missing
    placeholder_cells: int = 0  # '--' cells of mapped columns in the loaded years: missing
    unmapped_cells: int = 0  # cells of columns that feed no catalogue series
    unmapped_indicators: list[str] = field(default_factory=list)  # 'column (why it is not loaded)'
    out_of_range_cells: int = 0  # cells of mapped columns outside the series' loaded years
    known_errors: list[str] = field(default_factory=list)  # declared upstream errors not loaded
    inconsistent: list[str] = field(default_factory=list)  # cells a reader's consistency rule rejected
    observations: int = 0


def catalogue_units(root: Path = REPO_ROOT) -> dict[str, str]:
    catalogue = load_series_catalogue(root)
    return dict(zip(catalogue["series_code"], catalogue["unit"]))


def conversion_factor(converter: UnitConverter, source_unit: str, series: str,
                      units: dict[str, str], **where) -> tuple[float, str]:
    """(factor, catalogue unit) taking ``source_unit`` to ``series``' unit; DataError if none."""
    if series not in units:
        raise DataError("series is not in seeds/reference/series_catalogue.csv", series=series, **where)
    return converter.factor(source_unit, units[series], series=series, **where), units[series]


def check_known_errors(known: list[KnownError], seen: set[KnownError], file: str) -> None:
    """Every declared error of this file must have been met with its exact text."""
    stale = [k for k in known if k not in seen]
    if stale:
        k = stale[0]
        raise DataError(f"declared upstream error ({k.reason}) no longer matches the file: the "
                        f"cell is not {k.raw_text!r} any more; remove it from the reader's KNOWN_ERRORS",
                        file=file, region=k.region_code, year=k.year, column=k.column)


class ObservationRows:
    """Collect loaded cells; ``frame`` gives the contract frame with the counts in ``attrs``."""

    def __init__(self, source_id: str):
        self.source_id = source_id
        self._rows: list[tuple] = []
        self._seen: dict[tuple[int, int, str], tuple[str, int]] = {}

    def add(self, *, region_code: int, year: int, series: str, number: float, factor: float,
            unit: str, source_unit: str, file: str, sheet: str | None, row: int, column: str,
            raw_text: str, indicator: str) -> None:
        key = (region_code, year, series)
        if key in self._seen:
            other_file, other_row = self._seen[key]
            raise DataError(f"second value for series {series!r} (first at {other_file} row "
                            f"{other_row})", file=file, sheet=sheet, row=row, column=column,
                            region=region_code, year=year, series=series)
        self._seen[key] = (file, row)
        self._rows.append((region_code, year, series, number * factor, unit, f"real: {file}", file,
                           sheet, row, column, raw_text, indicator, factor, number, source_unit,
                           self.source_id, None, None, self.source_id))

    def drop(self, keys: set[tuple[int, int, str]]) -> list[tuple]:
        """Remove the observations of ``keys`` (region, year, series); return the removed rows."""
        removed = [r for r in self._rows if r[:3] in keys]
        self._rows = [r for r in self._rows if r[:3] not in keys]
        for key in keys:
            self._seen.pop(key, None)
        return removed

    def values(self, series: set[str]) -> pd.DataFrame:
        """region_code, year, series, value of the rows collected so far for ``series``."""
        rows = [r[:4] for r in self._rows if r[2] in series]
        return pd.DataFrame(rows, columns=["region_code", "year", "series", "value"])

    def frame(self, counts: list[FileCounts]) -> pd.DataFrame:
        """The contract frame; per-file counts in ``attrs['files']`` (read by the loader)."""
        frame = pd.DataFrame(self._rows, columns=FRAME_COLUMNS)
        for col in ("region_code", "year", "source_row"):
            frame[col] = frame[col].astype("int32")
        for col in ("value", "unit_factor", "parsed_value"):
            frame[col] = frame[col].astype("float64")
        frame = frame.sort_values(["series", "region_code", "year"], ignore_index=True)
        frame.attrs["files"] = [asdict(c) for c in counts]
        return frame
