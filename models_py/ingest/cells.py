"""What every parser hands the loader: located cells with their raw text, and cell-level parsing."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from models_py.errors import DataError

# Plain decimal numbers only: 'nan', 'inf', '1,234' or '—' must not slip through float().
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年?")
# The unit is the last parenthesised group, half- or full-width; trailing marks such as the
# xls's footnote 'i' in '一般公共预算支出（亿元）i' are tolerated.
# a date column's cell (CSMAR's 统计截止日期 / Accper): 2020-12-31, 2020/12/31, 20201231, with a time or not
_DATE = re.compile(r"((?:19|20)\d\d)[-/.]?(\d{1,2})[-/.]?(\d{1,2})(?:[ T]\d{1,2}:\d\d(?::\d\d)?)?")
_UNIT = re.compile(r"[(（]([^()（）]*)[)）][^()（）]*$")
# A city table's statistical scope (中国城市统计年鉴 reports most indicators twice): 全市, the whole city
# with its counties (the city's own value, what a city unit holds), or 市辖区, the urban districts only
# (another quantity). Written as '(全市)' / '（市辖区）' anywhere, as a '_' or ':' part ('GDP_全市(万元)',
# 'GDP_全市_万元') or as a prefix ('全市地区生产总值'; not '全市场…').
DISTRICTS = "市辖区"
_SCOPE = re.compile(r"[(（]\s*(全市|市辖区)\s*[)）]|[_:：]\s*(全市|市辖区)\s*(?=$|[_(（:：])|^\s*(全市|市辖区)(?=[^\s场])")
# Cells the portal and yearbooks print for "no value": loaded as NULL (not at all) and counted per
# file. Deliberately short: 'n/a', 'nan' or '约50000' stay errors, since they may hide a value.
PLACEHOLDERS = frozenset({"—", "——", "–", "-", "－", "…", "……", "...", "NA"})


class Cell(NamedTuple):
    """One non-empty numeric cell of an export, before mapping and unit conversion. A named tuple, not
    a frozen dataclass: a firm table makes millions, and a frozen dataclass takes ~5x as long to
    make (1.4 us against 0.3) and ~1.7x the memory (208 bytes against 120)."""

    region_code: int
    region_text: str
    year: int
    indicator_text: str
    number: float
    raw_text: str
    source_row: int  # 1-based line (CSV) or sheet row (xls)
    source_column: str  # header text of the cell's column
    source_sheet: str | None = None
    unit: str | None = None  # the cell's own unit (a long table's unit column), else the indicator's


@dataclass
class ParsedFile:
    """A parser's result: the cells plus the counts the per-file report needs."""

    kind: str  # portal_csv / portal_xls / long_csv, as in source_mappings.source_kind
    cells: list[Cell] = field(default_factory=list)
    rows_read: int = 0
    empty_cells: int = 0
    placeholder_cells: int = 0  # cells holding a placeholder such as '—' or 'NA' (loaded as NULL)
    # rows a declared rule leaves out (a CSMAR download's 报表类型 B and dates within the year): why -> count
    skipped_rows: dict = field(default_factory=dict)
    # the export's own metadata (数据库： / 时间： lines), when it states them
    database: str | None = None
    time_range: str | None = None
    # indicator text -> unit stated in the file (None when the file states none)
    indicators: dict[str, str | None] = field(default_factory=dict)
    # a firm table's firms: unit code -> models_py.ingest.firms.Firm (province, city, name, first row)
    firms: dict = field(default_factory=dict)
    # registration ids linked to stock codes by tables with both columns (models_py.ingest.firms.FirmLink)
    firm_links: list = field(default_factory=list)
    # labels of attribute columns (行业代码, 产权性质 …): models_py.ingest.attributes.Label
    attributes: list = field(default_factory=list)
    # city / county names read as today's unit by a rule for earlier names (襄樊, 富阳市): name -> (code, today's name)
    former_names: dict = field(default_factory=dict)


def header_key(name: str) -> str:
    """A column header as the parsers compare it: NFKC, stripped, case-folded (' INDUSTRY ' = 'industry')."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def is_placeholder(text: str) -> bool:
    return text.strip() in PLACEHOLDERS


def parse_number(text: str, **where) -> float:
    """Float of a numeric cell; anything else is a DataError located by ``where``."""
    if not _NUMBER.fullmatch(text):
        raise DataError("not a number", value=text, **where)
    return float(text)


def parse_year(text: str) -> int | None:
    """2024 from '2024年', '2024' or '2024.0'-style spreadsheet numbers; None if not a year."""
    match = _YEAR.fullmatch(text.strip())
    return int(match.group(1)) if match else None


def parse_year_end(text: str) -> tuple[int, bool] | None:
    """(year, whether the cell is the year's end) of a date column's cell: '2020-12-31' -> (2020, True),
    '2020-06-30' -> (2020, False) (a half-year or quarterly report, a balance sheet's 01-01 opening row);
    a plain year -> (year, True); None if the cell is neither."""
    year = parse_year(text)
    if year is not None:
        return year, True
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    return int(match.group(1)), (int(match.group(2)), int(match.group(3))) == (12, 31)


def split_scope(indicator: str) -> tuple[str, str | None]:
    """'地区生产总值_市辖区(万元)' -> ('地区生产总值(万元)', '市辖区'); a text without a scope -> (text, None)."""
    match = _SCOPE.search(indicator)
    if match is None:
        return indicator, None
    scope = next(group for group in match.groups() if group)
    return (indicator[:match.start()] + indicator[match.end():]).strip(), scope


def unit_from_indicator(indicator: str) -> str | None:
    """The last bracketed part ('地区生产总值(亿元)' -> '亿元'), not counting a scope ('(万元)(全市)' -> '万元')."""
    match = _UNIT.search(split_scope(indicator)[0].strip())
    return match.group(1).strip() if match else None
