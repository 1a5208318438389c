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

A table without a year (a CSMAR 公司基本信息 export: 证券代码,省份,行业代码,产权性质; models_py.ingest.tables)
gives labels without a year (year None). The mart gives such a label to every year the unit has values in
and no label of that year names (a label read for its year wins: a firm's industry of 2016 is not
replaced by today's); `yearless_overridden` counts the unit-years where the two differ, for the log.
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
    year: int | None  # None: read from a table without a year
    attribute: str
    value: str
    source_sheet: str | None
    source_row: int
    source_column: str
    raw_text: str  # the cell as read


def take_label(raw: str, code: int, year: int | None, column: str, where: dict, labels: list[Label]) -> None:
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
            raise DataError(f"two labels for one unit and {_year_text(first.year)}: {first.value!r} ({_place(first)}) "
                            f"and {second.value!r} ({_place(second)}); keep the right one", region=first.unit_code,
                            year=None if pd.isna(first.year) else first.year, column=first.attribute)
    return typed(frame.drop_duplicates(key, ignore_index=True))


def yearless_overridden(frame: pd.DataFrame) -> pd.DataFrame:
    """The labels read for a year that differ from the same unit's label of that attribute read without a
    year (the year's label is the one the mart keeps): unit_code, year, attribute, value, yearless_value."""
    yearless = frame[frame["year"].isna()][["unit_code", "attribute", "value"]]
    dated = frame[frame["year"].notna()][["unit_code", "year", "attribute", "value"]]
    both = dated.merge(yearless.rename(columns={"value": "yearless_value"}), on=["unit_code", "attribute"])
    return both[both["value"] != both["yearless_value"]].reset_index(drop=True)


def yearless_summary(frame: pd.DataFrame, shown: int = 3) -> str | None:
    """The log line for labels read without a year: how many, the rule, and where a label of a year differs
    from the yearless one (up to `shown` named); None when every label has its year."""
    yearless = frame[frame["year"].isna()]
    if not len(yearless):
        return None
    text = (f"labels read without a year (tables without 年份): {len(yearless)} of {yearless['unit_code'].nunique()} "
            "units; the unit_attributes mart gives each to every year the unit has values in and no label of "
            "that year names")
    differ = yearless_overridden(frame)
    if len(differ):
        named = "; ".join(f"{row.unit_code} {row.year} {row.attribute} {row.value!r} (without a year "
                          f"{row.yearless_value!r})" for row in differ.head(shown).itertuples())
        text += (f". {len(differ)} unit-years have a label of their own year that differs from it, which they "
                 f"keep: {named}{' …' if len(differ) > shown else ''}")
    return text


def _year_text(year) -> str:
    return "no year (tables without a year)" if pd.isna(year) else "year"


def _place(row) -> str:
    sheet = f", sheet {row.source_sheet}" if row.source_sheet else ""
    return f"{row.source_file}{sheet}, line {row.source_row}"


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the warehouse's column types (also when empty)."""
    ints = {"unit_code": "int64", "year": "Int32", "source_row": "int32"}  # year: NULL when read without one
    return frame.astype({c: ints.get(c, "string") for c in COLUMNS})
