"""techme's raw yearbook tables of 规模以上工业企业 by region (data-raw/tech-yearbook/part02-firm).

One table per topic folder and year, 2018-2023: `raw-<year>.xls` (OLE2, usually write-protected
with Excel's default password) or, where the yearbook workbook is missing, `raw-<year>-soshu.xls`
(an HTML table saved as .xls). Where both exist (2020) the HTML copy is read too and must agree with
the workbook to its rounding (it prints integers), else a DataError. `raw-2022-all.xls` is a
different population (all enterprises above designated size, services included) and no catalogue
series means it: it is never read.

Columns are found by their header labels, never by position (the yearbook reordered them in 2022
and 2023): a label is the header text of the column over all header rows, without parenthesised
units, English, digits or marks (`R&D经费\\n内部支出\\nIntramural ...` -> `经费内部支出`). A label that is
not found, or found twice, is a DataError naming file, sheet and label. The unit a column is read in
must be stated by the table (in the column's header, else in its 单位 line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from models_py.errors import DataError

from ..cells import is_placeholder, parse_number
from ..regions import RegionResolver, normalise_name
from ..seeds import display_path
from .located import LocatedValue, SkipLog
from .workbooks import Sheet, read_sheets

FIRM_DIR = Path("data-raw") / "tech-yearbook" / "part02-firm"
YEARS = tuple(range(2018, 2024))
DATABASE = "中国科技统计年鉴 (techme part02-firm)"
NATIONAL = "全国"
# Region-group rows (and the OCR'd 尔部地区 = 东部地区 of one techme table): skipped and counted.
REGION_GROUPS = frozenset({"东部地区", "中部地区", "西部地区", "东北地区", "尔部地区"})
# Rounding of the HTML copies (integers) against the workbooks (one decimal), per summed part.
COPY_TOLERANCE = 0.5 + 1e-9

_PARENS = re.compile(r"[(（][^()（）]*[)）]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class FirmColumn:
    """A catalogue series read from one column, or the sum of several (one label set per part)."""

    series: str
    parts: tuple[frozenset[str], ...]
    unit: str  # the unit the table must state for each part's column


def _labels(*names: str) -> frozenset[str]:
    return frozenset(names)


FIRM_TABLES: dict[str, tuple[FirmColumn, ...]] = {
    "01-employee": (FirmColumn("industrial_rd_personnel_fte", (_labels("人员折合全时当量"),), "人年"),),
    "03-spend-inner": (FirmColumn("industrial_rd_expenditure", (_labels("经费内部支出"),), "万元"),),
    "07-new-product": (FirmColumn("new_product_sales", (_labels("新产品销售收入"),), "万元"),),
    "09-tech-renew": (
        FirmColumn("technical_renovation_expenditure", (_labels("技术改造经费支出"),), "万元"),
        # 技术引进和消化吸收经费支出 (Paper C) = 引进(境外)技术经费 + (境外技术)消化吸收经费; the labels
        # gained 境外 in 2022.
        FirmColumn("tech_introduction_expenditure",
                   (_labels("引进技术经费支出", "引进境外技术经费支出"),
                    _labels("消化吸收经费支出", "境外技术消化吸收经费支出")), "万元"),
    ),
}


def label_of(texts: list[str]) -> str:
    """The matching key of a column's header cells: their Chinese characters, units dropped."""
    return "".join(_CJK.findall(_PARENS.sub("", "".join(texts))))


@dataclass
class FirmTable:
    """One table's values: (series, region_code) -> value, and series -> national value."""

    file: str
    sheet: str
    year: int
    values: dict[tuple[str, int], LocatedValue]
    national: dict[str, LocatedValue]


def table_files(folder: Path, topic: str, year: int) -> tuple[Path, Path | None]:
    """(file to load, HTML copy to check it against or None)."""
    base = folder / FIRM_DIR / topic
    workbook, html = base / f"raw-{year}.xls", base / f"raw-{year}-soshu.xls"
    if workbook.exists():
        return workbook, html if html.exists() else None
    if html.exists():
        return html, None
    raise DataError(f"no table for {year} (expected raw-{year}.xls or raw-{year}-soshu.xls)", file=base)


def read_firm_tables(folder: Path, resolver: RegionResolver, skips: SkipLog,
                     root: Path) -> tuple[list[LocatedValue], list[LocatedValue]]:
    """Every series of FIRM_TABLES for every year: (region values, national values)."""
    values, national = [], []
    for topic, columns in FIRM_TABLES.items():
        for year in YEARS:
            path, copy = table_files(folder, topic, year)
            table = parse_firm_table(path.read_bytes(), display_path(path, root), year, columns,
                                     resolver, skips)
            if copy is not None:
                check_copy(table, parse_firm_table(copy.read_bytes(), display_path(copy, root), year,
                                                   columns, resolver, SkipLog()))
            values += table.values.values()
            national += table.national.values()
    return values, national


def parse_firm_table(data: bytes, file: str, year: int, columns: tuple[FirmColumn, ...],
                     resolver: RegionResolver, skips: SkipLog) -> FirmTable:
    sheet, national_at = _region_sheet(read_sheets(data, file), file)
    header = sheet.rows[:national_at]
    title = _title(header, sheet, file, year)
    width = max(len(r) for r in sheet.rows)
    labels = {c: label_of([r[c] for r in header if c < len(r)]) for c in range(1, width)}
    unit_line = _unit_line(header)
    found = {col.series: [_find_column(labels, part, file, sheet) for part in col.parts] for col in columns}
    for col in columns:
        for c in found[col.series]:
            _check_unit(col, c, labels[c], [r[c] for r in header if c < len(r)], unit_line, file, sheet)

    table = FirmTable(file, sheet.name, year, {}, {})
    seen: dict[int, int] = {}
    for i in range(national_at, len(sheet.rows)):
        row, row_no = sheet.rows[i], sheet.row_numbers[i]
        name = row[0] if row else ""
        key = normalise_name(name)
        if not key:
            if any(cell.strip() for cell in row):
                raise DataError("values in a row without a region name", file=file, sheet=sheet.name,
                                row=row_no, year=year)
            continue  # a spacer row of the printed table
        if key in REGION_GROUPS:
            skips.note(file, "region-group row (not a province)", name)
            continue
        code = None
        if key == NATIONAL:
            skips.note(file, "national row (read for checks, not loaded)", name)
        else:
            code = resolver.resolve(name, file=file, sheet=sheet.name, row=row_no, column="地区")
            if code in seen:
                raise DataError(f"region appears twice (rows {seen[code]} and {row_no})", file=file,
                                sheet=sheet.name, row=row_no, region=name, year=year)
            seen[code] = row_no
        for col in columns:
            value = _value(col, found[col.series], labels, row, row_no, name, code, year, title,
                           file, sheet, skips)
            if value is None:
                continue
            if code is None:
                table.national[col.series] = value
            else:
                table.values[(col.series, code)] = value
    missing = resolver.codes - set(seen)
    if missing:
        raise DataError(f"regions missing from the table: codes {sorted(missing)}", file=file,
                        sheet=sheet.name, year=year)
    return table


def _region_sheet(sheets: list[Sheet], file: str) -> tuple[Sheet, int]:
    """The one sheet with a 全国 row in its first column (others: CNKI link sheets)."""
    hits = []
    for sheet in sheets:
        for i, row in enumerate(sheet.rows):
            if row and normalise_name(row[0]) == NATIONAL:
                hits.append((sheet, i))
                break
    if len(hits) != 1:
        raise DataError(f"expected one sheet with a {NATIONAL} row in its first column, found "
                        f"{len(hits)} ({[s.name for s, _ in hits]})", file=file)
    return hits[0]


def _title(header: list[list[str]], sheet: Sheet, file: str, year: int) -> str:
    texts = [normalise_name(r[0]) for r in header if r and r[0].strip()]
    title = texts[0] if texts else ""
    if "各地区" not in title or "规上工业企业" not in title or f"{year}年" not in title:
        raise DataError(f"the table title {title!r} is not a by-region table of 规上工业企业 for {year} "
                        "(各地区 … 规上工业企业 … <year>年)", file=file, sheet=sheet.name,
                        row=sheet.row_numbers[0], year=year)
    return title


def _unit_line(header: list[list[str]]) -> list[str]:
    for row in header:
        text = normalise_name(row[0]) if row else ""
        if text.startswith("单位"):
            return [u for u in re.split(r"[,，.、;；]", text[2:].lstrip(":：")) if u]
    return []


def _find_column(labels: dict[int, str], wanted: frozenset[str], file: str, sheet: Sheet) -> int:
    hits = [c for c, label in labels.items() if label in wanted]
    if len(hits) != 1:
        found = [label for label in labels.values() if label]
        reason = "no column" if not hits else f"{len(hits)} columns"
        raise DataError(f"{reason} labelled {' or '.join(sorted(wanted))} (labels found: {found})",
                        file=file, sheet=sheet.name, column=sorted(wanted)[0])
    return hits[0]


def _check_unit(col: FirmColumn, c: int, label: str, cells: list[str], unit_line: list[str],
                file: str, sheet: Sheet) -> None:
    stated = [u.strip() for cell in cells for u in re.findall(r"[(（]([^()（）]*)[)）]", cell)
              if _CJK.search(u)]
    units = stated or unit_line
    if col.unit not in units:
        raise DataError(f"the table states unit(s) {units or 'none'} for this column, the reader expects "
                        f"{col.unit!r}", file=file, sheet=sheet.name, column=label, series=col.series)


def _value(col: FirmColumn, cols: list[int], labels: dict[int, str], row: list[str], row_no: int,
           name: str, code: int | None, year: int, title: str, file: str, sheet: Sheet,
           skips: SkipLog) -> LocatedValue | None:
    texts = [(row[c] if c < len(row) else "").strip() for c in cols]
    column = " + ".join(labels[c] for c in cols)
    if any(not t or is_placeholder(t) for t in texts):
        # A blank is missing, never zero: a sum with a blank part is missing too.
        reason = "blank cell (missing)" if len(cols) == 1 else "blank part of a summed cell (missing)"
        skips.note(file, reason, f"{name.strip()} {year} {column}: {texts}")
        return None
    where = dict(file=file, sheet=sheet.name, row=row_no, column=column, region=name.strip(), year=year)
    number = sum(parse_number(t, **where) for t in texts)
    return LocatedValue(region_code=code if code is not None else 0, year=year, series=col.series,
                        number=number, raw_text=" + ".join(texts), source_unit=col.unit,
                        source_file=file, source_sheet=sheet.name, source_row=row_no,
                        source_column=column, indicator_text=f"{title}: {column}",
                        source_database=DATABASE, source_time_range=str(year), region_text=name.strip())


def check_copy(table: FirmTable, copy: FirmTable) -> None:
    """The HTML copy of a table must hold the same values (to its integer rounding)."""
    for key in set(table.values) | set(copy.values) | set(table.national) | set(copy.national):
        source = table.values if isinstance(key, tuple) else table.national
        other = copy.values if isinstance(key, tuple) else copy.national
        a, b = source.get(key), other.get(key)
        series = key[0] if isinstance(key, tuple) else key
        region = (a or b).region_text
        parts = len((a or b).raw_text.split(" + "))
        if a is None or b is None or abs(a.number - b.number) > COPY_TOLERANCE * parts:
            raise DataError(f"the two copies of this table disagree: {table.file} has "
                            f"{None if a is None else a.raw_text}, {copy.file} has "
                            f"{None if b is None else b.raw_text}", file=copy.file, series=series,
                            region=region, year=table.year, row=None if b is None else b.source_row)
