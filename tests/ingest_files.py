"""Writers of every file layout the loader reads, shared by the ingest tests and the benchmark."""
from __future__ import annotations

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
