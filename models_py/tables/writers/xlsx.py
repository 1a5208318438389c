"""Excel: one sheet per table, the title above, the notes below, borders as a three-line table.

Cells that are plain numbers are written as numbers (with as many decimals as the text shows) so a
researcher can compute with them; everything else (0.1234***, (0.0123), Yes, 12.3 {16.38}) as text.
"""
from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from models_py.tables.model import DisplayTable

THICK = Side(style="medium", color="000000")
THIN = Side(style="thin", color="000000")
_NUMBER = re.compile(r"^-?\d+(\.(\d+))?$")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, none of []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub("_", name)[:31] or "table"
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        suffix = f"~{n}"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(title.lower())
    return title


def _value(text: str):
    match = _NUMBER.match(text)
    if not match:
        return text, None
    decimals = len(match.group(2) or "")
    return (float(text) if decimals else int(text)), ("0" if not decimals else "0." + "0" * decimals)


def write_sheet(sheet, table: DisplayTable) -> None:
    sheet.cell(row=1, column=1, value=table.title).font = Font(bold=True)
    grid = table.grid()
    first_row = 2
    last_header = first_row + len(table.header) - 1
    last_row = first_row + len(grid) - 1
    for r, cells in enumerate(grid, start=first_row):
        for c, text in enumerate(cells, start=1):
            value, number_format = _value(text) if r > last_header else (text, None)
            cell = sheet.cell(row=r, column=c, value=value)
            if number_format:
                cell.number_format = number_format
            text_column = c == 1 or (c - 1) in table.text_columns
            cell.alignment = Alignment(horizontal="left" if text_column else "center", vertical="center")
            top = THICK if r == first_row else None
            bottom = THICK if r == last_row else THIN if r == last_header else None
            if top or bottom:
                cell.border = Border(top=top, bottom=bottom)
    for i, note in enumerate(table.notes, start=last_row + 1):
        sheet.cell(row=i, column=1, value=note).font = Font(size=9)
    sheet.column_dimensions["A"].width = max(12, min(48, max(len(row[0]) for row in grid) * 2 + 2))
    for c in range(2, table.width + 1):
        letter = sheet.cell(row=first_row, column=c).column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, max(len(row[c - 1]) for row in grid) * 1.6 + 2))


def write_workbook(tables: list[DisplayTable], path: Path) -> Path:
    """One sheet per table, named after the table id (made unique and valid)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for table in tables:
        write_sheet(workbook.create_sheet(sheet_title(table.table_id, taken)), table)
    if not tables:
        workbook.create_sheet("empty")
    tmp = path.with_suffix(".tmp.xlsx")
    workbook.save(tmp)
    tmp.replace(path)  # nothing half-written under the final name
    return path
