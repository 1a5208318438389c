"""Writers of every file layout the loader reads, shared by the ingest tests and the benchmark."""
from __future__ import annotations

import hashlib
from pathlib import Path

FOOTER = ["注：示例注释。", "\u3000\u3000\u30002.续行。", "数据来源：国家统计局"]


def classic_csv(rows: list[list], years: list[int], indicator: str = "地区生产总值(亿元)",
                *, time_line: str = "最近20年") -> bytes:
    """The classic portal CSV: GBK, CRLF, 数据库/指标/时间 lines, years across, notes and source."""
    lines = ["数据库：分省年度数据", f"指标：{indicator}", f"时间：{time_line}",
             "地区," + ",".join(f"{y}年" for y in years)]
    lines += [",".join(_text(c) for c in row) for row in rows] + FOOTER
    return "".join(line + "\r\n" for line in lines).encode("gbk")


def newer_csv(rows: list[list], year: int, indicators: list[str]) -> bytes:
    """The newer portal CSV: UTF-8 with BOM, TAB + comma separators, one year, indicators across."""
    sep = "\t,"
    lines = ["数据库：分省年度数据", f"时间：{year}年", sep.join(["地区", *indicators]) + "\t"]
    lines += [sep.join(_text(c) for c in row) + "\t" for row in rows] + FOOTER
    return ("\ufeff" + "".join(line + "\r\n" for line in lines)).encode("utf-8")


def english_csv(rows: list[list], years: list[int], indicator: str) -> bytes:
    lines = ["Database：Regional Annual Data", f"Indicators：{indicator}", "Time：Last 20 years",
             "Region," + ",".join(str(y) for y in years)]
    lines += [",".join(_text(c) for c in row) for row in rows]
    lines += ["Note：Example note.", "Source：National Bureau of Statistics"]
    return "".join(line + "\r\n" for line in lines).encode("utf-8")


def portal_sheet_rows(rows: list[list], years: list[int], indicator: str) -> list[list]:
    """The portal's Excel export: the classic layout, one cell per field, numbers as numbers."""
    return ([["数据库：分省年度数据"], [f"指标：{indicator}"], ["时间：最近20年"],
             ["地区", *[f"{y}年" for y in years]], *rows, ["注：示例注释。"], ["数据来源：国家统计局"]])


def write_xls(path: Path, sheets: dict[str, list[list]]) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    book.save(str(path))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    book.save(str(path))
    return path


def csv_bytes(rows: list[list], *, bom: bool = True) -> bytes:
    text = "".join(",".join(_text(c) for c in row) + "\n" for row in rows)
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def _text(cell) -> str:
    if cell is None:
        return ""
    return repr(cell) if isinstance(cell, float) else str(cell)


# --- a genuine 2021 portal export (newer layout, 14 value-added columns): 6 catalogue series, 8 user series
YEAR = 2021
# The header of the portal's newer export (分省年度数据, one year, indicators across), as downloaded.
INDICATORS = [
    "地区生产总值 (亿元)", "第一产业增加值 (亿元)", "第二产业增加值 (亿元)", "第三产业增加值 (亿元)",
    "农林牧渔业增加值 (亿元)", "工业增加值 (亿元)", "建筑业增加值 (亿元)", "批发和零售业增加值 (亿元)",
    "交通运输、仓储和邮政业增加值 (亿元)", "住宿和餐饮业增加值 (亿元)", "金融业增加值 (亿元)",
    "房地产业增加值 (亿元)", "其他行业增加值 (亿元)", "人均地区生产总值 (元/人)",
]
# Mapped by source_mappings.csv / catalogue names: gdp, va_primary, va_secondary, va_tertiary,
# va_industry, financial_va. The other 8 are not in the catalogue.
MAPPED = {"地区生产总值 (亿元)": "gdp", "第一产业增加值 (亿元)": "va_primary",
          "第二产业增加值 (亿元)": "va_secondary", "第三产业增加值 (亿元)": "va_tertiary",
          "工业增加值 (亿元)": "va_industry", "金融业增加值 (亿元)": "financial_va"}
UNKNOWN = [i for i in INDICATORS if i not in MAPPED]
# Pinned: a code must never change between versions (queries and index catalogues name it).
AGRICULTURE = "user_f5bfbc7c"


def expected_code(indicator: str) -> str:
    name = "".join(indicator.split("(")[0].split()).casefold()  # no unit, no whitespace (NFKC-clean text)
    return "user_" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]


def export_rows(base: dict[int, dict[str, float]] | None = None) -> list[list]:
    """31 provinces; mapped columns from ``base`` (region -> series -> value) when given, the others
    deterministic shares of GDP (so any check comparing regions sees a real-looking spread)."""
    from models_py.ingest import load_regions

    rows = []
    for i, region in enumerate(load_regions().itertuples()):
        known = (base or {}).get(region.region_code, {})
        gdp = known.get("gdp", 1000.0 + 750.0 * i)
        row = [region.name_full]
        for j, indicator in enumerate(INDICATORS):
            if indicator in MAPPED:
                row.append(round(known.get(MAPPED[indicator], gdp * (0.1 + 0.01 * j)), 4))
            elif indicator.endswith("(元/人)"):
                row.append(round(60000.0 + 1500.0 * i, 1))
            else:
                row.append(round(gdp * (0.02 + 0.005 * j), 4))
        rows.append(row)
    return rows


def export_2021(rows=None) -> bytes:
    return newer_csv(rows or export_rows(), YEAR, INDICATORS)
