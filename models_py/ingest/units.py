"""Units as exports print them -> the catalogue's unit, through seeds/reference/unit_conversions.csv.

A value in unit a is converted to unit b (same base unit) by multiplying with to_base(a) / to_base(b);
the factor is recorded on every observation. Units with different bases (万美元 vs 亿元) never
convert: that is a DataError, because a silent 10^4 or exchange-rate error would reach every index.
"""

from __future__ import annotations

import math
import unicodedata

import pandas as pd

from models_py.errors import DataError


def normalise_unit(unit: str) -> str:
    """NFKC (full-width % and brackets), inner whitespace collapsed, case-folded."""
    return " ".join(unicodedata.normalize("NFKC", unit).split()).casefold()


class UnitConverter:
    def __init__(self, rows: list[tuple[str, str, float]], *, source: str = "unit_conversions.csv"):
        self.source = source
        self._units: dict[str, tuple[str, float]] = {}
        for unit, base, to_base in rows:
            if not (math.isfinite(to_base) and to_base > 0):
                raise DataError("to_base must be a positive number", file=source, value=unit)
            self._units[normalise_unit(unit)] = (normalise_unit(base), float(to_base))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, source: str = "unit_conversions.csv") -> UnitConverter:
        return cls([(r.unit, r.base_unit, float(r.to_base)) for r in frame.itertuples()], source=source)

    def known(self, unit: str) -> bool:
        return normalise_unit(unit) in self._units

    def factor(self, unit: str, target: str, **where) -> float:
        """Multiplier taking a value in ``unit`` to ``target``; DataError (located by where) if none."""
        if normalise_unit(unit) == normalise_unit(target):
            return 1.0
        a, b = self._units.get(normalise_unit(unit)), self._units.get(normalise_unit(target))
        if a is None:
            raise DataError(f"unknown unit {unit!r} (add it to {self.source})", **where)
        if b is None:
            raise DataError(f"the catalogue unit {target!r} is not in {self.source}", **where)
        if a[0] != b[0]:
            raise DataError(f"unit {unit!r} cannot be converted to the catalogue unit {target!r}", **where)
        return a[1] / b[1]
