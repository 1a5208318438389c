"""City (and county) names -> six-digit unit codes, through seeds/reference/units.csv.

A city table (城市统计年鉴 style: 城市, 年份, indicators) names its units with or without the
市 / 地区 / 盟 / 自治州 suffix (石家庄市, 石家庄; 恩施土家族苗族自治州, 恩施, 恩施州). Names are matched within
one level only, so 吉林 in a 城市 column is 吉林市 (220200), never 吉林省. A name that several units of
that level share (at county level 朝阳区 is in Beijing and in Changchun) is resolved by the row's
parent province (a 省份 column), else it is an error naming the candidates; so is an unknown name.
A city under a former name (yearbooks of earlier years) is read as today's unit: a 地区 / 盟 that became a
city of the same name (毕节地区 = 毕节市) by the name without its suffix, a renamed one (襄樊市 = 襄阳市) through
seeds/reference/city_name_history.csv; a city merged into another or abolished (莱芜市 2019, 巢湖市 2011)
is an error saying where its territory went, since no unit of today holds it alone.
A county table (区县, 年份, indicators) may also carry its counties' prefecture cities (a 城市
column): some county names repeat inside one province (市中区 in 济南 and 枣庄, 城区 in four cities
of Shanxi), and only the city tells them apart. A county under its designation of earlier years (撤县设区,
撤县设市, 撤市设区: 富阳市 is 富阳区 since 2014, 清苑县 清苑区 since 2015) is read as today's unit of the same
name with the new suffix (REDESIGNATED), unless the name is a prefecture city's (朝阳市 in a county column is
not 朝阳县). `reads_former_name` tells which names were read so, and `former_names_summary` logs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from models_py.errors import DataError

from .regions import RegionResolver, normalise_name
from .unit_catalogue import short_name

CITY_LEVEL, COUNTY_LEVEL = "prefecture_city", "county"
# a county-level name's suffix of earlier years -> the suffixes it may carry today under the same name
# (撤县设区 / 撤县设市, 撤市设区, 撤旗设区 / 设市); never the other way
REDESIGNATED = {"县": ("区", "市"), "市": ("区",), "旗": ("区", "市")}
FIRST_CITY_CODE = 100000  # unit codes from here on are cities, counties (and firms, firms.py); below, provinces


@dataclass(frozen=True)
class FormerName:
    """A row of seeds/reference/city_name_history.csv: a city name the catalogue no longer has."""

    name: str
    successor: int | None  # renamed: today's unit; merged: the unit it joined; abolished: None
    year: int
    change: str  # renamed / merged / abolished
    note: str


@dataclass(frozen=True)
class Unit:
    code: int
    name: str
    province: int  # the region_code of the province it lies in
    parent: int | None = None  # the unit one level up (a county's city; its province if province-administered)


class UnitResolver:
    """Names of the units of one level of the catalogue -> their codes."""

    def __init__(self, units: Iterable[tuple[int, str, int, Iterable[str]]], level: str, provinces: RegionResolver,
                 *, source: str = "seeds/reference/units.csv", parents: UnitResolver | None = None,
                 former: Iterable[FormerName] = ()):
        """`units`: (code, name, province, aliases[, parent code]); `parents`: the resolver of the level
        above (a county table's 城市 column), when there is one; `former`: names the level no longer has
        (a renamed unit's former names become its aliases, a merged or abolished one's are refused)."""
        self.level, self._provinces, self._source, self._parents = level, provinces, source, parents
        self._by_name: dict[str, list[Unit]] = {}
        by_code = {}
        for code, name, province, aliases, *parent in units:
            parent_code = int(parent[0]) if parent and not pd.isna(parent[0]) else None
            unit = by_code[int(code)] = Unit(int(code), name, int(province), parent_code)
            self._add(unit, aliases)
        self._by_code = by_code
        self._gone: dict[str, FormerName] = {}
        self._former: set[str] = set()  # keys of the renamed units' former names (city_name_history)
        for name in former:  # its name without 市 / 地区 / 盟 too, unless a unit of today has that name (柳州地区)
            names = [n for n in {name.name, short_name(name.name)}
                     if n == name.name or normalise_name(n) not in self._by_name]
            if name.change == "renamed":
                self._add(by_code[name.successor], names)
                self._former.update(normalise_name(n) for n in names)
            else:
                self._gone.update({normalise_name(n): name for n in names})

    def _add(self, unit: Unit, aliases: Iterable[str]) -> None:
        for alias in {normalise_name(a) for a in aliases if a and str(a).strip()}:
            candidates = self._by_name.setdefault(alias, [])
            if unit not in candidates:
                candidates.append(unit)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, level: str, provinces: RegionResolver,
                   *, source: str = "seeds/reference/units.csv", former: Iterable[FormerName] = ()) -> UnitResolver:
        missing = {"unit_code", "level", "parent_code", "region_code", "name_full", "name_short",
                   "aliases"} - set(frame.columns)
        if missing:
            raise DataError(f"missing columns {sorted(missing)}", file=source)
        rows = frame[frame["level"] == level]
        if rows.empty:
            raise DataError(f"no units of level {level!r}", file=source)
        units = ((r.unit_code, r.name_full, r.region_code,
                  [r.name_full, r.name_short, *str(r.aliases or "").split("|")], r.parent_code)
                 for r in rows.itertuples())
        parents = (cls.from_frame(frame, CITY_LEVEL, provinces, source=source, former=former)
                   if level == COUNTY_LEVEL else None)
        return cls(units, level, provinces, source=source, parents=parents,
                   former=former if level == CITY_LEVEL else ())

    def candidates(self, name: str) -> list[Unit]:
        """The units of this level named `name`; a city also without its 市 / 地区 / 盟 (毕节地区 = 毕节市),
        unless the name is one of a merged or abolished unit (柳州地区 is not 柳州市)."""
        if name is None:
            return []
        found = self._by_name.get(normalise_name(name))
        if not found and self.level == CITY_LEVEL and self.former_name(name) is None:
            found = self._by_name.get(normalise_name(short_name(str(name).strip())))
        if not found and self.level == COUNTY_LEVEL:
            found = self._redesignated(str(name).strip())
        return list(found or [])

    def _redesignated(self, text: str) -> list[Unit]:
        """The units of today that a county name of an earlier designation is (富阳市 -> 富阳区): the same
        name with a suffix REDESIGNATED allows; none when the name is a prefecture city's (朝阳市)."""
        targets = REDESIGNATED.get(text[-1:])
        if targets is None or len(text) < 3 or (self._parents is not None and self._parents.candidates(text)):
            return []
        stem = text[:-1]
        return [unit for unit in self._by_name.get(normalise_name(stem), [])
                if any(normalise_name(unit.name) == normalise_name(stem + suffix) for suffix in targets)]

    def name_of(self, code: int) -> str:
        """Today's full name of the unit `code` (富阳区)."""
        return self._by_code[int(code)].name

    def reads_former_name(self, name: str) -> bool:
        """Whether `name`, which resolved, is a former name or designation of the unit (襄樊, 毕节地区, 富阳市)
        rather than one of its names of today."""
        key = normalise_name(name)
        return key in self._former or key not in self._by_name

    def former_name(self, name: str) -> FormerName | None:
        """The merged or abolished unit `name` was (city_name_history), if it names one."""
        if name is None:
            return None
        return self._gone.get(normalise_name(name)) or self._gone.get(normalise_name(short_name(str(name).strip())))

    def resolve(self, name: str, province: str | None = None, *, parent: str | None = None, file=None, row=None,
                column=None, sheet=None) -> int:
        """The code of `name`; `province` (a province name as in region_aliases.csv) and `parent` (a
        county's prefecture city, by name) pick among units sharing the name and must agree with an
        unambiguous one."""
        where = dict(file=file, row=row, column=column, sheet=sheet)
        found = self.candidates(name)
        gone = None if found else self.former_name(name)
        if gone is not None:
            raise DataError(f"{gone.name} is no {self.level} of today: {gone.change} in {gone.year} ({gone.note}; "
                            f"seeds/reference/city_name_history.csv). No unit of today is its territory alone: add its "
                            f"values to those of the unit(s) it went to where they add up (GDP, population), "
                            f"or leave its rows out", region=name, **where)
        if not found:
            city = self._parents is not None and self._parents.candidates(name)
            hint = (f": it is a {self._parents.level}'s (a row of the whole city in a county table: leave it out, "
                    "or put it in a city table)") if city else ""
            raise DataError(f"unknown {self.level} name (not in {self._source}){hint}", region=name, **where)
        if _names_a_parent(parent, name):
            if self._parents is None:
                raise DataError(f"a {self.level} has no parent level to name", region=name, **where)
            code = self._parents.resolve(parent, province, **where)
            inside = [u for u in found if u.parent == code]
            if not inside:
                raise DataError(f"{name!r} is not a {self.level} of {self._parents.level} {parent!r} (it is "
                                f"{_listed(found)})", region=name, **where)
            found = inside
        if province is not None and str(province).strip():
            code = self._provinces.resolve(province, **where)
            inside = [u for u in found if u.province == code]
            if not inside:
                raise DataError(f"{name!r} is not a {self.level} of province {province!r} (it is "
                                f"{_listed(found)})", region=name, **where)
            found = inside
        if len(found) > 1:
            hint = "a province column (省份)" + (" or a city column (城市)" if self._parents is not None else "")
            raise DataError(f"{name!r} names {len(found)} units of level {self.level}: {_listed(found)}; add "
                            f"{hint} to pick one", region=name, **where)
        return found[0].code


def former_names_summary(former: dict[str, tuple[int, str, str]], shown: int = 20) -> str:
    """The log line for the city and county names a load read as today's units by a rule for earlier names
    (`former`: name as written -> (code, today's name, first file))."""
    items = sorted(former.items(), key=lambda item: (item[1][0], item[0]))
    named = ", ".join(f"{text} -> {name} ({code})" for text, (code, name, _) in items[:shown])
    return (f"{len(former)} city / county names read as today's unit (a former name, seeds/reference/"
            f"city_name_history.csv, or designation: 地区 -> 市, 县 -> 区 …): {named}"
            + (" …" if len(items) > shown else ""))


def _names_a_parent(parent: str | None, name: str) -> bool:
    """False for a blank city cell, and for the ones yearbooks print beside a province-administered
    county (济源, 仙桃 …): its own name, or 省直辖 (省直辖县级行政区划)."""
    text = "" if parent is None else str(parent).strip()
    return bool(text) and not text.startswith("省直辖") and normalise_name(text) != normalise_name(name)


def _listed(units: list[Unit]) -> str:
    return ", ".join(f"{u.name} ({u.code}, province {u.province}"
                     + (f", in {u.parent}" if u.parent not in (None, u.province) else "") + ")" for u in units)


@lru_cache(maxsize=4)
def load_unit_resolver(level: str = CITY_LEVEL, root=None) -> UnitResolver:
    """The catalogue's resolver for one level (cached: the catalogue is read once per process)."""
    from .seeds import REPO_ROOT, load_region_resolver, read_reference_csv

    root = REPO_ROOT if root is None else root
    frame = read_reference_csv("units", root)
    frame["unit_code"] = frame["unit_code"].astype(int)
    frame["region_code"] = frame["region_code"].astype(int)
    return UnitResolver.from_frame(frame, level, load_region_resolver(root), former=former_city_names(root))


def former_city_names(root=None) -> list[FormerName]:
    """seeds/reference/city_name_history.csv."""
    from .seeds import REPO_ROOT, read_reference_csv

    rows = read_reference_csv("city_name_history", REPO_ROOT if root is None else root)
    return [FormerName(r.former_name, int(r.successor_code) if str(r.successor_code).strip() else None,
                       int(r.change_year), r.change, r.note) for r in rows.itertuples()]
