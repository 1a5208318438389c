"""The README's analyst guides, followed to the letter in a copy of the project, without touching
Python: "Add an index system" (catalogue rows + one model), "Add a regression table" (a declaration
in the YAML next to the mart) and "Your own indicators, index and study" (a researcher's panel
workbook in data/inbox/, its series in the catalogue, an index system on them plus real series, a
regression table on it: only the workbook, CSV, YAML and SQL), "Your own county table" (a county
table in the inbox, an index system with unit_level county, a county panel clustered by county and
by city: CSV, SQL and YAML) and "Your own firm table" (a listed-firm table, its later years saved by
Stata as a .dta, its series in the catalogue, an index system with unit_level firm, a firm panel clustered by firm and by province).
One copy, one build for
all five; the new weights, scores, inequality and regression rows must be in its warehouse (checked
against NumPy and pyfixest), and the new assets and jobs in its Dagster definitions.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests import early_builds
from tests.guide_systems import COUNTY_SYSTEM, FIRM_SYSTEM, SYSTEM
from tests.county_files import FILE_NAME as COUNTY_FILE
from tests.county_files import JUMP_COUNTY, JUMP_SERIES, JUMP_YEAR, county_inbox_table, write_county_table
from tests.firm_files import COLUMNS as FIRM_COLUMNS
from tests.firm_files import FILE_NAME as FIRM_FILE
from tests.firm_files import NAMES_EN as FIRM_NAMES_EN
from tests.firm_files import FIRST_FIRM_CODE, INDUSTRY_SWITCH_YEAR, INDUSTRY_SWITCHER, firm_info_table, firm_labels
from tests.firm_files import INFO_FILE_NAME as FIRM_INFO_FILE
from tests.firm_files import SLIP_FIRM, SLIP_SERIES, SLIP_YEAR, ST_FIRM, ST_FROM, firm_inbox_table, write_firm_table
from tests.firm_files import STATA_FILE_NAME as FIRM_STATA_FILE
from tests.firm_files import STATA_FROM_YEAR as FIRM_STATA_FROM
from tests.reference import inequality_numpy
from tests.reference.entropy_numpy import compute_long

pytestmark = pytest.mark.build  # every test here reads the guide copy's own build

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STUDY = "guide_demo"

# Step 1 of "Add an index system": one row in index_systems.csv ...
SYSTEM_ROW = {
    "system": SYSTEM, "name_zh": "指南示例指数", "name_en": "Guide demo index", "study": STUDY,
    "method": "entropy", "shift": "0", "score_weighting": "pooled", "year_from": "2013", "year_to": "2022",
    "excluded_regions": "54", "description": "Three-indicator example system of the README guide.",
    "missing_rule": "error", "extrapolation": "",
}
# ... and one row per indicator in index_indicators.csv (ratios and levels of catalogue series).
INDICATOR_ROWS = [
    {"system": SYSTEM, "dimension": "economy", "dimension_zh": "经济", "sub_dimension": "productivity",
     "sub_dimension_zh": "生产率", "indicator": "gdp_per_worker", "indicator_zh": "劳均产出", "direction": "positive",
     "numerator": "gdp", "denominator": "employment", "scale": "1", "unit": "亿元/万人",
     "derivation": "gdp / employment"},
    {"system": SYSTEM, "dimension": "economy", "dimension_zh": "经济", "sub_dimension": "fiscal",
     "sub_dimension_zh": "财政", "indicator": "tax_share", "indicator_zh": "税收/GDP", "direction": "positive",
     "numerator": "tax_revenue", "denominator": "gdp", "scale": "1", "unit": "ratio",
     "derivation": "tax_revenue / gdp"},
    {"system": SYSTEM, "dimension": "society", "dimension_zh": "社会", "sub_dimension": "urbanisation",
     "sub_dimension_zh": "城镇化", "indicator": "urbanisation_rate", "indicator_zh": "城镇化率",
     "direction": "positive", "numerator": "urbanisation_rate", "denominator": "", "scale": "1", "unit": "%",
     "derivation": "level"},
]

# Step 2: one model, the study panel reading the new scores (dbt_project/models/marts/studies/).
PANEL_SQL = textwrap.dedent("""\
    -- Guide demo panel: the guide_demo index and two outcomes, 30 regions x 2013-2022.
    with index_total as (
        select region_code, year, score as guide_index
        from {{ ref('index_scores') }}
        where system = 'guide_demo' and level = 'total'
    ),

    region_years as (
        {{ nqp_series_wide(ref('int_series_values'), ['gdp', 'population', 'fixed_asset_investment']) }}
    )

    select
        index_total.region_code,
        index_total.year,
        index_total.guide_index,
        ln(region_years.gdp * 10000 / region_years.population) as ln_gdp_per_capita,
        region_years.fixed_asset_investment / region_years.gdp as investment_rate
    from index_total
    inner join region_years
        on index_total.region_code = region_years.region_code
        and index_total.year = region_years.year
    """)

# "Add a regression table": the declaration in the YAML next to the mart.
PANEL_YAML = textwrap.dedent("""\
    version: 2

    models:
      - name: panel_guide_demo
        description: Example study panel of the README guide (guide_demo index, 30 regions x 2013-2022).
        config:
          meta:
            study: guide_demo
            title_zh: 指南示例
            title_en: Guide demo
            tables:
              - id: demo1
                kind: regression
                title_zh: 示例回归
                title_en: Example two-way fixed-effects regression
                defaults:
                  estimator: twfe
                  absorb: [region_code, year]
                  vcov: cluster
                  cluster: region_code
                columns:
                  - id: "(1)"
                    depvar: ln_gdp_per_capita
                    regressors: [guide_index]
                  - id: "(2)"
                    depvar: ln_gdp_per_capita
                    regressors: [guide_index]
                    controls: [investment_rate]
        columns:
          - {name: region_code, description: Province code., tests: [not_null]}
          - {name: year, description: Year., tests: [not_null]}
          - {name: guide_index, description: Total score of the guide_demo index.}
          - {name: ln_gdp_per_capita, description: ln(GDP per capita in yuan).}
          - {name: investment_rate, description: Fixed-asset investment / GDP.}
    """)


# ---------------------------------------------------------------- "Your own indicators, index and study"
# Step 1: the researcher's workbook, as they have it: 地区, 年份 and their own indicators (the unit in
# brackets), 31 provinces x 2016-2022. Values are deterministic functions of region and year.
WORKBOOK = "研究者面板.xlsx"
OWN_YEARS = list(range(2016, 2023))
OWN_COLUMNS = {  # workbook column -> catalogue series (step 2)
    "工业机器人密度(台/万人)": "robot_density",
    "数字专利数(件)": "digital_patents",
    "人工智能企业数(个)": "ai_firms",
}


def own_value(series: str, region_code: int, year: int) -> float:
    t = year - 2016
    if series == "robot_density":
        return round(5 + (region_code % 17) * 3.1 + t * (1.2 + (region_code % 5) * 0.3), 2)
    if series == "digital_patents":
        return float(200 + (region_code * 37 % 101) * 15 + t * (40 + (region_code % 13) * 7))
    return float(10 + (region_code * 53 % 89) + t * (2 + region_code % 7))  # ai_firms


# Step 2: one catalogue row per new series. name_zh + unit = the workbook column, so the inbox finds
# them (inbox.yml maps them explicitly as well); no generator rule: demo_fill false (real-only).
OWN_CATALOGUE_ROWS = [
    {"series_code": code, "name_zh": column.split("(")[0], "name_en": name_en, "unit": column.split("(")[1][:-1],
     "source_yearbook": "研究者自有数据", "provenance": f"real: data/inbox/{WORKBOOK}", "plausible_min": "0",
     "plausible_max": "100000", "is_share": "false", "demo_fill": "false", "description": description}
    for (column, code), name_en, description in zip(OWN_COLUMNS.items(), [
        "Industrial robot density", "Digital-economy patents", "Artificial-intelligence firms"], [
        "Industrial robots per 10,000 manufacturing workers (researcher's own panel).",
        "Patents in digital-economy technology classes (researcher's own panel).",
        "Registered artificial-intelligence firms (researcher's own panel).",
    ])
]
OWN_INBOX_YML = "series:\n" + "".join(f"  {column.split('(')[0]}: {code}\n" for column, code in OWN_COLUMNS.items())

# Step 3: an index system on the new series plus real series of the shipped exports.
OWN_SYSTEM = "smart_industry"
OWN_STUDY = "smart_industry"
OWN_SYSTEM_ROW = {
    "system": OWN_SYSTEM, "name_zh": "智能制造发展指数", "name_en": "Smart-industry development index",
    "study": OWN_STUDY, "method": "entropy", "shift": "0", "score_weighting": "pooled", "year_from": "2016",
    "year_to": "2022", "excluded_regions": "54", "missing_rule": "error",
    "description": "Guide example: a researcher's own indicators (robots, digital patents, AI firms) with real "
                   "patent, trade and fiscal ratios; entropy weights pooled over 30 regions x 2016-2022.",
}


def _indicator(dimension, dimension_zh, indicator, indicator_zh, numerator, denominator, unit, *,
               system=OWN_SYSTEM, scale="1"):
    return {"system": system, "dimension": dimension, "dimension_zh": dimension_zh,
            "sub_dimension": dimension, "sub_dimension_zh": dimension_zh, "indicator": indicator,
            "indicator_zh": indicator_zh, "direction": "positive", "numerator": numerator,
            "denominator": denominator, "scale": scale, "unit": unit,
            "derivation": f"{numerator} / {denominator}" if denominator else "level"}


OWN_INDICATOR_ROWS = [
    _indicator("intelligence", "智能化", "robot_density", "工业机器人密度", "robot_density", "", "台/万人"),
    _indicator("intelligence", "智能化", "ai_firms", "人工智能企业数", "ai_firms", "", "个"),
    _indicator("innovation", "创新", "digital_patents", "数字专利数", "digital_patents", "", "件"),
    _indicator("innovation", "创新", "invention_intensity", "发明专利申请/GDP", "invention_patent_applications",
               "gdp", "件/亿元"),
    _indicator("openness", "开放与财政", "trade_openness", "货物进出口/GDP", "trade_cny", "gdp", "ratio"),
    _indicator("openness", "开放与财政", "fiscal_self_reliance", "税收/一般公共预算支出", "tax_revenue",
               "budget_expenditure", "ratio"),
]

# Step 4: the study panel and its regression table (SQL + YAML).
OWN_PANEL_SQL = textwrap.dedent("""\
    -- Smart-industry study panel: the smart_industry index and ln GDP, 30 regions x 2016-2022.
    with index_total as (
        select region_code, year, score as smart_index
        from {{ ref('index_scores') }}
        where system = 'smart_industry' and level = 'total'
    ),

    region_years as (
        {{ nqp_series_wide(ref('int_series_values'), ['gdp', 'budget_expenditure']) }}
    )

    select
        index_total.region_code,
        index_total.year,
        index_total.smart_index,
        ln(region_years.gdp) as ln_gdp,
        ln(region_years.budget_expenditure) as ln_budget_expenditure
    from index_total
    inner join region_years
        on index_total.region_code = region_years.region_code
        and index_total.year = region_years.year
    """)

OWN_PANEL_YAML = textwrap.dedent("""\
    version: 2

    models:
      - name: panel_smart_industry
        description: Smart-industry study panel of the README guide (smart_industry index, 30 regions x 2016-2022).
        config:
          meta:
            study: smart_industry
            title_zh: 智能制造与经济增长
            title_en: Smart industry and growth
            tables:
              - id: table1
                kind: regression
                title_zh: 智能制造发展指数与地区生产总值
                title_en: Smart-industry index and GRP (two-way fixed effects)
                defaults:
                  estimator: twfe
                  absorb: [region_code, year]
                  vcov: cluster
                  cluster: region_code
                columns:
                  - id: "(1)"
                    depvar: ln_gdp
                    regressors: [smart_index]
                  - id: "(2)"
                    depvar: ln_gdp
                    regressors: [smart_index]
                    controls: [ln_budget_expenditure]
        columns:
          - {name: region_code, description: Province code., tests: [not_null]}
          - {name: year, description: Year., tests: [not_null]}
          - {name: smart_index, description: Total score of the smart_industry index.}
          - {name: ln_gdp, description: ln(GRP in 亿元).}
          - {name: ln_budget_expenditure, description: ln(local general public budget expenditure in 亿元).}
    """)


def write_workbook(path: Path, region_codes: list[int], names: dict[int, str]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "面板"
    sheet.append(["地区", "年份", *OWN_COLUMNS])
    for code in region_codes:
        for year in OWN_YEARS:
            sheet.append([names[code], year, *(own_value(s, code, year) for s in OWN_COLUMNS.values())])
    book.save(str(path))


# "Your own county table" (README "City-level panels"): a county table in the inbox
# (tests/county_files.py: every county of Hebei and Shandong, 2016-2022) and an index system on it
# with unit_level county.
COUNTY_EXCLUDED_CITY = "370100"  # 济南市: excluded_regions leaves out its 12 counties
COUNTY_SYSTEM_ROW = {
    "system": COUNTY_SYSTEM, "name_zh": "县域发展指数", "name_en": "County development index",
    "study": "county_guide", "method": "entropy", "shift": "0", "score_weighting": "pooled", "year_from": "2016",
    "year_to": "2022", "excluded_regions": COUNTY_EXCLUDED_CITY, "missing_rule": "error", "unit_level": "county",
    "description": "Guide example: three ratios of a researcher's county table; entropy weights pooled over "
                   "the counties with values (Jinan's left out) x 2016-2022.",
}
COUNTY_INDICATOR_ROWS = [
    _indicator("output", "产出", "county_gdp_per_capita", "人均GDP", "gdp", "population", "元",
               system=COUNTY_SYSTEM, scale="10000"),
    _indicator("structure", "结构", "county_tertiary_share", "第三产业增加值/GDP", "va_tertiary", "gdp", "ratio",
               system=COUNTY_SYSTEM),
    _indicator("innovation", "创新", "county_rd_intensity", "R&D经费/GDP", "rd_expenditure", "gdp", "ratio",
               system=COUNTY_SYSTEM),
]

# ... and a county study: its panel (SQL) and a regression clustered by county and by city (YAML).
COUNTY_PANEL_SQL = textwrap.dedent("""\
    -- County guide panel: the county_development index and ln GDP per capita, the counties it scores
    -- (Hebei and Shandong without Jinan's) x 2016-2022, with each county's city and province.
    with index_total as (
        select region_code, year, score as county_index
        from {{ ref('index_scores') }}
        where system = 'county_development' and level = 'total'
    ),

    county_years as (
        {{ nqp_series_wide(ref('int_city_series_values'), ['gdp', 'population']) }}
    ),

    counties as (
        select unit_code, parent_code, province_code
        from {{ ref('int_units') }}
        where level = 'county'
    )

    select
        index_total.region_code,
        counties.parent_code as city_code,
        counties.province_code,
        index_total.year,
        index_total.county_index,
        ln(county_years.gdp * 10000 / county_years.population) as ln_gdp_per_capita
    from index_total
    inner join county_years
        on index_total.region_code = county_years.region_code
        and index_total.year = county_years.year
    inner join counties on index_total.region_code = counties.unit_code
    """)

COUNTY_PANEL_YAML = textwrap.dedent("""\
    version: 2

    models:
      - name: panel_county_guide
        description: County study panel of the README guide (county_development index, 291 counties x 2016-2022).
        config:
          meta:
            study: county_guide
            title_zh: 县域发展与人均产出
            title_en: County development and output per head
            tables:
              - id: table1
                kind: regression
                title_zh: 县域发展指数与人均GDP
                title_en: County development index and GDP per capita (two-way fixed effects)
                defaults:
                  estimator: twfe
                  depvar: ln_gdp_per_capita
                  regressors: [county_index]
                  absorb: [region_code, year]
                  vcov: cluster
                columns:
                  - {id: "(1)", cluster: region_code}
                  - {id: "(2)", cluster: city_code}
        columns:
          - {name: region_code, description: County code., tests: [not_null]}
          - {name: city_code, description: The county's prefecture city., tests: [not_null]}
          - {name: province_code, description: Province code.}
          - {name: year, description: Year., tests: [not_null]}
          - {name: county_index, description: Total score of the county_development index.}
          - {name: ln_gdp_per_capita, description: ln(GDP per capita in yuan).}
    """)


# "Your own firm table" (README "City-level panels"): a listed-firm table in the inbox
# (tests/firm_files.py: 360 firms, 2015-2022), its five series in the catalogue (name_zh + unit = the
# file's column, so the inbox maps them), and an index system on them with unit_level firm.
FIRM_CATALOGUE_ROWS = [
    {"series_code": code, "name_zh": column.split("(")[0], "name_en": name_en, "unit": column.split("(")[1][:-1],
     "source_yearbook": "CSMAR", "provenance": f"real: data/inbox/{FIRM_FILE}", "plausible_min": "0",
     "plausible_max": "1000000000", "is_share": "false", "demo_fill": "false",
     "description": f"{name_en} of a listed firm (researcher's firm table)."}
    for (column, code), name_en in zip(FIRM_COLUMNS.items(), FIRM_NAMES_EN)
]
_, FIRM_UNITS, _ = firm_inbox_table()
# excluded_regions: Xinjiang's firms (by province) and one firm by its unit code
FIRM_EXCLUDED_FIRM = int(FIRM_UNITS["region_code"].iloc[0])
FIRM_SYSTEM_ROW = {
    "system": FIRM_SYSTEM, "name_zh": "企业创新发展指数", "name_en": "Firm innovation index",
    "study": "firm_guide", "method": "entropy", "shift": "0", "score_weighting": "pooled", "year_from": "2015",
    "year_to": "2022", "excluded_regions": f"65 {FIRM_EXCLUDED_FIRM}", "missing_rule": "error", "unit_level": "firm",
    "description": "Guide example: four ratios of a researcher's listed-firm table; entropy weights pooled over "
                   "the firms outside Xinjiang x 2015-2022.",
}
FIRM_INDICATOR_ROWS = [
    _indicator("innovation", "创新", "firm_rd_intensity", "研发投入/营业收入", "firm_rd", "firm_revenue", "ratio",
               system=FIRM_SYSTEM),
    _indicator("innovation", "创新", "firm_patents_per_100", "每百名员工发明专利申请", "firm_patents",
               "firm_employees", "件/百人", system=FIRM_SYSTEM, scale="100"),
    _indicator("efficiency", "效率", "firm_productivity", "劳动生产率", "firm_revenue", "firm_employees", "万元/人",
               system=FIRM_SYSTEM),
    _indicator("efficiency", "效率", "firm_capital_intensity", "固定资产/营业收入", "firm_fixed_assets",
               "firm_revenue", "ratio", system=FIRM_SYSTEM) | {"direction": "negative"},
]

# ... and a firm study: its panel (SQL) and a regression clustered by firm and by province (YAML).
FIRM_PANEL_SQL = textwrap.dedent("""\
    -- Firm guide panel: the firm_innovation index, ln revenue and ln employees, the firms it scores
    -- (outside Xinjiang, one firm excluded) x 2015-2022, with each firm's code and province.
    with index_total as (
        select region_code, year, score as firm_index
        from {{ ref('index_scores') }}
        where system = 'firm_innovation' and level = 'total'
    ),

    firm_years as (
        {{ nqp_series_wide(ref('int_city_series_values'), ['firm_revenue', 'firm_employees']) }}
    ),

    firms as (
        select unit_code, firm_id, province_code
        from {{ ref('int_units') }}
        where level = 'firm'
    ),

    industries as (
        select unit_code, year, value as industry
        from {{ ref('unit_attributes') }}
        where attribute = '行业代码'
    ),

    ownership as (
        select unit_code, year, value as ownership
        from {{ ref('unit_attributes') }}
        where attribute = '产权性质'
    )

    select
        index_total.region_code,
        firms.firm_id,
        firms.province_code,
        index_total.year,
        industries.industry,
        industries.industry || '_' || index_total.year as industry_year,
        ownership.ownership,
        index_total.firm_index,
        ln(firm_years.firm_revenue) as ln_revenue,
        ln(firm_years.firm_employees) as ln_employees
    from index_total
    inner join firm_years
        on index_total.region_code = firm_years.region_code
        and index_total.year = firm_years.year
    inner join firms on index_total.region_code = firms.unit_code
    left join industries
        on index_total.region_code = industries.unit_code
        and index_total.year = industries.year
    left join ownership
        on index_total.region_code = ownership.unit_code
        and index_total.year = ownership.year
    """)

FIRM_PANEL_YAML = textwrap.dedent("""\
    version: 2

    models:
      - name: panel_firm_guide
        description: Firm study panel of the README guide (firm_innovation index, listed firms x 2015-2022).
        config:
          meta:
            study: firm_guide
            title_zh: 企业创新与规模
            title_en: Firm innovation and size
            tables:
              - id: table1
                kind: regression
                title_zh: 企业创新发展指数与营业收入
                title_en: Firm innovation index and revenue (two-way fixed effects)
                defaults:
                  estimator: twfe
                  depvar: ln_revenue
                  regressors: [firm_index]
                  controls: [ln_employees]
                  absorb: [region_code, year]
                  vcov: cluster
                columns:
                  - {id: "(1)", cluster: region_code}
                  - {id: "(2)", cluster: province_code}
                  - {id: "(3)", cluster: region_code, absorb: [region_code, industry_year]}
              - id: table2
                kind: regression
                title_zh: 产权性质异质性
                title_en: By ownership (subsamples)
                defaults:
                  depvar: ln_revenue
                  regressors: [firm_index]
                  controls: [ln_employees]
                  absorb: [region_code, year]
                  vcov: cluster
                  cluster: region_code
                columns:
                  - {id: "(1)", estimator: subsample, subsample: {group: ownership}}
        columns:
          - {name: region_code, description: Firm unit code (1000000000 + stock code)., tests: [not_null]}
          - {name: firm_id, description: Stock code., tests: [not_null]}
          - {name: province_code, description: The firm's province., tests: [not_null]}
          - {name: year, description: Year., tests: [not_null]}
          - {name: industry, description: The firm's 行业代码 of the year (CSRC industry code)., tests: [not_null]}
          - {name: industry_year, description: Industry x year (the fixed effects of column 3).}
          - {name: ownership, description: The firm's 产权性质 (国有 / 非国有)., tests: [not_null]}
          - {name: firm_index, description: Total score of the firm_innovation index.}
          - {name: ln_revenue, description: ln(operating revenue in 万元).}
          - {name: ln_employees, description: ln(employees).}
    """)


# Columns another helper may not have added yet in this copy (the lead reconciles at merge):
# dropped when the seed lacks them.
OPTIONAL_COLUMNS = {
    "extrapolation",  # blank = the default (nearest); only read with missing_rule extrapolate
    "unit_level",  # blank = province (a city index says prefecture_city)
}


def append_rows(path: Path, rows: list[dict]) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
        handle.seek(0)
        ends_with_newline = handle.read().endswith("\n")
    rows = [{k: v for k, v in row.items() if k in header or k not in OPTIONAL_COLUMNS} for row in rows]
    rows = [row | {k: "" for k in header if k not in row and k in OPTIONAL_COLUMNS} for row in rows]
    assert all(set(row) == set(header) for row in rows), f"{path.name}: columns are {header}"
    with open(path, "a", encoding="utf-8", newline="") as handle:
        if not ends_with_newline:
            handle.write("\n")
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writerows(rows)


def copy_project(destination: Path) -> None:
    """The tracked files of the project, as a fresh clone would have them (plus uncommitted edits)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode("utf-8").split("\0")):
        source = PROJECT_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())


@early_builds.early_build("guided_copy", lane="own", seconds=275)
def _prepare_guided_copy(tmp_path_factory):
    """The project copy with the guide's edits (made now) and the function that builds it."""
    root = tmp_path_factory.mktemp("project")
    copy_project(root)
    seeds = root / "seeds" / "reference"
    append_rows(seeds / "index_systems.csv", [SYSTEM_ROW])
    append_rows(seeds / "index_indicators.csv", INDICATOR_ROWS)
    studies = root / "dbt_project" / "models" / "marts" / "studies"
    (studies / "panel_guide_demo.sql").write_text(PANEL_SQL, encoding="utf-8")
    (studies / "_guide_demo.yml").write_text(PANEL_YAML, encoding="utf-8")

    # "Your own indicators, index and study": workbook + inbox.yml, catalogue, index system, panel.
    regions = pd.read_csv(seeds / "regions.csv")
    inbox = root / "data" / "inbox"
    write_workbook(inbox / WORKBOOK, regions["region_code"].tolist(),
                   dict(zip(regions["region_code"], regions["name_full"])))
    (inbox / "inbox.yml").write_text(OWN_INBOX_YML, encoding="utf-8")
    append_rows(seeds / "series_catalogue.csv", OWN_CATALOGUE_ROWS)
    append_rows(seeds / "index_systems.csv", [OWN_SYSTEM_ROW])
    append_rows(seeds / "index_indicators.csv", OWN_INDICATOR_ROWS)
    (studies / "panel_smart_industry.sql").write_text(OWN_PANEL_SQL, encoding="utf-8")
    (studies / "_smart_industry.yml").write_text(OWN_PANEL_YAML, encoding="utf-8")

    # "Your own county table": the county table beside the workbook, its index system in the seeds.
    write_county_table(inbox)
    append_rows(seeds / "index_systems.csv", [COUNTY_SYSTEM_ROW])
    append_rows(seeds / "index_indicators.csv", COUNTY_INDICATOR_ROWS)
    (studies / "panel_county_guide.sql").write_text(COUNTY_PANEL_SQL, encoding="utf-8")
    (studies / "_county_guide.yml").write_text(COUNTY_PANEL_YAML, encoding="utf-8")

    # "Your own firm table": the firm table beside them, its series, index system and study; "Labels without
    # a year": a 公司基本信息 table, its 上市板块 declared
    write_firm_table(inbox)
    firm_info_table().to_csv(inbox / FIRM_INFO_FILE, index=False, encoding="utf-8")
    with (inbox / "inbox.yml").open("a", encoding="utf-8") as yml:
        yml.write("attributes: [上市板块]\n")
    append_rows(seeds / "series_catalogue.csv", FIRM_CATALOGUE_ROWS)
    append_rows(seeds / "index_systems.csv", [FIRM_SYSTEM_ROW])
    append_rows(seeds / "index_indicators.csv", FIRM_INDICATOR_ROWS)
    (studies / "panel_firm_guide.sql").write_text(FIRM_PANEL_SQL, encoding="utf-8")
    (studies / "_firm_guide.yml").write_text(FIRM_PANEL_YAML, encoding="utf-8")

    warehouse = tmp_path_factory.mktemp("warehouse") / "nqp.duckdb"
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "DBT_PROFILES_DIR": str(root),
        "DBT_TARGET_PATH": str(root / "dbt_project" / "target"),
        "DAGSTER_HOME": str(tmp_path_factory.mktemp("dagster_home")),
        "NQP_WAREHOUSE": str(warehouse),
        "NQP_REPORTS": str(tmp_path_factory.mktemp("reports")),
    }
    env.pop("NQP_DBT_DATABASE", None)
    env.pop("NQP_INBOX", None)
    bin_dir = Path(sys.executable).parent

    def build():
        for command in ([str(bin_dir / "dbt"), "parse", "--quiet"], [sys.executable, "-m", "models_py.cli", "build"]):
            completed = early_builds.run(command, cwd=root, env=env, timeout=1800)
            assert completed.returncode == 0, f"{' '.join(command)} failed in the copy:\n" \
                f"{completed.stdout[-5000:]}\n{completed.stderr[-5000:]}"
        return root, env, warehouse

    return build


def test_the_new_index_system_is_weighted_and_scored(guided_copy):
    _, _, warehouse = guided_copy
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        weights = connection.execute(
            "select indicator, weight from index_weights where system = ? and level = 'indicator' "
            "and period_scheme = 'pooled'", [SYSTEM]).df()
        scores = connection.execute(
            "select region_code, year, score from index_scores where system = ? and level = 'total'", [SYSTEM]).df()
        values = connection.execute(
            "select indicator, region_code, year, value from indicator_values where system = ?", [SYSTEM]).df()
    assert sorted(weights["indicator"]) == sorted(row["indicator"] for row in INDICATOR_ROWS)
    assert weights["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert len(scores) == 30 * 10 and scores["score"].notna().all()

    # the entropy weights, recomputed here with NumPy from the indicator values the warehouse holds
    wide = values.pivot_table(index=["region_code", "year"], columns="indicator", values="value")
    standardised = (wide - wide.min()) / (wide.max() - wide.min())
    shares = standardised / standardised.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(shares > 0, shares * np.log(shares), 0.0)
    entropy = -plogp.sum(axis=0) / np.log(len(wide))
    expected = pd.Series((1 - entropy) / (1 - entropy).sum(), index=wide.columns)
    got = weights.set_index("indicator")["weight"]
    for indicator in expected.index:
        assert got[indicator] == pytest.approx(expected[indicator], rel=1e-9), indicator


def test_the_declared_table_is_in_results(guided_copy):
    _, _, warehouse = guided_copy
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        coefficients = connection.execute(
            "select table_id, column_id, term, estimate from results.regression_coefficients where study = ?",
            [STUDY]).df()
        fits = connection.execute("select column_id, nobs, estimator from results.regression_fits "
                                  "where study = ? and table_id = 'demo1'", [STUDY]).df()
        panel = connection.execute("select * from panel_guide_demo").df()
    assert set(coefficients["table_id"]) == {"demo1"}
    assert set(coefficients["column_id"]) == {"(1)", "(2)"}
    assert {"guide_index", "investment_rate"} <= set(coefficients["term"])
    assert sorted(fits["column_id"]) == ["(1)", "(2)"]

    # column (1) against a within estimator computed here (two-way demeaning of a balanced panel)
    frame = panel.dropna(subset=["ln_gdp_per_capita", "guide_index"])
    def two_way_demean(series):
        return (series - frame.groupby("region_code")[series.name].transform("mean")
                - frame.groupby("year")[series.name].transform("mean") + series.mean())
    y, x = two_way_demean(frame["ln_gdp_per_capita"]), two_way_demean(frame["guide_index"])
    slope = float((x * y).sum() / (x * x).sum())
    estimate = coefficients.query("column_id == '(1)' and term == 'guide_index'")["estimate"].iloc[0]
    assert estimate == pytest.approx(slope, rel=1e-8)
    assert fits.set_index("column_id").loc["(1)", "nobs"] == len(frame)


def test_the_new_assets_and_job_are_in_dagster(guided_copy):
    root, env, _ = guided_copy
    probe = (
        "import json\n"
        "from orchestration.definitions import defs\n"
        "repo = defs.get_repository_def()\n"
        "graph = repo.asset_graph\n"
        "print(json.dumps({'assets': {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()},"
        " 'jobs': [j.name for j in repo.get_all_jobs()]}))\n"
    )
    completed = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True,
                               timeout=600)
    assert completed.returncode == 0, completed.stderr[-4000:]
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    assert found["assets"].get(f"results/{STUDY}") == STUDY
    assert found["assets"].get("main/panel_guide_demo") == STUDY
    assert f"build_{STUDY}" in found["jobs"]
    assert found["assets"].get(f"results/{OWN_STUDY}") == OWN_STUDY
    assert found["assets"].get("main/panel_smart_industry") == OWN_STUDY
    assert f"build_{OWN_STUDY}" in found["jobs"]


# --------------------------------------------------------------------------- the researcher's guide


@pytest.fixture(scope="module")
def own_build(guided_copy):
    _, _, warehouse = guided_copy
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        frames = {name: connection.execute(query, [OWN_SYSTEM]).df() for name, query in {
            "weights": "select indicator, weight from index_weights where system = ? and level = 'indicator' "
                       "and period_scheme = 'pooled'",
            "scores": "select region_code, year, score from index_scores where system = ? and level = 'total'",
            "values": "select indicator, region_code, year, value from indicator_values where system = ?",
        }.items()}
        frames["series"] = connection.execute(
            "select region_code, year, series, value, provenance, is_synthetic from series_values "
            "where list_contains(?, series) and year between 2016 and 2022",
            [["gdp", "invention_patent_applications", "trade_cny", "tax_revenue", "budget_expenditure",
              *OWN_COLUMNS.values()]]).df()
        frames["coefficients"] = connection.execute(
            "select column_id, term, estimate, std_error from results.regression_coefficients "
            "where study = ? and table_id = 'table1'", [OWN_STUDY]).df()
        frames["fits"] = connection.execute(
            "select column_id, nobs from results.regression_fits where study = ? and table_id = 'table1'",
            [OWN_STUDY]).df()
        frames["panel"] = connection.execute("select * from panel_smart_industry").df()
        frames["realness"] = connection.execute(
            "select n_cells, n_real, share_real from data_realness where subject_kind = 'index_system' "
            "and subject = ?", [OWN_SYSTEM]).df()
    return frames


def expected_indicator_values(series: pd.DataFrame) -> pd.DataFrame:
    """The system's indicator values rebuilt here: the workbook's own numbers for the new series,
    ratios of the warehouse's series for the others; 30 regions (Tibet excluded) x 2016-2022."""
    wide = series.pivot_table(index=["region_code", "year"], columns="series", values="value")
    wide = wide[wide.index.get_level_values("region_code") != 54]
    rows = []
    for indicator in OWN_INDICATOR_ROWS:
        if indicator["numerator"] in OWN_COLUMNS.values():
            value = pd.Series({key: own_value(indicator["numerator"], *key) for key in wide.index})
        else:
            value = wide[indicator["numerator"]] / wide[indicator["denominator"]]
        rows.append(pd.DataFrame({"indicator": indicator["indicator"], "direction": "positive",
                                  "value": value}).rename_axis(["region_code", "year"]).reset_index())
    return pd.concat(rows, ignore_index=True)


def test_the_workbook_series_are_real_and_as_written(own_build):
    series = own_build["series"]
    mine = series[series["series"].isin(OWN_COLUMNS.values())]
    assert len(mine) == 31 * len(OWN_YEARS) * len(OWN_COLUMNS)
    assert not mine["is_synthetic"].any()
    assert set(mine["provenance"]) == {f"real: data/inbox/{WORKBOOK}"}
    for row in mine.itertuples():
        assert row.value == own_value(row.series, row.region_code, row.year)
    # the other inputs are complete for the sample (so any missing-value rule gives these numbers)
    others = series[~series["series"].isin(OWN_COLUMNS.values()) & (series["region_code"] != 54)]
    assert len(others) == 30 * len(OWN_YEARS) * 5
    assert not others["is_synthetic"].any()
    # ... and real, so the index is too: every indicator value of the system is real
    realness = own_build["realness"].iloc[0]
    assert realness["n_cells"] == realness["n_real"] == 6 * 30 * len(OWN_YEARS)
    assert realness["share_real"] == 1


def test_the_own_index_weights_and_scores_match_numpy(own_build):
    expected_values = expected_indicator_values(own_build["series"])
    got_values = own_build["values"].set_index(["indicator", "region_code", "year"])["value"].sort_index()
    want_values = expected_values.set_index(["indicator", "region_code", "year"])["value"].sort_index()
    assert got_values.index.equals(want_values.index)
    np.testing.assert_allclose(got_values.to_numpy(), want_values.to_numpy(), rtol=1e-12)

    reference = compute_long(expected_values.assign(system=OWN_SYSTEM), ["system"], ["region_code", "year"])
    want_weights = reference.weights.set_index("indicator")["weight"].sort_index()
    got_weights = own_build["weights"].set_index("indicator")["weight"].sort_index()
    assert list(got_weights.index) == list(want_weights.index) and len(got_weights) == 6
    np.testing.assert_allclose(got_weights.to_numpy(), want_weights.to_numpy(), rtol=1e-9, atol=0)
    want_scores = reference.scores.set_index(["region_code", "year"])["weighted_sum"].sort_index()
    got_scores = own_build["scores"].set_index(["region_code", "year"])["score"].sort_index()
    assert got_scores.index.equals(want_scores.index) and len(got_scores) == 30 * len(OWN_YEARS)
    np.testing.assert_allclose(got_scores.to_numpy(), want_scores.to_numpy(), rtol=1e-9, atol=1e-12)


def test_the_own_regression_matches_pyfixest(own_build):
    import pyfixest as pf

    panel = own_build["panel"]
    coefficients = own_build["coefficients"].set_index(["column_id", "term"])
    assert len(panel) == 30 * len(OWN_YEARS)
    formulas = {"(1)": "ln_gdp ~ smart_index | region_code + year",
                "(2)": "ln_gdp ~ smart_index + ln_budget_expenditure | region_code + year"}
    for column, formula in formulas.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # reghdfe's conventions: CRV1 by region, (N-1)/(N-K) x G/(G-1), FE nested in the cluster not counted
            ref = pf.feols(formula, data=panel, vcov={"CRV1": "region_code"}, fixef_tol=1e-12,
                           ssc=pf.ssc(k_adj=True, k_fixef="nonnested", G_adj=True, G_df="min"))
        for term in ref.coef().index:
            got = coefficients.loc[(column, term)]
            assert got["estimate"] == pytest.approx(ref.coef()[term], rel=1e-8), (column, term)
            assert got["std_error"] == pytest.approx(ref.se()[term], rel=1e-8), (column, term)
        assert own_build["fits"].set_index("column_id").loc[column, "nobs"] == ref._N


# --------------------------------------------------------------------------- the county panel


@pytest.fixture(scope="module")
def county_build(guided_copy):
    _, _, warehouse = guided_copy
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        frames = {name: connection.execute(query).df() for name, query in {
            "values": "select * from intermediate.int_city_series_values where level = 'county'",
            "weights": f"select indicator, weight from index_weights where system = '{COUNTY_SYSTEM}' "
                       "and level = 'indicator' and period_scheme = 'pooled'",
            "scores": f"select region_code, year, score from index_scores where system = '{COUNTY_SYSTEM}' "
                      "and level = 'total'",
            "inequality": f"select * from inequality_measures where subject = '{COUNTY_SYSTEM}'",
            "realness": "select n_cells, n_real, share_real from data_realness where subject_kind = 'index_system' "
                        f"and subject = '{COUNTY_SYSTEM}'",
            "city_panel": "select region_code, year, ln_gdp_per_capita_national from panel_city_demo",
            "quarantine": "select check_name, severity, series, region_code, year, source_file, source_row "
                          "from quarantine where region_code between 100000 and 999999",
            "county_panel": "select * from panel_county_guide",
            "coefficients": "select column_id, term, estimate, std_error from results.regression_coefficients "
                            "where study = 'county_guide' and table_id = 'table1'",
            "fits": "select column_id, nobs, n_clusters from results.regression_fits "
                    "where study = 'county_guide' and table_id = 'table1'",
            "city_values": "select region_code, year, series, value from intermediate.int_city_series_values "
                           "where level = 'prefecture_city' and series in ('gdp', 'population')",
        }.items()}
    return frames


@pytest.fixture(scope="module")
def county_reference():
    """The county index recomputed with NumPy from the file's own numbers (not the warehouse's)."""
    _, long = county_inbox_table()
    units = pd.read_csv(PROJECT_ROOT / "seeds/reference/units.csv", encoding="utf-8")
    excluded = units.loc[units["parent_code"] == int(COUNTY_EXCLUDED_CITY), "unit_code"]
    assert len(excluded) == 12
    return index_from_file(long[~long["region_code"].isin(excluded)], COUNTY_INDICATOR_ROWS)


def index_from_file(long: pd.DataFrame, indicator_rows: list[dict]):
    """The entropy index of `indicator_rows` (ratios numerator / denominator * scale of the file's
    series, as the catalogue declares them) on the unit-years of `long`, by the NumPy reference."""
    wide = long.pivot_table(index=["region_code", "year"], columns="series", values="value")
    rows = [pd.DataFrame({"system": row["system"], "indicator": row["indicator"], "direction": row["direction"],
                          "value": wide[row["numerator"]] / wide[row["denominator"]] * float(row["scale"])})
            .rename_axis(["region_code", "year"]).reset_index() for row in indicator_rows]
    return compute_long(pd.concat(rows, ignore_index=True), ["system"], ["region_code", "year"])


def test_the_county_table_is_read_as_counties(county_build):
    _, long = county_inbox_table()
    stored = county_build["values"]
    assert len(stored) == len(long) == 303 * 7 * 4  # Hebei's and Shandong's county-level units
    assert set(stored["provenance"]) == {f"real: data/inbox/{COUNTY_FILE}"} and not stored["is_synthetic"].any()
    both = stored.merge(long, on=["region_code", "year", "series"], suffixes=("", "_file"))
    assert len(both) == len(stored)
    np.testing.assert_allclose(both["value"], both["value_file"], rtol=1e-12)
    assert set(both["region_code"] // 10000) == {13, 37}


def test_the_county_index_matches_numpy(county_build, county_reference):
    want = county_reference.weights.set_index("indicator")["weight"].sort_index()
    got = county_build["weights"].set_index("indicator")["weight"].sort_index()
    assert list(got.index) == list(want.index) and len(got) == 3
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9, atol=0)
    want = county_reference.scores.set_index(["region_code", "year"])["weighted_sum"].sort_index()
    got = county_build["scores"].set_index(["region_code", "year"])["score"].sort_index()
    assert got.index.equals(want.index) and len(got) == (303 - 12) * 7  # Jinan's counties excluded
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9, atol=1e-12)
    realness = county_build["realness"].iloc[0]
    assert realness["n_cells"] == realness["n_real"] == 3 * (303 - 12) * 7 and realness["share_real"] == 1


def test_county_inequality_splits_by_province(county_build, county_reference):
    """Dagum and Theil of the county scores with the counties grouped by province (Hebei, Shandong)."""
    mart = county_build["inequality"]
    assert {"province", "region3"} <= set(mart["grouping"])
    by_province = mart[mart["grouping"] == "province"].set_index("year")
    assert sorted(by_province.index) == list(range(2016, 2023))
    for year, (dagum, theil) in inequality_numpy.province_split_by_year(county_reference.scores).items():
        assert dagum.net_between > 0  # two provinces, two groups
        assert by_province.loc[year, "gini"] == pytest.approx(dagum.gini, rel=1e-9)
        assert by_province.loc[year, "gini_net_between"] == pytest.approx(dagum.net_between, rel=1e-9)
        assert by_province.loc[year, "theil_between"] == pytest.approx(theil.between, rel=1e-9, abs=1e-12)


def test_county_values_stay_out_of_the_city_panel(county_build):
    """int_city_series_values holds cities and counties; the city study's national average sums cities only."""
    panel, values = county_build["city_panel"], county_build["city_values"]
    assert len(panel) == 337 * 12 and (panel["region_code"] % 100 == 0).all()
    sums = values.pivot_table(index="year", columns="series", values="value", aggfunc="sum")
    national = np.log(sums["gdp"] * 1e4 / sums["population"])
    got = panel.groupby("year")["ln_gdp_per_capita_national"].first()
    np.testing.assert_allclose(got.to_numpy(), national.loc[got.index].to_numpy(), rtol=1e-12)


def test_county_study_report_says_why_its_map_is_missing(guided_copy):
    """The copy's `nqp build` wrote the county study's report with its default figures: the trend,
    density and weights drawn, the choropleth listed as not drawn with the reason."""
    _, env, _ = guided_copy
    reports = Path(env["NQP_REPORTS"])
    text = (reports / "county_guide.md").read_text(encoding="utf-8")
    assert "county-level units" in text and "county_development" in text
    drawn = sorted(path.name for path in (reports / "figures").glob("county_guide_*_zh.png"))
    assert drawn == [f"county_guide_{kind}_{COUNTY_SYSTEM}_zh.png" for kind in ("density", "index_trend", "weights")]


def test_county_figures_draw_except_the_choropleth(guided_copy, county_reference):
    """The trend by region group draws the county scores; a county choropleth is not drawn, with the
    reason (outlines exist for provinces and cities only), instead of an empty or a provincial map."""
    from models_py.figures.charts import NoFigureData
    from models_py.figures.study import FigureSpec, draw

    _, _, warehouse = guided_copy
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        def query(sql, params=None):
            return connection.execute(sql, params or []).df()

        trend = draw(FigureSpec("county_guide", "index_trend", COUNTY_SYSTEM), query, "en")
        east, overall = trend.axes[0].get_lines()  # Hebei and Shandong are both east: one group and all
        assert east.get_label() == "East"
        want = county_reference.scores.groupby("year")["weighted_sum"].mean()
        np.testing.assert_allclose(east.get_ydata(), want.loc[east.get_xdata()].to_numpy(), rtol=1e-9)
        np.testing.assert_allclose(overall.get_ydata(), east.get_ydata(), rtol=1e-12)
        with pytest.raises(NoFigureData, match="county_development.*county-level units"):
            draw(FigureSpec("county_guide", "choropleth", COUNTY_SYSTEM, year=2022), query, "zh")


def test_the_county_regression_clusters_by_county_and_by_city(county_build, county_reference):
    """table1: the two-way FE slope of ln GDP per capita on the county index (from the file), with
    reghdfe's cluster-robust errors by county and by the county's city, as pyfixest gives them."""
    import pyfixest as pf

    panel = county_build["county_panel"]
    assert len(panel) == (303 - 12) * 7 and panel["city_code"].nunique() == 27 - 1
    np.testing.assert_allclose(
        panel.set_index(["region_code", "year"])["county_index"].sort_index().to_numpy(),
        county_reference.scores.set_index(["region_code", "year"])["weighted_sum"].sort_index().to_numpy(),
        rtol=1e-9)
    coefficients = county_build["coefficients"].set_index(["column_id", "term"])
    fits = county_build["fits"].set_index("column_id")
    for column, cluster in (("(1)", "region_code"), ("(2)", "city_code")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = pf.feols("ln_gdp_per_capita ~ county_index | region_code + year", data=panel,
                           vcov={"CRV1": cluster}, fixef_tol=1e-12,
                           ssc=pf.ssc(k_adj=True, k_fixef="nonnested", G_adj=True, G_df="min"))
        got = coefficients.loc[(column, "county_index")]
        assert got["estimate"] == pytest.approx(ref.coef()["county_index"], rel=1e-8)
        assert got["std_error"] == pytest.approx(ref.se()["county_index"], rel=1e-8), column
        assert fits.loc[column, "n_clusters"] == panel[cluster].nunique()


def test_a_one_year_slip_in_the_county_table_is_quarantined(county_build):
    """正定县's R&D of JUMP_YEAR is 5x its neighbours in time: flagged (warn) in that year and the next,
    naming the county table and its line; nothing else of the table is flagged."""
    flags = county_build["quarantine"]
    assert set(flags["check_name"]) == {"year_on_year_jump"} and set(flags["severity"]) == {"warn"}
    assert sorted(zip(flags["series"], flags["region_code"], flags["year"])) == [
        (JUMP_SERIES, JUMP_COUNTY, JUMP_YEAR), (JUMP_SERIES, JUMP_COUNTY, JUMP_YEAR + 1)]
    assert set(flags["source_file"]) == {f"data/inbox/{COUNTY_FILE}"} and (flags["source_row"] > 1).all()


# --------------------------------------------------------------------------- the firm panel


@pytest.fixture(scope="module")
def firm_build(guided_copy):
    _, _, warehouse = guided_copy
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        frames = {name: connection.execute(query).df() for name, query in {
            "values": "select * from intermediate.int_city_series_values where level = 'firm'",
            "units": "select unit_code, firm_id, name_short, parent_code, province_code, region3 "
                     "from intermediate.int_units where level = 'firm'",
            "weights": f"select indicator, weight from index_weights where system = '{FIRM_SYSTEM}' "
                       "and level = 'indicator' and period_scheme = 'pooled'",
            "scores": f"select region_code, year, score from index_scores where system = '{FIRM_SYSTEM}' "
                      "and level = 'total'",
            "inequality": f"select * from inequality_measures where subject = '{FIRM_SYSTEM}'",
            "realness": "select n_cells, n_real, share_real from data_realness where subject_kind = 'index_system' "
                        f"and subject = '{FIRM_SYSTEM}'",
            "quarantine": "select * from quarantine where region_code >= 1000000000",
            "city_panel": "select count(*) as n from panel_city_demo where region_code >= 1000000000",
            "firm_panel": "select * from panel_firm_guide",
            "labels": "select unit_code, year, attribute, value, read_without_year, source_file, source_row "
                      "from unit_attributes where level = 'firm'",
            "coefficients": "select column_id, term, estimate, std_error from results.regression_coefficients "
                            "where study = 'firm_guide' and table_id = 'table1'",
            "by_ownership": "select equation, term, estimate, std_error from results.regression_coefficients "
                            "where study = 'firm_guide' and table_id = 'table2'",
            "fits": "select column_id, nobs, n_clusters from results.regression_fits "
                    "where study = 'firm_guide' and table_id = 'table1'",
        }.items()}
    return frames


@pytest.fixture(scope="module")
def firm_reference():
    """The firm index recomputed with NumPy from the file's own numbers (not the warehouse's)."""
    _, firms, long = firm_inbox_table()
    kept = firms[(firms["province_code"] != 65) & (firms["region_code"] != FIRM_EXCLUDED_FIRM)]
    return index_from_file(long[long["region_code"].isin(kept["region_code"])], FIRM_INDICATOR_ROWS), kept


def test_the_firm_table_is_read_as_firms(firm_build):
    """Every value as in the file, under its firm's unit code; each firm in int_units with its code,
    name, province (and the province's groups) and its city as parent, else its province; and firm
    values stay out of the city panel and out of the level checks."""
    _, firms, long = firm_inbox_table()
    stored = firm_build["values"]
    assert len(stored) == len(long) == 360 * 8 * 5
    assert not stored["is_synthetic"].any()  # 2015-2018 from the CSV, 2019-2022 from the Stata file
    assert dict(stored.groupby("provenance")["year"].agg(lambda years: (years.min(), years.max()))) == {
        f"real: data/inbox/{FIRM_FILE}": (2015, FIRM_STATA_FROM - 1),
        f"real: data/inbox/{FIRM_STATA_FILE}": (FIRM_STATA_FROM, 2022)}
    both = stored.merge(long, on=["region_code", "year", "series"], suffixes=("", "_file"))
    assert len(both) == len(stored)
    np.testing.assert_allclose(both["value"], both["value_file"], rtol=1e-12)
    units = firm_build["units"].set_index("unit_code").sort_index()
    firms = firms.set_index("region_code").sort_index()
    assert list(units.index) == list(firms.index) and len(units) == 360
    assert (units["firm_id"] == firms["firm_id"]).all()
    # each firm by its latest name: the ST firm by the *ST name it has had since ST_FROM
    expected_names = firm_inbox_table()[0].drop_duplicates("证券代码", keep="last")["证券简称"].tolist()
    assert units["name_short"].tolist() == expected_names and expected_names[ST_FIRM].startswith("*ST")
    assert (units["province_code"] == firms["province_code"]).all() and units["region3"].notna().all()
    parent = firms["city_code"].fillna(firms["province_code"]).astype(int)
    assert (units["parent_code"] == parent).all() and firms["city_code"].notna().sum() == 120
    assert firm_build["city_panel"]["n"].iloc[0] == 0


def test_a_firm_year_typed_in_yuan_is_quarantined_with_the_firm_threshold(firm_build):
    """The SLIP_FIRM-th firm's fixed assets of SLIP_YEAR are 10,000x its neighbours in time: flagged (warn)
    in that year and the next, naming the firm table and its line, with the firm threshold (1,000); the
    firms' real 3-5x swings are not flagged, and no firm is compared with other firms (unit_scale)."""
    _, firms, _ = firm_inbox_table()
    slipped = int(firms["region_code"].iloc[SLIP_FIRM])
    flags = firm_build["quarantine"]
    assert set(flags["check_name"]) == {"year_on_year_jump"} and set(flags["severity"]) == {"warn"}
    assert sorted(zip(flags["series"], flags["region_code"], flags["year"])) == [
        (SLIP_SERIES, slipped, SLIP_YEAR), (SLIP_SERIES, slipped, SLIP_YEAR + 1)]
    assert flags["detail"].str.endswith("(threshold 1000)").all()
    assert SLIP_YEAR >= FIRM_STATA_FROM and set(flags["source_file"]) == {f"data/inbox/{FIRM_STATA_FILE}"}
    # the Stata file's lines: observation k is line k + 1, firms in code order within each year (360 firms)
    years = sorted(flags["year"])
    assert sorted(flags["source_row"]) == [2 + (year - FIRM_STATA_FROM) * 360 + SLIP_FIRM for year in years]


def test_the_firm_index_matches_numpy(firm_build, firm_reference):
    reference, kept = firm_reference
    assert 300 < len(kept) < 359  # Xinjiang's firms and one more excluded
    want = reference.weights.set_index("indicator")["weight"].sort_index()
    got = firm_build["weights"].set_index("indicator")["weight"].sort_index()
    assert list(got.index) == list(want.index) and len(got) == 4
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9, atol=0)
    want = reference.scores.set_index(["region_code", "year"])["weighted_sum"].sort_index()
    got = firm_build["scores"].set_index(["region_code", "year"])["score"].sort_index()
    assert got.index.equals(want.index) and len(got) == len(kept) * 8
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9, atol=1e-12)
    realness = firm_build["realness"].iloc[0]
    assert realness["n_cells"] == realness["n_real"] == 4 * len(kept) * 8 and realness["share_real"] == 1


def test_firm_inequality_splits_by_province(firm_build, firm_reference):
    """Dagum and Theil of the firm scores with the firms grouped by the province their table gives."""
    reference, kept = firm_reference
    mart = firm_build["inequality"]
    assert {"province", "region3"} <= set(mart["grouping"])
    by_province = mart[mart["grouping"] == "province"].set_index("year")
    assert sorted(by_province.index) == list(range(2015, 2023))
    provinces = dict(zip(kept["region_code"], kept["province_code"]))
    for year, (dagum, theil) in inequality_numpy.province_split_by_year(reference.scores, provinces=provinces).items():
        assert by_province.loc[year, "gini"] == pytest.approx(dagum.gini, rel=1e-9)
        assert by_province.loc[year, "gini_net_between"] == pytest.approx(dagum.net_between, rel=1e-9, abs=1e-12)
        assert by_province.loc[year, "theil_between"] == pytest.approx(theil.between, rel=1e-9, abs=1e-12)


def test_the_firm_regression_clusters_by_firm_and_by_province(firm_build, firm_reference):
    """table1: two-way FE (firm and year) of ln revenue on the firm index and ln employees, with
    reghdfe's cluster-robust errors by firm and by province, as pyfixest gives them."""
    import pyfixest as pf

    reference, kept = firm_reference
    panel = firm_build["firm_panel"]
    assert len(panel) == len(kept) * 8 and panel["province_code"].nunique() == kept["province_code"].nunique()
    np.testing.assert_allclose(
        panel.set_index(["region_code", "year"])["firm_index"].sort_index().to_numpy(),
        reference.scores.set_index(["region_code", "year"])["weighted_sum"].sort_index().to_numpy(), rtol=1e-9)
    coefficients = firm_build["coefficients"].set_index(["column_id", "term"])
    fits = firm_build["fits"].set_index("column_id")
    for column, cluster, effects in (("(1)", "region_code", "year"), ("(2)", "province_code", "year"),
                                     ("(3)", "region_code", "industry_year")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = pf.feols(f"ln_revenue ~ firm_index + ln_employees | region_code + {effects}", data=panel,
                           vcov={"CRV1": cluster}, fixef_tol=1e-12,
                           ssc=pf.ssc(k_adj=True, k_fixef="nonnested", G_adj=True, G_df="min"))
        for term in ("firm_index", "ln_employees"):
            got = coefficients.loc[(column, term)]
            assert got["estimate"] == pytest.approx(ref.coef()[term], rel=1e-8), (column, term)
            assert got["std_error"] == pytest.approx(ref.se()[term], rel=1e-8), (column, term)
        assert fits.loc[column, "n_clusters"] == panel[cluster].nunique()
        assert fits.loc[column, "nobs"] == ref._N


def test_the_ownership_subsamples_match_pyfixest(firm_build):
    """table2: the two-way FE model on the 国有 and on the 非国有 firms (subsample by the 产权性质 label),
    each against pyfixest on that subsample, errors clustered by firm."""
    import pyfixest as pf

    panel = firm_build["firm_panel"]
    got = firm_build["by_ownership"].set_index(["equation", "term"])
    assert set(got.index.get_level_values("equation")) == {"国有", "非国有"}
    for group, rows in panel.groupby("ownership"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = pf.feols("ln_revenue ~ firm_index + ln_employees | region_code + year", data=rows.reset_index(),
                           vcov={"CRV1": "region_code"}, fixef_tol=1e-12,
                           ssc=pf.ssc(k_adj=True, k_fixef="nonnested", G_adj=True, G_df="min"))
        for term in ("firm_index", "ln_employees"):
            assert got.loc[(group, term), "estimate"] == pytest.approx(ref.coef()[term], rel=1e-8), (group, term)
            assert got.loc[(group, term), "std_error"] == pytest.approx(ref.se()[term], rel=1e-8), (group, term)


def test_the_firm_tables_labels_are_read_per_year(firm_build):
    """行业代码 and 产权性质 are read as labels, not values: one row per firm, year and label in unit_attributes
    with the file and line it came from (the CSV before 2019, the Stata file after), the switching firm's
    new industry from its year on, and the panel's industry, industry x year and ownership columns."""
    _, firms, _ = firm_inbox_table()
    every = firm_build["labels"]
    # 上市板块: test_the_firm_info_tables_labels_fill_every_year; 证券简称: each firm-year's name, as in the file
    labels = every[~every["attribute"].isin(["上市板块", "证券简称"])]
    assert set(labels["attribute"]) == {"行业代码", "产权性质"} and len(labels) == 2 * 360 * 8
    names = every[every["attribute"] == "证券简称"].merge(
        firm_inbox_table()[0].assign(unit_code=firm_labels()["region_code"]), left_on=["unit_code", "year"],
        right_on=["unit_code", "年份"], validate="one_to_one")
    assert len(names) == 360 * 8 and (names["value"] == names["证券简称"]).all()
    # README's 剔除ST CTE on the mart: the ST firm's years from ST_FROM, nothing else
    special = every[(every["attribute"] == "证券简称") & every["value"].str.match(r"^\*?ST")]
    st_code = firms["region_code"].iloc[ST_FIRM]
    assert sorted(zip(special["unit_code"], special["year"])) == [(st_code, y) for y in range(ST_FROM, 2023)]
    assert not labels["read_without_year"].any()  # the info table's 行业代码 yields to each year's own
    expected = firm_labels().rename(columns={"region_code": "unit_code"}).melt(
        id_vars=["unit_code", "year"], var_name="attribute", value_name="value_file")
    expected["attribute"] = expected["attribute"].map({"industry": "行业代码", "ownership": "产权性质"})
    merged = labels.merge(expected, on=["unit_code", "year", "attribute"], validate="one_to_one")
    assert len(merged) == len(labels) and (merged["value"] == merged["value_file"]).all()
    industry = labels[labels["attribute"] == "行业代码"]
    switcher = industry[industry["unit_code"] == firms["region_code"].iloc[INDUSTRY_SWITCHER]]
    assert switcher["value"].nunique() == 2
    assert (labels.loc[labels["year"] < FIRM_STATA_FROM, "source_file"] == f"data/inbox/{FIRM_FILE}").all()
    assert (labels.loc[labels["year"] >= FIRM_STATA_FROM, "source_file"] == f"data/inbox/{FIRM_STATA_FILE}").all()
    panel = firm_build["firm_panel"].merge(firm_labels(), on=["region_code", "year"], suffixes=("", "_file"))
    assert len(panel) == len(firm_build["firm_panel"])
    assert (panel["industry"] == panel["industry_file"]).all() and (panel["ownership"] == panel["ownership_file"]).all()
    assert (panel["industry_year"] == panel["industry"] + "_" + panel["year"].astype(str)).all()


def test_the_firm_info_tables_labels_fill_every_year(firm_build):
    """The 公司基本信息 table (no 年份): its 上市板块 goes to each of the firm's 8 years with values, marked
    read_without_year and traced to its line; its 行业代码 (today's) fills no year, since every firm-year has
    its own, and the switcher keeps its first industry before the switch."""
    info = firm_info_table()
    labels = firm_build["labels"]
    boards = labels[labels["attribute"] == "上市板块"]
    assert len(boards) == 360 * 8 and boards["read_without_year"].all()
    assert (boards["source_file"] == f"data/inbox/{FIRM_INFO_FILE}").all()
    expected = pd.DataFrame({"unit_code": FIRST_FIRM_CODE + info["证券代码"].astype(int), "value_file": info["上市板块"],
                             "row_file": range(2, 2 + len(info))})
    merged = boards.merge(expected, on="unit_code", validate="many_to_one")
    assert len(merged) == len(boards) and (merged["value"] == merged["value_file"]).all()
    assert (merged["source_row"] == merged["row_file"]).all()
    assert sorted(boards.groupby("unit_code")["year"].nunique().unique()) == [8]
    switcher = firm_info_table().iloc[INDUSTRY_SWITCHER]
    own = labels[(labels["unit_code"] == FIRST_FIRM_CODE + int(switcher["证券代码"])) & (labels["attribute"] == "行业代码")]
    assert (own.loc[own["year"] < INDUSTRY_SWITCH_YEAR, "value"] != switcher["行业代码"]).all()
    assert (own.loc[own["year"] >= INDUSTRY_SWITCH_YEAR, "value"] == switcher["行业代码"]).all()


def test_firm_study_report_says_why_its_map_is_missing(guided_copy):
    """The firm study's report: trend, density and weights drawn; the choropleth not drawn, with why."""
    from models_py.figures.charts import NoFigureData
    from models_py.figures.study import FigureSpec, draw

    _, env, warehouse = guided_copy
    reports = Path(env["NQP_REPORTS"])
    text = (reports / "firm_guide.md").read_text(encoding="utf-8")
    assert "firms, and maps are drawn for provinces and prefecture-level cities only" in text
    drawn = sorted(path.name for path in (reports / "figures").glob("firm_guide_*_zh.png"))
    assert drawn == [f"firm_guide_{kind}_{FIRM_SYSTEM}_zh.png" for kind in ("density", "index_trend", "weights")]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        def query(sql, params=None):
            return connection.execute(sql, params or []).df()

        with pytest.raises(NoFigureData, match="firm_innovation.*firms"):
            draw(FigureSpec("firm_guide", "choropleth", FIRM_SYSTEM, year=2022), query, "zh")
        # the trend by region group: each firm in its province's group (west, central, east, northeast)
        scores = query("select s.year, r.region3, s.score from index_scores s join intermediate.int_units u "
                       "on u.unit_code = s.region_code join reference.regions r on r.region_code = u.province_code "
                       "where s.system = ? and s.level = 'total'", [FIRM_SYSTEM])
        trend = draw(FigureSpec("firm_guide", "index_trend", FIRM_SYSTEM), query, "en")
    lines = {line.get_label(): line for line in trend.axes[0].get_lines()}
    means = scores.groupby(["region3", "year"])["score"].mean()
    for group in ("east", "central", "west"):
        line = lines[group.capitalize()]
        np.testing.assert_allclose(line.get_ydata(), means.loc[group].loc[line.get_xdata()].to_numpy(), rtol=1e-12)
