"""Reader of the 1949-2022 provincial compilation SkywalkerSun15/regional_disparity.

Layout of each workbook (one sheet): row 1 holds the year ('1949年', merged over that year's
columns, so only its first cell has the text), row 2 the indicator with its unit ('GDP(亿元)'),
column A from row 3 the province (short names such as 内蒙古 / 宁夏 are aliases). Blanks are '--'.

Which columns feed which catalogue series is declared below; a column the reader does not know
(a changed layout) is an error, a known column without a series is counted and skipped.

Years loaded (YEARS): from 2000, the warehouse's first year (earlier values fall below the
catalogue's plausible ranges and no study uses them), except
- population from 2000 like the rest, with a caveat: before about 2005 the file mixes registered
  (户籍) and resident (常住) totals (Guangdong 2000 = 7,707 against 8,650 in the census); these are
  the figures the yearbooks of the time printed, which is what a paper using 2000 (Paper D) used,
  and the only real population the project has for 2000-2004, so they are loaded and the caveat is
  in source_precedence.csv and NOTICE.md. 2005-2009 are the figures as first published, not revised
  to the 2010 census (Shanghai +19.9 %, Beijing +11.7 % from 2009 to 2010).
- fixed_asset_investment up to 2017: NBS stopped publishing the level after 2017; the file's later
  cells are a sparse patchwork (Ningxia 2019 = -11.1, a growth rate; Ningxia 2020 = 119,600 万元).
Cells outside these years are counted (out_of_range_cells), not loaded.

Two more rules, both counted in the load report:
- KNOWN_ERRORS: single cells that are plainly wrong (a value 10^2 to 10^4 off its neighbours, the
  magnitude of another unit); each must still read exactly as declared, so a fixed upstream file
  is noticed.
- Value added is loaded for a region-year only if primary + secondary + tertiary agree with the
  file's own GDP within VA_SUM_TOLERANCE (the warehouse's sector_sum tolerance). The file mixes
  vintages and in 2018 holds other quantities in several provinces' sector columns (Guangdong
  2018: 1,071 / 2,300 / 54,710 against a GDP of 99,945); such rows are left out, not guessed.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from openpyxl.utils import get_column_letter

from models_py.errors import DataError

from ..cells import is_placeholder, parse_number, parse_year, unit_from_indicator
from ..grid import xlsx_grids
from ..regions import RegionResolver
from ..seeds import display_path
from ..units import UnitConverter
from .registry import ShippedSource
from .source_frames import (
    FileCounts,
    KnownError,
    ObservationRows,
    catalogue_units,
    check_known_errors,
    conversion_factor,
    aggregate_kind,
)

SOURCE_ID = "regional_disparity"
FIRST_YEAR, LAST_YEAR = 2000, 2022
YEARS = {"fixed_asset_investment": (FIRST_YEAR, 2017)}
BLANK = "--"

# file -> column header -> catalogue series, or the reason the column is not loaded
COLUMNS: dict[str, dict[str, str | tuple[None, str]]] = {
    "prov_1.xlsx": {
        "GDP(亿元)": "gdp",
        "人均GDP(元)": (None, "no catalogue series (gdp per capita is derived from gdp / population)"),
    },
    "prov_3.xlsx": {
        "第一产业增加值(亿元)": "va_primary",
        "第二产业增加值(亿元)": "va_secondary",
        "第三产业增加值(亿元)": "va_tertiary",
    },
    "prov_4.xlsx": {
        "总人口数(万人)": "population",
        "农业人口数(万人)": (None, "no catalogue series (registered agricultural population)"),
        "非农业人口数(万人)": (None, "no catalogue series (registered non-agricultural population)"),
    },
    "prov_6.xlsx": {
        "财政支出(万元)": "budget_expenditure",
        "财政收入(万元)": (None, "no catalogue series (general budget revenue; tax_revenue is only its tax part)"),
        "固定资产投资额(万元)": "fixed_asset_investment",
    },
}
HEADER_ROWS = 2
VALUE_ADDED = ("va_primary", "va_secondary", "va_tertiary")
VA_SUM_TOLERANCE = 0.01  # dbt_project.yml quality_checks.sector_sum.tolerance

_FAI, _BUDGET = "固定资产投资额(万元)", "财政支出(万元)"
_SCALE = "two to four orders of magnitude below the neighbouring years (another unit)"
KNOWN_ERRORS = [
    KnownError("prov_6.xlsx", 46, 2000, _FAI, "31100", f"Hainan 2000: 3.1 亿元 against 171.9 in 2001; {_SCALE}"),
    KnownError("prov_6.xlsx", 52, 2000, _FAI, "63100", f"Guizhou 2000: 6.3 亿元 against 413.4 in 2001; {_SCALE}"),
    KnownError("prov_6.xlsx", 63, 2000, _FAI, "3000", f"Qinghai 2000: 0.3 亿元 against 178.0 in 2001; {_SCALE}"),
    KnownError("prov_6.xlsx", 41, 2015, _FAI, "2827794", f"Henan 2015: 283 亿元 against 30,782 in 2014; {_SCALE}"),
    KnownError("prov_6.xlsx", 41, 2016, _FAI, "3292676", f"Henan 2016: 329 亿元 against 43,890 in 2017; {_SCALE}"),
    KnownError("prov_6.xlsx", 42, 2001, _BUDGET, "484.4", f"Hubei 2001: 0.05 亿元 against 370 in 2000; {_SCALE}"),
]


def loaded_years(series: str) -> range:
    first, last = YEARS.get(series, (FIRST_YEAR, LAST_YEAR))
    return range(first, last + 1)


def read(folder: Path, resolver: RegionResolver, converter: UnitConverter):
    """All four workbooks of ``folder`` as one observation frame (counts in ``attrs``)."""
    rows = ObservationRows(SOURCE_ID)
    units = catalogue_units()
    counts = {name: _read_workbook(Path(folder) / name, columns, resolver, converter, units, rows)
              for name, columns in COLUMNS.items()}
    _drop_inconsistent_value_added(rows, counts["prov_3.xlsx"])
    return rows.frame(list(counts.values()))


def _drop_inconsistent_value_added(rows: ObservationRows, counts: FileCounts) -> None:
    values = rows.values({"gdp", *VALUE_ADDED}).pivot(index=["region_code", "year"], columns="series",
                                                       values="value").dropna()
    if values.empty:
        return
    deviation = values[list(VALUE_ADDED)].sum(axis=1) / values["gdp"] - 1
    bad = deviation[deviation.abs() > VA_SUM_TOLERANCE]
    removed = rows.drop({(region, year, s) for region, year in bad.index for s in VALUE_ADDED})
    counts.observations -= len(removed)
    counts.inconsistent = [f"{region} {year}: sectors sum to gdp {100 * d:+.1f} %"
                           for (region, year), d in bad.items()]


def _read_workbook(path: Path, columns, resolver, converter, units, rows: ObservationRows) -> FileCounts:
    file = display_path(path)
    if not path.is_file():
        raise DataError("file of the shipped source is missing", file=file)
    with warnings.catch_warnings():  # the upstream workbooks have no default style: harmless
        warnings.filterwarnings("ignore", "Workbook contains no default style", UserWarning)
        grids = xlsx_grids(path, file)
    if len(grids) != 1:
        raise DataError(f"expected one sheet, found {len(grids)}", file=file)
    grid = grids[0]
    sheet = grid.sheet
    if len(grid.rows) <= HEADER_ROWS:
        raise DataError("no data rows below the two header rows", file=file, sheet=sheet)
    headers = _column_headers(grid.rows[0], grid.rows[1], columns, file, sheet)
    counts = FileCounts(file=file)
    counts.unmapped_indicators = [f"{c} ({v[1]})" for c, v in columns.items() if isinstance(v, tuple)]
    known = {(k.region_code, k.year, k.column): k for k in KNOWN_ERRORS if k.file == path.name}
    seen: set[KnownError] = set()
    for row_number, cells in enumerate(grid.rows[HEADER_ROWS:], start=HEADER_ROWS + 1):
        name = cells[0].strip() if cells else ""
        values = cells[1:]
        if not name:
            if any(v.strip() for v in values):
                raise DataError("values in a row without a region name", file=file, sheet=sheet,
                                row=row_number, column="A")
            continue
        counts.rows_read += 1
        kind = aggregate_kind(name)
        if kind is not None:
            setattr(counts, f"{kind}_rows", getattr(counts, f"{kind}_rows") + 1)
            continue
        region = resolver.resolve(name, file=file, sheet=sheet, row=row_number, column="A")
        for index, (year, indicator) in headers.items():
            text = values[index - 2].strip() if index - 2 < len(values) else ""
            target = columns[indicator]
            if isinstance(target, tuple):
                counts.unmapped_cells += 1
                continue
            if year not in loaded_years(target):
                counts.out_of_range_cells += 1
                continue
            where = dict(file=file, sheet=sheet, row=row_number, column=f"{get_column_letter(index)} "
                         f"{year}年 {indicator}", region=name, year=year)
            if not text:
                counts.empty_cells += 1
                continue
            if text == BLANK or is_placeholder(text):
                counts.placeholder_cells += 1
                continue
            error = known.get((region, year, indicator))
            if error is not None and error.raw_text == text:
                seen.add(error)
                counts.known_errors.append(f"{name} {year} {indicator} = {text}: {error.reason}")
                continue
            number = parse_number(text, **where)
            if number < 0:
                raise DataError("negative value for a level series", value=text, series=target, **where)
            source_unit = unit_from_indicator(indicator)
            factor, unit = conversion_factor(converter, source_unit, target, units, **where)
            counts.cells += 1
            counts.observations += 1
            rows.add(region_code=region, year=year, series=target, number=number, factor=factor,
                     unit=unit, source_unit=source_unit, file=file, sheet=sheet, row=row_number,
                     column=where["column"], raw_text=text, indicator=indicator)
    check_known_errors(list(known.values()), seen, file)
    return counts


def _column_headers(year_row, indicator_row, columns, file, sheet) -> dict[int, tuple[int, str]]:
    """1-based column index -> (year, indicator), the year carried across its merged cells."""
    headers: dict[int, tuple[int, str]] = {}
    year = None
    for index in range(2, max(len(year_row), len(indicator_row)) + 1):
        label = year_row[index - 1].strip() if index - 1 < len(year_row) else ""
        indicator = indicator_row[index - 1].strip() if index - 1 < len(indicator_row) else ""
        letter = get_column_letter(index)
        if label:
            year = parse_year(label)
            if year is None:
                raise DataError("not a year label", file=file, sheet=sheet, row=1, column=letter, value=label)
        if not indicator:
            if label:
                raise DataError("year label over a column without an indicator", file=file, sheet=sheet,
                                row=2, column=letter)
            continue
        if year is None:
            raise DataError("indicator column before the first year label", file=file, sheet=sheet,
                            row=2, column=letter, value=indicator)
        if indicator not in columns:
            raise DataError(f"unknown column (the reader knows {sorted(columns)}): the layout changed",
                            file=file, sheet=sheet, row=2, column=letter, value=indicator)
        if (year, indicator) in headers.values():
            raise DataError("the same year and indicator twice", file=file, sheet=sheet, row=2,
                            column=letter, value=indicator, year=year)
        headers[index] = (year, indicator)
    missing = sorted(c for c, target in columns.items() if isinstance(target, str)
                     and c not in {ind for _, ind in headers.values()})
    if missing:
        raise DataError(f"expected columns missing: {missing}", file=file, sheet=sheet, row=2)
    return headers


SOURCE = ShippedSource(
    source_id=SOURCE_ID,
    folder="regional-disparity",
    title="Provincial GDP, value added, population, budget and investment 1949-2022 "
          "(SkywalkerSun15/regional_disparity)",
    terms="no licence stated; compiled from the yearbooks",
    read=read,
)
