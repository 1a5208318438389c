"""Reader of the provincial energy panel WangMeng0734/china-provincial-energy-consumption-panel.

raw_data.csv: one line per province-year (UTF-8 with BOM, English headers, province names as
吉林省 / 宁夏), the units stated in the shipped variable_dictionary.csv. Two columns feed catalogue
series: total energy consumption (10^4 tce = 万吨标准煤) and SO2 emissions (10^4 t = 万吨). The
rest is not loaded, for the reasons in COLUMNS: its GDP and value added mix first-published and
revised vintages, its non-fossil generation includes hydro and nuclear (new_energy_generation is
wind + solar only), and the CEADs CO2 column is not even shipped (strip_co2.py).

Years loaded: from FIRST_YEAR (the warehouse's first year). SO2 from 2016 follows the new
statistical scope (the national total roughly halves), as the published statistics do.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from models_py.errors import DataError

from ..cells import is_placeholder, parse_number, parse_year
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

SOURCE_ID = "energy_panel"
DATA_FILE = "raw_data.csv"
DICTIONARY_FILE = "variable_dictionary.csv"
FIRST_YEAR = 2000
KEY_COLUMNS = ("Province", "Year", "Region")  # Region is the province's macro-region, not a row

# column -> catalogue series, or the reason the column is not loaded
COLUMNS: dict[str, str | tuple[None, str]] = {
    "Total energy consumption": "energy_consumption",
    "SO2 emissions": "so2_emissions",
    "Regional GDP": (None, "mixes first-published and revised vintages (README): not used"),
    "Secondary industry value added": (None, "mixes vintages like its GDP: not used"),
    "Tertiary industry value added from Long": (None, "mixes vintages like its GDP: not used"),
    "GDP per capita from Long": (None, "no catalogue series; mixes vintages"),
    "Industrial value added from Long": (None, "mixes vintages like its GDP: not used"),
    "Total electricity generation": (None, "no catalogue series (total generation)"),
    "Population": (None, "not used: population comes from the statistical sources"),
    "Hydropower generation from Long": (None, "no catalogue series"),
    "Raw coal production from Long": (None, "no catalogue series"),
    "Non fossil electricity generation": (None, "includes hydro and nuclear; new_energy_generation "
                                                "is wind + solar only"),
    "Natural gas production from Long": (None, "no catalogue series"),
    "Total apparent CO2 emissions (mt)": (None, "CEADs inventory, under CEADs' terms: never loaded "
                                                "(and not in the shipped copy)"),
}

KNOWN_ERRORS = [
    KnownError(DATA_FILE, 64, 2020, "Total energy consumption", "0.79",
               "Ningxia 2020: 0.79 against 7,648 (2019) and 8,047.9 (2021) 万吨标准煤 "
               "(the magnitude of 亿吨标准煤)"),
]


def read(folder: Path, resolver: RegionResolver, converter: UnitConverter):
    """raw_data.csv of ``folder`` as an observation frame (counts in ``attrs``)."""
    folder = Path(folder)
    path = folder / DATA_FILE
    file = display_path(path)
    if not path.is_file():
        raise DataError("file of the shipped source is missing", file=file)
    stated_units = _dictionary_units(folder / DICTIONARY_FILE)
    units = catalogue_units()
    text = path.read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text, newline="")))
    header = [h.strip() for h in lines[0]] if lines else []
    _check_header(header, file)
    rows = ObservationRows(SOURCE_ID)
    counts = FileCounts(file=file)
    unmapped = [c for c, v in COLUMNS.items() if isinstance(v, tuple) and c in header]
    counts.unmapped_indicators = [f"{c} ({COLUMNS[c][1]})" for c in unmapped]
    targets = {}
    for column, series in COLUMNS.items():
        if isinstance(series, str):
            source_unit = stated_units[column]
            factor, unit = conversion_factor(converter, source_unit, series, units, file=file, column=column)
            targets[column] = (header.index(column), series, source_unit, factor, unit)
    known = {(k.region_code, k.year, k.column): k for k in KNOWN_ERRORS}
    seen: set[KnownError] = set()
    for line_number, fields in enumerate(lines[1:], start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise DataError(f"{len(fields)} fields, the header has {len(header)}", file=file, row=line_number)
        counts.rows_read += 1
        name = fields[0].strip()
        kind = aggregate_kind(name)
        if kind is not None:
            setattr(counts, f"{kind}_rows", getattr(counts, f"{kind}_rows") + 1)
            continue
        region = resolver.resolve(name, file=file, row=line_number, column="Province")
        year = parse_year(fields[1])
        if year is None:
            raise DataError("not a year", file=file, row=line_number, column="Year", region=name,
                            value=fields[1])
        counts.unmapped_cells += len(unmapped)
        for column, (index, series, source_unit, factor, unit) in targets.items():
            if year < FIRST_YEAR:
                counts.out_of_range_cells += 1
                continue
            raw = fields[index].strip()
            if not raw:
                counts.empty_cells += 1
                continue
            if is_placeholder(raw):
                counts.placeholder_cells += 1
                continue
            error = known.get((region, year, column))
            if error is not None and error.raw_text == raw:
                seen.add(error)
                counts.known_errors.append(f"{name} {year} {column} = {raw}: {error.reason}")
                continue
            where = dict(file=file, row=line_number, column=column, region=name, year=year)
            number = parse_number(raw, **where)
            if number < 0:
                raise DataError("negative value for a level series", value=raw, series=series, **where)
            counts.cells += 1
            counts.observations += 1
            rows.add(region_code=region, year=year, series=series, number=number, factor=factor,
                     unit=unit, source_unit=source_unit, file=file, sheet=None, row=line_number,
                     column=column, raw_text=raw, indicator=column)
    check_known_errors(KNOWN_ERRORS, seen, file)
    return rows.frame([counts])


def _check_header(header: list[str], file: str) -> None:
    if tuple(header[:len(KEY_COLUMNS)]) != KEY_COLUMNS:
        raise DataError(f"the header must start with {list(KEY_COLUMNS)}", file=file, row=1,
                        value=",".join(header[:3]))
    unknown = [h for h in header[len(KEY_COLUMNS):] if h not in COLUMNS]
    if unknown:
        raise DataError(f"unknown columns {unknown}: the layout changed", file=file, row=1)
    missing = [c for c, s in COLUMNS.items() if isinstance(s, str) and c not in header]
    if missing:
        raise DataError(f"expected columns missing: {missing}", file=file, row=1)
    if len(set(header)) != len(header):
        raise DataError("a column name appears twice", file=file, row=1)


def _dictionary_units(path: Path) -> dict[str, str]:
    """Column -> unit as the panel's own variable_dictionary.csv states it ('10^4 tce')."""
    file = display_path(path)
    if not path.is_file():
        raise DataError("file of the shipped source is missing (it states the units)", file=file)
    entries = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    stated = {e["Column"].strip(): e["Unit"].strip() for e in entries if e.get("Column")}
    missing = [c for c, s in COLUMNS.items() if isinstance(s, str) and c not in stated]
    if missing:
        raise DataError(f"no unit stated for {missing}", file=file)
    return stated


SOURCE = ShippedSource(
    source_id=SOURCE_ID,
    folder="energy-panel",
    title="China provincial energy consumption and SO2 panel 1990-2025 "
          "(WangMeng0734/china-provincial-energy-consumption-panel; CEADs CO2 column removed)",
    terms="no licence stated; cite Li, H., Li, W., Zhao, G., Wang, N., Wu, J. and Wang, M., "
          "'Data-driven forecasting of energy consumption in China and implications for sustainable "
          "development policy' (manuscript under review); the CEADs CO2 column is under CEADs' own "
          "terms and is not shipped",
    read=read,
)
