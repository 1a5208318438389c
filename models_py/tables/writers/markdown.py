"""Markdown (GitHub pipe table): the Dagster preview and the .md report.

A pipe table has one header row: further header rows (the dependent variables) become the first
body rows. Cell text is exactly the model's (pipes escaped), so the Word and Markdown cells agree.
"""
from __future__ import annotations

from models_py.tables.model import DisplayTable


def escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def unescape(text: str) -> str:
    return text.replace("\\|", "|")


def table_markdown(table: DisplayTable, *, title: bool = True) -> str:
    grid = table.grid()
    first, rest = grid[0], grid[1:]
    align = ["---"] + [":---" if i in table.text_columns else ":---:" for i in range(1, table.width)]
    lines = []
    if title and table.title:
        lines += [f"**{escape(table.title)}**", ""]
    lines.append("| " + " | ".join(escape(c) for c in first) + " |")
    lines.append("|" + "|".join(align) + "|")
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rest]
    if table.notes:
        lines.append("")
        # stars in a note are literal, not emphasis
        lines += [escape(note).replace("*", "\\*") + "  " for note in table.notes]
    return "\n".join(lines)


def parse_markdown_cells(text: str) -> list[list[str]]:
    """The cell texts of the pipe table in `text` (header and body rows; the alignment row left out):
    what tests compare the other formats against."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        inner = line[1:-1]
        cells, current, i = [], "", 0
        while i < len(inner):
            if inner[i] == "\\" and i + 1 < len(inner) and inner[i + 1] == "|":
                current += "|"
                i += 2
                continue
            if inner[i] == "|":
                cells.append(current.strip())
                current = ""
            else:
                current += inner[i]
            i += 1
        cells.append(current.strip())
        rows.append(cells)
    return rows
