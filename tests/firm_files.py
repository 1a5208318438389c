"""A researcher's firm table for the inbox (README "City-level panels", "Your own firm table"): 360 listed
firms, 2015-2022, five series (operating revenue, R&D expenditure, employees, invention patent
applications, fixed assets) with made-up values from a seeded generator (not statistics of any firm).
Header 证券代码, 证券简称, 省份, 城市, 年份, 行业代码, 产权性质 and one column per series with its unit, as a CSMAR /
Wind export gives them (行业代码: the CSRC industry code, 产权性质: 国有 / 非国有, labels; firm_labels says which
firm has which); codes six digits wide with leading zeros, every seventh with its exchange suffix
(600519.SH), every eleventh without its leading zeros (as Stata's numeric stkcd writes 000001 as 1).
The 城市 cell is the province's capital for every third firm and blank otherwise (its parent is then the
province). The analyst-guide copy gets 2015-2018 as that CSV and 2019-2022 as a Stata file (stata_frame:
numeric stkcd, a value-labelled province, variables labelled with the CSV's headers). One value is typed in 元 under the 万元 header, as happens in one year of a compiled table:
the fixed assets of the SLIP_FIRM-th firm in SLIP_YEAR (10,000x), which the year-on-year check must put in
the quarantine with the firm threshold (a warning: the value is loaded). Written into the analyst-guide
copy (tests/test_analyst_guide.py) and checked there against NumPy and pyfixest."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FILE_NAME = "上市公司面板.csv"
# the guide's copy keeps the later years as a researcher keeps them in Stata (write_firm_table)
STATA_FILE_NAME, STATA_FROM_YEAR = "上市公司面板_2019起.dta", 2019
YEARS = range(2015, 2023)
N_FIRMS = 360
SLIP_FIRM, SLIP_YEAR, SLIP_SERIES = 10, 2019, "firm_fixed_assets"  # the 11th firm's 2019 fixed assets in 元
FIRST_FIRM_CODE = 1_000_000_000  # models_py.ingest.firms.FIRST_FIRM_CODE, restated: the test must not import it
# the file's column -> the catalogue series it maps to (the guide's catalogue rows, FIRM_CATALOGUE_ROWS)
COLUMNS = {
    "营业收入(万元)": "firm_revenue",
    "研发投入(万元)": "firm_rd",
    "员工人数(人)": "firm_employees",
    "发明专利申请数(件)": "firm_patents",
    "固定资产净额(万元)": "firm_fixed_assets",
}
# the columns as a Stata user names them; each variable's label is the CSV's header
STATA_NAMES = {"证券代码": "stkcd", "证券简称": "stknme", "省份": "province", "城市": "city", "年份": "year",
               "行业代码": "indcd", "产权性质": "soe", "营业收入(万元)": "revenue", "研发投入(万元)": "rd", "员工人数(人)": "employees",
               "发明专利申请数(件)": "patents", "固定资产净额(万元)": "fixedassets"}
STATA_LABELS = {name: label for label, name in STATA_NAMES.items()}
NAMES_EN = ["Operating revenue", "R&D expenditure", "Employees", "Invention patent applications",
            "Fixed assets (net)"]


# CSRC industry codes (2012 classification); a firm's is fixed by its position among the firms, and the
# INDUSTRY_SWITCHER-th firm moves from its first to its second code in INDUSTRY_SWITCH_YEAR
INDUSTRIES = ("C26", "C27", "C39", "I65", "J66", "K70")
INDUSTRY_SWITCHER, INDUSTRY_SWITCH_YEAR = 7, 2020


def _industry(i: int, year: int) -> str:
    moved = i == INDUSTRY_SWITCHER and year >= INDUSTRY_SWITCH_YEAR
    return INDUSTRIES[(i + moved) % len(INDUSTRIES)]


# the ST_FIRM-th firm is under special treatment from ST_FROM on (*ST: 证券简称 '*ST样本013'), as a renamed
# firm's name changes in a CSMAR panel; 剔除ST samples read it from unit_attributes (README "Labels")
ST_FIRM, ST_FROM = 12, 2021


def _name(i: int, year: int) -> str:
    return f"*ST样本{i + 1:03d}" if i == ST_FIRM and year >= ST_FROM else f"样本公司{i + 1:03d}"


def _ownership(i: int) -> str:
    return "国有" if i % 3 == 1 else "非国有"


def firm_labels() -> pd.DataFrame:
    """The 行业代码 and 产权性质 of every firm and year in the table: region_code, year, industry, ownership."""
    _, firms, _ = firm_inbox_table()
    codes = firms["region_code"].to_numpy()
    return pd.DataFrame([(codes[i], year, _industry(i, year), _ownership(i)) for year in YEARS
                         for i in range(len(codes))], columns=["region_code", "year", "industry", "ownership"])


def _codes(rng) -> np.ndarray:
    """Distinct stock codes from the Shenzhen main board, ChiNext and the Shanghai main board / STAR."""
    pools = [np.arange(1, 3000), np.arange(300001, 301000), np.arange(600000, 604000), np.arange(688001, 689000)]
    picked = np.concatenate([rng.choice(pool, N_FIRMS // 4, replace=False) for pool in pools])
    return np.sort(picked)


def _shown(code: int, i: int) -> str:
    if i % 7 == 3:
        return f"{code:06d}." + ("SH" if code >= 600000 else "SZ")
    if i % 11 == 5:
        return str(code)
    return f"{code:06d}"


def firm_inbox_table() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(the inbox file as written; the expected firms: region_code, firm_id, province_code, city_code;
    the expected long values: region_code, year, series, value)."""
    regions = pd.read_csv(PROJECT_ROOT / "seeds/reference/regions.csv", encoding="utf-8")
    units = pd.read_csv(PROJECT_ROOT / "seeds/reference/units.csv", encoding="utf-8")
    cities = units[units["level"] == "prefecture_city"].sort_values("unit_code")
    capital = cities.groupby("region_code").first()  # each province's first prefecture city by code
    rng = np.random.default_rng(20261207)
    codes = _codes(rng)
    n = len(codes)
    province = rng.choice(regions["region_code"].to_numpy(), n)
    revenue0 = np.exp(rng.uniform(np.log(2e4), np.log(5e6), n))  # 万元
    rd_share = rng.uniform(0.005, 0.08, n)
    revenue_per_worker = rng.uniform(60, 400, n)  # 万元 per employee
    patents_per_rd = rng.uniform(0.002, 0.03, n)
    capital_share = rng.uniform(0.15, 0.9, n)
    rows = []
    for step, year in enumerate(YEARS):
        revenue = revenue0 * (1 + rng.uniform(-0.05, 0.18, n)) ** step
        rd = revenue * rd_share * (1 + 0.04 * step)
        rows.append(pd.DataFrame({
            "region_code": FIRST_FIRM_CODE + codes, "year": year,
            "firm_revenue": revenue.round(2),
            "firm_rd": rd.round(2),
            "firm_employees": np.maximum(np.round(revenue / revenue_per_worker / (1 + 0.02 * step)), 20),
            "firm_patents": np.round(rd * patents_per_rd + rng.uniform(0, 3, n)),
            "firm_fixed_assets": (revenue * capital_share * rng.uniform(0.9, 1.1, n)).round(2),
        }))
    wide = pd.concat(rows, ignore_index=True)
    slip = (wide["region_code"] == FIRST_FIRM_CODE + codes[SLIP_FIRM]) & (wide["year"] == SLIP_YEAR)
    wide.loc[slip, SLIP_SERIES] *= 10_000
    names = dict(zip(regions["region_code"], regions["name_full"]))
    by_code = dict(zip(FIRST_FIRM_CODE + codes, range(n)))
    index = wide["region_code"].map(by_code)
    city_code = [int(capital.loc[province[i], "unit_code"]) if i % 3 == 0 else None for i in range(n)]
    city_name = dict(zip(capital["unit_code"], capital["name_full"]))
    table = pd.DataFrame({
        "证券代码": [_shown(int(codes[i]), i) for i in index],
        "证券简称": [_name(i, year) for i, year in zip(index, wide["year"])],
        "省份": [names[province[i]] for i in index],
        "城市": [city_name[city_code[i]] if city_code[i] is not None else "" for i in index],
        "年份": wide["year"],
        "行业代码": [_industry(i, year) for i, year in zip(index, wide["year"])],
        "产权性质": [_ownership(i) for i in index],
        **{column: wide[series] for column, series in COLUMNS.items()},
    })
    firms = pd.DataFrame({"region_code": FIRST_FIRM_CODE + codes, "firm_id": [f"{c:06d}" for c in codes],
                          "province_code": province, "city_code": pd.array(city_code, dtype="Int64")})
    long = wide.melt(id_vars=["region_code", "year"], value_vars=list(COLUMNS.values()), var_name="series")
    return table, firms, long


def stata_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The table as it sits in Stata (write it with variable_labels=STATA_LABELS): variables named as a
    Stata user names them, stkcd numeric (leading zeros and exchange suffixes gone), province a
    value-labelled code, the other columns labelled with the CSV's header."""
    frame = table.rename(columns=STATA_NAMES)
    frame["stkcd"] = frame["stkcd"].str.replace(r"\.(SH|SZ)$", "", regex=True).astype("int64")
    frame["province"] = pd.Categorical(frame["province"])
    frame["year"] = frame["year"].astype("int16")
    return frame


# a CSMAR 公司基本信息 style table beside the panel: one row per firm, no 年份; 行业代码 is the firm's current
# industry (the switcher's second code, which differs from its own labels before INDUSTRY_SWITCH_YEAR) and
# 上市板块 its board (inbox.yml lists it under attributes:)
INFO_FILE_NAME = "公司基本信息.csv"


def listing_board(code: int) -> str:
    if 300000 <= code < 302000:
        return "创业板"
    return "科创板" if 688000 <= code < 689000 else "主板"


def firm_info_table() -> pd.DataFrame:
    """The 公司基本信息 table as written: 证券代码 (six digits), 证券简称, 省份, 行业代码, 上市板块."""
    table, firms, _ = firm_inbox_table()
    last = table[table["年份"] == max(YEARS)].reset_index(drop=True)  # one row per firm, in the panel's order
    codes = firms["region_code"].to_numpy() - FIRST_FIRM_CODE
    return pd.DataFrame({"证券代码": [f"{code:06d}" for code in codes], "证券简称": last["证券简称"],
                         "省份": last["省份"], "行业代码": last["行业代码"],
                         "上市板块": [listing_board(int(code)) for code in codes]})


def write_firm_table(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write the table into ``folder``: the years before STATA_FROM_YEAR as FILE_NAME (UTF-8 CSV), the
    rest as STATA_FILE_NAME (Stata 14+ .dta, stata_frame); returns (expected firms, expected long values)."""
    table, firms, long = firm_inbox_table()
    early = table["年份"] < STATA_FROM_YEAR
    table[early].to_csv(Path(folder) / FILE_NAME, index=False, encoding="utf-8")
    stata_frame(table[~early].reset_index(drop=True)).to_stata(
        Path(folder) / STATA_FILE_NAME, write_index=False, version=118, variable_labels=STATA_LABELS)
    return firms, long


# Enterprise micro data keyed by registration ids (tests/test_ingest_firms.py and
# tests/test_firm_registration_build.py): credit codes in any case and with a space, organisation
# codes with and without their hyphen, and a listed-firm table in the same inbox. Sorted ids:
# 100000021 < 91110000100000000X < 91330100000000003B, so their unit codes are
# FIRST_TEXT_FIRM_CODE + 0, 1, 2.
REGISTRATION_CREDIT = ("统一社会信用代码,企业名称,省份,城市,年份,营业收入(万元)\n"
                       "91330100000000003B,杭州甲公司,浙江,杭州,2021,100\n"
                       "91110000100000000x,北京乙公司,北京,,2021,50\n"
                       "91110000 100000000X,北京乙公司,北京,,2022,60\n")
REGISTRATION_ORG = "组织机构代码,省份,年份,员工人数(人)\n10000002-1,上海,2021,30\n100000021,上海,2022,31\n"
REGISTRATION_STOCK = "证券代码,省份,年份,营业收入(万元)\n600519,贵州,2021,900\n"
