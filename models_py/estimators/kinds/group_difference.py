"""group_difference: is the first term's coefficient different between two groups? By the
interaction (Chow) test or by bdiff's permutation test.

    estimator: group_difference
    group_difference: {group: region3, groups: [east, west], method: interaction | permutation,
                       reps: 1000, seed: null, level: unit | observation}
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from models_py.estimators.heterogeneity import interaction_test, permutation_test
from models_py.estimators.kinds.base import Kind, TableRow
from models_py.estimators.numerics import complete_rows
from models_py.estimators.panel import TIME, UNIT
from models_py.estimators.results import Diagnostics, Equation, PanelResults
from models_py.manifest import fields

METHODS = ("interaction", "permutation")


@dataclass(frozen=True)
class GroupDifferenceSpec:
    group: str
    groups: tuple = field(metadata={"schema": {"type": "array", "minItems": 2, "maxItems": 2}})
    method: str = field(default="interaction", metadata={"choices": METHODS})
    reps: int = 1000
    seed: int | None = None
    level: str = field(default="unit", metadata={"choices": ("unit", "observation")})


class GroupDifference(Kind):
    name = "group_difference"
    label = ("组间差异", "Group difference")
    section = "group_difference"
    spec = GroupDifferenceSpec
    section_required = True
    equation_labels = {"difference": ("差异", "difference")}
    shown_equations = ("difference",)
    table_rows = (
        TableRow("chow_f", "组间系数差异 Chow F [p]", "Coefficient difference Chow F [p]", "value_p", 500),
        TableRow("perm_p", "组间系数差异 经验 p 值 (bdiff)", "Coefficient difference empirical p (bdiff)", "value", 510),
    )

    def options(self, where, raw, column) -> GroupDifferenceSpec:
        fields.unknown_keys(where, raw, ("group", "groups", "method", "reps", "seed", "level"), "group_difference.")
        group = fields.required(where, raw, "group", "group_difference.", "e.g. region3")
        groups = fields.group_values(where, "group_difference.groups", raw.get("groups"))
        if len(groups) != 2:
            raise where.error("group_difference.groups", f"expected two groups [first, second], got {list(groups)}")
        spec = GroupDifferenceSpec(
            group=fields.name(where, "group_difference.group", group),
            groups=groups,
            method=fields.choice(where, "group_difference.method", raw.get("method", "interaction"), METHODS),
            reps=fields.integer(where, "group_difference.reps", raw.get("reps", 1000), minimum=1),
            seed=fields.seed(where, "group_difference.seed", raw.get("seed")),
            level=fields.choice(where, "group_difference.level", raw.get("level", "unit"), ("unit", "observation")),
        )
        if spec.method == "interaction" and column.cluster is None:
            raise where.error("vcov", "the interaction test is cluster-robust: set vcov: cluster")
        return spec

    def grouping(self, column) -> list[str]:
        return [column.group_difference.group]

    def fit(self, data, column) -> PanelResults:
        spec = column.group_difference
        term, controls = column.terms[0], list(column.terms[1:])
        if spec.method == "interaction":
            res = interaction_test(data, column.depvar, term, controls, group=spec.group, groups=spec.groups,
                                   absorb=list(column.absorb), cluster=column.cluster)
        else:
            res = permutation_test(data, column.depvar, term, controls, group=spec.group, groups=spec.groups,
                                   absorb=list(column.absorb), unit=UNIT, reps=spec.reps, seed=spec.seed,
                                   level=spec.level, vcov=column.vcov, cluster=column.cluster)
        one = lambda series, key: pd.Series([series[key]], index=[term])  # noqa: E731
        equations = {
            equation: Equation(one(res.params, key), one(res.std_errors, key), one(res.tstats, key),
                               one(res.pvalues, key))
            for key, equation in (("b_first", str(res.groups[0])), ("b_second", str(res.groups[1])),
                                  ("difference", "difference"))
        }
        d = res.diagnostics
        out = Diagnostics()
        common = dict(absorbed=tuple(column.absorb), region_fe=UNIT in column.absorb, year_fe=TIME in column.absorb)
        if spec.method == "interaction":
            df = d["df_resid"]
            out.add("difference", d["difference"], df=df, p=d["difference_p"], note=res.definition)
            out.add("difference_se", d["difference_se"])
            out.add("difference_t", d["difference_t"], df=df, p=d["difference_p"])
            out.add("chow_f", d["chow_F"], df=1, df2=df, p=d["difference_p"])
            model = res.model
            fit = dict(nobs=model.nobs, r2=model.rsquared, r2_adj=model.rsquared_adj,
                       r2_within=model.rsquared_within, df_resid=model.df_resid, n_clusters=model.n_clusters,
                       vcov_type=model.vcov_type, cluster=model.cluster, **common,
                       singletons_dropped=model.dropped.get("singletons", 0))
            fit["absorbed"] = tuple(model.absorbed)
        else:
            out.add("perm_difference", d["perm_difference"], p=d["perm_p"], note=res.definition)
            out.add("perm_p", d["perm_p"], note="bdiff: one-sided empirical p (Freq / reps, folded)")
            out.add("perm_p_two_sided", d["perm_p_two_sided"])
            for key in ("perm_freq", "perm_reps", "perm_failed", "perm_units", "perm_units_first"):
                out.add(key, d[key])
            used = [column.depvar, *column.terms, spec.group, *column.absorb, UNIT, column.cluster]
            rows = complete_rows(data, used)
            fit = dict(nobs=int(rows[spec.group].isin(res.groups).sum()), vcov_type=column.vcov,
                       cluster=column.cluster, **common)
        out.notes(res.notes)
        return PanelResults(equations=equations, primary="difference", diagnostics=out, **fit)


KIND = GroupDifference()
