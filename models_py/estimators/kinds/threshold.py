"""threshold: Hansen (1999) fixed-effects panel threshold regression, as Stata's xthreg (Wang 2015).

    estimator: threshold
    regressors: [nqp]                 # regime-dependent unless `regime` names a subset
    controls: [...]
    absorb: [region_code, year]       # region effects always; year: year dummies (year_effects)
    vcov: cluster                     # cluster by region_code = xthreg vce(robust); or unadjusted
    threshold: {variable: q, regime: [nqp], n_thresholds: 1, trim: 0.01, grid: 300, bootstrap: 300,
                seed: null, level: 95, year_effects: <year in absorb>}

is ``xthreg y [regressors not in regime] controls [year dummies], rx(regime) qx(q) thnum(n)
trim(trim ...) grid(grid) bs(bootstrap ...) thlevel(level) vce(robust)``. The main equation holds the
regime coefficients ``<x>_regime<j>`` (x times the indicator of regime j, j = 1 the lowest: q ≤ γ1),
the regime-independent regressors and the controls; the thresholds with their LR confidence
bounds and the bootstrap F tests are diagnostics (docs/results.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from models_py.estimators.kinds.base import Kind, TableRow, only_panel_effects
from models_py.estimators.panel import TIME, UNIT
from models_py.estimators.results import Diagnostics, Equation, PanelResults
from models_py.estimators.threshold import MAX_THRESHOLDS, VCOV_TYPES, fit_threshold
from models_py.manifest import fields

KEYS = ("variable", "regime", "n_thresholds", "trim", "grid", "bootstrap", "seed", "level", "year_effects")
FIT_REGIME_TERM = re.compile(r"^(?P<x>.+)_regime(?P<j>\d+)$")  # fit_threshold's names
# The kind's names say the interval, so that a table with a single- and a double-threshold column
# puts "x·I(q > γ₁)" and "x·I(γ₁ < q ≤ γ₂)" on different rows: <x>_le_g1, <x>_g1_g2, <x>_gt_g2.
REGIME_PATTERNS = (re.compile(r"^(?P<x>.+)_le_g(?P<le>\d)$"), re.compile(r"^(?P<x>.+)_gt_g(?P<gt>\d)$"),
                   re.compile(r"^(?P<x>.+)_g(?P<low>\d)_g(?P<high>\d)$"))
YEAR_DUMMY = re.compile(rf"^_{TIME}_(?P<year>\d+)$")  # fit_threshold's year dummies, renamed 2014.year
PER_THRESHOLD = {"anyOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}}]}
SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"


@dataclass(frozen=True)
class ThresholdSpec:
    variable: str  # the threshold variable q (xthreg's qx)
    regime: tuple[str, ...] = ()  # rx; omitted in YAML: the regressors
    n_thresholds: int = field(default=1, metadata={"choices": tuple(range(1, MAX_THRESHOLDS + 1))})
    trim: float | tuple[float, ...] = field(default=0.01, metadata={"schema": PER_THRESHOLD})
    grid: int | None = 300  # null: every distinct value of q
    bootstrap: int | tuple[int, ...] = field(default=300, metadata={"schema": {"anyOf": [
        {"type": "integer"}, {"type": "array", "items": {"type": "integer"}}]}})
    seed: int | None = None
    level: float = 95  # percent, xthreg's thlevel()
    year_effects: bool | None = None  # None in YAML: year in absorb


def _per_threshold(where, key: str, value, n: int, parse) -> float | tuple:
    """A scalar (every threshold) or a list with one value per threshold, as xthreg's trim() / bs()."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise where.error(key, f"needs one value per threshold ({n}) or a single value, got {list(value)}")
        return tuple(parse(v) for v in value)
    return parse(value)


def regime_term(x: str, j: int, n_thresholds: int) -> str:
    """The name of x's coefficient in regime j (1 = lowest) of a model with n thresholds."""
    if j == 1:
        return f"{x}_le_g1"
    if j == n_thresholds + 1:
        return f"{x}_gt_g{n_thresholds}"
    return f"{x}_g{j - 1}_g{j}"


def subscript(n: int | str) -> str:
    return "".join(SUBSCRIPTS[int(d)] for d in str(n))


class Threshold(Kind):
    name = "threshold"
    label = ("门槛回归", "Threshold")
    section = "threshold"
    section_required = True
    spec = ThresholdSpec
    table_rows = (
        *(TableRow(f"threshold_{k}", f"门槛值 γ{subscript(k)} [LR 置信区间]",
                   f"Threshold γ{subscript(k)} [LR confidence interval]", "value_ci", 500 + 10 * k)
          for k in range(1, MAX_THRESHOLDS + 1)),
        TableRow("threshold_f_single", "单一门槛检验 F [Bootstrap p]", "Single-threshold test F [bootstrap p]",
                 "value_p", 540),
        TableRow("threshold_f_double", "双重门槛检验 F [Bootstrap p]", "Double-threshold test F [bootstrap p]",
                 "value_p", 550),
        TableRow("threshold_f_triple", "三重门槛检验 F [Bootstrap p]", "Triple-threshold test F [bootstrap p]",
                 "value_p", 560),
    )

    def options(self, where, raw, column) -> ThresholdSpec:
        fields.unknown_keys(where, raw, KEYS, "threshold.")
        variable = fields.name(where, "threshold.variable", fields.required(
            where, raw, "variable", "threshold.", "the threshold variable q, xthreg's qx"))
        if variable == column.depvar:
            raise where.error("threshold.variable", f"{variable!r} is the dependent variable")
        regime = fields.names(where, "threshold.regime", raw.get("regime")) or column.regressors
        outside = [x for x in regime if x not in column.regressors]
        if outside:
            raise where.error("threshold.regime", f"{outside} must also be listed in regressors "
                                                  f"(regressors: {list(column.regressors)})")
        n = fields.integer(where, "threshold.n_thresholds", raw.get("n_thresholds", 1), minimum=1)
        if n > MAX_THRESHOLDS:
            raise where.error("threshold.n_thresholds", f"must be 1, 2 or 3 (xthreg's thnum), got {n}")

        def trim(value):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 0.5:
                raise where.error("threshold.trim", f"expected a share of the observations in (0, 0.5), "
                                                    f"e.g. 0.01, got {value!r}")
            return float(value)

        grid = raw.get("grid", 300)
        if grid is not None:
            grid = fields.integer(where, "threshold.grid", grid, minimum=1)
        level = fields.confidence_level(where, "threshold.level", raw.get("level", 95), above=1,
                                        hint=" (xthreg's thlevel)")
        if not only_panel_effects(column) or UNIT not in column.absorb:
            raise where.error("absorb", f"the threshold model removes region effects by the within transformation "
                                        f"and adds year dummies with year; absorb must name {UNIT} (and may "
                                        f"name {TIME}), got {list(column.absorb)}")
        if column.vcov not in VCOV_TYPES:
            raise where.error("vcov", f"threshold supports {' or '.join(VCOV_TYPES)} (xthreg vce(robust) or the "
                                      f"conventional VCE), got {column.vcov!r}")
        if column.cluster not in (None, UNIT):
            raise where.error("cluster", f"xthreg's vce(robust) clusters by the panel unit {UNIT}, got "
                                         f"{column.cluster!r}")
        return ThresholdSpec(
            variable=variable, regime=regime, n_thresholds=n,
            trim=_per_threshold(where, "threshold.trim", raw.get("trim", 0.01), n, trim),
            grid=grid,
            bootstrap=_per_threshold(where, "threshold.bootstrap", raw.get("bootstrap", 300), n,
                                     lambda v: fields.integer(where, "threshold.bootstrap", v, minimum=0)),
            seed=fields.seed(where, "threshold.seed", raw.get("seed")),
            level=float(level),
            year_effects=fields.flag(where, "threshold.year_effects", TIME in column.absorb
                                     if raw.get("year_effects") is None else raw["year_effects"]),
        )

    def variables(self, column) -> list[str]:
        return [column.threshold.variable]

    def term_label(self, term: str, column, label_of) -> tuple[str, str] | None:
        """A regime term: 'x × I(q ≤ γ₁)', 'x × I(γ₁ < q ≤ γ₂)', 'x × I(q > γ₂)' with the labels of x and q."""
        match = next((m for m in map(lambda p: p.match(term), REGIME_PATTERNS) if m), None)
        if not match or match["x"] not in column.threshold.regime:
            return None
        (x_zh, x_en), (q_zh, q_en) = label_of(match["x"]), label_of(column.threshold.variable)
        bounds = match.groupdict()
        if bounds.get("le"):
            zh, en = f"{q_zh} ≤ γ{subscript(bounds['le'])}", f"{q_en} ≤ γ{subscript(bounds['le'])}"
        elif bounds.get("gt"):
            zh, en = f"{q_zh} > γ{subscript(bounds['gt'])}", f"{q_en} > γ{subscript(bounds['gt'])}"
        else:
            low, high = subscript(bounds["low"]), subscript(bounds["high"])
            zh, en = f"γ{low} < {q_zh} ≤ γ{high}", f"γ{low} < {q_en} ≤ γ{high}"
        return f"{x_zh} × I({zh})", f"{x_en} × I({en})"

    def fit(self, data, column) -> PanelResults:
        spec = column.threshold
        linear = [x for x in column.regressors if x not in spec.regime]
        res = fit_threshold(
            data, column.depvar, regime=list(spec.regime), threshold=spec.variable,
            controls=[*linear, *column.controls], unit=UNIT, time=TIME, n_thresholds=spec.n_thresholds,
            trim=spec.trim, grid=spec.grid, bootstrap=spec.bootstrap, level=spec.level / 100,
            vcov=column.vcov, year_effects=spec.year_effects, seed=spec.seed)
        return PanelResults(
            equations={"main": _main_equation(res)}, diagnostics=threshold_diagnostics(res),
            nobs=res.nobs, r2_within=res.rsquared_within, df_resid=res.df_resid, n_clusters=res.n_clusters,
            vcov_type=res.vcov_type, cluster=UNIT if res.vcov_type == "cluster" else None, absorbed=(UNIT,),
            region_fe=True, year_fe=spec.year_effects)


def _main_equation(res) -> Equation:
    """The regime terms first (lowest regime first, each x), renamed by their interval, then the other
    regressors and controls, the year dummies (named as Stata's i.year: 2014.year) and _cons."""
    n = len(res.thresholds)
    regime = {t: FIT_REGIME_TERM.match(str(t)) for t in res.params.index}
    regime = {t: m for t, m in regime.items() if m and m["x"] in res.regime}
    first = sorted(regime, key=lambda t: (int(regime[t]["j"]), res.regime.index(regime[t]["x"])))
    order = [*first, *(t for t in res.params.index if t not in regime)]
    names = {t: regime_term(regime[t]["x"], int(regime[t]["j"]), n) for t in first}
    names.update({t: f"{m['year']}.{TIME}" for t in order if (m := YEAR_DUMMY.match(str(t)))})

    def series(values: pd.Series) -> pd.Series:
        return values.reindex(order).rename(index=names)

    return Equation(series(res.params), series(res.std_errors), series(res.stats), series(res.pvalues),
                    res.stat_kind)


def threshold_diagnostics(res) -> Diagnostics:
    """threshold_1 … the thresholds of the final regression (sorted) with their LR bounds, then
    fit_threshold's own rows (xthreg's e(Thrss) rows threshold_th1 …, the F tests with bootstrap p
    and critical values, RSS, regime sizes), then MSE, grid size and the LR critical value."""
    out = Diagnostics()
    pct = f"{res.level:.0%}"
    rows = res.estimates
    final_rows = ["Th-1"] if len(res.thresholds) == 1 else [label for label in rows.index if label in ("Th-21", "Th-22", "Th-3")]
    by_value = sorted(final_rows, key=lambda label: rows.loc[label, "threshold"])
    for k, label in enumerate(by_value, start=1):
        row = rows.loc[label]
        note = f"{res.threshold}; xthreg row {label}"
        out.add(f"threshold_{k}", row["threshold"], note=note)
        out.add(f"threshold_{k}_lower", row["lower"], note=f"{pct} LR confidence set, c = {res.lr_critical_value:.4f}")
        out.add(f"threshold_{k}_upper", row["upper"], note=f"{pct} LR confidence set, c = {res.lr_critical_value:.4f}")
    for d in res.diagnostics:
        if d.name == "rsquared_within":  # the fit's r2_within
            continue
        out.add(d.name, d.value, df=d.df, df2=d.df2, p=d.p, note=d.note)
    out.add("mse", res.mse, note="RSS / (N (T - 1)) of the final regression")
    out.add("threshold_grid_points", res.grid_points)
    out.add("lr_critical_value", res.lr_critical_value, note=f"-2 ln(1 - sqrt({res.level:g}))")
    return out


KIND = Threshold()
