"""Word: real, editable Word tables (not images) with three-line borders, to paste into a manuscript.

Borders are set in the table's XML: a thick top and bottom rule on the table, none inside, a thin
rule under the last header row. Chinese text uses 宋体 (SimSun) as the East Asian font, Latin
text Times New Roman, as Chinese journals ask.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from models_py.tables.model import DisplayTable

THICK = "12"  # eighths of a point: 1.5 pt
THIN = "6"  # 0.75 pt


def _border(parent, edge: str, size: str | None) -> None:
    element = OxmlElement(f"w:{edge}")
    if size is None:
        element.set(qn("w:val"), "nil")
    else:
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), size)
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
    parent.append(element)


def _table_borders(table) -> None:
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge, size in (("top", THICK), ("left", None), ("bottom", THICK), ("right", None),
                       ("insideH", None), ("insideV", None)):
        _border(borders, edge, size)
    properties.append(borders)


def _cell_bottom(cell, size: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    _border(borders, "bottom", size)
    properties.append(borders)


def _fonts(document) -> None:
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")


def add_table(document, table: DisplayTable) -> None:
    caption = document.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.add_run(table.title).bold = True
    grid = table.grid()
    word_table = document.add_table(rows=len(grid), cols=table.width)
    word_table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _table_borders(word_table)
    for r, cells in enumerate(grid):
        # one row's cells at a time: Table.cell(r, c) lists every cell of the table on each call
        row_cells = word_table.rows[r].cells
        for c, text in enumerate(cells):
            cell = row_cells[c]
            cell.text = text
            paragraph = cell.paragraphs[0]
            text_column = c == 0 or c in table.text_columns
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if text_column else WD_ALIGN_PARAGRAPH.CENTER
            if r == len(table.header) - 1:
                _cell_bottom(cell, THIN)
    for note in table.notes:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(note)
        run.font.size = Pt(9)


def write_document(title: str, tables: list[DisplayTable], path: Path, *, intro: list[str] = (),
                   figures: list[tuple[str, Path]] = ()) -> Path:
    """Title, intro paragraphs, every table, then the figures (caption, PNG) at text width."""
    from docx.shared import Cm

    document = Document()
    _fonts(document)
    document.add_heading(title, level=1)
    for paragraph in intro:
        document.add_paragraph(paragraph)
    for table in tables:
        add_table(document, table)
    for caption, image in figures:
        document.add_picture(str(image), width=Cm(15))
        paragraph = document.add_paragraph(caption)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    tmp = path.with_suffix(".tmp.docx")
    document.save(str(tmp))
    tmp.replace(path)
    return path
