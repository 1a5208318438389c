"""Deterministic synthetic observations for every planned series the real exports do not cover.

The real portal exports (models_py.ingest) give 17 series, mostly 2005–2024 and with holes. The
studies need the 92 series of docs/series_plan.md for 31 regions × 2000–2023. This module fills the rest with values that
look like yearbook data: yearbook units, realistic national levels and trends, and regional
gradients that follow each region's *real* GDP, population, industrial structure and patenting.
Nothing here is an official statistic; every row is marked provenance='synthetic' and carries the
name of the rule that made it (`generator`).

How values are made (one small function per family, parameters in the tables below):

* Real series are only completed, never overwritten: interior holes are bridged (log-linear
  interpolation plus a small Brownian bridge), the years before/after the real data are extended
  with the region's own trend from its first/last five real years (clipped to a plausible range),
  and a few are derived from another real series (GDP backcast from the GDP index and the national
  deflator, trade in CNY from trade in USD and the exchange rate, FAI 2018+ chained with the real
  growth of funds in place).
* Fully synthetic series follow one of five `Rule` kinds: a national total allocated over regions
  in proportion to an anchor (GDP, population, industrial value added …), an aggregate ratio to an
  anchor, a share of an anchor, a percentage, or a level. The regional pattern is
  exp(loadings · factors + tilt + region effect + AR(1) noise), where the factors come from real
  data: `dev` (log GDP per capita relative to the nation), `innov` (the region's real invention
  patents per unit of GDP), `ind` (real secondary-industry share) and `open` (trade / GDP).
* Identities hold exactly (sector value added sums to GDP, sector employment to employment) and
  the inequalities of docs/series_plan.md hold by construction (granted ≤ applied, industrial SO2
  ≤ total SO2, rural income < urban income, shares in [0, 100] …).
* About 1 % of the cells of fully synthetic series are left out, like a yearbook's empty cells, but
  only interior cells: never a region's first or last year of a series, never two years in a row,
  never in identity or real-sourced series, and never where linear interpolation would break a
  part ≤ whole relation (PART_OF). Downstream interpolation therefore completes every study sample.
* Series that start late in reality start late here (FIRST_YEAR): environmental_expenditure 2007,
  emerging-industry series, new-materials firms, local debt, e-commerce sales and the
  informatisation index 2010, digital_finance_index and enterprise_digitalisation 2011,
  ecommerce_enterprises 2013. AI firms exist from 2000 but are few before 2015.

Determinism: every random draw comes from a numpy Generator seeded with (seed, crc32(series,
purpose)): the output depends only on the inputs (not on row order, dict order or time), and the
draws of one series do not depend on which other series exist.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from models_py.config import SEEDS_DIR
from models_py.errors import DataError

CATALOGUE_PATH = SEEDS_DIR / "series_catalogue.csv"
CATALOGUE_FILE = "seeds/reference/series_catalogue.csv"  # as error messages name it
DEFAULT_YEARS = range(2000, 2024)
DEFAULT_SEED = 20250101
OUTPUT_COLUMNS = ["region_code", "year", "series", "value", "unit", "provenance", "generator"]

# Interior-gap rate for the cells of fully synthetic series (about 1 % of all synthetic cells).
GAP_RATE = 0.012
# Identities and anchors: never gapped (docs/series_plan.md; the studies divide by them).
NO_GAP_SERIES = frozenset({
    "population", "urban_population", "va_primary", "va_secondary", "va_tertiary",
    "employment_primary", "employment_secondary", "employment_tertiary",
})
# Series gapped in the same cells: part <= whole relations (and income means) then survive the
# warehouse's linear interpolation (the interpolated part is the mean of two parts <= wholes).
GAP_TOGETHER = (
    ("patent_applications", "patents_granted"),
    ("so2_emissions", "industrial_so2"),
    ("industrial_solid_waste_generated", "industrial_solid_waste_utilised"),
    ("urban_disposable_income", "rural_disposable_income", "disposable_income",
     "urban_consumption", "rural_consumption"),
    ("industrial_revenue", "new_product_sales", "high_tech_revenue"),
    ("rd_expenditure", "industrial_rd_expenditure"),
    ("rd_personnel_fte", "industrial_rd_personnel_fte"),
    ("internet_ports", "internet_users"),
    ("students_enrolled", "graduate_students"),
)
# part <= factor * whole, guaranteed by construction and kept when choosing gaps.
PART_OF = (
    ("patents_granted", "patent_applications", 1), ("invention_patent_applications",
                                                    "patent_applications", 1),
    ("industrial_so2", "so2_emissions", 1),
    ("industrial_solid_waste_utilised", "industrial_solid_waste_generated", 1),
    ("rural_disposable_income", "disposable_income", 1),
    ("disposable_income", "urban_disposable_income", 1),
    ("rural_consumption", "rural_disposable_income", 1),
    ("urban_consumption", "urban_disposable_income", 1),
    ("va_industry", "va_secondary", 1), ("financial_va", "va_tertiary", 1),
    ("emerging_industry_va", "gdp", 1), ("retail_sales", "gdp", 1),
    ("new_product_sales", "industrial_revenue", 1), ("high_tech_revenue", "industrial_revenue", 1),
    ("industrial_rd_expenditure", "rd_expenditure", 1e4),
    ("industrial_rd_personnel_fte", "rd_personnel_fte", 1),
    ("education_expenditure", "budget_expenditure", 1),
    ("environmental_expenditure", "budget_expenditure", 1),
    ("internet_users", "internet_ports", 1),
    ("internet_employment", "employment_urban_units", 1),
    ("emerging_industry_employees", "employment", 1),
    ("graduate_students", "students_enrolled", 1e4),
)
# Series whose values may be zero or negative (growth rates); every other value must be > 0.
SIGNED_SERIES = frozenset({"fai_funds_growth"})
# Units whose values are counts (integers in the yearbooks).
INTEGER_UNITS = frozenset({"人", "件", "个", "户", "人年", "公里", "吨/日", "万元"})

# ---------------------------------------------------------------------------------------------
# Published national figures (NBS, China Statistical Yearbook), used as anchors.
# ---------------------------------------------------------------------------------------------

# Year-end population, 万人 (China Statistical Yearbook 2023/2024, table 2-1; 2011–2019 as revised
# after the 7th census).
NATIONAL_POPULATION = {
    2000: 126743, 2001: 127627, 2002: 128453, 2003: 129227, 2004: 129988, 2005: 130756,
    2006: 131448, 2007: 132129, 2008: 132802, 2009: 133450, 2010: 134091, 2011: 134916,
    2012: 135922, 2013: 136726, 2014: 137646, 2015: 138326, 2016: 139232, 2017: 140011,
    2018: 140541, 2019: 141008, 2020: 141212, 2021: 141260, 2022: 141175, 2023: 140967,
}
# Real GDP growth, % (NBS, national accounts, latest revision, rounded).
NATIONAL_REAL_GROWTH = {
    2000: 8.5, 2001: 8.3, 2002: 9.1, 2003: 10.0, 2004: 10.1, 2005: 11.4, 2006: 12.7, 2007: 14.2,
    2008: 9.7, 2009: 9.4, 2010: 10.6, 2011: 9.6, 2012: 7.9, 2013: 7.8, 2014: 7.4, 2015: 7.0,
    2016: 6.8, 2017: 6.9, 2018: 6.7, 2019: 6.0, 2020: 2.2, 2021: 8.4, 2022: 3.0, 2023: 5.2,
}
# GDP deflator change, % (implied by NBS nominal and real national GDP, rounded).
GDP_DEFLATOR = {
    2000: 2.1, 2001: 2.1, 2002: 0.6, 2003: 2.6, 2004: 6.9, 2005: 3.9, 2006: 3.9, 2007: 7.7,
    2008: 7.8, 2009: -0.2, 2010: 6.9, 2011: 8.1, 2012: 2.4, 2013: 2.2, 2014: 0.8, 2015: 0.1,
    2016: 1.2, 2017: 4.2, 2018: 3.5, 2019: 1.3, 2020: 0.5, 2021: 4.6, 2022: 1.8, 2023: -0.6,
}
# Annual average exchange rate, yuan per 100 US dollars (China Statistical Yearbook, foreign trade).
CNY_PER_100_USD = {
    2000: 827.84, 2001: 827.70, 2002: 827.70, 2003: 827.70, 2004: 827.68, 2005: 819.17,
    2006: 797.18, 2007: 760.40, 2008: 694.51, 2009: 683.10, 2010: 676.95, 2011: 645.88,
    2012: 631.25, 2013: 619.32, 2014: 614.28, 2015: 622.84, 2016: 664.23, 2017: 675.18,
    2018: 661.74, 2019: 689.85, 2020: 689.76, 2021: 645.15, 2022: 672.61, 2023: 704.67,
}
# Used only when a real series is absent from the input altogether (e.g. a file was not loaded):
# series -> (anchor, national ratio of the series to the anchor, knots).
FALLBACK_RATIOS = {
    "budget_expenditure": ("gdp", {2000: 0.103, 2005: 0.135, 2010: 0.18, 2015: 0.22,
                                   2020: 0.21, 2023: 0.19}),
    "tax_revenue": ("gdp", {2000: 0.057, 2005: 0.08, 2010: 0.08, 2015: 0.092, 2020: 0.073,
                            2023: 0.07}),
    "fixed_asset_investment": ("gdp", {2000: 0.33, 2005: 0.48, 2010: 0.68, 2015: 0.81,
                                       2017: 0.77, 2023: 0.60}),
    "trade_usd": ("gdp", {2000: 471, 2005: 757, 2010: 724, 2015: 578, 2020: 464, 2023: 468}),
    "invention_patent_applications": ("gdp", {2000: 0.27, 2005: 0.51, 2010: 0.70, 2015: 1.4,
                                              2020: 1.3, 2023: 1.3}),
    "employment": ("population", {2000: 0.569, 2010: 0.568, 2020: 0.532, 2023: 0.525}),
    "employment_urban_units": ("employment", {2000: 0.161, 2008: 0.163, 2015: 0.23,
                                              2020: 0.227, 2023: 0.22}),
    "employment_private": ("employment", {2000: 0.104, 2005: 0.144, 2010: 0.216, 2015: 0.37,
                                          2019: 0.54, 2023: 0.56}),
    "public_professional_staff": ("population", {2000: 140, 2010: 145, 2017: 150, 2023: 150}),
}
# Share of population aged 65+, % (census / sample surveys), for back-casting the 65+ sample.
NATIONAL_OLD_SHARE = {2000: 7.0, 2005: 7.7, 2010: 8.9, 2015: 10.5, 2020: 13.5, 2023: 15.4}
# Share of population aged 0–14, % (same sources), for the dependency ratio.
NATIONAL_CHILD_SHARE = {2000: 22.9, 2005: 20.3, 2010: 16.6, 2015: 16.5, 2020: 17.95, 2023: 16.3}
# Fixed-asset investment price index, previous year = 100 (NBS; discontinued after 2019, the
# 2020–2023 values are synthetic continuations in line with the PPI).
NATIONAL_FAI_PRICE = {
    2000: 101.1, 2001: 100.4, 2002: 100.2, 2003: 102.2, 2004: 105.6, 2005: 101.6, 2006: 101.5,
    2007: 103.9, 2008: 108.9, 2009: 97.6, 2010: 103.6, 2011: 106.6, 2012: 101.1, 2013: 100.3,
    2014: 100.5, 2015: 98.2, 2016: 99.4, 2017: 105.8, 2018: 105.4, 2019: 102.6, 2020: 100.2,
    2021: 104.5, 2022: 103.0, 2023: 98.6,
}
# Forest coverage by region, %, 9th national forest inventory (2014–2018), approximately; the
# national figure per inventory period sets the (stepwise) history.
FOREST_COVERAGE_2018 = {
    11: 43.8, 12: 12.1, 13: 26.8, 14: 20.5, 15: 22.1, 21: 39.2, 22: 41.5, 23: 43.8, 31: 14.0,
    32: 15.2, 33: 59.4, 34: 28.7, 35: 66.8, 36: 61.2, 37: 17.5, 41: 24.1, 42: 39.6, 43: 49.7,
    44: 53.5, 45: 60.2, 46: 57.4, 50: 43.1, 51: 38.0, 52: 43.8, 53: 55.0, 54: 12.1, 61: 43.1,
    62: 11.3, 63: 5.8, 64: 12.6, 65: 4.9,
}
# National forest coverage used in the yearbooks of each period (5th … 9th inventory).
NATIONAL_FOREST_STEPS = {2000: 16.55, 2005: 18.21, 2010: 20.36, 2015: 21.63, 2020: 22.96}

# ---------------------------------------------------------------------------------------------
# Region-specific tilts (log or logit shifts) where the real factors do not explain a well-known
# regional pattern. Codes: 11 Beijing 12 Tianjin 13 Hebei 14 Shanxi 15 Inner Mongolia 21 Liaoning
# 22 Jilin 23 Heilongjiang 31 Shanghai 32 Jiangsu 33 Zhejiang 34 Anhui 35 Fujian 36 Jiangxi
# 37 Shandong 41 Henan 42 Hubei 43 Hunan 44 Guangdong 45 Guangxi 46 Hainan 50 Chongqing
# 51 Sichuan 52 Guizhou 53 Yunnan 54 Tibet 61 Shaanxi 62 Gansu 63 Qinghai 64 Ningxia 65 Xinjiang.
# ---------------------------------------------------------------------------------------------
REGION_TILTS: dict[str, dict[int, float]] = {
    # agriculture-heavy or city-state (primary-sector share)
    "agri": {11: -2.2, 31: -2.3, 12: -0.9, 44: -0.3, 33: -0.3, 23: 0.8, 46: 0.9, 65: 0.5,
             45: 0.5, 22: 0.3, 53: 0.3, 51: 0.2},
    # construction-heavy secondary sector (industry share of secondary, logit)
    "construction": {54: -2.0, 46: -0.6, 63: -0.4, 11: -0.3, 50: -0.2},
    # coal- and energy-intensive economies
    "energy": {14: 0.8, 15: 0.8, 64: 1.1, 65: 0.7, 63: 0.7, 52: 0.4, 13: 0.4, 62: 0.4, 21: 0.2,
               11: -0.4, 44: -0.3, 54: -0.6, 46: -0.2},
    # high-sulphur coal and heavy industry (SO2 per unit of energy)
    "sulphur": {13: 0.2, 14: 0.3, 15: 0.3, 52: 0.6, 50: 0.3, 64: 0.3, 11: -0.6,
                31: -0.3, 46: -0.5, 54: -0.8},
    # wind and solar resources
    "wind_solar": {15: 1.6, 65: 1.3, 62: 1.0, 64: 1.0, 63: 1.1, 13: 0.8, 14: 0.5, 22: 0.5,
                   23: 0.4, 21: 0.4, 37: 0.4, 53: 0.3, 11: -1.2, 31: -1.0, 50: -1.2, 42: -0.4,
                   43: -0.4, 51: -0.5, 54: -0.3},
    # R&D intensity beyond what patenting explains (Shaanxi's research institutes, Tibet)
    "rd": {54: -0.7, 61: 0.5, 15: 0.3, 65: 0.2},
    # wages: capitals and plateau allowances
    "wage": {11: 0.25, 31: 0.25, 54: 0.45, 63: 0.1, 12: 0.05},
    # household income level
    "income": {11: 0.12, 31: 0.15, 33: 0.12, 54: -0.1},
    # urban/rural income ratio
    "income_gap": {54: 0.15, 62: 0.15, 52: 0.15, 53: 0.1, 12: -0.2, 23: -0.2, 33: -0.15,
                   22: -0.15},
    # deposits per unit of GDP (headquarters of banks and firms)
    "deposits": {11: 0.7, 31: 0.3},
    # loan-to-deposit ratio
    "ldr": {11: -0.4, 31: -0.1, 63: 0.3, 64: 0.25, 35: 0.15, 33: 0.1},
    # financial-sector share of the tertiary sector
    "finance": {11: 0.3, 31: 0.3},
    # local government debt per unit of GDP
    "debt": {52: 0.5, 63: 0.4, 12: 0.3, 53: 0.2, 62: 0.2, 15: 0.1, 37: -0.2, 44: -0.4},
    # schooling (years; bachelor share uses it too)
    "schooling": {11: 0.12, 31: 0.06, 12: 0.04, 54: -0.35, 52: -0.08, 53: -0.06, 63: -0.08,
                  62: -0.05},
    # children's share of the population (logit)
    "children": {23: -0.5, 22: -0.45, 21: -0.4, 31: -0.3, 11: -0.2, 52: 0.15, 45: 0.2,
                 54: 0.3, 65: 0.25, 63: 0.2, 64: 0.2},
}


# ---------------------------------------------------------------------------------------------
# Rules for the fully synthetic series (the generic part).
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """How one synthetic series is made.

    kind:
      total  national total (knots) allocated over regions ∝ anchor · exp(pattern)
      ratio  anchor · ratio, the pattern rescaled so Σ value / Σ anchor = the national ratio
      share  anchor · logistic(logit(national share) + pattern)   (share in (0, 1))
      pct    100 · logistic(logit(national % / 100) + pattern)    (a % in (0, 100))
      level  national level · exp(pattern)                        (per-capita values, indices)
    pattern = Σ loadings[f] · factor f + tilt_scale · REGION_TILTS[tilt] + region effect
              (N(0, region_sd), fixed per region) + AR(1) noise (sd noise_sd)
    """

    kind: str
    national: dict[int, float]
    anchor: dict[str, float] = field(default_factory=dict)  # series -> exponent
    loadings: dict[str, float] = field(default_factory=dict)
    tilt: str | None = None
    tilt_scale: float = 1.0
    region_sd: float = 0.1
    noise_sd: float = 0.03
    first_year: int | None = None
    cap: float | None = None  # upper bound of the share (share kind)
    floor: float | None = None  # lower bound of the value (counts that must stay >= 1)


def _total(anchor, national, **kw) -> Rule:
    return Rule("total", national, _as_anchor(anchor), **kw)


def _ratio(anchor, national, **kw) -> Rule:
    return Rule("ratio", national, _as_anchor(anchor), **kw)


def _share(anchor, national, **kw) -> Rule:
    return Rule("share", national, _as_anchor(anchor), **kw)


def _pct(national, **kw) -> Rule:
    return Rule("pct", national, **kw)


def _level(national, **kw) -> Rule:
    return Rule("level", national, **kw)


def _as_anchor(anchor) -> dict[str, float]:
    return {anchor: 1.0} if isinstance(anchor, str) else dict(anchor)


# National knots are approximate published levels (yearbooks of the series' source); values
# between knots are log-linearly interpolated, two adjacent knots make a break.
RULES: dict[str, Rule] = {
    # --- output structure -------------------------------------------------------------------
    "va_industry": _share("va_secondary", {2000: 0.88, 2010: 0.87, 2020: 0.83, 2023: 0.80},
                          tilt="construction", region_sd=0.25, noise_sd=0.03, cap=0.97),
    "financial_va": _share("va_tertiary", {2000: 0.13, 2005: 0.10, 2010: 0.14, 2015: 0.17,
                                           2020: 0.15, 2023: 0.145},
                           loadings={"dev": 0.3}, tilt="finance", region_sd=0.15),
    "emerging_industry_va": _share("gdp", {2010: 0.04, 2015: 0.08, 2020: 0.117, 2023: 0.13},
                                   loadings={"innov": 0.3, "dev": 0.2}, region_sd=0.2,
                                   first_year=2010),
    "industrial_revenue": _ratio("va_industry", {2000: 2.1, 2005: 3.2, 2010: 4.2, 2015: 4.7,
                                                 2020: 3.5, 2023: 3.35},
                                 loadings={"ind": 0.1}, region_sd=0.15),
    "new_product_sales": _share("industrial_revenue", {2000: 0.09, 2005: 0.10, 2010: 0.104,
                                                       2015: 0.131, 2020: 0.19, 2023: 0.20},
                                loadings={"innov": 0.35}, region_sd=0.25, cap=0.6),
    "high_tech_revenue": _total("va_industry", {2000: 10050, 2005: 33922, 2010: 74483,
                                                2015: 139969, 2020: 174613, 2023: 199000},
                                loadings={"innov": 0.6}, region_sd=0.4, noise_sd=0.05),
    "retail_sales": _ratio("gdp", {2000: 0.39, 2005: 0.36, 2010: 0.38, 2015: 0.43, 2020: 0.39,
                                   2023: 0.37}, loadings={"dev": -0.1}, region_sd=0.12),
    # --- labour ----------------------------------------------------------------------------
    "avg_wage": _level({2000: 9333, 2005: 18200, 2010: 36539, 2015: 62029, 2020: 97379,
                        2023: 120698}, loadings={"dev": 0.55}, tilt="wage", region_sd=0.06,
                       noise_sd=0.015),
    "internet_employment": _share("employment_urban_units",
                                  {2000: 0.008, 2005: 0.011, 2010: 0.014, 2015: 0.019,
                                   2020: 0.029, 2023: 0.032},
                                  loadings={"innov": 0.45, "dev": 0.4}, region_sd=0.2),
    "emerging_industry_employees": _share("employment", {2010: 0.02, 2015: 0.035, 2020: 0.05,
                                                         2023: 0.055},
                                          loadings={"innov": 0.3, "dev": 0.3}, region_sd=0.2,
                                          first_year=2010),
    "bachelor_share_employed": _pct({2000: 1.2, 2005: 1.9, 2010: 3.7, 2015: 7.0, 2020: 11.0,
                                     2023: 13.0}, loadings={"dev": 1.1}, tilt="schooling",
                                    tilt_scale=3.0, region_sd=0.15, noise_sd=0.04),
    # Paper B's text: 0.18 % of the employed held a postgraduate degree in 2003, 1.31 % in 2023
    "postgraduate_share_employed": _pct({2000: 0.12, 2003: 0.18, 2010: 0.42, 2015: 0.68, 2020: 1.05,
                                         2023: 1.31}, loadings={"dev": 1.4, "innov": 0.4},
                                        tilt="schooling", tilt_scale=4.0, region_sd=0.2, noise_sd=0.05),
    # --- public finance ----------------------------------------------------------------------
    "education_expenditure": _share("budget_expenditure",
                                    {2000: 0.15, 2007: 0.143, 2010: 0.14, 2012: 0.169,
                                     2015: 0.149, 2020: 0.148, 2023: 0.153},
                                    loadings={"dev": -0.05}, region_sd=0.12),
    # 节能环保 is a budget function only since the 2007 classification reform
    "environmental_expenditure": _share("budget_expenditure",
                                        {2007: 0.02, 2010: 0.027, 2015: 0.030, 2020: 0.026,
                                         2023: 0.023}, region_sd=0.3, noise_sd=0.08,
                                        first_year=2007),
    # balances are published from the 2010 audit on
    "local_government_debt": _ratio("gdp", {2010: 0.16, 2014: 0.24, 2015: 0.23, 2018: 0.20,
                                            2020: 0.25, 2023: 0.32},
                                    loadings={"dev": -0.3}, tilt="debt", region_sd=0.2,
                                    first_year=2010),
    # --- investment and trade -----------------------------------------------------------------
    "fdi": _total("gdp", {2000: 3370, 2005: 4940, 2010: 7160, 2015: 7870, 2020: 9960,
                          2023: 11340}, loadings={"open": 0.6}, region_sd=0.4, noise_sd=0.08),
    # --- education ---------------------------------------------------------------------------
    "avg_years_schooling": _level({2000: 7.85, 2005: 8.2, 2010: 8.9, 2015: 9.3, 2020: 9.9,
                                   2023: 10.2}, loadings={"dev": 0.15}, tilt="schooling",
                                  region_sd=0.03, noise_sd=0.008),
    "students_enrolled": _ratio("population", {2000: 0.19, 2010: 0.18, 2020: 0.20, 2023: 0.205},
                                loadings={"dev": -0.1}, region_sd=0.08, noise_sd=0.02),
    "graduate_students": _total("population", {2000: 301239, 2005: 978610, 2010: 1538416,
                                               2015: 1911406, 2020: 3139598, 2023: 3882900},
                                loadings={"innov": 1.0, "dev": 0.6}, region_sd=0.3,
                                noise_sd=0.02),
    # --- innovation --------------------------------------------------------------------------
    "rd_expenditure": _ratio("gdp", {2000: 0.0089, 2005: 0.0131, 2010: 0.0171, 2015: 0.0206,
                                     2020: 0.0240, 2023: 0.0265},
                             loadings={"innov": 0.8}, tilt="rd", region_sd=0.12),
    "rd_personnel_fte": _total("rd_expenditure", {2000: 922000, 2005: 1365000, 2010: 2553829,
                                                  2015: 3758848, 2020: 5234508, 2023: 6900000},
                               loadings={"dev": -0.3}, region_sd=0.15, noise_sd=0.03),
    "technology_market_turnover": _total("gdp", {2000: 651, 2005: 1551, 2010: 3907, 2015: 9835,
                                                 2020: 28252, 2023: 61476},
                                         loadings={"innov": 1.3}, region_sd=0.5,
                                         noise_sd=0.15),
    "tech_introduction_expenditure": _total("va_industry",
                                            {2000: 2630000, 2005: 3660000, 2010: 5520000,
                                             2015: 5110000, 2020: 5500000, 2023: 5000000},
                                            loadings={"innov": 0.6, "dev": 0.3}, region_sd=0.6,
                                            noise_sd=0.25),
    "technical_renovation_expenditure": _total("va_industry",
                                               {2000: 15000000, 2005: 28840000, 2010: 41860000,
                                                2015: 31550000, 2020: 28000000,
                                                2023: 30000000}, region_sd=0.4, noise_sd=0.15),
    "sci_papers": _total("population", {2000: 180848, 2005: 355070, 2010: 530635,
                                        2015: 493530, 2020: 450000, 2023: 440000},
                         loadings={"innov": 1.2, "dev": 0.3}, region_sd=0.3, noise_sd=0.04),
    # NBS informatisation development index, published from the 2010s
    "informatisation_index": _level({2010: 62, 2015: 72, 2020: 85, 2023: 90},
                                    loadings={"dev": 0.2, "innov": 0.05}, region_sd=0.05,
                                    noise_sd=0.02, first_year=2010),
    # --- enterprises -------------------------------------------------------------------------
    # 2014: registered-capital reform; new registrations jump
    "new_enterprises": _total("gdp", {2000: 300000, 2005: 500000, 2010: 950000, 2013: 2500000,
                                      2014: 3650000, 2015: 4440000, 2020: 8040000,
                                      2023: 10030000},
                              loadings={"dev": 0.3}, region_sd=0.25, noise_sd=0.05),
    # 2011: threshold of 'above designated size' raised from 5 to 20 million yuan revenue
    "industrial_enterprises": _total("va_industry", {2000: 162885, 2005: 271835, 2010: 452872,
                                                     2011: 325609, 2015: 383148, 2020: 399375,
                                                     2023: 482192},
                                     loadings={"dev": -0.2}, region_sd=0.3, noise_sd=0.02),
    # AI firms exist before 2015 but are few (the papers count them from enterprise registries)
    "ai_enterprises": _total("gdp", {2000: 50, 2005: 120, 2010: 400, 2015: 1500, 2020: 6000,
                                     2023: 8000}, loadings={"innov": 1.3}, region_sd=0.4,
                             noise_sd=0.1, floor=1),
    "new_materials_enterprises": _total("va_industry", {2010: 3000, 2015: 6000, 2020: 12000,
                                                        2023: 15000},
                                        loadings={"innov": 0.5}, region_sd=0.4, noise_sd=0.06,
                                        first_year=2010, floor=1),
    # NBS e-commerce survey of enterprises starts in 2013
    "ecommerce_enterprises": _total("gdp", {2013: 45000, 2015: 80000, 2020: 115000,
                                            2023: 130000},
                                    loadings={"dev": 0.5, "innov": 0.3}, region_sd=0.3,
                                    noise_sd=0.05, first_year=2013, floor=1),
    # --- environment -------------------------------------------------------------------------
    "industrial_pollution_investment": _total("va_industry",
                                              {2000: 2347000, 2005: 4582000, 2010: 3970000,
                                               2015: 7737000, 2020: 4543000, 2023: 3200000},
                                              loadings={"ind": 0.3}, tilt="energy",
                                              tilt_scale=0.5, region_sd=0.5, noise_sd=0.3),
    "energy_consumption": _total("gdp", {2000: 146964, 2005: 261369, 2010: 360648,
                                         2015: 434113, 2020: 498314, 2023: 572000},
                                 loadings={"dev": -0.5, "ind": 0.5}, tilt="energy",
                                 region_sd=0.12, noise_sd=0.03),
    "new_energy_generation": _total({"land_area": 0.5, "gdp": 0.5},
                                    {2000: 6, 2005: 16, 2010: 500, 2015: 2252, 2020: 7270,
                                     2023: 14725}, tilt="wind_solar", region_sd=0.4,
                                    noise_sd=0.12),
    # 2016: new statistical scope of the environmental statistics (national total halves)
    "so2_emissions": _total("energy_consumption", {2000: 1995, 2005: 2549, 2010: 2185,
                                                   2015: 1859, 2016: 855, 2020: 318,
                                                   2023: 255},
                            loadings={"dev": -0.3}, tilt="sulphur", region_sd=0.2,
                            noise_sd=0.05),
    "industrial_wastewater": _total("va_industry", {2000: 1942000, 2005: 2431000,
                                                    2010: 2375000, 2015: 1995000,
                                                    2016: 1456000, 2020: 1000000,
                                                    2023: 900000},
                                    loadings={"dev": -0.3}, region_sd=0.35, noise_sd=0.05),
    "industrial_water_use": _total("va_industry", {2000: 1139, 2005: 1285, 2010: 1447,
                                                   2015: 1335, 2020: 1030, 2023: 970},
                                   loadings={"dev": -0.4}, region_sd=0.3, noise_sd=0.04),
    "industrial_solid_waste_generated": _total("va_industry",
                                               {2000: 81608, 2005: 134449, 2010: 240944,
                                                2015: 327079, 2020: 367546, 2023: 428000},
                                               loadings={"ind": 0.6}, tilt="energy",
                                               region_sd=0.3, noise_sd=0.06),
    "garbage_harmless_capacity": _total("urban_population",
                                        {2000: 210175, 2005: 256312, 2010: 387607,
                                         2015: 757999, 2020: 963460, 2023: 1141000},
                                        loadings={"dev": 0.3}, region_sd=0.2, noise_sd=0.06),
    "garbage_harmless_rate": _pct({2000: 58.2, 2005: 51.7, 2010: 77.9, 2015: 94.1, 2020: 99.7,
                                   2023: 99.9}, loadings={"dev": 0.6}, region_sd=0.3,
                                  noise_sd=0.15),
    # --- infrastructure and digital -----------------------------------------------------------
    # 2006: village roads enter the highway statistics
    "highway_mileage": _total({"land_area": 0.5, "population": 0.5},
                              {2000: 1402698, 2005: 1930543, 2006: 3456999, 2010: 4008229,
                               2015: 4577296, 2020: 5198120, 2023: 5436800},
                              region_sd=0.2, noise_sd=0.01),
    "railway_mileage": _total({"land_area": 0.5, "gdp": 0.3, "population": 0.2},
                              {2000: 68700, 2005: 75400, 2010: 91200, 2015: 121000,
                               2020: 146300, 2023: 159000}, region_sd=0.25, noise_sd=0.01),
    "internet_ports": _total("population", {2000: 200, 2005: 4875, 2010: 18781, 2015: 57709,
                                            2020: 94604, 2023: 113000},
                             loadings={"dev": 0.5}, region_sd=0.15, noise_sd=0.03),
    "mobile_phone_users": _total("population", {2000: 8453, 2005: 39341, 2010: 85900,
                                                2015: 130574, 2020: 159407, 2023: 172600},
                                 loadings={"dev": 0.4}, region_sd=0.1, noise_sd=0.02),
    "telecom_business_volume": _total("population", {2000: 4793, 2005: 12028, 2010: 30955,
                                                     2015: 58000, 2020: 136763, 2023: 175000},
                                      loadings={"dev": 0.6}, region_sd=0.2, noise_sd=0.04),
    "software_revenue": _total("gdp", {2000: 593, 2005: 3900, 2010: 13589, 2015: 42848,
                                       2020: 81616, 2023: 123258},
                               loadings={"innov": 1.2}, region_sd=0.35, noise_sd=0.08),
    "optical_cable_length": _total({"population": 0.6, "land_area": 0.4},
                                   {2000: 1212000, 2005: 4072000, 2010: 9961000,
                                    2015: 24869000, 2020: 51690000, 2023: 64320000},
                                   loadings={"dev": 0.3}, region_sd=0.2, noise_sd=0.03),
    # enterprise digitalisation (text-analysis indices of listed firms start around 2011)
    "enterprise_digitalisation": _level({2011: 20, 2015: 30, 2020: 45, 2023: 55},
                                        loadings={"dev": 0.3, "innov": 0.2}, region_sd=0.1,
                                        noise_sd=0.03, first_year=2011),
    # provincial enterprise e-commerce sales are published from 2013; generated from 2010 so
    # Paper E's 2010–2022 sample is complete
    "ecommerce_sales": _total("gdp", {2010: 15000, 2013: 50000, 2015: 90000, 2020: 189000,
                                      2023: 240000},
                              loadings={"dev": 0.6, "innov": 0.6}, region_sd=0.4, noise_sd=0.08,
                              first_year=2010),
    # --- finance -----------------------------------------------------------------------------
    "deposits": _ratio("gdp", {2000: 1.24, 2005: 1.55, 2010: 1.74, 2015: 1.97, 2020: 2.10,
                               2023: 2.25}, loadings={"dev": 0.5}, tilt="deposits",
                       region_sd=0.12, noise_sd=0.03),
    # --- households --------------------------------------------------------------------------
    # 2013: unified urban-rural household survey; the Engel coefficient drops
    "engel_coefficient": _pct({2000: 42.0, 2005: 40.0, 2010: 38.0, 2012: 37.0, 2013: 31.2,
                               2015: 30.6, 2020: 30.2, 2023: 29.8},
                              loadings={"dev": -0.2}, region_sd=0.06, noise_sd=0.02),
}

# Auxiliary patterns used inside family functions (shares and ratios that are not series).
AUX_RULES: dict[str, Rule] = {
    "primary_share": _pct({2000: 14.7, 2005: 11.6, 2010: 9.3, 2015: 8.4, 2020: 7.7,
                           2023: 7.1}, loadings={"dev": -0.9}, tilt="agri", region_sd=0.2,
                          noise_sd=0.03),
    "employment_primary_share": _pct({2000: 50.0, 2005: 44.8, 2010: 36.7, 2015: 28.3,
                                      2020: 23.6, 2023: 22.8}, region_sd=0.2, noise_sd=0.04),
    "employment_secondary_share": _pct({2000: 22.5, 2005: 23.8, 2010: 28.7, 2015: 29.3,
                                        2020: 28.7, 2023: 29.1}, region_sd=0.15,
                                       noise_sd=0.04),
    "child_share": _pct(NATIONAL_CHILD_SHARE, loadings={"dev": -0.2}, tilt="children",
                        region_sd=0.12, noise_sd=0.02),
    "invention_share": _pct({2000: 18, 2005: 24, 2010: 24, 2015: 39, 2020: 27, 2023: 28},
                            loadings={"innov": 0.15}, region_sd=0.15, noise_sd=0.05),
    "grant_ratio": _pct({2000: 65, 2005: 45, 2010: 65, 2015: 60, 2020: 70, 2023: 62},
                        region_sd=0.1, noise_sd=0.05),
    "industrial_rd_share": _pct({2000: 55, 2005: 51, 2010: 58, 2015: 71, 2020: 63, 2023: 63},
                                loadings={"ind": 0.8}, region_sd=0.2, noise_sd=0.04),
    "industrial_so2_share": _pct({2000: 81, 2005: 85, 2010: 86, 2015: 84, 2020: 80, 2023: 78},
                                 loadings={"ind": 0.3}, region_sd=0.3, noise_sd=0.05),
    "solid_waste_use_ratio": _pct({2000: 46, 2005: 56, 2010: 67, 2015: 60, 2020: 55,
                                   2023: 57}, loadings={"dev": 0.8}, tilt="energy",
                                  tilt_scale=-0.5, region_sd=0.4, noise_sd=0.05),
    "broadband_take_up": _pct({2000: 50, 2005: 77, 2010: 67, 2015: 45, 2020: 51, 2023: 56},
                              region_sd=0.1, noise_sd=0.03),
    "loan_deposit_ratio": _level({2000: 0.80, 2005: 0.68, 2010: 0.67, 2015: 0.69, 2020: 0.81,
                                  2023: 0.83}, loadings={"dev": -0.15}, tilt="ldr",
                                 region_sd=0.12, noise_sd=0.03),
    "urban_income": _level({2000: 6280, 2005: 10493, 2010: 19109, 2015: 31195, 2020: 43834,
                            2023: 51821}, loadings={"dev": 0.35}, tilt="income",
                           region_sd=0.05, noise_sd=0.01),
    "urban_rural_ratio": _level({2000: 2.79, 2005: 3.22, 2010: 3.23, 2015: 2.73, 2020: 2.56,
                                 2023: 2.39}, loadings={"dev": -0.2}, tilt="income_gap",
                                region_sd=0.06, noise_sd=0.01),
    "urban_propensity": _pct({2000: 80, 2005: 76, 2010: 70, 2015: 69, 2020: 62, 2023: 65},
                             region_sd=0.15, noise_sd=0.04),
    "rural_propensity": _pct({2000: 74, 2005: 80, 2010: 74, 2015: 86, 2020: 81, 2023: 84},
                             region_sd=0.2, noise_sd=0.05),
}

# Series that start after 2000 (a region's series has no value, real or synthetic, before).
FIRST_YEAR: dict[str, int] = {
    **{s: r.first_year for s, r in RULES.items() if r.first_year},
    "digital_finance_index": 2011,  # Peking University index covers 2011 onwards
}


def series_first_year(series: str, default: int = DEFAULT_YEARS.start) -> int:
    """First year a series has values (documented late starts, else the window's start)."""
    return max(FIRST_YEAR.get(series, default), default)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------
def load_catalogue(path: Path | str | None = None) -> pd.DataFrame:
    """The series catalogue (seeds/reference/series_catalogue.csv)."""
    return pd.read_csv(path or CATALOGUE_PATH, encoding="utf-8", keep_default_na=False,
                       na_values=[""])


def demo_fill_series(catalogue: pd.DataFrame) -> set[str]:
    """Catalogue series marked demo_fill = true: the only ones the generator may write.

    A blank cell counts as false, so a series a researcher appends without the column is real-only.
    """
    if "demo_fill" not in catalogue.columns:
        raise DataError("the series catalogue has no demo_fill column (true = the generator may "
                        "fill cells no real source has)", file=CATALOGUE_FILE)
    flags = catalogue["demo_fill"].map(_as_flag)
    bad = catalogue[flags.isna() & catalogue["demo_fill"].notna()]
    if len(bad):
        row = bad.iloc[0]
        raise DataError("demo_fill must be true or false", file=CATALOGUE_FILE,
                        series=row["series_code"], value=row["demo_fill"])
    return set(catalogue.loc[flags.fillna(False).astype(bool), "series_code"])


def _as_flag(value) -> bool | None:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if pd.isna(value):
        return None
    return {"true": True, "false": False}.get(str(value).strip().lower())


def generate_synthetic(real: pd.DataFrame, regions: pd.DataFrame, years=DEFAULT_YEARS,
                       seed: int = DEFAULT_SEED, catalogue: pd.DataFrame | None = None
                       ) -> pd.DataFrame:
    """Observation records for every demo-fill series × region × year the real data lacks.

    real: every real observation (region_code, year, series, value …); rows with a missing value
      do not count as covered. regions: seeds/reference/regions.csv (region_code, land_area_km2).
    Only catalogue series with demo_fill = true are written. The generator still computes its other
    series internally (some rules anchor on them; their real values are used where present) but
    never writes them: a series with demo_fill = false, a catalogue series without a rule (real-only,
    e.g. a researcher's own indicator) and a rule for a series the catalogue lacks all produce no row.
    Returns OUTPUT_COLUMNS, provenance 'synthetic', sorted by series, region, year; interior gaps
    (about 1 %) are absent rows (missing_cells lists them).
    Raises DataError when the real input cannot anchor the generator (a region without GDP, no
    complete sample-survey year, duplicate or non-positive real values, unknown regions) or when
    the catalogue marks a series demo_fill that has no generator rule.
    """
    catalogue = load_catalogue() if catalogue is None else catalogue
    fill = demo_fill_series(catalogue)
    panel = _Panel(real, regions, years, seed)
    for family in FAMILIES:
        family(panel)
    _check_complete(panel, fill)
    # series with real values keep complete fills (the gaps imitate yearbook holes in made-up series)
    _punch_interior_gaps(panel, no_gaps=NO_GAP_SERIES | set(panel.real))
    return _records(panel, catalogue, fill)


def missing_cells(observations: pd.DataFrame, regions: pd.DataFrame, years=DEFAULT_YEARS,
                  series=None) -> pd.DataFrame:
    """Cells (region_code, year, series) with no observation, from each series' first year on."""
    years = list(years)
    series = sorted(series if series is not None else observations["series"].unique())
    codes = sorted(int(c) for c in regions["region_code"])
    full = pd.DataFrame(
        [(c, y, s) for s in series for c in codes for y in years
         if y >= series_first_year(s, years[0])],
        columns=["region_code", "year", "series"])
    have = observations.loc[observations["value"].notna(), ["region_code", "year", "series"]]
    have = have.astype({"region_code": "int64", "year": "int64"}).drop_duplicates()
    merged = full.merge(have, how="left", indicator=True)
    return merged.loc[merged["_merge"] == "left_only", ["region_code", "year", "series"]] \
        .reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# The panel: completed values (real + generated) as region × year arrays
# ---------------------------------------------------------------------------------------------
class _Panel:
    def __init__(self, real: pd.DataFrame, regions: pd.DataFrame, years, seed: int):
        self.years = np.array(sorted(int(y) for y in years))
        unknown_years = sorted(set(self.years) - set(NATIONAL_POPULATION))
        if len(self.years) == 0 or unknown_years:
            raise ValueError(f"years must lie within 2000–2023 (published national tables); "
                             f"got {unknown_years or 'none'}")
        self.codes = np.array(sorted(int(c) for c in regions["region_code"]))
        self.seed = int(seed)
        self.land_area = _region_column(regions, self.codes, "land_area_km2")
        self.real = self._pivot_real(real)
        self.values: dict[str, np.ndarray] = {}
        self.generator: dict[str, np.ndarray] = {}
        self.factors: dict[str, np.ndarray] = {}

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.codes), len(self.years)

    def _pivot_real(self, real: pd.DataFrame) -> dict[str, np.ndarray]:
        lineage = [c for c in ("source_file", "source_row") if c in real.columns]
        obs = real.loc[real["value"].notna(), ["region_code", "year", "series", "value", *lineage]]
        bad = obs[~obs["region_code"].astype(int).isin(self.codes)]
        if len(bad):
            first = bad.iloc[0]
            raise DataError("real observation for a region code not in regions",
                            series=first["series"], region=first["region_code"],
                            year=first["year"], value=first["value"], **_lineage(first))
        obs = obs[obs["year"].astype(int).isin(self.years)]
        dup = obs.duplicated(["region_code", "year", "series"], keep=False)
        if dup.any():
            first = obs[dup].iloc[0]
            raise DataError("real observations are not unique per region-year-series",
                            series=first["series"], region=first["region_code"],
                            year=first["year"], value=first["value"], **_lineage(first))
        # the generator works on logs and ratios of real levels: they must be positive
        signed = obs["series"].isin(SIGNED_SERIES)
        bad = obs[~signed & (obs["value"].astype(float) <= 0)]
        if len(bad):
            first = bad.iloc[0]
            raise DataError("real value must be positive (the generator anchors on it)",
                            series=first["series"], region=first["region_code"],
                            year=first["year"], value=first["value"], **_lineage(first))
        out = {}
        r_index = {c: i for i, c in enumerate(self.codes)}
        t_index = {y: j for j, y in enumerate(self.years)}
        for series, grp in obs.groupby("series", sort=True):
            arr = np.full(self.shape, np.nan)
            arr[grp["region_code"].astype(int).map(r_index).to_numpy(),
                grp["year"].astype(int).map(t_index).to_numpy()] = grp["value"].astype(float)
            out[str(series)] = arr
        return out

    def real_of(self, series: str) -> np.ndarray:
        return self.real.get(series, np.full(self.shape, np.nan)).copy()

    def get(self, name: str) -> np.ndarray:
        if name == "land_area":
            return np.repeat(self.land_area[:, None], len(self.years), axis=1)
        return self.values[name]

    def rng(self, series: str, purpose: str = "") -> np.random.Generator:
        key = zlib.crc32(f"{series}/{purpose}".encode())
        return np.random.default_rng(np.random.SeedSequence([self.seed, key]))

    def year_mask(self, series: str) -> np.ndarray:
        return np.broadcast_to(self.years >= series_first_year(series, int(self.years[0])),
                               self.shape)

    def put(self, series: str, candidate: np.ndarray, generator) -> np.ndarray:
        """Keep real values, take the candidate elsewhere (from the series' first year on)."""
        real = self.real_of(series)
        have_real = ~np.isnan(real)
        gen_names = np.broadcast_to(np.asarray(generator, dtype=object), self.shape)
        take = ~have_real & self.year_mask(series) & ~np.isnan(candidate)
        values = np.where(have_real, real, np.where(take, candidate, np.nan))
        self.values[series] = values
        self.generator[series] = np.where(take, gen_names, None)
        return values

    def nat(self, knots: dict[int, float], log: bool = True) -> np.ndarray:
        """National path over the panel's years from knots (row vector, shape (1, T))."""
        return _path(knots, self.years, log=log)[None, :]


def _region_column(regions: pd.DataFrame, codes: np.ndarray, column: str) -> np.ndarray:
    if column not in regions.columns:
        raise ValueError(f"regions needs a {column} column")
    values = regions.set_index(regions["region_code"].astype(int))[column].astype(float)
    out = values.reindex(codes).to_numpy()
    if np.isnan(out).any() or (out <= 0).any():
        raise ValueError(f"regions.{column} must be positive for every region")
    return out


# ---------------------------------------------------------------------------------------------
# Small numeric helpers
# ---------------------------------------------------------------------------------------------
def _path(knots: dict[int, float], years: np.ndarray, log: bool = True) -> np.ndarray:
    xs = np.array(sorted(knots), dtype=float)
    ys = np.array([knots[int(x)] for x in xs], dtype=float)
    if log:
        return np.exp(np.interp(years, xs, np.log(ys)))
    return np.interp(years, xs, ys)


def _logit(p):
    return np.log(p / (1 - p))


def _logistic(x):
    return 1 / (1 + np.exp(-x))


def _ar1(rng: np.random.Generator, shape, sd: float, rho: float = 0.6) -> np.ndarray:
    """Stationary AR(1) noise per region (persistence like real yearly deviations)."""
    z = rng.standard_normal(shape)
    out = np.empty(shape)
    out[:, 0] = sd * z[:, 0]
    for t in range(1, shape[1]):
        out[:, t] = rho * out[:, t - 1] + np.sqrt(1 - rho ** 2) * sd * z[:, t]
    return out


def _tilt(panel: _Panel, name: str | None) -> np.ndarray:
    table = REGION_TILTS.get(name, {}) if name else {}
    return np.array([table.get(int(c), 0.0) for c in panel.codes])[:, None]


def _pattern(panel: _Panel, name: str, rule: Rule) -> np.ndarray:
    """Log (or logit) deviation of each region-year from the national path."""
    rng = panel.rng(name, "pattern")
    region_effect = rng.normal(0.0, rule.region_sd, size=(panel.shape[0], 1))
    noise = _ar1(rng, panel.shape, rule.noise_sd)
    out = region_effect + noise + rule.tilt_scale * _tilt(panel, rule.tilt)
    for factor, loading in sorted(rule.loadings.items()):
        out = out + loading * panel.factors[factor]
    return out


def _anchor(panel: _Panel, anchor: dict[str, float]) -> np.ndarray:
    out = np.ones(panel.shape)
    for name, exponent in sorted(anchor.items()):
        out = out * panel.get(name) ** exponent
    return out


def _apply(panel: _Panel, name: str, rule: Rule) -> np.ndarray:
    """Evaluate a Rule (see its docstring); returns values for every region-year."""
    nat = panel.nat(rule.national)
    pattern = _pattern(panel, name, rule)
    if rule.kind == "total":
        weight = _anchor(panel, rule.anchor) * np.exp(pattern)
        value = nat * weight / weight.sum(axis=0, keepdims=True)
    elif rule.kind == "ratio":
        anchor = _anchor(panel, rule.anchor)
        raw = anchor * np.exp(pattern)
        value = raw * nat * anchor.sum(axis=0, keepdims=True) / raw.sum(axis=0, keepdims=True)
    elif rule.kind == "share":
        share = _logistic(_logit(nat) + pattern)
        if rule.cap is not None:
            share = np.minimum(share, rule.cap)
        value = _anchor(panel, rule.anchor) * share
    elif rule.kind == "pct":
        value = 100 * _logistic(_logit(nat / 100) + pattern)
    elif rule.kind == "level":
        value = nat * np.exp(pattern)
    else:
        raise ValueError(f"unknown rule kind {rule.kind!r} for {name}")
    if rule.floor is not None:
        value = np.maximum(value, rule.floor)
    return value


def _rule_series(panel: _Panel, *names: str) -> None:
    """Generate table-driven series (RULES) and store them."""
    for name in names:
        rule = RULES[name]
        anchor = "_".join(sorted(rule.anchor))
        label = {"total": f"national_total_by_{anchor}", "ratio": f"national_ratio_to_{anchor}",
                 "share": f"share_of_{anchor}", "pct": "national_pct_x_pattern",
                 "level": "national_level_x_pattern"}[rule.kind]
        panel.put(name, _apply(panel, name, rule), label)


def _aux(panel: _Panel, name: str) -> np.ndarray:
    return _apply(panel, name, AUX_RULES[name])


# --- completing real series --------------------------------------------------------------------
def _complete_real(panel: _Panel, series: str, *, per: str | None = None,
                   back=(0.0, 0.0), fwd=(0.0, 0.0), linear: bool = False,
                   bridge_sd: float = 0.01, edge_sd: float = 0.01, k: int = 5,
                   fallback: str | None = None, real: np.ndarray | None = None):
    """Fill what a real series leaves open inside the window.

    Works on the series itself, or on its ratio to `per` (then multiplied back). Interior holes
    are bridged; years before the first / after the last real value extend the region's trend
    over its first / last k real years, clipped to `back` / `fwd` (annual log change, or level
    change when linear). A region with no real value at all gets the median ratio of the other
    regions to `fallback` (or `per`), or their median level (fallback='median'); a series absent
    altogether gets FALLBACK_RATIOS. Returns (values, generator names).
    """
    real = panel.real_of(series) if real is None else real
    base = real / panel.get(per) if per else real.copy()
    work = base if linear else np.log(base)
    out = work.copy()
    names = np.full(panel.shape, None, dtype=object)
    rng = panel.rng(series, "complete")
    suffix = f"_ratio_to_{per}" if per else ""
    years = panel.years.astype(float)
    for i in range(panel.shape[0]):
        known = np.flatnonzero(~np.isnan(work[i]))
        steps = rng.standard_normal(len(years))  # drawn for every region: order-independent
        if known.size == 0:
            continue
        first, last = known[0], known[-1]
        # interior holes: interpolation plus a Brownian bridge
        for a, b in zip(known[:-1], known[1:]):
            if b - a > 1:
                span = np.arange(a, b + 1)
                line = np.interp(span, [a, b], [work[i, a], work[i, b]])
                walk = np.concatenate([[0.0], np.cumsum(steps[a + 1:b + 1])]) * bridge_sd
                walk -= walk[-1] * (span - a) / (b - a)
                out[i, a + 1:b] = (line + walk)[1:-1]
                names[i, a + 1:b] = "interpolated_bridge" + suffix
        # edges: the region's own trend, clipped
        head = known[:k]
        slope = _slope(years[head], work[i, head])
        slope = float(np.clip(slope, *back))
        for t in range(first - 1, -1, -1):
            out[i, t] = out[i, t + 1] - slope + edge_sd * steps[t]
            names[i, t] = "backcast_trend" + suffix
        tail = known[-k:]
        slope = _slope(years[tail], work[i, tail])
        slope = float(np.clip(slope, *fwd))
        for t in range(last + 1, len(years)):
            out[i, t] = out[i, t - 1] + slope + edge_sd * steps[t]
            names[i, t] = "forecast_trend" + suffix
    values = out if linear else np.exp(out)
    if per:
        values = values * panel.get(per)
    empty = np.isnan(real).all(axis=1)
    if empty.all():  # the series is absent from the input: national ratio to its anchor
        if series not in FALLBACK_RATIOS:
            raise DataError("real series is absent from the input and cannot be generated "
                            "without it", series=series)
        anchor_name, knots = FALLBACK_RATIOS[series]
        values = panel.get(anchor_name) * panel.nat(knots)
        names[:] = f"fallback_national_ratio_to_{anchor_name}"
    elif empty.any() and fallback == "median":  # levels: the other regions' median level
        with np.errstate(all="ignore"):
            median = np.nanmedian(real, axis=0)
        median = np.where(np.isnan(median), np.nanmedian(real), median)
        values[empty] = np.broadcast_to(median, values.shape)[empty]
        names[empty] = "fallback_median_level"
    elif empty.any():  # some regions absent: the other regions' median ratio to the anchor
        anchor_name = fallback or per
        if anchor_name is None:
            raise DataError("real series has no value for this region and no fallback",
                            series=series, region=int(panel.codes[empty][0]))
        anchor = panel.get(anchor_name)
        values[empty] = (anchor * _median_ratio(real, anchor))[empty]
        names[empty] = f"fallback_median_ratio_to_{anchor_name}"
    return values, names


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope (0 for fewer than two points)."""
    if x.size < 2:
        return 0.0
    dx = x - x.mean()
    return float((dx * (y - y.mean())).sum() / (dx * dx).sum())


def _median_ratio(real: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """Cross-region median of real / anchor per year (years without data: overall median)."""
    ratio = real / anchor
    with np.errstate(all="ignore"):
        med = np.nanmedian(np.where(np.isnan(ratio).all(axis=0), np.nanmedian(ratio), ratio),
                           axis=0)
    return med[None, :]


def _round(values: np.ndarray, unit: str) -> np.ndarray:
    """Yearbook precision; a positive value never rounds to zero (it may be a denominator)."""
    step = 1.0 if unit in INTEGER_UNITS else 0.01
    rounded = np.rint(values) if step == 1.0 else np.round(values, 2)
    return np.where((values > 0) & (rounded < step), step, rounded)


# ---------------------------------------------------------------------------------------------
# Families
# ---------------------------------------------------------------------------------------------
def _population(panel: _Panel) -> None:
    """population = region share of the real sample-survey counts × national population."""
    sample = panel.real_of("population_sample")
    complete = ~np.isnan(sample).any(axis=0)
    if not complete.any():
        raise DataError("no year with a real value for every region: population cannot be "
                        "anchored", series="population_sample")
    share = sample / sample.sum(axis=0, keepdims=True)
    years, have = panel.years, np.flatnonzero(complete)
    # years without a full survey: shares interpolated, held flat before/after the surveys
    share = np.vstack([np.interp(years, years[have], row[have]) for row in share])
    share /= share.sum(axis=0, keepdims=True)
    national = panel.nat(NATIONAL_POPULATION, log=False)
    population = panel.put("population", np.round(share * national, 2),
                           "share_of_population_sample_x_national")

    # the sample itself where it is missing: population × a typical sampling fraction (median of
    # the survey years, so the 1 % surveys of 2005/2015 do not set it)
    fraction = np.median(sample[:, have].sum(axis=0) / (national[0, have] * 1e4))
    filled = panel.put("population_sample", np.rint(population * 1e4 * fraction),
                       "population_x_sampling_fraction")

    old = panel.real_of("population_65plus_sample")
    old_share = old / filled
    national_old = panel.nat(NATIONAL_OLD_SHARE)[0] / 100
    rows = []
    for row in old_share:
        known = np.flatnonzero(~np.isnan(row))
        if known.size == 0:
            rows.append(national_old)
            continue
        inner = np.interp(years, years[known], row[known])
        # outside the surveyed years: the nearest survey's share, moved with national ageing
        ref = np.clip(np.arange(len(years)), known[0], known[-1])
        outside = ref != np.arange(len(years))
        rows.append(np.where(outside, row[ref] * national_old / national_old[ref], inner))
    panel.put("population_65plus_sample", np.rint(filled * np.vstack(rows)),
              "sample_x_old_age_share")


def _output_core(panel: _Panel) -> None:
    """GDP index, GDP (backcast through index and deflator) and the secondary share."""
    deflator = 1 + _path(GDP_DEFLATOR, panel.years, log=False) / 100
    growth = _path(NATIONAL_REAL_GROWTH, panel.years, log=False)
    gdp_real, index = panel.real_of("gdp"), panel.real_of("gdp_index")
    if np.isnan(gdp_real).all(axis=1).any():
        missing = panel.codes[np.isnan(gdp_real).all(axis=1)]
        raise DataError("no real value in the window for this region; GDP anchors every "
                        "synthetic series", series="gdp", region=int(missing[0]))

    # index where the real index is missing but nominal GDP of both years is real
    names = np.full(panel.shape, "national_growth_plus_region_premium", dtype=object)
    derived = np.full(panel.shape, np.nan)
    derived[:, 1:] = 100 * gdp_real[:, 1:] / gdp_real[:, :-1] / deflator[None, 1:]
    derived = np.clip(derived, 85, 130)
    names[~np.isnan(derived)] = "derived_nominal_gdp_over_deflator"
    # otherwise national real growth plus the region's average premium over the nation
    with np.errstate(all="ignore"):
        premium = np.nanmean(index - 100 - growth[None, :], axis=1, keepdims=True)
    premium = np.where(np.isnan(premium), 1.5, premium)
    noise = panel.rng("gdp_index", "noise").normal(0, 0.6, panel.shape)
    synthetic = 100 + growth[None, :] + premium + noise
    index = panel.put("gdp_index", np.round(np.where(np.isnan(derived), synthetic, derived), 2),
                      names)

    # GDP: interior holes bridged; before/after the real years chained with index and deflator
    gdp, names = _complete_real(panel, "gdp", bridge_sd=0.01)
    chain = index / 100 * deflator[None, :]
    for i in range(panel.shape[0]):
        known = np.flatnonzero(~np.isnan(gdp_real[i]))
        for t in range(known[0] - 1, -1, -1):
            gdp[i, t] = gdp[i, t + 1] / chain[i, t + 1]
            names[i, t] = "backcast_gdp_index_deflator"
        for t in range(known[-1] + 1, panel.shape[1]):
            gdp[i, t] = gdp[i, t - 1] * chain[i, t]
            names[i, t] = "forecast_gdp_index_deflator"
    gdp = panel.put("gdp", np.round(gdp, 2), names)

    share, names = _complete_real(panel, "secondary_share", linear=True, back=(0.0, 0.6),
                                  fwd=(-0.8, 0.8), bridge_sd=0.3, edge_sd=0.3,
                                  fallback="median")
    panel.put("secondary_share", np.round(np.clip(share, 10, 70), 2), names)

    # shared factors of the synthetic patterns
    population = panel.get("population")
    per_capita = gdp / population
    national_pc = gdp.sum(axis=0) / population.sum(axis=0)
    panel.factors["dev"] = np.log(per_capita / national_pc[None, :])
    ss = panel.get("secondary_share")
    national_ss = (ss * gdp).sum(axis=0) / gdp.sum(axis=0)
    panel.factors["ind"] = (ss - national_ss[None, :]) / 10
    with np.errstate(all="ignore"):
        intensity = np.log(panel.real_of("invention_patent_applications") / gdp_real)
        innov = np.nanmean(np.where(np.isinf(intensity), np.nan, intensity), axis=1)
    innov = np.where(np.isnan(innov), np.nanmean(innov) if (~np.isnan(innov)).any() else 0.0,
                     innov)
    panel.factors["innov"] = np.repeat((innov - innov.mean())[:, None], panel.shape[1], axis=1)


def _demography(panel: _Panel) -> None:
    """Urbanisation (real, back-cast), urban population, dependency ratio."""
    rate, names = _complete_real(panel, "urbanisation_rate", linear=True, back=(0.3, 2.0),
                                 fwd=(0.0, 1.5), bridge_sd=0.2, edge_sd=0.2,
                                 fallback="median")
    rate = panel.put("urbanisation_rate", np.round(np.clip(rate, 5, 99.5), 2), names)
    panel.put("urban_population", np.round(rate / 100 * panel.get("population"), 2),
              "urbanisation_rate_x_population")

    old = panel.get("population_65plus_sample") / panel.get("population_sample")
    child = _aux(panel, "child_share") / 100
    panel.put("dependency_ratio", np.round(100 * (child + old) / (1 - child - old), 2),
              "child_plus_old_over_working_age")


def _output_structure(panel: _Panel) -> None:
    """Sector value added (sums to GDP exactly), industry, finance, revenues, retail."""
    gdp, ss = panel.get("gdp"), panel.get("secondary_share")
    secondary = np.round(ss / 100 * gdp, 2)
    # primary share: region-specific and declining; leave the tertiary sector at least 15 %
    primary_share = np.clip(_aux(panel, "primary_share"), 0.1, 85 - ss)
    primary = np.round(primary_share / 100 * gdp, 2)
    panel.put("va_secondary", secondary, "secondary_share_x_gdp")
    panel.put("va_primary", primary, "primary_share_x_gdp")
    panel.put("va_tertiary", np.round(gdp - primary - secondary, 2), "gdp_minus_primary_secondary")
    _rule_series(panel, "va_industry", "financial_va", "emerging_industry_va",
                 "industrial_revenue", "new_product_sales", "high_tech_revenue", "retail_sales")
    # high-tech revenue is part of industrial revenue
    capped = np.minimum(panel.values["high_tech_revenue"], 0.6 * panel.get("industrial_revenue"))
    panel.values["high_tech_revenue"] = capped
    retail = np.minimum(panel.values["retail_sales"], 0.7 * gdp)
    panel.values["retail_sales"] = retail


def _labour(panel: _Panel) -> None:
    """Employment (real, bridged 2011–2019), by sector (sums to employment), related series."""
    emp, names = _complete_real(panel, "employment", per="population", bridge_sd=0.015,
                                edge_sd=0.005)
    emp = panel.put("employment", np.round(emp, 2), names)

    # sector shares follow the value-added structure (primary labour productivity is low)
    gdp = panel.get("gdp")
    nat_primary = panel.nat(AUX_RULES["primary_share"].national) / 100
    rel_primary = np.log(panel.get("va_primary") / gdp / nat_primary)
    rel_secondary = np.log(panel.get("secondary_share") / 42.0)
    e1 = 100 * _logistic(_logit(_aux(panel, "employment_primary_share") / 100) + 0.6 * rel_primary)
    e1 = np.minimum(e1, 75)
    e2 = 100 * _logistic(_logit(_aux(panel, "employment_secondary_share") / 100)
                         + 0.6 * rel_secondary)
    e2 = np.minimum(e2, 85 - e1)  # tertiary keeps at least 15 %
    primary = np.round(emp * e1 / 100, 2)
    secondary = np.round(emp * e2 / 100, 2)
    panel.put("employment_primary", primary, "employment_x_primary_share")
    panel.put("employment_secondary", secondary, "employment_x_secondary_share")
    panel.put("employment_tertiary", np.round(emp - primary - secondary, 2),
              "employment_minus_primary_secondary")

    values, names = _complete_real(panel, "employment_urban_units", per="employment",
                                   bridge_sd=0.01, edge_sd=0.01)
    panel.put("employment_urban_units", np.round(values, 2), names)
    values, names = _complete_real(panel, "employment_private", back=(0.02, 0.12),
                                   fwd=(-0.02, 0.04), bridge_sd=0.02, edge_sd=0.02,
                                   fallback="employment")
    panel.put("employment_private", np.round(values, 2), names)
    values, names = _complete_real(panel, "public_professional_staff", back=(-0.01, 0.04),
                                   fwd=(-0.02, 0.03), edge_sd=0.01, fallback="population")
    panel.put("public_professional_staff", np.rint(values), names)
    _rule_series(panel, "avg_wage", "internet_employment", "emerging_industry_employees",
                 "bachelor_share_employed", "postgraduate_share_employed")


def _public_finance(panel: _Panel) -> None:
    """Budget expenditure and tax (real, back-cast); spending shares; government debt."""
    values, names = _complete_real(panel, "budget_expenditure", back=(0.12, 0.30),
                                   fwd=(-0.05, 0.10), edge_sd=0.02, fallback="gdp")
    panel.put("budget_expenditure", np.round(values, 2), names)
    values, names = _complete_real(panel, "tax_revenue", back=(0.10, 0.30), fwd=(-0.05, 0.10),
                                   edge_sd=0.02, fallback="gdp")
    panel.put("tax_revenue", np.round(values, 2), names)
    _rule_series(panel, "education_expenditure", "environmental_expenditure",
                 "local_government_debt")


def _investment_trade(panel: _Panel) -> None:
    """FAI (chained with the real funds growth after 2017), its growth, price index, trade, FDI."""
    real_fai = panel.real_of("fixed_asset_investment")
    growth_real = panel.real_of("fai_funds_growth")
    fai, names = _complete_real(panel, "fixed_asset_investment", back=(0.12, 0.35),
                                fwd=(-0.05, 0.15), edge_sd=0.03, fallback="gdp")
    trend = fai.copy()
    for i in range(panel.shape[0]):
        known = np.flatnonzero(~np.isnan(real_fai[i]))
        if known.size == 0:
            continue
        # after the last real level: chain the real growth of funds in place where published
        for t in range(known[-1] + 1, panel.shape[1]):
            if not np.isnan(growth_real[i, t]):
                fai[i, t] = fai[i, t - 1] * (1 + growth_real[i, t] / 100)
                names[i, t] = "chained_fai_funds_growth"
            else:
                fai[i, t] = fai[i, t - 1] * trend[i, t] / trend[i, t - 1]  # the trend's step
    fai = panel.put("fixed_asset_investment", np.round(fai, 2), names)

    # before 2018 the growth of FAI itself (the window's first year: the next year's growth)
    derived = np.full(panel.shape, np.nan)
    derived[:, 1:] = 100 * (fai[:, 1:] / fai[:, :-1] - 1)
    derived[:, 0] = derived[:, 1]
    names = np.full(panel.shape, "derived_fai_growth", dtype=object)
    names[:, 0] = "next_year_fai_growth"
    panel.put("fai_funds_growth", np.round(derived, 2), names)

    rng = panel.rng("fai_price_index", "pattern")
    price = (panel.nat(NATIONAL_FAI_PRICE, log=False) + rng.normal(0, 0.4, (panel.shape[0], 1))
             + rng.normal(0, 0.8, panel.shape))
    panel.put("fai_price_index", np.round(price, 2), "national_plus_region_noise")

    # trade: one USD series from both real vintages, completed, then both units
    rate = panel.nat(CNY_PER_100_USD, log=False)
    usd_real, cny_real = panel.real_of("trade_usd"), panel.real_of("trade_cny")
    usd_from_cny = cny_real * 1e6 / rate
    combined = np.where(np.isnan(usd_real), usd_from_cny, usd_real)
    usd, names = _complete_real(panel, "trade_usd", real=combined, back=(0.15, 0.35),
                                fwd=(-0.10, 0.15), bridge_sd=0.03, edge_sd=0.04, fallback="gdp")
    usd_names = np.where(np.isnan(usd_real) & ~np.isnan(cny_real), "converted_from_trade_cny",
                         names)
    cny_names = np.where(np.isnan(cny_real) & ~np.isnan(usd_real), "converted_from_trade_usd",
                         names)
    panel.put("trade_usd", np.round(usd, 2), usd_names)
    cny = panel.put("trade_cny", np.round(usd * rate / 1e6, 2), cny_names)
    panel.factors["open"] = np.log(cny / panel.get("gdp"))
    panel.factors["open"] -= panel.factors["open"].mean(axis=0, keepdims=True)
    _rule_series(panel, "fdi")


def _education(panel: _Panel) -> None:
    _rule_series(panel, "avg_years_schooling", "students_enrolled", "graduate_students")


def _innovation(panel: _Panel) -> None:
    """Patents (invention patents real), R&D, technology market, papers."""
    values, names = _complete_real(panel, "invention_patent_applications", back=(0.10, 0.40),
                                   fwd=(-0.05, 0.20), edge_sd=0.04, fallback="gdp")
    invention = panel.put("invention_patent_applications", np.rint(np.maximum(values, 1)), names)
    share = np.minimum(_aux(panel, "invention_share"), 90) / 100
    applications = panel.put("patent_applications", np.ceil(invention / share),
                             "invention_applications_over_invention_share")
    panel.put("patents_granted", np.floor(applications * _aux(panel, "grant_ratio") / 100),
              "applications_x_grant_ratio")

    _rule_series(panel, "rd_expenditure", "rd_personnel_fte")
    industrial_share = np.minimum(_aux(panel, "industrial_rd_share"), 92) / 100
    panel.put("industrial_rd_expenditure", panel.get("rd_expenditure") * 1e4 * industrial_share,
              "rd_expenditure_x_industrial_share")
    noise = panel.rng("industrial_rd_personnel_fte", "pattern").normal(0, 0.1, panel.shape)
    personnel_share = np.minimum(_logistic(_logit(industrial_share) + noise), 0.95)
    panel.put("industrial_rd_personnel_fte",
              np.floor(panel.get("rd_personnel_fte") * personnel_share),
              "rd_personnel_x_industrial_share")
    _rule_series(panel, "technology_market_turnover", "tech_introduction_expenditure",
                 "technical_renovation_expenditure", "sci_papers", "informatisation_index")


def _enterprises(panel: _Panel) -> None:
    _rule_series(panel, "new_enterprises", "industrial_enterprises", "ai_enterprises",
                 "new_materials_enterprises", "ecommerce_enterprises")


def _environment(panel: _Panel) -> None:
    """Forest, energy, emissions, waste; 'part ≤ whole' pairs are built as shares."""
    # forest coverage: stepwise by inventory period, scaled to each region's 2018 level
    period = np.array([max(k for k in NATIONAL_FOREST_STEPS if k <= y) for y in panel.years])
    steps = np.array([NATIONAL_FOREST_STEPS[p] for p in period])
    base = np.array([FOREST_COVERAGE_2018.get(int(c), np.nan) for c in panel.codes])
    base = np.where(np.isnan(base), np.nanmedian(base), base)
    rng = panel.rng("forest_coverage", "pattern")
    period_effect = {p: rng.normal(0, 0.03, panel.shape[0]) for p in sorted(NATIONAL_FOREST_STEPS)}
    period_effect[max(NATIONAL_FOREST_STEPS)] = np.zeros(panel.shape[0])
    effect = np.column_stack([period_effect[p] for p in period])
    latest = NATIONAL_FOREST_STEPS[max(NATIONAL_FOREST_STEPS)]
    forest = np.minimum(base[:, None] * steps[None, :] / latest * np.exp(effect), 75)
    panel.put("forest_coverage", np.round(forest, 2), "inventory_level_x_national_step")

    _rule_series(panel, "industrial_pollution_investment", "energy_consumption",
                 "new_energy_generation", "so2_emissions", "industrial_wastewater",
                 "industrial_water_use", "industrial_solid_waste_generated",
                 "garbage_harmless_capacity", "garbage_harmless_rate")
    so2_share = np.minimum(_aux(panel, "industrial_so2_share"), 98) / 100
    panel.put("industrial_so2", panel.get("so2_emissions") * so2_share,
              "so2_x_industrial_share")
    use = np.minimum(_aux(panel, "solid_waste_use_ratio"), 99) / 100
    panel.put("industrial_solid_waste_utilised",
              panel.get("industrial_solid_waste_generated") * use, "generated_x_use_ratio")


def _digital(panel: _Panel) -> None:
    """Transport and digital infrastructure, digital-economy indices."""
    _rule_series(panel, "highway_mileage", "railway_mileage", "internet_ports",
                 "mobile_phone_users", "telecom_business_volume", "software_revenue",
                 "optical_cable_length", "enterprise_digitalisation", "ecommerce_sales")
    take_up = _aux(panel, "broadband_take_up") / 100
    panel.put("internet_users", panel.get("internet_ports") * take_up, "ports_x_take_up")
    # digital finance index: fast catch-up, the regional spread narrows (loading on dev falls)
    nat = panel.nat({2011: 40, 2012: 100, 2013: 155, 2015: 220, 2018: 300, 2020: 341,
                     2023: 385})
    loading = panel.nat({2011: 0.6, 2016: 0.3, 2023: 0.15}, log=False)
    rng = panel.rng("digital_finance_index", "pattern")
    pattern = (loading * panel.factors["dev"] + rng.normal(0, 0.05, (panel.shape[0], 1))
               + _ar1(rng, panel.shape, 0.02))
    panel.put("digital_finance_index", nat * np.exp(pattern), "national_level_x_dev_catch_up")


def _finance(panel: _Panel) -> None:
    _rule_series(panel, "deposits")
    panel.put("loans", panel.get("deposits") * _aux(panel, "loan_deposit_ratio"),
              "deposits_x_loan_deposit_ratio")


def _households(panel: _Panel) -> None:
    """Incomes (rural < urban by construction), consumption, Engel coefficient."""
    urban = _aux(panel, "urban_income")
    rural = urban / np.maximum(_aux(panel, "urban_rural_ratio"), 1.3)
    urban = panel.put("urban_disposable_income", urban, "national_level_x_dev")
    rural = panel.put("rural_disposable_income", rural, "urban_income_over_urban_rural_ratio")
    weight = panel.get("urbanisation_rate") / 100
    panel.put("disposable_income", weight * urban + (1 - weight) * rural,
              "urbanisation_weighted_urban_rural")
    panel.put("urban_consumption", urban * np.minimum(_aux(panel, "urban_propensity"), 95) / 100,
              "urban_income_x_propensity")
    panel.put("rural_consumption", rural * np.minimum(_aux(panel, "rural_propensity"), 97) / 100,
              "rural_income_x_propensity")
    _rule_series(panel, "engel_coefficient")


FAMILIES = [_population, _output_core, _demography, _output_structure, _labour,
            _public_finance, _investment_trade, _education, _innovation, _enterprises,
            _environment, _digital, _finance, _households]


# ---------------------------------------------------------------------------------------------
# Completeness, gaps, output
# ---------------------------------------------------------------------------------------------
def _check_complete(panel: _Panel, fill: set[str]) -> None:
    no_rule = sorted(fill - set(panel.values))
    if no_rule:
        raise DataError("the catalogue marks these series demo_fill = true but the generator has no "
                        "rule for them: set demo_fill to false (real-only)", file=CATALOGUE_FILE,
                        series=", ".join(no_rule))
    for series in sorted(fill):
        hole = np.isnan(panel.values[series]) & panel.year_mask(series)
        if hole.any():
            i, t = np.argwhere(hole)[0]
            raise ValueError(f"{series}: no value for region {panel.codes[i]} year "
                             f"{panel.years[t]} (generator incomplete)")


def _punch_interior_gaps(panel: _Panel, no_gaps: set[str]) -> None:
    """Drop ~1 % of the cells of fully synthetic series: interior, isolated, like yearbooks.

    Never in `no_gaps` (identities and real-sourced series, whose fills stay complete)."""
    eligible = [s for s in sorted(panel.values) if s not in no_gaps]
    together = {s for group in GAP_TOGETHER for s in group}
    groups = [g for g in GAP_TOGETHER if set(g) <= set(eligible)]
    groups += [(s,) for s in eligible if s not in together]
    for group in groups:
        draws = panel.rng(group[0], "gaps").random(panel.shape)
        # cells every member generated, strictly inside the members' common window
        ok = np.logical_and.reduce([panel.generator[s] != None for s in group])  # noqa: E711
        cols = np.flatnonzero(np.logical_and.reduce([panel.year_mask(s)[0] for s in group]))
        for i in range(panel.shape[0]):
            last_gap = -10
            for t in cols[1:-1]:
                if draws[i, t] < GAP_RATE and t - last_gap > 2 and ok[i, t]:
                    kept = {s: (panel.values[s][i, t], panel.generator[s][i, t]) for s in group}
                    for series in group:
                        panel.values[series][i, t] = np.nan
                        panel.generator[series][i, t] = None
                    if _relations_survive_interpolation(panel, i, group):
                        last_gap = t
                    else:  # this gap would break a part <= whole relation: keep the values
                        for series, (value, name) in kept.items():
                            panel.values[series][i, t] = value
                            panel.generator[series][i, t] = name


def _relations_survive_interpolation(panel: _Panel, i: int, group: tuple[str, ...]) -> bool:
    """Do the PART_OF relations of region i hold once interior gaps are interpolated?"""
    for part, whole, factor in PART_OF:
        if part in group or whole in group:
            a = _interpolate_row(panel.values[part][i])
            b = _interpolate_row(panel.values[whole][i]) * factor
            if np.any((a > b) & ~np.isnan(a) & ~np.isnan(b)):
                return False
    return True


def _interpolate_row(row: np.ndarray) -> np.ndarray:
    known = np.flatnonzero(~np.isnan(row))
    out = row.copy()
    if known.size > 1:
        inner = np.arange(known[0], known[-1] + 1)
        out[inner] = np.interp(inner, known, row[known])
    return out


def _records(panel: _Panel, catalogue: pd.DataFrame, fill: set[str]) -> pd.DataFrame:
    units = dict(zip(catalogue["series_code"], catalogue["unit"]))
    parts = {name: [] for name in ["region_code", "year", "series", "value", "unit", "generator"]}
    for series in sorted(fill):
        gen = panel.generator[series]
        i, t = np.nonzero(gen != None)  # noqa: E711 (object array)
        parts["region_code"].append(panel.codes[i])
        parts["year"].append(panel.years[t])
        parts["series"].append(np.repeat(series, len(i)).astype(object))
        parts["value"].append(_round(panel.values[series][i, t], units[series]))
        parts["unit"].append(np.repeat(units[series], len(i)).astype(object))
        parts["generator"].append(gen[i, t])
    out = pd.DataFrame({name: np.concatenate(chunks) for name, chunks in parts.items()})
    out = out.astype({"region_code": "int32", "year": "int32", "value": "float64",
                      "series": "str", "unit": "str", "generator": "str"})
    out["provenance"] = "synthetic"
    return out[OUTPUT_COLUMNS]


def _lineage(row: pd.Series) -> dict:
    """File and line of a real observation, when the loader recorded them, for error messages."""
    lineage = {}
    if pd.notna(row.get("source_file")):
        lineage["file"] = row["source_file"]
    if pd.notna(row.get("source_row")):
        lineage["row"] = int(row["source_row"])
    return lineage
