"""The user's inbox: exports and tables dropped into one folder, described by an optional inbox.yml.

    # data/inbox/inbox.yml (every key optional)
    shipped: true            # also read the shipped exports (seeds/shipped/nbs-exports); false = only mine
    synthetic: true          # false: real-only build, no demo fill (NQP_SYNTHETIC=on|off overrides)
    precedence:              # two inbox files giving the same region-year-series: higher wins
      gdp_2024_revised.csv: 2
      gdp_history.xlsx: 1
    series:                  # indicator text (with or without its unit) -> catalogue series_code
      地区生产总值: gdp
      R&D经费内部支出(万元): rd_expenditure
    files:                   # files that do not name their indicator themselves (region x years)
      wide_gdp.xlsx: {indicator: 地区生产总值(万元)}
      rd.csv: {series: rd_expenditure, unit: 万元}
    skip:                    # indicators not to load (text with or without its unit)
      - 农林牧渔业增加值
    unmapped: series         # an indicator nothing maps: series (default) = a user series of its
                             # own (models_py.ingest.user_series), skip = not loaded, error = stop
    check_characters: report # a firm's registration id whose check character does not hold: report
                             # (default) = loaded and listed, error = stop (models_py.ingest.firms)
    attributes:              # columns of labels, not numbers, read per unit and year (besides 行业代码,
      - 上市板块              # 产权性质 … of models_py.ingest.attributes): raw.unit_attributes; in a
                             # table without 年份, per unit (the mart gives them to its years)

Inbox values beat shipped ones (the point of bringing your own data); between inbox files a
duplicate region-year-series is an error unless `precedence` ranks them. An indicator that neither
`series:`, `files:`, source_mappings.csv nor a catalogue name maps becomes a user series
(`user_<8 hex>`, raw.user_series and the `user_series` mart), unless `skip`/`unmapped` says otherwise.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from models_py.errors import DataError

from .cells import DISTRICTS, header_key, split_scope, unit_from_indicator
from .mappings import LAYOUT_KINDS, SourceMappings
from .units import UnitConverter
from .user_series import UserSeriesRegistry

CONFIG_NAME = "inbox.yml"
KEYS = {"shipped", "synthetic", "precedence", "series", "files", "skip", "unmapped", "check_characters",
        "attributes"}
# the values of the keys that take one of a few (the first is the default)
UNMAPPED_RULES = ("series", "skip", "error")
CHECK_CHARACTER_RULES = ("report", "error")
# Inbox observations outrank every shipped mapping (those are < 1000), then by declared file rank.
INBOX_BASE_PRECEDENCE = 1_000_000
FILE_RANK_STEP = 1_000


@dataclass(frozen=True)
class FileSpec:
    indicator: str | None = None
    series: str | None = None
    unit: str | None = None


@dataclass
class InboxConfig:
    folder: Path
    shipped: bool = True
    precedence: dict[str, int] = field(default_factory=dict)
    series: dict[str, str] = field(default_factory=dict)
    files: dict[str, FileSpec] = field(default_factory=dict)
    synthetic: bool = True  # false: real-only build (models_py.data.real_only)
    skip: set[str] = field(default_factory=set)  # normalised indicator texts (with or without unit)
    unmapped: str = "series"
    check_characters: str = "report"
    attributes: frozenset[str] = frozenset()  # header_key of the headers under attributes:

    @classmethod
    def read(cls, folder: Path) -> InboxConfig:
        path = Path(folder) / CONFIG_NAME
        if not path.exists():
            return cls(Path(folder))
        shown = str(path)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            raise DataError(f"not valid YAML ({exc.__class__.__name__})", file=shown,
                            row=None if line is None else line + 1) from None
        if not isinstance(raw, dict):
            raise DataError("expected a mapping of shipped / synthetic / precedence / series / files / skip / "
                            "unmapped / check_characters", file=shown)
        unknown = set(raw) - KEYS
        if unknown:
            raise DataError(f"unknown keys {sorted(unknown)}", file=shown)
        for key in ("precedence", "series", "files"):
            if not isinstance(raw.get(key) or {}, dict):
                raise DataError(f"{key} must be a mapping (name: value lines)", file=shown, column=key)
        shipped = raw.get("shipped", True)
        if not isinstance(shipped, bool):
            raise DataError("shipped must be true or false", file=shown, value=shipped)
        synthetic = raw.get("synthetic", True)
        if not isinstance(synthetic, bool):
            raise DataError("synthetic must be true or false", file=shown, column="synthetic",
                            value=synthetic)
        precedence = {}
        for name, rank in (raw.get("precedence") or {}).items():
            if not isinstance(rank, int) or isinstance(rank, bool) or not 0 <= rank < 1000:
                raise DataError("precedence must be an integer 0-999", file=shown, column=name, value=rank)
            if not (Path(folder) / str(name)).is_file():
                raise DataError("precedence names a file that is not in the inbox", file=shown, column=name)
            precedence[str(name)] = rank
        series = {key: str(v).strip() for k, v in (raw.get("series") or {}).items() for key in _entry_keys(str(k))}
        files = {}
        for name, spec in (raw.get("files") or {}).items():
            if not isinstance(spec, dict) or set(spec) - {"indicator", "series", "unit"}:
                raise DataError("files entries take indicator, series and unit", file=shown, column=name)
            if not (spec.get("indicator") or spec.get("series")):
                raise DataError("a files entry needs indicator or series", file=shown, column=name)
            files[str(name)] = FileSpec(*(None if spec.get(k) is None else str(spec[k]).strip()
                                          for k in ("indicator", "series", "unit")))
        skip = raw.get("skip") or []
        if not isinstance(skip, list) or not all(isinstance(t, str) and t.strip() for t in skip):
            raise DataError("skip must be a list of indicator texts (- 农林牧渔业增加值 lines)", file=shown,
                            column="skip")
        unmapped = _rule(raw, "unmapped", UNMAPPED_RULES, shown)
        check_characters = _rule(raw, "check_characters", CHECK_CHARACTER_RULES, shown)
        attributes = raw.get("attributes") or []
        if not isinstance(attributes, list) or not all(isinstance(t, str) and t.strip() for t in attributes):
            raise DataError("attributes must be a list of column headers (- 上市板块 lines)", file=shown,
                            column="attributes")
        skipped = {key for text in skip for key in _entry_keys(text)}
        return cls(Path(folder), shipped, precedence, series, files, synthetic, skipped, unmapped, check_characters,
                   frozenset(header_key(t) for t in attributes))


def _rule(raw: dict, key: str, rules: tuple[str, ...], shown: str) -> str:
    """The value of a key that takes one of `rules` (the first is its default)."""
    value = raw.get(key, rules[0])
    if value not in rules:
        raise DataError(f"{key} must be one of {', '.join(rules)}", file=shown, column=key, value=value)
    return value


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _by_text(names: dict[str, str], indicator: str) -> str | None:
    """The series `names` (keys: _key of a name) gives an indicator, by its name without unit, else as written."""
    return names.get(_key(series_name(indicator))) or names.get(_key(indicator))


def _keys(indicator: str) -> tuple[str, str]:
    """What inbox.yml's series: and skip: entries are looked up by: the text as written, and its
    series_name (without its unit, a city scope written one way)."""
    return _key(indicator), _key(series_name(indicator))


def _entry_keys(text: str) -> list[str]:
    """The keys an inbox.yml series: or skip: entry is stored under: as written, and for a text with a city
    scope its series_name too, so that '地区生产总值(市辖区)' also names '地区生产总值_市辖区(万元)'."""
    return [_key(text)] + ([_key(series_name(text))] if split_scope(text)[1] else [])


def strip_unit(indicator: str) -> str:
    """'地区生产总值(亿元)' -> '地区生产总值'; 'GDP_亿元' -> 'GDP'."""
    unit = unit_from_indicator(indicator)
    if unit is not None:
        cut = max(indicator.rfind("(" + unit), indicator.rfind("（" + unit))
        return indicator[:cut].strip() if cut > 0 else indicator
    return indicator.rsplit("_", 1)[0] if "_" in indicator else indicator


def series_name(indicator: str) -> str:
    """The name an indicator is matched (catalogue, inbox.yml) and registered as a user series by: without
    its unit, and for a city yearbook's scope (models_py.ingest.cells.split_scope) without 全市 (the whole
    city is the city's own value: '地区生产总值_全市(万元)' is 地区生产总值) and with '_市辖区' (the urban
    districts are another quantity: '地区生产总值(万元)(市辖区)' is 地区生产总值_市辖区, never gdp)."""
    base, scope = split_scope(indicator)
    name = strip_unit(base)
    return f"{name}_{DISTRICTS}" if scope == DISTRICTS else name


@dataclass(frozen=True)
class Resolved:
    series_code: str | None
    source_unit: str | None
    unit_factor: float
    series_unit: str | None
    precedence: int
    note: str = ""
    file_rank: int | None = None  # inbox files only: base + inbox.yml rank (ties across files are errors)
    via_mappings: bool = True  # mapped by source_mappings.csv (its precedences rank files), not inbox.yml/catalogue
    is_user_series: bool = False  # an inbox indicator nothing maps, loaded as a series of its own


def aliased_summary(aliased: dict[str, str]) -> str:
    """The log line naming the inbox indicators mapped by an alias (indicator text -> series code)."""
    return ("mapped by another wording of the series (seeds/reference/series_aliases.csv; inbox.yml series: maps "
            "an indicator elsewhere): " + ", ".join(f"{text} -> {series}" for text, series in sorted(aliased.items())))


class InboxMapper:
    """Indicator text (+ unit) of an inbox file -> series, factor to the catalogue unit, precedence."""

    def __init__(self, config: InboxConfig, mappings: SourceMappings, catalogue, converter: UnitConverter,
                 aliases=None):
        self.config = config
        self.mappings = mappings
        self.converter = converter
        self.units = dict(zip(catalogue["series_code"], catalogue["unit"]))
        self.by_name: dict[str, str] = {}
        for rec in catalogue.itertuples():
            for name in (rec.series_code, rec.name_zh, rec.name_en):
                self.by_name.setdefault(_key(str(name)), rec.series_code)
        # seeds/reference/series_aliases.csv: other wordings of a catalogue series (专利授权数 = 专利授权量),
        # looked up after the catalogue's own names, so a catalogue row of that name wins
        self.by_alias: dict[str, str] = {} if aliases is None else {
            _key(rec.alias): rec.series_code for rec in aliases.itertuples()}
        self.aliased: dict[str, str] = {}  # indicator text -> series, for each indicator mapped by an alias
        self._by_text: dict[str, list] = {}
        for m in mappings:
            if m.source_kind not in LAYOUT_KINDS:
                continue  # a shipped source's own rows (its exact header texts), not portal layouts
            self._by_text.setdefault(m.indicator_text, []).append(m)
        self.user_series = UserSeriesRegistry(converter)

    def file_indicator(self, name: str) -> tuple[str | None, FileSpec | None]:
        spec = self.config.files.get(name)
        if spec is None:
            return None, None
        return spec.indicator or spec.series, spec

    def resolve(self, name: str, indicator: str, unit: str | None, **where) -> Resolved:
        spec = self.config.files.get(name)
        known = self._by_text.get(indicator.strip(), [])
        series = spec.series if spec and spec.series else None
        series = series or next(filter(None, (self.config.series.get(key) for key in _keys(indicator))), None)
        if series is None and self._skipped(indicator):  # before the catalogue names and mappings
            return Resolved(None, None, 1.0, None, 0, "skipped by inbox.yml")
        mapping = None
        if series is None and known:
            mapping = max(known, key=lambda m: m.precedence)
            if mapping.series_code is None:
                return Resolved(None, None, 1.0, None, 0, mapping.note or "no planned series")
            series = mapping.series_code
        series = series or _by_text(self.by_name, indicator)
        if series is None:
            series = _by_text(self.by_alias, indicator)
            if series is not None:
                self.aliased.setdefault(indicator.strip(), series)
        rank = INBOX_BASE_PRECEDENCE + FILE_RANK_STEP * self.config.precedence.get(name, 0)
        if series is None:
            return self._unmapped(indicator, unit or (spec.unit if spec else None), rank, **where)
        if series not in self.units:
            raise DataError(f"inbox.yml maps {indicator!r} to {series!r}, which is not in the series "
                            "catalogue", **where)
        unit = unit or (spec.unit if spec else None) or (mapping.source_unit if mapping else None)
        if unit is None:
            raise DataError(f"no unit for {indicator!r}: write it in the header (地区生产总值(亿元)), "
                            "a unit column, or inbox.yml files:", series=series, **where)
        factor = self.converter.factor(unit, self.units[series], series=series, **where)
        return Resolved(series, unit, factor, self.units[series],
                        rank + (mapping.precedence if mapping else 0), file_rank=rank,
                        via_mappings=mapping is not None)

    def _skipped(self, indicator: str) -> bool:
        return bool(set(_keys(indicator)) & self.config.skip)

    def _unmapped(self, indicator: str, unit: str | None, rank: int, **where) -> Resolved:
        """An indicator nothing maps: skipped (inbox.yml skip / unmapped: skip), or a user series."""
        name = series_name(indicator).strip() or indicator.strip()
        if self.config.unmapped == "skip":
            return Resolved(None, None, 1.0, None, 0, "skipped by inbox.yml")
        if self.config.unmapped == "error":
            raise DataError(f"indicator {indicator!r} is not mapped to a series (inbox.yml unmapped: error): "
                            "add it to inbox.yml under series: (indicator: series_code of "
                            "seeds/reference/series_catalogue.csv) or skip:", **where)
        if unit is None:
            raise DataError(f"no unit for {indicator!r}, which becomes a user series: write it in the header "
                            "(工业机器人密度(台/万人)), a unit column, or inbox.yml files:", **where)
        user, factor = self.user_series.register(_key(name), indicator.strip(), name, unit, **where)
        return Resolved(user.series_code, unit, factor, user.unit, rank, file_rank=rank, via_mappings=False,
                        is_user_series=True)
