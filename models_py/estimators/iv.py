"""Two-stage least squares with absorbed fixed effects, reported as Stata's ivreghdfe / ivreg2.

    fit_iv(panel, "y", exog=["x2"], endog=["nqp"], instruments=["nqp_lag1"],
           absorb=["region_code", "year"], vcov="cluster", cluster="region_code")

is ``ivreghdfe y x2 (nqp = nqp_lag1), absorb(region_code year) cluster(region_code)``; with
``absorb=[]`` it is ``ivreg2 y x2 (nqp = nqp_lag1), small cluster(region_code)`` (an intercept is
included). vcov is "unadjusted", "hc1" (alias "robust") or "cluster".

Conventions (ivreghdfe 1.2 / ivreg2 4.1.11, ``src/ivreghdfe.ado``):

* ``absorb()`` implies ``small`` and ``noconstant``: y, the regressors and all instruments are
  demeaned by the Absorber, no ``_cons`` is reported, and the absorbed dof enter as ivreg2's
  ``sdofminus`` = reghdfe's df_a (levels minus redundant ones; a factor nested in the cluster
  variable counts none; 1 if every factor is nested). With ``absorb=[]`` there is a constant and
  sdofminus = 0. We always use ``small`` (t and F statistics, dof corrections).
* k = number of regressors (endogenous + exogenous kept + constant if any), K = k + sdofminus,
  L = number of instruments (excluded + exogenous + constant if any).
* unadjusted V = e'e/(N − K) · (X'P_Z X)⁻¹;  hc1 V = N/(N − K) · sandwich;
  cluster V = G/(G − 1) · (N − 1)/(N − K) · sandwich, with the scores X̂_i e_i (X̂ = P_Z X).
  df_resid = N − K, or G − 1 with clustering (ivreg2; reghdfe would use min(G − 1, N − K)).
* First stage of each endogenous regressor on all instruments, same VCE with L + sdofminus
  parameters (ivreg2 ``PostFirstRF``: V · N/(N − L − sdofminus), cluster
  (N − 1)/(N − L − sdofminus) · G/(G − 1)); its t statistics use df = N − L − sdofminus (the dof
  ivreg2 posts with the first-stage equation, also under clustering). The partial F of the
  excluded instruments is the Wald statistic with that V divided by L1, on (L1, N − L − sdofminus)
  or (L1, G − 1) dof (``s_ffirst``); partial R² and Shea's partial R² as ivreg2.
* R² is ivreg2's centered R² of the second stage, 1 − RSS/TSS of the (demeaned) dependent
  variable, so with absorbed fixed effects it is the within R² (ivreghdfe prints it as
  "Centered R2"); ``rsquared_within`` repeats it when effects are absorbed, NaN otherwise.
* F: Wald test of all coefficients except ``_cons`` divided by their number (ivreg2 with small).
* Diagnostics (formulas in models_py/estimators/weak_iv.py): the Cragg–Donald and rk Wald F use
  N − L − sdofminus, so absorbed effects reduce their dof exactly as ``partial()`` would, except
  that a factor nested in the cluster variable counts no level (ivreghdfe). The Anderson and rk
  LM statistics, Sargan and Hansen J use N (ivreghdfe sets no large-sample ``dofminus``;
  ``xtivreg2, fe`` would, so its LM statistics differ).
* Too few clusters: fewer than 2, or not more than the regressors k.

Rows with a missing value in any used column are dropped, then singletons of the absorbed
factors (reghdfe's iterative rule, unless ``drop_singletons=False``). An exogenous regressor
collinear with the fixed effects or earlier regressors is omitted with a warning; an endogenous
regressor or excluded instrument that is collinear is an error (the model is not identified).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import special
from scipy.sparse.linalg import lsqr

from models_py.estimators.demean import Absorber, ConvergenceError, group_sums
from models_py.estimators.fixed_effects import PanelFitResult
from models_py.estimators.numerics import (  # reghdfe's sample and dof rules, shared
    COLLINEAR_TOL,
    CONST,
    VCOV_ALIASES,
    VCOV_TYPES,
    absorbed_dof,
    collinear_columns,
    estimation_sample,
    is_nested,
    stars,
)
from models_py.estimators.weak_iv import RankTest, chi2_pvalue, hansen_j, partial_out, sargan, stock_yogo

# Excluded instruments whose smallest canonical correlation with the endogenous regressors is
# below this do not identify the model at all.
IDENTIFICATION_TOL = 1e-8
NAN = float("nan")


# --------------------------------------------------------------------------- results


@dataclass
class FirstStageResult:
    """First-stage regression of one endogenous regressor on all instruments (ivreg2 ``first``).
    Series are indexed by instrument: excluded ones, exogenous ones, ``_cons`` if any."""

    endog: str
    params: pd.Series
    std_errors: pd.Series
    tstats: pd.Series
    pvalues: pd.Series
    cov: pd.DataFrame
    df_resid: int
    partial_f: float
    partial_f_df: tuple[int, int]
    partial_f_pvalue: float
    partial_r2: float
    shea_partial_r2: float
    rmse: float


@dataclass(kw_only=True)
class IVResult(PanelFitResult):
    """2SLS estimates as ivreghdfe / ivreg2 report them. Terms: endogenous, then exogenous
    regressors, then ``_cons`` when no effects are absorbed; ``dropped["collinear"]`` lists omitted
    exogenous regressors; ``df_absorbed`` is the sdofminus used."""

    first_stage: dict[str, FirstStageResult]
    diagnostics: dict[str, float]
    endog: list[str] = field(default_factory=list)
    exog: list[str] = field(default_factory=list)
    instruments: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return _summary(self)


# --------------------------------------------------------------------------- arguments


def _normalise_vcov(vcov: str) -> str:
    vcov = VCOV_ALIASES.get(vcov, vcov)
    if vcov not in VCOV_TYPES:
        raise ValueError(f"vcov must be one of {VCOV_TYPES} (or 'robust'), got {vcov!r}")
    return vcov


def _check_arguments(data, depvar, exog, endog, instruments, absorb, vcov, cluster) -> list[str]:
    if vcov == "cluster" and not cluster:
        raise ValueError('vcov="cluster" needs a cluster variable (cluster=...)')
    if not endog:
        raise ValueError("at least one endogenous regressor is required (use fit_fixed_effects for OLS)")
    if len(instruments) < len(endog):
        raise ValueError(
            f"the model is not identified: {len(instruments)} excluded instrument(s) for "
            f"{len(endog)} endogenous regressor(s); need at least as many instruments"
        )
    variables = [depvar, *endog, *exog, *instruments]
    if len(set(variables)) != len(variables):
        raise ValueError("depvar, endogenous, exogenous regressors and instruments must be distinct variables")
    used = list(dict.fromkeys([*variables, *absorb, *([cluster] if cluster else [])]))
    missing_columns = [c for c in used if c not in data.columns]
    if missing_columns:
        raise ValueError(f"columns not in the data: {missing_columns}")
    for col in variables:
        if not (pd.api.types.is_numeric_dtype(data[col]) or pd.api.types.is_bool_dtype(data[col])):
            raise ValueError(f"column {col!r} must be numeric, it is {data[col].dtype}")
    return used


# --------------------------------------------------------------------------- design


@dataclass
class _Design:
    """Estimation matrices. With absorbed effects everything is demeaned and there is no
    constant; otherwise the raw columns and a constant column last (as ivreg2)."""

    y: np.ndarray
    X: np.ndarray  # [endogenous, exogenous kept, (1)]
    Z: np.ndarray  # [excluded instruments, exogenous kept, (1)]
    n_endog: int
    n_excluded: int
    has_const: bool
    regressors: list[str]
    instrument_names: list[str]
    omitted: list[str]

    @property
    def included(self) -> np.ndarray:
        """Included exogenous columns (and the constant)."""
        return self.X[:, self.n_endog :]

    def partialled(self) -> tuple[np.ndarray, np.ndarray]:
        """Endogenous regressors and excluded instruments with the included exogenous
        regressors (and constant) partialled out, as ranktest receives them."""
        Y = partial_out(self.X[:, : self.n_endog], self.included)
        Z1 = partial_out(self.Z[:, : self.n_excluded], self.included)
        return Y, Z1


def _demean(values: np.ndarray, codes: list[np.ndarray]) -> np.ndarray:
    """Absorber.demean. A column on which the alternating projections do not converge is, in
    practice, one lying in the span of the fixed effects (e.g. constant within regions on an
    unbalanced panel: only rounding noise is left to fit); it is residualised by sparse least
    squares on the dummies instead, so that the collinearity checks can name it."""
    absorber = Absorber(codes)
    try:
        return absorber.demean(values)
    except ConvergenceError:
        pass
    n = values.shape[0]
    dummies = sp.hstack([sp.csr_matrix((np.ones(n), (np.arange(n), c)), shape=(n, c.max() + 1)) for c in codes]).tocsr()
    out = np.empty_like(values, dtype=float)
    for j in range(values.shape[1]):
        try:
            out[:, j] = absorber.demean(values[:, j])
        except ConvergenceError:
            coef = lsqr(dummies, values[:, j], atol=1e-14, btol=1e-14, iter_lim=100 * dummies.shape[1])[0]
            out[:, j] = values[:, j] - dummies @ coef
    return out


def _design(values, codes, depvar, endog, exog, instruments, absorb) -> _Design:
    """Demean (or add a constant), then check collinearity in ivreg2's spirit: exogenous
    regressors may be omitted, endogenous regressors and excluded instruments may not."""
    raw = values
    within = _demean(values, codes) if absorb else values - values.mean(axis=0)
    tss, tss_within = float(((raw[:, 0] - raw[:, 0].mean()) ** 2).sum()), float(within[:, 0] @ within[:, 0])
    if tss == 0 or tss_within <= COLLINEAR_TOL * tss:
        where = " within the absorbed fixed effects" if absorb else ""
        raise ValueError(f"the dependent variable {depvar!r} is constant{where}")
    col = {name: j for j, name in enumerate([depvar, *endog, *exog, *instruments])}
    exog_idx, excl_idx, endog_idx = [col[v] for v in exog], [col[v] for v in instruments], [col[v] for v in endog]

    # Exogenous regressors first (kept ones are the reference), then the excluded instruments.
    order = exog_idx + excl_idx
    w = within[:, order]
    bad = collinear_columns(w.T @ w, raw[:, order])
    omitted = [exog[j] for j in bad if j < len(exog)]
    bad_instruments = [instruments[j - len(exog)] for j in bad if j >= len(exog)]
    if bad_instruments:
        raise ValueError(
            f"excluded instrument(s) {bad_instruments} collinear with the fixed effects, the exogenous "
            "regressors or the other instruments: the model is not identified"
        )
    for name in omitted:
        warnings.warn(f"{name} omitted because of collinearity", stacklevel=3)
    exog_kept = [v for v in exog if v not in omitted]
    kept_idx = [col[v] for v in exog_kept]

    order = kept_idx + endog_idx
    w = within[:, order]
    bad_endog = [endog[j - len(kept_idx)] for j in collinear_columns(w.T @ w, raw[:, order]) if j >= len(kept_idx)]
    if bad_endog:
        raise ValueError(
            f"endogenous regressor(s) {bad_endog} collinear with the fixed effects, the exogenous regressors "
            "or each other: the model is not identified"
        )

    source = within if absorb else raw
    ones = [] if absorb else [np.ones((values.shape[0], 1))]
    X = np.hstack([source[:, endog_idx], source[:, kept_idx], *ones])
    Z = np.hstack([source[:, excl_idx], source[:, kept_idx], *ones])
    const = [] if absorb else [CONST]
    return _Design(
        y=source[:, 0],
        X=X,
        Z=Z,
        n_endog=len(endog),
        n_excluded=len(instruments),
        has_const=not absorb,
        regressors=[*endog, *exog_kept, *const],
        instrument_names=[*instruments, *exog_kept, *const],
        omitted=omitted,
    )


# --------------------------------------------------------------------------- variance


@dataclass
class _Vce:
    """What a VCE needs besides the bread and the scores."""

    kind: str
    n: int
    clusters: np.ndarray | None
    n_clusters: int | None

    def meat(self, scores: np.ndarray) -> np.ndarray:
        if self.clusters is not None:
            scores = group_sums(self.clusters, self.n_clusters, scores)
        return scores.T @ scores

    def small_factor(self, n_params: int) -> float:
        """ivreg2 ``small``: N/(N − K) for hc1, G/(G − 1)·(N − 1)/(N − K) for cluster (and the
        unadjusted σ² = e'e/(N − K), applied by the caller)."""
        if self.kind == "cluster":
            return self.n_clusters / (self.n_clusters - 1) * (self.n - 1) / (self.n - n_params)
        return self.n / (self.n - n_params)

    def covariance(self, bread: np.ndarray, regressors: np.ndarray, resid: np.ndarray, n_params: int) -> np.ndarray:
        """V of a (2S)LS fit whose normal equations are regressors'(y − Xb) = 0."""
        if self.kind == "unadjusted":
            cov = float(resid @ resid) / (self.n - n_params) * bread
        else:
            cov = self.small_factor(n_params) * bread @ self.meat(regressors * resid[:, None]) @ bread
        return (cov + cov.T) / 2

    def df_resid(self, n_params: int) -> int:
        return self.n_clusters - 1 if self.kind == "cluster" else self.n - n_params


def _inverse(A: np.ndarray) -> np.ndarray:
    scale = np.sqrt(np.diag(A))
    return np.linalg.inv(A / np.outer(scale, scale)) / np.outer(scale, scale)


def _t_table(params, cov, df, index) -> tuple[pd.Series, ...]:
    se = np.sqrt(np.diag(cov))
    t = params / se
    series = lambda a: pd.Series(a, index=index, dtype=float)  # noqa: E731
    return series(params), series(se), series(t), series(2 * special.stdtr(df, -np.abs(t)))


def _wald(beta: np.ndarray, cov: np.ndarray) -> float:
    try:
        return float(beta @ np.linalg.solve(cov, beta))
    except np.linalg.LinAlgError:
        return NAN


# --------------------------------------------------------------------------- stages


def _first_stages(d: _Design, vce: _Vce, sdofminus: int, Y_partialled: np.ndarray, endog: list[str]):
    """ivreg2's first-stage regressions and summary statistics (``s_ffirst``, ``PostFirstRF``)."""
    n, L, L1 = d.y.shape[0], d.Z.shape[1], d.n_excluded
    n_params = L + sdofminus
    zz_inv = _inverse(d.Z.T @ d.Z)
    coef = zz_inv @ (d.Z.T @ d.X[:, : d.n_endog])
    df_t = n - n_params  # dof ivreg2 posts with each first-stage equation
    df_f = vce.df_resid(n_params)  # dof of the F test of the excluded instruments
    # Shea partial R²: diag((X'X)⁻¹) / diag((X'P_Z X)⁻¹) of the second stage.
    xhat = d.Z @ (zz_inv @ (d.Z.T @ d.X))
    shea = np.diag(_inverse(d.X.T @ d.X)) / np.diag(_inverse(xhat.T @ d.X))
    results = {}
    for j, name in enumerate(endog):
        resid = d.X[:, j] - d.Z @ coef[:, j]
        cov = vce.covariance(zz_inv, d.Z, resid, n_params)
        params, se, t, p = _t_table(coef[:, j], cov, df_t, d.instrument_names)
        partial_f = _wald(coef[:L1, j], cov[:L1, :L1]) / L1
        rss = float(resid @ resid)
        restricted = float(Y_partialled[:, j] @ Y_partialled[:, j])
        results[name] = FirstStageResult(
            endog=name,
            params=params,
            std_errors=se,
            tstats=t,
            pvalues=p,
            cov=pd.DataFrame(cov, index=d.instrument_names, columns=d.instrument_names),
            df_resid=int(df_t),
            partial_f=partial_f,
            partial_f_df=(L1, int(df_f)),
            partial_f_pvalue=float(special.fdtrc(L1, df_f, partial_f)),
            partial_r2=1 - rss / restricted,
            shea_partial_r2=float(shea[j]),
            rmse=float(np.sqrt(rss / df_t)),
        )
    return results


def _diagnostics(d: _Design, e: np.ndarray, vce: _Vce, sdofminus: int, rank: RankTest) -> dict:
    """ivreg2's identification block, names as it prints them (module weak_iv)."""
    n, L = d.y.shape[0], d.Z.shape[1]
    K1, L1 = d.n_endog, d.n_excluded
    id_df, overid_df = L1 - K1 + 1, L1 - K1
    ev = rank.min_eigenvalue
    out = dict.fromkeys(
        ["anderson_lm", "anderson_lm_p", "cragg_donald_f", "kp_rk_lm", "kp_rk_lm_p", "kp_rk_wald_f",
         "sargan", "sargan_p", "hansen_j", "hansen_j_p"], NAN,
    )
    # Cragg–Donald F: ivreg2 reports it for every VCE (e(cdf)); widstat is it only when iid.
    out["cragg_donald_f"] = ev / (1 - ev) * (n - L - sdofminus) / L1
    if vce.kind == "unadjusted":
        out["anderson_lm"] = n * ev
        out["anderson_lm_p"] = chi2_pvalue(out["anderson_lm"], id_df)
        if overid_df > 0:
            out["sargan"] = sargan(e, d.Z)
            out["sargan_p"] = chi2_pvalue(out["sargan"], overid_df)
    else:
        lm = rank.kleibergen_paap(wald=False, clusters=vce.clusters, n_clusters=vce.n_clusters)
        rk = rank.kleibergen_paap(wald=True, clusters=vce.clusters, n_clusters=vce.n_clusters)
        if vce.kind == "cluster":
            G = vce.n_clusters
            out["kp_rk_wald_f"] = rk / (n - 1) * (n - L - sdofminus) * (G - 1) / G / L1
        else:
            out["kp_rk_wald_f"] = rk / n * (n - L - sdofminus) / L1
        out["kp_rk_lm"] = lm
        out["kp_rk_lm_p"] = chi2_pvalue(lm, id_df)
        if overid_df > 0:
            out["hansen_j"] = hansen_j(d.y, d.X, d.Z, e, vce.clusters, vce.n_clusters)
            out["hansen_j_p"] = chi2_pvalue(out["hansen_j"], overid_df)
    out["n_instruments"] = float(L1)
    out["n_endogenous"] = float(K1)
    out |= stock_yogo(L1, K1)
    return out


# --------------------------------------------------------------------------- estimator


def _absorbed_dof(sample, absorb: list[str], cluster: str | None) -> tuple[int, int, list[int]]:
    """(sdofminus, all absorbed levels net of redundant ones, levels per factor).

    sdofminus is ivreghdfe's: reghdfe's df_a, where a factor nested in the cluster variable
    counts no level, and 1 when every factor is nested (``if (absorb_ct==0) loc absorb_ct 1``)."""
    if not absorb:
        return 0, 0, []
    n_levels = [int(c.max()) + 1 for c in sample.codes]
    nested = [
        cluster is not None and (name == cluster or is_nested(c, sample.cluster_codes))
        for name, c in zip(absorb, sample.codes)
    ]
    df_a, df_a_nested = absorbed_dof(sample.codes, n_levels, nested)
    return max(df_a, 1), df_a + df_a_nested, n_levels


def _check_sizes(n: int, k: int, L: int, absorbed_levels: int, cluster: str | None, n_clusters: int | None) -> None:
    """Enough observations for the first stage (every absorbed level counted, as reghdfe's
    used_df_r) and more clusters than regressors."""
    if n - (L + absorbed_levels) < 1:
        raise ValueError(
            f"too few observations: {n} observations for {L + absorbed_levels} first-stage parameters "
            f"({L} instruments and {absorbed_levels} absorbed levels); no residual degrees of freedom left"
        )
    if cluster and n_clusters < 2:
        raise ValueError(f"too few clusters: {n_clusters} cluster(s) in {cluster!r}; need at least 2")
    if cluster and n_clusters <= k:
        raise ValueError(
            f"too few clusters: {n_clusters} clusters in {cluster!r} for {k} regressors; "
            "need more clusters than regressors"
        )


def _identification(d: _Design) -> RankTest:
    rank = RankTest(*d.partialled())
    if rank.cc[-1] < IDENTIFICATION_TOL:
        raise ValueError(
            "the excluded instruments do not identify the model: after partialling out the fixed effects and "
            "exogenous regressors they are uncorrelated with (a combination of) the endogenous regressors"
        )
    return rank


def _two_sls(d: _Design, vce: _Vce, n_params: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(b, residuals, V): b = (X'P_Z X)⁻¹ X'P_Z y, the projection through a QR factor of Z."""
    Q, _ = np.linalg.qr(d.Z)
    xhat = Q @ (Q.T @ d.X)
    bread = _inverse(xhat.T @ d.X)
    beta = bread @ (xhat.T @ d.y)
    resid = d.y - d.X @ beta
    return beta, resid, vce.covariance(bread, xhat, resid, n_params)


def _notes(d: _Design, diagnostics: dict, vcov: str) -> list[str]:
    notes = [f"{name} omitted because of collinearity" for name in d.omitted]
    if vcov != "unadjusted" and d.n_excluded > d.n_endog and np.isnan(diagnostics["hansen_j"]):
        notes.append("Hansen J not available: the covariance of the moment conditions is not of full rank")
    if vcov != "unadjusted" and np.isnan(diagnostics["kp_rk_lm"]):
        notes.append("Kleibergen-Paap statistics not available: their covariance matrix is not of full rank")
    return notes


def fit_iv(
    data: pd.DataFrame,
    depvar: str,
    exog: list[str],
    endog: list[str],
    instruments: list[str],
    absorb: list[str] = ["region_code", "year"],  # noqa: B006 - never mutated
    vcov: str = "cluster",
    cluster: str | None = "region_code",
    drop_singletons: bool = True,
) -> IVResult:
    """2SLS of ``depvar`` on ``endog`` + ``exog``, instrumenting ``endog`` by ``instruments``,
    absorbing ``absorb`` (ivreghdfe) or with an intercept when ``absorb=[]`` (ivreg2, small).
    See the module docstring for every convention. Raises ValueError when the model is not
    identified, on too few clusters or observations, and on bad arguments."""
    exog, endog, instruments, absorb = list(exog), list(endog), list(instruments), list(absorb)
    vcov = _normalise_vcov(vcov)
    cluster = cluster if vcov == "cluster" else None
    used = _check_arguments(data, depvar, exog, endog, instruments, absorb, vcov, cluster)
    sample = estimation_sample(data, used, [depvar, *endog, *exog, *instruments], absorb, cluster,
                                drop_singletons and bool(absorb))
    n = sample.values.shape[0]
    n_clusters = int(sample.cluster_codes.max()) + 1 if cluster else None
    sdofminus, absorbed_levels, n_levels = _absorbed_dof(sample, absorb, cluster)
    const = int(not absorb)  # counts as specified, before collinear exogenous regressors are omitted
    _check_sizes(n, len(endog) + len(exog) + const, len(instruments) + len(exog) + const, absorbed_levels,
                 cluster, n_clusters)

    d = _design(sample.values, sample.codes, depvar, endog, exog, instruments, absorb)
    rank = _identification(d)
    k = d.X.shape[1]
    vce = _Vce(vcov, n, sample.cluster_codes, n_clusters)
    beta, resid, cov = _two_sls(d, vce, k + sdofminus)
    df_resid = vce.df_resid(k + sdofminus)
    params, se, t, p = _t_table(beta, cov, df_resid, d.regressors)
    if not np.all(np.isfinite(se)) or np.any(se <= 0):
        raise ValueError("the variance matrix is degenerate (zero or non-finite standard errors)")
    diagnostics = _diagnostics(d, resid, vce, sdofminus, rank)

    df_model = k - const
    fstat = _wald(beta[:df_model], cov[:df_model, :df_model]) / df_model  # all but _cons (last)
    rss = float(resid @ resid)
    rsquared = 1 - rss / float(((d.y - d.y.mean()) ** 2).sum())
    return IVResult(
        params=params,
        std_errors=se,
        tstats=t,
        pvalues=p,
        cov=pd.DataFrame(cov, index=d.regressors, columns=d.regressors),
        nobs=n,
        n_clusters=n_clusters,
        df_resid=int(df_resid),
        rsquared=rsquared,
        rsquared_within=rsquared if absorb else NAN,
        vcov_type=vcov,
        cluster=cluster,
        absorbed=dict(zip(absorb, n_levels)),
        dropped={"singletons": sample.n_singletons, "missing": sample.n_missing, "collinear": d.omitted},
        first_stage=_first_stages(d, vce, sdofminus, rank.Y, endog),
        diagnostics=diagnostics,
        depvar=depvar,
        endog=endog,
        exog=[v for v in exog if v not in d.omitted],
        instruments=instruments,
        df_model=df_model,
        df_absorbed=sdofminus,
        fstat=fstat,
        f_pvalue=float(special.fdtrc(df_model, df_resid, fstat)) if np.isfinite(fstat) else NAN,
        rss=rss,
        rmse=float(np.sqrt(rss / (n - k - sdofminus))),
        notes=_notes(d, diagnostics, vcov),
    )


# --------------------------------------------------------------------------- summary


def _fmt(value: float, spec: str = ".4f") -> str:
    return format(value, spec) if np.isfinite(value) else "."


def _header_lines(res: IVResult) -> list[str]:
    vce = {
        "unadjusted": "Statistics consistent for homoskedasticity only",
        "hc1": "Statistics robust to heteroskedasticity",
        "cluster": f"Statistics robust to heteroskedasticity and clustering on {res.cluster} "
        f"({res.n_clusters} clusters)",
    }[res.vcov_type]
    title = "IV (2SLS) estimation" + (f", absorbing {len(res.absorbed)} factor(s)" if res.absorbed else "")
    header = [
        ("Number of obs", f"{res.nobs:,}"),
        (f"F({res.df_model}, {res.df_resid})", _fmt(res.fstat, ".2f")),
        ("Prob > F", _fmt(res.f_pvalue)),
        ("Centered R2", _fmt(res.rsquared)),
        ("Root MSE", _fmt(res.rmse)),
    ]
    return [title, f"  {vce}", ""] + [f"  {name:<16}= {value:>14}" for name, value in header]


def _coefficient_lines(res: IVResult, width: int) -> list[str]:
    ci = res.conf_int()
    rule = "-" * (width + 79)
    lines = [rule, f"{res.depvar:>{width}} | {'Coefficient':>12} {'Std. err.':>12} {'t':>9} {'P>|t|':>7}"
             f"      {'[95% conf. interval]':>25}", rule]
    for term in res.params.index:
        lines.append(
            f"{term:>{width}} | {res.params[term]:>12.6g} {res.std_errors[term]:>12.6g} {res.tstats[term]:>9.2f} "
            f"{res.pvalues[term]:>7.3f} {stars(res.pvalues[term]):<3}  {ci.loc[term, 'lower']:>12.6g} "
            f"{ci.loc[term, 'upper']:>12.6g}"
        )
    return lines + [rule]


def _diagnostic_lines(res: IVResult) -> list[str]:
    """The identification block in ivreg2's words."""
    dg = res.diagnostics
    id_df = int(dg["n_instruments"] - dg["n_endogenous"] + 1)
    overid_df = int(dg["n_instruments"] - dg["n_endogenous"])
    chi2 = lambda stat, p, df: f"{_fmt(dg[stat], '.3f')}  Chi-sq({df}) P-val = {_fmt(dg[p])}"  # noqa: E731
    if res.vcov_type == "unadjusted":
        under = f"(Anderson canon. corr. LM statistic): {chi2('anderson_lm', 'anderson_lm_p', id_df)}"
    else:
        under = f"(Kleibergen-Paap rk LM statistic): {chi2('kp_rk_lm', 'kp_rk_lm_p', id_df)}"
    lines = [f"Underidentification test {under}"]
    lines.append(f"Weak identification test (Cragg-Donald Wald F statistic): {_fmt(dg['cragg_donald_f'], '.3f')}")
    if res.vcov_type != "unadjusted":
        lines.append(f"{'':>25}(Kleibergen-Paap rk Wald F statistic): {_fmt(dg['kp_rk_wald_f'], '.3f')}")
    lines.append("Stock-Yogo weak ID test critical values:")
    labels = [(f"stock_yogo_iv_bias_{p}", f"{p}% maximal IV relative bias") for p in (5, 10, 20, 30)]
    labels += [(f"stock_yogo_iv_size_{p}", f"{p}% maximal IV size") for p in (10, 15, 20, 25)]
    lines += [f"  {label:<30}{dg[key]:>8.2f}" for key, label in labels if np.isfinite(dg[key])]
    if overid_df == 0:
        lines.append("Overidentification test: equation exactly identified")
    elif res.vcov_type == "unadjusted":
        lines.append(f"Sargan statistic: {chi2('sargan', 'sargan_p', overid_df)}")
    else:
        lines.append(f"Hansen J statistic: {chi2('hansen_j', 'hansen_j_p', overid_df)}")
    return lines


def _first_stage_lines(res: IVResult, width: int) -> list[str]:
    lines = ["First-stage summary (F test of excluded instruments, partial R2):"]
    for name, fs in res.first_stage.items():
        lines.append(
            f"  {name:<{width}}  F({fs.partial_f_df[0]}, {fs.partial_f_df[1]}) = {fs.partial_f:>9.2f}"
            f"  Prob > F = {fs.partial_f_pvalue:.4f}  partial R2 = {fs.partial_r2:.4f}"
            f"  Shea = {fs.shea_partial_r2:.4f}"
        )
    return lines


def _footer_lines(res: IVResult) -> list[str]:
    lines = [
        f"Instrumented: {' '.join(res.endog)}",
        f"Included instruments: {' '.join(res.exog) or '(none)'}",
        f"Excluded instruments: {' '.join(res.instruments)}",
    ]
    if res.absorbed:
        levels = ", ".join(f"{name} ({lv} levels)" for name, lv in res.absorbed.items())
        lines.append(f"Absorbed fixed effects: {levels}; {res.df_absorbed} absorbed dof")
    lines.append(f"Dropped: {res.dropped['missing']} rows with missing values, "
                 f"{res.dropped['singletons']} singleton observations")
    lines += [f"note: {note}" for note in res.notes]
    return lines + ["* p<0.10, ** p<0.05, *** p<0.01"]


def _summary(res: IVResult) -> str:
    width = max(12, *(len(t) for t in res.params.index))
    return "\n".join(
        _header_lines(res) + _coefficient_lines(res, width) + _diagnostic_lines(res)
        + _first_stage_lines(res, width) + _footer_lines(res)
    )
