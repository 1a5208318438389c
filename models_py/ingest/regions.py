"""Region names -> GB/T 2260 two-digit codes, through seeds/reference/region_aliases.csv.

An unknown name is a DataError, never a dropped row (docs/architecture.md, "Regions").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import pandas as pd

from models_py.errors import DataError


def normalise_name(name: str) -> str:
    """Matching key: NFKC (full-width Latin and spaces), no whitespace at all, case-folded."""
    text = unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "")
    return "".join(ch for ch in text if not ch.isspace()).casefold()


class RegionResolver:
    """Resolve the region names found in exports to integer region codes."""

    def __init__(self, aliases: Iterable[tuple[str, int]], *, source: str = "region_aliases.csv"):
        self._codes: dict[str, int] = {}
        self._source = source
        for alias, code in aliases:
            key = normalise_name(alias)
            if not key:
                raise DataError("empty alias", file=source, value=alias)
            known = self._codes.get(key)
            if known is not None and known != int(code):
                raise DataError(
                    f"alias maps to both {known} and {int(code)} after normalisation",
                    file=source, value=alias,
                )
            self._codes[key] = int(code)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, source: str = "region_aliases.csv") -> RegionResolver:
        missing = {"alias", "region_code"} - set(frame.columns)
        if missing:
            raise DataError(f"missing columns {sorted(missing)}", file=source)
        pairs = zip(frame["alias"].astype(str), frame["region_code"].astype(int))
        return cls(pairs, source=source)

    @property
    def codes(self) -> set[int]:
        return set(self._codes.values())

    def resolve(self, name: str, *, file=None, row=None, column=None, sheet=None) -> int:
        code = self._codes.get(normalise_name(name)) if name is not None else None
        if code is None:
            raise DataError(
                f"unknown region name (not in {self._source})",
                file=file, row=row, column=column, sheet=sheet, region=name,
            )
        return code
