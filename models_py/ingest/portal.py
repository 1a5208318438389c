"""Data-portal exports (分省年度数据), in every layout the portal hands out, read from a grid.

Classic (one indicator, regions down, years across; GBK CSV, or the same in an .xls/.xlsx sheet):

    数据库：分省年度数据
    指标：地区生产总值(亿元)
    时间：最近20年
    地区,2024年,2023年,…
    北京市,49670.2,…
    注：…            (several notes; continuation lines start with full-width spaces)
    数据来源：国家统计局

Newer (UTF-8 with BOM, fields separated by TAB + comma, one year, indicators across, no 指标 line):

    数据库：分省年度数据
    时间：2024年
    地区\t,地区生产总值(亿元)\t,第一产业增加值(亿元)\t,…

English: `Database：`, `Indicators：`, `Time：`, `Region`, years without 年, `Note:`, `Source:`.
A classic export without its 指标 line takes the indicator from the file name when that states a
unit (地区生产总值(亿元).csv). Anything that could silently misplace a value is a DataError.
"""

from __future__ import annotations

import re

from models_py.errors import DataError

from .cells import Cell, ParsedFile, is_placeholder, parse_number, parse_year, unit_from_indicator
from .grid import Grid
from .regions import RegionResolver

KIND_CSV, KIND_XLS = "portal_csv", "portal_xls"
_HEADER_KEYS = {"数据库": "database", "指标": "indicator", "时间": "time", "Database": "database",
                "Indicators": "indicator", "Indicator": "indicator", "Time": "time"}
_REGION = ("地区", "Region")
_NOTE, _SOURCE = ("注", "Note"), ("数据来源", "Source")
_ONE_YEAR = re.compile(r"\s*((?:19|20)\d\d)\s*年?\s*")
# A further numbered note ('2. 城镇单位数据不含私营单位。'): newer exports list notes 1., 2., 3. on lines
# of their own, only the first starting 注：.
_NOTE_ITEM = re.compile(r"\d+\s*[.．、]")


def _line_text(row: list[str]) -> str:
    return ",".join(row).strip().rstrip(",\t ").strip()


def header_line(row: list[str]) -> tuple[str, str] | None:
    """('indicator', '地区生产总值(亿元)') for a portal header line, else None."""
    text = _line_text(row)
    for key, name in _HEADER_KEYS.items():
        for sep in "：:":
            if text.startswith(key + sep):
                return name, text[len(key) + 1:].strip()
    return None


def looks_like_portal(grid: Grid) -> bool:
    """Content sniff: the first non-blank row is one of the portal's header lines."""
    first = grid.first_nonblank()
    return first is not None and header_line(first[1]) is not None


def parse_portal(grid: Grid, file: str, resolver: RegionResolver, *, kind: str,
                 file_indicator: str | None = None, parsed: ParsedFile | None = None) -> ParsedFile:
    parsed = parsed if parsed is not None else ParsedFile(kind=kind)
    sheet = grid.sheet
    meta: dict[str, str] = {}
    n = 0
    # 1. Header lines up to the 地区 row.
    while True:
        if n >= len(grid.rows):
            raise DataError("no 地区 header row (file ends first)", file=file, sheet=sheet,
                            row=max(len(grid.rows), 1))
        row = grid.rows[n]
        n += 1
        if not any(c.strip() for c in row):
            continue
        header = header_line(row)
        if header is not None:
            if header[0] in meta:
                raise DataError(f"more than one {header[0]} line", file=file, sheet=sheet, row=n)
            meta[header[0]] = header[1]
            continue
        if row[0].strip() in _REGION:
            break
        raise DataError("no 地区 header row before this line", file=file, sheet=sheet, row=n,
                        value=_line_text(row)[:60])
    header_row = n
    parsed.database = meta.get("database")
    parsed.time_range = meta.get("time")
    columns = _columns(grid.rows[n - 1], meta, file, sheet, header_row, file_indicator)
    for column in columns:
        if column is not None:
            parsed.indicators.setdefault(column[1], unit_from_indicator(column[1]))

    # 2. Data rows up to the notes / source footer.
    footer = source_seen = False
    rows_before = parsed.rows_read
    for n in range(header_row + 1, len(grid.rows) + 1):
        row = grid.rows[n - 1]
        first = row[0] if row else ""
        stripped = first.strip()
        if footer:
            raw_line = grid.lines[n - 1] if grid.lines is not None else first
            if stripped.startswith(_SOURCE):
                source_seen = True
            elif not (not any(c.strip() for c in row) or stripped.startswith(_NOTE)
                      or raw_line[:1].isspace() or _NOTE_ITEM.match(stripped)):
                raise DataError("unexpected line after the notes", file=file, sheet=sheet, row=n,
                                value=_line_text(row)[:60])
            continue
        if stripped.startswith(_NOTE + _SOURCE):
            footer = True
            source_seen = stripped.startswith(_SOURCE)
            continue
        if not any(c.strip() for c in row):
            continue
        parsed.rows_read += 1
        _data_row(row, columns, file, sheet, n, resolver, parsed)

    if parsed.rows_read == rows_before:
        raise DataError("no data rows after the 地区 header", file=file, sheet=sheet, row=header_row)
    if not source_seen and grid.sheet is None:
        # Every portal CSV ends with 数据来源：…; without it the file was cut short.
        raise DataError("truncated: the file ends without the 数据来源： footer line", file=file,
                        row=len(grid.rows))
    return parsed


def _columns(fields, meta, file, sheet, row, file_indicator):
    """Per field after 地区: (year, indicator, header text), or None for an empty header cell."""
    texts = [f.strip() for f in fields[1:]]
    filled = [t for t in texts if t]
    if not filled:
        raise DataError("the 地区 header row has no year or indicator columns", file=file,
                        sheet=sheet, row=row)
    if all(parse_year(t) is not None for t in filled):  # years across, one indicator
        indicator = meta.get("indicator") or file_indicator
        if not indicator:
            raise DataError("no 指标： line before the 地区 header, and the file name states no "
                            "indicator with its unit (e.g. 地区生产总值(亿元).csv)", file=file,
                            sheet=sheet, row=row)
        return _unique(texts, lambda t: (parse_year(t), indicator, t), "year", file, sheet, row)
    # Indicators across, one year: the year is the 时间： line's.
    when = meta.get("time")
    match = _ONE_YEAR.fullmatch(when or "")
    if match is None:
        bad = next(t for t in filled if parse_year(t) is None)
        if any(parse_year(t) is not None for t in filled):
            raise DataError("header cell is not a year", file=file, sheet=sheet, row=row, column=bad)
        raise DataError(f"indicators as columns need one year in the 时间： line (found {when!r})",
                        file=file, sheet=sheet, row=row, column=bad)
    year = int(match.group(1))
    return _unique(texts, lambda t: (year, t, t), "indicator", file, sheet, row)


def _unique(texts, make, what, file, sheet, row):
    columns, seen = [], {}
    for text in texts:
        if not text:
            columns.append(None)
            continue
        column = make(text)
        key = column[0] if what == "year" else column[1]
        if key in seen:
            raise DataError(f"duplicate {what} column (also {seen[key]!r})", file=file, sheet=sheet,
                            row=row, column=text, year=column[0] if what == "year" else None)
        seen[key] = text
        columns.append(column)
    return columns


def _data_row(fields, columns, file, sheet, row, resolver, parsed: ParsedFile) -> None:
    region_text = fields[0].strip()
    code = resolver.resolve(region_text, file=file, row=row, column="地区", sheet=sheet)
    # Missing trailing fields are empty cells (a real quirk), so count them as such.
    parsed.empty_cells += sum(1 for c in columns[len(fields) - 1:] if c is not None)
    for j, raw in enumerate(fields[1:]):
        text = raw.strip()
        column = columns[j] if j < len(columns) else None
        if column is None:
            if text:
                where = "beyond the last header column" if j >= len(columns) else "under an empty header"
                raise DataError(f"value {where}", file=file, sheet=sheet, row=row, column=f"#{j + 2}",
                                region=region_text, value=text)
            continue
        year, indicator, header = column
        if not text:
            parsed.empty_cells += 1
            continue
        if is_placeholder(text):
            parsed.placeholder_cells += 1
            continue
        number = parse_number(text, file=file, sheet=sheet, row=row, column=header,
                              region=region_text, year=year)
        parsed.cells.append(Cell(code, region_text, year, indicator, number, raw, row, header, sheet))
