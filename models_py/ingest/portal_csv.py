"""The classic data-portal CSV: one indicator, regions down, years across.

    数据库：分省年度数据
    指标：地区生产总值(亿元)
    时间：最近20年
    地区,2024年,2023年,…
    北京市,49670.2,…
    注：…            (continuation lines start with full-width spaces)
    数据来源：国家统计局

Quirks of real exports this accepts: header lines in any order, an empty year column (all cells
empty), rows with fewer fields than the header (missing = empty) or with extra trailing empty
fields. Anything that could silently misplace a value is a DataError instead.
"""

from __future__ import annotations

import csv

from models_py.errors import DataError

from .cells import Cell, ParsedFile, parse_number, parse_year, unit_from_indicator
from .regions import RegionResolver

KIND = "portal_csv"
_HEADER_KEYS = ("数据库", "指标", "时间")
_NOTE, _SOURCE = "注", "数据来源"


def looks_like_portal_csv(lines: list[str]) -> bool:
    """Content sniff: the first non-blank line is one of the portal's header lines."""
    first = next((line.strip() for line in lines if line.strip()), "")
    return any(first.startswith(key + sep) for key in _HEADER_KEYS for sep in "：:")


def _header_value(line: str) -> tuple[str, str] | None:
    stripped = line.strip()
    for key in _HEADER_KEYS:
        for sep in "：:":
            if stripped.startswith(key + sep):
                return key, stripped[len(key) + 1:].strip()
    return None


def _fields(line: str) -> list[str]:
    return next(csv.reader([line]))


def parse_portal_csv(lines: list[str], file: str, resolver: RegionResolver) -> ParsedFile:
    parsed = ParsedFile(kind=KIND)
    n = 0
    indicator = None
    # 1. Header lines up to the 地区 row.
    while True:
        if n >= len(lines):
            raise DataError("no 地区 header row (file ends first)", file=file, row=max(len(lines), 1))
        line = lines[n]
        n += 1
        if not line.strip():
            continue
        header = _header_value(line)
        if header is not None:
            if header[0] == "指标":
                if indicator is not None:
                    raise DataError("more than one 指标： line", file=file, row=n)
                indicator = header[1]
            continue
        if _fields(line)[0].strip() == "地区":
            break
        raise DataError("no 地区 header row before this line", file=file, row=n, value=line[:60])
    if not indicator:
        raise DataError("no 指标： line before the 地区 header", file=file, row=n)
    header_row = n
    years = _year_columns(_fields(lines[n - 1]), file, header_row)
    parsed.indicators[indicator] = unit_from_indicator(indicator)

    # 2. Data rows up to the notes / source footer.
    footer = False
    source_seen = False
    for n in range(header_row + 1, len(lines) + 1):
        line = lines[n - 1]
        stripped = line.strip()
        if footer:
            if stripped.startswith(_SOURCE):
                source_seen = True
            elif not (stripped == "" or stripped.startswith(_NOTE) or line[:1].isspace()):
                raise DataError("unexpected line after the notes", file=file, row=n, value=line[:60])
            continue
        if stripped.startswith((_NOTE, _SOURCE)):
            footer = True
            source_seen = stripped.startswith(_SOURCE)
            continue
        if not stripped:
            continue
        parsed.rows_read += 1
        _data_row(_fields(line), years, indicator, file, n, resolver, parsed)

    if parsed.rows_read == 0:
        raise DataError("no data rows after the 地区 header", file=file, row=header_row)
    if not source_seen:
        # Every portal export ends with 数据来源：…; without it the file was cut short.
        raise DataError(
            "truncated: the file ends without the 数据来源： footer line", file=file, row=len(lines)
        )
    return parsed


def _year_columns(fields: list[str], file: str, row: int) -> list[tuple[int, str] | None]:
    """Per field after 地区: (year, header text), or None for an empty header cell."""
    years: list[tuple[int, str] | None] = []
    seen: dict[int, str] = {}
    for text in fields[1:]:
        text = text.strip()
        if not text:
            years.append(None)
            continue
        year = parse_year(text)
        if year is None:
            raise DataError("header cell is not a year", file=file, row=row, column=text)
        if year in seen:
            raise DataError(f"duplicate year column (also {seen[year]!r})", file=file, row=row,
                            column=text, year=year)
        seen[year] = text
        years.append((year, text))
    if not seen:
        raise DataError("the 地区 header row has no year columns", file=file, row=row)
    return years


def _data_row(fields, years, indicator, file, row, resolver, parsed: ParsedFile) -> None:
    region_text = fields[0].strip()
    code = resolver.resolve(region_text, file=file, row=row, column="地区")
    # Missing trailing fields are empty cells (a real quirk), so count them as such.
    parsed.empty_cells += sum(1 for y in years[len(fields) - 1:] if y is not None)
    for j, raw in enumerate(fields[1:]):
        text = raw.strip()
        column = years[j] if j < len(years) else None
        if column is None:
            if text:
                where = "beyond the last header column" if j >= len(years) else "under an empty header"
                raise DataError(f"value {where}", file=file, row=row, column=f"#{j + 2}",
                                region=region_text, value=text)
            continue
        year, header = column
        if not text:
            parsed.empty_cells += 1
            continue
        number = parse_number(text, file=file, row=row, column=header, region=region_text, year=year)
        parsed.cells.append(Cell(code, region_text, year, indicator, number, raw, row, header))
