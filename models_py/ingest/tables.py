"""Generic tables a user compiles (CSV, .xls, .xlsx, Stata .dta), recognised by their header row:

    long         地区,年份,指标,数值[,单位]     (region, year, series, value[, unit])
    panel        地区,年份,GDP_亿元,城镇化率_%   (region-year x series; the shipped integrated panel)
    wide         地区,2022,2023,2024           (region x years; the indicator from inbox.yml or the
                                               file name, e.g. 地区生产总值(亿元).xlsx)

Header names are matched in Chinese or English, any case. A column's unit is its last bracketed
part (GDP(亿元)) or its last '_' part (GDP_亿元); a city yearbook's scope (全市 / 市辖区, in brackets, as a
'_' part or a prefix) is not a unit (models_py.ingest.cells.split_scope, models_py.ingest.inbox.series_name).
Text files are parsed strictly: every row must have exactly the header's fields (a missing comma would
shift values into the wrong indicator).

A city table has a 城市 / city column instead of (or beside) the region column, in any of the three
shapes (城市,年份,地区生产总值(万元),…): its units are prefecture-level cities resolved through
seeds/reference/units.csv (models_py.ingest.cities), their six-digit codes carried in region_code;
a 省份 column beside it names each city's province and settles a name several cities share.
A county table has a 区县 / county column: its units are the county-level units of the same
catalogue; a 城市 column beside it names each county's prefecture city and a 省份 column its
province, either settling a name several counties share (市中区: 济南 and 枣庄).
A firm table has a 证券代码 / stkcd / firm column (stock codes) or a 统一社会信用代码 / 组织机构代码 / 法人代码
column (registration ids): its units are the firms it names (models_py.ingest.firms), with their
province from a 省份 column (or from another table of the load), their city from a 城市 column and their
name from a 证券简称 column (both optional). A CSMAR download's three header lines (field codes, names,
units) are read as one header (`_header`), its 统计截止日期 as the year (DATE_COLUMNS); rows dated within the
year and 报表类型 B rows (the parent company alone) are left out and counted (`_skip`: the file report's
skipped_rows / skipped_why). A table with both a stock-code and a registration-id column keys its firms by the
stock code and links the registration id to it; without a year column it is a link table (no values).
A table of any units without a year whose other columns are all label columns (证券代码,省份,行业代码,产权性质:
a CSMAR 公司基本信息 export) reads labels without a year (models_py.ingest.attributes); so does a link table.
"""

from __future__ import annotations

import re

from models_py.errors import DataError

from .attributes import is_attribute_column, take_label
from .cells import (Cell, ParsedFile, header_key, is_placeholder, parse_number, parse_year, parse_year_end,
                    split_scope, unit_from_indicator)
from .grid import Grid
from .cities import CITY_LEVEL, COUNTY_LEVEL, load_unit_resolver
from .firms import NAME_COLUMNS, REGISTRATION_ID_COLUMNS, STOCK_CODE_COLUMNS, FirmRows, is_registration_column
from .regions import RegionResolver

KIND_PANEL, KIND_LONG, KIND_WIDE = "long_csv", "long_table", "wide_table"
# a date column read as the year when its dates are year ends (CSMAR's 统计截止日期 / Accper: 2020-12-31)
DATE_COLUMNS = frozenset({"统计截止日期", "截止日期", "会计期间", "accper", "enddate", "end_date"})
KIND_LINKS = "firm_links"  # stock code + registration id, no year: links (and labels), no values
KIND_LABELS = "unit_labels"  # unit column(s) and label columns (行业代码 …) or none (证券代码,省份), no year: no values
_ROLES = {
    "region": {"地区", "省份", "省", "省区市", "地区名称", "省份名称", "region", "province"},
    # a city table (城市统计年鉴): its units are prefecture-level cities (models_py.ingest.cities); a
    # region column beside it is then the city's province, used to tell apart cities sharing a name
    "city": {"城市", "城市名称", "地级市", "地市", "city", "prefecture", "prefecture_city"},
    # a county table: county-level units (区, 县, 县级市, 旗); a city column beside it is then the
    # county's prefecture city, a region column its province
    "county": {"区县", "县区", "县", "县域", "县(市、区)", "县(市,区)", "县市区", "区县名称", "县名", "county",
               "district", "county_name"},
    # a firm table (listed firms: CSMAR / Wind exports; enterprise micro data): its units are the firms
    # it names by stock code or registration id; a region column beside it is each firm's province, a
    # city column its city
    "firm": STOCK_CODE_COLUMNS | REGISTRATION_ID_COLUMNS,
    "firm_name": NAME_COLUMNS,
    "year": {"年份", "年度", "年", "year"} | set(DATE_COLUMNS),
    "series": {"指标", "指标名称", "变量", "series", "indicator", "variable"},
    "value": {"数值", "值", "数据", "value"},
    "unit": {"单位", "unit"},
    # CSMAR's statement type: A consolidated (合并报表), B the parent company alone; values are read for A only
    "statement": {"报表类型", "报表类型编码", "typrep"},
}
CONSOLIDATED, PARENT_ONLY = frozenset({"a", "合并报表"}), frozenset({"b", "母公司报表"})
SKIP_PARENT_ONLY = "报表类型 B (母公司报表, the parent company alone; the A row is the consolidated one)"
SKIP_WITHIN_YEAR = "dated within the year (统计截止日期 not 12-31: a quarterly or half-year report, an opening balance)"


def _role(name: str) -> str | None:
    key = header_key(name)
    return next((role for role, names in _ROLES.items() if key in names), None)


def names_a_role(name: str) -> bool:
    """Whether a column name is one the parser gives a role (region, year, firm ...), in any case and width."""
    return _role(name) is not None


def unit_from_column(column: str) -> str | None:
    """'GDP(亿元)' or 'GDP_亿元' -> '亿元'; 'GDP指数_上年=100' -> '上年=100'; a city scope is not a unit
    ('GDP_全市_万元' -> '万元', 'GDP_市辖区' -> None)."""
    column = split_scope(column)[0]
    return unit_from_indicator(column) or (column.rsplit("_", 1)[1].strip() if "_" in column else None)


def looks_like_table(grid: Grid) -> bool:
    first = grid.first_nonblank()
    return first is not None and any(_role(c) in UNIT_ROLES for c in _header(grid)[1])


UNIT_ROLES = ("region", "city", "county", "firm")
_FIELD_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
NO_UNIT = "没有单位"  # CSMAR's unit line for a column without one


def _header(grid: Grid) -> tuple[int, list[str], int]:
    """(index of the header row, its names, the 1-based line after which data rows begin). A CSMAR export
    starts with a line of field codes (Stkcd, Accper, A001000000), then the names (证券代码, 统计截止日期,
    资产总计) and a line of units (没有单位, 元): the names are the header, each value column with its unit
    where the name has none (资产总计(元); a ratio's 没有单位 too, a unit of its own in unit_conversions.csv),
    and the data begin after the units."""
    header_i, fields = grid.first_nonblank()
    names = grid.rows[header_i + 1] if header_i + 1 < len(grid.rows) else []
    codes = [c.strip() for c in fields if c.strip()]
    if not (codes and all(_FIELD_CODE.fullmatch(c) for c in codes) and any(_role(c) in UNIT_ROLES for c in names)):
        return header_i, fields, header_i + 1
    units = grid.rows[header_i + 2] if header_i + 2 < len(grid.rows) else []
    if NO_UNIT not in [u.strip() for u in units]:  # field codes and names only
        return header_i + 1, names, header_i + 2
    named = [name if not unit.strip() or _role(name) or unit_from_column(name.strip()) else f"{name.strip()}({unit.strip()})"
             for name, unit in zip(names, units + [""] * len(names))]  # 没有单位 stays the unit of a ratio or count
    return header_i + 1, named, header_i + 3


def parse_table(grid: Grid, file: str, resolver: RegionResolver, *, file_indicator: str | None = None,
                parsed: ParsedFile | None = None, attributes: frozenset[str] = frozenset()) -> ParsedFile:
    """`attributes`: further headers (keys, models_py.ingest.cells.header_key) whose cells are labels
    (inbox.yml attributes:); a region-year table reads them as unit attributes, not values."""
    sheet = grid.sheet
    header_i, fields, data_after = _header(grid)
    header = [h.strip() for h in fields]
    while header and not header[-1] and grid.lines is None:  # a sheet's trailing empty columns
        header.pop()
    row = header_i + 1
    _check_header(header, file, sheet, row)
    roles, firm_cols = {}, []
    for i, name in enumerate(header):
        role = _role(name)
        if role is not None:
            roles.setdefault(role, i)
        if role == "firm":
            firm_cols.append(i)
    # a city or county table's province (and a county table's city) column picks among units sharing a name
    province_col, parent_col, units, firm_rows, name_col, link_col = None, None, None, None, None, None
    if "firm" in roles:
        province_col, parent_col, name_col = roles.get("region"), roles.pop("city", None), roles.pop("firm_name", None)
        roles.pop("firm")
        firm_col, link_col = _firm_and_link_columns(header, firm_cols, file=file, sheet=sheet, row=row)
        roles["region"] = firm_col
        firm_rows = FirmRows(header, firm_col, province_col, parent_col, name_col, resolver,
                             file=file, sheet=sheet, row=row, link_col=link_col)
    elif "county" in roles:
        province_col, parent_col = roles.get("region"), roles.pop("city", None)
        roles["region"] = roles.pop("county")
        units = load_unit_resolver(COUNTY_LEVEL)
    elif "city" in roles:
        province_col = roles.get("region")
        roles["region"] = roles.pop("city")
        units = load_unit_resolver(CITY_LEVEL)
    statement_col = roles.pop("statement", None)
    unit_cols = {roles["region"], province_col, parent_col, name_col, link_col, statement_col} - {None}

    names_checked: set[str] = set()  # city / county names whose former-name check is done

    def unit_code(cells: list[str], n: int) -> int:
        if firm_rows is not None:
            return firm_rows.resolve(cells, parsed.firms, file=file, sheet=sheet, row=n, links=parsed.firm_links)
        region_text = cells[roles["region"]].strip()
        if units is None:
            return resolver.resolve(region_text, file=file, row=n, column=header[roles["region"]], sheet=sheet)
        code = units.resolve(region_text, None if province_col is None else cells[province_col],
                             parent=None if parent_col is None else cells[parent_col],
                             file=file, row=n, column=header[roles["region"]], sheet=sheet)
        if region_text not in names_checked:  # once per name: for the log
            names_checked.add(region_text)
            if units.reads_former_name(region_text):
                parsed.former_names[region_text] = (code, units.name_of(code))
        return code

    if "year" not in roles and not any(parse_year(h) for h in header):
        others = [i for i in range(len(header)) if i not in unit_cols]
        not_label = next((header[i] for i in others if not is_attribute_column(header[i], attributes)), None)
        if not_label is not None and link_col is not None:
            raise DataError("a link table (stock code and registration id, no 年份) reads only the ids, 省份, 城市, "
                            "证券简称 and label columns (行业代码, 产权性质, inbox.yml attributes:): remove this column, "
                            "or add a 年份 column to read its values", file=file, sheet=sheet, row=row,
                            column=not_label)
        if not_label is not None:
            raise DataError("not a recognised table: no 年份/year column and no year columns, and a table without "
                            "a year reads only label columns (行业代码, 产权性质 …, or a header inbox.yml lists under "
                            "attributes:); add a 年份 column to read this column's values", file=file, sheet=sheet,
                            row=row, column=not_label)
        if others or link_col is not None or firm_rows is not None:  # a firm register (证券代码,省份) places firms
            parsed = parsed if parsed is not None else ParsedFile(kind=KIND_LINKS if link_col is not None
                                                                  else KIND_LABELS)
            _parse_yearless_table(grid, header, data_after, others, unit_code, file, parsed)
            return parsed
    if {"region", "year", "series", "value"} <= roles.keys():
        kind = KIND_LONG
    elif {"region", "year"} <= roles.keys():
        kind = KIND_PANEL
    else:
        others = [h for i, h in enumerate(header) if i not in unit_cols]
        if others and all(parse_year(h) is not None for h in others):
            if not file_indicator:
                raise DataError("a region x years table needs its indicator: name the file after it "
                                "(地区生产总值(亿元).csv) or give it in inbox.yml under files:",
                                file=file, sheet=sheet, row=row)
            kind = KIND_WIDE
        else:
            bad = next(h for h in others if parse_year(h) is None) if others else None
            raise DataError("not a recognised table: after the region column expected 年份/year "
                            "(with 指标+数值 for a long table) or year columns", file=file,
                            sheet=sheet, row=row, column=bad)
    parsed = parsed if parsed is not None else ParsedFile(kind=kind)
    if kind == KIND_WIDE:
        years = {i: parse_year(h) for i, h in enumerate(header) if i not in unit_cols}
        if len(set(years.values())) != len(years):
            dup = next(h for i, h in enumerate(header) if i in years and
                       list(years.values()).count(years[i]) > 1)
            raise DataError("duplicate year column", file=file, sheet=sheet, row=row, column=dup)
        parsed.indicators.setdefault(file_indicator, unit_from_indicator(file_indicator))
    elif kind == KIND_PANEL:
        label_cols = {i for i, name in enumerate(header) if i not in unit_cols and is_attribute_column(name, attributes)}
        for i, name in enumerate(header):
            if i not in unit_cols | label_cols | {roles["year"]}:
                parsed.indicators.setdefault(name, unit_from_column(name))

    named = set()  # (unit, year) whose name label is taken (a long table repeats it on every row)
    dated = "year" in roles and header_key(header[roles["year"]]) in DATE_COLUMNS
    for n, cells in _data_rows(grid, header, data_after, file, parsed):
        region_text = cells[roles["region"]].strip()
        code = unit_code(cells, n)
        where = dict(file=file, sheet=sheet, row=n, region=region_text)
        if statement_col is not None and header_key(cells[statement_col]) not in CONSOLIDATED:
            if header_key(cells[statement_col]) not in PARENT_ONLY:
                raise DataError("a statement type neither A (合并报表, consolidated) nor B (母公司报表)",
                                column=header[statement_col], value=cells[statement_col], **where)
            _skip(parsed, SKIP_PARENT_ONLY)  # the parent company alone: the consolidated A row is the firm's
            continue
        if kind == KIND_WIDE:
            for i, year in years.items():
                _take(cells[i], code, region_text, year, file_indicator, header[i], None, where, parsed)
            continue
        if dated:  # a date column: its year, and whether the date ends it
            year, year_end = parse_year_end(cells[roles["year"]]) or (None, True)
        else:
            year, year_end = parse_year(cells[roles["year"]]), True
        if not year_end:  # a quarterly or half-year report, an opening balance: not the year's values
            _skip(parsed, SKIP_WITHIN_YEAR)
            continue
        if year is None:
            raise DataError("not a year", column=header[roles["year"]], value=cells[roles["year"]], **where)
        if name_col is not None and (code, year) not in named:  # a firm's name that year (ST, *ST, renamed):
            named.add((code, year))  # a label; the latest one shows the firm (firms.latest_names)
            take_label(cells[name_col], code, year, header[name_col], where, parsed.attributes)
        if kind == KIND_LONG:
            indicator = cells[roles["series"]].strip()
            if not indicator:
                raise DataError("empty series name", column=header[roles["series"]], year=year, **where)
            unit = cells[roles["unit"]].strip() or None if "unit" in roles else None
            if indicator not in parsed.indicators:  # once per indicator, not per row
                parsed.indicators[indicator] = unit_from_indicator(indicator)
            _take(cells[roles["value"]], code, region_text, year, indicator, header[roles["value"]],
                  unit, where, parsed)
            continue
        for i, name in enumerate(header):
            if i in label_cols:
                take_label(cells[i], code, year, name, where, parsed.attributes)
            elif i not in unit_cols | {roles["year"]}:
                _take(cells[i], code, region_text, year, name, name, None, where, parsed)
    return parsed


def _firm_and_link_columns(header: list[str], firm_cols: list[int], **where) -> tuple[int, int | None]:
    """A firm table's firm column and, when it also has a registration-id column beside its stock-code
    column (a CSMAR 公司基本信息 style export), that column: the stock code keys the row's firm, the
    registration id is linked to it (models_py.ingest.firms.FirmLink)."""
    stock = [i for i in firm_cols if not is_registration_column(header[i])]
    registration = [i for i in firm_cols if is_registration_column(header[i])]
    if len(stock) > 1 or len(registration) > 1:
        twice = stock if len(stock) > 1 else registration
        raise DataError(f"two firm id columns of one kind, {header[twice[0]]!r} and {header[twice[1]]!r}: a firm "
                        "table keys its firms by one stock-code column, one registration-id column, or one of "
                        "each (the registration id then linked to the stock code)", column=header[twice[1]], **where)
    if stock and registration:
        return stock[0], registration[0]
    return firm_cols[0], None


def _parse_yearless_table(grid: Grid, header: list[str], data_after: int, others: list[int], unit_code,
                          file: str, parsed: ParsedFile) -> None:
    """A table without a year: a link table (a stock-code and a registration-id column, which it links,
    giving each listed firm's province, city and name), a register of firms (证券代码,省份) or a table of
    labels (a CSMAR 公司基本信息 export's 行业代码 with no 年份). `others` are its label columns (parse_table has
    refused any other); their labels are read with no year (year None: the unit_attributes mart gives them to
    every year of the unit that no label of that year names)."""
    for n, cells in _data_rows(grid, header, data_after, file, parsed):
        code = unit_code(cells, n)
        where = dict(sheet=grid.sheet, row=n)
        for i in others:
            take_label(cells[i], code, None, header[i], where, parsed.attributes)


def _data_rows(grid: Grid, header: list[str], row: int, file: str, parsed: ParsedFile):
    """(line, cells padded to the header's width) of each non-blank row after the header at `row`, each
    counted in `parsed.rows_read`; a text row with another number of fields, a sheet row with a value
    beyond the last header column, or no such row at all is an error."""
    rows_before = parsed.rows_read
    for n in range(row + 1, len(grid.rows) + 1):
        cells = grid.rows[n - 1]
        if not any(c.strip() for c in cells):
            continue
        if grid.lines is not None and len(cells) != len(header):
            raise DataError(f"{len(cells)} fields, the header has {len(header)}", file=file, row=n)
        cells = cells + [""] * (len(header) - len(cells))
        if any(c.strip() for c in cells[len(header):]):
            raise DataError("value beyond the last header column", file=file, sheet=grid.sheet, row=n)
        parsed.rows_read += 1
        yield n, cells
    if parsed.rows_read == rows_before:
        raise DataError("no data rows after the header", file=file, sheet=grid.sheet, row=row)


def _skip(parsed: ParsedFile, why: str) -> None:
    """Count a row a declared rule leaves out (the file report's skipped_rows and skipped_why)."""
    parsed.skipped_rows[why] = parsed.skipped_rows.get(why, 0) + 1


def _take(raw, code, region_text, year, indicator, header, unit, where, parsed: ParsedFile) -> None:
    text = raw.strip()
    if not text:
        parsed.empty_cells += 1
        return
    if is_placeholder(text):
        parsed.placeholder_cells += 1
        return
    number = parse_number(text, column=header, year=year, **where)
    parsed.cells.append(Cell(code, region_text, year, indicator, number, raw, where["row"], header,
                             where["sheet"], unit))


def _check_header(header: list[str], file: str, sheet, row: int) -> None:
    seen: set[str] = set()
    for i, name in enumerate(header):
        if not name:
            raise DataError("empty column name", file=file, sheet=sheet, row=row, column=f"#{i + 1}")
        if name in seen:
            raise DataError("duplicate column", file=file, sheet=sheet, row=row, column=name)
        seen.add(name)
