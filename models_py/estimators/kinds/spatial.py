"""spatial: SAR / SEM / SDM with unit, time or two-way fixed effects by maximum likelihood (Stata
xsmle conventions), with LeSage–Pace direct / indirect / total effects and simulated SEs.

    estimator: spatial
    absorb: [region_code, year]            # the fixed effects (spatial.effects must agree if given)
    spatial: {model: sdm, weights: queen, effects: both, lee_yu: false, draws: 1000, seed: 20261205,
              vce: oim}
    spatial: {model: sdm, weights: inverse_distance, power: 1, cutoff_km: null}
    spatial: {model: sdm, weights: economic_distance, variable: gdp_per_capita}

A column shows the equations as xsmle prints them: main (β, with rho / lambda and sigma2_e as the
last terms), Wx (θ, SDM only), direct, indirect and total effects (SAR and SDM). `vce: oim` (the
default, Stata ml's observed information, xsmle's vce(oim)) or `eim` (the expected information of
spreg / splm). Queen and inverse distance are of the level the panel's unit codes are: two-digit codes
the 31 provinces, six-digit codes the 337 prefecture-level cities (a panel mixing them, or of counties,
is an error). The panel must be balanced; a panel (or a sample filter) with fewer units than the level
restricts W to its units (rows standardised again, noted in the diagnostics), and a unit left without a
neighbour among them is an error naming it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from models_py.estimators.kinds.base import Kind, TableRow, only_panel_effects
from models_py.estimators.panel import TIME, UNIT
from models_py.estimators.results import Diagnostics, Equation, PanelResults
from models_py.manifest import fields
from models_py.spatial import weights as spatial_weights
from models_py.spatial.panel_ml import EFFECTS, MODELS, fit_spatial_panel

WEIGHTS = spatial_weights.KINDS
VCE = ("oim", "eim")
NUMERIC_VCE = {"oim": "oim", "eim": "information"}  # YAML name → models_py.spatial.panel_ml's
KEYS = ("model", "weights", "power", "cutoff_km", "variable", "effects", "lee_yu", "draws", "seed", "vce")
EFFECTS_OF_ABSORB = {frozenset({UNIT, TIME}): "both", frozenset({UNIT}): "unit", frozenset({TIME}): "time"}
ABSORB_OF_EFFECTS = {"both": (UNIT, TIME), "unit": (UNIT,), "time": (TIME,)}
DEFAULT_SEED = 20261205
# equation of the numerics → equation written to results (the Wx coefficients sit on their regressor's row)
EQUATIONS = {"main": "main", "Wx": "wx", "direct": "direct", "indirect": "indirect", "total": "total"}


@dataclass(frozen=True)
class SpatialSpec:
    model: str = field(default="sdm", metadata={"choices": MODELS})
    weights: str = field(default="queen", metadata={"choices": WEIGHTS})
    power: float = 1.0  # inverse_distance: 1 / d^power
    cutoff_km: float | None = None  # inverse_distance: zero weight beyond this distance
    variable: str | None = None  # economic_distance: the panel variable (GDP per capita …)
    effects: str = field(default="both", metadata={"choices": EFFECTS})
    lee_yu: bool = False
    draws: int = 1000  # parameter draws for the effects' SEs (xsmle nsim())
    seed: int | None = DEFAULT_SEED
    vce: str = field(default="oim", metadata={"choices": VCE})


def _number(where, key: str, value, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (positive and not value > 0):
        raise where.error(key, f"expected a {'positive ' if positive else ''}number, got {value!r}")
    return float(value)


def build_weights(spec: SpatialSpec, data) -> spatial_weights.SpatialWeights:
    """The declared weights matrix: queen and inverse distance of the level the panel's unit codes are
    (two-digit: the 31 provinces, six-digit: the 337 prefecture-level cities; a mixed or county panel is
    an error), economic distance of the variable averaged over the fitted years."""
    if spec.weights == "economic_distance":
        return spatial_weights.economic_distance(data, spec.variable, UNIT, TIME)
    level = spatial_weights.unit_level(data[UNIT].unique())
    if spec.weights == "queen":
        return spatial_weights.queen_contiguity(level)
    return spatial_weights.inverse_distance(spec.power, spec.cutoff_km, level=level)


class SpatialPanel(Kind):
    name = "spatial"
    label = ("空间面板 ML", "Spatial panel ML")
    section = "spatial"
    spec = SpatialSpec
    absorbs = False
    clusters = False
    main_equation_label = ("主效应", "Main")
    vcov_names = {
        "oim": ("基于观测信息矩阵（OIM）的标准误", "standard errors from the observed information matrix (OIM)"),
        "eim": ("基于期望信息矩阵（EIM）的标准误", "standard errors from the expected information matrix (EIM)"),
    }
    equation_labels = {"wx": ("W·x", "Wx"), "direct": ("直接效应", "Direct"), "indirect": ("间接效应", "Indirect"),
                       "total": ("总效应", "Total")}
    table_rows = (
        TableRow("log_likelihood", "对数似然值", "Log-likelihood", "value", 600),
        TableRow("aic", "AIC", "AIC", "value", 610),
        TableRow("wald_sdm_vs_sar", "Wald 检验 SDM→SAR [p]", "Wald test SDM→SAR [p]", "value_p", 620),
        TableRow("wald_sdm_vs_sem", "Wald 检验 SDM→SEM [p]", "Wald test SDM→SEM [p]", "value_p", 630),
        TableRow("lr_sdm_vs_sar", "LR 检验 SDM→SAR [p]", "LR test SDM→SAR [p]", "value_p", 640),
        TableRow("lr_sdm_vs_sem", "LR 检验 SDM→SEM [p]", "LR test SDM→SEM [p]", "value_p", 650),
    )

    def options(self, where, raw, column) -> SpatialSpec:
        raw = dict(raw or {})
        fields.unknown_keys(where, raw, KEYS, "spatial.")
        if not column.absorb or not only_panel_effects(column):
            raise where.error("absorb", f"spatial fits unit and / or time fixed effects: absorb must name "
                                        f"{UNIT}, {TIME} or both, got {list(column.absorb)}")
        from_absorb = EFFECTS_OF_ABSORB[frozenset(column.absorb)]
        effects = fields.choice(where, "spatial.effects", raw.get("effects", from_absorb), EFFECTS)
        if effects != from_absorb:
            raise where.error("spatial.effects", f"{effects!r} disagrees with absorb {list(column.absorb)} "
                                                 f"(effects {effects} absorbs {list(ABSORB_OF_EFFECTS[effects])})")
        kind = fields.choice(where, "spatial.weights", raw.get("weights", "queen"), WEIGHTS)
        for key, owner in (("power", "inverse_distance"), ("cutoff_km", "inverse_distance"),
                           ("variable", "economic_distance")):
            if key in raw and kind != owner:
                raise where.error(f"spatial.{key}", f"only applies to weights: {owner}, not {kind}")
        variable = None
        if kind == "economic_distance":
            if not raw.get("variable"):
                raise where.error("spatial.variable", "economic_distance weights need the panel variable whose "
                                                      "regional means they compare (e.g. gdp_per_capita)")
            variable = fields.name(where, "spatial.variable", raw["variable"])
        cutoff = raw.get("cutoff_km")
        spec = SpatialSpec(
            model=fields.choice(where, "spatial.model", raw.get("model", "sdm"), MODELS),
            weights=kind,
            power=_number(where, "spatial.power", raw.get("power", 1.0), positive=True),
            cutoff_km=None if cutoff is None else _number(where, "spatial.cutoff_km", cutoff, positive=True),
            variable=variable,
            effects=effects,
            lee_yu=fields.flag(where, "spatial.lee_yu", raw.get("lee_yu", False)),
            draws=fields.integer(where, "spatial.draws", raw.get("draws", 1000), minimum=0),
            seed=fields.seed(where, "spatial.seed", raw.get("seed", DEFAULT_SEED)),
            vce=fields.choice(where, "spatial.vce", raw.get("vce", "oim"), VCE),
        )
        if spec.draws == 1 and spec.model != "sem":
            raise where.error("spatial.draws", "one draw has no spread: use 0 (no effect SEs) or at least 2")
        if column.squared:
            raise where.error("squared", "spatial does not fit a squared term")
        return spec

    def variables(self, column) -> list[str]:
        spec = column.spatial
        return [spec.variable] if spec.variable else []

    def fit(self, data, column) -> PanelResults:
        spec = column.spatial
        weights = build_weights(spec, data)
        out = Diagnostics()
        codes = sorted(int(code) for code in data[UNIT].unique())
        if set(codes) < set(weights.codes):  # the panel (or its sample filter) lacks units: W follows it
            dropped = sorted(set(weights.codes) - set(codes))
            weights = weights.aligned(codes)
            listed = f"{dropped[:10]}{' …' if len(dropped) > 10 else ''}"
            out.notes([f"{spec.weights} weights restricted to the {len(codes)} regions of the sample "
                       f"(dropped {len(dropped)}: {listed}) and row-standardised again"])
        res = fit_spatial_panel(data, column.depvar, list(column.terms), weights, model=spec.model,
                                effects=spec.effects, lee_yu=spec.lee_yu, draws=spec.draws,
                                seed=spec.seed if spec.seed is not None else DEFAULT_SEED, unit=UNIT, time=TIME,
                                vce=NUMERIC_VCE[spec.vce])
        spatial_terms = ["lambda" if spec.model == "sem" else "rho", "sigma2_e"]
        equations = {}
        for source, target in EQUATIONS.items():
            if source not in res.equations:
                continue
            parts = [res.equations[source]]
            if source == "main":  # rho / lambda and sigma2_e printed under the main coefficients
                parts += [res.equations["spatial"], res.equations["variance"]]
            equations[target] = Equation(*(pd.concat([getattr(p, a) for p in parts])
                                           for a in ("params", "std_errors", "stats", "pvalues")), "z")
        out.add("log_likelihood", res.log_likelihood)
        out.add("aic", res.aic)
        out.add("bic", res.bic)
        for d in res.diagnostics:
            out.add(d.name, d.value, df=d.df, df2=d.df2, p=d.p, note=d.note, equation=d.equation)
        out.add("spatial_weights", float("nan"), note=weights.kind)
        out.add("lee_yu", float(spec.lee_yu), note="Lee–Yu (2010) transformation" if spec.lee_yu else
                "direct demeaning (no Lee–Yu correction)")
        out.add("n_units", res.n_units)
        out.add("n_periods", res.n_periods)
        if res.effect_draws:
            out.add("effect_draws", res.effect_draws, note=f"seed {res.seed}")
        absorbed = ABSORB_OF_EFFECTS[spec.effects]
        return PanelResults(equations=equations, diagnostics=out, nobs=res.nobs, vcov_type=spec.vce,
                            absorbed=absorbed, region_fe=UNIT in absorbed, year_fe=TIME in absorbed)


KIND = SpatialPanel()
