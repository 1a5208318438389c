"""The integrated long panel (分省年度数据_整合.csv): 地区,年份, then one column per indicator.

Hand-compiled, so it is parsed strictly: every row must have exactly the header's fields (a
missing comma would shift every value after it into the wrong indicator).
"""

from __future__ import annotations

import csv

from models_py.errors import DataError

from .cells import Cell, ParsedFile, parse_number, parse_year
from .regions import RegionResolver

KIND = "long_csv"
REGION, YEAR = "地区", "年份"


def looks_like_long_csv(lines: list[str]) -> bool:
    first = next((line for line in lines if line.strip()), "")
    header = [f.strip() for f in next(csv.reader([first]))] if first else []
    return REGION in header and YEAR in header


def unit_from_column(column: str) -> str | None:
    """'GDP指数_上年=100' -> '上年=100': the unit is the last '_' part of the column name."""
    return column.rsplit("_", 1)[1].strip() if "_" in column else None


def parse_long_csv(lines: list[str], file: str, resolver: RegionResolver) -> ParsedFile:
    parsed = ParsedFile(kind=KIND)
    rows = list(csv.reader(lines))
    header_n = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_n is None:
        raise DataError("empty file (no content at all)", file=file, row=1)
    header = [h.strip() for h in rows[header_n]]
    _check_header(header, file, header_n + 1)
    region_i, year_i = header.index(REGION), header.index(YEAR)
    indicator_cols = [(i, h) for i, h in enumerate(header) if i not in (region_i, year_i)]
    for _, name in indicator_cols:
        parsed.indicators[name] = unit_from_column(name)

    for n in range(header_n + 2, len(rows) + 1):
        fields = rows[n - 1]
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise DataError(f"{len(fields)} fields, the header has {len(header)}", file=file, row=n)
        parsed.rows_read += 1
        region_text = fields[region_i].strip()
        code = resolver.resolve(region_text, file=file, row=n, column=REGION)
        year = parse_year(fields[year_i])
        if year is None:
            raise DataError("not a year", file=file, row=n, column=YEAR, region=region_text,
                            value=fields[year_i])
        for i, name in indicator_cols:
            raw = fields[i]
            text = raw.strip()
            if not text:
                parsed.empty_cells += 1
                continue
            number = parse_number(text, file=file, row=n, column=name, region=region_text, year=year)
            parsed.cells.append(Cell(code, region_text, year, name, number, raw, n, name))
    if parsed.rows_read == 0:
        raise DataError("no data rows after the header", file=file, row=header_n + 1)
    return parsed


def _check_header(header: list[str], file: str, row: int) -> None:
    seen: set[str] = set()
    for i, name in enumerate(header):
        if not name:
            raise DataError("empty column name", file=file, row=row, column=f"#{i + 1}")
        if name in seen:
            raise DataError("duplicate column", file=file, row=row, column=name)
        seen.add(name)
