"""NBS data-portal exports 2016-2025 (分省年度数据), as collected in GitHub
Liushenwuzhu-Alpaca/province-economy: seeds/shipped/nbs-exports-2016-2025/.

Two portal layouts, both read by the project's portal parser (models_py.ingest.portal):
- newer layout, one year (时间：2024年), indicators across: value added by sector, population,
  employment in urban units by sector, growth indices (2024 cross-sections);
- years across with no 指标： line and the indicator only in the file name (可支配收入, 消费支出,
  按照年份的GDP, 第一产业, 第二产业): FILE_INDICATORS names the indicator and unit the portal
  prints for them. The income and consumption files state no unit: NBS publishes both in 元
  (Beijing 2022: 77,415 and 42,683 元, the published per-capita figures).

Indicators map to catalogue series through seeds/reference/source_mappings.csv rows with
source_kind = nbs_portal_2016_2025 (an empty series_code = read, counted, not loaded). Every
indicator of a shipped file must have a row, so a new column cannot slip in unseen.
GDP and primary / secondary value added 2024 appear in two files with the same figures: the first
file in FILES is kept, the repeat is counted (a difference would be a DataError).
Not shipped: 2025GDP.csv (per-capita GDP with an empty 时间： line, so no year), birth rates and
price indices (no catalogue series); see NOTICE.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from models_py.errors import DataError

from ..grid import text_grid
from ..loader import OBS_COLUMNS
from ..portal import parse_portal
from ..regions import RegionResolver
from ..seeds import display_path, load_series_catalogue, load_source_mappings
from ..units import UnitConverter
from .common import FileCounts, blank_aggregate_rows, drop_same_figure_twice, with_counts
from .registry import ShippedSource

SOURCE_ID = "nbs_portal_2016_2025"
# Read in this order; where two files give the same figure the first one's lineage is kept.
FILES = (
    "分省年度数据2024.csv",
    "按照年份的GDP.csv",
    "第一产业.csv",
    "第二产业.csv",
    "分省年度数据人口.csv",
    "分省年度数据就业.csv",
    "分省年度数据指数2024.csv",
    "分省年度数据可支配收入.csv",
    "分省年度数据消费支出.csv",
)
# Files whose indicator is only in their name: the indicator text as the portal prints it.
FILE_INDICATORS = {
    "按照年份的GDP.csv": "地区生产总值 (亿元)",
    "第一产业.csv": "第一产业增加值 (亿元)",
    "第二产业.csv": "第二产业增加值 (亿元)",
    "分省年度数据可支配收入.csv": "居民人均可支配收入 (元)",
    "分省年度数据消费支出.csv": "居民人均消费支出 (元)",
}


def read(folder: Path, resolver: RegionResolver, converter: UnitConverter) -> pd.DataFrame:
    mappings = load_source_mappings()
    catalogue = load_series_catalogue()
    units = dict(zip(catalogue["series_code"], catalogue["unit"]))
    rows, counts = [], {}
    for name in FILES:
        path = Path(folder) / name
        shown = display_path(path)
        c = counts[shown] = FileCounts(shown)
        grid = text_grid(path.read_bytes(), shown)
        header = next((n for n, r in enumerate(grid.rows, 1) if r and r[0].strip() == "地区"), 0)
        grid = blank_aggregate_rows(grid, header, c)
        parsed = parse_portal(grid, shown, resolver, kind=SOURCE_ID,
                              file_indicator=FILE_INDICATORS.get(name))
        c.rows_read, c.cells, c.empty_cells = parsed.rows_read, len(parsed.cells), parsed.empty_cells
        c.placeholder_cells, c.database, c.time_range = (parsed.placeholder_cells, parsed.database,
                                                         parsed.time_range)
        resolved = {ind: _resolve(ind, unit, shown, mappings, units, converter)
                    for ind, unit in parsed.indicators.items()}
        for cell in parsed.cells:
            mapping, factor = resolved[cell.indicator_text]
            if mapping is None:
                c.unmapped_cells += 1
                continue
            rows.append((cell.region_code, cell.year, mapping.series_code, cell.number * factor,
                         mapping.series_unit, f"real: {shown}", shown, None, cell.source_row,
                         cell.source_column, cell.raw_text, cell.indicator_text, factor, cell.number,
                         mapping.source_unit, SOURCE_ID, parsed.database, parsed.time_range, SOURCE_ID))
        c.unmapped_indicators = [f"{ind} ({mappings.lookup(SOURCE_ID, ind).note or 'no series'})"
                                 for ind, (m, _) in resolved.items() if m is None]
    frame = pd.DataFrame(rows, columns=OBS_COLUMNS + ["source_id"])
    return with_counts(drop_same_figure_twice(frame, counts), counts)


def _resolve(indicator, unit, file, mappings, units, converter):
    """(mapping, unit factor) of one indicator; (None, None) for a row that loads nothing."""
    m = mappings.lookup(SOURCE_ID, indicator)
    if m is None:
        raise DataError(f"indicator not in {mappings.source} (add a row with source_kind "
                        f"{SOURCE_ID}; an empty series_code reads it without loading it)",
                        file=file, column=indicator)
    if m.series_code is None:
        return None, None
    if unit != m.source_unit:
        raise DataError(f"the file states unit {unit!r}, {mappings.source} line {m.line} says "
                        f"{m.source_unit!r}", file=file, column=indicator, series=m.series_code)
    if m.series_code not in units or units[m.series_code] != m.series_unit:
        raise DataError(f"{mappings.source} line {m.line}: series_unit {m.series_unit!r} is not the "
                        f"catalogue unit of {m.series_code!r} ({units.get(m.series_code)!r})",
                        file=file, column=indicator, series=m.series_code)
    factor = converter.factor(m.source_unit, m.series_unit, file=file, column=indicator,
                              series=m.series_code)
    if abs(factor - m.unit_factor) > 1e-12 * factor:
        raise DataError(f"{mappings.source} line {m.line}: unit_factor {m.unit_factor} but "
                        f"{converter.source} gives {factor}", file=file, column=indicator,
                        series=m.series_code)
    return m, factor


SOURCE = ShippedSource(
    source_id=SOURCE_ID,
    folder="nbs-exports-2016-2025",
    title="NBS data-portal exports 2016-2025 (分省年度数据), via GitHub Liushenwuzhu-Alpaca/province-economy",
    terms="No licence stated upstream; the files are exports of the NBS data portal (国家统计局 分省年度数据)",
    read=read,
)
