"""Stata .dta files (formats 104-119: what Stata 8 to 18 save) as one grid for the table parser.

Firm and city panels often live in Stata. A .dta becomes the table its `export delimited` would give,
so every rule of the table parser (roles, shapes, units, placeholders, errors) applies unchanged:
- the header: a variable's name when it names a role (stkcd, year, province, 证券代码 ...), else its
  variable label when it has one (营业收入(万元), whose bracket gives the unit), else its name;
- a number as the text Stata shows for it: doubles and integers as the workbooks' numbers are
  written (number_text), a `float` variable as the shortest decimal its 32-bit value holds
  (0.1, not the 0.10000000149 the bits are), so a float does not carry Stata's storage noise;
- a value-labelled variable (a province coded 1-31 with labels) as its label;
- a missing value (`.`, `.a`-`.z`) as an empty cell: counted as empty in the file report, never 0;
- a `%ty` year as the year (2021, where pandas gives 1 January 2021);
- any other date (%td, %tq ...) as its ISO text, which the parser then refuses as a number or a year,
  as a CSV's would be;
- observation k as line k + 1 (the header is line 1, as in the CSV export), in lineage and errors.
Text in formats before 118 (Stata 13 and older) has no declared encoding: Chinese Stata saved it as
GBK, so it is read as GBK when it is valid GBK and not valid UTF-8, as the text files are.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from models_py.errors import DataError

from .grid import Grid, number_text

XML_MAGIC = b"<stata_dta>"
_RELEASE_AT = len(b"<stata_dta><header><release>")
OLD_RELEASES = frozenset({104, 105, 108, 110, 111, 113, 114, 115})  # the first byte of an old .dta
FIRST_UNICODE_RELEASE = 118  # Stata 14: text is UTF-8


def looks_like_dta(data: bytes, path: Path) -> bool:
    """The XML header of formats 117-119, or an old format's release, byte order and type bytes."""
    if data.startswith(XML_MAGIC):
        return True
    return path.suffix.lower() == ".dta" and len(data) > 4 and data[0] in OLD_RELEASES \
        and data[1] in (1, 2) and data[2] == 1


def release(data: bytes) -> int:
    if data.startswith(XML_MAGIC):
        digits = data[_RELEASE_AT:_RELEASE_AT + 3]
        return int(digits) if digits.isdigit() else 0
    return data[0]


def dta_grid(data: bytes, file: str, is_role) -> Grid:
    """The .dta as a grid (header row first); `is_role(name)` tells whether a variable name names a
    column role of the table parser. A file pandas cannot read is a DataError naming it."""
    old = release(data) < FIRST_UNICODE_RELEASE
    try:
        with warnings.catch_warnings(record=True) as warned, \
                pd.io.stata.StataReader(io.BytesIO(data), convert_categoricals=True, convert_dates=True,
                                        convert_missing=False, preserve_dtypes=True) as reader:
            warnings.simplefilter("always")
            frame = reader.read()
            labels = reader.variable_labels()
            formats = dict(zip(frame.columns, getattr(reader, "_fmtlist", [""] * len(frame.columns))))
    except Exception as exc:  # pandas raises ValueError, struct.error, UnicodeDecodeError ... for damaged files
        raise DataError(f"cannot read the Stata file ({type(exc).__name__}: {exc})", file=file) from None
    if any("%tC" in str(w.message) for w in warned):  # pandas leaves these as milliseconds, a plausible number
        raise DataError("a %tC (leap-second) datetime variable, which pandas cannot convert and would read as "
                        "a count of milliseconds: drop it, or format it %tc, before loading", file=file)
    for w in warned:
        if "%tC" not in str(w.message):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    text = _from_gbk if old else (lambda s: s)
    header = []
    for name in frame.columns:
        shown = text(str(name))
        label = text(labels.get(name, "") or "").strip()
        header.append(shown if is_role(shown) or not label else label)
    columns = [_year_texts(frame[name]) if _is_yearly(formats[name]) else _column_texts(frame[name], text)
               for name in frame.columns]
    rows = [header] + [list(row) for row in zip(*columns)] if columns else [header]
    return Grid(rows, None)


def _is_yearly(display_format: str) -> bool:
    """%ty (a year variable shown as a year: `format year %ty`), which pandas turns into 1 January."""
    return display_format.lstrip("%-").startswith("ty")


def _year_texts(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(v.year) for v in values.tolist()]


def _column_texts(values: pd.Series, text) -> list[str]:
    if values.dtype == np.float32:
        return ["" if math.isnan(v) else _float32_text(v) for v in values.to_numpy()]
    return [_cell_text(v, text) for v in values.tolist()]


def _float32_text(value: np.float32) -> str:
    shortest = np.format_float_positional(value, unique=True, trim="-")
    return shortest if abs(value) < 1e15 else repr(float(shortest))


def _cell_text(value, text) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()  # a %td date: 2001-08-27
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return ""
    return number_text(value)


def _from_gbk(value: str) -> str:
    """Text pandas decoded as latin-1 (formats before 118) back to its bytes, read as UTF-8 or GBK."""
    if value.isascii():
        return value
    raw = value.encode("latin-1")
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return value
