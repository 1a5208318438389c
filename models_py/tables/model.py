"""One table model for every output format: a three-line table (三线表) as rows of text cells.

Every writer (models_py/tables/writers/) renders the same `DisplayTable`, so the Markdown preview,
the HTML report, the Excel sheet, the Word table and the LaTeX file hold exactly the same cell
text. The layout functions (layout.py, display.py) decide what the cells say; writers only decide
how the three rules are drawn: a thick rule above the header, a thin one under it, a thick one
below the last row, and the notes under the table.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from models_py.estimators.numerics import stars  # noqa: F401  (tables import it from here)

LANGUAGES = ("zh", "en")


def language(requested: str | None = None) -> str:
    """The table language: the argument, else $NQP_LANGUAGE, else Chinese."""
    chosen = (requested or os.environ.get("NQP_LANGUAGE") or "zh").strip().lower()
    if chosen not in LANGUAGES:
        raise ValueError(f"unknown table language {chosen!r}; use one of {', '.join(LANGUAGES)}"
                         " (CLI --language, env NQP_LANGUAGE, Dagster config language)")
    return chosen


@dataclass
class TableRow:
    """One body row: the stub label and one text per data column.

    ``role`` says what the row holds (coef, se, fixed_effect, statistic, diagnostic, data); writers
    may style by it (an SE row has an empty stub) but never change the text.
    """

    label: str
    cells: list[str]
    role: str = "data"


@dataclass
class DisplayTable:
    study: str
    table_id: str
    title: str
    header: list[list[str]]  # header rows, each with the stub header first
    rows: list[TableRow]
    notes: list[str] = field(default_factory=list)
    # stub column left-aligned, the rest centred (numbers) unless a column is text
    text_columns: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        width = len(self.header[0]) if self.header else 0
        for number, header in enumerate(self.header):
            if len(header) != width:
                raise ValueError(f"table {self.study}.{self.table_id}: header row {number} has {len(header)} "
                                 f"cells, the first has {width}")
        for number, row in enumerate(self.rows):
            if len(row.cells) + 1 != width:
                raise ValueError(f"table {self.study}.{self.table_id}: row {number} ({row.label!r}) has "
                                 f"{len(row.cells)} data cells, the header has {width - 1}")

    @property
    def width(self) -> int:
        return len(self.header[0])

    def grid(self) -> list[list[str]]:
        """Header rows then body rows, stub first: what every writer puts in its cells."""
        return [list(h) for h in self.header] + [[row.label, *row.cells] for row in self.rows]

    @property
    def name(self) -> str:
        """A short unique name, used for sheet names and anchors."""
        return f"{self.study}_{self.table_id}"
