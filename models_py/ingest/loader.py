"""Load a directory of real exports into observation records (docs/architecture.md).

Each file's layout is sniffed from its content (OLE2 magic -> xls; 数据库/指标 first line ->
portal CSV; a 地区 + 年份 header -> long panel). File names only decide whether an unrecognised
file is an error (it looks like data: .csv/.tsv/.xls/.xlsx) or is skipped and listed (LICENSE,
README …).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from models_py.errors import DataError

from . import long_csv, portal_csv, portal_xls
from .cells import ParsedFile
from .mappings import SourceMappings
from .precedence import resolve_precedence
from .regions import RegionResolver
from .seeds import REPO_ROOT, display_path, load_region_resolver, load_source_mappings
from .textfile import decode, split_lines

OBS_COLUMNS = ["region_code", "year", "series", "value", "unit", "provenance", "source_file",
               "source_sheet", "source_row", "source_column", "raw_text", "indicator_text",
               "unit_factor"]
DATA_SUFFIXES = {".csv", ".tsv", ".xls", ".xlsx"}


@dataclass
class FileReport:
    file: str
    kind: str
    rows_read: int = 0
    cells: int = 0  # non-empty numeric cells read
    empty_cells: int = 0
    observations: int = 0  # mapped cells, before precedence
    unmapped_cells: int = 0
    unmapped_indicators: list[str] = field(default_factory=list)
    overridden: int = 0  # this file's observations beaten by a higher-precedence source
    kept: int = 0


@dataclass
class LoadResult:
    observations: pd.DataFrame  # OBS_COLUMNS
    files: list[FileReport]
    overridden: pd.DataFrame  # dropped lower-precedence observations, with the winner's lineage
    skipped: list[str]  # files not recognised as exports and not looking like data

    def report(self) -> pd.DataFrame:
        rows = [asdict(f) | {"unmapped_indicators": "; ".join(f.unmapped_indicators)}
                for f in self.files]
        return pd.DataFrame(rows, columns=list(FileReport.__dataclass_fields__))


def load_directory(path: Path, mappings: SourceMappings | None = None,
                   resolver: RegionResolver | None = None, *, root: Path = REPO_ROOT) -> LoadResult:
    """Load every export in ``path`` (not recursive); defaults read the reference seeds."""
    path = Path(path)
    if not path.is_dir():
        raise DataError("not a directory", file=path)
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    return load_files(files, mappings, resolver, root=root)


def load_files(paths: list[Path], mappings: SourceMappings | None = None,
               resolver: RegionResolver | None = None, *, root: Path = REPO_ROOT) -> LoadResult:
    mappings = mappings if mappings is not None else load_source_mappings()
    resolver = resolver if resolver is not None else load_region_resolver()
    if isinstance(mappings, pd.DataFrame):
        mappings = SourceMappings.from_frame(mappings)
    reports, frames, skipped = [], [], []
    for p in paths:
        shown = display_path(p, root)
        parsed = parse_file(Path(p), shown, resolver)
        if parsed is None:
            skipped.append(shown)
            continue
        frame, report = _to_observations(parsed, shown, mappings)
        reports.append(report)
        frames.append(frame)
    candidates = pd.concat(frames, ignore_index=True) if frames else _empty(["precedence"])
    kept, overridden = resolve_precedence(candidates)
    for r in reports:
        r.overridden = int((overridden["source_file"] == r.file).sum())
        r.kept = int((kept["source_file"] == r.file).sum())
    kept = kept.sort_values(["series", "region_code", "year"], ignore_index=True)
    return LoadResult(_typed(kept[OBS_COLUMNS]), reports, overridden, skipped)


def parse_file(path: Path, file: str, resolver: RegionResolver) -> ParsedFile | None:
    """Sniff and parse one file; None when it is not an export and does not look like data."""
    data = path.read_bytes()
    looks_like_data = path.suffix.lower() in DATA_SUFFIXES
    if portal_xls.looks_like_xls(data[:8]):
        return portal_xls.parse_portal_xls(path, file, resolver)
    if data.startswith(b"PK\x03\x04") and looks_like_data:
        raise DataError("an .xlsx/zip workbook: only BIFF .xls and CSV exports are read; save it as "
                        ".xls or CSV", file=file)
    if not data.strip():
        if looks_like_data:
            raise DataError("empty file (no content at all)", file=file, row=1)
        return None
    try:
        lines = split_lines(decode(data, file)[0])
    except DataError:
        if looks_like_data:
            raise
        return None
    if portal_csv.looks_like_portal_csv(lines):
        return portal_csv.parse_portal_csv(lines, file, resolver)
    if long_csv.looks_like_long_csv(lines):
        return long_csv.parse_long_csv(lines, file, resolver)
    if looks_like_data:
        first = next((line for line in lines if line.strip()), "")
        raise DataError(
            "not a recognised export (expected a portal CSV starting 数据库：/指标：, a long panel "
            "with 地区,年份 columns, or an .xls workbook; wrong encoding?)",
            file=file, row=1, value=first[:60],
        )
    return None


def _to_observations(parsed: ParsedFile, file: str, mappings: SourceMappings):
    report = FileReport(file=file, kind=parsed.kind, rows_read=parsed.rows_read,
                        cells=len(parsed.cells), empty_cells=parsed.empty_cells)
    usable = {}
    for indicator, unit in parsed.indicators.items():
        m = mappings.lookup(parsed.kind, indicator)
        if m is None or m.series_code is None:
            why = "not in source_mappings" if m is None else (m.note or "no planned series")
            report.unmapped_indicators.append(f"{indicator} ({why})")
            continue
        if unit is not None and m.source_unit is not None and unit != m.source_unit:
            # A unit change in the export would silently rescale the series by 10^4 or so.
            raise DataError(f"the file states unit {unit!r}, source_mappings line {m.line} says "
                            f"{m.source_unit!r}", file=file, column=indicator, series=m.series_code)
        usable[indicator] = m
    rows = []
    provenance = f"real: {file}"
    for c in parsed.cells:
        m = usable.get(c.indicator_text)
        if m is None:
            report.unmapped_cells += 1
            continue
        rows.append((c.region_code, c.year, m.series_code, c.number * m.unit_factor, m.series_unit,
                     provenance, file, c.source_sheet, c.source_row, c.source_column, c.raw_text,
                     c.indicator_text, m.unit_factor, m.precedence))
    report.observations = len(rows)
    frame = pd.DataFrame(rows, columns=OBS_COLUMNS + ["precedence"]) if rows else _empty(["precedence"])
    return frame, report


def _empty(extra: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in OBS_COLUMNS + extra})


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Contract types: INTEGER codes/years/rows, DOUBLE value and factor."""
    frame = frame.copy()
    for col in ("region_code", "year", "source_row"):
        frame[col] = frame[col].astype("int32")
    for col in ("value", "unit_factor"):
        frame[col] = frame[col].astype("float64")
    return frame
