"""The shipped workbook's own layout (BIFF .xls): labels down the side, years across.

The loader tries the portal and table layouts (portal.py, tables.py) on a workbook's sheets first;
a workbook that is neither comes here.

一般公共预算等.xls looks like this (row 1 = years from column E; col A a running number; the
indicator is written in col B on a block's first row and in col C below it; the region is in D):

    |   |                       |                       |      | 2005    | 2006    | 2007   | …
    | 1 | 一般公共预算支出（亿元）i |                       | 北京 |         |         | 1649.5 | …
    | 2 |                       | 一般公共预算支出（亿元）i | 天津 |         |         | 674.33 | …
    |32 | 财政支出（亿元）i        |                       | 北京 | 1058.31 | 1296.84 |        |

So: the label columns are those left of the first year column; among a row's text labels the
rightmost is the region and the one before it the indicator (carried down when absent).
"""

from __future__ import annotations

from pathlib import Path

import xlrd

from models_py.errors import DataError

from .cells import Cell, ParsedFile, is_placeholder, parse_number, parse_year, unit_from_indicator
from .regions import RegionResolver

KIND = "portal_xls"
_FOOTER = ("注", "数据来源")


def parse_portal_xls(path: Path, file: str, resolver: RegionResolver) -> ParsedFile:
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:  # xlrd raises several unrelated types for damaged files
        raise DataError(f"cannot read the workbook ({type(exc).__name__}: {exc})", file=file) from None
    parsed = ParsedFile(kind=KIND)
    try:
        for sheet in book.sheets():
            if sheet.nrows:
                _parse_sheet(sheet, file, resolver, parsed)
    finally:
        book.release_resources()
    if parsed.rows_read == 0:
        raise DataError("no data rows in any sheet", file=file)
    return parsed


def _cell_text(cell) -> str:
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return repr(cell.value)
    return str(cell.value).strip() if cell.ctype == xlrd.XL_CELL_TEXT else ""


def _header_year(cell) -> int | None:
    if cell.ctype == xlrd.XL_CELL_NUMBER and float(cell.value).is_integer():
        return parse_year(str(int(cell.value)))
    if cell.ctype == xlrd.XL_CELL_TEXT:
        return parse_year(cell.value)
    return None


def _find_header(sheet, file):
    """First row whose cells from some column on are all years (or empty)."""
    for r in range(sheet.nrows):
        row = sheet.row(r)
        first = next((c for c, cell in enumerate(row) if _header_year(cell) is not None), None)
        if first is None:
            continue
        columns: dict[int, tuple[int, str]] = {}
        seen: dict[int, int] = {}
        for c in range(first, len(row)):
            cell = row[c]
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            year = _header_year(cell)
            if year is None:
                raise DataError("header cell is not a year", file=file, sheet=sheet.name,
                                row=r + 1, column=_cell_text(cell))
            if year in seen:
                raise DataError(f"duplicate year column (also column {seen[year] + 1})", file=file,
                                sheet=sheet.name, row=r + 1, column=str(year), year=year)
            seen[year] = c
            columns[c] = (year, str(year))
        return r, first, columns
    raise DataError("no header row of years", file=file, sheet=sheet.name, row=1)


def _parse_sheet(sheet, file: str, resolver: RegionResolver, parsed: ParsedFile) -> None:
    header_r, first_year_col, columns = _find_header(sheet, file)
    indicator = None
    for r in range(header_r + 1, sheet.nrows):
        row = sheet.row(r)
        labels = [str(c.value).strip() for c in row[:first_year_col]
                  if c.ctype == xlrd.XL_CELL_TEXT and str(c.value).strip()]
        values = row[first_year_col:]
        if not labels:
            if any(c.ctype not in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) for c in values):
                raise DataError("values without a region label", file=file, sheet=sheet.name, row=r + 1)
            continue  # blank separator row
        if labels[0].startswith(_FOOTER):
            continue
        if len(labels) >= 2:
            indicator = labels[-2]
            parsed.indicators.setdefault(indicator, unit_from_indicator(indicator))
        if indicator is None:
            raise DataError("region row before any indicator label", file=file, sheet=sheet.name,
                            row=r + 1, region=labels[-1])
        region_text = labels[-1]
        code = resolver.resolve(region_text, file=file, row=r + 1, sheet=sheet.name)
        parsed.rows_read += 1
        for c in range(first_year_col, len(row)):
            _take(row[c], columns.get(c), indicator, code, region_text, file, sheet.name, r + 1, c, parsed)


def _take(cell, column, indicator, code, region_text, file, sheet, row, c, parsed: ParsedFile) -> None:
    where = dict(file=file, sheet=sheet, row=row, region=region_text)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) or (
        cell.ctype == xlrd.XL_CELL_TEXT and not str(cell.value).strip()
    ):
        if column is not None:
            parsed.empty_cells += 1
        return
    if column is None:
        raise DataError("value in a column without a year header", column=f"#{c + 1}",
                        value=_cell_text(cell), **where)
    year, header = column
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        number, raw = float(cell.value), repr(cell.value)
    elif cell.ctype == xlrd.XL_CELL_TEXT and is_placeholder(str(cell.value)):
        parsed.placeholder_cells += 1
        return
    elif cell.ctype == xlrd.XL_CELL_TEXT:
        raw = str(cell.value)
        number = parse_number(raw.strip(), column=header, year=year, **where)
    else:  # boolean, error (#N/A …), date
        raise DataError(f"not a number (cell type {cell.ctype})", column=header, year=year,
                        value=str(cell.value), **where)
    parsed.cells.append(Cell(code, region_text, year, indicator, number, raw, row, header, sheet))
