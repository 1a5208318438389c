"""subsample: the same FE model fitted on each group of a grouping column (east / central / west …).

    estimator: subsample
    subsample: {group: region3, groups: [east, west]}   # groups: all levels when left out
"""
from __future__ import annotations

from dataclasses import dataclass, field

from models_py.estimators.heterogeneity import fit_subsamples
from models_py.estimators.kinds.base import Kind
from models_py.estimators.panel import TIME, UNIT
from models_py.estimators.results import Diagnostics, Equation, PanelResults
from models_py.manifest import fields


@dataclass(frozen=True)
class SubsampleSpec:
    group: str
    groups: tuple | None = field(default=None, metadata={"schema": {"type": ["array", "string", "integer"]}})


class Subsample(Kind):
    name = "subsample"
    section = "subsample"
    spec = SubsampleSpec
    section_required = True

    def options(self, where, raw, column) -> SubsampleSpec:
        fields.unknown_keys(where, raw, ("group", "groups"), "subsample.")
        group = fields.required(where, raw, "group", "subsample.", "e.g. region3")
        groups = raw.get("groups")
        return SubsampleSpec(fields.name(where, "subsample.group", group),
                             None if groups is None else fields.group_values(where, "subsample.groups", groups))

    def grouping(self, column) -> list[str]:
        return [column.subsample.group]

    def fit(self, data, column) -> PanelResults:
        spec = column.subsample
        res = fit_subsamples(data, column.depvar, list(column.terms), spec.group, absorb=list(column.absorb),
                             vcov=column.vcov, cluster=column.cluster,
                             levels=list(spec.groups) if spec.groups else None)
        equations: dict[str, Equation] = {}
        out = Diagnostics()
        for group, model in res.results.items():
            equations[str(group)] = Equation.of(model)
            out.equation_fit(model, str(group))
            out.notes(model.notes, str(group))
        models = list(res.results.values())
        return PanelResults(
            equations=equations, primary=next(iter(equations)), diagnostics=out,
            nobs=sum(m.nobs for m in models), vcov_type=column.vcov, cluster=column.cluster,
            n_clusters=sum(m.n_clusters or 0 for m in models) or None, absorbed=tuple(column.absorb),
            region_fe=UNIT in column.absorb, year_fe=TIME in column.absorb,
            singletons_dropped=sum(m.dropped.get("singletons", 0) for m in models),
            missing_dropped=sum(m.dropped.get("missing", 0) for m in models))


KIND = Subsample()
