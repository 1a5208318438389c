"""Linear regression with absorbed (high-dimensional) fixed effects, reported as Stata's reghdfe.

    fit_fixed_effects(panel, "y", ["x1", "x2"], absorb=["region_code", "year"],
                      vcov="cluster", cluster="region_code")

is ``reghdfe y x1 x2, absorb(region_code year) vce(cluster region_code)``. With one absorbed
panel factor and ``cluster`` on it, the numbers are those of ``xtreg y x1 x2, fe vce(cluster id)``
(and of ``xtreg, fe vce(robust)``, which Stata also clusters by panel); pass
``drop_singletons=False`` to keep singleton groups as xtreg does.

Degrees of freedom (source: reghdfe 6, ``src/reghdfe_class.mata`` FixedEffects::estimate_dof and
``src/reghdfe_common.mata`` reghdfe_solve_ols / reghdfe_robust / reghdfe_cluster, default
``dofadjustments(all)``):

* Absorbed dof ``df_a`` = Σ levels − Σ redundant levels. The first factor has no redundant
  level (it carries the intercept). Each later factor has as many as the largest number of
  mobility groups (connected components of the bipartite graph of levels) it forms with an
  earlier factor, so at least one. Two connected factors: df_a = L1 + L2 − 1.
* With ``vcov="cluster"``, a factor equal to or nested within the cluster variable adds no dof
  (all its levels are redundant) and the next factor becomes "the first". For unadjusted and
  hc1 every factor counts.
* ``K = k + df_a``, where k is the number of regressors kept (not collinear). reghdfe reports
  ``_cons``, but the intercept is absorbed in the first factor and adds no parameter.
* unadjusted: V = RSS/(N − K) · bread,                    df_resid = N − K.
* hc1:        V = N/(N − K) · bread · meat · bread,       df_resid = N − K.
* cluster:    V = G/(G − 1) · (N − 1)/(N − K) · bread · meat · bread,
  df_resid = min(G − 1, N − k − df_a). If every factor is nested in the cluster (df_a = 0), K = k + 1
  (reghdfe's ``nested_adj``). That is xtreg, fe's (N − 1)/(N − k − 1).
* Adjusted R² and Root MSE use reghdfe's ``used_df_r`` = N − k − df_a − (levels of nested
  factors). So with nesting they count every absorbed level, as reghdfe prints them.

``bread`` is the inverse cross-product of the demeaned regressors with the means added back and
a column of ones (the "augmented design"), so ``_cons`` = mean(y) − mean(X)·β gets a standard
error from the same VCE, as reghdfe and xtreg report it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special  # t and F tails; lighter to import than scipy.stats

from models_py.estimators.demean import Absorber, group_sums
from models_py.estimators.numerics import (  # reghdfe's sample and dof rules, shared with IV and mediation
    COLLINEAR_TOL,
    CONST,
    VCOV_TYPES,
    absorbed_dof,
    collinear_columns,
    estimation_sample,
    is_nested,
    stars,
)


@dataclass(kw_only=True)
class PanelFitResult:
    """What every linear panel fit reports, as reghdfe / ivreghdfe name it. Series and ``cov`` are
    indexed by term; ``dropped`` = {"singletons": int, "missing": int, "collinear": [names]};
    ``absorbed`` maps each absorbed factor to its levels in the estimation sample; ``df_absorbed``
    is the absorbed degrees of freedom used in the small-sample factor."""

    params: pd.Series
    std_errors: pd.Series
    tstats: pd.Series
    pvalues: pd.Series
    cov: pd.DataFrame
    nobs: int
    n_clusters: int | None
    df_resid: int
    rsquared: float
    rsquared_within: float
    vcov_type: str
    cluster: str | None
    absorbed: dict[str, int]
    dropped: dict
    depvar: str = ""
    df_model: int = 0
    df_absorbed: int = 0
    fstat: float = float("nan")
    f_pvalue: float = float("nan")
    rss: float = float("nan")
    rmse: float = float("nan")
    notes: list[str] = field(default_factory=list)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        q = special.stdtrit(self.df_resid, 0.5 + level / 2)
        return pd.DataFrame(
            {"lower": self.params - q * self.std_errors, "upper": self.params + q * self.std_errors}
        )

    def __str__(self) -> str:
        return self.summary()


@dataclass(kw_only=True)
class FixedEffectsResult(PanelFitResult):
    """Estimates as reghdfe reports them, ``_cons`` last; omitted (collinear) regressors are not in
    the Series but listed in ``dropped["collinear"]``."""

    rsquared_adj: float
    tss: float = float("nan")

    def summary(self) -> str:
        vce = {
            "unadjusted": "",
            "hc1": "Statistics robust to heteroskedasticity",
            "cluster": f"Std. err. adjusted for {self.n_clusters} clusters in {self.cluster}",
        }[self.vcov_type]
        header = [
            ("Number of obs", f"{self.nobs:,}"),
            (f"F({self.df_model}, {self.df_resid})", f"{self.fstat:.2f}"),
            ("Prob > F", f"{self.f_pvalue:.4f}"),
            ("R-squared", f"{self.rsquared:.4f}"),
            ("Adj R-squared", f"{self.rsquared_adj:.4f}"),
            ("Within R-sq.", f"{self.rsquared_within:.4f}"),
            ("Root MSE", f"{self.rmse:.4f}"),
        ]
        lines = [f"HDFE linear regression of {self.depvar}, absorbing {len(self.absorbed)} factor(s)"]
        lines += [f"  {name:<16}= {value:>14}" for name, value in header]
        if vce:
            lines.append(f"  {vce}")
        ci = self.conf_int()
        width = max(12, *(len(t) for t in self.params.index), *(len(t) for t in self.dropped["collinear"]))
        rule = "-" * (width + 79)
        lines += [
            rule,
            f"{self.depvar:>{width}} | {'Coefficient':>12} {'Std. err.':>12} {'t':>9} {'P>|t|':>7}"
            f"      {'[95% conf. interval]':>25}",
            rule,
        ]
        for term in self.params.index:
            lines.append(
                f"{term:>{width}} | {self.params[term]:>12.6g} {self.std_errors[term]:>12.6g} "
                f"{self.tstats[term]:>9.2f} {self.pvalues[term]:>7.3f} {stars(self.pvalues[term]):<3}"
                f"  {ci.loc[term, 'lower']:>12.6g} {ci.loc[term, 'upper']:>12.6g}"
            )
        for term in self.dropped["collinear"]:
            lines.append(f"{term:>{width}} | {'0':>12}  (omitted)")
        lines.append(rule)
        lines.append("Absorbed fixed effects: " + ", ".join(f"{n} ({lv} levels)" for n, lv in self.absorbed.items()))
        lines.append(
            f"Dropped: {self.dropped['missing']} rows with missing values, "
            f"{self.dropped['singletons']} singleton observations"
        )
        lines += [f"note: {note}" for note in self.notes]
        lines.append("* p<0.10, ** p<0.05, *** p<0.01")
        return "\n".join(lines)


# --------------------------------------------------------------------------- sample


def _check_arguments(data, depvar, regressors, absorb, vcov, cluster) -> list[str]:
    if vcov not in VCOV_TYPES:
        raise ValueError(f"vcov must be one of {VCOV_TYPES}, got {vcov!r}")
    if vcov == "cluster" and not cluster:
        raise ValueError('vcov="cluster" needs a cluster variable (cluster=...)')
    if not regressors:
        raise ValueError("at least one regressor is required")
    if not absorb:
        raise ValueError("absorb must name at least one factor")
    if depvar in regressors or len(set(regressors)) != len(regressors):
        raise ValueError("regressors must be distinct and must not include the dependent variable")
    used = list(dict.fromkeys([depvar, *regressors, *absorb, *([cluster] if vcov == "cluster" else [])]))
    missing_columns = [c for c in used if c not in data.columns]
    if missing_columns:
        raise ValueError(f"columns not in the data: {missing_columns}")
    for col in [depvar, *regressors]:
        if not (pd.api.types.is_numeric_dtype(data[col]) or pd.api.types.is_bool_dtype(data[col])):
            raise ValueError(f"column {col!r} must be numeric, it is {data[col].dtype}")
    return used


# --------------------------------------------------------------------------- variance


def _augmented_bread(inv_xx: np.ndarray, x_means: np.ndarray, n: int) -> np.ndarray:
    """(X_a'X_a)⁻¹ for X_a = [demeaned X + means, 1], by the partitioned inverse (reghdfe's
    reghdfe_extend_b_and_inv_xx): demeaned columns sum to zero, so the blocks are explicit."""
    side = -x_means @ inv_xx
    corner = 1.0 / n + x_means @ inv_xx @ x_means
    return np.block([[inv_xx, side[:, None]], [side[None, :], np.array([[corner]])]])


def _scores(X_dm: np.ndarray, x_means: np.ndarray, resid: np.ndarray, clusters: np.ndarray | None,
            n_clusters: int) -> np.ndarray:
    """Score rows e·[x_dm + mean(x), 1] of the augmented design, summed by cluster if given."""
    if clusters is None:
        return np.column_stack([X_dm * resid[:, None] + np.outer(resid, x_means), resid])
    xe = group_sums(clusters, n_clusters, X_dm * resid[:, None])
    e = np.bincount(clusters, weights=resid, minlength=n_clusters)
    return np.column_stack([xe + np.outer(e, x_means), e])


# --------------------------------------------------------------------------- estimator


def _omit_collinear(X_dm: np.ndarray, X: np.ndarray, regressors: list[str], absorb: list[str]):
    """Kept column indices and the cross-product of the kept demeaned regressors; warns for each
    omitted one as Stata's "note: x omitted because of collinearity"."""
    xx = X_dm.T @ X_dm
    omitted = collinear_columns(xx, X)
    for j in omitted:
        warnings.warn(f"{regressors[j]} omitted because of collinearity", stacklevel=3)
    kept = [j for j in range(len(regressors)) if j not in omitted]
    if not kept:
        raise ValueError(
            f"all regressors {regressors} are collinear with the absorbed fixed effects {absorb}; nothing to estimate"
        )
    return kept, xx[np.ix_(kept, kept)]


def _variance(vcov, bread, X_dm, x_means, resid, n, K, clusters, n_clusters) -> np.ndarray:
    """VCE with reghdfe's small-sample factors (module docstring)."""
    if vcov == "unadjusted":
        return float(resid @ resid) / (n - K) * bread
    scores = _scores(X_dm, x_means, resid, clusters, n_clusters)
    sandwich = bread @ (scores.T @ scores) @ bread
    if vcov == "hc1":
        return n / (n - K) * sandwich
    return n_clusters / (n_clusters - 1) * (n - 1) / (n - K) * sandwich


def _wald_f(beta: np.ndarray, cov_beta: np.ndarray) -> float:
    """Joint test of all regressors (not _cons) as reghdfe: b' V⁻¹ b / k."""
    try:
        return float(beta @ np.linalg.solve(cov_beta, beta) / beta.size)
    except np.linalg.LinAlgError as err:
        raise ValueError("the variance matrix of the coefficients is singular (too few clusters?)") from err


def fit_fixed_effects(
    data: pd.DataFrame,
    depvar: str,
    regressors: list[str],
    absorb: list[str] = ["region_code", "year"],  # noqa: B006 - never mutated
    vcov: str = "cluster",
    cluster: str | None = "region_code",
    drop_singletons: bool = True,
) -> FixedEffectsResult:
    """OLS of ``depvar`` on ``regressors`` absorbing the factors in ``absorb`` (reghdfe).

    vcov: "cluster" (CRV1 on ``cluster``), "hc1" (robust) or "unadjusted"; ``cluster`` is
    ignored unless vcov="cluster". Rows with a missing value in any used column are dropped,
    then singleton groups (iteratively, unless ``drop_singletons=False``). Regressors collinear
    after absorption are omitted with a warning. Raises ValueError on too few clusters or
    observations, and on a dependent variable that is constant or absorbed by the fixed effects.
    """
    regressors, absorb = list(regressors), list(absorb)
    cluster = cluster if vcov == "cluster" else None
    used = _check_arguments(data, depvar, regressors, absorb, vcov, cluster)
    sample = estimation_sample(data, used, [depvar, *regressors], absorb, cluster, drop_singletons)
    n = sample.values.shape[0]
    n_levels = [int(c.max()) + 1 for c in sample.codes]
    n_clusters = int(sample.cluster_codes.max()) + 1 if cluster else None
    if cluster and n_clusters < 2:
        raise ValueError(f"too few clusters: {n_clusters} cluster(s) in {cluster!r}; need at least 2")

    demeaned = Absorber(sample.codes).demean(sample.values)
    y, y_dm = sample.values[:, 0], demeaned[:, 0]
    kept, xx = _omit_collinear(demeaned[:, 1:], sample.values[:, 1:], regressors, absorb)
    columns = slice(1, None) if len(kept) == len(regressors) else [1 + j for j in kept]  # a view if nothing omitted
    X, X_dm = sample.values[:, columns], demeaned[:, columns]
    k = len(kept)

    # Degrees of freedom (module docstring). Nesting only matters for the cluster VCE.
    nested = [
        cluster is not None and (name == cluster or is_nested(c, sample.cluster_codes))
        for name, c in zip(absorb, sample.codes)
    ]
    df_a, df_a_nested = absorbed_dof(sample.codes, n_levels, nested)
    K = k + df_a + (1 if df_a == 0 else 0)  # df_a = 0 only when every factor is nested: xtreg's k + 1
    # reghdfe's used_df_r (adjusted R², Root MSE) counts every absorbed level, nested ones too.
    used_df_r = n - k - df_a - df_a_nested
    if used_df_r < 1:
        raise ValueError(
            f"too few observations: {n} observations for {n - used_df_r} parameters "
            f"({k} regressors and {n - used_df_r - k} absorbed levels); no residual degrees of freedom left"
        )
    if cluster and n_clusters <= k:
        raise ValueError(
            f"too few clusters: {n_clusters} clusters in {cluster!r} for {k} regressors; "
            "need more clusters than regressors"
        )
    tss, tss_within = float(((y - y.mean()) ** 2).sum()), float(y_dm @ y_dm)
    if tss_within <= COLLINEAR_TOL * tss or tss == 0:
        raise ValueError(f"the dependent variable {depvar!r} is constant within the absorbed fixed effects")

    # OLS on the demeaned data; scaling the columns keeps the cross-product well conditioned.
    scale = np.sqrt(np.diag(xx))
    inv_xx = np.linalg.inv(xx / np.outer(scale, scale)) / np.outer(scale, scale)
    beta = inv_xx @ (X_dm.T @ y_dm)
    resid = y_dm - X_dm @ beta
    rss = float(resid @ resid)

    x_means = X.mean(axis=0)
    params = np.append(beta, y.mean() - x_means @ beta)  # _cons: regression through the means
    bread = _augmented_bread(inv_xx, x_means, n)
    cov = _variance(vcov, bread, X_dm, x_means, resid, n, K, sample.cluster_codes, n_clusters)
    cov = (cov + cov.T) / 2
    df_resid = min(n_clusters - 1, n - k - df_a) if cluster else n - K
    se = np.sqrt(np.diag(cov))
    if not np.all(np.isfinite(se)) or np.any(se[:-1] <= 0):
        raise ValueError("the variance matrix is degenerate (zero or non-finite standard errors)")
    tstats = params / se
    fstat = _wald_f(beta, cov[:k, :k])

    terms = [*(regressors[j] for j in kept), CONST]
    omitted = [r for j, r in enumerate(regressors) if j not in kept]
    series = lambda a: pd.Series(a, index=terms, dtype=float)  # noqa: E731
    return FixedEffectsResult(
        params=series(params),
        std_errors=series(se),
        tstats=series(tstats),
        pvalues=series(2 * special.stdtr(df_resid, -np.abs(tstats))),
        cov=pd.DataFrame(cov, index=terms, columns=terms),
        nobs=n,
        n_clusters=n_clusters,
        df_resid=int(df_resid),
        rsquared=1 - rss / tss,
        rsquared_adj=1 - (rss / used_df_r) / (tss / (n - 1)),
        rsquared_within=1 - rss / tss_within,
        fstat=fstat,
        vcov_type=vcov,
        cluster=cluster,
        absorbed=dict(zip(absorb, n_levels)),
        dropped={"singletons": sample.n_singletons, "missing": sample.n_missing, "collinear": omitted},
        depvar=depvar,
        df_model=k,
        df_absorbed=df_a,
        f_pvalue=float(special.fdtrc(k, df_resid, fstat)),
        rss=rss,
        tss=tss,
        rmse=float(np.sqrt(rss / used_df_r)),
        notes=[f"{r} omitted because of collinearity" for r in omitted],
    )
