"""Rows of cell text from the two spreadsheet forms the yearbook tables come in.

- OLE2 `.xls` workbooks, often write-protected: Excel encrypts a protected workbook with its
  built-in default password "VelvetSweatshop", which msoffcrypto-tool removes in memory (the file
  on disk is never changed); xlrd then reads the plain bytes.
- HTML tables saved with an `.xls` name (web exports, e.g. the `*-soshu.xls` files): read with lxml.
  A cell spanning several rows or columns keeps its text in its top-left position only, as a merged
  Excel cell does, so one header logic serves both forms.

Numbers are written back as text the way the yearbook prints them (grid.number_text), so every
value keeps its raw text for the lineage columns.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from models_py.errors import DataError

from ..grid import OLE2_MAGIC, xls_sheet_rows

EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"


@dataclass
class Sheet:
    name: str | None  # None for HTML (no sheets: its rows are located by source line)
    rows: list[list[str]]
    row_numbers: list[int]  # 1-based sheet row (xls) or source line of the <tr> (HTML)
    form: str  # 'xls' or 'html'


def read_sheets(data: bytes, file: str) -> list[Sheet]:
    """Every sheet of an OLE2 workbook, or the rows of every table of an HTML file (one sheet)."""
    if data.startswith(OLE2_MAGIC):
        return _xls_sheets(decrypt(data, file), file)
    head = data.lstrip()[:2048].lower()
    if b"<html" in head or b"<table" in head or b"<!--" in head:
        return [_html_sheet(data, file)]
    raise DataError("neither an OLE2 .xls workbook nor an HTML table saved as .xls", file=file)


def is_encrypted(data: bytes) -> bool:
    import msoffcrypto

    return data.startswith(OLE2_MAGIC) and msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted()


def decrypt(data: bytes, file: str) -> bytes:
    """The workbook's plain bytes; an encrypted one is opened with Excel's default password."""
    import msoffcrypto
    from msoffcrypto.exceptions import DecryptionError, InvalidKeyError

    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    if not office.is_encrypted():
        return data
    try:
        office.load_key(password=EXCEL_DEFAULT_PASSWORD)
        plain = io.BytesIO()
        office.decrypt(plain)
    except (DecryptionError, InvalidKeyError) as exc:
        raise DataError("the workbook is encrypted with a password other than Excel's default "
                        f"write-protection password ({type(exc).__name__}: {exc})", file=file) from None
    return plain.getvalue()


def _xls_sheets(data: bytes, file: str) -> list[Sheet]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data)
    except Exception as exc:  # xlrd raises several unrelated types for damaged files
        raise DataError(f"cannot read the workbook ({type(exc).__name__}: {exc})", file=file) from None
    return [Sheet(name, rows, list(range(1, len(rows) + 1)), "xls") for name, rows in xls_sheet_rows(book, file)]


def _html_sheet(data: bytes, file: str) -> Sheet:
    """The page's title line (div#tti, if any) then the rows of all its tables, in document order."""
    import lxml.html

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"HTML table is not UTF-8 ({exc})", file=file) from None
    root = lxml.html.document_fromstring(text)
    rows: list[list[str]] = []
    numbers: list[int] = []
    title = root.get_element_by_id("tti", None)
    if title is not None:
        rows.append([title.text_content().strip()])
        numbers.append(title.sourceline)
    for table in root.iter("table"):
        table_rows, table_numbers = _table_rows(table)
        rows += table_rows
        numbers += table_numbers
    if not rows:
        raise DataError("HTML file without a table", file=file)
    return Sheet(None, rows, numbers, "html")


def _table_rows(table) -> tuple[list[list[str]], list[int]]:
    """Cell text with rowspan/colspan resolved: text at the top-left position, '' elsewhere."""
    grid: dict[tuple[int, int], str] = {}
    numbers = []
    for r, tr in enumerate(table.iter("tr")):
        numbers.append(tr.sourceline)
        c = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            rowspan, colspan = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = ""
            grid[(r, c)] = td.text_content()
            c += colspan
    width = 1 + max((c for _, c in grid), default=-1)
    return [[grid.get((r, c), "") for c in range(width)] for r in range(len(numbers))], numbers
