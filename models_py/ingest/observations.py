"""The mapped cells of every file one load reads -> one frame of candidate observations, built by column.

A firm table brings millions of cells. A 21-field tuple per cell and a frame made from the tuples held each
value three times over (cell, tuple, frame): about 1 KB of memory a value at the peak. Here a file's cells
become arrays, one per Cell field, as soon as the file is read (its cells are then released), with per cell
the index of its mapping (series, unit factor, precedence: a few per file); the frame takes the mapping
and per-file columns from tables of a few rows, so their text is shared, not copied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .cells import Cell

# frame column -> Cell field, and the numeric ones' types
CELL_COLUMNS = {"region_code": "region_code", "year": "year", "source_sheet": "source_sheet",
                "source_row": "source_row", "source_column": "source_column", "raw_text": "raw_text",
                "indicator_text": "indicator_text", "parsed_value": "number"}
NUMERIC = {"region_code": np.int64, "year": np.int64, "source_row": np.int64, "parsed_value": np.float64}
# one mapping (models_py.ingest.inbox.Resolved as the frame holds it); the columns of a file
MAPPING_COLUMNS = ["series", "unit", "unit_factor", "source_unit", "precedence", "file_rank", "via_mappings"]
FILE_COLUMNS = ["provenance", "source_file", "source_kind", "source_database", "source_time_range"]


@dataclass
class FileCells:
    """One file's mapped cells as arrays (CELL_COLUMNS) and, per cell, its index into the mappings."""

    columns: dict[str, np.ndarray]
    mapping_ids: np.ndarray
    file: str
    kind: str
    database: str | None
    time_range: str | None

    def __len__(self) -> int:
        return len(self.mapping_ids)


@dataclass
class CandidateCells:
    """The mapped cells of the files read so far and the mappings they use, until `frame()`."""

    files: list[FileCells] = field(default_factory=list)
    mappings: list[tuple] = field(default_factory=list)  # MAPPING_COLUMNS tuples
    _mapping_ids: dict[tuple, int] = field(default_factory=dict)

    def mapping_id(self, mapping: tuple) -> int:
        if mapping not in self._mapping_ids:
            self._mapping_ids[mapping] = len(self.mappings)
            self.mappings.append(mapping)
        return self._mapping_ids[mapping]

    def add(self, cells: list[Cell], mapping_ids: list[int], file: str, kind: str, database: str | None,
            time_range: str | None) -> None:
        """A file's mapped cells (the caller drops its own list afterwards: the arrays replace it)."""
        fields = dict(zip(Cell._fields, zip(*cells))) if cells else {name: () for name in Cell._fields}
        columns = {column: _array(fields.pop(name), NUMERIC.get(column)) for column, name in CELL_COLUMNS.items()}
        self.files.append(FileCells(columns, np.asarray(mapping_ids, dtype=np.int64), file, kind, database,
                                    time_range))

    def __len__(self) -> int:
        return sum(len(f) for f in self.files)

    def frame(self, columns: list[str]) -> pd.DataFrame:
        """The candidates with `columns` (OBS_COLUMNS + RANKS), files in the order added (at least one cell;
        the loader makes an empty frame itself); empties self."""
        files, self.files = self.files, []
        # only the mappings some cell uses: pandas infers a column's type from the values in it
        used, mapping_ids = np.unique(np.concatenate([f.mapping_ids for f in files]), return_inverse=True)
        mappings = pd.DataFrame([self.mappings[i] for i in used], columns=MAPPING_COLUMNS)
        per_file = pd.DataFrame([(f"real: {f.file}", f.file, f.kind, f.database, f.time_range) for f in files],
                                columns=FILE_COLUMNS)
        file_ids = np.repeat(np.arange(len(files)), [len(f) for f in files])
        parts = {column: _taken(mappings[column], mapping_ids) for column in MAPPING_COLUMNS}
        parts |= {column: _taken(per_file[column], file_ids) for column in FILE_COLUMNS}
        for column in CELL_COLUMNS:
            parts[column] = _concatenated([f.columns.pop(column) for f in files])
        parts["value"] = parts["parsed_value"] * parts["unit_factor"]
        return pd.DataFrame({column: parts.pop(column) for column in columns})


def _array(values: tuple, dtype) -> np.ndarray:
    if dtype is not None:
        return np.array(values, dtype=dtype)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _concatenated(pieces: list[np.ndarray]) -> np.ndarray:
    # one file: its array as it is (a copy would double the peak)
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)


def _taken(column: pd.Series, index: np.ndarray) -> pd.Series:
    """`column` at `index`, as a column of the frame (the small table's type, its text shared)."""
    return column.take(index).reset_index(drop=True)
