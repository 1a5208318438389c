"""Lind–Mehlum (2010) U / inverted-U test against computations written out here.

References, independent of models_py/estimators/inverted_u.py:
* a hand computation with round numbers (b1 = 1, b2 = −0.5, V = diag(0.04, 0.01), [0, 2]);
* on a simulated quadratic, plain NumPy OLS with the conventional covariance, the slopes and the
  delta-method SE written out, and the Fieller bounds found by a root search (brentq) of
  "t statistic of b1 + 2 b2 θ = critical value" rather than by the closed-form quadratic.
No published ``utest`` printout is reproduced: we could not recall one exactly enough to check.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from models_py.estimators.fixed_effects import fit_fixed_effects
from models_py.estimators.inverted_u import lind_mehlum, utest


def test_hand_computed_example():
    # slope(0) = 1, se = 0.2, t = 5; slope(2) = 1 - 2 = -1, se = sqrt(0.04 + 16 * 0.01) = sqrt(0.2)
    res = lind_mehlum(1.0, -0.5, np.diag([0.04, 0.01]), 0.0, 2.0, df=None)
    assert res.shape == "inverted_u"
    assert res.turning_point == pytest.approx(1.0)
    # gradient (-1/(2 b2), b1/(2 b2^2)) = (1, 2): var = 0.04 + 4 * 0.01 = 0.08
    assert res.turning_point_se == pytest.approx(math.sqrt(0.08))
    assert (res.slope_lower, res.slope_lower_se, res.slope_lower_t) == pytest.approx((1.0, 0.2, 5.0))
    assert (res.slope_upper, res.slope_upper_se) == pytest.approx((-1.0, math.sqrt(0.2)))
    assert res.slope_upper_t == pytest.approx(-math.sqrt(5))
    assert res.t == pytest.approx(math.sqrt(5))  # min(5, sqrt 5)
    assert res.p == pytest.approx(1 - stats.norm.cdf(math.sqrt(5)))  # 0.01267
    assert res.p == pytest.approx(0.012674, abs=1e-6)
    # Fieller: (b2² − c²V22) θ² + b1 b2 θ + (b1² − c²V11)/4 = 0 has equal outer coefficients here,
    # so the bounds multiply to 1 and add up to 0.5 / (0.25 − 0.01 c²).
    c = stats.norm.ppf(0.975)
    assert res.fieller_bounded
    assert res.fieller_lower * res.fieller_upper == pytest.approx(1.0)
    assert res.fieller_lower + res.fieller_upper == pytest.approx(0.5 / (0.25 - 0.01 * c**2))
    assert res.fieller_lower == pytest.approx(0.552218, abs=1e-5)
    assert res.fieller_upper == pytest.approx(1.810896, abs=1e-5)
    assert res.extremum_in_interval and not res.notes


def test_u_shape_mirrors_inverted_u():
    inverted = lind_mehlum(1.0, -0.5, np.diag([0.04, 0.01]), 0.0, 2.0, df=40)
    u = lind_mehlum(-1.0, 0.5, np.diag([0.04, 0.01]), 0.0, 2.0, df=40)
    assert u.shape == "u"
    assert u.t == pytest.approx(inverted.t) and u.p == pytest.approx(inverted.p)
    assert u.p == pytest.approx(stats.t.sf(math.sqrt(5), 40))
    assert (u.fieller_lower, u.fieller_upper) == pytest.approx((inverted.fieller_lower, inverted.fieller_upper))


def test_extremum_outside_interval_is_a_trivial_failure_to_reject():
    res = lind_mehlum(1.0, -0.5, np.diag([0.04, 0.01]), 1.5, 3.0)
    assert not res.extremum_in_interval
    assert res.t < 0 and res.p > 0.5
    assert "Extremum outside interval" in res.notes[-1]


def test_insignificant_square_gives_an_unbounded_fieller_set():
    res = lind_mehlum(1.0, -0.05, np.diag([0.04, 0.01]), 0.0, 2.0)
    assert not res.fieller_bounded and math.isnan(res.fieller_lower)


def _simulated_quadratic(seed: int = 3, n: int = 400):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 4, n)
    z = rng.normal(size=n)
    y = 0.5 + 2.0 * x - 0.6 * x**2 + 0.3 * z + rng.normal(scale=1.5, size=n)
    return x, z, y


def test_simulated_quadratic_against_written_out_formulas():
    x, z, y = _simulated_quadratic()
    X = np.column_stack([x, x**2, z, np.ones_like(x)])
    n, k = X.shape
    xtx_inv = np.linalg.inv(X.T @ X)
    b = xtx_inv @ X.T @ y
    e = y - X @ b
    V = (e @ e) / (n - k) * xtx_inv
    b1, b2 = b[0], b[1]
    v11, v12, v22 = V[0, 0], V[0, 1], V[1, 1]
    df = n - k
    lo, hi = x.min(), x.max()

    def slope_t(point):
        return (b1 + 2 * b2 * point) / math.sqrt(v11 + 4 * point * v12 + 4 * point**2 * v22)

    t_lo, t_hi = slope_t(lo), slope_t(hi)
    expected_t = min(t_lo, -t_hi)  # b2 < 0: inverted U
    expected_p = stats.t.sf(expected_t, df)
    tp = -b1 / (2 * b2)
    # delta method written out: d tp/d b1 = -1/(2 b2), d tp/d b2 = b1/(2 b2^2)
    g1, g2 = -1 / (2 * b2), b1 / (2 * b2**2)
    tp_se = math.sqrt(g1**2 * v11 + 2 * g1 * g2 * v12 + g2**2 * v22)
    crit = stats.t.ppf(0.975, df)
    excess = lambda theta: abs(slope_t(theta)) - crit  # noqa: E731  zero at the Fieller bounds
    fieller = (optimize.brentq(excess, tp - 50 * tp_se, tp), optimize.brentq(excess, tp, tp + 50 * tp_se))

    res = lind_mehlum(b1, b2, V[:2, :2], lo, hi, df=df)
    assert res.shape == "inverted_u"
    assert res.slope_lower_t == pytest.approx(t_lo) and res.slope_upper_t == pytest.approx(t_hi)
    assert res.slope_lower_p == pytest.approx(stats.t.sf(t_lo, df))
    assert res.slope_upper_p == pytest.approx(stats.t.cdf(t_hi, df))
    assert res.t == pytest.approx(expected_t) and res.p == pytest.approx(expected_p)
    assert res.turning_point == pytest.approx(tp) and res.turning_point_se == pytest.approx(tp_se)
    assert (res.fieller_lower, res.fieller_upper) == pytest.approx(fieller, rel=1e-8)
    assert res.fieller_lower < tp < res.fieller_upper


def test_utest_reads_a_fitted_model():
    """utest(result, ...) takes b, V and df_r from a fitted model (here reghdfe-style FE)."""
    x, z, y = _simulated_quadratic(seed=5, n=300)
    frame = pd.DataFrame({"y": y, "x": x, "x_sq": x**2, "z": z,
                          "g": np.repeat(np.arange(30), 10), "t": np.tile(np.arange(10), 30)})
    fit = fit_fixed_effects(frame, "y", ["x", "x_sq", "z"], absorb=["g", "t"], vcov="cluster", cluster="g")
    res = utest(fit, "x", "x_sq", x.min(), x.max())
    direct = lind_mehlum(fit.params["x"], fit.params["x_sq"], fit.cov.loc[["x", "x_sq"], ["x", "x_sq"]].to_numpy(),
                         x.min(), x.max(), df=fit.df_resid)
    assert res.df == fit.df_resid == 29
    assert res.t == pytest.approx(direct.t) and res.p == pytest.approx(direct.p)
    with pytest.raises(ValueError, match="not a coefficient"):
        utest(fit, "x", "x_cubed", 0, 1)


def test_bad_inputs():
    with pytest.raises(ValueError, match="no turning point"):
        lind_mehlum(1.0, 0.0, np.eye(2), 0, 1)
    with pytest.raises(ValueError, match="x_lower < x_upper"):
        lind_mehlum(1.0, -1.0, np.eye(2), 1, 1)
    with pytest.raises(ValueError, match="2 x 2"):
        lind_mehlum(1.0, -1.0, np.eye(3), 0, 1)
