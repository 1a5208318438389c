"""Random-effects GLS as Stata's ``xtreg, re``, the Hausman test and its cluster-robust form.

    fit_random_effects(panel, "y", ["x1", "x2"], unit="region_code")

is ``xtset region_code year`` + ``xtreg y x1 x2, re``. With ``time_effects=True`` the year
dummies are regressors (``xtreg y x1 x2 i.year, re``; terms ``2014.year`` …, first year the base).
``vcov="cluster"`` is ``vce(cluster cl)``; ``cluster=None`` clusters by ``unit``, which is also
what ``vce(robust)`` means after ``xtreg`` (Stata ≥ 11).

Method (source: Stata's ``xtreg_re.ado`` version 1.8.1, 10jan2020, the default estimator,
i.e. without the ``sa`` option; every number is checked against the Stata results linearmodels
ships, see tests/test_random_effects.py):

* Estimation sample: rows with no missing value in y, X or ``unit``. T_i = rows of unit i,
  n units, N rows.
* Within regression (xtreg, fe): σ²_e = SSR_w / (N − n − k_w), k_w the regressors not
  collinear after demeaning (a regressor constant within every unit is dropped there only).
* Between regression of ȳ_i on x̄_i and a constant (one row per unit, unweighted):
  σ²_u = SSR_b / (n − K_b) − σ²_e / T̄, K_b = regressors kept + 1, T̄ = n / Σ 1/T_i (harmonic
  mean). If negative, σ_u = 0 (and θ = 0: pooled OLS).
* θ_i = 1 − σ_e / sqrt(T_i σ²_u + σ²_e), one per unit (a scalar if the panel is balanced).
* GLS = OLS of y_it − θ_i ȳ_i on x_it − θ_i x̄_i and (1 − θ_i) (the ``_cons`` column).
  Regressors collinear in the pooled data are omitted first, with a warning (``_rmcoll``).
* VCE from that OLS (``_regress``): unadjusted s² (X*'X*)⁻¹ with s² = SSR*/(N − K) = e(rmse)²,
  K = k + 1; cluster: G/(G − 1) · (N − 1)/(N − K) · bread · meat · bread, regress's CRV1.
  Clusters must nest the units (Stata: "panels are not nested within clusters").
  Inference uses the normal distribution (z, Wald chi2), as xtreg, re reports it.
* R² as xtreg: overall corr(y, xb)², between corr(ȳ_i, mean_i xb)² over units, within
  corr(y − ȳ_i, xb − mean_i xb)², with xb = Xβ + _cons on the untransformed data.
* rho = σ²_u / (σ²_u + σ²_e), sigma = sqrt(σ²_u + σ²_e). θ percentiles (unbalanced panels:
  e(thta_min), e(thta_5), e(thta_50), e(thta_95), e(thta_max)) over units with Stata's
  ``summarize, detail`` percentile rule.

Hausman (``hausman fe re``): see ``hausman_test``; cluster-robust Mundlak / Wooldridge form:
see ``mundlak_test``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from models_py.estimators.demean import group_sums
from models_py.estimators.numerics import COLLINEAR_TOL, CONST

RE_VCOV_TYPES = ("unadjusted", "cluster")


@dataclass
class RandomEffectsResult:
    """Estimates as ``xtreg, re`` reports them; Series and ``cov`` indexed by term, ``_cons``
    last. ``theta`` is θ_i per unit (index: unit labels). ``diagnostics`` holds the e() scalars
    under Stata's names (sigma_u, sigma_e, rho, sigma, rmse, r2_w, r2_b, r2_o, chi2, chi2_df,
    chi2_p, Tbar, g_min, g_avg, g_max, theta or thta_min … thta_max, N_clust)."""

    params: pd.Series
    std_errors: pd.Series
    tstats: pd.Series
    pvalues: pd.Series
    cov: pd.DataFrame
    nobs: int
    n_groups: int
    n_clusters: int | None
    sigma_u: float
    sigma_e: float
    rho: float
    rmse: float
    theta: pd.Series
    rsquared_within: float
    rsquared_between: float
    rsquared_overall: float
    wald_chi2: float
    wald_df: int
    wald_pvalue: float
    vcov_type: str
    cluster: str | None
    unit: str
    depvar: str
    balanced: bool
    dropped: dict
    diagnostics: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        q = special.ndtri(0.5 + level / 2)
        return pd.DataFrame({"lower": self.params - q * self.std_errors, "upper": self.params + q * self.std_errors})

    def summary(self) -> str:
        ci = self.conf_int()
        width = max(12, *(len(t) for t in self.params.index))
        rule = "-" * (width + 79)
        d = self.diagnostics
        lines = [
            f"Random-effects GLS regression of {self.depvar}  (group variable: {self.unit})",
            f"  Number of obs = {self.nobs:,}   Number of groups = {self.n_groups:,}",
            f"  R-sq: within = {self.rsquared_within:.4f}  between = {self.rsquared_between:.4f}  "
            f"overall = {self.rsquared_overall:.4f}",
            f"  Wald chi2({self.wald_df}) = {self.wald_chi2:.2f}   Prob > chi2 = {self.wald_pvalue:.4f}",
        ]
        if self.vcov_type == "cluster":
            lines.append(f"  Std. err. adjusted for {self.n_clusters} clusters in {self.cluster}")
        lines += [rule, f"{self.depvar:>{width}} | {'Coefficient':>12} {'Std. err.':>12} {'z':>9} {'P>|z|':>7}"
                  f"      {'[95% conf. interval]':>25}", rule]
        for t in self.params.index:
            lines.append(
                f"{t:>{width}} | {self.params[t]:>12.6g} {self.std_errors[t]:>12.6g} {self.tstats[t]:>9.2f} "
                f"{self.pvalues[t]:>7.3f}      {ci.loc[t, 'lower']:>12.6g} {ci.loc[t, 'upper']:>12.6g}"
            )
        lines += [rule, f"{'sigma_u':>{width}} | {self.sigma_u:.6g}", f"{'sigma_e':>{width}} | {self.sigma_e:.6g}",
                  f"{'rho':>{width}} | {self.rho:.6g}   (fraction of variance due to u_i)", rule]
        if self.balanced:
            lines.append(f"theta = {d['theta']:.6g}")
        else:
            lines.append("theta: min {thta_min:.4f}  5% {thta_5:.4f}  median {thta_50:.4f}  95% {thta_95:.4f}  "
                         "max {thta_max:.4f}".format(**d))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------- helpers


def _kept_columns(X: np.ndarray, tol: float = COLLINEAR_TOL, reference: np.ndarray | None = None) -> list[int]:
    """Columns kept by an order-preserving sweep, as Stata's _rmcoll / regress keep the first of
    a collinear set: column j is dropped when its residual on the earlier kept columns has a
    sum of squares below tol × its own sum of squares, or below tol × ``reference[j]`` (e.g. the
    centered sum of squares of the column before it was demeaned, so that a regressor whose
    within-unit deviations are rounding noise is dropped from the within regression)."""
    kept: list[int] = []
    Q = np.zeros((X.shape[0], 0))
    for j in range(X.shape[1]):
        x = X[:, j]
        ss = float(x @ x)
        if ss == 0 or (reference is not None and ss <= tol * reference[j]):
            continue
        r = x - Q @ (Q.T @ x)
        r = r - Q @ (Q.T @ r)  # re-orthogonalise
        rr = float(r @ r)
        if rr <= tol * ss:
            continue
        Q = np.column_stack([Q, r / np.sqrt(rr)])
        kept.append(j)
    return kept


def _ols(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(β, (X'X)⁻¹, residuals) by a column-scaled inverse of X'X."""
    scale = np.sqrt((X * X).sum(axis=0))
    scale[scale == 0] = 1.0
    Xs = X / scale
    inv = np.linalg.inv(Xs.T @ Xs) / np.outer(scale, scale)
    beta = inv @ (X.T @ y)
    return beta, inv, y - X @ beta


def _corr2(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) < 1e-8 or np.std(b) < 1e-8:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1] ** 2)


def stata_percentile(x: np.ndarray, p: float) -> float:
    """Percentile as Stata's ``summarize, detail`` (unweighted): with sorted x_(1..n) and
    np/100 = i + h, the value is x_(i+1) if h > 0, else (x_(i) + x_(i+1)) / 2."""
    x = np.sort(np.asarray(x, dtype=float))
    n = x.size
    pos = n * p / 100.0
    i = int(np.floor(pos))
    if pos - i > 1e-12:
        return float(x[min(i, n - 1)])
    if i == 0:
        return float(x[0])
    return float((x[i - 1] + x[min(i, n - 1)]) / 2)


def time_dummies(data: pd.DataFrame, time: str) -> tuple[pd.DataFrame, list[str]]:
    if time not in data.columns:
        raise ValueError(f"time_effects=True needs the time column {time!r} in the data")
    levels = np.sort(data[time].dropna().unique())
    names = [f"{lv}.{time}" for lv in levels[1:]]
    dummies = pd.DataFrame(
        {name: (data[time] == lv).astype(float).where(data[time].notna()) for name, lv in zip(names, levels[1:])},
        index=data.index,
    )
    return dummies, names


# --------------------------------------------------------------------------- estimator


def fit_random_effects(
    data: pd.DataFrame,
    depvar: str,
    regressors: list[str],
    unit: str = "region_code",
    time_effects: bool = False,
    vcov: str = "unadjusted",
    cluster: str | None = None,
    time: str = "year",
) -> RandomEffectsResult:
    """``xtreg depvar regressors [i.time], re [vce(cluster cluster)]`` (module docstring).

    vcov: "unadjusted" (Stata's conventional) or "cluster" (clusters = ``cluster`` or, if None,
    ``unit``; the clusters must nest the units). Raises ValueError for unknown columns,
    non-numeric data, too few units or clusters, no residual degrees of freedom.
    """
    regressors = list(regressors)
    if vcov not in RE_VCOV_TYPES:
        raise ValueError(f"vcov must be one of {RE_VCOV_TYPES}, got {vcov!r}")
    if not regressors:
        raise ValueError("at least one regressor is required")
    if depvar in regressors or len(set(regressors)) != len(regressors):
        raise ValueError("regressors must be distinct and must not include the dependent variable")
    cluster = (cluster or unit) if vcov == "cluster" else None
    used = list(dict.fromkeys([depvar, *regressors, unit, *([cluster] if cluster else [])]))
    missing_cols = [c for c in used if c not in data.columns]
    if missing_cols:
        raise ValueError(f"columns not in the data: {missing_cols}")
    for col in [depvar, *regressors]:
        if not (pd.api.types.is_numeric_dtype(data[col]) or pd.api.types.is_bool_dtype(data[col])):
            raise ValueError(f"column {col!r} must be numeric, it is {data[col].dtype}")

    frame = data
    if time_effects:
        dummies, dummy_names = time_dummies(data, time)
        frame = pd.concat([data[used], dummies], axis=1)
        regressors = regressors + dummy_names
        used = used + dummy_names + [time]
        frame[time] = data[time]
    complete = np.logical_and.reduce([frame[c].notna().to_numpy() for c in used])
    n_missing = int((~complete).sum())
    sample = frame.loc[complete]
    y = sample[depvar].to_numpy(dtype=float)
    X_all = sample[regressors].to_numpy(dtype=float)
    if not (np.isfinite(y).all() and np.isfinite(X_all).all()):
        raise ValueError("the dependent variable or a regressor contains infinite values")
    unit_codes, unit_labels = pd.factorize(sample[unit], sort=True)
    n_units = len(unit_labels)
    N = y.size
    if n_units < 2:
        raise ValueError(f"too few units: {n_units} level(s) of {unit!r}; random effects need at least 2")

    # Pooled collinearity (_rmcoll on the whole varlist, with the constant).
    kept = _kept_columns(np.column_stack([np.ones(N), X_all]))
    kept = [j - 1 for j in kept if j > 0]
    omitted = [r for j, r in enumerate(regressors) if j not in kept]
    notes = []
    for r in omitted:
        warnings.warn(f"{r} omitted because of collinearity", stacklevel=2)
        notes.append(f"{r} omitted because of collinearity")
    names = [regressors[j] for j in kept]
    X = X_all[:, kept]
    k = X.shape[1]

    T_i = np.bincount(unit_codes, minlength=n_units).astype(float)
    means = group_sums(unit_codes, n_units, np.column_stack([y, X])) / T_i[:, None]
    ybar, xbar = means[:, 0], means[:, 1:]

    # Within regression: σ²_e (ffxreg2).
    y_w = y - ybar[unit_codes]
    X_w = X - xbar[unit_codes]
    kept_w = _kept_columns(X_w, reference=((X - X.mean(axis=0)) ** 2).sum(axis=0))
    df_w = N - n_units - len(kept_w)
    if df_w <= 0:
        raise ValueError(
            f"too few observations: {N} observations in {n_units} units leave no residual degrees of "
            "freedom for the within regression (σ_e cannot be estimated)"
        )
    if kept_w:
        _, _, e_w = _ols(y_w, X_w[:, kept_w])
    else:
        e_w = y_w
    sigma_e2 = float(e_w @ e_w) / df_w

    # Between regression on unit means: σ²_u.
    kept_b = _kept_columns(np.column_stack([np.ones(n_units), xbar]))
    Xb = np.column_stack([np.ones(n_units), xbar])[:, kept_b]
    df_b = n_units - len(kept_b)
    if df_b <= 0:
        raise ValueError(
            f"too few units: {n_units} units for {len(kept_b)} between-regression parameters; "
            "σ_u cannot be estimated"
        )
    _, _, e_b = _ols(ybar, Xb)
    Tbar = n_units / float((1.0 / T_i).sum())
    sigma_u2 = float(e_b @ e_b) / df_b - sigma_e2 / Tbar
    if not sigma_u2 > 0:
        sigma_u2 = 0.0
        notes.append("estimated variance of u_i is negative; sigma_u set to 0 (pooled OLS)")
    sigma_u, sigma_e = float(np.sqrt(sigma_u2)), float(np.sqrt(sigma_e2))
    theta = 1.0 - sigma_e / np.sqrt(T_i * sigma_u2 + sigma_e2)

    # GLS on quasi-demeaned data.
    th = theta[unit_codes]
    y_s = y - th * ybar[unit_codes]
    X_s = np.column_stack([X - th[:, None] * xbar[unit_codes], 1.0 - th])
    K = k + 1
    if N - K <= 0:
        raise ValueError(f"too few observations: {N} observations for {K} parameters")
    beta, bread, e_s = _ols(y_s, X_s)
    rss = float(e_s @ e_s)
    rmse = float(np.sqrt(rss / (N - K)))
    n_clusters = None
    if vcov == "unadjusted":
        cov = rss / (N - K) * bread
    else:
        cl_codes, cl_labels = pd.factorize(sample[cluster], sort=True)
        n_clusters = len(cl_labels)
        first = np.full(n_units, -1)
        first[unit_codes] = cl_codes
        if not np.array_equal(first[unit_codes], cl_codes):
            raise ValueError(f"panels ({unit!r}) are not nested within clusters ({cluster!r})")
        if n_clusters < 2:
            raise ValueError(f"too few clusters: {n_clusters} cluster(s) in {cluster!r}; need at least 2")
        if n_clusters <= k:
            warnings.warn(
                f"only {n_clusters} clusters for {K} parameters: the cluster VCE is singular; "
                "the Wald chi2 is not reported", stacklevel=2,
            )
        scores = group_sums(cl_codes, n_clusters, X_s * e_s[:, None])
        cov = n_clusters / (n_clusters - 1) * (N - 1) / (N - K) * bread @ (scores.T @ scores) @ bread
    cov = (cov + cov.T) / 2
    se = np.sqrt(np.diag(cov))
    z = beta / se
    pvals = 2 * special.ndtr(-np.abs(z))

    # Wald chi2 of all slopes (_prefix_model_test).
    wald_df = k
    try:
        wald = float(beta[:k] @ np.linalg.solve(cov[:k, :k], beta[:k])) if k else float("nan")
        if vcov == "cluster" and n_clusters <= k:
            wald = float("nan")
    except np.linalg.LinAlgError:
        wald = float("nan")
    wald_p = float(special.chdtrc(wald_df, wald)) if np.isfinite(wald) else float("nan")

    # R² as xtreg reports them.
    xb = X @ beta[:k] + beta[k]
    xb_bar = np.bincount(unit_codes, weights=xb, minlength=n_units) / T_i
    r2_o = _corr2(xb, y)
    r2_b = _corr2(xb_bar, ybar)
    r2_w = _corr2(xb - xb_bar[unit_codes], y_w)

    terms = [*names, CONST]
    series = lambda a: pd.Series(a, index=terms, dtype=float)  # noqa: E731
    balanced = bool(T_i.min() == T_i.max())
    diagnostics = {
        "sigma_u": sigma_u, "sigma_e": sigma_e, "sigma": float(np.sqrt(sigma_u2 + sigma_e2)),
        "rho": sigma_u2 / (sigma_u2 + sigma_e2), "rmse": rmse,
        "r2_w": r2_w, "r2_b": r2_b, "r2_o": r2_o,
        "chi2": wald, "chi2_df": float(wald_df), "chi2_p": wald_p,
        "Tbar": Tbar, "g_min": float(T_i.min()), "g_avg": float(T_i.mean()), "g_max": float(T_i.max()),
        "N": float(N), "N_g": float(n_units),
    }
    if balanced:
        diagnostics["theta"] = float(theta[0])
    else:
        for key, p in (("thta_5", 5), ("thta_50", 50), ("thta_95", 95)):
            diagnostics[key] = stata_percentile(theta, p)
        diagnostics["thta_min"], diagnostics["thta_max"] = float(theta.min()), float(theta.max())
    if n_clusters is not None:
        diagnostics["N_clust"] = float(n_clusters)
    return RandomEffectsResult(
        params=series(beta), std_errors=series(se), tstats=series(z), pvalues=series(pvals),
        cov=pd.DataFrame(cov, index=terms, columns=terms), nobs=N, n_groups=n_units, n_clusters=n_clusters,
        sigma_u=sigma_u, sigma_e=sigma_e, rho=diagnostics["rho"], rmse=rmse,
        theta=pd.Series(theta, index=pd.Index(unit_labels, name=unit), name="theta"),
        rsquared_within=r2_w, rsquared_between=r2_b, rsquared_overall=r2_o,
        wald_chi2=wald, wald_df=wald_df, wald_pvalue=wald_p, vcov_type=vcov, cluster=cluster, unit=unit,
        depvar=depvar, balanced=balanced, dropped={"missing": n_missing, "collinear": omitted},
        diagnostics=diagnostics, notes=notes,
    )


# --------------------------------------------------------------------------- Hausman

HAUSMAN_SIGMA = ("default", "sigmamore", "sigmaless")


@dataclass
class HausmanResult:
    """A Hausman-type test. ``difference`` = b − B (consistent − efficient) and ``se_difference``
    = sqrt(diag(V_b − V_B)) (NaN where that diagonal is negative, Stata's "."), both by term,
    for ``method="hausman"``; for ``method="mundlak"`` they are the coefficients of the unit
    means and their cluster-robust standard errors. ``diagnostics`` has hausman_chi2,
    hausman_df, hausman_p (and mundlak_* aliases for the Mundlak form)."""

    method: str
    statistic: float
    df: int
    pvalue: float
    terms: list[str]
    difference: pd.Series
    se_difference: pd.Series
    positive_definite: bool
    sigma: str
    diagnostics: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    auxiliary: RandomEffectsResult | None = None

    def summary(self) -> str:
        head = ("Hausman (1978) specification test: b = consistent (fe), B = efficient (re)"
                if self.method == "hausman" else
                "Mundlak / Wooldridge cluster-robust test: RE with unit means, H0 coefficients of means = 0")
        lines = [head]
        for t in self.terms:
            lines.append(f"  {t:>14}  {self.difference[t]:>12.6g}  {self.se_difference[t]:>12.6g}")
        lines.append(f"  chi2({self.df}) = {self.statistic:.2f}   Prob > chi2 = {self.pvalue:.4f}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _generalized_quadratic(d: np.ndarray, V: np.ndarray) -> tuple[float, int, float]:
    """(d' V⁺ d, rank V, smallest eigenvalue of V) as hausman.ado's MatGinv and SymPosDef:
    V⁺ is the Moore–Penrose inverse, singular values at or below max(sv) × ncols × 1e-9 are
    treated as zero (that count sets the rank); for symmetric V the singular values are |λ|
    and V⁺ keeps the signs, so a non-positive-definite V can give a negative statistic."""
    values, vectors = np.linalg.eigh(V)
    tol = np.abs(values).max() * V.shape[0] * 1e-9
    keep = np.abs(values) > tol
    r = vectors[:, keep].T @ d
    return float((r * r / values[keep]).sum()), int(keep.sum()), float(values.min())


def hausman_test(
    fe_result,
    re_result: RandomEffectsResult,
    sigma: str = "default",
    force: bool = False,
    df: int | None = None,
) -> HausmanResult:
    """Stata's ``hausman fe re`` [``, sigmamore`` | ``, sigmaless``].

    ``fe_result``: a FixedEffectsResult (``fit_fixed_effects(..., absorb=[unit],
    vcov="unadjusted", drop_singletons=False)`` is ``xtreg, fe``) or any result with params,
    cov and rmse; ``re_result`` from ``fit_random_effects(..., vcov="unadjusted")``.

    Over the coefficients common to both fits except ``_cons`` (hausman's default),
    H = (b − B)' (V_b − V_B)⁻ (b − B), df = rank(V_b − V_B), p = chi2 upper tail.

    sigma="default" (Stata's default and ours): each fit's own V. "sigmamore": both on the
    efficient fit's disturbance variance, V_b × (s²_re / s²_fe); "sigmaless": both on the
    consistent fit's, V_B × (s²_fe / s²_re). As ``help hausman`` says for xtreg, s_fe is
    e(sigma_e) of xtreg, fe (= ``fe_result.rmse``) and s_re is e(rmse) of xtreg, re (the GLS
    regression's root MSE, ``re_result.rmse``), not its sigma_e.

    Source: Stata's hausman.ado version 3.2.1 (20dec2017). Coefficients with zero variance in
    either fit are left out (Strik0). The inverse is the Moore–Penrose inverse (MatGinv: SVD,
    tolerance max singular value × ncols × 1e-9), df its rank unless ``df`` is given. V_b − V_B
    is "not positive definite" when its smallest eigenvalue is ≤ 0 (SymPosDef); the statistic is
    then still computed and, if ≥ 0, reported with that note, as Stata does. A negative
    statistic gets p = NaN (Stata prints no p-value) and Stata's note "chi2<0 ==> model fitted on these data fails to meet the asymptotic
    assumptions of the Hausman test". Robust / cluster VCEs are refused (Stata: "hausman cannot
    be used with vce(robust), vce(cluster cvar), or p-weighted data") unless ``force=True``;
    use ``mundlak_test`` for the cluster-robust version.
    """
    if sigma not in HAUSMAN_SIGMA:
        raise ValueError(f"sigma must be one of {HAUSMAN_SIGMA}, got {sigma!r}")
    notes: list[str] = []
    for role, res in (("fe", fe_result), ("re", re_result)):
        vt = getattr(res, "vcov_type", "unadjusted")
        if vt != "unadjusted":
            if not force:
                raise ValueError(
                    f"hausman cannot be used with vce(robust) or vce(cluster): the {role} fit has "
                    f"vcov={vt!r}. Refit both with vcov='unadjusted', use mundlak_test for the "
                    "cluster-robust test, or pass force=True"
                )
            notes.append(f"forced: the {role} fit uses vcov={vt!r}; the chi2 distribution is not justified")
    terms = [t for t in fe_result.params.index if t in re_result.params.index and t != CONST
             and fe_result.cov.loc[t, t] != 0 and re_result.cov.loc[t, t] != 0]
    if not terms:
        raise ValueError("the two fits have no coefficient in common (other than _cons)")
    b = fe_result.params[terms].to_numpy(float)
    B = re_result.params[terms].to_numpy(float)
    Vb = fe_result.cov.loc[terms, terms].to_numpy(float)
    VB = re_result.cov.loc[terms, terms].to_numpy(float)
    s2_fe, s2_re = float(fe_result.rmse) ** 2, float(re_result.rmse) ** 2
    if sigma == "sigmamore":
        Vb = Vb * (s2_re / s2_fe)
    elif sigma == "sigmaless":
        VB = VB * (s2_fe / s2_re)
    V = Vb - VB
    V = (V + V.T) / 2
    d = b - B
    stat, rank, min_eig = _generalized_quadratic(d, V)
    positive_definite = min_eig > 0
    if rank < len(terms):
        notes.append(
            f"the rank of the differenced variance matrix ({rank}) does not equal the number of "
            f"coefficients being tested ({len(terms)}); be sure this is what you expect"
        )
    if not positive_definite:
        notes.append("V_b-V_B is not positive definite")
    if stat < 0:
        notes.append("chi2<0 ==> model fitted on these data fails to meet the asymptotic assumptions "
                     "of the Hausman test; see suest for a generalized test")
        p = float("nan")
    else:
        p = float(special.chdtrc(df or rank, stat))
    diag = np.diag(V)
    se_d = np.where(diag > 0, np.sqrt(np.where(diag > 0, diag, 0.0)), np.nan)
    diagnostics = {"hausman_chi2": stat, "hausman_df": float(df or rank), "hausman_p": p,
                   "hausman_rank": float(rank), "sigma2_fe": s2_fe, "sigma2_re": s2_re}
    return HausmanResult(
        method="hausman", statistic=stat, df=int(df or rank), pvalue=p, terms=terms,
        difference=pd.Series(d, index=terms), se_difference=pd.Series(se_d, index=terms),
        positive_definite=positive_definite, sigma=sigma, diagnostics=diagnostics, notes=notes,
    )


def mundlak_test(
    data: pd.DataFrame,
    depvar: str,
    regressors: list[str],
    unit: str = "region_code",
    time_effects: bool = False,
    cluster: str | None = None,
    time: str = "year",
) -> HausmanResult:
    """Cluster-robust Hausman test in the auxiliary-regression (Mundlak 1978; Wooldridge 2010,
    §10.7.3) form: ``bysort unit: egen mean_x = mean(x)`` for each regressor over the estimation
    sample, ``xtreg y x mean_x [i.year], re vce(cluster unit)``, ``test mean_x …``: Wald
    chi2 = γ' V_γ⁻¹ γ with df = number of mean terms.

    Means are taken of ``regressors`` only (not of the year dummies) and only of those that vary
    within units (the mean of a time-invariant regressor equals it); the dropped ones are noted.
    The sample is the rows complete in y, X and the unit, as for xtreg. Clusters default to the
    unit. The coefficients of x in this regression equal the within (FE) estimates.
    """
    regressors = list(regressors)
    used = list(dict.fromkeys([depvar, *regressors, unit, *([cluster] if cluster else []),
                               *([time] if time_effects else [])]))
    missing_cols = [c for c in used if c not in data.columns]
    if missing_cols:
        raise ValueError(f"columns not in the data: {missing_cols}")
    frame = data[used].dropna().copy()
    notes = []
    means = []
    codes, _ = pd.factorize(frame[unit])
    for x in regressors:
        values = frame[x].to_numpy(float)
        m = np.bincount(codes, weights=values) / np.bincount(codes)
        within = values - m[codes]
        if float(within @ within) <= COLLINEAR_TOL * max(float(((values - values.mean()) ** 2).sum()), 1e-300):
            notes.append(f"{x} does not vary within {unit}; its mean is not added")
            continue
        name = f"mean_{x}"
        if name in frame.columns:
            raise ValueError(f"column {name!r} already exists; rename it")
        frame[name] = m[codes]
        means.append(name)
    if not means:
        raise ValueError(f"no regressor varies within {unit!r}; the Mundlak test has nothing to test")
    res = fit_random_effects(frame, depvar, regressors + means, unit=unit, time_effects=time_effects,
                             vcov="cluster", cluster=cluster, time=time)
    tested = [m for m in means if m in res.params.index]
    gamma = res.params[tested].to_numpy(float)
    Vg = res.cov.loc[tested, tested].to_numpy(float)
    if res.n_clusters is not None and res.n_clusters - 1 < len(tested):
        raise ValueError(f"too few clusters ({res.n_clusters}) to test {len(tested)} restrictions")
    try:
        stat = float(gamma @ np.linalg.solve(Vg, gamma))
    except np.linalg.LinAlgError as err:
        raise ValueError("the cluster-robust VCE of the mean coefficients is singular (too few clusters?)") from err
    df = len(tested)
    p = float(special.chdtrc(df, stat))
    diagnostics = {"hausman_chi2": stat, "hausman_df": float(df), "hausman_p": p,
                   "mundlak_chi2": stat, "mundlak_df": float(df), "mundlak_p": p,
                   "n_clusters": float(res.n_clusters)}
    return HausmanResult(
        method="mundlak", statistic=stat, df=df, pvalue=p, terms=tested,
        difference=res.params[tested], se_difference=res.std_errors[tested], positive_definite=True,
        sigma="cluster", diagnostics=diagnostics, notes=notes + res.notes, auxiliary=res,
    )
