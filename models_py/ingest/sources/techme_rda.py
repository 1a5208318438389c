"""techme's R data files (data/<Table>.rda, read with pyreadr): tidy long frames with columns
province, year, chn_block4, value, units, variables (one techme variable code per indicator).

Each catalogue series is one variable of one table; the variable's label (chn_block4) and unit are
checked, so an upstream re-coding cannot slip another indicator or unit in. Province names go
through the RegionResolver (techme's OCR typos such as 内蒙占 are alias rows of
seeds/reference/region_aliases.csv); 全国 rows are kept apart for checks, region-group rows skipped;
both counted. NA values are missing (counted), never zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from models_py.errors import DataError

from ..grid import number_text
from ..regions import RegionResolver, normalise_name
from ..seeds import display_path
from .located import LocatedValue, SkipLog
from .techme_firm import NATIONAL, REGION_GROUPS

DATABASE = "中国科技统计年鉴 (techme data/*.rda)"
RDA_COLUMNS = ("province", "year", "chn_block4", "value", "units", "variables")


@dataclass(frozen=True)
class RdaSeries:
    series: str
    table: str  # the R object, saved as data/<table>.rda
    variable: str  # techme's variable code
    label: str  # chn_block4 of that code
    unit: str  # units of that code


RDA_SERIES: tuple[RdaSeries, ...] = (
    # R&D经费内部支出, all performers (合计 of the by-activity table; 万元, exact; from 2010).
    RdaSeries("rd_expenditure", "RDActivity", "v4_zh_nbzc_hj", "合计", "万元"),
    RdaSeries("rd_personnel_fte", "RDLaborHour", "v4_zh_qsdl_hj", "合计", "人年"),
    RdaSeries("patent_applications", "RDPatentAccept", "v4_cg_zlsq_hj", "合计", "件"),
    RdaSeries("invention_patent_applications", "RDPatentAccept", "v4_cg_zlsq_fm", "发明", "件"),
    RdaSeries("patents_granted", "RDPatentAuthority", "v4_cg_zlsq2_hj", "合计", "件"),
    # 技术市场成交额 by seller region (技术输出地域): the regional figure NBS publishes; MarketPull
    # (by buyer, 技术输入) is not read.
    RdaSeries("technology_market_turnover", "MarketPush", "v4_cg_jssc_je", "金额", "万元"),
    # 高技术产业 主营业务收入 (the yearbook's 营业收入 from the 2018 edition on; techme keeps the old label).
    RdaSeries("high_tech_revenue", "IndustryOperation", "v4_cy_scjy_zyyw", "主营业务收入", "亿元"),
)
# RDIntense repeats R&D expenditure in 亿元 rounded to 0.1 (from 2011): read only to check RDActivity.
RD_EXPENDITURE_CHECK = RdaSeries("rd_expenditure", "RDIntense", "v4_ztr_jf_RD", "RD经费", "亿元")
RD_CHECK_TOLERANCE = 0.05 + 1e-6  # 亿元: half the last printed digit


def rda_path(folder: Path, table: str) -> Path:
    return folder / "data" / f"{table}.rda"


def read_rda_table(folder: Path, table: str, root: Path) -> tuple[pd.DataFrame, str]:
    import pyreadr

    path = rda_path(folder, table)
    file = display_path(path, root)
    if not path.exists():
        raise DataError("techme table missing", file=file)
    try:
        frame = pyreadr.read_r(str(path))[table]
    except KeyError:
        raise DataError(f"the .rda file holds no R object named {table!r}", file=file) from None
    except pyreadr.custom_errors.PyreadrError as exc:
        raise DataError(f"cannot read the .rda file ({exc})", file=file) from None
    missing = set(RDA_COLUMNS) - set(frame.columns)
    if missing:
        raise DataError(f"missing columns {sorted(missing)} (expected {list(RDA_COLUMNS)})", file=file)
    return frame, file


def read_rda_series(folder: Path, spec: RdaSeries, resolver: RegionResolver, skips: SkipLog,
                    root: Path, tables: dict) -> tuple[list[LocatedValue], list[LocatedValue]]:
    """One series: (region values, national values), located by R data-frame row (1-based)."""
    if spec.table not in tables:
        tables[spec.table] = read_rda_table(folder, spec.table, root)
    frame, file = tables[spec.table]
    rows = frame[frame["variables"] == spec.variable]
    if rows.empty:
        raise DataError(f"variable {spec.variable!r} not in the table", file=file, series=spec.series)
    for column, expected in (("chn_block4", spec.label), ("units", spec.unit)):
        stated = sorted(set(rows[column].astype(str)))
        if stated != [expected]:
            raise DataError(f"variable {spec.variable!r} has {column} {stated}, the reader expects "
                            f"{expected!r}", file=file, column=column, series=spec.series)
    years = sorted(set(rows["year"].astype(str)))
    time_range = f"{years[0]}-{years[-1]}"
    values, national, seen = [], [], {}
    for index, r in zip(rows.index, rows.itertuples(index=False)):
        row_no = int(index) + 1
        where = dict(file=file, sheet=spec.table, row=row_no)
        try:
            year = int(str(r.year))
        except ValueError:
            raise DataError("year is not a number", column="year", value=r.year, **where) from None
        key = normalise_name(r.province)
        if key in REGION_GROUPS:
            skips.note(file, "region-group row (not a province)", r.province)
            continue
        if r.value is None or (isinstance(r.value, float) and math.isnan(r.value)):
            skips.note(file, "NA value (missing)", f"{r.province} {year} {spec.variable}")
            continue
        code = 0
        if key == NATIONAL:
            skips.note(file, "national row (read for checks, not loaded)", r.province)
        else:
            code = resolver.resolve(r.province, column="province", **where)
            if (code, year) in seen:
                raise DataError(f"region-year appears twice (rows {seen[(code, year)]} and {row_no}; "
                                "an OCR alias resolving onto an existing province?)",
                                region=r.province, year=year, series=spec.series, **where)
            seen[(code, year)] = row_no
        value = LocatedValue(region_code=code, year=year, series=spec.series, number=float(r.value),
                             raw_text=number_text(r.value), source_unit=spec.unit, source_file=file,
                             source_sheet=spec.table, source_row=row_no, source_column="value",
                             indicator_text=f"{spec.table} {spec.label} [{spec.variable}]",
                             source_database=DATABASE, source_time_range=time_range,
                             region_text=r.province)
        (national if key == NATIONAL else values).append(value)
    return values, national


def check_rd_expenditure(loaded: list[LocatedValue], check: list[LocatedValue]) -> None:
    """RDIntense (亿元, 0.1) must agree with RDActivity (万元) wherever both have a value."""
    exact = {(v.region_code, v.year): v for v in loaded}
    for v in check:
        other = exact.get((v.region_code, v.year))
        if other is not None and abs(other.number / 1e4 - v.number) > RD_CHECK_TOLERANCE:
            raise DataError(f"RDIntense says {v.raw_text} 亿元, {other.source_file} row "
                            f"{other.source_row} says {other.raw_text} 万元", file=v.source_file,
                            sheet=v.source_sheet, row=v.source_row, region=v.region_text, year=v.year,
                            series=v.series)
