"""Table declarations: what each study's tables contain, declared in the dbt YAML of its panel.

A study panel's YAML carries `config.meta` with `study` and `tables` (see
dbt_project/models/marts/studies/_paper_a.yml). They are read from the dbt manifest, so adding a
table is a YAML change: no Python is edited. The full schema (every key, its default and the
estimator it belongs to) is documented in docs/results.md, "Declaring a table"; every mistake
raises a DeclarationError naming study, table, column and the bad key.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from models_py import config

UNIT, TIME = "region_code", "year"  # the panel's unit and time variables (docs/architecture.md)
ESTIMATOR_KINDS = ("twfe", "iv", "re", "gmm", "mediation", "subsample", "group_difference", "hausman")
VCOV_TYPES = ("cluster", "hc1", "unadjusted")
VCOV_ALIASES = {"robust": "hc1"}
# Option sections of a column and the estimators that read them.
SECTIONS = {
    "iv": ("iv",),
    "gmm": ("gmm",),
    "mediation": ("mediation",),
    "subsample": ("subsample",),
    "group_difference": ("group_difference",),
    "hausman": ("hausman",),
}
REQUIRED_SECTIONS = {"iv": "iv", "mediation": "mediation", "subsample": "subsample",
                     "group_difference": "group_difference"}
SQUARED_ESTIMATORS = ("twfe", "iv", "re", "gmm")
COLUMN_KEYS = ("id", "title", "title_en", "estimator", "depvar", "regressors", "controls", "absorb", "vcov", "cluster",
               "sample", "lags", "squared", *SECTIONS)
# Index robustness (config.meta.robustness): the methods of mart index_scores_by_method.
INDEX_METHODS = ("entropy", "topsis_entropy", "equal", "critic")
ROBUSTNESS_KEYS = ("id", "title_zh", "title_en", "table", "column", "variable", "system", "term", "methods")
TABLE_KEYS = ("id", "kind", "title_zh", "title_en", "variables", "columns", "defaults", "stepwise", "note",
              "beneath", "show_controls")  # the last two: how the rendered table shows it (reporting)
SAMPLE_KEYS = ("drop_regions", "years", "drop_years", "where_group")
GMM_KEYS = ("lags", "gmm", "iv", "system", "two_step", "robust", "small", "time_effects", "orthogonal")
GMM_STYLE_KEYS = ("variable", "min_lag", "max_lag", "collapse", "equation")
GMM_IV_KEYS = ("variables", "equation")
GMM_EQUATIONS = ("both", "diff", "level")
MEDIATION_METHODS = ("jiang", "baron_kenny", "bootstrap")
DIFFERENCE_METHODS = ("interaction", "permutation")
HAUSMAN_FORMS = ("stata", "mundlak")
HAUSMAN_SIGMA = ("default", "sigmamore", "sigmaless")
_LAG = re.compile(r"^L(\d*)\.(.+)$")


class DeclarationError(ValueError):
    """A table declaration is incomplete or contradicts itself."""


# --------------------------------------------------------------------------- option sections


@dataclass(frozen=True)
class SampleFilter:
    """``sample: {drop_regions, years: [from, to], drop_years, where_group: {column, value}}``;
    applied to the panel after lags are built (Stata's ``if``: a lag may reach a dropped year)."""

    drop_regions: tuple[int, ...] = ()
    years: tuple[int, int] | None = None
    drop_years: tuple[int, ...] = ()
    where_group: tuple[str, tuple] | None = None  # (column, accepted values)

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


@dataclass(frozen=True)
class IvSpec:
    endog: tuple[str, ...]
    instruments: tuple[str, ...]
    first_stage: bool = True  # write the first-stage coefficients (equation first_stage:<endog>)


@dataclass(frozen=True)
class GmmInstrumentSpec:
    variables: tuple[str, ...]
    min_lag: int = 1
    max_lag: int | None = None
    collapse: bool = False
    equation: str = "both"


@dataclass(frozen=True)
class GmmIvSpec:
    variables: tuple[str, ...]
    equation: str = "both"


@dataclass(frozen=True)
class GmmSpec:
    lags: int = 1
    gmm: tuple[GmmInstrumentSpec, ...] = ()
    iv: tuple[GmmIvSpec, ...] | None = None  # None: iv(regressors controls) for those not in gmm()
    system: bool = True
    two_step: bool = True
    robust: bool = True
    small: bool = False
    time_effects: bool | str = False
    orthogonal: bool = False


@dataclass(frozen=True)
class MediationSpec:
    mediator: str
    method: str = "jiang"
    reps: int = 1000
    seed: int | None = None
    level: float = 95


@dataclass(frozen=True)
class SubsampleSpec:
    group: str
    groups: tuple | None = None


@dataclass(frozen=True)
class GroupDifferenceSpec:
    group: str
    groups: tuple
    method: str = "interaction"
    reps: int = 1000
    seed: int | None = None
    level: str = "unit"


@dataclass(frozen=True)
class HausmanSpec:
    form: str = "stata"
    sigma: str = "default"


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
    iv: IvSpec | None = None
    gmm: GmmSpec | None = None
    mediation: MediationSpec | None = None
    subsample: SubsampleSpec | None = None
    group_difference: GroupDifferenceSpec | None = None
    hausman: HausmanSpec | None = None
    title: str | None = None

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
    table_id: str
    kind: str  # descriptive / regression
    title_zh: str
    title_en: str
    variables: tuple[str, ...] = ()
    columns: tuple[RegressionColumn, ...] = ()
    stepwise: bool = False


@dataclass(frozen=True)
class IndexRobustnessDeclaration:
    """``robustness:`` entry of a panel's config.meta: a declared regression column re-estimated with
    the index `variable` replaced by its score under each method (the panel column of each method)."""

    study: str
    robustness_id: str  # table id of the robustness table, e.g. R1
    title_zh: str
    title_en: str
    table_id: str  # the baseline table and column
    column_id: str
    variable: str  # the panel column holding the index in the baseline (depvar or regressor)
    system: str  # the index system (seeds index_systems)
    term: str  # the coefficient reported
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


def squared_name(variable: str) -> str:
    return f"{variable}_sq"


def lag_expression(name: str) -> tuple[str, int] | None:
    """``"L1.x"`` / ``"L.x"`` → ("x", 1); None for a plain name (``L0.x`` is x itself)."""
    match = _LAG.match(name)
    if not match:
        return None
    return match.group(2), int(match.group(1) or 1)


def canonical(name: str) -> str:
    lag = lag_expression(name)
    if lag is None:
        return name
    base, n = lag
    return base if n == 0 else f"L{n}.{base}"


@lru_cache(maxsize=1)
def _region_codes() -> frozenset[int]:
    from models_py.ingest.seeds import load_regions

    return frozenset(int(c) for c in load_regions()["region_code"])


@lru_cache(maxsize=1)
def _region_resolver():
    from models_py.ingest.seeds import load_region_resolver

    return load_region_resolver()


# --------------------------------------------------------------------------- parsing helpers


class _Where:
    """Location of a declaration for error messages."""

    def __init__(self, study: str, table: Any = None, column: Any = None):
        self.study, self.table = study, table
        self.text = f"study {study}" + (f", table {table}" if table is not None else "") + (
            f", column {column!r}" if column is not None else "")

    def error(self, key: str, problem: str) -> DeclarationError:
        return DeclarationError(f"{self.text}: key '{key}': {problem}")


def _unknown_keys(where: _Where, raw: dict, allowed: tuple, prefix: str = "") -> None:
    for key in raw:
        if key not in allowed:
            raise where.error(f"{prefix}{key}", f"unknown key; allowed: {', '.join(allowed)}")


def _mapping(where: _Where, key: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise where.error(key, f"expected a mapping, got {value!r}")
    return value


def _names(where: _Where, key: str, value: Any, *, allow_empty: bool = True) -> tuple[str, ...]:
    if value is None:
        value = []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
        raise where.error(key, f"expected a list of column names, got {value!r}")
    if not allow_empty and not value:
        raise where.error(key, "must name at least one column")
    names = tuple(canonical(v.strip()) for v in value)
    if len(set(names)) != len(names):
        raise where.error(key, f"names a column twice: {list(value)}")
    return names


def _name(where: _Where, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error(key, f"expected a column name, got {value!r}")
    return canonical(value.strip())


def _integer(where: _Where, key: str, value: Any, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.error(key, f"expected a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise where.error(key, f"must be at least {minimum}, got {value}")
    return value


def _flag(where: _Where, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise where.error(key, f"expected true or false, got {value!r}")
    return value


def _choice(where: _Where, key: str, value: Any, choices: tuple) -> Any:
    if value not in choices:
        raise where.error(key, f"must be one of {', '.join(map(str, choices))}, got {value!r}")
    return value


def _seed(where: _Where, key: str, value: Any) -> int | None:
    return None if value is None else _integer(where, key, value, minimum=0)


def _group_values(where: _Where, key: str, value: Any) -> tuple:
    values = value if isinstance(value, (list, tuple)) else [value]
    if not values or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        raise where.error(key, f"expected a group value or a list of them, got {value!r}")
    if len(set(values)) != len(values):
        raise where.error(key, f"names a group twice: {values}")
    return tuple(values)


# --------------------------------------------------------------------------- sections


def _sample(where: _Where, raw: Any) -> SampleFilter | None:
    if raw is None:
        return None
    raw = _mapping(where, "sample", raw)
    _unknown_keys(where, raw, SAMPLE_KEYS, "sample.")
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
        where_group = _mapping(where, "sample.where_group", where_group)
        _unknown_keys(where, where_group, ("column", "value"), "sample.where_group.")
        if "column" not in where_group or "value" not in where_group:
            raise where.error("sample.where_group", "needs 'column' and 'value', e.g. {column: region3, value: east}")
        where_group = (_name(where, "sample.where_group.column", where_group["column"]),
                       _group_values(where, "sample.where_group.value", where_group["value"]))
    sample = SampleFilter(tuple(dict.fromkeys(drop_regions)), years, tuple(dict.fromkeys(drop_years)), where_group)
    return sample if sample.describe() else None


def _lags(where: _Where, raw: Any) -> tuple[tuple[str, int], ...]:
    if raw is None:
        return ()
    raw = _mapping(where, "lags", raw)
    out = []
    for variable, orders in raw.items():
        key = f"lags.{variable}"
        if not isinstance(variable, str) or lag_expression(variable):
            raise where.error(key, "expected a plain column name (the variable to lag)")
        for n in orders if isinstance(orders, (list, tuple)) else [orders]:
            out.append((variable, _integer(where, key, n, minimum=1)))
    return tuple(dict.fromkeys(out))


def _iv(where: _Where, raw: dict) -> IvSpec:
    _unknown_keys(where, raw, ("endog", "instruments", "first_stage"), "iv.")
    return IvSpec(
        endog=_names(where, "iv.endog", raw.get("endog"), allow_empty=False),
        instruments=_names(where, "iv.instruments", raw.get("instruments"), allow_empty=False),
        first_stage=_flag(where, "iv.first_stage", raw.get("first_stage", True)),
    )


def _gmm(where: _Where, raw: dict, depvar: str) -> GmmSpec:
    _unknown_keys(where, raw, GMM_KEYS, "gmm.")
    styles = []
    entries = raw.get("gmm", [{"variable": depvar, "min_lag": 2}])
    if not isinstance(entries, (list, tuple)) or not entries:
        raise where.error("gmm.gmm", f"expected a list of {{variable, min_lag, max_lag, collapse, equation}}, got {entries!r}")
    for i, entry in enumerate(entries):
        key = f"gmm.gmm[{i}]"
        entry = _mapping(where, key, entry)
        _unknown_keys(where, entry, GMM_STYLE_KEYS, f"{key}.")
        if "variable" not in entry:
            raise where.error(f"{key}.variable", "is required")
        min_lag = _integer(where, f"{key}.min_lag", entry.get("min_lag", 1), minimum=0)
        max_lag = entry.get("max_lag")
        if max_lag is not None and max_lag != ".":
            max_lag = _integer(where, f"{key}.max_lag", max_lag, minimum=min_lag)
        styles.append(GmmInstrumentSpec(
            variables=_names(where, f"{key}.variable", entry["variable"], allow_empty=False),
            min_lag=min_lag, max_lag=None if max_lag == "." else max_lag,
            collapse=_flag(where, f"{key}.collapse", entry.get("collapse", False)),
            equation=_choice(where, f"{key}.equation", entry.get("equation", "both"), GMM_EQUATIONS),
        ))
    ivs = None
    if "iv" in raw:
        ivs = []
        if not isinstance(raw["iv"], (list, tuple)):
            raise where.error("gmm.iv", f"expected a list of {{variables, equation}}, got {raw['iv']!r}")
        for i, entry in enumerate(raw["iv"]):
            key = f"gmm.iv[{i}]"
            entry = _mapping(where, key, entry)
            _unknown_keys(where, entry, GMM_IV_KEYS, f"{key}.")
            ivs.append(GmmIvSpec(_names(where, f"{key}.variables", entry.get("variables"), allow_empty=False),
                                 _choice(where, f"{key}.equation", entry.get("equation", "both"), GMM_EQUATIONS)))
        ivs = tuple(ivs)
    time_effects = raw.get("time_effects", False)
    if time_effects not in (True, False, *GMM_EQUATIONS):
        raise where.error("gmm.time_effects", f"must be true, false or one of {GMM_EQUATIONS}, got {time_effects!r}")
    spec = GmmSpec(
        lags=_integer(where, "gmm.lags", raw.get("lags", 1), minimum=0),
        gmm=tuple(styles), iv=ivs,
        **{k: _flag(where, f"gmm.{k}", raw.get(k, getattr(GmmSpec, k)))
           for k in ("system", "two_step", "robust", "small", "orthogonal")},
        time_effects=time_effects,
    )
    return spec


def _mediation(where: _Where, raw: dict) -> MediationSpec:
    _unknown_keys(where, raw, ("mediator", "method", "reps", "seed", "level"), "mediation.")
    if "mediator" not in raw:
        raise where.error("mediation.mediator", "is required")
    level = raw.get("level", 95)
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 100:
        raise where.error("mediation.level", f"expected a confidence level in percent, e.g. 95, got {level!r}")
    return MediationSpec(
        mediator=_name(where, "mediation.mediator", raw["mediator"]),
        method=_choice(where, "mediation.method", raw.get("method", "jiang"), MEDIATION_METHODS),
        reps=_integer(where, "mediation.reps", raw.get("reps", 1000), minimum=2),
        seed=_seed(where, "mediation.seed", raw.get("seed")),
        level=float(level),
    )


def _subsample(where: _Where, raw: dict) -> SubsampleSpec:
    _unknown_keys(where, raw, ("group", "groups"), "subsample.")
    if "group" not in raw:
        raise where.error("subsample.group", "is required (e.g. region3)")
    groups = raw.get("groups")
    return SubsampleSpec(_name(where, "subsample.group", raw["group"]),
                         None if groups is None else _group_values(where, "subsample.groups", groups))


def _group_difference(where: _Where, raw: dict) -> GroupDifferenceSpec:
    _unknown_keys(where, raw, ("group", "groups", "method", "reps", "seed", "level"), "group_difference.")
    if "group" not in raw:
        raise where.error("group_difference.group", "is required (e.g. region3)")
    groups = _group_values(where, "group_difference.groups", raw.get("groups"))
    if len(groups) != 2:
        raise where.error("group_difference.groups", f"expected two groups [first, second], got {list(groups)}")
    return GroupDifferenceSpec(
        group=_name(where, "group_difference.group", raw["group"]),
        groups=groups,
        method=_choice(where, "group_difference.method", raw.get("method", "interaction"), DIFFERENCE_METHODS),
        reps=_integer(where, "group_difference.reps", raw.get("reps", 1000), minimum=1),
        seed=_seed(where, "group_difference.seed", raw.get("seed")),
        level=_choice(where, "group_difference.level", raw.get("level", "unit"), ("unit", "observation")),
    )


def _hausman(where: _Where, raw: dict) -> HausmanSpec:
    _unknown_keys(where, raw, ("form", "sigma"), "hausman.")
    return HausmanSpec(
        form=_choice(where, "hausman.form", raw.get("form", "stata"), HAUSMAN_FORMS),
        sigma=_choice(where, "hausman.sigma", raw.get("sigma", "default"), HAUSMAN_SIGMA),
    )


# --------------------------------------------------------------------------- columns and tables


def _regression_column(study: str, table_id: str, raw: dict, defaults: dict) -> RegressionColumn:
    if not isinstance(raw, dict):
        raise DeclarationError(f"study {study}, table {table_id}: every column is a mapping, got {raw!r}")
    merged = {**defaults, **raw}
    where = _Where(study, table_id, merged.get("id"))
    _unknown_keys(where, merged, COLUMN_KEYS)
    estimator = _choice(where, "estimator", merged.get("estimator", "twfe"), ESTIMATOR_KINDS)
    for required in ("id", "depvar"):
        if not merged.get(required):
            raise where.error(required, "is required")
    column_id = str(merged["id"])
    depvar = _name(where, "depvar", merged["depvar"])
    gmm_lags = (merged.get("gmm") or {}).get("lags", 1) if isinstance(merged.get("gmm"), dict) else 1
    regressors = _names(where, "regressors", merged.get("regressors"),
                        allow_empty=estimator == "gmm" and gmm_lags != 0)
    controls = _names(where, "controls", merged.get("controls"))
    absorb = _names(where, "absorb", merged.get("absorb", (UNIT, TIME)))
    overlap = set(regressors) & set(controls)
    if overlap:
        raise where.error("controls", f"{sorted(overlap)} are also regressors")
    if depvar in regressors or depvar in controls:
        raise where.error("depvar", f"{depvar!r} is also a regressor or control")
    vcov = VCOV_ALIASES.get(merged.get("vcov", "cluster"), merged.get("vcov", "cluster"))
    _choice(where, "vcov", vcov, VCOV_TYPES)
    cluster = None
    if vcov == "cluster":
        cluster = _name(where, "cluster", merged.get("cluster") or UNIT)
        if lag_expression(cluster):
            raise where.error("cluster", f"cannot cluster on a lag expression {cluster!r}")

    # option sections belong to their estimator
    sections = {}
    for section, owners in SECTIONS.items():
        if merged.get(section) is not None:
            if estimator not in owners:
                raise where.error(section, f"only applies to estimator {' or '.join(owners)}, "
                                           f"this column's estimator is {estimator!r}")
            sections[section] = _mapping(where, section, merged[section])
    if estimator in REQUIRED_SECTIONS and REQUIRED_SECTIONS[estimator] not in sections:
        raise where.error(REQUIRED_SECTIONS[estimator], f"is required for estimator {estimator!r}")

    lags = _lags(where, merged.get("lags"))
    squared = merged.get("squared")
    if squared is not None:
        squared = _name(where, "squared", squared)
        if estimator not in SQUARED_ESTIMATORS:
            raise where.error("squared", f"applies to estimators {', '.join(SQUARED_ESTIMATORS)}, not {estimator!r}")
        if squared not in regressors:
            raise where.error("squared", f"{squared!r} must also be listed in regressors (its linear term)")
        if squared_name(squared) in (*regressors, *controls):
            raise where.error("squared", f"{squared_name(squared)!r} is generated; do not list it yourself")

    column = dict(column_id=column_id, estimator=estimator, depvar=depvar, regressors=regressors,
                  controls=controls, absorb=absorb, vcov=vcov, cluster=cluster,
                  sample=_sample(where, merged.get("sample")), lags=lags, squared=squared,
                  title=None if merged.get("title") is None else str(merged["title"]))
    panel_effects = set(absorb) <= {UNIT, TIME}
    if estimator == "iv":
        iv = _iv(where, sections["iv"])
        stray = [e for e in iv.endog if e not in (*regressors, *controls)]
        if stray:
            raise where.error("iv.endog", f"{stray} must be listed among the regressors")
        clash = [z for z in iv.instruments if z in (*regressors, *controls, depvar)]
        if clash:
            raise where.error("iv.instruments", f"{clash} are also regressors or the dependent variable")
        if len(iv.instruments) < len(iv.endog):
            raise where.error("iv.instruments", f"{len(iv.instruments)} instrument(s) for {len(iv.endog)} "
                                                "endogenous regressor(s): the model is not identified")
        if squared in iv.endog:
            raise where.error("squared", "the squared variable must be exogenous")
        column["iv"] = iv
    elif estimator in ("re", "hausman"):
        if not panel_effects:
            raise where.error("absorb", f"{estimator} has random region effects; absorb may only name "
                                        f"{UNIT} and {TIME} (year dummies), got {list(absorb)}")
        if estimator == "re" and vcov == "hc1":
            raise where.error("vcov", "re supports unadjusted or cluster (xtreg, re vce(robust) clusters by "
                                      "region: write vcov: cluster)")
        if estimator == "hausman":
            column["hausman"] = _hausman(where, sections.get("hausman", {}))
    elif estimator == "gmm":
        if not panel_effects:
            raise where.error("absorb", f"gmm removes region effects by differencing; absorb may only name "
                                        f"{UNIT} and {TIME}, got {list(absorb)}")
        if lags:
            raise where.error("lags", "for gmm write lagged regressors as L1.x (built by xtabond2's own "
                                      "gap-aware grid) and lags of the dependent variable as gmm.lags")
        raw_gmm = dict(sections.get("gmm", {}))
        raw_gmm.setdefault("time_effects", TIME in absorb)
        column["gmm"] = _gmm(where, raw_gmm, depvar)
    elif estimator == "mediation":
        mediation = _mediation(where, sections["mediation"])
        if len(regressors) != 1:
            raise where.error("regressors", f"mediation needs exactly one regressor (the treatment), got {list(regressors)}")
        if mediation.mediator in (depvar, *regressors, *controls):
            raise where.error("mediation.mediator", f"{mediation.mediator!r} is also the dependent variable, "
                                                    "the treatment or a control")
        if mediation.method == "bootstrap" and cluster is None:
            raise where.error("vcov", "the mediation bootstrap resamples clusters: set vcov: cluster")
        column["mediation"] = mediation
    elif estimator == "subsample":
        column["subsample"] = _subsample(where, sections["subsample"])
    elif estimator == "group_difference":
        spec = _group_difference(where, sections["group_difference"])
        if spec.method == "interaction" and cluster is None:
            raise where.error("vcov", "the interaction test is cluster-robust: set vcov: cluster")
        column["group_difference"] = spec
    declared = RegressionColumn(**column)
    used = {*declared.terms, declared.depvar}
    if declared.iv:
        used |= set(declared.iv.instruments)
    for variable, n in lags:
        if f"L{n}.{variable}" not in used:
            raise where.error(f"lags.{variable}", f"declares L{n}.{variable} but no regressor, control or "
                                                  "instrument uses it")
    return declared


def _stepwise(where: _Where, columns: list[RegressionColumn]) -> list[RegressionColumn]:
    """Each declared column with controls c1..ck becomes k + 1 columns adding one control at a
    time; the expanded columns are numbered (1), (2), … across the table."""
    out: list[RegressionColumn] = []
    for column in columns:
        here = _Where(where.study, where.table, column.column_id)
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
    where = _Where(study, table_id)
    _unknown_keys(where, raw, TABLE_KEYS)
    stepwise = _flag(where, "stepwise", raw.get("stepwise", False))
    _flag(where, "show_controls", raw.get("show_controls", True))
    if raw.get("beneath", "se") not in ("se", "t"):
        raise where.error("beneath", f"the statistic in parentheses is se or t, got {raw.get('beneath')!r}")
    defaults = raw.get("defaults") or {}
    _mapping(where, "defaults", defaults)
    if "id" in defaults:
        raise where.error("defaults.id", "column ids cannot have a default")
    raw_columns = raw.get("columns") or []
    if not isinstance(raw_columns, (list, tuple)):
        raise where.error("columns", f"expected a list of columns, got {raw_columns!r}")
    if stepwise:
        for i, column in enumerate(raw_columns):
            if isinstance(column, dict) and "id" in column:
                raise _Where(study, table_id, column["id"]).error(
                    "id", "in a stepwise table the column ids are generated, (1) … (k+1); remove 'id'")
        # until expanded, a declared column is named by its position: "columns[0]"
        raw_columns = [{**c, "id": f"columns[{i}]"} if isinstance(c, dict) else c for i, c in enumerate(raw_columns)]
    columns = [_regression_column(study, table_id, column, defaults) for column in raw_columns]
    if stepwise:
        columns = _stepwise(where, columns)
    seen = set()
    for column in columns:
        if column.column_id in seen:
            raise _Where(study, table_id, column.column_id).error("id", "appears twice in the table")
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
    )


def _robustness(study: str, raw: Any, tables: tuple[TableDeclaration, ...]) -> IndexRobustnessDeclaration:
    if not isinstance(raw, dict):
        raise DeclarationError(f"study {study}: every robustness entry is a mapping, got {raw!r}")
    where = _Where(study, f"robustness {raw.get('id')!r}")
    _unknown_keys(where, raw, ROBUSTNESS_KEYS)
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
    variable = _name(where, "variable", raw["variable"])
    if variable != column.depvar and variable not in column.regressors:
        raise where.error("variable", f"{variable!r} is neither the dependent variable nor a regressor of "
                                      f"{table.table_id} {column.column_id}")
    methods = _mapping(where, "methods", raw["methods"])
    for method, panel_column in methods.items():
        _choice(where, f"methods.{method}", method, INDEX_METHODS)
        _name(where, f"methods.{method}", panel_column)
    if len(methods) < 2:
        raise where.error("methods", "needs the baseline method and at least one alternative")
    baseline = [method for method, panel_column in methods.items() if panel_column == variable]
    if len(baseline) != 1:
        raise where.error("methods", f"exactly one method must map to the baseline column {variable!r} "
                                     f"(the system's own method), got {baseline}")
    term = raw.get("term") or (variable if variable in column.regressors else column.regressors[0])
    term = _name(where, "term", term)
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


def load_manifest(path: Path | None = None) -> dict:
    path = path or config.DBT_TARGET_DIR / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"dbt manifest not found at {path}: run `make prepare` (dbt parse) first")
    return json.loads(path.read_text(encoding="utf-8"))


def study_declarations(manifest: dict) -> list[StudyDeclaration]:
    """Every study panel model with table declarations, in a stable order."""
    studies = []
    for node in manifest["nodes"].values():
        if node.get("resource_type") != "model":
            continue
        meta = node.get("config", {}).get("meta") or node.get("meta") or {}
        if "study" not in meta or "tables" not in meta:
            continue
        labels = {}
        for name, column in node.get("columns", {}).items():
            column_meta = column.get("config", {}).get("meta") or column.get("meta") or {}
            if "label_zh" in column_meta or "label_en" in column_meta:
                labels[name] = {"zh": column_meta.get("label_zh", name), "en": column_meta.get("label_en", name)}
        studies.append(
            parse_study(meta, node["name"], f"{node['schema']}.{node.get('alias') or node['name']}", labels)
        )
    return sorted(studies, key=lambda s: s.study)
