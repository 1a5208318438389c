"""Firm tables: firm ids -> integer unit codes, and the firms' own catalogue rows.

Firms are not in seeds/reference/units.csv: a firm table brings its units with it. A firm column holds
one of two kinds of id, by its header:
- a stock code (证券代码, 股票代码, stkcd, firm …): a listed firm's six-digit code, 000001 …, with or
  without an exchange suffix such as .SZ / .SH / .BJ; any numeric id of up to 8 digits. Its unit code is
  FIRST_FIRM_CODE + that number, so 600519 is unit 1000600519 in every build and every file: above every
  administrative code (two-digit provinces, six-digit cities and counties), never colliding with one
  (stock code 000011 would otherwise be Beijing's 11), and inside the 32-bit region_code every layer
  uses. Leading zeros do not matter (Stata's numeric stkcd 1 = 000001); `firm_id` shows the code six
  digits wide.
- a registration id (统一社会信用代码, 组织机构代码, 法人代码, credit_code …): the text ids of enterprise
  micro data (18-character credit codes, 9-character organisation codes), compared in upper case with
  hyphens and spaces removed (12345678-9 = 123456789), digits and Latin letters only, up to 32 characters.
  They have no number to offset, so their unit codes number them in sorted order from
  FIRST_TEXT_FIRM_CODE over everything one load reads (Stata's `egen id = group(法人代码)`): the same
  files give the same codes, and another firm added may move them; the id itself is kept beside the
  code (raw.firm_units.firm_id, int_units.firm_id), so join on it across builds. While files are read a
  registration id carries a provisional negative code hashed from the id (the same in every file);
  `final_text_codes` gives the codes that replace them.
  An organisation code and the credit code that contains it are one firm: by GB 32100-2015 characters
  9-17 of an 18-character credit code are the organisation code (the 主体标识码), so a panel whose early
  years give 组织机构代码 and later years 统一社会信用代码 (工业企业数据库 around 2015) is one panel of
  firms. The firm keeps the credit code as its id; `linked_ids` lists what was joined to it. An
  organisation code found in two credit codes is an error naming the three.
- both: a table with a stock-code column and a registration-id column (a CSMAR 公司基本信息 export) links
  them (FirmLink): the rows of that credit code, or of the organisation code inside it, in any table are
  read as the listed firm, which keeps its stock code's unit code and id, the registration ids in
  `linked_ids` (even where no table has rows of them). Without a year column such a table links
  (and reads its label columns, such as 行业代码, as labels without a year; no values).

Each firm needs its province: region groups, inequality within and between provinces and clustering
by province follow from it, as for cities. A 省份 column beside the firm column gives it; a table without
one (a CSMAR financial statement) takes each firm's province from another table of the same load (a
公司基本信息 export: 证券代码,省份,…), and a firm no table places is an error (`require_provinces`). A 城市 column gives
its prefecture city (resolved within the province; its parent); without one the parent is the
province. A firm's province and city must agree in every row and file that names them: two that differ
are an error naming both places. Its name (证券简称, 企业名称: NAME_COLUMNS) may change (ST, *ST, a new
short name): a table with years reads it per year, as a label (models_py.ingest.attributes), and the firm
is shown by its name of the latest year read (`latest_names`); a table without a year names a firm no
table with years names.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace

import pandas as pd

from models_py.errors import DataError

from .cells import header_key
from .cities import CITY_LEVEL, load_unit_resolver
from .regions import RegionResolver

FIRM_LEVEL = "firm"
FIRST_FIRM_CODE = 1_000_000_000  # unit codes from here on are firms
MAX_DIGITS = 8  # stock codes: FIRST_FIRM_CODE + 10^8 - 1
FIRST_TEXT_FIRM_CODE = FIRST_FIRM_CODE + 10**MAX_DIGITS  # registration ids, numbered in sorted order
MAX_TEXT_FIRMS = 2**31 - 1 - FIRST_TEXT_FIRM_CODE  # region_code is a 32-bit integer
MAX_TEXT_ID = 32
_FIRM_ID = re.compile(rf"(\d{{1,{MAX_DIGITS}}})(?:\.(?:sz|sh|ss|bj))?")
_TEXT_ID = re.compile(rf"[0-9A-Z]{{1,{MAX_TEXT_ID}}}")
# the header names of registration-id columns (NFKC, case-folded); every other firm column holds stock codes
REGISTRATION_ID_COLUMNS = frozenset({
    "统一社会信用代码", "社会信用代码", "信用代码", "组织机构代码", "法人代码", "法人单位代码", "credit_code", "uscc",
    "org_code", "organization_code", "organisation_code"})
# the header names of a firm's name column (NFKC, case-folded): a listed firm's short name or a firm's name
SHORT_NAME_COLUMNS = frozenset({"证券简称", "股票简称", "公司简称", "short_name"})
NAME_COLUMNS = SHORT_NAME_COLUMNS | {"公司名称", "企业名称", "firm_name", "company_name"}
STOCK_CODE_COLUMNS = frozenset({"证券代码", "股票代码", "公司代码", "企业代码", "stkcd", "stock_code", "stockcode",
                                "firm", "firm_id", "firm_code", "ticker"})
COLUMNS = ["unit_code", "firm_id", "firm_name", "province_code", "city_code", "source_file", "source_row",
           "linked_ids"]
CREDIT_CODE_LENGTH, ORGANISATION_CODE_LENGTH = 18, 9
CREDIT_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: values 0-30; no I, O, S, V, Z
_CREDIT_CODE_VALUE = {ch: value for value, ch in enumerate(CREDIT_CODE_CHARACTERS)}
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, …
ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997


def is_firm(code: int) -> bool:
    return int(code) >= FIRST_FIRM_CODE


def is_registration_column(name: str) -> bool:
    return _key(name).casefold() in REGISTRATION_ID_COLUMNS


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def firm_unit_code(text: str, **where) -> int:
    """A stock code's unit code: '000001', '1', '000001.SZ' -> 1000000001; anything else is a DataError
    located by `where`."""
    match = _FIRM_ID.fullmatch(_key(text).casefold())
    if match is None:
        raise DataError(f"not a firm code: stock code columns hold numeric codes of up to {MAX_DIGITS} digits "
                        "(000001, 600519.SH); a text id such as a credit code goes in a column named "
                        "统一社会信用代码, 组织机构代码 or 法人代码", value=text, **where)
    return FIRST_FIRM_CODE + int(match.group(1))


def firm_id(code: int) -> str:
    """A stock code's id as shown: six digits wide at least (1000000001 -> '000001'); a registration id's
    code says so (its id is in raw.firm_units)."""
    if int(code) >= FIRST_TEXT_FIRM_CODE:
        return f"registration id no. {int(code) - FIRST_TEXT_FIRM_CODE + 1}"
    return f"{int(code) - FIRST_FIRM_CODE:06d}"


def registration_id(text: str, **where) -> str:
    """A registration id as compared: '91110000100000000x' -> '91110000100000000X', '1234567-8' -> '12345678';
    anything but digits and Latin letters is a DataError located by `where`."""
    key = re.sub(r"[-\s]", "", _key(text).upper())
    if _TEXT_ID.fullmatch(key) is None:
        raise DataError(f"not a registration id: credit codes and organisation codes are digits and Latin "
                        f"letters (hyphens and spaces aside), up to {MAX_TEXT_ID} characters", value=text, **where)
    return key


def provisional_code(text_id: str) -> int:
    """A registration id's code while files are read: negative, from the id alone (56 bits of its hash)."""
    return -1 - int.from_bytes(hashlib.blake2b(text_id.encode(), digest_size=7).digest(), "big")


@dataclass(frozen=True)
class Firm:
    unit_code: int
    firm_id: str
    name: str | None
    province_code: int | None  # None until a table of the load with a 省份 column names it
    city_code: int | None
    source_file: str
    source_row: int
    linked_ids: tuple[str, ...] = ()  # registration ids read as this firm (organisation codes, linked ids)


@dataclass(frozen=True)
class FirmLink:
    """A row giving a listed firm's stock code and its registration id (credit or organisation code)."""

    unit_code: int  # the stock code's
    registration_id: str
    source_file: str
    source_row: int


class FirmRows:
    """Reads one firm table's unit columns row by row: the firm's id, province, city and name, and the
    registration id linked to its stock code where the table has both (`link_col`)."""

    def __init__(self, header: list[str], firm_col: int, province_col: int | None, city_col: int | None,
                 name_col: int | None, provinces: RegionResolver, *, file: str, sheet: str | None, row: int,
                 link_col: int | None = None):
        self.header, self.firm_col, self.province_col = header, firm_col, province_col
        self.city_col, self.name_col, self.provinces = city_col, name_col, provinces
        self.text_ids = is_registration_column(header[firm_col])
        self.link_col = link_col

    def resolve(self, cells: list[str], firms: dict[int, Firm], *, file: str, sheet: str | None, row: int,
                links: list[FirmLink] | None = None) -> int:
        """The row's firm code (provisional for a registration id); the firm is added to (or checked
        against) `firms`, and the row's link, if any, appended to `links`."""
        where = dict(file=file, sheet=sheet, row=row)
        text, column = cells[self.firm_col], self.header[self.firm_col]
        if self.text_ids:
            shown = registration_id(text, column=column, **where)
            code = provisional_code(shown)
        else:
            code = firm_unit_code(text, column=column, **where)
            shown = firm_id(code)
        province = None  # without a 省份 column: from another table of the load (require_provinces)
        if self.province_col is not None:
            province = self.provinces.resolve(cells[self.province_col], column=self.header[self.province_col],
                                              **where)
        city = None
        if self.city_col is not None and cells[self.city_col].strip():
            city = load_unit_resolver(CITY_LEVEL).resolve(
                cells[self.city_col], None if self.province_col is None else cells[self.province_col],
                column=self.header[self.city_col], **where)
        name = cells[self.name_col].strip() or None if self.name_col is not None else None
        add_firm(firms, Firm(code, shown, name, province, city, file, row), sheet=sheet)
        if self.link_col is not None and cells[self.link_col].strip():  # a listed firm without one: no link
            linked = registration_id(cells[self.link_col], column=self.header[self.link_col], **where)
            links.append(FirmLink(code, linked, file, row))
        return code


def add_firm(firms: dict[int, Firm], firm: Firm, *, sheet: str | None = None, shown: str | None = None) -> None:
    """Add `firm` to `firms`; a firm already there must have the same province and, where both rows
    give them, the same city and name (its first row is kept, with what later rows add). `shown`: how
    the error names the firm (default its id)."""
    known = firms.get(firm.unit_code)
    if known is None:
        firms[firm.unit_code] = firm
        return
    if known.firm_id != firm.firm_id:  # two registration ids whose 56-bit hashes agree: never seen
        raise DataError(f"registration ids {known.firm_id} and {firm.firm_id} share a provisional code (a "
                        "56-bit hash collision, about 1 in 10^3 at 10^7 firms); please report it", file=firm.source_file,
                        sheet=sheet, row=firm.source_row, region=firm.firm_id)
    for field, mine, theirs in (("province", firm.province_code, known.province_code),
                                ("city", firm.city_code, known.city_code)):  # a name may change: latest_names
        if mine is not None and theirs is not None and mine != theirs:
            raise DataError(f"firm {shown or firm.firm_id} has {field} {theirs!r} at {known.source_file} line "
                            f"{known.source_row} and {mine!r} here: a firm has one {field} in a panel",
                            file=firm.source_file, sheet=sheet, row=firm.source_row, region=firm.firm_id)
    if None in (known.province_code, known.city_code, known.name):  # what a later row adds
        firms[firm.unit_code] = replace(known, name=known.name or firm.name, city_code=known.city_code or firm.city_code,
                                        province_code=known.province_code or firm.province_code)


def require_provinces(firms: dict[int, Firm]) -> None:
    """Every firm placed in a province by some table of the load; the first one no table places (by unit code)
    is an error naming where it was read and how many more there are."""
    missing = sorted((firm for firm in firms.values() if firm.province_code is None), key=lambda f: f.unit_code)
    if missing:
        first, more = missing[0], len(missing) - 1
        raise DataError(f"firm {first.firm_id} has no province: its table has no 省份 column and no other table of "
                        "the load names it (add a 省份 column, or a 公司基本信息 table: 证券代码,省份)"
                        + (f"; {more} more firms without one" if more else ""), file=first.source_file,
                        row=first.source_row, region=first.firm_id)


def organisation_code(text_id: str) -> str | None:
    """The organisation code an id is or contains (GB 32100-2015: characters 9-17 of a credit code);
    None for an id of another length."""
    if len(text_id) == CREDIT_CODE_LENGTH:
        return text_id[8:17]
    return text_id if len(text_id) == ORGANISATION_CODE_LENGTH else None


def check_character_holds(text_id: str) -> bool | None:
    """Whether the last character of a credit code (GB 32100-2015: weights 3^i mod 31 over the 31 code
    characters) or of an organisation code (GB 11714-1997: weights 3, 7, 9, 10, 5, 8, 4, 2 mod 11, 10 is X)
    is the check character of the others; None for an id of another length. A typo that keeps an id's
    shape loads as a firm of its own: the loader cannot tell, the check character usually can."""
    if len(text_id) == CREDIT_CODE_LENGTH:
        if any(ch not in _CREDIT_CODE_VALUE for ch in text_id):
            return False
        total = sum(_CREDIT_CODE_VALUE[ch] * weight for ch, weight in zip(text_id, CREDIT_CODE_WEIGHTS))
        return text_id[17] == CREDIT_CODE_CHARACTERS[-total % 31]
    if len(text_id) == ORGANISATION_CODE_LENGTH:
        total = sum(int(ch, 36) * weight for ch, weight in zip(text_id[:8], ORGANISATION_CODE_WEIGHTS))
        check = -total % 11
        return text_id[8] == ("X" if check == 10 else str(check))
    return None


def failed_check_characters(firms: pd.DataFrame) -> list[str]:
    """The registration ids of raw.firm_units (their own and their linked ids) whose check character does
    not hold, sorted."""
    return _failing(list(firms["firm_id"]) + [i for linked in firms["linked_ids"].dropna() for i in linked.split()])


def refuse_failed_check_characters(firms: dict[int, Firm], links: list[FirmLink] = ()) -> None:
    """inbox.yml `check_characters: error`: a registration id (of a firm, or of a link table's row) whose
    check character does not hold stops the load, naming the file and line the first of them (in id order)
    was first read at, and the others."""
    first_read: dict[str, tuple[str, int]] = {}  # id -> (file, line) it was first read at
    for text_id, file, row in _ids_as_read(firms.values(), links):
        first_read.setdefault(text_id, (file, row))
    failed = _failing(first_read)
    if not failed:
        return
    first, others = failed[0], failed[1:]
    more = f"; {len(others)} more: {_listed(others, shown=5)}" if others else ""
    raise DataError(f"registration id {first}: its last character is not the check character of the "
                    f"others (GB 32100-2015 / GB 11714-1997){more}. Correct the ids, or set check_characters: "
                    "report in inbox.yml to load them and have them listed", file=first_read[first][0],
                    row=first_read[first][1], region=first)


def check_character_summary(failed: list[str], shown: int) -> str:
    """What `nqp inbox` and the build's log say of `failed` (failed_check_characters), naming `shown` of them."""
    return (f"{len(failed)} registration ids whose check character does not hold (GB 32100-2015 / GB 11714-1997; "
            f"a mistyped id loads as a firm of its own): {_listed(failed, shown)}")


def _ids_as_read(firms, links: list[FirmLink]) -> list[tuple[str, str, int]]:
    """(id, file, line) of each firm's id and then of each link's registration id, as read."""
    return [(f.firm_id, f.source_file, f.source_row) for f in firms] + \
        [(link.registration_id, link.source_file, link.source_row) for link in links]


def _failing(ids) -> list[str]:
    """The ids whose check character does not hold, sorted."""
    return sorted(i for i in ids if check_character_holds(i) is False)


def _listed(ids: list[str], shown: int) -> str:
    return ", ".join(ids[:shown]) + (" …" if len(ids) > shown else "")


def final_text_codes(firms: dict[int, Firm], links: list[FirmLink] = ()) -> dict[int, int]:
    """Provisional code -> unit code of every registration-id firm. A firm linked to a stock code (by its
    id, by the credit code containing its organisation code or by the organisation code inside its credit
    code) takes the stock code's unit code; an organisation code takes the code of the one credit code
    (of the firms or of the links) that contains it; the others FIRST_TEXT_FIRM_CODE + the rank of their id."""
    text = [f for f in firms.values() if f.unit_code < 0]
    present = {f.firm_id for f in text}
    stock_of = linked_stock_codes(links)
    credit_of: dict[str, tuple[str, str, int]] = {}  # organisation code -> (credit code, file, line)
    for text_id, file, row in _ids_as_read(text, links):
        if len(text_id) == CREDIT_CODE_LENGTH:
            inside = organisation_code(text_id)
            other = credit_of.setdefault(inside, (text_id, file, row))
            if other[0] != text_id and inside in present:
                raise DataError(f"organisation code {inside} is inside credit codes "
                                f"{other[0]} ({other[1]} line {other[2]}) and {text_id}: "
                                "which firm its rows belong to is not known", file=file, row=row, region=text_id)

    def own_id(text_id: str) -> str:  # the id a firm is numbered (and shown) by, unless linked
        credit = credit_of.get(text_id) if len(text_id) == ORGANISATION_CODE_LENGTH else None
        return credit[0] if credit is not None else text_id

    def stock_code(text_id: str) -> int | None:
        own = own_id(text_id)
        link = stock_of.get(own) or stock_of.get(text_id) or stock_of.get(organisation_code(own) or "")
        return None if link is None else link.unit_code

    listed = {f.unit_code: stock_code(f.firm_id) for f in text}
    own = {f.unit_code: own_id(f.firm_id) for f in text if listed[f.unit_code] is None}
    ids = sorted(set(own.values()))
    if len(ids) > MAX_TEXT_FIRMS:
        raise DataError(f"{len(ids):,} firms by registration id: region_code, a 32-bit integer, numbers at "
                        f"most {MAX_TEXT_FIRMS:,}", file=text[0].source_file)
    rank = {text_id: i for i, text_id in enumerate(ids)}
    return {code: listed[code] or FIRST_TEXT_FIRM_CODE + rank[own[code]] for code in listed}


def linked_stock_codes(links: list[FirmLink]) -> dict[str, FirmLink]:
    """Registration id -> its link to a stock code. One registration id linked to two stock codes, or one
    stock code to two ids that are not a credit code and the organisation code inside it, is an error
    naming both rows."""
    stock_of: dict[str, FirmLink] = {}
    # stock code -> (the organisation code its first linked id is or holds, that link)
    first_of_stock: dict[int, tuple[str, FirmLink]] = {}
    for link in links:
        known = stock_of.setdefault(link.registration_id, link)
        if known.unit_code != link.unit_code:
            raise DataError(f"registration id {link.registration_id} is linked to stock codes "
                            f"{firm_id(known.unit_code)} ({known.source_file} line {known.source_row}) and "
                            f"{firm_id(link.unit_code)}: a firm has one stock code", file=link.source_file,
                            row=link.source_row, region=link.registration_id)
        same = organisation_code(link.registration_id) or link.registration_id
        key, other = first_of_stock.setdefault(link.unit_code, (same, link))
        if key != same:
            raise DataError(f"stock code {firm_id(link.unit_code)} is linked to registration ids "
                            f"{other.registration_id} ({other.source_file} line {other.source_row}) and "
                            f"{link.registration_id}, which are not one firm's (a credit code and the organisation "
                            "code inside it)", file=link.source_file, row=link.source_row,
                            region=firm_id(link.unit_code))
    return stock_of


def renumber(firms: dict[int, Firm], codes: dict[int, int], links: list[FirmLink] = ()) -> dict[int, Firm]:
    """`firms` with their provisional codes replaced by `codes`; firms given one code (a stock code and the
    registration ids linked to it, an organisation code and its credit code) become one, which must agree
    on province, city and name, and keeps the stock code, else the credit code, as its id and the others
    in `linked_ids`, with every registration id a link table gives for its stock code."""
    merged: dict[int, Firm] = {}
    stock, credit, organisation = [], [], []  # each after the firm it may join: stock codes, credit codes, the rest
    for code, firm in firms.items():
        kind = stock if code > 0 else organisation if len(firm.firm_id) == ORGANISATION_CODE_LENGTH else credit
        kind.append((code, firm))
    for code, firm in stock + credit + organisation:
        final = codes.get(code, code)
        known = merged.get(final)
        if known is None:
            merged[final] = replace(firm, unit_code=final)
            continue
        listed = final < FIRST_TEXT_FIRM_CODE  # a stock code's: its 证券简称 is not the registered name
        shown = f"{firm.firm_id} ({'linked to stock code' if listed else 'inside credit code'} {known.firm_id})"
        joined = replace(firm, unit_code=final, firm_id=known.firm_id,
                         name=None if listed and known.name is not None else firm.name)
        add_firm(merged, joined, shown=shown)
        merged[final] = replace(merged[final], linked_ids=merged[final].linked_ids + (firm.firm_id,))
    for link in links:  # a link's id is the firm's even where no table has rows of it
        firm = merged[link.unit_code]
        if link.registration_id not in firm.linked_ids:
            merged[link.unit_code] = replace(firm, linked_ids=firm.linked_ids + (link.registration_id,))
    return merged


def latest_names(firms: dict[int, Firm], labels: pd.DataFrame) -> dict[int, Firm]:
    """`firms` each named by its name label (a name column's, NAME_COLUMNS) of the latest year read; a listed
    firm (a stock code's unit) only by a short name (证券简称), never by the registered name of micro data's
    rows linked to it. A firm without one keeps the name it was first read with (a table without a year's)."""
    keys = labels["attribute"].map(header_key)
    listed = labels["unit_code"] < FIRST_TEXT_FIRM_CODE
    names = labels[(keys.isin(SHORT_NAME_COLUMNS) | (keys.isin(NAME_COLUMNS) & ~listed)) & labels["year"].notna()]
    if not len(names):
        return firms
    latest = names.sort_values("year", kind="stable").drop_duplicates("unit_code", keep="last")
    named = dict(zip(latest["unit_code"], latest["value"]))
    return {code: replace(firm, name=named.get(code, firm.name)) for code, firm in firms.items()}


def firms_frame(firms: dict[int, Firm]) -> pd.DataFrame:
    """raw.firm_units: one row per firm, typed even when empty."""
    frame = pd.DataFrame(
        [(f.unit_code, f.firm_id, f.name, f.province_code, f.city_code, f.source_file, f.source_row,
          " ".join(sorted(f.linked_ids)) or None)
         for f in sorted(firms.values(), key=lambda f: f.unit_code)], columns=COLUMNS)
    return frame.astype({"unit_code": "int32", "firm_id": "string", "firm_name": "string",
                         "province_code": "int32", "city_code": "Int32", "source_file": "string",
                         "source_row": "int32", "linked_ids": "string"})
