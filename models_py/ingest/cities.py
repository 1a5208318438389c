"""City (and county) names -> six-digit unit codes, through seeds/reference/units.csv.

A city table (城市统计年鉴 style: 城市, 年份, indicators) names its units with or without the
市 / 地区 / 盟 / 自治州 suffix (石家庄市, 石家庄; 恩施土家族苗族自治州, 恩施, 恩施州). Names are matched within
one level only, so 吉林 in a 城市 column is 吉林市 (220200), never 吉林省. A name that several units of
that level share (at county level 朝阳区 is in Beijing and in Changchun) is resolved by the row's
parent province (a 省份 column), else it is an error naming the candidates; so is an unknown name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from models_py.errors import DataError

from .regions import RegionResolver, normalise_name

CITY_LEVEL, COUNTY_LEVEL = "prefecture_city", "county"
FIRST_CITY_CODE = 100000  # unit codes from here on are cities or counties; below, provinces


def is_subprovincial(code: int) -> bool:
    """True for a six-digit city / county code, False for a two-digit province code."""
    return int(code) >= FIRST_CITY_CODE


@dataclass(frozen=True)
class Unit:
    code: int
    name: str
    province: int  # the region_code of the province it lies in


class UnitResolver:
    """Names of the units of one level of the catalogue -> their codes."""

    def __init__(self, units: Iterable[tuple[int, str, int, Iterable[str]]], level: str, provinces: RegionResolver,
                 *, source: str = "seeds/reference/units.csv"):
        self.level, self._provinces, self._source = level, provinces, source
        self._by_name: dict[str, list[Unit]] = {}
        for code, name, province, aliases in units:
            unit = Unit(int(code), name, int(province))
            for alias in {normalise_name(a) for a in aliases if a and str(a).strip()}:
                candidates = self._by_name.setdefault(alias, [])
                if unit not in candidates:
                    candidates.append(unit)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, level: str, provinces: RegionResolver,
                   *, source: str = "seeds/reference/units.csv") -> UnitResolver:
        missing = {"unit_code", "level", "region_code", "name_full", "name_short", "aliases"} - set(frame.columns)
        if missing:
            raise DataError(f"missing columns {sorted(missing)}", file=source)
        rows = frame[frame["level"] == level]
        if rows.empty:
            raise DataError(f"no units of level {level!r}", file=source)
        units = ((r.unit_code, r.name_full, r.region_code,
                  [r.name_full, r.name_short, *str(r.aliases or "").split("|")]) for r in rows.itertuples())
        return cls(units, level, provinces, source=source)

    def candidates(self, name: str) -> list[Unit]:
        return list(self._by_name.get(normalise_name(name), [])) if name is not None else []

    def resolve(self, name: str, province: str | None = None, *, file=None, row=None, column=None,
                sheet=None) -> int:
        """The code of `name`; `province` (a province name as in region_aliases.csv) picks among
        units sharing the name and must agree with an unambiguous one."""
        where = dict(file=file, row=row, column=column, sheet=sheet)
        found = self.candidates(name)
        if not found:
            raise DataError(f"unknown {self.level} name (not in {self._source})", region=name, **where)
        if province is not None and str(province).strip():
            code = self._provinces.resolve(province, **where)
            inside = [u for u in found if u.province == code]
            if not inside:
                raise DataError(f"{name!r} is not a {self.level} of province {province!r} (it is "
                                f"{_listed(found)})", region=name, **where)
            found = inside
        if len(found) > 1:
            raise DataError(f"{name!r} names {len(found)} units of level {self.level}: {_listed(found)}; add a "
                            "province column (省份) to pick one", region=name, **where)
        return found[0].code


def _listed(units: list[Unit]) -> str:
    return ", ".join(f"{u.name} ({u.code}, province {u.province})" for u in units)


@lru_cache(maxsize=4)
def load_unit_resolver(level: str = CITY_LEVEL, root=None) -> UnitResolver:
    """The catalogue's resolver for one level (cached: the catalogue is read once per process)."""
    from .seeds import REPO_ROOT, load_region_resolver, read_reference_csv

    root = REPO_ROOT if root is None else root
    frame = read_reference_csv("units", root)
    frame["unit_code"] = frame["unit_code"].astype(int)
    frame["region_code"] = frame["region_code"].astype(int)
    return UnitResolver.from_frame(frame, level, load_region_resolver(root))
