"""Firm tables: firm codes -> integer unit codes, and the firms' own catalogue rows.

Firms are not in seeds/reference/units.csv: a firm table brings its units with it. A firm is keyed by
its numeric code (a listed firm's six-digit stock code, 000001 …, with or without an exchange suffix
such as .SZ / .SH / .BJ; any numeric id of up to 8 digits). Its unit code is FIRST_FIRM_CODE + that
number, so 600519 is unit 1000600519 in every build and every file: above every administrative code
(two-digit provinces, six-digit cities and counties), never colliding with one (stock code 000011
would otherwise be Beijing's 11), and inside the 32-bit region_code every layer uses. Leading zeros do
not matter (Stata's numeric stkcd 1 = 000001); `firm_id` shows the code six digits wide. A text id (a
credit code) is an error naming file, row and value: it has no stable integer code yet.

Each firm needs its province (a 省份 column beside the firm column): region groups, inequality within
and between provinces and clustering by province follow from it, as for cities. A 城市 column gives
its prefecture city (resolved within the province; its parent); without one the parent is the
province. A firm's province, city and name must agree in every row and file that names them: two
that differ are an error naming both places.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from models_py.errors import DataError

from .cities import CITY_LEVEL, load_unit_resolver
from .regions import RegionResolver

FIRM_LEVEL = "firm"
FIRST_FIRM_CODE = 1_000_000_000  # unit codes from here on are firms
MAX_DIGITS = 8  # FIRST_FIRM_CODE + 10^8 - 1 < 2^31 - 1
_FIRM_ID = re.compile(rf"(\d{{1,{MAX_DIGITS}}})(?:\.(?:sz|sh|ss|bj))?")
COLUMNS = ["unit_code", "firm_id", "firm_name", "province_code", "city_code", "source_file", "source_row"]


def is_firm(code: int) -> bool:
    return int(code) >= FIRST_FIRM_CODE


def firm_unit_code(text: str, **where) -> int:
    """'000001', '1', '000001.SZ' -> 1000000001; anything else is a DataError located by `where`."""
    key = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    match = _FIRM_ID.fullmatch(key)
    if match is None:
        raise DataError(f"not a firm code: firm tables are keyed by numeric codes of up to {MAX_DIGITS} digits "
                        "(stock codes such as 000001 or 600519.SH); text ids such as credit codes are not "
                        "supported yet", value=text, **where)
    return FIRST_FIRM_CODE + int(match.group(1))


def firm_id(code: int) -> str:
    """The firm's code as shown: six digits wide at least (1000000001 -> '000001')."""
    return f"{int(code) - FIRST_FIRM_CODE:06d}"


@dataclass(frozen=True)
class Firm:
    unit_code: int
    name: str | None
    province_code: int
    city_code: int | None
    source_file: str
    source_row: int

    @property
    def firm_id(self) -> str:
        return firm_id(self.unit_code)


class FirmRows:
    """Reads one firm table's unit columns row by row: the firm's code, province, city and name."""

    def __init__(self, header: list[str], firm_col: int, province_col: int | None, city_col: int | None,
                 name_col: int | None, provinces: RegionResolver, *, file: str, sheet: str | None, row: int):
        if province_col is None:
            raise DataError("a firm table needs a province column (省份) beside its firm column: each firm's "
                            "province places it in the region groups and the province clusters",
                            file=file, sheet=sheet, row=row, column=header[firm_col])
        self.header, self.firm_col, self.province_col = header, firm_col, province_col
        self.city_col, self.name_col, self.provinces = city_col, name_col, provinces

    def resolve(self, cells: list[str], firms: dict[int, Firm], *, file: str, sheet: str | None, row: int) -> int:
        """The row's firm code; the firm is added to (or checked against) `firms`."""
        where = dict(file=file, sheet=sheet, row=row)
        code = firm_unit_code(cells[self.firm_col], column=self.header[self.firm_col], **where)
        province = self.provinces.resolve(cells[self.province_col], column=self.header[self.province_col], **where)
        city = None
        if self.city_col is not None and cells[self.city_col].strip():
            city = load_unit_resolver(CITY_LEVEL).resolve(
                cells[self.city_col], cells[self.province_col], column=self.header[self.city_col], **where)
        name = cells[self.name_col].strip() or None if self.name_col is not None else None
        add_firm(firms, Firm(code, name, province, city, file, row), sheet=sheet)
        return code


def add_firm(firms: dict[int, Firm], firm: Firm, *, sheet: str | None = None) -> None:
    """Add `firm` to `firms`; a firm already there must have the same province and, where both rows
    give them, the same city and name (its first row is kept, with what later rows add)."""
    known = firms.get(firm.unit_code)
    if known is None:
        firms[firm.unit_code] = firm
        return
    for field, mine, theirs in (("province", firm.province_code, known.province_code),
                                ("city", firm.city_code, known.city_code), ("name", firm.name, known.name)):
        if mine is not None and theirs is not None and mine != theirs:
            raise DataError(f"firm {firm.firm_id} has {field} {theirs!r} at {known.source_file} line "
                            f"{known.source_row} and {mine!r} here: a firm has one {field} in a panel",
                            file=firm.source_file, sheet=sheet, row=firm.source_row, region=firm.firm_id)
    if (known.city_code is None and firm.city_code is not None) or (known.name is None and firm.name is not None):
        firms[firm.unit_code] = Firm(known.unit_code, known.name or firm.name, known.province_code,
                                     known.city_code or firm.city_code, known.source_file, known.source_row)


def firms_frame(firms: dict[int, Firm]) -> pd.DataFrame:
    """raw.firm_units: one row per firm, typed even when empty."""
    frame = pd.DataFrame(
        [(f.unit_code, f.firm_id, f.name, f.province_code, f.city_code, f.source_file, f.source_row)
         for f in sorted(firms.values(), key=lambda f: f.unit_code)], columns=COLUMNS)
    return frame.astype({"unit_code": "int32", "firm_id": "string", "firm_name": "string",
                         "province_code": "int32", "city_code": "Int32", "source_file": "string",
                         "source_row": "int32"})
