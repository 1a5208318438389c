"""SAR, SEM and SDM with fixed effects by maximum likelihood (Elhorst 2014, ch. 3; Stata xsmle).

    fit_spatial_panel(panel, "y", ["x1", "x2"], weights, model="sdm", effects="both")

is ``xsmle y x1 x2, wmat(W) model(sdm) fe type(both) effects``; ``lee_yu=True`` is
``type(both, leeyu)`` (off by default there too).

Models, with u_t = mu + alpha_t + e_t (unit and/or time fixed effects):
  sar  y_t = rho W y_t + X_t b + u_t
  sdm  y_t = rho W y_t + X_t b + W X_t theta + u_t
  sem  y_t = X_t b + v_t,  v_t = lambda W v_t + u_t

Estimation (balanced panels only):
* Direct approach (default): demean y, X (and WX) by unit, by period or both (y_it - y_i. - y_.t
  + y_..), then maximise the log-likelihood concentrated in rho / lambda, with
  log|I - rho W| = sum log|1 - rho w_j| over the eigenvalues w_j of W (computed once).
  sigma2 = e'e / (nT). With both effects this is Elhorst's demeaning; sigma2 (and, for time
  effects, rho) carry the incidental-parameter bias that Lee & Yu (2010) describe.
* Lee-Yu (``lee_yu=True``): the orthonormal transformation of Lee & Yu (2010, J. Econometrics
  154): the T periods become T-1 by an orthonormal basis F_T of the deviations from time means
  (Helmert rows), the n units become n-1 by F_n when time effects are in (valid because W is
  row-standardised, so W' = F_n' W F_n carries the model), and the transformed panel is fitted
  with no effects. For unit effects only this changes sigma2 alone (x T/(T-1)); with time effects
  it changes rho too (the Jacobian loses the eigenvalue 1 of W).
* Variance: the inverse of the analytic information matrix at the estimate (Elhorst 2014,
  eqs 3.21-3.22 and their SEM analogue; spreg's ML_LagFE / ML_ErrorFE and splm use the same),
  reported with z statistics. ``vce="oim"`` uses minus the analytic Hessian of the full
  log-likelihood instead (the observed information Stata's ml reports, xsmle's vce(oim)). sigma2 is a parameter (its SE is reported and it counts in AIC / BIC, as
  Stata's ml counts it).
* Effects (SAR, SDM; LeSage & Pace 2009): for each regressor k, with S = I - rho W on the
  original W, direct = mean diag S^-1 (b_k I + theta_k W) = b_k a(rho) + theta_k c(rho) with
  a = mean 1/(1 - rho w_j), c = mean w_j/(1 - rho w_j); total = (b_k + theta_k)/(1 - rho)
  (rows sum to one); indirect = total - direct. Point estimates are at the ML estimate; standard
  errors are the standard deviations over ``draws`` parameter vectors drawn from the asymptotic
  normal distribution N(estimate, V) (seeded), as xsmle's ``effects nsim()``.
* SDM diagnostics: Wald tests of theta = 0 (SDM -> SAR) and theta + rho b = 0 (SDM -> SEM, delta
  method), and the LR tests against the fitted SAR and SEM.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from models_py.errors import DataError
from models_py.estimators.diagnostic import Diagnostic
from models_py.estimators.results import Equation  # one per equation: main, Wx, spatial, variance, effects
from models_py.spatial.weights import SpatialWeights

MODELS = ("sar", "sdm", "sem")
EFFECTS = ("unit", "time", "both")
VCE_TYPES = ("information", "oim")  # expected information (Elhorst, spreg, splm) / observed (Stata ml)
LAG_PREFIX = "W."  # term name of a spatially lagged regressor in the flat params index
SIGMA2 = "sigma2_e"  # xsmle's name
BOUND_MARGIN = 1e-7  # rho stays this far inside (1/w_min, 1/w_max) where |I - rho W| is positive
XTOL = 1e-12


@dataclass(frozen=True)
class SpatialPanelResult:
    """A spatial panel ML fit, in the shape every estimator result has (params ... diagnostics)."""

    model: str
    effects: str
    lee_yu: bool
    params: pd.Series
    std_errors: pd.Series
    stats: pd.Series
    pvalues: pd.Series
    cov: pd.DataFrame
    nobs: int
    n_units: int
    n_periods: int
    log_likelihood: float
    aic: float
    bic: float
    sigma2: float
    spatial_parameter: float
    equations: dict[str, Equation]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    effect_draws: int = 0
    seed: int | None = None
    stat_kind: str = "z"


# ----------------------------------------------------------------------------------------- data
def _panel_arrays(panel: pd.DataFrame, y: str, xs: list[str], weights: SpatialWeights, unit: str, time: str):
    """y as (T, n), X as (T, n, k), units in the order of ``weights.codes``; errors name the cell."""
    missing_columns = [c for c in [unit, time, y, *xs] if c not in panel.columns]
    if missing_columns:
        raise DataError(f"spatial panel: no column {missing_columns[0]!r}", column=missing_columns[0])
    if not xs:
        raise ValueError("spatial panel: at least one regressor is needed")
    if len(set(xs)) != len(xs) or y in xs:
        raise ValueError(f"spatial panel: regressors repeat or include the outcome: {xs}")
    frame = panel[[unit, time, y, *xs]]
    for column in (y, *xs):
        bad = frame[frame[column].isna() | ~np.isfinite(pd.to_numeric(frame[column], errors="coerce"))]
        if len(bad):
            first = bad.iloc[0]
            raise DataError(f"spatial panel: {column} is missing or not finite (the ML estimator needs a "
                            "balanced panel; drop the region or the year explicitly)", column=column,
                            region=first[unit], year=first[time])
    duplicated = frame[frame.duplicated([unit, time])]
    if len(duplicated):
        first = duplicated.iloc[0]
        raise DataError("spatial panel: a region appears twice in one year", region=first[unit], year=first[time])
    codes = list(weights.codes)
    units = set(frame[unit])
    not_in_weights = sorted(units - set(codes))
    if not_in_weights:
        raise DataError(f"spatial panel: region not in the {weights.kind} weights", region=not_in_weights[0])
    absent = [code for code in codes if code not in units]
    if absent:
        raise DataError(f"spatial panel: the {weights.kind} weights have regions the panel lacks; the panel "
                        "must hold every region of W (restrict W explicitly with SpatialWeights.aligned)",
                        region=absent[0])
    periods = sorted(frame[time].unique())
    counts = frame.groupby(unit)[time].nunique()
    short = counts[counts < len(periods)]
    if len(short):
        have = set(frame.loc[frame[unit] == short.index[0], time])
        gap = next(p for p in periods if p not in have)
        raise DataError(f"spatial panel: unbalanced panel ({short.index[0]} has {int(short.iloc[0])} of "
                        f"{len(periods)} years); the ML estimator needs every region in every year",
                        region=short.index[0], year=gap)
    if len(periods) < 2:
        raise DataError("spatial panel: fixed effects need at least two years")
    ordered = frame.set_index([time, unit]).sort_index().reindex(
        pd.MultiIndex.from_product([periods, codes], names=[time, unit]))
    n, t = len(codes), len(periods)
    outcome = ordered[y].to_numpy(float).reshape(t, n)
    regressors = ordered[xs].to_numpy(float).reshape(t, n, len(xs))
    return outcome, regressors, periods


def helmert(size: int) -> np.ndarray:
    """(size-1, size) orthonormal rows orthogonal to the ones vector (F' in Lee & Yu's notation)."""
    rows = np.zeros((size - 1, size))
    for k in range(1, size):
        rows[k - 1, :k] = 1.0
        rows[k - 1, k] = -float(k)
        rows[k - 1] /= np.sqrt(k * (k + 1.0))
    return rows


def _transform(array: np.ndarray, effects: str, lee_yu: bool) -> np.ndarray:
    """Remove the fixed effects from a (T, n, ...) array: demeaning, or Lee-Yu's F_T' / F_n."""
    out = array
    if effects in ("unit", "both"):
        out = np.tensordot(helmert(out.shape[0]), out, axes=(1, 0)) if lee_yu else out - out.mean(axis=0, keepdims=True)
    if effects in ("time", "both"):
        if lee_yu:
            out = np.moveaxis(np.tensordot(helmert(out.shape[1]), out, axes=(1, 1)), 0, 1)
        else:
            out = out - out.mean(axis=1, keepdims=True)
    return out


def _spatial_lag(matrix: np.ndarray, array: np.ndarray) -> np.ndarray:
    """W applied to each period of a (T, n) or (T, n, k) array."""
    return np.einsum("ij,tj...->ti...", matrix, array)


# ---------------------------------------------------------------------------------- estimation
@dataclass
class _Transformed:
    y: np.ndarray  # (T', n')
    x: np.ndarray  # (T', n', k)
    w: np.ndarray  # (n', n')
    eig: np.ndarray  # eigenvalues of w
    periods: int
    units: int

    @property
    def nobs(self) -> int:
        return self.periods * self.units

    def log_det(self, rho: float) -> float:
        return float(np.sum(np.log(np.abs(1.0 - rho * self.eig))))


def _bounds(eigenvalues: np.ndarray) -> tuple[float, float]:
    real = eigenvalues.real[np.abs(eigenvalues.imag) < 1e-10]
    low = 1.0 / real.min() if real.min() < 0 else -1.0
    high = 1.0 / real.max()
    return low + BOUND_MARGIN, high - BOUND_MARGIN


def _ols(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(x, y, rcond=None)[0]


def _fit_lag(data: _Transformed, bounds):
    """SAR / SDM: concentrated likelihood in rho (Anselin's e0 / e1 residuals)."""
    n_obs, k = data.nobs, data.x.shape[-1]
    x = data.x.reshape(n_obs, k)
    y = data.y.reshape(n_obs)
    wy = _spatial_lag(data.w, data.y).reshape(n_obs)
    e0 = y - x @ _ols(x, y)
    e1 = wy - x @ _ols(x, wy)
    e00, e01, e11 = e0 @ e0, e0 @ e1, e1 @ e1

    def negative(rho):
        return n_obs / 2 * np.log((e00 - 2 * rho * e01 + rho * rho * e11) / n_obs) - data.periods * data.log_det(rho)

    rho = optimize.minimize_scalar(negative, bounds=bounds, method="bounded", options={"xatol": XTOL}).x
    beta = _ols(x, y - rho * wy)
    resid = y - rho * wy - x @ beta
    return rho, beta, resid


def _fit_error(data: _Transformed, bounds):
    """SEM: concentrated likelihood in lambda (beta by OLS on the filtered data)."""
    n_obs, k = data.nobs, data.x.shape[-1]
    x = data.x.reshape(n_obs, k)
    y = data.y.reshape(n_obs)
    wy = _spatial_lag(data.w, data.y).reshape(n_obs)
    wx = _spatial_lag(data.w, data.x).reshape(n_obs, k)

    def filtered(lam):
        ys, xs = y - lam * wy, x - lam * wx
        beta = _ols(xs, ys)
        return beta, ys - xs @ beta

    def negative(lam):
        resid = filtered(lam)[1]
        return n_obs / 2 * np.log(resid @ resid / n_obs) - data.periods * data.log_det(lam)

    lam = optimize.minimize_scalar(negative, bounds=bounds, method="bounded", options={"xatol": XTOL}).x
    beta, resid = filtered(lam)
    return lam, beta, resid


def _information_lag(data: _Transformed, rho: float, beta: np.ndarray, sigma2: float) -> np.ndarray:
    """Information matrix of (beta, rho, sigma2) for SAR / SDM (Elhorst 2014, eq. 3.21)."""
    n_obs, k = data.nobs, data.x.shape[-1]
    x = data.x.reshape(n_obs, k)
    g = data.w @ np.linalg.inv(np.eye(data.units) - rho * data.w)
    gxb = _spatial_lag(g, (data.x @ beta)).reshape(n_obs)
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = x.T @ x / sigma2
    info[:k, k] = info[k, :k] = x.T @ gxb / sigma2
    info[k, k] = data.periods * (np.trace(g @ g) + np.sum(g * g)) + gxb @ gxb / sigma2
    info[k, k + 1] = info[k + 1, k] = data.periods * np.trace(g) / sigma2
    info[k + 1, k + 1] = n_obs / (2 * sigma2 ** 2)
    return info


def _information_error(data: _Transformed, lam: float, sigma2: float) -> np.ndarray:
    """Information matrix of (beta, lambda, sigma2) for SEM (beta block-orthogonal to the rest)."""
    n_obs, k = data.nobs, data.x.shape[-1]
    xs = (data.x - lam * _spatial_lag(data.w, data.x)).reshape(n_obs, k)
    h = data.w @ np.linalg.inv(np.eye(data.units) - lam * data.w)
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = xs.T @ xs / sigma2
    info[k, k] = data.periods * (np.trace(h @ h) + np.sum(h * h))
    info[k, k + 1] = info[k + 1, k] = data.periods * np.trace(h) / sigma2
    info[k + 1, k + 1] = n_obs / (2 * sigma2 ** 2)
    return info


def _observed_lag(data: _Transformed, rho: float, beta: np.ndarray, sigma2: float) -> np.ndarray:
    """Minus the Hessian of the SAR / SDM log-likelihood in (beta, rho, sigma2) at the estimate
    (Stata ml's observed information, xsmle's default vce(oim))."""
    n_obs, k = data.nobs, data.x.shape[-1]
    x = data.x.reshape(n_obs, k)
    wy = _spatial_lag(data.w, data.y).reshape(n_obs)
    e = data.y.reshape(n_obs) - rho * wy - x @ beta
    tr_g2 = float(np.sum((data.eig / (1 - rho * data.eig)) ** 2).real)
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = x.T @ x / sigma2
    info[:k, k] = info[k, :k] = x.T @ wy / sigma2
    info[:k, k + 1] = info[k + 1, :k] = x.T @ e / sigma2 ** 2
    info[k, k] = data.periods * tr_g2 + wy @ wy / sigma2
    info[k, k + 1] = info[k + 1, k] = wy @ e / sigma2 ** 2
    info[k + 1, k + 1] = e @ e / sigma2 ** 3 - n_obs / (2 * sigma2 ** 2)
    return info


def _observed_error(data: _Transformed, lam: float, beta: np.ndarray, sigma2: float) -> np.ndarray:
    """Minus the Hessian of the SEM log-likelihood in (beta, lambda, sigma2) at the estimate."""
    n_obs, k = data.nobs, data.x.shape[-1]
    x = data.x.reshape(n_obs, k)
    wx = _spatial_lag(data.w, data.x).reshape(n_obs, k)
    u = data.y.reshape(n_obs) - x @ beta
    wu = _spatial_lag(data.w, (data.y - data.x @ beta)).reshape(n_obs)
    xs = x - lam * wx
    e = u - lam * wu
    tr_h2 = float(np.sum((data.eig / (1 - lam * data.eig)) ** 2).real)
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = xs.T @ xs / sigma2
    info[:k, k] = info[k, :k] = (wx.T @ e + xs.T @ wu) / sigma2
    info[:k, k + 1] = info[k + 1, :k] = xs.T @ e / sigma2 ** 2
    info[k, k] = data.periods * tr_h2 + wu @ wu / sigma2
    info[k, k + 1] = info[k + 1, k] = wu @ e / sigma2 ** 2
    info[k + 1, k + 1] = e @ e / sigma2 ** 3 - n_obs / (2 * sigma2 ** 2)
    return info


def _equation(params: pd.Series, se: pd.Series) -> Equation:
    z = params / se
    return Equation(params, se, z, pd.Series(2 * stats.norm.sf(np.abs(z)), index=params.index), "z")


def _effects(w_eig: np.ndarray, beta: np.ndarray, theta: np.ndarray | None, rho: np.ndarray):
    """Direct / indirect / total for arrays of draws: beta, theta (draws, k), rho (draws,)."""
    scale = 1.0 / (1.0 - rho[:, None] * w_eig[None, :])
    own = np.mean(scale, axis=1).real[:, None]  # mean diag of S^-1
    own_w = np.mean(w_eig[None, :] * scale, axis=1).real[:, None]  # mean diag of S^-1 W
    lagged = np.zeros_like(beta) if theta is None else theta
    direct = beta * own + lagged * own_w
    total = (beta + lagged) / (1.0 - rho[:, None])
    return direct, total - direct, total


def fit_spatial_panel(panel: pd.DataFrame, y: str, xs: list[str], weights: SpatialWeights, *,
                      model: str = "sdm", effects: str = "both", lee_yu: bool = False, draws: int = 1000,
                      seed: int = 20261205, unit: str = "region_code", time: str = "year",
                      vce: str = "information", lr_tests: bool = True) -> SpatialPanelResult:
    """Fit SAR / SEM / SDM with unit, time or two-way fixed effects (see the module docstring)."""
    if model not in MODELS:
        raise ValueError(f"spatial panel: model must be one of {MODELS}, got {model!r}")
    if effects not in EFFECTS:
        raise ValueError(f"spatial panel: effects must be one of {EFFECTS}, got {effects!r}")
    if vce not in VCE_TYPES:
        raise ValueError(f"spatial panel: vce must be one of {VCE_TYPES}, got {vce!r}")
    outcome, regressors, periods = _panel_arrays(panel, y, list(xs), weights, unit, time)
    n_periods, n_units = outcome.shape
    w = np.asarray(weights.matrix)
    w_eig = weights.eigenvalues
    bounds = _bounds(w_eig)
    names = list(xs)
    if model == "sdm":
        regressors = np.concatenate([regressors, _spatial_lag(w, regressors)], axis=2)
        names = names + [LAG_PREFIX + name for name in xs]
    y_t = _transform(outcome, effects, lee_yu)
    x_t = _transform(regressors, effects, lee_yu)
    w_t = w
    if lee_yu and effects in ("time", "both"):
        f_n = helmert(n_units)
        w_t = f_n @ w @ f_n.T
    eig_t = w_eig if w_t is w else np.linalg.eigvals(w_t)
    data = _Transformed(y_t, x_t, w_t, eig_t, y_t.shape[0], y_t.shape[1])
    x_flat = data.x.reshape(data.nobs, -1)
    rank = np.linalg.matrix_rank(x_flat)
    if rank < x_flat.shape[1]:
        raise DataError(f"spatial panel: the regressors {names} are collinear once the fixed effects are "
                        "removed (a regressor constant within region or year is absorbed)")

    spatial_name = "lambda" if model == "sem" else "rho"
    if model == "sem":
        spatial, beta, resid = _fit_error(data, bounds)
    else:
        spatial, beta, resid = _fit_lag(data, bounds)
    sigma2 = float(resid @ resid / data.nobs)
    log_likelihood = (-data.nobs / 2 * np.log(2 * np.pi * sigma2) + data.periods * data.log_det(spatial)
                      - data.nobs / 2)
    if vce == "oim":
        info = (_observed_error(data, spatial, beta, sigma2) if model == "sem"
                else _observed_lag(data, spatial, beta, sigma2))
    else:
        info = (_information_error(data, spatial, sigma2) if model == "sem"
                else _information_lag(data, spatial, beta, sigma2))
    terms = names + [spatial_name, SIGMA2]
    cov = pd.DataFrame(np.linalg.inv(info), index=terms, columns=terms)
    params = pd.Series(np.r_[beta, spatial, sigma2], index=terms)
    se = pd.Series(np.sqrt(np.diag(cov.to_numpy())), index=terms)
    fit = _equation(params, se)
    n_params = len(terms)
    nobs = n_units * n_periods

    k = len(xs)
    equations = {"main": _equation(params.iloc[:k], se.iloc[:k])}
    if model == "sdm":
        equations["Wx"] = _equation(params.iloc[k:2 * k].set_axis(xs), se.iloc[k:2 * k].set_axis(xs))
    equations["spatial"] = _equation(params[[spatial_name]], se[[spatial_name]])
    equations["variance"] = _equation(params[[SIGMA2]], se[[SIGMA2]])

    diagnostics: list[Diagnostic] = []
    if model in ("sar", "sdm"):
        coefficient_terms = names + [spatial_name]
        estimate = params[coefficient_terms].to_numpy()
        rng = np.random.default_rng(seed)
        sample = rng.multivariate_normal(estimate, cov.loc[coefficient_terms, coefficient_terms].to_numpy(),
                                         size=draws, method="cholesky") if draws else np.empty((0, len(estimate)))

        def split(matrix):
            return matrix[:, :k], (matrix[:, k:2 * k] if model == "sdm" else None), matrix[:, -1]

        point = _effects(w_eig, *split(estimate[None, :]))
        simulated = _effects(w_eig, *split(sample)) if draws else None
        for label, value, index in zip(("direct", "indirect", "total"), point, range(3)):
            spread = simulated[index].std(axis=0, ddof=1) if draws > 1 else np.full(k, np.nan)
            equations[label] = _equation(pd.Series(value[0], index=xs), pd.Series(spread, index=xs))
    if model == "sdm":
        diagnostics += _sdm_tests(params, cov, xs, k)
        if lr_tests:
            for restricted in ("sar", "sem"):
                fit_r = fit_spatial_panel(panel, y, xs, weights, model=restricted, effects=effects, lee_yu=lee_yu,
                                          draws=0, unit=unit, time=time, vce=vce)
                lr = 2 * (log_likelihood - fit_r.log_likelihood)
                diagnostics.append(Diagnostic(f"lr_sdm_vs_{restricted}", float(lr), df=k, p=float(stats.chi2.sf(lr, k)),
                                              note=f"LR test of the SDM against the {restricted.upper()}"))

    return SpatialPanelResult(
        model=model, effects=effects, lee_yu=lee_yu, params=params, std_errors=se, stats=fit.stats,
        pvalues=fit.pvalues, cov=cov, nobs=nobs, n_units=n_units, n_periods=n_periods,
        log_likelihood=float(log_likelihood), aic=float(-2 * log_likelihood + 2 * n_params),
        bic=float(-2 * log_likelihood + np.log(nobs) * n_params), sigma2=sigma2, spatial_parameter=float(spatial),
        equations=equations, diagnostics=diagnostics, effect_draws=draws if model != "sem" else 0,
        seed=seed if model != "sem" else None)


def _sdm_tests(params: pd.Series, cov: pd.DataFrame, xs: list[str], k: int) -> list[Diagnostic]:
    """Wald tests of the SDM's common-factor restrictions: theta = 0 (SAR), theta + rho b = 0 (SEM)."""
    beta = params.iloc[:k].to_numpy()
    theta = params.iloc[k:2 * k].to_numpy()
    rho = params["rho"]
    v = cov.iloc[:2 * k + 1, :2 * k + 1].to_numpy()
    v_theta = v[k:2 * k, k:2 * k]
    wald_sar = float(theta @ np.linalg.solve(v_theta, theta))
    g = theta + rho * beta
    jacobian = np.hstack([rho * np.eye(k), np.eye(k), beta[:, None]])
    wald_sem = float(g @ np.linalg.solve(jacobian @ v @ jacobian.T, g))
    return [Diagnostic("wald_sdm_vs_sar", wald_sar, df=k, p=float(stats.chi2.sf(wald_sar, k)),
                       note="Wald test of theta = 0 (the SDM reduces to the SAR)"),
            Diagnostic("wald_sdm_vs_sem", wald_sem, df=k, p=float(stats.chi2.sf(wald_sem, k)),
                       note="Wald test of theta + rho beta = 0 (the SDM reduces to the SEM), delta method")]
