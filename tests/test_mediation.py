"""fit_mediation: Jiang two-step, Baron–Kenny + Sobel, cluster bootstrap of a·b.

References, named at each use: the known a, b, c′ of simulated panels; numpy least squares on
explicit region and year dummies (LSDV) for the point estimates; a literal re-implementation of
Stata's ``bootstrap …, cluster(region) idcluster(newid)`` (expand the resample, give each copy
of a cluster its own id, refit with fit_fixed_effects absorbing newid and year) for the bootstrap
replicates; the closed forms of Sobel (1982) and of _bs_sum.ado's intervals for the statistics.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from models_py.estimators.fixed_effects import fit_fixed_effects
from models_py.estimators.mediation import (
    bootstrap_intervals,
    cluster_weights,
    fit_mediation,
    jiang_two_step,
)

A, B, C_PRIME = 0.5, 0.8, 0.3


def simulate(seed: int, G: int = 31, T: int = 13, a: float = A, b: float = B, c_prime: float = C_PRIME,
             noise: float = 1.0) -> pd.DataFrame:
    """31 regions × 13 years; X correlated with the region and year effects; one control."""
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"region_code": np.repeat(np.arange(11, 11 + G), T), "year": np.tile(np.arange(2011, 2011 + T), G)})
    alpha = rng.normal(size=G)[data.region_code - 11]
    lam = rng.normal(size=T)[data.year - 2011]
    data["x"] = alpha + lam + rng.normal(size=len(data))
    data["c1"] = rng.normal(size=len(data)) + 0.5 * alpha
    data["m"] = a * data.x + 0.2 * data.c1 + alpha - lam + noise * rng.normal(size=len(data))
    data["y"] = c_prime * data.x + b * data.m - 0.3 * data.c1 + 2 * alpha + lam + noise * rng.normal(size=len(data))
    return data


def lsdv(data: pd.DataFrame, y: str, xs: list[str]) -> pd.Series:
    """Slopes from numpy least squares on explicit region and year dummies (reference)."""
    dummies = pd.get_dummies(data[["region_code", "year"]].astype(str), drop_first=True, dtype=float)
    X = np.column_stack([data[xs].to_numpy(float), dummies.to_numpy(), np.ones(len(data))])
    beta = np.linalg.lstsq(X, data[y].to_numpy(float), rcond=None)[0]
    return pd.Series(beta[: len(xs)], index=xs)


def literal_bootstrap(data: pd.DataFrame, weights: np.ndarray) -> np.ndarray:
    """a·b per replication as Stata's bootstrap with cluster(region_code) idcluster(newid):
    each drawn copy of a region is a new cluster with its own fixed effect (reference)."""
    labels = pd.factorize(data["region_code"])[1]
    out = []
    for row in weights:
        parts, k = [], 0
        for g, count in enumerate(row):
            for _ in range(int(count)):
                parts.append(data[data.region_code == labels[g]].assign(newid=k))
                k += 1
        expanded = pd.concat(parts, ignore_index=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = fit_fixed_effects(expanded, "m", ["x", "c1"], absorb=["newid", "year"], cluster="newid").params["x"]
            b = fit_fixed_effects(expanded, "y", ["x", "m", "c1"], absorb=["newid", "year"], cluster="newid").params["m"]
        out.append(a * b)
    return np.array(out)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate(1)


# --------------------------------------------------------------------------- Jiang / Baron–Kenny


def test_jiang_two_step_reports_total_and_mediator_equations(panel):
    res = jiang_two_step(panel, "y", "x", "m", ["c1"])
    assert res.method == "jiang" and list(res.params.index) == ["c", "a"]
    # The equations are fit_fixed_effects with the default reghdfe options …
    total = fit_fixed_effects(panel, "y", ["x", "c1"])
    mediator = fit_fixed_effects(panel, "m", ["x", "c1"])
    assert res.params["c"] == total.params["x"] and res.std_errors["c"] == total.std_errors["x"]
    assert res.params["a"] == mediator.params["x"] and res.pvalues["a"] == mediator.pvalues["x"]
    assert set(res.models) == {"total", "mediator"}
    # … and the point estimates are those of an explicit dummy regression (LSDV reference).
    assert res.params["c"] == pytest.approx(lsdv(panel, "y", ["x", "c1"])["x"], rel=1e-9)
    assert res.params["a"] == pytest.approx(lsdv(panel, "m", ["x", "c1"])["x"], rel=1e-9)


def test_baron_kenny_sobel_closed_form(panel):
    res = fit_mediation(panel, "y", "x", "m", ["c1"], method="baron_kenny")
    o = res.models["outcome"]
    a, se_a = res.models["mediator"].params["x"], res.models["mediator"].std_errors["x"]
    b, se_b = o.params["m"], o.std_errors["m"]
    # Sobel (1982): z = a·b / sqrt(b² se_a² + a² se_b²), two-sided normal p.
    z = a * b / np.sqrt(b**2 * se_a**2 + a**2 * se_b**2)
    assert res.diagnostics["sobel_z"] == pytest.approx(z, rel=1e-12)
    assert res.diagnostics["sobel_p"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-10)
    assert res.params["indirect"] == pytest.approx(a * b, rel=1e-12) == res.diagnostics["indirect_effect"]
    assert res.tstats["indirect"] == pytest.approx(z, rel=1e-12)
    # OLS identity on a common sample and common FE: total = direct + a·b.
    assert res.params["c"] == pytest.approx(res.params["c_prime"] + a * b, rel=1e-9)
    assert res.params["b"] == pytest.approx(lsdv(panel, "y", ["x", "m", "c1"])["m"], rel=1e-9)


@pytest.mark.parametrize("seed", [11, 12, 13, 14, 15])
def test_estimates_near_truth(seed):
    # With 403 observations and unit noise the paths are estimated to within ~0.1 (about 4 SE
    # would be ~0.25), so 0.15 is a loose but meaningful bound.
    res = fit_mediation(simulate(seed), "y", "x", "m", ["c1"], method="baron_kenny")
    assert res.params["a"] == pytest.approx(A, abs=0.15)
    assert res.params["b"] == pytest.approx(B, abs=0.15)
    assert res.params["c_prime"] == pytest.approx(C_PRIME, abs=0.15)
    assert res.params["indirect"] == pytest.approx(A * B, abs=0.15)


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_replicates_equal_literal_stata_bootstrap(panel):
    res = fit_mediation(panel, "y", "x", "m", ["c1"], method="bootstrap", reps=12, seed=7)
    assert res.diagnostics["bootstrap_fast_path"] == 1.0
    expected = literal_bootstrap(panel, cluster_weights(31, 12, 7))
    np.testing.assert_allclose(res.replicates, expected, rtol=1e-9, atol=1e-12)


def test_bootstrap_exact_on_unbalanced_panel_with_a_sparse_year():
    # Year 2011 is observed in one region only and 15 % of the other rows are missing, so many
    # resamples have no 2011 at all and the year block of the normal equations is singular.
    data = simulate(2)
    data = data[(data.year != 2011) | (data.region_code == 11)]
    data = data.drop(data.sample(frac=0.15, random_state=0).index)
    res = fit_mediation(data, "y", "x", "m", ["c1"], method="bootstrap", reps=12, seed=3)
    expected = literal_bootstrap(data, cluster_weights(31, 12, 3))
    np.testing.assert_allclose(res.replicates, expected, rtol=1e-8, atol=1e-12)


def test_bootstrap_ci_covers_truth_across_seeds():
    # 40 simulated panels (truth a·b = 0.4): the 95 % percentile and BC intervals should cover
    # it in about 95 % of them; with 40 draws, fewer than 34 would be very unlikely (binomial
    # P < 0.01 at a true rate of 0.93).
    cover = {"percentile": 0, "bc": 0, "normal": 0}
    for seed in range(100, 140):
        res = fit_mediation(simulate(seed), "y", "x", "m", ["c1"], method="bootstrap", reps=499, seed=seed)
        d = res.diagnostics
        for kind in cover:
            cover[kind] += d[f"indirect_ci_lower_{kind}"] <= A * B <= d[f"indirect_ci_upper_{kind}"]
    assert min(cover.values()) >= 34, cover


def test_bootstrap_seed_reproducible(panel):
    r1 = fit_mediation(panel, "y", "x", "m", ["c1"], method="bootstrap", reps=200, seed=123)
    r2 = fit_mediation(panel, "y", "x", "m", ["c1"], method="bootstrap", reps=200, seed=123)
    r3 = fit_mediation(panel, "y", "x", "m", ["c1"], method="bootstrap", reps=200, seed=124)
    np.testing.assert_array_equal(r1.replicates, r2.replicates)
    assert r1.diagnostics["indirect_ci_lower_bc"] == r2.diagnostics["indirect_ci_lower_bc"]
    assert not np.array_equal(r1.replicates, r3.replicates)


def test_bootstrap_1000_reps_is_fast(panel):
    start = time.perf_counter()
    res = fit_mediation(panel, "y", "x", "m", ["c1"], method="bootstrap", reps=1000, seed=1)
    elapsed = time.perf_counter() - start
    assert res.diagnostics["bootstrap_reps"] == 1000 and res.diagnostics["bootstrap_failed"] == 0
    assert elapsed < 3.0, f"1,000 replications took {elapsed:.2f} s"


def test_bootstrap_intervals_hand_computation():
    # 20 replicates 0.1, 0.2, …, 2.0 (shuffled), observed 0.75, level 95. Hand computation with
    # _bs_sum.ado's rules and Stata's _pctile rule (np/100 = i + h: x_(i+1) if h > 0, else the
    # mean of x_(i) and x_(i+1)):
    #   normal: 0.75 ± 1.959964 · sd, sd = sd(0.1 … 2.0) = 0.591608 (n − 1)
    #   percentile: p = 2.5 → 20·0.025 = 0.5 → x_(1) = 0.1; p = 97.5 → 19.5 → x_(20) = 2.0
    #   BC: #{x ≤ 0.75} = 7 → z0 = Φ⁻¹(0.35) = −0.385320;
    #       p1 = 100·Φ(2z0 − 1.959964) = 100·Φ(−2.730604) = 0.316 → 20·0.00316 = 0.063 → x_(1) = 0.1
    #       p2 = 100·Φ(2z0 + 1.959964) = 100·Φ(1.189324) = 88.284 → 17.657 → x_(18) = 1.8
    x = np.random.default_rng(0).permutation(np.arange(1, 21) / 10)
    ci = bootstrap_intervals(x, 0.75, level=95)
    assert ci["se"] == pytest.approx(0.5916079783, rel=1e-9)
    assert ci["lower_normal"] == pytest.approx(0.75 - 1.959963985 * 0.5916079783, rel=1e-9)
    assert ci["lower_percentile"] == 0.1 and ci["upper_percentile"] == 2.0
    assert ci["z0"] == pytest.approx(-0.3853204664, rel=1e-9)
    assert ci["lower_bc"] == 0.1 and ci["upper_bc"] == pytest.approx(1.8)
    # level 80 percentile: p = 10 → 20·0.1 = 2 (integer) → (x_(2) + x_(3))/2 = 0.25;
    # p = 90 → 18 → (x_(18) + x_(19))/2 = 1.85.
    ci80 = bootstrap_intervals(x, 0.75, level=80)
    assert ci80["lower_percentile"] == pytest.approx(0.25) and ci80["upper_percentile"] == pytest.approx(1.85)
    # Every replicate above the observed value: z0 undefined, no BC interval (as Stata).
    assert np.isnan(bootstrap_intervals(x, 0.0)["lower_bc"])
    # NaN replicates (failed replications) are left out.
    assert bootstrap_intervals(np.append(x, np.nan), 0.75)["reps"] == 20


# --------------------------------------------------------------------------- errors


@pytest.mark.filterwarnings("ignore:xr omitted")
def test_errors(panel):
    with pytest.raises(ValueError, match="method must be one of"):
        fit_mediation(panel, "y", "x", "m", method="sobel")
    constant = panel.assign(xr=panel.groupby("region_code")["x"].transform("mean"))
    with pytest.raises(ValueError, match="'xr' is collinear with the fixed effects"):
        fit_mediation(constant, "y", "xr", "m", ["c1"])
    few = panel[panel.region_code == 11]
    with pytest.raises(ValueError, match="too few clusters"):
        fit_mediation(few, "y", "x", "m", ["c1"], method="bootstrap", reps=10, seed=1)
    with pytest.raises(ValueError, match="columns not in the data"):
        fit_mediation(panel, "y", "x", "nope")
    with pytest.raises(ValueError, match="distinct"):
        fit_mediation(panel, "y", "x", "x")
