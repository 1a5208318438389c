"""Difference and system GMM for dynamic panels, reported as Stata's ``xtabond2``.

    fit_dynamic_panel(panel, "n", lags=2, regressors=["w", "k"],
                      gmm_instruments=[GmmStyle("n", 2, 4), GmmStyle("w", 1, 3)],
                      iv_instruments=[IvStyle("k")], system=False, two_step=True, robust=True,
                      unit="id", time="year")

is ``xtabond2 n L(1/2).n w k, gmm(n, lag(2 4)) gmm(w, lag(1 3)) iv(k) nolevel twostep robust``.
Regressors and instrument variables may carry a lag: ``"L.w"``, ``"L2.k"`` (Stata's L. operator,
gap-aware). With ``time_effects=True`` period dummies are added as regressors and as IV-style
instruments: ``iv(dummies, eq(level))`` in system GMM (Roodman 2009's Blundell–Bond example),
``iv(dummies)`` in difference GMM; pass ``time_effects="both"`` (or "diff"/"level") to choose the
equation. Dummies collinear with the constant or empty in the sample are dropped, as xtabond2
drops them ("yr1976 dropped due to collinearity").

Method (Roodman 2009, "How to do xtabond2", Stata Journal 9(1): 86-136; the formulas below are
those of xtabond2 3.7.1, ``xtabond2.mata``):

* One step: A1 = (Σ_i Z_i'HZ_i)⁻, b1 = (X'ZA1Z'X)⁻¹X'ZA1Z'y with H from ``h_matrix`` (h=3).
  σ² = e1'e1 / 2 / n over the transformed equation (divisor 1 with orthogonal deviations or
  h=1, where the levels residuals are used); non-robust V1 = σ²(X'ZA1Z'X)⁻¹. Robust (clustered
  by unit) V1r = V1X'ZA1·S2·A1Z'XV1 with S2 = Σ_i Z_i'e1_i e1_i'Z_i.
* Two steps: A2 = S2⁻, b2 = (X'ZA2Z'X)⁻¹X'ZA2Z'y; robust SEs with Windmeijer's (2005)
  correction V2 + DV1rD' + DV2 + V2D'.
* Sargan = e1'Z(σ²Σ Z_i'HZ_i)⁻Z'e1 (one-step residuals, not robust); Hansen = e2'Z S2⁻ Z'e2
  (two-step residuals, reported whenever robust or two-step, as xtabond2). df = instruments −
  regressors.
* Difference-in-Hansen (-Sargan for one-step non-robust) for each instrument group: the
  statistic from one re-estimate without the group's columns, weighted by the same S restricted
  to the other columns, and its difference from the full statistic (it can be negative when S is
  singular, as xtabond2 warns). Groups, in xtabond2's order: "GMM instruments for levels"
  (system GMM: the levels-equation gmm() columns; IV-style levels instruments stay), each gmm()
  group, each iv() group (the constant is never tested). The group's df is the instrument count
  less the rank of the remaining instruments (what Roodman 2009 prints when the constant is
  collinear with levels dummies).
* Arellano–Bond AR(m) z on the differenced residuals, with the variance of Arellano & Bond
  (1991) / Roodman (2009, sec. 3.5), using the reported (robust, corrected) variance.
* ``small``: t and F instead of z and chi2, V scaled by (N−1)/(N−k)·G/(G−1) (robust or
  two-step) or n/(n−k) (one-step non-robust, n the transformed-equation count in system GMM);
  residual df G (robust or two-step) or N − df_model (one-step non-robust), less 1 with a
  constant.
* Model test (``wald``): b'V⁻¹b over all coefficients, the constant included, with
  df = rank of X in the main equation less the constant (xtabond2 3.7.1's Mata code; its 2.x
  printouts in Roodman 2009 left the constant out).
* Generalised inverses are sweeps in column order (Stata's ``invsym``): an empty or exactly
  collinear instrument column is skipped, and the instrument count is the number kept.

Not implemented (xtabond2 options): weights, cluster(), iv(..., mz), gmm(..., split) (give the
two equations as separate GmmStyle entries), gmm(..., orthogonal), pca, arlevels, negative lags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg, special

from models_py.estimators.gmm_instruments import (
    EQUATIONS,
    GmmStyle,
    InstrumentGroup,
    IvStyle,
    PanelGrid,
    first_difference,
    forward_orthogonal,
    gmm_block,
    h_matrix,
    iv_block,
    lag_array,
)
from models_py.estimators.numerics import CONST, canonical_name, split_lag, stars

__all__ = ["GmmResult", "GmmStyle", "IvStyle", "DiffHansenTest", "fit_dynamic_panel", "invsym"]

# A column whose variance left after sweeping the earlier columns is below this share of its
# own diagonal counts as collinear (invsym's job in Stata; its tolerance is not documented).
# With more moments than groups the round-off left in the dependent columns of Σ g_i g_i' reaches
# ~3e-13 (31 groups × 179 moments), while independent columns keep more than 1e-4.
SWEEP_TOL = 1e-10


# --------------------------------------------------------------------------- results


@dataclass
class DiffHansenTest:
    """One block of xtabond2's "Difference-in-Hansen tests of exogeneity of instrument subsets"."""

    group: str
    excluded: float          # Hansen (Sargan) test excluding the group
    excluded_df: int
    excluded_p: float
    difference: float        # Difference (null H = exogenous)
    difference_df: int
    difference_p: float


@dataclass
class GmmResult:
    """Estimates as xtabond2 reports them; Series and ``cov`` are indexed by term (``_cons`` last).

    ``zstats`` is set without ``small``, ``tstats`` with it. ``diagnostics`` holds ar1_z, ar1_p,
    ar2_z, ar2_p (more with ``artests``), sargan, sargan_df, sargan_p, hansen, hansen_df,
    hansen_p (NaN for one-step non-robust, where xtabond2 prints no Hansen test), and for each
    difference test ``diff_hansen[<group>].excluded`` / ``.excluded_df`` / ``.excluded_p`` /
    ``.difference`` / ``.difference_df`` / ``.difference_p`` (``diff_sargan[...]`` for one-step
    non-robust), <group> as xtabond2 names it, e.g. ``GMM instruments for levels``,
    ``gmm(n, lag(2 4))``, ``iv(k)``.
    """

    params: pd.Series
    std_errors: pd.Series
    pvalues: pd.Series
    cov: pd.DataFrame
    zstats: pd.Series | None
    tstats: pd.Series | None
    nobs: int                    # observations in the main equation (levels in system GMM)
    n_groups: int
    n_instruments: int
    diagnostics: dict
    depvar: str
    system: bool
    two_step: bool
    robust: bool
    small: bool
    orthogonal: bool
    obs_per_group: tuple[int, float, int]
    df_model: int
    df_resid: int | None
    wald: float                  # Wald chi2 (F with ``small``) of all coefficients, as xtabond2 3.7.1
    wald_p: float
    sigma2: float
    difference_tests: list[DiffHansenTest]
    instruments: list[str]       # names of the instrument columns kept, in Z's order
    instrument_groups: list[str]
    dropped: list[str]           # regressors dropped because of collinearity
    nobs_transformed: int = 0    # observations in the transformed (differenced) equation
    unit: str = ""
    time: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def stats(self) -> pd.Series:
        return self.tstats if self.small else self.zstats

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        if self.small:
            q = special.stdtrit(self.df_resid, 0.5 + level / 2)
        else:
            q = special.ndtri(0.5 + level / 2)
        return pd.DataFrame({"lower": self.params - q * self.std_errors,
                             "upper": self.params + q * self.std_errors})

    def summary(self) -> str:
        kind = "system" if self.system else "difference"
        lines = [f"Dynamic panel-data estimation, {'two' if self.two_step else 'one'}-step {kind} GMM",
                 "-" * 78]
        gmin, gavg, gmax = self.obs_per_group
        lines.append(f"Group variable: {self.unit:<32}Number of obs      = {self.nobs:>9}")
        lines.append(f"Time variable : {self.time:<32}Number of groups   = {self.n_groups:>9}")
        lines.append(f"Number of instruments = {self.n_instruments:<24}Obs per group: min = {gmin:>9}")
        test = f"F({self.df_model}, {self.df_resid})" if self.small else f"Wald chi2({self.df_model})"
        lines.append(f"{test:<14}= {self.wald:>9.2f}{'avg = ':>38}{gavg:>9.2f}")
        lines.append(f"{'Prob > F' if self.small else 'Prob > chi2':<14}= {self.wald_p:>9.3f}"
                     f"{'max = ':>38}{gmax:>9}")
        vce = "Corrected" if (self.robust and self.two_step) else ("Robust" if self.robust else "")
        width = max(12, *(len(t) for t in self.params.index))
        rule = "-" * (width + 66)
        stat = "t" if self.small else "z"
        ci = self.conf_int()
        lines += [rule, f"{'':>{width}} | {'':>11} {vce:>10}",
                  f"{self.depvar:>{width}} | {'Coef.':>11} {'Std. Err.':>10} {stat:>8} {'P>|' + stat + '|':>7}"
                  f"   {'[95% Conf. Interval]':>24}", rule]
        for term in self.params.index:
            lines.append(f"{term:>{width}} | {self.params[term]:>11.7g} {self.std_errors[term]:>10.7g} "
                         f"{self.stats[term]:>8.2f} {self.pvalues[term]:>7.3f} {stars(self.pvalues[term]):<3}"
                         f"{ci.loc[term, 'lower']:>11.7g} {ci.loc[term, 'upper']:>11.7g}")
        for term in self.dropped:
            lines.append(f"{term:>{width}} | (dropped because of collinearity)")
        lines.append(rule)
        lines.append("Instrument groups: " + "; ".join(self.instrument_groups))
        lines.append(rule)
        d = self.diagnostics
        m = 1
        while f"ar{m}_z" in d:
            lines.append(f"Arellano-Bond test for AR({m}) in first differences: z = {d[f'ar{m}_z']:6.2f}"
                         f"  Pr > z = {d[f'ar{m}_p']:6.3f}")
            m += 1
        lines.append(rule)
        lines.append(f"Sargan test of overid. restrictions: chi2({d['sargan_df']}) = {d['sargan']:7.2f}"
                     f"  Prob > chi2 = {d['sargan_p']:6.3f}")
        lines.append("  (Not robust, but not weakened by many instruments.)")
        if not np.isnan(d["hansen"]):
            lines.append(f"Hansen test of overid. restrictions: chi2({d['hansen_df']}) = {d['hansen']:7.2f}"
                         f"  Prob > chi2 = {d['hansen_p']:6.3f}")
            lines.append("  (Robust, but weakened by many instruments.)")
        if self.difference_tests:
            name = "Hansen" if not np.isnan(d["hansen"]) else "Sargan"
            lines.append(f"Difference-in-{name} tests of exogeneity of instrument subsets:")
            for t in self.difference_tests:
                lines.append(f"  {t.group}")
                lines.append(f"    {name} test excluding group:     chi2({t.excluded_df}) = {t.excluded:7.2f}"
                             f"  Prob > chi2 = {t.excluded_p:6.3f}")
                lines.append(f"    Difference (null H = exogenous): chi2({t.difference_df}) = {t.difference:7.2f}"
                             f"  Prob > chi2 = {t.difference_p:6.3f}")
        lines += [f"note: {n}" for n in self.notes]
        lines.append("* p<0.10, ** p<0.05, *** p<0.01")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------- linear algebra


def invsym(a: np.ndarray, tol: float = SWEEP_TOL) -> tuple[np.ndarray, np.ndarray]:
    """Generalised inverse of a symmetric psd matrix by sweeping columns in order.

    A column is skipped (its row and column of the result are zero) when its diagonal is not
    positive or when what is left of it after the columns already kept is at most ``tol`` times
    its diagonal; the rest are inverted exactly. Returns (inverse, mask of kept columns). This is
    the generalised inverse xtabond2 uses (Mata ``invsym``), so with collinear or empty
    instruments the estimates are those of the kept columns.
    """
    n = a.shape[0]
    d0 = np.diag(a).copy()
    chol = np.zeros((n, n))
    kept: list[int] = []
    for c in range(n):
        if not d0[c] > 0:
            continue
        m = len(kept)
        if m:
            l = linalg.solve_triangular(chol[:m, :m], a[kept, c], lower=True, check_finite=False)
            rest = a[c, c] - l @ l
        else:
            l, rest = np.zeros(0), a[c, c]
        if rest <= tol * d0[c]:
            continue
        chol[m, :m] = l
        chol[m, m] = np.sqrt(rest)
        kept.append(c)
    out = np.zeros((n, n))
    if kept:
        m = len(kept)
        sub = linalg.cho_solve((chol[:m, :m], True), np.eye(m), check_finite=False)
        out[np.ix_(kept, kept)] = (sub + sub.T) / 2
    mask = np.zeros(n, dtype=bool)
    mask[kept] = True
    return out, mask


def _chi2_p(stat: float, df: int) -> float:
    return float(special.chdtrc(df, stat)) if df > 0 else float("nan")


# --------------------------------------------------------------------------- the model


@dataclass
class _Design:
    """Everything the estimation needs, on the stacked per-unit layout (N, R, ...)."""

    Y: np.ndarray            # (N, R)
    X: np.ndarray            # (N, R, k)
    Z: np.ndarray            # (N, R, j)
    touse: np.ndarray        # (N, R) bool
    T: int
    names: list[str]         # regressors kept
    dropped: list[str]
    zname: list[str]
    groups: list[InstrumentGroup]   # in the order xtabond2 prints the difference tests
    Y0: np.ndarray           # (N, T) levels, for the AR test under orthogonal deviations
    X0: np.ndarray           # (N, T, k) levels of the kept regressors
    complete: np.ndarray     # (N, T)
    has_const: bool


def fit_dynamic_panel(
    data: pd.DataFrame,
    depvar: str,
    lags: int = 1,
    regressors: Sequence[str] = (),
    gmm_instruments: Sequence[GmmStyle] = (),
    iv_instruments: Sequence[IvStyle] = (),
    system: bool = True,
    two_step: bool = True,
    robust: bool = True,
    small: bool = False,
    time_effects: bool | str = False,
    unit: str = "region_code",
    time: str = "year",
    *,
    constant: bool = True,
    orthogonal: bool = False,
    h: int = 3,
    artests: int = 2,
) -> GmmResult:
    """Arellano–Bond / Blundell–Bond GMM with xtabond2's conventions (see the module docstring).

    ``lags`` lags of ``depvar`` come first among the regressors (named ``L1.y``, ``L2.y``), then
    ``regressors`` (``"L.w"`` is normalised to ``L1.w``), then time dummies, then ``_cons``
    (system GMM unless ``constant=False``; difference GMM has none). ``orthogonal=True`` is
    xtabond2's ``orthogonal`` (forward orthogonal deviations instead of first differences);
    ``h`` its h() option; ``artests`` its artests().
    """
    opts = _check_arguments(data, depvar, lags, regressors, gmm_instruments, iv_instruments,
                            system, h, artests, time_effects, unit, time)
    design, notes = _build_design(data, depvar, lags, regressors, gmm_instruments, iv_instruments,
                                  system, time_effects, unit, time, constant, orthogonal, opts)
    return _estimate(design, notes, depvar, system, two_step, robust, small, orthogonal, h, artests,
                     unit, time)


def _check_arguments(data, depvar, lags, regressors, gmm_instruments, iv_instruments, system, h,
                     artests, time_effects, unit, time):
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise ValueError("data must be a non-empty DataFrame")
    if not isinstance(lags, (int, np.integer)) or isinstance(lags, bool) or lags < 0:
        raise ValueError(f"lags must be a whole number >= 0, got {lags!r}")
    if h not in (1, 2, 3):
        raise ValueError(f"h must be 1, 2 or 3 (xtabond2's h()), got {h!r}")
    if not isinstance(artests, (int, np.integer)) or artests < 0:
        raise ValueError(f"artests must be a whole number >= 0, got {artests!r}")
    if time_effects not in (False, True, *EQUATIONS):
        raise ValueError(f"time_effects must be True, False or one of {EQUATIONS}, got {time_effects!r}")
    if isinstance(regressors, str):
        regressors = [regressors]
    for g in gmm_instruments:
        if not isinstance(g, GmmStyle):
            raise ValueError(f"gmm_instruments must hold GmmStyle(...) entries, got {g!r}")
        if g.equation not in EQUATIONS:
            raise ValueError(f"{g.label()}: equation must be one of {EQUATIONS}")
        if not g.variables:
            raise ValueError("GmmStyle needs at least one variable")
        if g.max_lag is not None and g.max_lag < g.min_lag:
            raise ValueError(f"{g.label()}: max_lag < min_lag")
        if system and g.passthru and g.equation == "both":
            raise ValueError(f"{g.label()}: passthru is not valid with equation='both' in system GMM")
    for v in iv_instruments:
        if not isinstance(v, IvStyle):
            raise ValueError(f"iv_instruments must hold IvStyle(...) entries, got {v!r}")
        if v.equation not in EQUATIONS:
            raise ValueError(f"{v.label()}: equation must be one of {EQUATIONS}")
        if not v.names:
            raise ValueError("IvStyle needs at least one variable")
        if system and v.passthru and v.equation == "both":
            raise ValueError(f"{v.label()}: passthru is not valid with equation='both' in system GMM")
    names = [canonical_name(r) for r in regressors]
    ylags = [f"L{l}.{depvar}" for l in range(1, lags + 1)]
    if depvar in names or len(set(names)) != len(names) or set(names) & set(ylags):
        raise ValueError("regressors must be distinct and must not include the dependent variable "
                         "or its lags (use lags=...)")
    base = {depvar, unit, time}
    base |= {split_lag(r)[0] for r in regressors}
    base |= {split_lag(v)[0] for g in gmm_instruments for v in g.variables}
    base |= {split_lag(v)[0] for g in iv_instruments for v in g.names}
    missing = sorted(c for c in base if c not in data.columns)
    if missing:
        raise ValueError(f"columns not in the data: {missing}")
    for c in sorted(base - {unit, time}):
        if not (pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c])):
            raise ValueError(f"column {c!r} must be numeric, it is {data[c].dtype}")
    return {"regressors": list(regressors), "xnames": ylags + names,
            "columns": sorted(base - {unit, time})}


def _build_design(data, depvar, lags, regressors, gmm_specs, iv_specs, system, time_effects, unit,
                  time, constant, orthogonal, opts) -> tuple[_Design, list[str]]:
    notes: list[str] = []
    xnames: list[str] = opts["xnames"]
    xexprs = [f"L{l}.{depvar}" for l in range(1, lags + 1)] + opts["regressors"]

    # Units with at least one complete observation define the grid (xtabond2's sample of ids).
    grid = PanelGrid(data, unit, time, opts["columns"])
    touse0 = ~np.isnan(grid.get(depvar))
    for e in xexprs:
        touse0 &= ~np.isnan(grid.get(e))
    keep_units = touse0.any(axis=1)
    if not keep_units.any():
        raise ValueError("no observations: every row has a missing dependent variable or regressor")
    if not keep_units.all():
        data = data[data[unit].isin(grid.units[keep_units])]
        grid = PanelGrid(data, unit, time, opts["columns"])
    N, T = grid.N, grid.T
    present = grid.present

    # Time dummies: one per period of the grid ("yr*"), defined where the unit has a row.
    iv_specs = list(iv_specs)
    if time_effects:
        dnames = [f"{time}_{p}" for p in grid.periods]
        clash = sorted(set(dnames) & set(data.columns))
        if clash:
            raise ValueError(f"time_effects would create columns that already exist: {clash}")
        for i, name in enumerate(dnames):
            grid.add(name, np.where(present, (np.arange(T) == i)[None, :].astype(float), np.nan))
        xexprs = xexprs + dnames
        xnames = xnames + dnames
        eq = time_effects if isinstance(time_effects, str) else ("level" if system else "both")
        iv_specs.append(IvStyle(dnames, equation=eq))

    if not system:
        for g in [g for g in gmm_specs if g.equation == "level"] + [v for v in iv_specs if v.equation == "level"]:
            notes.append(f"{g.label()} ignored: instruments for the levels equation only, but system=False")
        gmm_specs = [g for g in gmm_specs if g.equation != "level"]
        iv_specs = [v for v in iv_specs if v.equation != "level"]

    Y0 = grid.get(depvar)
    X0 = np.stack([grid.get(e) for e in xexprs], axis=-1) if xexprs else np.zeros((N, T, 0))
    has_const = system and constant
    if has_const:
        X0 = np.concatenate([X0, np.ones((N, T, 1))], axis=-1)
        xnames = xnames + [CONST]
    if X0.shape[-1] == 0:
        raise ValueError("no regressors: give lags >= 1 or regressors")
    touse0 = ~np.isnan(Y0) & ~np.isnan(X0).any(axis=-1)
    complete = touse0.copy()
    for v in iv_specs:
        for name in v.names:
            complete &= ~np.isnan(grid.get(name))

    if orthogonal:
        def transform(a):
            return forward_orthogonal(a, complete)
    else:
        transform = first_difference
    R = 2 * T if system else T

    # IV-style columns: groups in reverse order of specification, the constant last.
    iv_blocks, iv_names, iv_owner = [], [], []
    for gi in reversed(range(len(iv_specs))):
        block = iv_block(iv_specs[gi], grid, transform, system)
        iv_blocks.append(block)
        iv_names += [f"{'both' if iv_specs[gi].equation == 'both' else iv_specs[gi].equation}: "
                     f"{canonical_name(v)}" for v in iv_specs[gi].names]
        iv_owner += [gi] * block.shape[-1]
    if has_const:
        const = np.zeros((N, R, 1))
        const[:, T:] = 1.0
        iv_blocks.append(const)
        iv_names.append(f"level: {CONST}")
        iv_owner.append(-1)
    Ziv = np.concatenate(iv_blocks, axis=-1) if iv_blocks else np.zeros((N, R, 0))

    # The sample: transformed rows need the transformed y, X and IV instruments; levels rows the
    # levels (orthogonal deviations are stored one row later, so their sample marker is lagged).
    DY, DX = transform(Y0), transform(X0)
    t_diff = lag_array(touse0.astype(float), 1, 0.0).astype(bool) if orthogonal else touse0.copy()
    t_diff &= ~np.isnan(DY) & ~np.isnan(DX).any(axis=-1) & ~np.isnan(Ziv[:, :T]).any(axis=-1)
    if system:
        t_lev = touse0 & ~np.isnan(Ziv[:, T:]).any(axis=-1)
        touse = np.concatenate([t_diff, t_lev], axis=1)
        Ystack = np.concatenate([DY, Y0], axis=1)
        Xstack = np.concatenate([DX, X0], axis=1)
    else:
        touse, Ystack, Xstack = t_diff, DY, DX

    # GMM-style columns: groups in reverse order of specification.
    gmm_blocks, gmm_names, gmm_owner, gmm_is_level = [], [], [], []
    for gi in reversed(range(len(gmm_specs))):
        z, names, is_level = gmm_block(gmm_specs[gi], grid, system, touse)
        gmm_blocks.append(z)
        gmm_names += names
        gmm_owner += [gi] * z.shape[-1]
        gmm_is_level.append(is_level)
    Zg = np.concatenate(gmm_blocks, axis=-1) if gmm_blocks else np.zeros((N, R, 0))
    gmm_is_level = np.concatenate(gmm_is_level) if gmm_is_level else np.zeros(0, dtype=bool)

    mask = touse[..., None]
    Y = np.where(touse, np.nan_to_num(Ystack), 0.0)
    X = np.where(mask, np.nan_to_num(Xstack), 0.0)
    Z = np.where(mask, np.nan_to_num(np.concatenate([Ziv, Zg], axis=-1)), 0.0)
    jiv = Ziv.shape[-1]

    keep = _rmcoll(X.reshape(-1, X.shape[-1]), has_const)
    dropped = [n for n, k in zip(xnames, keep) if not k]
    for n in dropped:
        notes.append(f"{n} dropped because of collinearity")
    X, X0 = X[..., keep], X0[..., keep]
    names = [n for n, k in zip(xnames, keep) if k]
    if not names:
        raise ValueError("no regressors left after dropping collinear ones")

    # Instrument groups for the difference tests, in xtabond2's print order.
    iv_owner, gmm_owner = np.asarray(iv_owner, dtype=int), np.asarray(gmm_owner, dtype=int)
    groups: list[InstrumentGroup] = []
    if system and len(gmm_specs):
        groups.append(InstrumentGroup("GMM instruments for levels", "levels",
                                      jiv + np.flatnonzero(gmm_is_level)))
    for gi, g in enumerate(gmm_specs):
        groups.append(InstrumentGroup(g.label(), "gmm", jiv + np.flatnonzero(gmm_owner == gi)))
    for gi, v in enumerate(iv_specs):
        groups.append(InstrumentGroup(v.label(), "iv", np.flatnonzero(iv_owner == gi)))
    groups = [g for g in groups if len(g.columns)]

    design = _Design(Y=Y, X=X, Z=Z, touse=touse, T=T, names=names, dropped=dropped,
                     zname=iv_names + gmm_names, groups=groups, Y0=Y0, X0=X0, complete=complete,
                     has_const=has_const)
    return design, notes


def _rmcoll(X: np.ndarray, has_const: bool) -> np.ndarray:
    """Regressors kept (xtabond2's ``_rmcoll``): sweep the normalised cross-product in order,
    after partialling the constant (kept always) out of the others."""
    k = X.shape[1]
    keep = np.ones(k, dtype=bool)
    if k <= 1:
        return keep
    if has_const:
        t = X[:, -1]
        Xp = X[:, :-1] - np.outer(t, (X[:, :-1].T @ t) / t.sum())
    else:
        Xp = X
    U = Xp.T @ Xp
    d = np.diag(U)
    scale = np.where(d > 0, 1.0 / np.sqrt(np.where(d > 0, d, 1.0)), 0.0)
    _, kept = invsym(U * scale[:, None] * scale[None, :])
    keep[: len(kept)] = kept
    return keep


def _quad(Z, Y):
    """Σ_i Z_i'Y_i for stacked arrays Z (N, R, a) and Y (N, R[, b])."""
    if Y.ndim == 2:
        return np.einsum("nra,nr->a", Z, Y)
    return np.tensordot(Z, Y, axes=([0, 1], [0, 1]))


def _estimate(d: _Design, notes, depvar, system, two_step, robust, small, orthogonal, h, artests,
              unit, time) -> GmmResult:
    k = d.X.shape[-1]
    T = d.T
    j = d.Z.shape[-1]
    main = slice(T, 2 * T) if system else slice(0, T)
    per_group = d.touse[:, main].sum(axis=1)
    nobs = int(per_group.sum())
    n_groups = int((per_group > 0).sum())
    if nobs == 0:
        raise ValueError("no observations left: no row has the transformed variables and instruments")
    if n_groups < 2:
        raise ValueError(f"GMM needs at least 2 groups ({unit} values) with observations, got {n_groups}")
    if j == 0 or not np.any(d.Z):
        raise ValueError("no valid instruments: every instrument column is empty in the sample")
    n_diff = int(d.touse[:, :T].sum())
    wttot = n_diff if (system and h > 1) else nobs
    onestep_nonrobust = not two_step and not robust

    ZX, ZY = _quad(d.Z, d.X), _quad(d.Z, d.Y)
    H = h_matrix(h, orthogonal, orthogonal, system, T)
    HZ = np.einsum("rs,nsj->nrj", H, d.Z)
    S1 = _quad(d.Z, HZ)
    A1, kept = invsym(S1)
    j0 = int(kept.sum())
    if j0 == 0:
        raise ValueError("no valid instruments: every instrument column is empty in the sample")
    if j0 < k:
        raise ValueError(f"equation not identified: {j0} instruments for {k} regressors")
    if j0 > n_groups:
        notes.append(f"{j0} instruments for {n_groups} groups: the instrument count may be large "
                     "relative to the number of groups")

    V1, okV = invsym(ZX.T @ A1 @ ZX)
    if not okV.all():
        raise ValueError("regressors not identified by the instruments (X'ZAZ'X is singular)")
    b1 = V1 @ ZX.T @ A1 @ ZY
    e1 = d.Y - d.X @ b1
    err_rows = slice(0, T) if (not system or h != 1) else slice(T, 2 * T)
    sig2 = float((e1[:, err_rows] ** 2).sum()) / (2 - (orthogonal or h == 1)) / wttot
    A1 = A1 / sig2
    V1 = V1 * sig2
    Ze1_i = np.einsum("nrj,nr->nj", d.Z, e1)
    Ze1 = Ze1_i.sum(axis=0)
    sargan = float(Ze1 @ A1 @ Ze1)
    sargan_df = j0 - k

    hansen = float("nan")
    V2 = A2 = e2 = V1r = None
    if onestep_nonrobust:
        S_diff = S1 * sig2
        V = V1
    else:
        S2 = Ze1_i.T @ Ze1_i
        if robust:
            VXZA = V1 @ ZX.T @ A1
            V1r = VXZA @ S2 @ VXZA.T
        A2, kept2 = invsym(S2)
        if kept2.sum() < j0:
            notes.append("two-step covariance matrix of moments is singular; a generalised inverse "
                         f"(sweep in column order) is used ({int(kept2.sum())} of {j0} moments kept)")
        V2, _ = invsym(ZX.T @ A2 @ ZX)
        VXZA2 = V2 @ ZX.T @ A2
        b2 = VXZA2 @ ZY
        e2 = d.Y - d.X @ b2
        if two_step:
            sig2 = float((e2[:, err_rows] ** 2).sum()) / (2 - (orthogonal or h == 1)) / wttot
        A2Ze = A2 @ np.einsum("nrj,nr->j", d.Z, e2)
        hansen = float(np.einsum("nrj,nr->j", d.Z, e2) @ A2Ze)
        S_diff = S2
        if two_step and robust:
            # Windmeijer (2005): D = V2 X'Z A2 Σ_i [(e1_i'Z_i A2 Z'e2) Z_i'X_i + Z_i'e1_i (A2Z'e2)'Z_i'X_i]
            s = Ze1_i @ A2Ze
            q = np.einsum("nr,nrk->nk", d.Z @ A2Ze, d.X)
            D = VXZA2 @ (_quad(d.Z * s[:, None, None], d.X) + Ze1_i.T @ q)
            V = V2 + D @ V1r @ D.T + D @ V2 + V2 @ D.T
        elif two_step:
            V = V2
        else:
            V = V1r
    V = (V + V.T) / 2

    if two_step:
        b, e, Vstep, Astep = b2, e2, V2, A2
    else:
        b, e, Vstep, Astep = b1, e1, V1, A1
    V_ar = V                       # AR tests use the variance before the small-sample scaling
    m2VZXA = -2 * Vstep @ ZX.T @ Astep
    sig2_ar = sig2

    df_resid = None
    if small:
        if onestep_nonrobust:
            scale = wttot / (wttot - k)
        else:
            scale = (nobs - 1) / (nobs - k) * n_groups / (n_groups - 1)
        V = V * scale
        sig2 = sig2 * wttot / (wttot - k)
        sig2_ar = sig2

    # Model test as xtabond2 3.7.1 computes it: b'V⁻¹b over ALL coefficients (the constant
    # included), df = rank of X in the main equation less the constant, and without a constant one
    # df less when the constant lies in the column space of X (e.g. differenced year dummies).
    # Roodman's 2009 printouts (xtabond2 2.x) left the constant out and did not make the second
    # adjustment; tests/test_gmm.py reproduces those numbers from params and cov.
    Xmain = d.X[:, main].reshape(-1, k)
    df_model = int(np.linalg.matrix_rank(Xmain)) - int(d.has_const)
    if not d.has_const:
        iota = d.touse[:, main].reshape(-1).astype(float)
        Xi = Xmain.T @ iota
        XX = d.X.reshape(-1, k).T @ d.X.reshape(-1, k)
        fit = Xi @ invsym(XX)[0] @ Xi
        if abs(fit - iota.sum()) / (abs(iota.sum()) + 1) < np.finfo(float).eps * Xmain.shape[0]:
            df_model -= 1
    quad = float(b @ invsym(V)[0] @ b)
    if small:
        df_resid = (nobs - df_model if onestep_nonrobust else n_groups) - int(d.has_const)
        wald = quad / df_model if df_model > 0 else float("nan")
        wald_p = float(special.fdtrc(df_model, df_resid, wald)) if df_model > 0 else float("nan")
    else:
        wald = quad if df_model > 0 else float("nan")
        wald_p = _chi2_p(quad, df_model)

    se = np.sqrt(np.diag(V))
    stat = b / se
    if small:
        pv = 2 * special.stdtr(df_resid, -np.abs(stat))
    else:
        pv = 2 * special.ndtr(-np.abs(stat))

    diagnostics: dict = {}
    ar = _ar_tests(d, e, b, Vstep, V_ar, m2VZXA, sig2_ar, system, orthogonal, onestep_nonrobust, h,
                   artests)
    for m, (z, p) in enumerate(ar, start=1):
        diagnostics[f"ar{m}_z"], diagnostics[f"ar{m}_p"] = z, p
    diagnostics.update({"sargan": sargan, "sargan_df": sargan_df, "sargan_p": _chi2_p(sargan, sargan_df),
                        "hansen": hansen, "hansen_df": sargan_df if not np.isnan(hansen) else None,
                        "hansen_p": _chi2_p(hansen, sargan_df) if not np.isnan(hansen) else float("nan")})
    full = sargan if np.isnan(hansen) else hansen
    tests = _difference_tests(d, S_diff, ZX, ZY, full, j0, k, sargan_df)
    prefix = "diff_sargan" if np.isnan(hansen) else "diff_hansen"
    for t in tests:
        for fld in ("excluded", "excluded_df", "excluded_p", "difference", "difference_df", "difference_p"):
            diagnostics[f"{prefix}[{t.group}].{fld}"] = getattr(t, fld)

    idx = pd.Index(d.names)
    stats = pd.Series(stat, index=idx)
    gcounts = per_group  # over all units in the grid, as xtabond2's "Obs per group: min" 
    return GmmResult(
        params=pd.Series(b, index=idx), std_errors=pd.Series(se, index=idx),
        pvalues=pd.Series(pv, index=idx), cov=pd.DataFrame(V, index=idx, columns=idx),
        zstats=None if small else stats, tstats=stats if small else None,
        nobs=nobs, n_groups=n_groups, n_instruments=j0, diagnostics=diagnostics, depvar=depvar,
        system=system, two_step=two_step, robust=robust, small=small, orthogonal=orthogonal,
        obs_per_group=(int(gcounts.min()), nobs / n_groups, int(gcounts.max())),
        df_model=df_model, df_resid=df_resid, wald=wald, wald_p=wald_p, sigma2=sig2,
        difference_tests=tests, instruments=[n for n, kk in zip(d.zname, kept) if kk],
        instrument_groups=[g.label for g in d.groups if g.kind != "levels"],
        dropped=d.dropped, nobs_transformed=n_diff, unit=unit, time=time, notes=notes,
    )


def _difference_tests(d: _Design, S, ZX, ZY, full, j0, k, sargan_df) -> list[DiffHansenTest]:
    """xtabond2's difference-in-Sargan/Hansen tests: re-estimate once without a group's columns
    (same S, so the weighting is that of the full model restricted to the other moments)."""
    out = []
    j = S.shape[0]
    for g in d.groups:
        p = np.setdiff1d(np.arange(j), g.columns)
        App, kept = invsym(S[np.ix_(p, p)])
        rank = int(kept.sum())
        if not (k <= rank < j0):
            continue
        ZXp = ZX[p]
        Vr, okr = invsym(ZXp.T @ App @ ZXp)
        if not okr.all():
            continue
        br = Vr @ ZXp.T @ App @ ZY[p]
        er = d.Y - d.X @ br
        Zer = np.einsum("nrj,nr->j", d.Z[:, :, p], er)
        excluded = float(Zer @ App @ Zer)
        n_in = j0 - rank
        out.append(DiffHansenTest(group=g.label, excluded=excluded, excluded_df=sargan_df - n_in,
                                  excluded_p=_chi2_p(excluded, sargan_df - n_in),
                                  difference=full - excluded, difference_df=n_in,
                                  difference_p=_chi2_p(full - excluded, n_in)))
    return out


def _ar_tests(d: _Design, e, b, Vstep, V, m2VZXA, sig2, system, orthogonal, onestep_nonrobust, h,
              artests) -> list[tuple[float, float]]:
    """Arellano–Bond tests for AR(1..artests) in the first-differenced residuals.

    z = Σ_i w_i'ŵ_i / √(Σ_i (w_i'ŵ_i)² − 2 ŵ'X V X'Z A Σ_i Z_i'e_i(w_i'ŵ_i) + ŵ'X V_reported X'ŵ)
    with ŵ the lagged residuals (zeros where not available) and, for one-step non-robust, the
    Σ terms replaced by their σ²H versions (Roodman 2009, sec. 3.5; xtabond2 ``_ARTests``).
    """
    T = d.T
    if orthogonal:
        # The test is run on first-differenced residuals even after orthogonal deviations.
        w = np.nan_to_num(first_difference(d.Y0 - d.X0 @ b), nan=0.0)
        Xw = np.nan_to_num(first_difference(d.X0), nan=0.0)
    else:
        w = e[:, :T]
        Xw = d.X[:, :T]
    e_full = e
    out = []
    if onestep_nonrobust:
        Hd = h_matrix(h, False, False, False, T) * sig2
        psit = h_matrix(h, False, orthogonal, False, T) * sig2
        if system:
            psit = np.hstack([psit, np.zeros((T, T))])
        touse_d = d.touse[:, :T]
    for lag in range(1, artests + 1):
        wl = lag_array(w, lag, 0.0)
        sww = (w * wl).sum(axis=1)
        if not np.any(sww):
            out.append((float("nan"), float("nan")))
            continue
        if onestep_nonrobust:
            wli = wl * touse_d
            wHw = float(np.einsum("nt,ts,ns->", wli, Hd, wli))
            psiw = wli @ psit
            ZHw = np.einsum("nrj,nr->j", d.Z, psiw)
        else:
            wHw = float(sww @ sww)
            ZHw = np.einsum("nrj,nr->j", d.Z, e_full * sww[:, None])
        tmp = np.einsum("ntk,nt->k", Xw, wl)
        var = wHw + tmp @ (m2VZXA @ ZHw + V @ tmp)
        z = float(sww.sum() / np.sqrt(var))
        out.append((z, float(2 * special.ndtr(-abs(z)))))
    return out
