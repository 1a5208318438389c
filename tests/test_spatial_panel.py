"""SAR / SEM / SDM panel ML (models_py.spatial.panel_ml) against spreg, R (splm, SDPDmod) and
independent implementations. No warehouse build.

References (tests/data/spatial, written by tests/reference/spatial_r_reference.R):
* spreg 1.9 ML_LagFE / ML_ErrorFE (unit effects, Elhorst ML), run here on the same data:
  estimates, SEs, log-likelihood and sigma2 to 1e-6 relative.
* splm 1.6-5 spml(model="within") on Baltagi's Cigar panel (46 states x 30 years) with SDPDmod's
  usa46 contiguity: SAR / SEM with individual, time and two-way effects, and the SDM (SAR with
  W X regressors) with individual and two-way effects: estimates to 1e-6, SEs to 1e-4 relative.
* SDPDmod 0.0.6's vignette (static SAR, individual effects: rho 0.297576 (0.028444), logp
  -0.5320053 (0.0254445), logy -0.0007088 (0.0152139), sige 0.006667779) and its SDM two-way
  effects: SDPDmod takes log|I - rho W| from a grid (LeSage's lndetfull), so its rho is off the
  exact optimum by up to 0.005; tolerances say so.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from models_py.errors import DataError
from models_py.spatial.panel_ml import fit_spatial_panel, helmert
from models_py.spatial.weights import SpatialWeights, row_standardise

DATA = Path(__file__).parent / "data" / "spatial"
EFFECT_R = {"unit": "individual", "time": "time", "both": "twoways"}


@pytest.fixture(scope="module")
def cigar():
    frame = pd.read_csv(DATA / "cigar.csv")
    raw = pd.read_csv(DATA / "usa46.csv").to_numpy(float)
    codes = tuple(sorted(frame["state"].unique()))
    return frame, SpatialWeights("usa46", codes, row_standardise(raw, codes, "usa46"))


@pytest.fixture(scope="module")
def reference():
    return pd.read_csv(DATA / "cigar_r_reference.csv")


def _fit(cigar, **options):
    frame, weights = cigar
    options.setdefault("draws", 0)
    return fit_spatial_panel(frame, "logc", ["logp", "logy"], weights, unit="state", **options)


def _rows(reference, source, model, effects, lee_yu=False):
    rows = reference[(reference.source == source) & (reference.model == model)
                     & (reference.effect == EFFECT_R[effects]) & (reference.lee_yu == lee_yu)]
    assert len(rows), (source, model, effects)
    return rows.set_index("term")


@pytest.mark.parametrize("model", ["sar", "sem"])
def test_unit_effects_match_spreg(cigar, model):
    from libpysal.weights import full2W
    from spreg import ML_ErrorFE, ML_LagFE

    frame, weights = cigar
    codes = list(weights.codes)

    def stacked(column):  # spreg's layout: time outer, unit inner
        return frame.pivot(index="year", columns="state", values=column)[codes].to_numpy().ravel()

    w = full2W(np.asarray(weights.matrix))
    w.transform = "r"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spreg_fit = (ML_LagFE if model == "sar" else ML_ErrorFE)(
            stacked("logc")[:, None], np.column_stack([stacked("logp"), stacked("logy")]), w)
    ours = _fit(cigar, model=model, effects="unit")
    terms = ["logp", "logy", "rho" if model == "sar" else "lambda"]
    np.testing.assert_allclose(ours.params[terms], spreg_fit.betas.ravel(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.std_errors[terms], np.sqrt(np.diag(spreg_fit.vm)), rtol=1e-6)
    assert ours.log_likelihood == pytest.approx(float(spreg_fit.logll), rel=1e-9)
    assert ours.sigma2 == pytest.approx(float(np.ravel(spreg_fit.sig2)[0]), rel=1e-6)


@pytest.mark.parametrize("model,effects", [("sar", "unit"), ("sar", "time"), ("sar", "both"), ("sem", "unit"),
                                           ("sem", "time"), ("sem", "both"), ("sdm", "unit"), ("sdm", "both")])
def test_matches_splm(cigar, reference, model, effects):
    rows = _rows(reference, "splm", model, effects)
    ours = _fit(cigar, model=model, effects=effects, lr_tests=False)
    # splm names the SAR coefficient lambda and the SEM one rho; xsmle's names are ours
    spatial_r = "lambda" if model in ("sar", "sdm") else "rho"
    spatial_ours = "rho" if model in ("sar", "sdm") else "lambda"
    terms = [t for t in rows.index if t not in ("sigma2_e", "loglik", spatial_r)]
    np.testing.assert_allclose(ours.params[terms], rows.loc[terms, "estimate"], atol=1e-6)
    np.testing.assert_allclose(ours.std_errors[terms], rows.loc[terms, "std_error"], rtol=1e-4)
    assert ours.params[spatial_ours] == pytest.approx(rows.loc[spatial_r, "estimate"], abs=1e-6)
    assert ours.std_errors[spatial_ours] == pytest.approx(rows.loc[spatial_r, "std_error"], rel=1e-4)
    assert ours.sigma2 == pytest.approx(rows.loc["sigma2_e", "estimate"], rel=1e-6)
    if model != "sem":  # splm's printed logLik of the error model is not the model's log-likelihood
        assert ours.log_likelihood == pytest.approx(rows.loc["loglik", "estimate"], abs=1e-6)


def test_sdpdmod_vignette_sar_individual(cigar):
    """The published vignette output (SDPDmod 0.0.6, 'Spatial dynamic panel data modeling')."""
    ours = _fit(cigar, model="sar", effects="unit")
    assert ours.params["rho"] == pytest.approx(0.297576, abs=1e-3)  # grid log-determinant there
    assert ours.std_errors["rho"] == pytest.approx(0.028444, rel=1e-3)
    assert ours.params["logp"] == pytest.approx(-0.5320053, abs=5e-4)
    assert ours.std_errors["logp"] == pytest.approx(0.0254445, rel=1e-3)
    assert ours.params["logy"] == pytest.approx(-0.0007088, abs=5e-5)
    assert ours.std_errors["logy"] == pytest.approx(0.0152139, rel=1e-3)
    assert ours.sigma2 == pytest.approx(0.006667779, rel=1e-3)


def test_sdm_two_way_effects_against_sdpdmod(cigar, reference):
    rows = _rows(reference, "SDPDmod", "sdm", "both")
    ours = _fit(cigar, model="sdm", effects="both", draws=1000, seed=7)
    for kind in ("direct", "indirect", "total"):
        for variable in ("logp", "logy"):
            row = rows.loc[f"{kind}:{variable}"]
            # SDPDmod: mean of 200-1000 draws around its (grid) estimate; ours: at the exact estimate
            assert ours.equations[kind].params[variable] == pytest.approx(row.estimate, abs=0.012)
            assert ours.equations[kind].std_errors[variable] == pytest.approx(row.std_error, rel=0.08)


def test_effects_equal_dense_inverse(cigar):
    """Point effects from the eigenvalues equal mean diag / mean row sum of (I - rho W)^-1 (b I + t W)."""
    frame, weights = cigar
    ours = _fit(cigar, model="sdm", effects="both", draws=50)
    w = np.asarray(weights.matrix)
    rho = ours.params["rho"]
    inverse = np.linalg.inv(np.eye(w.shape[0]) - rho * w)
    for variable in ("logp", "logy"):
        impact = inverse @ (ours.params[variable] * np.eye(w.shape[0]) + ours.params["W." + variable] * w)
        direct, total = np.trace(impact) / w.shape[0], impact.sum() / w.shape[0]
        assert ours.equations["direct"].params[variable] == pytest.approx(direct, rel=1e-10)
        assert ours.equations["total"].params[variable] == pytest.approx(total, rel=1e-10)
        assert ours.equations["indirect"].params[variable] == pytest.approx(total - direct, rel=1e-9)


def test_effect_draws_are_seeded(cigar):
    first = _fit(cigar, model="sar", effects="both", draws=200, seed=3)
    second = _fit(cigar, model="sar", effects="both", draws=200, seed=3)
    other = _fit(cigar, model="sar", effects="both", draws=200, seed=4)
    assert first.equations["direct"].std_errors.equals(second.equations["direct"].std_errors)
    assert not first.equations["direct"].std_errors.equals(other.equations["direct"].std_errors)


def test_sdm_result_shape_and_tests(cigar):
    ours = _fit(cigar, model="sdm", effects="both", draws=100)
    assert list(ours.params.index) == ["logp", "logy", "W.logp", "W.logy", "rho", "sigma2_e"]
    assert set(ours.equations) == {"main", "Wx", "spatial", "variance", "direct", "indirect", "total"}
    assert list(ours.equations["Wx"].params.index) == ["logp", "logy"]
    assert ours.stat_kind == "z" and ours.nobs == 46 * 30
    assert ours.aic == pytest.approx(-2 * ours.log_likelihood + 2 * 6)
    names = {d.name: d for d in ours.diagnostics}
    assert set(names) == {"wald_sdm_vs_sar", "wald_sdm_vs_sem", "lr_sdm_vs_sar", "lr_sdm_vs_sem"}
    sar = _fit(cigar, model="sar", effects="both")
    assert names["lr_sdm_vs_sar"].value == pytest.approx(2 * (ours.log_likelihood - sar.log_likelihood))
    assert names["wald_sdm_vs_sar"].df == 2 and 0 <= names["wald_sdm_vs_sem"].p <= 1


# ------------------------------------------------------------------------------ simulated panels
def _ring_weights(n: int) -> SpatialWeights:
    raw = np.zeros((n, n))
    for i in range(n):
        for step in (1, 2):
            raw[i, (i + step) % n] = raw[i, (i - step) % n] = 1.0
    codes = tuple(range(1, n + 1))
    return SpatialWeights("ring", codes, row_standardise(raw, codes, "ring"))


def _simulate_sdm(weights, periods, rho, beta, theta, seed, sigma=1.0):
    rng = np.random.default_rng(seed)
    n = weights.n
    w = np.asarray(weights.matrix)
    unit_effect, time_effect = rng.normal(size=n) * 2, rng.normal(size=periods)
    inverse = np.linalg.inv(np.eye(n) - rho * w)
    rows = []
    for t in range(periods):
        x = rng.normal(size=(n, len(beta))) + 0.5 * unit_effect[:, None]
        mean = x @ beta + (w @ x) @ theta + unit_effect + time_effect[t]
        y = inverse @ (mean + sigma * rng.normal(size=n))
        rows.append(pd.DataFrame({"region_code": weights.codes, "year": 2000 + t, "y": y,
                                  **{f"x{k}": x[:, k] for k in range(len(beta))}}))
    return pd.concat(rows, ignore_index=True)


def test_two_way_direct_equals_dummy_variable_ml():
    """Elhorst's double demeaning = ML with unit and year dummies, maximised numerically (scipy)."""
    weights = _ring_weights(31)
    panel = _simulate_sdm(weights, 13, 0.35, np.array([1.0, -0.5]), np.array([0.3, 0.2]), seed=11)
    ours = fit_spatial_panel(panel, "y", ["x0", "x1"], weights, model="sar", effects="both", draws=0)
    n, t = 31, 13
    w = np.asarray(weights.matrix)
    frame = panel.sort_values(["year", "region_code"])
    y = frame["y"].to_numpy()
    wy = np.concatenate([w @ y[i * n:(i + 1) * n] for i in range(t)])
    dummies = np.column_stack([frame[["x0", "x1"]].to_numpy(),
                               (frame["region_code"].to_numpy()[:, None] == np.arange(1, n + 1)).astype(float),
                               (frame["year"].to_numpy()[:, None] == np.arange(2001, 2000 + t)).astype(float)])

    def negative(theta):  # full log-likelihood: every effect a parameter, log|I - rho W| by slogdet
        rho, log_sigma2, coefficients = theta[0], theta[1], theta[2:]
        resid = y - rho * wy - dummies @ coefficients
        log_det = np.linalg.slogdet(np.eye(n) - rho * w)[1]
        return (n * t / 2 * (np.log(2 * np.pi) + log_sigma2) - t * log_det
                + resid @ resid / (2 * np.exp(log_sigma2)))

    start = np.r_[0.0, 0.0, np.linalg.lstsq(dummies, y, rcond=None)[0]]
    best = optimize.minimize(negative, start, method="BFGS", options={"gtol": 1e-8, "maxiter": 5000})
    assert best.x[0] == pytest.approx(ours.params["rho"], abs=1e-5)
    np.testing.assert_allclose(best.x[2:4], ours.params[["x0", "x1"]], atol=1e-5)
    assert np.exp(best.x[1]) == pytest.approx(ours.sigma2, rel=1e-5)
    assert -best.fun == pytest.approx(ours.log_likelihood, abs=1e-5)


def test_recovers_true_sdm_parameters():
    weights = _ring_weights(60)
    truth = {"x0": 1.0, "x1": -0.5, "W.x0": 0.4, "W.x1": 0.3, "rho": 0.45}
    panel = _simulate_sdm(weights, 20, truth["rho"], np.array([1.0, -0.5]), np.array([0.4, 0.3]), seed=5, sigma=0.5)
    ours = fit_spatial_panel(panel, "y", ["x0", "x1"], weights, model="sdm", effects="both", lee_yu=True, draws=0)
    for term, value in truth.items():
        assert abs(ours.params[term] - value) < 3 * ours.std_errors[term], term
    assert ours.sigma2 == pytest.approx(0.25, rel=0.1)


def test_lee_yu_equals_its_likelihood():
    """Lee & Yu (2010) with both effects: maximise (T-1)[log|I - rho W| - log(1 - rho)]
    - (n-1)(T-1)/2 log(e'e/((n-1)(T-1))) on the doubly demeaned data (their eq. for row-standardised W)."""
    weights = _ring_weights(31)
    panel = _simulate_sdm(weights, 13, 0.3, np.array([1.0, -0.5]), np.array([0.0, 0.0]), seed=2)
    ours = fit_spatial_panel(panel, "y", ["x0", "x1"], weights, model="sar", effects="both", lee_yu=True, draws=0)
    n, t = 31, 13
    w = np.asarray(weights.matrix)
    eig = np.linalg.eigvals(w)
    frame = panel.sort_values(["year", "region_code"])

    def demeaned(column):
        values = frame[column].to_numpy().reshape(t, n)
        return values - values.mean(0) - values.mean(1)[:, None] + values.mean()

    y, x = demeaned("y"), np.stack([demeaned("x0"), demeaned("x1")], axis=-1).reshape(n * t, 2)
    wy = (y @ w.T).ravel()
    dof = (n - 1) * (t - 1)

    def negative(rho):
        beta = np.linalg.lstsq(x, y.ravel() - rho * wy, rcond=None)[0]
        resid = y.ravel() - rho * wy - x @ beta
        log_det = np.sum(np.log(np.abs(1 - rho * eig))) - np.log(1 - rho)
        return dof / 2 * np.log(resid @ resid / dof) - (t - 1) * log_det

    rho = optimize.minimize_scalar(negative, bounds=(-0.9, 0.99), method="bounded", options={"xatol": 1e-12}).x
    beta = np.linalg.lstsq(x, y.ravel() - rho * wy, rcond=None)[0]
    resid = y.ravel() - rho * wy - x @ beta
    assert ours.params["rho"] == pytest.approx(rho, abs=1e-7)
    np.testing.assert_allclose(ours.params[["x0", "x1"]], beta, atol=1e-7)
    assert ours.sigma2 == pytest.approx(resid @ resid / dof, rel=1e-7)


def test_lee_yu_unit_effects_rescale_sigma2_only(cigar):
    direct = _fit(cigar, model="sar", effects="unit")
    transformed = _fit(cigar, model="sar", effects="unit", lee_yu=True)
    np.testing.assert_allclose(transformed.params[["logp", "logy", "rho"]], direct.params[["logp", "logy", "rho"]],
                               atol=1e-7)
    assert transformed.sigma2 == pytest.approx(direct.sigma2 * 30 / 29, rel=1e-9)


def test_helmert_rows_are_orthonormal_and_sum_free():
    f = helmert(7)
    np.testing.assert_allclose(f @ f.T, np.eye(6), atol=1e-12)
    np.testing.assert_allclose(f @ np.ones(7), 0, atol=1e-12)


# ---------------------------------------------------------------------------------- bad input
def test_unbalanced_panel_is_an_error(cigar):
    frame, weights = cigar
    with pytest.raises(DataError, match="unbalanced panel") as error:
        fit_spatial_panel(frame.drop(index=5), "logc", ["logp"], weights, unit="state")
    assert error.value.region == frame.loc[5, "state"] and error.value.year == frame.loc[5, "year"]


def test_missing_value_and_unknown_region_are_errors(cigar):
    frame, weights = cigar
    holed = frame.copy()
    holed.loc[10, "logp"] = np.nan
    with pytest.raises(DataError, match="logp is missing"):
        fit_spatial_panel(holed, "logc", ["logp"], weights, unit="state")
    with pytest.raises(DataError, match="weights have regions the panel lacks"):
        fit_spatial_panel(frame[frame.state != frame.state.max()], "logc", ["logp"], weights, unit="state")
    with pytest.raises(ValueError, match="model must be one of"):
        fit_spatial_panel(frame, "logc", ["logp"], weights, unit="state", model="sac")


def test_regressor_absorbed_by_effects_is_an_error(cigar):
    frame, weights = cigar
    constant_in_time = frame.assign(size=frame["state"] * 1.0)
    with pytest.raises(DataError, match="collinear"):
        fit_spatial_panel(constant_in_time, "logc", ["logp", "size"], weights, unit="state", model="sar")


def test_simulated_effect_errors_agree_with_the_delta_method(cigar):
    """The draws use the right covariance block: their SDs match delta-method SEs (numerical
    gradient of the effect formulas) to Monte Carlo precision."""
    frame, weights = cigar
    ours = _fit(cigar, model="sdm", effects="both", draws=4000, seed=11)
    eig = np.linalg.eigvals(np.asarray(weights.matrix))
    terms = ["logp", "logy", "W.logp", "W.logy", "rho"]
    v = ours.cov.loc[terms, terms].to_numpy()

    def effects(theta):
        b, t, rho = theta[:2], theta[2:4], theta[4]
        direct = b * np.mean(1 / (1 - rho * eig)).real + t * np.mean(eig / (1 - rho * eig)).real
        total = (b + t) / (1 - rho)
        return np.r_[direct, total - direct, total]

    estimate = ours.params[terms].to_numpy()
    step = 1e-6
    jacobian = np.column_stack([(effects(estimate + step * e) - effects(estimate - step * e)) / (2 * step)
                                for e in np.eye(5)])
    delta = np.sqrt(np.diag(jacobian @ v @ jacobian.T))
    simulated = np.r_[[ours.equations[k].std_errors.to_numpy() for k in ("direct", "indirect", "total")]].ravel()
    np.testing.assert_allclose(simulated, delta, rtol=0.06)


@pytest.mark.parametrize("model", ["sar", "sdm", "sem"])
def test_observed_information_equals_numerical_hessian(model):
    """vce="oim": minus the analytic Hessian = a finite-difference Hessian of the full two-way
    log-likelihood written out independently (dense log-determinant, explicit residuals)."""
    weights = _ring_weights(25)
    panel = _simulate_sdm(weights, 10, 0.3, np.array([1.0, -0.5]), np.array([0.2, 0.1]), seed=8)
    ours = fit_spatial_panel(panel, "y", ["x0", "x1"], weights, model=model, effects="both", vce="oim", draws=0,
                             lr_tests=False)
    n, t = 25, 10
    w = np.asarray(weights.matrix)
    frame = panel.sort_values(["year", "region_code"])

    def demeaned(column):
        values = frame[column].to_numpy().reshape(t, n)
        return values - values.mean(0) - values.mean(1)[:, None] + values.mean()

    y = demeaned("y")
    x = np.stack([demeaned("x0"), demeaned("x1")], axis=-1)
    if model == "sdm":
        x = np.concatenate([x, np.einsum("ij,tjk->tik", w, x)], axis=-1)
    k = x.shape[-1]

    def log_likelihood(theta):
        beta, spatial, sigma2 = theta[:k], theta[k], theta[k + 1]
        a = np.eye(n) - spatial * w
        if model == "sem":
            resid = (y - x @ beta) @ a.T
        else:
            resid = y @ a.T - x @ beta
        return (-n * t / 2 * np.log(2 * np.pi * sigma2) + t * np.linalg.slogdet(a)[1]
                - np.sum(resid ** 2) / (2 * sigma2))

    theta = ours.params.to_numpy()
    step = 1e-4 * np.maximum(np.abs(theta), 1e-2)
    hessian = np.zeros((k + 2, k + 2))
    for i in range(k + 2):
        for j in range(k + 2):
            ei, ej = np.eye(k + 2)[i] * step[i], np.eye(k + 2)[j] * step[j]
            hessian[i, j] = (log_likelihood(theta + ei + ej) - log_likelihood(theta + ei - ej)
                             - log_likelihood(theta - ei + ej) + log_likelihood(theta - ei - ej)) / (4 * step[i] * step[j])
    np.testing.assert_allclose(ours.cov.to_numpy(), np.linalg.inv(-hessian), rtol=2e-4, atol=1e-12)
    expected = fit_spatial_panel(panel, "y", ["x0", "x1"], weights, model=model, effects="both", draws=0,
                                 lr_tests=False)
    np.testing.assert_allclose(ours.params, expected.params)  # only the variance differs
    np.testing.assert_allclose(ours.std_errors, expected.std_errors, rtol=0.15)


def test_sdpdmod_rho_is_below_the_exact_optimum(cigar):
    """Why the SDPDmod tolerance: with the exact log-determinant, the concentrated likelihood is
    higher at our rho (= splm's) than at SDPDmod's published 0.297576."""
    frame, weights = cigar
    codes, w = list(weights.codes), np.asarray(weights.matrix)

    def within(column):
        values = frame.pivot(index="year", columns="state", values=column)[codes].to_numpy()
        return values - values.mean(axis=0)

    y, x = within("logc"), np.stack([within("logp"), within("logy")], axis=-1).reshape(-1, 2)
    wy = (y @ w.T).ravel()

    def concentrated(rho):
        resid = y.ravel() - rho * wy
        resid = resid - x @ np.linalg.lstsq(x, resid, rcond=None)[0]
        return -resid.size / 2 * np.log(resid @ resid) + 30 * np.linalg.slogdet(np.eye(46) - rho * w)[1]

    ours = _fit(cigar, model="sar", effects="unit").params["rho"]
    assert concentrated(ours) > concentrated(0.297576)
    assert concentrated(ours) > max(concentrated(ours - 1e-5), concentrated(ours + 1e-5))
