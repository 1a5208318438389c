"""Load exports into observation records (docs/architecture.md).

Each file's layout is sniffed from its content: a workbook (.xls by its OLE2 magic, .xlsx by its
zip magic), a Stata .dta (models_py.ingest.stata) or text (GBK / UTF-8 / UTF-8 with BOM) becomes
one grid per sheet; a grid starting with a portal header line (数据库：/指标：/时间：/Database：…) is a
portal export, a grid whose header has a region column (地区/省份/region …) a table; the shipped
一般公共预算等.xls keeps its own parser. File names only decide whether an unrecognised file is an
error (it looks like data: .csv/.tsv/.txt/.xls/.xlsx/.dta) or is skipped and listed (LICENSE, README,
inbox.yml …).

Two ways in: `load_directory` reads one folder with seeds/reference/source_mappings.csv (the shipped
exports); `load_inbox` reads the shipped exports plus the user's inbox (models_py.ingest.inbox),
all-or-nothing: any error raises before anything is returned, so nothing half-loads.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from models_py.errors import DataError

from . import portal, portal_xls, stata, tables
from .attributes import attributes_frame
from .cells import ParsedFile, unit_from_indicator
from .cities import FIRST_CITY_CODE
from .firms import (add_firm, final_text_codes, firms_frame, latest_names, refuse_failed_check_characters,
                    renumber, require_provinces)
from .grid import OLE2_MAGIC, ZIP_MAGIC, Grid, text_grid, xls_grids, xlsx_grids
from .inbox import CONFIG_NAME, InboxConfig, InboxMapper, Resolved
from .mappings import SourceMappings
from .observations import CandidateCells
from .precedence import resolve_precedence
from .regions import RegionResolver
from .seeds import (
    REPO_ROOT,
    SHIPPED_EXPORTS_DIR,
    display_path,
    load_region_resolver,
    load_series_aliases,
    load_series_catalogue,
    load_source_mappings,
    load_unit_converter,
)
from .user_series import COLUMNS as USER_SERIES_COLUMNS

OBS_COLUMNS = ["region_code", "year", "series", "value", "unit", "provenance", "source_file",
               "source_sheet", "source_row", "source_column", "raw_text", "indicator_text",
               "unit_factor", "parsed_value", "source_unit", "source_kind", "source_database",
               "source_time_range"]
RANKS = ["precedence", "file_rank", "via_mappings"]
# raw.portal_observations: the observation records plus the source each value comes from
# (nbs_portal = seeds/shipped/nbs-exports, inbox = the user's inbox, else a shipped source's id).
# The choice between source ids is made in SQL (int_observations_chosen), not here.
WAREHOUSE_COLUMNS = OBS_COLUMNS + ["source_id"]
PORTAL_SOURCE_ID, INBOX_SOURCE_ID = "nbs_portal", "inbox"
DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".xls", ".xlsx", ".dta"}


@dataclass
class FileReport:
    file: str
    kind: str
    origin: str = "shipped"  # shipped / inbox
    sha256: str = ""
    rows_read: int = 0
    cells: int = 0  # non-empty numeric cells read
    empty_cells: int = 0
    placeholder_cells: int = 0  # '—', '…', '-', 'NA' …: loaded as NULL (not loaded)
    observations: int = 0  # mapped cells, before precedence
    unmapped_cells: int = 0
    unmapped_indicators: list[str] = field(default_factory=list)
    user_series: list[str] = field(default_factory=list)  # 'user_1a2b3c4d 农林牧渔业增加值 (亿元)' (inbox)
    overridden: int = 0  # this file's observations beaten by a higher-precedence source
    kept: int = 0
    database: str | None = None
    time_range: str | None = None
    source_id: str = PORTAL_SOURCE_ID  # nbs_portal, inbox, or a shipped source's id
    national_rows: int = 0  # national (全国) rows skipped by a shipped source's reader
    group_rows: int = 0  # region-group rows (东部地区 …) skipped by a shipped source's reader
    skipped_rows: int = 0  # rows a declared rule leaves out (a CSMAR download's 报表类型 B, dates within the year)
    skipped_why: str = ""  # 'rule: n; rule: n'


@dataclass
class LoadResult:
    observations: pd.DataFrame  # OBS_COLUMNS
    files: list[FileReport]
    overridden: pd.DataFrame  # dropped lower-precedence observations, with the winner's lineage
    skipped: list[str]  # files not recognised as exports and not looking like data
    # the shipped sources' observations (models_py/ingest/sources), WAREHOUSE_COLUMNS; they may
    # give the same region-year-series as `observations`: SQL chooses between sources
    shipped_sources: pd.DataFrame = field(default_factory=lambda: _empty_sources())
    # inbox indicators nothing maps, loaded as series of their own (models_py.ingest.user_series)
    user_series: pd.DataFrame = field(default_factory=lambda: _user_series_frame(None, None))
    # the firms of the firm tables (raw.firm_units: code, id, name, province, city, first file and row)
    firm_units: pd.DataFrame = field(default_factory=lambda: firms_frame({}))
    # labels of attribute columns (行业代码, 产权性质 …) per unit and year (raw.unit_attributes)
    unit_attributes: pd.DataFrame = field(default_factory=lambda: attributes_frame([]))
    # inbox indicators mapped by another wording of a catalogue series (seeds/reference/series_aliases.csv)
    aliased: dict[str, str] = field(default_factory=dict)  # indicator text -> series code
    # city / county names read as today's unit by a rule for earlier names (襄樊, 毕节地区, 富阳市)
    former_names: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # -> (code, today's name, file)

    def warehouse_observations(self) -> pd.DataFrame:
        """What raw.portal_observations holds: portal + inbox values and the shipped sources'
        (provinces only: city, county and firm tables' values go to raw.city_observations, city_observations())."""
        origin = {f.file: f.origin for f in self.files}
        provinces = self.observations[~self._is_city(self.observations)]
        portal = provinces.assign(source_id=provinces["source_file"].map(
            lambda file: INBOX_SOURCE_ID if origin.get(file) == "inbox" else PORTAL_SOURCE_ID))
        frames = [f for f in (portal, self.shipped_sources) if not f.empty]
        if not frames:
            return _empty_sources()
        return _typed(pd.concat(frames, ignore_index=True)[WAREHOUSE_COLUMNS])

    def city_observations(self) -> pd.DataFrame:
        """What raw.city_observations holds: values of city, county and firm tables (six-digit unit codes,
        or firm codes from models_py.ingest.firms.FIRST_FIRM_CODE on, in region_code: stock codes, then
        registration ids from FIRST_TEXT_FIRM_CODE)."""
        cities = self.observations[self._is_city(self.observations)]
        origin = {f.file: f.origin for f in self.files}
        return _typed(cities.assign(source_id=cities["source_file"].map(
            lambda file: INBOX_SOURCE_ID if origin.get(file) == "inbox" else PORTAL_SOURCE_ID))[WAREHOUSE_COLUMNS])

    @staticmethod
    def _is_city(frame: pd.DataFrame) -> pd.Series:
        return frame["region_code"].astype("int64") >= FIRST_CITY_CODE

    def report(self) -> pd.DataFrame:
        rows = [asdict(f) | {"unmapped_indicators": "; ".join(f.unmapped_indicators),
                             "user_series": "; ".join(f.user_series)}
                for f in self.files]
        return pd.DataFrame(rows, columns=list(FileReport.__dataclass_fields__))


def _files_in(path: Path) -> list[Path]:
    path = Path(path)
    if not path.is_dir():
        raise DataError("not a directory", file=path)
    return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))


def load_directory(path: Path, mappings: SourceMappings | None = None,
                   resolver: RegionResolver | None = None, *, root: Path = REPO_ROOT) -> LoadResult:
    """Load every export in ``path`` (not recursive) through source_mappings.csv."""
    return load_files(_files_in(path), mappings, resolver, root=root)


def load_files(paths: list[Path], mappings: SourceMappings | None = None,
               resolver: RegionResolver | None = None, *, root: Path = REPO_ROOT) -> LoadResult:
    mappings = _mappings(mappings)
    resolver = resolver if resolver is not None else load_region_resolver()
    return _load([(Path(p), "shipped") for p in paths], _ShippedMapper(mappings), resolver, root)


def load_inbox(inbox: Path, *, shipped: Path = SHIPPED_EXPORTS_DIR, mappings=None,
               resolver: RegionResolver | None = None, root: Path = REPO_ROOT,
               sources=None) -> LoadResult:
    """The shipped exports and shipped sources (unless inbox.yml says `shipped: false`) plus every
    file of ``inbox``.

    A missing inbox folder is an empty inbox. When the inbox *is* the shipped folder (the old
    NQP_INBOX usage) it is read once, as shipped. ``sources``: the shipped sources to read
    (default models_py.ingest.sources.SOURCES); they land in LoadResult.shipped_sources, outside
    the precedence between portal files and inbox files (`observations`).
    """
    inbox = Path(inbox)
    mappings = _mappings(mappings)
    resolver = resolver if resolver is not None else load_region_resolver()
    same = inbox.exists() and Path(shipped).exists() and inbox.resolve() == Path(shipped).resolve()
    config = InboxConfig.read(inbox) if inbox.is_dir() and not same else InboxConfig(inbox)
    entries = []
    if config.shipped or same:
        entries += [(p, "shipped") for p in _files_in(shipped)]
    if inbox.is_dir() and not same:
        entries += [(p, "inbox") for p in _files_in(inbox) if p.name != CONFIG_NAME]
    unlisted = set(config.files) - {p.name for p, origin in entries if origin == "inbox"}
    if unlisted:
        raise DataError(f"inbox.yml files: names {sorted(unlisted)}, not in the inbox", file=inbox / CONFIG_NAME)
    mapper = _RouteMapper(_ShippedMapper(mappings),
                          InboxMapper(config, mappings, load_series_catalogue(root), load_unit_converter(root),
                                      load_series_aliases(root)))
    result = _load(entries, mapper, resolver, root, refuse_bad_ids=config.check_characters == "error")
    if config.shipped or same:
        _read_shipped_sources(result, sources, resolver, root)
    return result


def _read_shipped_sources(result: LoadResult, sources, resolver: RegionResolver, root: Path) -> None:
    """Run each shipped source's reader; its files join the report (origin shipped, its source_id)."""
    if sources is None:
        from .sources import SOURCES as sources  # imported late: the readers import this module
    converter = load_unit_converter(root)
    frames = []
    for source in sources:
        frame = source.read(source.path, resolver, converter)
        missing = set(WAREHOUSE_COLUMNS) - set(frame.columns)
        if missing or (frame["source_id"] != source.source_id).any():
            raise DataError(f"reader of {source.source_id} returned columns without {sorted(missing)} "
                            f"or another source_id", file=source.path)
        counts = {c["file"]: c for c in frame.attrs.get("files", [])}
        for file in sorted(set(counts) | set(frame["source_file"])):
            c = counts.get(file, {})
            n = int((frame["source_file"] == file).sum())
            result.files.append(FileReport(
                file=file, kind=source.source_id, origin="shipped",
                sha256=hashlib.sha256(_repo_file(file).read_bytes()).hexdigest(),
                rows_read=c.get("rows_read", 0), cells=c.get("cells", n),
                empty_cells=c.get("empty_cells", 0), placeholder_cells=c.get("placeholder_cells", 0),
                observations=n, unmapped_cells=c.get("unmapped_cells", 0),
                unmapped_indicators=c.get("unmapped_indicators", []), kept=n,
                database=c.get("database"), time_range=c.get("time_range"),
                source_id=source.source_id, national_rows=c.get("national_rows", 0),
                group_rows=c.get("group_rows", 0)))
        frames.append(frame[WAREHOUSE_COLUMNS])
    if frames:
        result.shipped_sources = _typed(pd.concat(frames, ignore_index=True))


def _mappings(mappings):
    mappings = mappings if mappings is not None else load_source_mappings()
    return SourceMappings.from_frame(mappings) if isinstance(mappings, pd.DataFrame) else mappings


def _load(entries, mapper, resolver, root, *, refuse_bad_ids: bool = False) -> LoadResult:
    reports, skipped, firms, links, candidates, labels = [], [], {}, [], CandidateCells(), []
    former_names = {}
    for p, origin in entries:
        shown = display_path(p, root)
        data = p.read_bytes()
        parsed = parse_bytes(data, p, shown, resolver, mapper.file_indicator(p.name, origin),
                             mapper.attribute_columns(origin))
        if parsed is None:
            skipped.append(shown)
            continue
        labels.append((shown, parsed.attributes))
        for text, (code, name) in parsed.former_names.items():
            former_names.setdefault(text, (code, name, shown))
        for firm in parsed.firms.values():  # one province, city and name per firm across files
            add_firm(firms, firm)
        links += parsed.firm_links
        report = _to_observations(parsed, shown, p.name, origin, mapper, candidates)
        report.sha256 = hashlib.sha256(data).hexdigest()
        reports.append(report)
    # one frame for the whole batch, made column by column (models_py.ingest.observations)
    candidates = candidates.frame(OBS_COLUMNS + RANKS) if len(candidates) else _empty(RANKS)
    if refuse_bad_ids:  # each firm as first read (file, line), before organisation codes join credit codes
        refuse_failed_check_characters(firms, links)
    text_codes = final_text_codes(firms, links)  # registration ids: numbered once every file is read
    if text_codes or links:
        firms = renumber(firms, text_codes, links)
        provisional = candidates["region_code"] < 0
        candidates.loc[provisional, "region_code"] = candidates.loc[provisional, "region_code"].map(text_codes)
    require_provinces(firms)  # a table without 省份 takes it from another one of the load
    unit_attributes = attributes_frame(labels, text_codes)
    firms = latest_names(firms, unit_attributes)  # a renamed firm is shown by its latest name
    kept, overridden = resolve_precedence(candidates)
    kept_by_file = kept["source_file"].value_counts()
    overridden_by_file = overridden["source_file"].value_counts()
    for r in reports:
        r.overridden = int(overridden_by_file.get(r.file, 0))
        r.kept = int(kept_by_file.get(r.file, 0))
    kept = _typed(kept[OBS_COLUMNS].sort_values(["series", "region_code", "year"], ignore_index=True))
    return LoadResult(kept, reports, overridden, skipped,
                      user_series=_user_series_frame(getattr(mapper, "user_series", None), kept),
                      firm_units=firms_frame(firms), unit_attributes=unit_attributes,
                      aliased=dict(getattr(mapper, "aliased", {})), former_names=former_names)


def _user_series_frame(registry, kept) -> pd.DataFrame:
    """raw.user_series: typed even when empty (the warehouse table keeps its column types)."""
    frame = registry.frame(kept) if registry is not None else pd.DataFrame(columns=USER_SERIES_COLUMNS)
    for col in USER_SERIES_COLUMNS:
        numeric = col in ("n_values", "n_regions", "first_year", "last_year")
        frame[col] = frame[col].astype("Int32" if numeric else "string")
    return frame


def default_file_indicator(path: Path) -> str | None:
    """A file named after its indicator and unit (地区生产总值(亿元).csv) names the indicator."""
    return path.stem if unit_from_indicator(path.stem) else None


def parse_file(path: Path, file: str, resolver: RegionResolver) -> ParsedFile | None:
    """Sniff and parse one file; None when it is not an export and does not look like data. A firm
    table keyed by registration ids gives provisional (negative) codes: loading numbers them."""
    return parse_bytes(Path(path).read_bytes(), Path(path), file, resolver, default_file_indicator(Path(path)))


def parse_bytes(data: bytes, path: Path, file: str, resolver: RegionResolver,
                file_indicator: str | None, attributes: frozenset[str] = frozenset()) -> ParsedFile | None:
    looks_like_data = path.suffix.lower() in DATA_SUFFIXES
    if data.startswith(OLE2_MAGIC):
        grids = xls_grids(path, file)
        if not any(portal.looks_like_portal(g) or tables.looks_like_table(g) for g in grids):
            return portal_xls.parse_portal_xls(path, file, resolver)  # the shipped side-label layout
        return _parse_grids(grids, file, resolver, portal.KIND_XLS, file_indicator, attributes)
    if stata.looks_like_dta(data, path):
        grid = stata.dta_grid(data, file, tables.names_a_role)
        if not tables.looks_like_table(grid):
            raise DataError("a Stata file whose variables name no region, city, county or firm column "
                            "(地区/省份/region, 城市/city, 区县/county, 证券代码/stkcd)", file=file, row=1)
        return _parse_grids([grid], file, resolver, portal.KIND_CSV, file_indicator, attributes)
    if data.startswith(ZIP_MAGIC) and looks_like_data:
        return _parse_grids(xlsx_grids(path, file), file, resolver, portal.KIND_XLS, file_indicator, attributes)
    if not data.removeprefix(b"\xef\xbb\xbf").strip():  # nothing, or only a BOM and blank lines
        if looks_like_data:
            raise DataError("empty file (no content at all)", file=file, row=1)
        return None
    try:
        grid = text_grid(data, file)
    except DataError:
        if looks_like_data:
            raise
        return None
    if not portal.looks_like_portal(grid) and not tables.looks_like_table(grid):
        if not looks_like_data:
            return None
        first = grid.first_nonblank()
        raise DataError(
            "not a recognised export (expected a portal export starting 数据库：/指标：/时间：, or a "
            "table whose header has a region column 地区/省份/region; wrong encoding?)",
            file=file, row=1 if first is None else first[0] + 1,
            value=None if first is None else ",".join(first[1])[:60],
        )
    return _parse_grids([grid], file, resolver, portal.KIND_CSV, file_indicator, attributes)


def _parse_grids(grids: list[Grid], file, resolver, portal_kind, file_indicator, attributes=frozenset()) -> ParsedFile:
    parsed = None
    for grid in grids:
        if grid.first_nonblank() is None:
            continue  # an empty sheet
        if portal.looks_like_portal(grid):
            parsed = parsed or ParsedFile(kind=portal_kind)
            portal.parse_portal(grid, file, resolver, kind=portal_kind, file_indicator=file_indicator,
                                parsed=parsed)
        elif tables.looks_like_table(grid):
            parsed = tables.parse_table(grid, file, resolver, file_indicator=file_indicator, parsed=parsed,
                                        attributes=attributes)
        else:
            raise DataError("sheet is neither a portal export nor a table with a region column",
                            file=file, sheet=grid.sheet, row=grid.first_nonblank()[0] + 1)
    if parsed is None:
        raise DataError("empty workbook (no sheet has content)", file=file)
    return parsed


class _ShippedMapper:
    """source_mappings.csv, looked up by (layout kind, indicator text): the shipped exports' rules."""

    def __init__(self, mappings: SourceMappings):
        self.mappings = mappings

    def attribute_columns(self, origin: str) -> frozenset[str]:
        return frozenset()  # the built-in names of models_py.ingest.attributes only

    def file_indicator(self, name: str, origin: str) -> str | None:
        return default_file_indicator(Path(name))

    def resolve(self, parsed: ParsedFile, name: str, file: str, indicator: str, unit: str | None,
                origin: str) -> Resolved | str:
        m = self.mappings.lookup(parsed.kind, indicator)
        if m is None or m.series_code is None:
            return "not in source_mappings" if m is None else (m.note or "no planned series")
        if unit is not None and m.source_unit is not None and unit != m.source_unit:
            # A unit change in the export would silently rescale the series by 10^4 or so.
            raise DataError(f"the file states unit {unit!r}, source_mappings line {m.line} says "
                            f"{m.source_unit!r}", file=file, column=indicator, series=m.series_code)
        return Resolved(m.series_code, m.source_unit or unit, m.unit_factor, m.series_unit, m.precedence)


class _RouteMapper:
    """Shipped files by source_mappings.csv, inbox files by inbox.yml and the catalogue."""

    def __init__(self, shipped: _ShippedMapper, inbox: InboxMapper):
        self.shipped, self.inbox = shipped, inbox
        self.user_series = inbox.user_series
        self.aliased = inbox.aliased

    def attribute_columns(self, origin: str) -> frozenset[str]:
        """inbox.yml attributes: for inbox files (the built-in names hold for every file)."""
        return self.inbox.config.attributes if origin == "inbox" else frozenset()

    def file_indicator(self, name: str, origin: str) -> str | None:
        if origin == "inbox":
            return self.inbox.file_indicator(name)[0] or default_file_indicator(Path(name))
        return self.shipped.file_indicator(name, origin)

    def resolve(self, parsed, name, file, indicator, unit, origin):
        if origin == "inbox":
            r = self.inbox.resolve(name, indicator, unit, file=file, column=indicator)
            return r if r.series_code is not None else r.note
        return self.shipped.resolve(parsed, name, file, indicator, unit, origin)


def _to_observations(parsed: ParsedFile, file: str, name: str, origin: str, mapper,
                     candidates: CandidateCells) -> FileReport:
    """Add the file's mapped cells to ``candidates`` (and take them from ``parsed``); return its report."""
    report = FileReport(file=file, kind=parsed.kind, origin=origin, rows_read=parsed.rows_read,
                        source_id=INBOX_SOURCE_ID if origin == "inbox" else PORTAL_SOURCE_ID,
                        cells=len(parsed.cells), empty_cells=parsed.empty_cells,
                        placeholder_cells=parsed.placeholder_cells, database=parsed.database,
                        time_range=parsed.time_range, skipped_rows=sum(parsed.skipped_rows.values()),
                        skipped_why="; ".join(f"{why}: {n}" for why, n in parsed.skipped_rows.items()))
    # (indicator, cell unit) -> index of its mapping in candidates.mappings; None: not mapped
    resolved: dict[tuple[str, str | None], int | None] = {}

    def lookup(indicator: str, cell_unit: str | None) -> int | None:
        key = (indicator, cell_unit)
        if key not in resolved:
            unit = cell_unit or parsed.indicators.get(indicator)
            r = mapper.resolve(parsed, name, file, indicator, unit, origin)
            if isinstance(r, str):
                report.unmapped_indicators.append(f"{indicator} ({r})")
                resolved[key] = None
            else:
                if r.is_user_series:
                    report.user_series.append(f"{r.series_code} {indicator}")
                resolved[key] = candidates.mapping_id((r.series_code, r.series_unit, r.unit_factor, r.source_unit,
                                                       r.precedence, r.file_rank, r.via_mappings))
        return resolved[key]

    kept, mapping_ids = [], []
    for c in parsed.cells:
        mapping = lookup(c.indicator_text, c.unit)
        if mapping is None:
            report.unmapped_cells += 1
            continue
        kept.append(c)
        mapping_ids.append(mapping)
    parsed.cells = []  # the file's arrays in `candidates` replace them
    candidates.add(kept, mapping_ids, file, parsed.kind, parsed.database, parsed.time_range)
    if origin == "shipped":  # indicators whose every cell was empty are checked and reported too
        for indicator in parsed.indicators:
            if not any(k[0] == indicator for k in resolved):
                lookup(indicator, None)
    report.observations = len(mapping_ids)
    return report


def _empty_sources() -> pd.DataFrame:
    return _typed(_empty(["source_id"])[WAREHOUSE_COLUMNS])


def _empty(extra: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in OBS_COLUMNS + extra})


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Contract types: INTEGER codes/years/rows, DOUBLE values and factor. The caller's frame is not
    changed (copy-on-write: a shallow copy whose columns are replaced), and no column is copied twice."""
    frame = frame.copy(deep=False)
    for col in ("region_code", "year", "source_row"):
        frame[col] = frame[col].astype("int32")
    for col in ("value", "unit_factor", "parsed_value"):
        frame[col] = frame[col].astype("float64")
    return frame


def _repo_file(file: str) -> Path:
    """A reader's source_file (repo-relative, as display_path gives it) as a path to read."""
    return Path(file) if Path(file).is_absolute() else REPO_ROOT / file
