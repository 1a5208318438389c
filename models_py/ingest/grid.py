"""Every readable file as one or more grids of cell text, so one parser serves CSV and workbooks.

A grid row is the list of its cells as text, exactly as read (not stripped); its number is the
1-based line (CSV) or sheet row (Excel). Workbook numbers are written back as text the way the
portal prints them (2024.0 -> '2024', 49670.2 -> '49670.2'), and `raw_text` keeps that text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from models_py.errors import DataError

from .textfile import decode, split_lines

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Grid:
    rows: list[list[str]]
    sheet: str | None = None  # None for a text file
    lines: list[str] | None = None  # the raw lines of a text file (footers are checked on them)

    def first_nonblank(self) -> tuple[int, list[str]] | None:
        for i, row in enumerate(self.rows):
            if any(c.strip() for c in row):
                return i, row
        return None


def csv_grid(lines: list[str]) -> Grid:
    """One record per line (the portal never quotes a line break into a cell, so numbering holds)."""
    rows = [next(csv.reader([line])) if line else [] for line in lines]
    return Grid(rows, None, lines)


def number_text(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def xls_grids(path: Path, file: str) -> list[Grid]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:  # xlrd raises several unrelated types for damaged files
        raise DataError(f"cannot read the workbook ({type(exc).__name__}: {exc})", file=file) from None
    try:
        return [Grid(rows, name) for name, rows in xls_sheet_rows(book, file)]
    finally:
        book.release_resources()


def date_text(value) -> str:
    """A workbook's date cell as text: '2020-12-31' (with its time when it has one). A date column reads it
    (CSMAR's 统计截止日期, models_py.ingest.tables.DATE_COLUMNS) and a label keeps it; as a value it is still
    'not a number', naming the cell."""
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        return value.isoformat(sep=" ")
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


def xls_sheet_rows(book, file: str) -> list[tuple[str, list[list[str]]]]:
    """Each sheet of an open xlrd book as (name, rows of cell text): numbers as number_text, dates as ISO
    text (date_text), text and blanks as they are; any other cell (boolean, #N/A) is a DataError naming
    sheet, row, column."""
    import xlrd

    sheets = []
    for sheet in book.sheets():
        rows = []
        for r in range(sheet.nrows):
            row = []
            for c, cell in enumerate(sheet.row(r)):
                if cell.ctype == xlrd.XL_CELL_NUMBER:
                    row.append(number_text(cell.value))
                elif cell.ctype in (xlrd.XL_CELL_TEXT, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    row.append(str(cell.value))
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(date_text(xlrd.xldate_as_datetime(cell.value, book.datemode)))
                else:  # boolean, error (#N/A …)
                    raise DataError(f"not a number or text (cell type {cell.ctype})", file=file,
                                    sheet=sheet.name, row=r + 1, column=f"#{c + 1}", value=str(cell.value))
            rows.append(row)
        sheets.append((sheet.name, rows))
    return sheets


def xlsx_grids(path: Path, file: str) -> list[Grid]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DataError(f"cannot read the workbook ({type(exc).__name__}: {exc})", file=file) from None
    grids = []
    try:
        for sheet in book.worksheets:
            rows = []
            for r, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                row = []
                for c, value in enumerate(values, start=1):
                    if value is None:
                        row.append("")
                    elif isinstance(value, bool):
                        raise DataError("not a number (a TRUE/FALSE cell)", file=file, sheet=sheet.title,
                                        row=r, column=f"#{c}", value=str(value))
                    elif isinstance(value, (int, float)):
                        row.append(number_text(value))
                    elif isinstance(value, str):
                        row.append(value)
                    elif isinstance(value, (dt.datetime, dt.date)):
                        row.append(date_text(value))
                    else:  # times of day, durations
                        raise DataError(f"not a number ({type(value).__name__} cell)", file=file,
                                        sheet=sheet.title, row=r, column=f"#{c}", value=str(value))
                rows.append(row)
            grids.append(Grid(rows, sheet.title))
    finally:
        book.close()
    return grids


def text_grid(data: bytes, file: str) -> Grid:
    return csv_grid(split_lines(decode(data, file)[0]))
