"""moderation (调节效应): the core regressor x interacted with centred moderators under absorbed fixed
effects, with the marginal effects of x at declared moderator values (models_py/estimators/moderation.py).

    estimator: moderation
    regressors: [x]                 # exactly one: the core variable
    moderation: {moderators: [m], center: both | moderator | none,
                 at: [mean-sd, mean, mean+sd],   # or {m: [...]}; numbers, mean, mean±k·sd, pNN, min, max
                 categorical: [d], level: 95}

Equations: `main` (x, the moderators, the interactions c.x#c.m / 1.d#c.x, the controls, _cons) and
`margins` (dy/dx at each value: term `x@mean-sd` when the column has one moderator, so the rows of
columns with different moderators line up, `x@m=mean-sd` when it has several). A table prints the
margins as a block beneath the column's coefficients (`stacked_equations`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from models_py.estimators.kinds.base import Kind, TableRow, fe_fit_fields, one_regressor
from models_py.estimators.moderation import CENTER_OPTIONS, DEFAULT_AT, fit_moderation, moderator_value
from models_py.estimators.results import Diagnostics, Equation, PanelResults
from models_py.manifest import fields

KEYS = ("moderators", "center", "at", "categorical", "level")
AT_VALUE = {"anyOf": [{"type": "number"}, {"type": "string"}]}
AT_LIST = {"anyOf": [AT_VALUE, {"type": "array", "items": AT_VALUE, "minItems": 1}]}
_SD = re.compile(r"^mean([+-])(\d*\.?\d*)sd$")


@dataclass(frozen=True)
class ModerationSpec:
    moderators: tuple[str, ...]
    center: str = field(default="both", metadata={"choices": CENTER_OPTIONS})
    # None: mean-sd, mean, mean+sd (0 and 1 for categorical moderators); a list for every moderator,
    # or {moderator: list}
    at: tuple | dict | None = field(default=None, metadata={"schema": {"anyOf": [
        AT_LIST, {"type": "object", "additionalProperties": AT_LIST}, {"type": "null"}]}})
    categorical: tuple[str, ...] = ()
    level: float = 95


def _at_values(where, key: str, value, moderator: str, categorical: bool) -> tuple:
    """One moderator's `at` list, each entry checked by the numerics' own reader."""
    values = value if isinstance(value, (list, tuple)) else [value]
    if not values:
        raise where.error(key, "lists no moderator value")
    for token in values:
        if isinstance(token, bool):
            raise where.error(key, f"expected a number or mean, mean-sd, mean+2sd, min, max, pNN, got {token!r}")
        try:
            moderator_value(token, np.array([0.0, 1.0]), moderator)
        except ValueError as error:
            raise where.error(key, str(error)) from None
        if categorical and token not in (0, 1):
            raise where.error(key, f"{moderator!r} is categorical (0/1): its values are 0 and 1, got {token!r}")
    if len({_token(v) for v in values}) != len(values):  # 1 and 1.0, "mean" and "Mean" are one value
        raise where.error(key, f"names a value twice: {list(values)}")
    return tuple(values)


def _at_label(token: str) -> tuple[str, str]:
    """(zh, en) of an `at` label: mean-sd → 均值−1标准差 / mean − 1 SD."""
    if token == "mean":
        return "均值", "mean"
    if token in ("min", "max"):
        return ("最小值" if token == "min" else "最大值"), token
    if match := _SD.match(token):
        k, sign = match.group(2) or "1", "+" if match.group(1) == "+" else "−"
        return f"均值{sign}{k}标准差", f"mean {sign} {k} SD"
    if token.startswith("p") and token[1:].replace(".", "", 1).isdigit():
        return f"第{token[1:]}百分位数", f"{token[1:]}th percentile"
    return token, token


class Moderation(Kind):
    name = "moderation"
    label = ("调节效应（FE）", "Moderation (FE)")
    section = "moderation"
    spec = ModerationSpec
    section_required = True
    equation_labels = {"margins": ("边际效应", "marginal effects")}
    stacked_equations = ("margins",)
    table_rows = (TableRow("interaction_f", "交互项联合检验 F [p]", "Interaction F test [p]", "value_p", 500),)

    def options(self, where, raw, column) -> ModerationSpec:
        fields.unknown_keys(where, raw, KEYS, "moderation.")
        moderators = fields.names(where, "moderation.moderators", fields.required(
            where, raw, "moderators", "moderation.", "one or more panel columns"), allow_empty=False)
        center = fields.choice(where, "moderation.center", raw.get("center", "both"), CENTER_OPTIONS)
        categorical = fields.names(where, "moderation.categorical", raw.get("categorical"))
        stray = [d for d in categorical if d not in moderators]
        if stray:
            raise where.error("moderation.categorical", f"{stray} are not among the moderators {list(moderators)}")
        level = fields.confidence_level(where, "moderation.level", raw.get("level", 95))
        at = raw.get("at")
        if isinstance(at, dict):
            unknown = [m for m in at if m not in moderators]
            if unknown:
                raise where.error("moderation.at", f"names {unknown}, which are not moderators {list(moderators)}")
            at = {m: _at_values(where, f"moderation.at.{m}", v, m, m in categorical) for m, v in at.items()}
        elif at is not None:  # one list for every moderator
            at = [_at_values(where, "moderation.at", at, m, m in categorical) for m in moderators][0]
        one_regressor(where, column, "moderation", "the core variable x")
        clash = [m for m in moderators if m in (column.depvar, *column.regressors, *column.controls)]
        if clash:
            raise where.error("moderation.moderators", f"{clash} are also the dependent variable, the core "
                                                       "regressor or a control")
        return ModerationSpec(moderators, center, at, categorical, level)

    def variables(self, column) -> list[str]:
        return list(column.moderation.moderators)

    def fit(self, data, column) -> PanelResults:
        spec = column.moderation
        x = column.regressors[0]
        res = fit_moderation(data, column.depvar, x, list(spec.moderators), controls=list(column.controls),
                             absorb=list(column.absorb), vcov=column.vcov, cluster=column.cluster,
                             center=spec.center, at=_numerics_at(spec), categorical=list(spec.categorical),
                             level=spec.level / 100)
        margins = res.equations["margins"]
        slopes = res.simple_slopes
        terms = [margin_term(x, spec.moderators, row.moderator, row.at) for row in slopes.itertuples()]
        renamed = [s.set_axis(terms) for s in (margins.params, margins.std_errors, margins.stats, margins.pvalues)]
        equations = {"main": Equation(res.params, res.std_errors, res.stats, res.pvalues),
                     "margins": Equation(*renamed)}
        out = Diagnostics()
        out.add("f_model", res.fstat, df=res.df_model, df2=res.df_resid, p=res.f_pvalue)
        for d in res.diagnostics:
            out.add(d.name, d.value, df=d.df, df2=d.df2, p=d.p, note=d.note, equation=d.equation)
        for term, row in zip(terms, slopes.itertuples()):  # the moderator value each margin is taken at
            out.add(f"moderator_value:{term}", row.value, note=f"{row.moderator} = {row.at}", equation="margins")
        out.notes(res.notes)
        return PanelResults(equations=equations, diagnostics=out, **fe_fit_fields(res, column.absorb))

    def term_label(self, term, column, label):
        spec = column.moderation
        x = column.regressors[0]
        for m in spec.moderators:  # label() only on a match: it comes back here for x and m
            if term in (f"c.{x}#c.{m}", f"1.{m}#c.{x}"):
                (x_zh, x_en), (m_zh, m_en) = label(x), label(m)
                return f"{x_zh} × {m_zh}", f"{x_en} × {m_en}"
            if term == f"1.{m}":
                return label(m)
            for value in _declared_at(spec, m):
                if term == margin_term(x, spec.moderators, m, _token(value)):
                    at_zh, at_en = _at_label(_token(value))
                    who_zh, who_en = ("调节变量", "moderator") if len(spec.moderators) == 1 else label(m)
                    return f"边际效应：{who_zh} = {at_zh}", f"Marginal effect at {who_en} = {at_en}"
        return None


def margin_term(x: str, moderators, moderator: str, at: str) -> str:
    """The margins term: `x@mean-sd` (one moderator), `x@m=mean-sd` (several)."""
    return f"{x}@{at}" if len(moderators) == 1 else f"{x}@{moderator}={at}"


def _token(value) -> str:
    """The numerics' label of an `at` entry (models_py.estimators.moderation.moderator_value)."""
    return moderator_value(value, np.array([0.0, 1.0]), "")[0]


def _declared_at(spec: ModerationSpec, moderator: str) -> tuple:
    at = spec.at.get(moderator) if isinstance(spec.at, dict) else spec.at
    if at is None:
        return (0, 1) if moderator in spec.categorical else DEFAULT_AT
    return at


def _numerics_at(spec: ModerationSpec):
    if isinstance(spec.at, dict):
        return {m: list(v) for m, v in spec.at.items()}
    return None if spec.at is None else list(spec.at)


KIND = Moderation()
