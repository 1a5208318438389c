"""Moderation (调节效应): the core variable interacted with a centred moderator, under absorbed
fixed effects, with marginal effects of the core variable at chosen moderator values.

    fit_moderation(panel, "y", "x", "m", controls=["z"], absorb=["region_code", "year"],
                   cluster="region_code", center="both", at=["mean-sd", "mean", "mean+sd"])

fits   y = b1·x + b2·m + b3·(x − c_x)(m − c_m) + controls + absorbed FE
by ``fit_fixed_effects`` (reghdfe conventions: singletons dropped, CRV1 with reghdfe's
small-sample factor, t with G − 1 df), i.e. in Stata

    reghdfe y x m z, absorb(region_code year) vce(cluster region_code)   // to mark e(sample)
    summarize x if e(sample)  → c_x          summarize m if e(sample)  → c_m
    gen xm = (x − c_x)*(m − c_m)
    reghdfe y x m xm z, absorb(region_code year) vce(cluster region_code)

Conventions
* Centring (``center``): "both" (default) subtracts c_x and c_m, "moderator" only c_m (c_x = 0),
  "none" neither. The centres are means over the ESTIMATION SAMPLE: the rows the regression uses
  (complete on y, x, moderators, controls, absorbed factors and cluster, after reghdfe's
  iterative singleton drop), what ``summarize … if e(sample)`` gives. Only the product is
  centred; the main effects enter raw (under absorbed FE centring them changes nothing but
  ``_cons``). Centring is a reparametrisation: the fit, b3 and its SE are unchanged; b1 becomes
  the effect of x at m = c_m and b2 the effect of m at x = c_x.
* Terms are named as Stata shows ``c.x##c.m``: ``x``, ``m``, ``c.x#c.m`` (the centred product).
  A moderator declared ``categorical`` (a 0/1 dummy, Stata's ``i.d``) is never centred and is
  named ``1.d`` and ``1.d#c.x`` (as ``c.x##i.d``). Order: x, moderators, interactions, controls,
  ``_cons``. A moderator constant within units (absorbed by the unit FE) is omitted as in Stata;
  its interaction is still estimated.
* Marginal effect of x at moderator values m_j = v (the equation "margins"):
      dy/dx = b1 + b3_j·(v − c_j) + Σ_{k≠j} b3_k·(mean_k − c_k)
  with the other moderators at their estimation-sample means, which for this linear model is what
  ``margins, dydx(x) at(m_j = v)`` prints (it averages over the others' observed values). SE by
  the delta method, g'Vg with V the fit's cluster-robust covariance (same small-sample factors);
  t, p and CI with the fit's residual df (``margins`` after reghdfe uses e(df_r)).
* Moderator values (``at``): numbers, "mean", "mean±k·sd" written "mean-sd", "mean+2sd", "min",
  "max", or percentiles "p25" as Stata's ``summarize, detail`` / ``_pctile`` define them
  (numpy's "averaged_inverted_cdf"); sd with n − 1. All over the estimation sample. Categorical
  moderators take 0 and 1 (the default for them).
* Johnson–Neyman: the moderator values where |t| of dy/dx equals the two-sided critical value at
  ``level``: roots of (a0 + a1 v)² = c²·(v00 + 2 v01 v + v11 v²). Reported as bounds, the kind
  of region ("outside" the bounds, "inside", "everywhere", "nowhere") and the share of the
  estimation sample where the effect is significant.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from models_py.estimators.diagnostic import Diagnostic
from models_py.estimators.fixed_effects import CONST, FixedEffectsResult, fit_fixed_effects
from models_py.estimators.numerics import estimation_sample
from models_py.estimators.results import Equation  # the marginal effects, as any equation of a fit

CENTER_OPTIONS = ("both", "moderator", "none")
DEFAULT_AT = ("mean-sd", "mean", "mean+sd")
_SD_TOKEN = re.compile(r"^mean\s*([+-])\s*(\d*\.?\d*)\s*sd$")
_PCT_TOKEN = re.compile(r"^p(\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class JohnsonNeyman:
    """Where dy/dx is significant at ``level`` along one moderator (others at their means).
    ``region``: "outside" (v < lower or v > upper), "inside" (lower < v < upper), "everywhere",
    "nowhere"; bounds are NaN when there are none. In the knife-edge case |t(b3)| = c exactly
    there is one bound (lower = upper) and the region is "above" or "below" it."""

    moderator: str
    level: float
    region: str
    lower: float
    upper: float
    observed_min: float
    observed_max: float
    share_significant: float


@dataclass(frozen=True)
class ModerationResult:
    """The interaction regression (``params`` … as the FE fit, ``_cons`` last) plus the marginal
    effects of x as equation "margins" (terms ``x@m=mean-sd`` …), the simple-slopes frame, the
    Johnson–Neyman regions and the centres used."""

    params: pd.Series
    std_errors: pd.Series
    stats: pd.Series
    pvalues: pd.Series
    cov: pd.DataFrame
    nobs: int
    df_resid: int
    n_clusters: int | None
    rsquared: float
    rsquared_adj: float
    rsquared_within: float
    fstat: float
    f_pvalue: float
    rmse: float
    rss: float
    tss: float
    df_model: int
    df_absorbed: int
    vcov_type: str
    cluster: str | None
    absorbed: dict
    dropped: dict
    depvar: str
    x: str
    moderators: tuple[str, ...]
    categorical: tuple[str, ...]
    center: str
    centers: pd.Series                  # c_x and each c_m (0 where not centred)
    sample_means: pd.Series             # x and moderators over the estimation sample
    interaction_terms: dict             # moderator -> interaction term name
    equations: dict                     # {"margins": Equation}
    simple_slopes: pd.DataFrame
    johnson_neyman: dict                # moderator -> JohnsonNeyman (continuous moderators)
    diagnostics: list
    level: float = 0.95
    stat_kind: str = "t"
    notes: list = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"Moderation of {self.x} by {', '.join(self.moderators)} on {self.depvar} "
                 f"(N = {self.nobs}, center = {self.center})"]
        width = max(14, *(len(t) for t in self.params.index))
        for term in self.params.index:
            lines.append(f"{term:>{width}} {self.params[term]:>12.6g} {self.std_errors[term]:>12.6g} "
                         f"{self.stats[term]:>8.2f} {self.pvalues[term]:>7.3f}")
        lines.append(f"Marginal effects of {self.x} (delta method, t with {self.df_resid} df):")
        lines.append(self.simple_slopes.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
        for jn in self.johnson_neyman.values():
            lines.append(f"Johnson–Neyman ({jn.moderator}, {jn.level:.0%}): significant {jn.region} "
                         f"[{jn.lower:.6g}, {jn.upper:.6g}]; observed [{jn.observed_min:.6g}, "
                         f"{jn.observed_max:.6g}]; {jn.share_significant:.1%} of the sample")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------- sample


def _absorbed(sample: pd.DataFrame, columns: list[str], absorb: list[str]) -> dict[str, str]:
    """{column: factor} for the columns constant within every level of an absorbed factor."""
    out = {}
    for col in columns:
        for factor in absorb:
            spread = sample.groupby(factor, sort=False)[col].agg(lambda v: v.max() - v.min())
            if float(spread.abs().max()) <= 1e-12 * max(1.0, float(sample[col].abs().max())):
                out[col] = factor
                break
    return out


# --------------------------------------------------------------------------- moderator values


def moderator_value(token, values: np.ndarray, moderator: str) -> tuple[str, float]:
    """(label, value) of one ``at`` entry over the estimation-sample ``values`` of a moderator."""
    if isinstance(token, (int, float, np.integer, np.floating)) and not isinstance(token, bool):
        if not np.isfinite(token):
            raise ValueError(f"at value for {moderator!r} must be finite, got {token!r}")
        return f"{float(token):g}", float(token)
    if not isinstance(token, str):
        raise ValueError(f"at value for {moderator!r} must be a number or a string, got {token!r}")
    t = token.strip().lower().replace(" ", "")
    mean, sd = float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else float("nan")
    if t == "mean":
        return t, mean
    if t in ("min", "max"):
        return t, float(values.min() if t == "min" else values.max())
    if match := _SD_TOKEN.match(t):
        k = float(match.group(2)) if match.group(2) else 1.0
        return t, mean + (k if match.group(1) == "+" else -k) * sd
    if match := _PCT_TOKEN.match(t):
        q = float(match.group(1))
        if not 0 <= q <= 100:
            raise ValueError(f"percentile {token!r} for {moderator!r} must lie in 0..100")
        return t, float(np.percentile(values, q, method="averaged_inverted_cdf"))
    raise ValueError(
        f"cannot read at value {token!r} for {moderator!r}: use a number, 'mean', 'mean-sd', "
        "'mean+2sd', 'min', 'max' or a percentile such as 'p25'"
    )


# --------------------------------------------------------------------------- marginal effects


def _critical(level: float, df: int) -> float:
    return float(special.stdtrit(df, 0.5 + level / 2))


def _contrast(params: pd.Series, x: str, interaction_terms: dict, offsets: dict) -> pd.Series:
    """Gradient g with dy/dx = g'b: 1 on x, (m_k − c_k) on each interaction term."""
    g = pd.Series(0.0, index=params.index)
    g[x] = 1.0
    for m, term in interaction_terms.items():
        g[term] = offsets[m]
    return g


def _johnson_neyman(moderator, g0, unit, params, cov, df, level, observed) -> JohnsonNeyman:
    """dy/dx(v) = a0 + a1·v, Var = v00 + 2 v01 v + v11 v²: where is t² ≥ c²?"""
    b, V = params.to_numpy(), cov.to_numpy()
    a0, a1 = g0 @ b, unit @ b
    v00, v01, v11 = g0 @ V @ g0, g0 @ V @ unit, unit @ V @ unit
    c2 = _critical(level, df) ** 2
    A, B, C = a1**2 - c2 * v11, 2 * (a0 * a1 - c2 * v01), a0**2 - c2 * v00
    disc = B * B - 4 * A * C
    nan = float("nan")
    if A > 0:
        if disc <= 0:
            region, lower, upper = "everywhere", nan, nan
        else:
            r = np.sort([(-B - np.sqrt(disc)) / (2 * A), (-B + np.sqrt(disc)) / (2 * A)])
            region, lower, upper = "outside", float(r[0]), float(r[1])
    elif A < 0:
        if disc <= 0:
            region, lower, upper = "nowhere", nan, nan
        else:
            r = np.sort([(-B - np.sqrt(disc)) / (2 * A), (-B + np.sqrt(disc)) / (2 * A)])
            region, lower, upper = "inside", float(r[0]), float(r[1])
    else:  # interaction exactly at the critical value: one bound, significant on one side
        root = -C / B if B else nan
        region, lower, upper = ("above" if B > 0 else "below"), root, root
    quad = C + B * observed + A * observed**2
    return JohnsonNeyman(moderator, level, region, lower, upper, float(observed.min()),
                         float(observed.max()), float(np.mean(quad >= 0)))


# --------------------------------------------------------------------------- fit


def _check(data, depvar, x, moderators, controls, categorical, center, at):
    if center not in CENTER_OPTIONS:
        raise ValueError(f"center must be one of {CENTER_OPTIONS}, got {center!r}")
    if not moderators:
        raise ValueError("at least one moderator is required")
    names = [depvar, x, *moderators, *controls]
    if len(set(names)) != len(names):
        raise ValueError(f"depvar, x, moderators and controls must be distinct columns, got {names}")
    missing = [c for c in names if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in the data: {missing}")
    unknown = [c for c in categorical if c not in moderators]
    if unknown:
        raise ValueError(f"categorical moderators {unknown} are not among the moderators {moderators}")
    if isinstance(at, dict):
        extra = [m for m in at if m not in moderators]
        if extra:
            raise ValueError(f"at names {extra}, which are not moderators {moderators}")


def fit_moderation(
    data: pd.DataFrame,
    depvar: str,
    x: str,
    moderators: str | list[str],
    controls: list[str] = (),
    absorb: list[str] = ("region_code", "year"),
    vcov: str = "cluster",
    cluster: str | None = "region_code",
    center: str = "both",
    at: list | dict | None = None,
    categorical: list[str] = (),
    level: float = 0.95,
    drop_singletons: bool = True,
) -> ModerationResult:
    """Fit the moderation model (module docstring) and the marginal effects of ``x``.

    ``at``: one list of moderator values for every moderator, or {moderator: list}; default
    mean−sd, mean, mean+sd (0 and 1 for ``categorical`` moderators, which must be 0/1).
    Raises ValueError on bad options, a categorical moderator that is not 0/1, or when x or an
    interaction is omitted as collinear (there would be nothing to moderate)."""
    moderators = [moderators] if isinstance(moderators, str) else list(moderators)
    controls, absorb, categorical = list(controls), list(absorb), list(categorical)
    _check(data, depvar, x, moderators, controls, categorical, center, at)
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    for col in [x, *moderators]:
        if not pd.api.types.is_numeric_dtype(data[col]):
            raise ValueError(f"column {col!r} must be numeric, it is {data[col].dtype}")

    used = list(dict.fromkeys([depvar, x, *moderators, *controls, *absorb,
                               *([cluster] if vcov == "cluster" and cluster else [])]))
    missing_cols = [c for c in used if c not in data.columns]
    if missing_cols:
        raise ValueError(f"columns not in the data: {missing_cols}")
    # the fit's own sample rule, applied before the fit because the centres are means over it
    sample = estimation_sample(data, used, [], absorb, None, drop_singletons).rows
    values = {c: data.loc[sample, c].to_numpy(dtype=float) for c in [x, *moderators]}
    for m in categorical:
        bad = ~np.isin(values[m], (0.0, 1.0))
        if bad.any():
            raise ValueError(f"categorical moderator {m!r} must be 0/1 in the estimation sample; "
                             f"found {sorted(set(values[m][bad]))[:5]}")
        if np.unique(values[m]).size < 2:
            raise ValueError(f"categorical moderator {m!r} takes one value only in the estimation sample")
    absorbed = _absorbed(data.loc[sample], [x, *moderators], absorb)
    if x in absorbed:
        raise ValueError(f"{x} is constant within {absorbed[x]!r}: its main effect is absorbed by the fixed "
                         "effects, so its marginal effect is not identified")
    means = pd.Series({c: float(v.mean()) for c, v in values.items()})
    centers = pd.Series(0.0, index=[x, *moderators])
    if center == "both":
        centers[x] = means[x]
    if center in ("both", "moderator"):
        for m in moderators:
            if m not in categorical:
                centers[m] = means[m]

    # Regressors as Stata names them; the product is formed on raw values (NaN where x or m is).
    frame = data.copy(deep=False)
    main_terms, interaction_terms = {}, {}
    for m in moderators:
        if m in categorical:
            main_terms[m], interaction_terms[m] = f"1.{m}", f"1.{m}#c.{x}"
        else:
            main_terms[m], interaction_terms[m] = m, f"c.{x}#c.{m}"
    clash = [t for t in [*main_terms.values(), *interaction_terms.values()]
             if t in data.columns and t not in moderators]
    if clash:
        raise ValueError(f"columns {clash} clash with the interaction term names")
    x_dev = data[x].astype(float) - centers[x]
    for m in moderators:
        frame[main_terms[m]] = data[m]
        frame[interaction_terms[m]] = x_dev * (data[m].astype(float) - centers[m])
    # A moderator constant within an absorbed factor (a province trait under province FE) is left
    # out here, as Stata omits it: fit_fixed_effects would find it collinear too, but on a balanced
    # panel its demeaning can fail to converge (its within-year sums are rounding noise).
    for m, factor in absorbed.items():
        warnings.warn(f"{m} omitted because of collinearity (constant within {factor})", stacklevel=2)
    kept_main = [main_terms[m] for m in moderators if m not in absorbed]
    regressors = [x, *kept_main, *interaction_terms.values(), *controls]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fe: FixedEffectsResult = fit_fixed_effects(frame, depvar, regressors, absorb=absorb, vcov=vcov,
                                                   cluster=cluster, drop_singletons=drop_singletons)
    for w in caught:  # pass the FE fit's warnings (collinearity) on to the caller
        warnings.warn(str(w.message), w.category, stacklevel=2)
    if fe.nobs != int(sample.sum()):
        raise RuntimeError(f"estimation sample mismatch: {int(sample.sum())} rows marked, fit used {fe.nobs}")
    gone = [t for t in [x, *interaction_terms.values()] if t not in fe.params.index]
    if gone:
        raise ValueError(f"{gone} omitted because of collinearity with the fixed effects or controls: "
                         "the moderation effect is not identified")

    notes = [f"{m} omitted because of collinearity (constant within {f})" for m, f in absorbed.items()]
    notes += list(fe.notes)
    for m in categorical:
        notes.append(f"categorical moderator {m} is not centred (a 0/1 factor, as Stata's i.{m})")
    margins, slopes, jn = _margins(fe, x, moderators, categorical, interaction_terms, centers, means,
                                   values, at, level)
    diagnostics = _diagnostics(fe, x, moderators, interaction_terms, centers, jn)
    return ModerationResult(
        params=fe.params, std_errors=fe.std_errors, stats=fe.tstats, pvalues=fe.pvalues, cov=fe.cov,
        nobs=fe.nobs, df_resid=fe.df_resid, n_clusters=fe.n_clusters, rsquared=fe.rsquared,
        rsquared_adj=fe.rsquared_adj, rsquared_within=fe.rsquared_within, fstat=fe.fstat,
        f_pvalue=fe.f_pvalue, rmse=fe.rmse, rss=fe.rss, tss=fe.tss, df_model=fe.df_model,
        df_absorbed=fe.df_absorbed, vcov_type=fe.vcov_type, cluster=fe.cluster,
        absorbed=dict(fe.absorbed), dropped=dict(fe.dropped), depvar=depvar, x=x,
        moderators=tuple(moderators), categorical=tuple(categorical), center=center, centers=centers,
        sample_means=means, interaction_terms=dict(interaction_terms), equations={"margins": margins},
        simple_slopes=slopes, johnson_neyman=jn, diagnostics=diagnostics, level=level, notes=notes,
    )


def _margins(fe, x, moderators, categorical, interaction_terms, centers, means, values, at, level):
    """The "margins" equation, the simple-slopes frame and the Johnson–Neyman regions."""
    params, cov, df = fe.params, fe.cov, fe.df_resid
    # Other moderators at their estimation-sample means: offset mean_k − c_k.
    base = {m: means[m] - centers[m] for m in moderators}
    rows, jn = [], {}
    q = _critical(level, df)
    for m in moderators:
        tokens = at.get(m) if isinstance(at, dict) else at
        if tokens is None:
            tokens = (0, 1) if m in categorical else DEFAULT_AT
        if isinstance(tokens, (str, int, float)):
            tokens = [tokens]
        if len(tokens) == 0:
            raise ValueError(f"at lists no value for moderator {m!r}")
        for token in tokens:
            label, v = moderator_value(token, values[m], m)
            if m in categorical and v not in (0.0, 1.0):
                raise ValueError(f"at value {token!r} for categorical moderator {m!r}: use 0 or 1")
            g = _contrast(params, x, interaction_terms, {**base, m: v - centers[m]})
            effect = float(g @ params)
            se = float(np.sqrt(g @ cov @ g))
            t = effect / se
            rows.append({"term": f"{x}@{m}={label}", "moderator": m, "at": label, "value": v,
                         "effect": effect, "std_error": se, "t": t,
                         "p": float(2 * special.stdtr(df, -abs(t))),
                         "lower": effect - q * se, "upper": effect + q * se})
        if m not in categorical:
            g0 = _contrast(params, x, interaction_terms, {**base, m: -centers[m]}).to_numpy()
            unit = (params.index == interaction_terms[m]).astype(float)
            jn[m] = _johnson_neyman(m, g0, unit, params, cov, df, level, values[m])
    slopes = pd.DataFrame(rows)
    terms = slopes["term"].tolist()
    if len(set(terms)) != len(terms):
        raise ValueError(f"at values repeat a moderator value: {terms}")
    series = lambda col: pd.Series(slopes[col].to_numpy(), index=terms, dtype=float)  # noqa: E731
    equation = Equation(series("effect"), series("std_error"), series("t"), series("p"))
    return equation, slopes.drop(columns="term").set_index(pd.Index(terms, name="term")), jn


def _diagnostics(fe, x, moderators, interaction_terms, centers, jn) -> list[Diagnostic]:
    terms = list(interaction_terms.values())
    b = fe.params[terms].to_numpy()
    V = fe.cov.loc[terms, terms].to_numpy()
    wald = float(b @ np.linalg.solve(V, b)) / len(terms)
    out = [Diagnostic("interaction_f", wald, df=len(terms), df2=fe.df_resid,
                      p=float(special.fdtrc(len(terms), fe.df_resid, wald)),
                      note=f"joint test of {', '.join(terms)} = 0 (does {x}'s effect vary?)")]
    for name in [x, *moderators]:
        out.append(Diagnostic(f"center_{name}", float(centers[name]),
                              note="subtracted in the interaction; 0 = not centred"))
    for m, r in jn.items():
        note = f"dy/dx significant at {r.level:.0%} {r.region} the bounds; observed " \
               f"[{r.observed_min:.6g}, {r.observed_max:.6g}]"
        out.append(Diagnostic(f"jn_lower_{m}", r.lower, note=note, equation="margins"))
        out.append(Diagnostic(f"jn_upper_{m}", r.upper, note=note, equation="margins"))
        out.append(Diagnostic(f"jn_share_significant_{m}", r.share_significant,
                              note="share of the estimation sample where dy/dx is significant",
                              equation="margins"))
    return out


__all__ = ["CONST", "Equation", "JohnsonNeyman", "ModerationResult", "fit_moderation",
           "moderator_value"]
