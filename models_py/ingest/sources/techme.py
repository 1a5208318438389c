"""Shipped source `techme`: 中国科技统计年鉴 tables by province, from GitHub huhuaping/techme (MIT).

Two parts of the upstream repository, copied unchanged to seeds/shipped/techme/ (NOTICE.md):
- data/*.rda (techme_rda): R&D expenditure and personnel, patents, technology market, high-tech
  industry revenue, 2010-2023 (technology market also 2000 and 2005);
- data-raw/tech-yearbook/part02-firm/ (techme_firm): the yearbook's tables of 规模以上工业企业,
  2018-2023: R&D expenditure and personnel, new-product sales, technology introduction and
  renovation.

Each series comes from exactly one table, so region-year-series is unique within the source. 全国
rows are returned apart (`TechmeLoad.national`) for the provinces-sum-to-national check, never
loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..regions import RegionResolver
from ..seeds import REPO_ROOT, load_series_catalogue
from ..units import UnitConverter
from .located import SkipLog, to_observations
from .registry import ShippedSource
from .techme_firm import read_firm_tables
from .techme_rda import RD_EXPENDITURE_CHECK, RDA_SERIES, check_rd_expenditure, read_rda_series

SOURCE_ID = "techme"
TERMS = ("MIT (seeds/shipped/techme/LICENSE.md, Copyright (c) 2021 Hu Huaping); the numbers are "
         "中国科技统计年鉴 tables")


@dataclass
class TechmeLoad:
    observations: pd.DataFrame  # OBS_COLUMNS + source_id
    national: pd.DataFrame  # the 全国 rows, same columns (region_code 0), not loaded
    skipped: pd.DataFrame  # file, reason, count, example

    def national_gaps(self) -> pd.DataFrame:
        """Per series-year: the national row, the provinces' sum, their relative difference."""
        sums = self.observations.groupby(["series", "year"]).agg(provinces=("value", "sum"),
                                                                 regions=("value", "size"))
        nat = self.national.set_index(["series", "year"])["value"].rename("national")
        out = sums.join(nat, how="outer").reset_index()
        out["relative_difference"] = (out["provinces"] - out["national"]) / out["national"]
        return out


def load(folder: Path, resolver: RegionResolver, units: UnitConverter, *, root: Path = REPO_ROOT,
         catalogue: pd.DataFrame | None = None) -> TechmeLoad:
    folder = Path(folder)
    catalogue = catalogue if catalogue is not None else load_series_catalogue(root)
    skips = SkipLog()
    values, national, tables = [], [], {}
    for spec in RDA_SERIES:
        v, n = read_rda_series(folder, spec, resolver, skips, root, tables)
        values += v
        national += n
    check = read_rda_series(folder, RD_EXPENDITURE_CHECK, resolver, SkipLog(), root, tables)
    rd = [v for v in values + national if v.series == "rd_expenditure"]
    check_rd_expenditure(rd, check[0] + check[1])
    v, n = read_firm_tables(folder, resolver, skips, root)
    values += v
    national += n
    return TechmeLoad(to_observations(values, units, catalogue, SOURCE_ID),
                      to_observations(national, units, catalogue, SOURCE_ID), skips.frame())


def read(folder: Path, resolver: RegionResolver, units: UnitConverter) -> pd.DataFrame:
    return load(folder, resolver, units).observations


SOURCE = ShippedSource(
    source_id=SOURCE_ID,
    folder="techme",
    title="techme: 中国科技统计年鉴 provincial tables (R&D, patents, technology market, high-tech "
          "industry, 规模以上工业企业 R&D and innovation), GitHub huhuaping/techme",
    terms=TERMS,
    read=read,
)
