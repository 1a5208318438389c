"""Labels of a table's units per year: a firm's industry (行业代码, the CSRC classification CSMAR exports
carry), its ownership (产权性质), a city's tier … columns whose cells are text, not numbers.

A column of a region-year table (city, county, firm or province rows; `城市,年份,…` or `证券代码,省份,年份,…`)
is an attribute when its header is one of ATTRIBUTE_COLUMNS or inbox.yml lists it under `attributes:`.
Its cells are kept as text, stripped (an empty cell or a placeholder such as '—' is no value), one per
unit, year and attribute, named by the column's header as written (行业代码). The same label read twice
(two files, or a CSV and its .dta) is one row; two different labels for one unit-year are an error
naming both places, since either could be the right one. They reach the warehouse as
raw.unit_attributes → stg_ingest__unit_attributes → the `unit_attributes` mart, where a panel model
joins them (industry fixed effects: `absorb: [region_code, year, industry]`; groups for heterogeneity).
"""
from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from models_py.errors import DataError

from .cells import header_key, is_placeholder

# headers read as attributes without inbox.yml (NFKC, case-folded): industry and ownership, the labels
# firm-level designs use for fixed effects and subsamples (CSMAR's Nnindcd / Indcd, Wind's 所属行业 …)
ATTRIBUTE_COLUMNS = frozenset({
    "行业代码", "行业名称", "行业", "所属行业", "行业分类", "证监会行业", "证监会行业代码", "证监会行业分类",
    "申万行业", "国民经济行业", "industry", "industry_code", "indcd", "nnindcd",
    "产权性质", "企业性质", "所有权性质", "股权性质", "ownership", "soe"})
COLUMNS = ["unit_code", "year", "attribute", "value", "source_file", "source_sheet", "source_row", "source_column",
           "raw_text"]


def is_attribute_column(name: str, declared: frozenset[str] = frozenset()) -> bool:
    """Whether a header names an attribute column: one of ATTRIBUTE_COLUMNS, or `declared` (keys)."""
    key = header_key(name)
    return key in ATTRIBUTE_COLUMNS or key in declared


class Label(NamedTuple):
    """One attribute cell as read (before a registration id's provisional code is replaced)."""

    unit_code: int
    year: int
    attribute: str
    value: str
    source_sheet: str | None
    source_row: int
    source_column: str
    raw_text: str  # the cell as read


def take_label(raw: str, code: int, year: int, column: str, where: dict, labels: list[Label]) -> None:
    text = raw.strip()
    if text and not is_placeholder(text):
        labels.append(Label(code, year, column.strip(), text, where["sheet"], where["row"], column, raw))


def attributes_frame(files: list[tuple[str, list[Label]]], codes: dict[int, int] | None = None) -> pd.DataFrame:
    """raw.unit_attributes from each file's labels (`codes`: provisional firm codes -> final ones): one row
    per unit, year and attribute, the first place it was read; a second, different label is a DataError."""
    rows = [(codes.get(label.unit_code, label.unit_code) if codes else label.unit_code, label.year, label.attribute,
             label.value, file, label.source_sheet, label.source_row, label.source_column, label.raw_text)
            for file, labels in files for label in labels]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    key = ["unit_code", "year", "attribute"]
    if len(frame) and frame.duplicated(key).any():
        labels = frame.drop_duplicates(key + ["value"])  # in reading order: the first place of each label
        differ = labels[labels.duplicated(key, keep=False)].sort_values(key, kind="stable")
        if len(differ):
            first, second = differ.iloc[:2].itertuples()
            raise DataError(f"two labels for one unit and year: {first.value!r} ({_place(first)}) and "
                            f"{second.value!r} ({_place(second)}); keep the right one", region=first.unit_code,
                            year=first.year, column=first.attribute)
    return typed(frame.drop_duplicates(key, ignore_index=True))


def _place(row) -> str:
    sheet = f", sheet {row.source_sheet}" if row.source_sheet else ""
    return f"{row.source_file}{sheet}, line {row.source_row}"


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the warehouse's column types (also when empty)."""
    ints = {"unit_code": "int64", "year": "int32", "source_row": "int32"}
    return frame.astype({c: ints.get(c, "string") for c in COLUMNS})
