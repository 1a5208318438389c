"""mediation: the treatment's total effect, the mediator equation and the outcome equation, with the
indirect effect (Sobel) and, with method bootstrap, cluster-bootstrap intervals.

    estimator: mediation
    mediation: {mediator: m, method: jiang | baron_kenny | bootstrap, reps: 1000, seed: null, level: 95}
"""
from __future__ import annotations

from dataclasses import dataclass, field

from models_py.estimators.kinds.base import Kind, TableRow, fe_fit_fields, one_regressor
from models_py.estimators.mediation import fit_mediation
from models_py.estimators.results import Diagnostics, Equation, PanelResults
from models_py.manifest import fields

METHODS = ("jiang", "baron_kenny", "bootstrap")
EQUATIONS = (("total", "main"), ("mediator", "mediator"), ("outcome", "outcome"))
PATHS = (("c", "path_c"), ("a", "path_a"), ("b", "path_b"), ("c_prime", "path_c_prime"))
DIAGNOSTICS = (
    "proportion_mediated", "indirect_boot_se", "indirect_boot_bias", "bootstrap_z0",
    "indirect_ci_lower_normal", "indirect_ci_upper_normal", "indirect_ci_lower_percentile",
    "indirect_ci_upper_percentile", "indirect_ci_lower_bc", "indirect_ci_upper_bc",
    "bootstrap_reps", "bootstrap_failed", "bootstrap_clusters", "bootstrap_level",
)


@dataclass(frozen=True)
class MediationSpec:
    mediator: str
    method: str = field(default="jiang", metadata={"choices": METHODS})
    reps: int = 1000
    seed: int | None = None
    level: float = 95


class Mediation(Kind):
    name = "mediation"
    section = "mediation"
    spec = MediationSpec
    section_required = True
    equation_labels = {"mediator": ("中介变量方程", "mediator equation"), "outcome": ("结果方程", "outcome equation")}
    table_rows = (
        TableRow("indirect_effect", "间接效应 a·b (Sobel) [p]", "Indirect effect a·b (Sobel) [p]", "value_p", 400),
        TableRow("indirect_ci_lower_bc", "间接效应 Bootstrap 95% CI (BC)", "Indirect effect bootstrap 95% CI (BC)",
                 "ci_bc", 410),
    )

    def options(self, where, raw, column) -> MediationSpec:
        fields.unknown_keys(where, raw, ("mediator", "method", "reps", "seed", "level"), "mediation.")
        mediator = fields.required(where, raw, "mediator", "mediation.")
        level = fields.confidence_level(where, "mediation.level", raw.get("level", 95))
        spec = MediationSpec(
            mediator=fields.name(where, "mediation.mediator", mediator),
            method=fields.choice(where, "mediation.method", raw.get("method", "jiang"), METHODS),
            reps=fields.integer(where, "mediation.reps", raw.get("reps", 1000), minimum=2),
            seed=fields.seed(where, "mediation.seed", raw.get("seed")),
            level=level,
        )
        one_regressor(where, column, "mediation", "the treatment")
        if spec.mediator in (column.depvar, *column.regressors, *column.controls):
            raise where.error("mediation.mediator", f"{spec.mediator!r} is also the dependent variable, "
                                                    "the treatment or a control")
        if spec.method == "bootstrap" and column.cluster is None:
            raise where.error("vcov", "the mediation bootstrap resamples clusters: set vcov: cluster")
        return spec

    def variables(self, column) -> list[str]:
        return [column.mediation.mediator]

    def fit(self, data, column) -> PanelResults:
        spec = column.mediation
        res = fit_mediation(data, column.depvar, column.regressors[0], spec.mediator, controls=list(column.controls),
                            absorb=list(column.absorb), vcov=column.vcov, cluster=column.cluster,
                            method=spec.method, reps=spec.reps, seed=spec.seed, level=spec.level)
        equations: dict[str, Equation] = {}
        out = Diagnostics()
        for key, equation in EQUATIONS:
            model = res.models.get(key)
            if model is None:
                continue
            equations[equation] = Equation.of(model, depvar=spec.mediator if key == "mediator" else column.depvar)
            if equation != "main":
                out.equation_fit(model, equation)
        for key, name in PATHS:
            if key in res.params.index:
                out.add(name, res.params[key], p=res.pvalues[key], note=f"se {res.std_errors[key]:.6g}")
        d = res.diagnostics
        if "indirect_effect" in d:
            out.add("indirect_effect", d["indirect_effect"], p=d["sobel_p"])
            out.add("sobel_se", d["sobel_se"])
            out.add("sobel_z", d["sobel_z"], p=d["sobel_p"])
        for key in DIAGNOSTICS:
            if key in d:
                out.add(key, d[key])
        out.notes(res.notes)
        return PanelResults(equations=equations, diagnostics=out, **fe_fit_fields(res.models["total"], column.absorb))


KIND = Mediation()
