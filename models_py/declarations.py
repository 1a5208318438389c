"""Table declarations: what each study's tables contain, declared in the dbt YAML of its panel.

A study panel's YAML carries `config.meta` with `study` and `tables` (see
dbt_project/models/marts/studies/_paper_a.yml). They are read from the dbt manifest, so adding a
table is a YAML change: no Python is edited. The full schema (every key, its default and the
estimator it belongs to) is documented in docs/results.md, "Declaring a table"; every mistake
raises a DeclarationError naming study, table, column and the bad key.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from models_py.estimators.numerics import VCOV_ALIASES, VCOV_TYPES, canonical_name, lag_expression
from models_py.estimators.panel import TIME, UNIT, squared_name
from models_py.estimators.registry import KINDS, kind_of, option_sections
from models_py.manifest.fields import (
    DeclarationError,
    Where,
    choice,
    flag,
    group_values,
    integer,
    mapping,
    name,
    names,
    unknown_keys,
)
from models_py.manifest.reader import load_manifest

canonical = canonical_name  # the name other modules know it by
__all__ = ["DeclarationError", "UNIT", "TIME", "lag_expression", "squared_name", "canonical", "parse_study",
           "study_declarations", "load_manifest"]

# Index robustness (config.meta.robustness): the methods of mart index_scores_by_method.
INDEX_METHODS = ("entropy", "topsis_entropy", "equal", "critic")
ROBUSTNESS_KEYS = ("id", "title_zh", "title_en", "table", "column", "variable", "system", "term", "methods")
TABLE_KEYS = ("id", "kind", "title_zh", "title_en", "variables", "columns", "defaults", "stepwise", "note",
              "beneath", "show_controls")  # the last two: how the rendered table shows it (reporting)
COMMON_COLUMN_KEYS = ("id", "title", "title_en", "estimator", "depvar", "regressors", "controls", "absorb", "vcov",
                      "cluster", "sample", "lags", "squared")
SAMPLE_KEYS = ("drop_regions", "years", "drop_years", "where_group")
BENEATH = ("se", "t")
ESTIMATOR_KINDS = tuple(KINDS)  # as registered (models_py/estimators/registry.py)


# --------------------------------------------------------------------------- the sample filter


@dataclass(frozen=True)
class SampleFilter:
    """``sample: {drop_regions, years: [from, to], drop_years, where_group: {column, value}}``;
    applied to the panel after lags are built (Stata's ``if``: a lag may reach a dropped year)."""

    drop_regions: tuple[int, ...] = field(default=(), metadata={"schema": {  # region codes or names
        "type": "array", "items": {"type": ["integer", "string"]}}})
    years: tuple[int, int] | None = None
    drop_years: tuple[int, ...] = ()
    where_group: tuple[str, tuple] | None = field(default=None, metadata={"schema": {  # (column, accepted values)
        "type": "object", "properties": {"column": {"type": "string"}, "value": {}},
        "required": ["column", "value"], "additionalProperties": False}})

    def describe(self) -> str:
        parts = []
        if self.drop_regions:
            parts.append("drop region_code " + ",".join(map(str, self.drop_regions)))
        if self.years:
            parts.append(f"years {self.years[0]}-{self.years[1]}")
        if self.drop_years:
            parts.append("drop years " + ",".join(map(str, self.drop_years)))
        if self.where_group:
            parts.append(f"{self.where_group[0]} in ({','.join(map(str, self.where_group[1]))})")
        return "; ".join(parts)


# --------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class RegressionColumn:
    column_id: str
    estimator: str
    depvar: str
    regressors: tuple[str, ...]
    controls: tuple[str, ...]
    absorb: tuple[str, ...]
    vcov: str
    cluster: str | None
    sample: SampleFilter | None = None
    lags: tuple[tuple[str, int], ...] = ()
    squared: str | None = None
    options: Any = None  # the kind's parsed option section (IvSpec, GmmSpec …), None if it has none
    title: str | None = None
    title_en: str | None = None  # English column title (reports in English); title is the Chinese one

    def __getattr__(self, key: str):
        """column.iv, column.gmm, … : the options when `key` is this column's kind's section, else None."""
        if key.startswith("_"):
            raise AttributeError(key)
        sections = option_sections()
        if key not in sections:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")
        return self.__dict__.get("options") if sections[key].name == self.__dict__.get("estimator") else None

    @property
    def kind(self):
        """The estimator kind (models_py/estimators/kinds/) that fits this column."""
        return kind_of(self)

    @property
    def squared_term(self) -> str | None:
        return squared_name(self.squared) if self.squared else None

    @property
    def terms(self) -> tuple[str, ...]:
        """Regressors (the squared term right after its linear term), then controls."""
        regressors = list(self.regressors)
        if self.squared:
            regressors.insert(regressors.index(self.squared) + 1, self.squared_term)
        return tuple(regressors) + self.controls


@dataclass(frozen=True)
class TableDeclaration:
    study: str
    table_id: str = field(metadata={"yaml": "id"})
    kind: str = field(metadata={"choices": ("descriptive", "regression")})
    title_zh: str = field(metadata={"required": False})  # default: the table id
    title_en: str = field(metadata={"required": False})
    variables: tuple[str, ...] = ()
    columns: tuple[RegressionColumn, ...] = ()
    stepwise: bool = False
    # how the rendered table shows it (reports, Dagster preview)
    beneath: str = field(default="se", metadata={"choices": BENEATH})  # in parentheses under a coefficient
    show_controls: bool = True  # print the controls' coefficients (else one 控制变量 Yes row)
    note: str | None = None

    def column_titles(self, lang: str) -> dict[str, str]:
        """Declared English column titles (`title_en`) by column id; none in Chinese (the results' title)."""
        if lang != "en":
            return {}
        return {c.column_id: c.title_en for c in self.columns if c.title_en}


@dataclass(frozen=True)
class IndexRobustnessDeclaration:
    """``robustness:`` entry of a panel's config.meta: a declared regression column re-estimated with
    the index `variable` replaced by its score under each method (the panel column of each method)."""

    study: str
    robustness_id: str = field(metadata={"yaml": "id"})  # table id of the robustness table, e.g. R1
    title_zh: str = field(metadata={"required": False})
    title_en: str = field(metadata={"required": False})
    table_id: str = field(metadata={"yaml": "table"})  # the baseline table and column
    column_id: str = field(metadata={"yaml": "column", "schema": {"type": ["string", "integer"]}})
    variable: str  # the panel column holding the index in the baseline (depvar or regressor)
    system: str  # the index system (seeds index_systems)
    term: str = field(metadata={"required": False})  # the coefficient reported (default: the variable)
    methods: tuple[tuple[str, str], ...]  # (method, panel column), in declared order

    @property
    def baseline_method(self) -> str:
        """The method whose panel column is the baseline's own variable."""
        return next(method for method, column in self.methods if column == self.variable)


@dataclass(frozen=True)
class StudyDeclaration:
    study: str
    model: str  # the dbt model of the study panel, e.g. panel_paper_a
    relation: str  # schema.table in the warehouse
    title_zh: str
    title_en: str
    tables: tuple[TableDeclaration, ...]
    labels: dict = field(default_factory=dict)  # column -> {"zh": ..., "en": ...}
    robustness: tuple[IndexRobustnessDeclaration, ...] = ()


@lru_cache(maxsize=1)
def _region_codes() -> frozenset[int]:
    from models_py.ingest.seeds import load_regions

    return frozenset(int(c) for c in load_regions()["region_code"])


@lru_cache(maxsize=1)
def _region_resolver():
    from models_py.ingest.seeds import load_region_resolver

    return load_region_resolver()


# --------------------------------------------------------------------------- sample and lags


def _sample(where: Where, raw: Any) -> SampleFilter | None:
    if raw is None:
        return None
    raw = mapping(where, "sample", raw)
    unknown_keys(where, raw, SAMPLE_KEYS, "sample.")
    if "drop_regions" in raw and not isinstance(raw["drop_regions"], (list, tuple)):
        raise where.error("sample.drop_regions", f"expected a list, got {raw['drop_regions']!r}")
    drop_regions = []
    for value in raw.get("drop_regions") or []:
        if isinstance(value, bool):
            raise where.error("sample.drop_regions", f"expected a region code or name, got {value!r}")
        if isinstance(value, int):
            if value not in _region_codes():
                raise where.error("sample.drop_regions", f"{value} is not a region code (seeds/reference/regions.csv)")
            drop_regions.append(value)
        elif isinstance(value, str):
            try:
                drop_regions.append(_region_resolver().resolve(value))
            except ValueError:
                raise where.error("sample.drop_regions",
                                  f"unknown region name {value!r} (not in seeds/reference/region_aliases.csv)") from None
        else:
            raise where.error("sample.drop_regions", f"expected a region code or name, got {value!r}")
    years = raw.get("years")
    if years is not None:
        if (not isinstance(years, (list, tuple)) or len(years) != 2
                or not all(isinstance(y, int) and not isinstance(y, bool) for y in years) or years[0] > years[1]):
            raise where.error("sample.years", f"expected [from, to] with from <= to, got {years!r}")
        years = (int(years[0]), int(years[1]))
    drop_years = raw.get("drop_years") or []
    if not isinstance(drop_years, (list, tuple)) or not all(
            isinstance(y, int) and not isinstance(y, bool) for y in drop_years):
        raise where.error("sample.drop_years", f"expected a list of years, got {drop_years!r}")
    where_group = raw.get("where_group")
    if where_group is not None:
        where_group = mapping(where, "sample.where_group", where_group)
        unknown_keys(where, where_group, ("column", "value"), "sample.where_group.")
        if "column" not in where_group or "value" not in where_group:
            raise where.error("sample.where_group", "needs 'column' and 'value', e.g. {column: region3, value: east}")
        where_group = (name(where, "sample.where_group.column", where_group["column"]),
                       group_values(where, "sample.where_group.value", where_group["value"]))
    sample = SampleFilter(tuple(dict.fromkeys(drop_regions)), years, tuple(dict.fromkeys(drop_years)), where_group)
    return sample if sample.describe() else None


def _lags(where: Where, raw: Any) -> tuple[tuple[str, int], ...]:
    if raw is None:
        return ()
    raw = mapping(where, "lags", raw)
    out = []
    for variable, orders in raw.items():
        key = f"lags.{variable}"
        if not isinstance(variable, str) or lag_expression(variable):
            raise where.error(key, "expected a plain column name (the variable to lag)")
        for n in orders if isinstance(orders, (list, tuple)) else [orders]:
            out.append((variable, integer(where, key, n, minimum=1)))
    return tuple(dict.fromkeys(out))


# --------------------------------------------------------------------------- columns and tables


def _regression_column(study: str, table_id: str, raw: dict, defaults: dict) -> RegressionColumn:
    if not isinstance(raw, dict):
        raise DeclarationError(f"study {study}, table {table_id}: every column is a mapping, got {raw!r}")
    merged = {**defaults, **raw}
    where = Where(study, table_id, merged.get("id"))
    unknown_keys(where, merged, (*COMMON_COLUMN_KEYS, *option_sections()))
    estimator = choice(where, "estimator", merged.get("estimator", "twfe"), tuple(KINDS))
    for required in ("id", "depvar"):
        if not merged.get(required):
            raise where.error(required, "is required")
    column_id = str(merged["id"])
    depvar = name(where, "depvar", merged["depvar"])
    kind = KINDS[estimator]
    regressors = names(where, "regressors", merged.get("regressors"),
                       allow_empty=not kind.regressors_required(merged.get(kind.section) if kind.section else None))
    controls = names(where, "controls", merged.get("controls"))
    absorb = names(where, "absorb", merged.get("absorb", (UNIT, TIME)))
    overlap = set(regressors) & set(controls)
    if overlap:
        raise where.error("controls", f"{sorted(overlap)} are also regressors")
    if depvar in regressors or depvar in controls:
        raise where.error("depvar", f"{depvar!r} is also a regressor or control")
    vcov = VCOV_ALIASES.get(merged.get("vcov", "cluster"), merged.get("vcov", "cluster"))
    choice(where, "vcov", vcov, VCOV_TYPES)
    cluster = None
    if vcov == "cluster":
        cluster = name(where, "cluster", merged.get("cluster") or UNIT)
        if lag_expression(cluster):
            raise where.error("cluster", f"cannot cluster on a lag expression {cluster!r}")

    # option sections belong to their estimator
    raw_options = None
    for section, owner in option_sections().items():
        if merged.get(section) is not None:
            if owner is not kind:
                raise where.error(section, f"only applies to estimator {owner.name}, "
                                           f"this column's estimator is {estimator!r}")
            raw_options = mapping(where, section, merged[section])
    if kind.section_required and raw_options is None:
        raise where.error(kind.section, f"is required for estimator {estimator!r}")

    lags = _lags(where, merged.get("lags"))
    squared = merged.get("squared")
    if squared is not None:
        squared = name(where, "squared", squared)
        if not kind.allows_squared:
            allowed = ", ".join(k.name for k in KINDS.values() if k.allows_squared)
            raise where.error("squared", f"applies to estimators {allowed}, not {estimator!r}")
        if squared not in regressors:
            raise where.error("squared", f"{squared!r} must also be listed in regressors (its linear term)")
        if squared_name(squared) in (*regressors, *controls):
            raise where.error("squared", f"{squared_name(squared)!r} is generated; do not list it yourself")

    declared = RegressionColumn(
        column_id=column_id, estimator=estimator, depvar=depvar, regressors=regressors, controls=controls,
        absorb=absorb, vcov=vcov, cluster=cluster, sample=_sample(where, merged.get("sample")), lags=lags,
        squared=squared, title=None if merged.get("title") is None else str(merged["title"]),
        title_en=None if merged.get("title_en") is None else str(merged["title_en"]))
    declared = replace(declared, options=kind.options(where, raw_options, declared))
    used = {*declared.terms, declared.depvar, *kind.variables(declared)}
    for variable, n in lags:
        if f"L{n}.{variable}" not in used:
            raise where.error(f"lags.{variable}", f"declares L{n}.{variable} but no regressor, control or "
                                                  "instrument uses it")
    return declared


def _stepwise(where: Where, columns: list[RegressionColumn]) -> list[RegressionColumn]:
    """Each declared column with controls c1..ck becomes k + 1 columns adding one control at a
    time; the expanded columns are numbered (1), (2), … across the table."""
    out: list[RegressionColumn] = []
    for column in columns:
        here = Where(where.study, where.table, column.column_id)
        if column.estimator != "twfe":
            raise here.error("stepwise", f"applies to twfe columns, this column's estimator is {column.estimator!r}")
        if not column.controls:
            raise here.error("stepwise", "the column has no controls to add one at a time")
        for j in range(len(column.controls) + 1):
            out.append(replace(column, column_id=f"({len(out) + 1})", controls=column.controls[:j]))
    return out


def _table(study: str, raw: dict) -> TableDeclaration:
    if not isinstance(raw, dict):
        raise DeclarationError(f"study {study}: every table is a mapping, got {raw!r}")
    table_id = raw.get("id")
    kind = raw.get("kind")
    if not table_id or kind not in ("descriptive", "regression"):
        raise DeclarationError(f"study {study}: every table needs an id and kind descriptive|regression, got {raw!r}")
    where = Where(study, table_id)
    unknown_keys(where, raw, TABLE_KEYS)
    stepwise = flag(where, "stepwise", raw.get("stepwise", False))
    show_controls = flag(where, "show_controls", raw.get("show_controls", True))
    beneath = raw.get("beneath", "se")
    if beneath not in BENEATH:
        raise where.error("beneath", f"the statistic in parentheses is se or t, got {raw.get('beneath')!r}")
    defaults = raw.get("defaults") or {}
    mapping(where, "defaults", defaults)
    if "id" in defaults:
        raise where.error("defaults.id", "column ids cannot have a default")
    raw_columns = raw.get("columns") or []
    if not isinstance(raw_columns, (list, tuple)):
        raise where.error("columns", f"expected a list of columns, got {raw_columns!r}")
    if stepwise:
        for i, column in enumerate(raw_columns):
            if isinstance(column, dict) and "id" in column:
                raise Where(study, table_id, column["id"]).error(
                    "id", "in a stepwise table the column ids are generated, (1) … (k+1); remove 'id'")
        # until expanded, a declared column is named by its position: "columns[0]"
        raw_columns = [{**c, "id": f"columns[{i}]"} if isinstance(c, dict) else c for i, c in enumerate(raw_columns)]
    columns = [_regression_column(study, table_id, column, defaults) for column in raw_columns]
    if stepwise:
        columns = _stepwise(where, columns)
    seen = set()
    for column in columns:
        if column.column_id in seen:
            raise Where(study, table_id, column.column_id).error("id", "appears twice in the table")
        seen.add(column.column_id)
    if kind == "regression" and not columns:
        raise DeclarationError(f"study {study}, table {table_id}: a regression table needs columns")
    if kind == "descriptive" and not raw.get("variables"):
        raise DeclarationError(f"study {study}, table {table_id}: a descriptive table needs variables")
    return TableDeclaration(
        study=study,
        table_id=table_id,
        kind=kind,
        title_zh=raw.get("title_zh", table_id),
        title_en=raw.get("title_en", table_id),
        variables=tuple(raw.get("variables", ())),
        columns=tuple(columns),
        stepwise=stepwise,
        beneath=beneath,
        show_controls=show_controls,
        note=None if raw.get("note") is None else str(raw["note"]),
    )


def _robustness(study: str, raw: Any, tables: tuple[TableDeclaration, ...]) -> IndexRobustnessDeclaration:
    if not isinstance(raw, dict):
        raise DeclarationError(f"study {study}: every robustness entry is a mapping, got {raw!r}")
    where = Where(study, f"robustness {raw.get('id')!r}")
    unknown_keys(where, raw, ROBUSTNESS_KEYS)
    for required in ("id", "table", "column", "variable", "system", "methods"):
        if not raw.get(required):
            raise where.error(required, "is required")
    table = next((t for t in tables if t.table_id == raw["table"]), None)
    if table is None or table.kind != "regression":
        raise where.error("table", f"{raw['table']!r} is not a regression table of the study")
    column = next((c for c in table.columns if c.column_id == str(raw["column"])), None)
    if column is None:
        raise where.error("column", f"{raw['column']!r} is not a column of {table.table_id} "
                                    f"(columns: {[c.column_id for c in table.columns]})")
    variable = name(where, "variable", raw["variable"])
    if variable != column.depvar and variable not in column.regressors:
        raise where.error("variable", f"{variable!r} is neither the dependent variable nor a regressor of "
                                      f"{table.table_id} {column.column_id}")
    methods = mapping(where, "methods", raw["methods"])
    for method, panel_column in methods.items():
        choice(where, f"methods.{method}", method, INDEX_METHODS)
        name(where, f"methods.{method}", panel_column)
    if len(methods) < 2:
        raise where.error("methods", "needs the baseline method and at least one alternative")
    baseline = [method for method, panel_column in methods.items() if panel_column == variable]
    if len(baseline) != 1:
        raise where.error("methods", f"exactly one method must map to the baseline column {variable!r} "
                                     f"(the system's own method), got {baseline}")
    term = raw.get("term") or (variable if variable in column.regressors else column.regressors[0])
    term = name(where, "term", term)
    if term not in column.terms:
        raise where.error("term", f"{term!r} is not a term of {table.table_id} {column.column_id} "
                                  f"({list(column.terms)})")
    return IndexRobustnessDeclaration(
        study=study, robustness_id=str(raw["id"]), title_zh=raw.get("title_zh", str(raw["id"])),
        title_en=raw.get("title_en", str(raw["id"])), table_id=table.table_id, column_id=column.column_id,
        variable=variable, system=str(raw["system"]), term=term,
        methods=tuple((method, methods[method]) for method in methods),
    )


def parse_study(meta: dict, model: str, relation: str, labels: dict | None = None) -> StudyDeclaration:
    """A StudyDeclaration from a panel's ``config.meta`` (``study``, ``tables``, titles)."""
    if not meta.get("study"):
        raise DeclarationError(f"model {model}: config.meta needs 'study'")
    study = meta["study"]
    tables = tuple(_table(study, table) for table in meta.get("tables") or ())
    seen = set()
    for table in tables:
        if table.table_id in seen:
            raise DeclarationError(f"study {study}, table {table.table_id}: key 'id': appears twice in the study")
        seen.add(table.table_id)
    raw_robustness = meta.get("robustness") or []
    if not isinstance(raw_robustness, (list, tuple)):
        raise DeclarationError(f"study {study}: key 'robustness': expected a list, got {raw_robustness!r}")
    robustness = tuple(_robustness(study, entry, tables) for entry in raw_robustness)
    clash = {r.robustness_id for r in robustness} & {t.table_id for t in tables}
    if clash or len({r.robustness_id for r in robustness}) != len(robustness):
        raise DeclarationError(f"study {study}: robustness ids must be unique and differ from table ids ({sorted(clash)})")
    return StudyDeclaration(
        study=study,
        model=model,
        relation=relation,
        title_zh=meta.get("title_zh", study),
        title_en=meta.get("title_en", study),
        tables=tables,
        labels=labels or {},
        robustness=robustness,
    )


def study_declarations(manifest: dict) -> list[StudyDeclaration]:
    """Every study panel model with table declarations, in a stable order (models_py/manifest/reader.py)."""
    from models_py.manifest.reader import read_manifest

    return list(read_manifest(manifest).studies)
