"""Series of the user's own: an inbox indicator that neither inbox.yml nor the catalogue maps.

Such an indicator is loaded as a real-only series of its own instead of stopping the build (a real
export carries more indicators than the catalogue knows). Its code is derived from the indicator
text alone, so the same indicator gets the same code in every file, every run and every copy of the
project, whatever the file is called:

    code = 'user_' + the first 8 hex digits of SHA-1 of the normalised indicator text without unit

normalised = NFKC, whitespace removed, case-folded ('农林牧渔业增加值 (亿元)', '农林牧渔业增加值(亿元)'
and '农林牧渔业增加值（亿元）' are one series). Pinyin is not available offline, and a hash keeps the
code short, ASCII and usable in SQL; the readable name is kept next to it (`name_zh`).

Its unit is the unit stated with the first value read (file order); a later file stating another
unit of the same base is converted to it (seeds/reference/unit_conversions.csv), any other is a
DataError. Two indicator texts whose hashes collide are a DataError too (never one merged series).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from models_py.errors import DataError

from .units import UnitConverter

PREFIX = "user_"
COLUMNS = ["series_code", "indicator_text", "name_zh", "unit", "first_file", "n_values", "n_regions",
           "first_year", "last_year"]


def user_series_code(normalised_name: str) -> str:
    """'user_' + 8 hex of SHA-1 of the normalised indicator name (without unit)."""
    return PREFIX + hashlib.sha1(normalised_name.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class UserSeries:
    series_code: str
    key: str  # the normalised name the code was derived from
    indicator_text: str  # as first read, with its unit
    name_zh: str  # the indicator text without its unit
    unit: str
    first_file: str


class UserSeriesRegistry:
    """The user series met while loading, in the order first met."""

    def __init__(self, converter: UnitConverter):
        self.converter = converter
        self.series: dict[str, UserSeries] = {}

    def register(self, key: str, indicator: str, name: str, unit: str, **where) -> tuple[UserSeries, float]:
        """The user series of this indicator and the factor from ``unit`` to its unit (where: file, …)."""
        code = user_series_code(key)
        known = self.series.get(code)
        if known is None:
            known = self.series[code] = UserSeries(code, key, indicator, name, unit, str(where.get("file", "")))
            return known, 1.0
        if known.key != key:
            raise DataError(f"indicators {known.indicator_text!r} and {indicator!r} hash to the same user "
                            f"series code {code}: map one of them in inbox.yml under series:", **where)
        return known, self.converter.factor(unit, known.unit, series=code, **where)

    def frame(self, observations: pd.DataFrame) -> pd.DataFrame:
        """One row per user series with the values loaded (after precedence), regions and years."""
        rows = []
        for s in self.series.values():
            mine = observations[observations["series"] == s.series_code]
            rows.append((s.series_code, s.indicator_text, s.name_zh, s.unit, s.first_file, len(mine),
                         mine["region_code"].nunique(),
                         int(mine["year"].min()) if len(mine) else None,
                         int(mine["year"].max()) if len(mine) else None))
        return pd.DataFrame(rows, columns=COLUMNS).sort_values("series_code", ignore_index=True)
