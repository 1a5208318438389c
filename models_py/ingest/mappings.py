"""seeds/reference/source_mappings.csv: export indicator -> series code, unit factor, precedence."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from models_py.errors import DataError

COLUMNS = ["source_kind", "indicator_text", "series_code", "source_unit", "unit_factor",
           "series_unit", "precedence", "note"]
LAYOUT_KINDS = {"portal_csv", "portal_xls", "long_csv"}
# Besides the layouts of seeds/shipped/nbs-exports, a row may name a shipped source
# (models_py/ingest/sources/<source_id>.py) whose reader looks its indicators up by its source_id.
_SOURCE_ID = re.compile(r"[a-z][a-z0-9_]*")
KINDS = LAYOUT_KINDS


@dataclass(frozen=True)
class Mapping:
    source_kind: str
    indicator_text: str
    series_code: str | None  # None: a known indicator with no planned series (reported, skipped)
    source_unit: str | None
    unit_factor: float
    series_unit: str | None
    precedence: int
    note: str
    line: int  # line in the mappings file, for error messages


class SourceMappings:
    def __init__(self, mappings: list[Mapping], *, source: str = "source_mappings.csv"):
        self.source = source
        self._by_key: dict[tuple[str, str], Mapping] = {}
        for m in mappings:
            key = (m.source_kind, m.indicator_text)
            if key in self._by_key:
                raise DataError(f"duplicate mapping (also line {self._by_key[key].line})",
                                file=source, row=m.line, value=m.indicator_text)
            self._by_key[key] = m

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, source: str = "source_mappings.csv") -> SourceMappings:
        missing = set(COLUMNS) - set(frame.columns)
        if missing:
            raise DataError(f"missing columns {sorted(missing)}", file=source)
        return cls([_row(rec, i + 2, source) for i, rec in enumerate(frame.to_dict("records"))],
                   source=source)

    def lookup(self, kind: str, indicator_text: str) -> Mapping | None:
        return self._by_key.get((kind, indicator_text.strip()))

    def __iter__(self):
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _row(rec: dict, line: int, source: str) -> Mapping:
    kind, indicator = _text(rec["source_kind"]), _text(rec["indicator_text"])
    if kind not in LAYOUT_KINDS and not _SOURCE_ID.fullmatch(kind or ""):
        raise DataError(f"source_kind must be one of {sorted(LAYOUT_KINDS)} or a shipped source_id",
                        file=source, row=line, value=kind)
    if not indicator:
        raise DataError("empty indicator_text", file=source, row=line)
    series = _text(rec["series_code"])
    try:
        factor = float(rec["unit_factor"]) if series else 1.0
        precedence = int(rec["precedence"]) if series else 0
    except (TypeError, ValueError):
        raise DataError("unit_factor must be a number and precedence an integer", file=source,
                        row=line, value=f"{rec['unit_factor']!r} / {rec['precedence']!r}") from None
    if series and not (math.isfinite(factor) and factor > 0):
        raise DataError("unit_factor must be a positive number", file=source, row=line, value=factor)
    if series and not _text(rec["series_unit"]):
        raise DataError("series_unit is required for a mapped indicator", file=source, row=line,
                        series=series)
    return Mapping(kind, indicator, series, _text(rec["source_unit"]), factor,
                   _text(rec["series_unit"]), precedence, _text(rec["note"]) or "", line)
