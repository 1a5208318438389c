"""fit_random_effects / hausman_test / mundlak_test against Stata output and independent formulas.

Reference sources, named at each use:
* Stata 13 results that linearmodels ships for its simulated panel
  (linearmodels/tests/panel/results/stata-panel-simulated-results.txt, written by
  execute-stata-simulated-data.py: ``xtreg y x1-x5, re vce(conventional | robust | cluster firm_id)``
  and ``xtreg …, fe vce(conventional)`` on simulated-panel.dta, balanced and with 5 % / 20 %
  of values missing). The file stores b, t and p, the e() scalars and e(V); SE = b / t.
* linearmodels' RandomEffects (balanced panels, where it reproduces Stata) for specifications
  not in that file, and statsmodels OLS for the σ_u = 0 corner.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from linearmodels import RandomEffects
from scipy import stats
from statsmodels.regression.linear_model import OLS

from tests.reference.linearmodels_stata import LM_STATA_DTA, stata_block
from models_py.estimators.fixed_effects import fit_fixed_effects
from models_py.estimators.random_effects import (
    fit_random_effects,
    hausman_test,
    mundlak_test,
    stata_percentile,
)

RTOL = 1e-6
MISSING = ["", "_light", "_heavy"]


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    # generate-panel-data.py codes firm_id from the row index after reset_index(), so the shipped
    # firm_id numbers rows (3000 levels). The Stata results have e(N_g) = 1000 groups of 3, and
    # linearmodels' test_simulated_against_stata.py indexes by "firm": the identifier is "firm".
    data = pd.read_stata(LM_STATA_DTA)
    data["year"] = data["time"].dt.year
    return data


def variables(missing: str) -> tuple[str, list[str]]:
    return "y" + missing, [f"x{i}{missing}" for i in range(1, 6)]


# --------------------------------------------------------------------------- xtreg, re vs Stata


@pytest.mark.parametrize("missing", MISSING)
@pytest.mark.parametrize("vce", ["conventional", "robust", "cluster"])
def test_matches_stata_xtreg_re(simulated, vce, missing):
    # Source: stata-panel-simulated-results.txt, block random_effect-{vce}--{missing}.
    # vce(robust) after xtreg is vce(cluster firm): both blocks are the same numbers.
    coef, sc, V = stata_block(f"random_effect-{vce}--{missing}")
    y, xs = variables(missing)
    res = fit_random_effects(simulated, y, xs, unit="firm", vcov="unadjusted" if vce == "conventional" else "cluster")
    terms = list(coef.index)
    assert list(res.params.index) == terms
    np.testing.assert_allclose(res.params[terms], coef["b"], rtol=RTOL)
    np.testing.assert_allclose(res.std_errors[terms], coef["b"] / coef["t"], rtol=RTOL)
    np.testing.assert_allclose(res.tstats[terms], coef["t"], rtol=RTOL)
    # Stata prints p to ~10 significant digits and 0 below its display floor.
    np.testing.assert_allclose(res.pvalues[terms], coef["p"], rtol=RTOL, atol=1e-12)
    # e(V): 11 significant digits per entry, so tiny off-diagonal entries get an absolute bound.
    np.testing.assert_allclose(res.cov.loc[terms, terms], V.loc[terms, terms], rtol=RTOL,
                               atol=RTOL * np.abs(np.diag(V)).min())
    for key in ["sigma_u", "sigma_e", "rho", "sigma", "rmse", "r2_w", "r2_b", "r2_o", "Tbar",
                "g_min", "g_avg", "g_max", "N", "N_g"]:
        assert res.diagnostics[key] == pytest.approx(sc[key], rel=RTOL), key
    assert res.nobs == sc["N"] and res.n_groups == sc["N_g"]
    if vce != "conventional":
        assert res.n_clusters == sc["N_g"]  # clustered by firm, as xtreg's vce(robust)


@pytest.mark.parametrize("missing", MISSING)
def test_theta_per_unit(simulated, missing):
    # The file has no e(theta) (not in its stats() list), so θ_i is checked against xtreg_re.ado's
    # formula θ_i = 1 − σ_e / sqrt(T_i σ_u² + σ_e²) evaluated on Stata's stored e(sigma_e),
    # e(sigma_u), with T_i counted here from the complete rows.
    _, sc, _ = stata_block(f"random_effect-conventional--{missing}")
    y, xs = variables(missing)
    res = fit_random_effects(simulated, y, xs, unit="firm")
    T_i = simulated.dropna(subset=[y, *xs]).groupby("firm").size()
    expected = 1 - sc["sigma_e"] / np.sqrt(T_i * sc["sigma_u"] ** 2 + sc["sigma_e"] ** 2)
    np.testing.assert_allclose(res.theta[expected.index], expected, rtol=RTOL)
    if missing == "":
        assert res.balanced and res.diagnostics["theta"] == pytest.approx(expected.iloc[0], rel=RTOL)
    else:
        assert not res.balanced
        # e(thta_5) … e(thta_95): summarize, detail over one θ per unit (xtreg_re.ado).
        assert res.diagnostics["thta_50"] == pytest.approx(stata_percentile(expected.to_numpy(), 50), rel=RTOL)
        assert res.diagnostics["thta_min"] == pytest.approx(expected.min(), rel=RTOL)
        assert res.diagnostics["thta_max"] == pytest.approx(expected.max(), rel=RTOL)


def test_stata_percentile_rule():
    # Stata [R] summarize, Methods and formulas: x_(i+1) if np/100 = i + h with h > 0, else the
    # average of x_(i) and x_(i+1). Hand values for x = 1..10 and 1..7.
    x10 = np.arange(1, 11.0)
    assert stata_percentile(x10, 50) == 5.5 and stata_percentile(x10, 5) == 1.0 and stata_percentile(x10, 95) == 10.0
    assert stata_percentile(np.arange(1, 8.0), 50) == 4.0


def test_time_effects_equal_explicit_dummies_and_linearmodels(simulated):
    # Reference: linearmodels RandomEffects with explicit year dummies (balanced panel, where its
    # Swamy–Arora variance components are Stata's; it matches the stored xtreg, re results above).
    xs = [f"x{i}" for i in range(1, 6)]
    res = fit_random_effects(simulated, "y", xs, unit="firm", time_effects=True)
    assert list(res.params.index) == [*xs, "2000.year", "2001.year", "_cons"]
    panel = simulated.set_index(["firm", "time"])
    exog = pd.concat([panel[xs], pd.get_dummies(panel["year"], drop_first=True, dtype=float)], axis=1)
    exog["const"] = 1.0
    lm = RandomEffects(panel["y"], exog).fit()
    np.testing.assert_allclose(res.params.to_numpy(), lm.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.std_errors.to_numpy(), lm.std_errors.to_numpy(), rtol=RTOL)
    assert res.sigma_u**2 == pytest.approx(lm.variance_decomposition["Effects"], rel=RTOL)
    assert res.sigma_e**2 == pytest.approx(lm.variance_decomposition["Residual"], rel=RTOL)
    # The same dummies passed by hand give the same fit.
    data = simulated.assign(d2000=(simulated.year == 2000).astype(float), d2001=(simulated.year == 2001).astype(float))
    by_hand = fit_random_effects(data, "y", [*xs, "d2000", "d2001"], unit="firm")
    np.testing.assert_allclose(by_hand.params.to_numpy(), res.params.to_numpy(), rtol=1e-10)


def test_negative_sigma_u_gives_pooled_ols():
    # When the between residual variance is below σ_e²/T̄, xtreg sets σ_u = 0, θ = 0: pooled OLS.
    # Reference: statsmodels OLS (nonrobust) of y on x and a constant.
    rng = np.random.default_rng(3)
    n, t = 40, 5
    unit = np.repeat(np.arange(n), t)
    x = rng.normal(size=n * t)
    e = rng.normal(size=n * t)
    e -= (np.bincount(unit, e) / t)[unit]  # no between variation in the error at all
    data = pd.DataFrame({"id": unit, "x": x, "y": 1 + 2 * x + e})
    res = fit_random_effects(data, "y", ["x"], unit="id")
    ols = OLS(data["y"], np.column_stack([data["x"], np.ones(n * t)])).fit()
    assert res.sigma_u == 0 and np.all(res.theta == 0)
    np.testing.assert_allclose(res.params.to_numpy(), ols.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(res.std_errors.to_numpy(), ols.bse.to_numpy(), rtol=1e-10)


# --------------------------------------------------------------------------- Hausman


@pytest.mark.parametrize("missing", MISSING)
@pytest.mark.parametrize("sigma", ["default", "sigmamore", "sigmaless"])
def test_hausman_matches_formula_on_stored_stata_results(simulated, missing, sigma):
    # Reference: (b − B)' (V_b − V_B)⁻¹ (b − B) written out on the stored Stata numbers of
    # xtreg, fe vce(conventional) (b, V_b, e(sigma_e)) and xtreg, re vce(conventional)
    # (B, V_B, e(rmse)); df = 5 slopes, _cons excluded (hausman's default). sigmamore rescales
    # V_b by e(rmse)_re² / e(sigma_e)_fe², sigmaless V_B by the inverse (help hausman).
    y, xs = variables(missing)
    cf, sf, Vf = stata_block(f"fixed_effect-conventional--{missing}")
    cr, sr, Vr = stata_block(f"random_effect-conventional--{missing}")
    Vb, VB = Vf.loc[xs, xs].to_numpy(), Vr.loc[xs, xs].to_numpy()
    if sigma == "sigmamore":
        Vb = Vb * sr["rmse"] ** 2 / sf["sigma_e"] ** 2
    elif sigma == "sigmaless":
        VB = VB * sf["sigma_e"] ** 2 / sr["rmse"] ** 2
    d = (cf["b"] - cr["b"])[xs].to_numpy()
    chi2 = float(d @ np.linalg.solve(Vb - VB, d))

    fe = fit_fixed_effects(simulated, y, xs, absorb=["firm"], vcov="unadjusted", cluster=None, drop_singletons=False)
    re = fit_random_effects(simulated, y, xs, unit="firm")
    h = hausman_test(fe, re, sigma=sigma)
    assert h.terms == xs and h.df == 5
    assert h.statistic == pytest.approx(chi2, rel=RTOL)
    assert h.pvalue == pytest.approx(stats.chi2.sf(chi2, 5), rel=RTOL)
    assert h.diagnostics["hausman_chi2"] == h.statistic and h.diagnostics["hausman_df"] == 5
    assert h.positive_definite and not h.notes


def _fake(params, cov, rmse=1.0, vcov_type="unadjusted"):
    terms = list(params)
    return SimpleNamespace(params=pd.Series(params), cov=pd.DataFrame(cov, index=terms, columns=terms),
                           rmse=rmse, vcov_type=vcov_type)


def test_hausman_not_positive_definite_and_negative_chi2():
    # Hand computation: d = (1, 0), V_b − V_B = diag(−1, 2) → chi2 = −1: Stata reports the
    # negative value with its "chi2<0" note and no p-value; d = (0, 2) → chi2 = 2, with the
    # "not positive definite" note and p = P(chi2(2) > 2) = e^{-1}.
    fe = _fake({"a": 1.0, "b": 0.0}, [[1.0, 0.0], [0.0, 3.0]])
    re = _fake({"a": 0.0, "b": 0.0}, [[2.0, 0.0], [0.0, 1.0]])
    h = hausman_test(fe, re)
    assert h.statistic == pytest.approx(-1.0) and np.isnan(h.pvalue) and not h.positive_definite
    assert any("chi2<0" in n for n in h.notes) and any("not positive definite" in n for n in h.notes)
    assert np.isnan(h.se_difference["a"]) and h.se_difference["b"] == pytest.approx(np.sqrt(2))
    h2 = hausman_test(_fake({"a": 1.0, "b": 2.0}, [[1.0, 0.0], [0.0, 3.0]]), _fake({"a": 1.0, "b": 0.0}, [[2.0, 0.0], [0.0, 1.0]]))
    assert h2.statistic == pytest.approx(2.0) and h2.pvalue == pytest.approx(np.exp(-1.0))
    # Rank-deficient difference: generalized inverse, df = rank (hand: V = [[1,1],[1,1]], d = (1,1) → 1).
    h3 = hausman_test(_fake({"a": 2.0, "b": 2.0}, [[2.0, 1.0], [1.0, 2.0]]), _fake({"a": 1.0, "b": 1.0}, np.eye(2)))
    assert h3.df == 1 and h3.statistic == pytest.approx(1.0)
    assert any("rank of the differenced variance matrix (1)" in n for n in h3.notes)


def test_hausman_refuses_cluster_vce(simulated):
    fe = fit_fixed_effects(simulated, "y", ["x1"], absorb=["firm"], vcov="cluster", cluster="firm")
    re = fit_random_effects(simulated, "y", ["x1"], unit="firm")
    with pytest.raises(ValueError, match="hausman cannot be used with vce"):
        hausman_test(fe, re)
    assert hausman_test(fe, re, force=True).notes[0].startswith("forced")
    with pytest.raises(ValueError, match="sigma must be one of"):
        hausman_test(fe, re, sigma="more")


@pytest.mark.parametrize("missing", MISSING)
def test_mundlak_cluster_robust(simulated, missing):
    # (1) Coefficients on x in the RE regression with unit means equal the within estimates:
    #     reference = Stata's xtreg, fe b (stored block fixed_effect-conventional).
    # (2) The Wald statistic on the means: reference computed from linearmodels RandomEffects on
    #     [x, mean_x, const] with cluster(firm), debiased=True, group_debias=True (the
    #     configuration linearmodels tests against Stata's xtreg, re vce(cluster)); balanced only.
    y, xs = variables(missing)
    cf, _, _ = stata_block(f"fixed_effect-conventional--{missing}")
    m = mundlak_test(simulated, y, xs, unit="firm")
    np.testing.assert_allclose(m.auxiliary.params[xs], cf.loc[xs, "b"], rtol=RTOL)
    assert m.df == 5 and m.terms == [f"mean_{x}" for x in xs]
    assert m.pvalue == pytest.approx(stats.chi2.sf(m.statistic, 5), rel=1e-12)
    if missing:
        return
    panel = simulated.set_index(["firm", "time"])[[y, *xs]].copy()
    for x in xs:
        panel[f"mean_{x}"] = panel.groupby(level=0)[x].transform("mean")
    panel["const"] = 1.0
    exog = panel[[*xs, *m.terms, "const"]]
    clusters = pd.DataFrame(pd.factorize(panel.index.get_level_values(0))[0], index=panel.index, columns=["c"])
    lm = RandomEffects(panel[y], exog).fit(cov_type="clustered", clusters=clusters, debiased=True, group_debias=True)
    g = lm.params[m.terms].to_numpy()
    chi2 = float(g @ np.linalg.solve(lm.cov.loc[m.terms, m.terms].to_numpy(), g))
    assert m.statistic == pytest.approx(chi2, rel=RTOL)


def test_mundlak_skips_time_invariant_regressor(simulated):
    firm_value = pd.Series(np.random.default_rng(0).normal(size=1000), index=simulated.firm.unique())
    data = simulated.assign(z=simulated.firm.map(firm_value))
    m = mundlak_test(data, "y", ["x1", "x2", "z"], unit="firm")
    assert m.terms == ["mean_x1", "mean_x2"] and any("z does not vary within firm" in n for n in m.notes)


# --------------------------------------------------------------------------- errors


def test_errors(simulated):
    with pytest.raises(ValueError, match="vcov must be one of"):
        fit_random_effects(simulated, "y", ["x1"], unit="firm", vcov="hc1")
    with pytest.raises(ValueError, match="not nested within clusters"):
        fit_random_effects(simulated, "y", ["x1"], unit="firm", vcov="cluster", cluster="year")
    with pytest.raises(ValueError, match="columns not in the data"):
        fit_random_effects(simulated, "y", ["nope"], unit="firm")
    with pytest.raises(ValueError, match="too few units"):
        fit_random_effects(simulated[simulated.firm == "firm.0001"], "y", ["x1"], unit="firm")
    with pytest.raises(ValueError, match="too few clusters"):
        data = simulated.assign(one=1)
        fit_random_effects(data, "y", ["x1"], unit="firm", vcov="cluster", cluster="one")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit_random_effects(simulated.assign(x1b=2 * simulated.x1), "y", ["x1", "x1b"], unit="firm")
    assert res.dropped["collinear"] == ["x1b"] and any("x1b omitted" in str(w.message) for w in caught)


def test_time_invariant_regressor_matches_linearmodels(simulated):
    # A regressor constant within firms is identified by RE (between variation) and dropped from
    # the within regression that gives σ_e (xtreg_re.ado's ffxreg2: _regress omits it, so
    # df = N − n − k_w with k_w = 5). Reference: linearmodels RandomEffects (balanced panel).
    xs = [f"x{i}" for i in range(1, 6)]
    firm_value = pd.Series(np.random.default_rng(1).normal(size=1000), index=simulated.firm.unique())
    data = simulated.assign(z=simulated.firm.map(firm_value))
    res = fit_random_effects(data, "y", [*xs, "z"], unit="firm")
    panel = data.set_index(["firm", "time"])
    lm = RandomEffects(panel["y"], panel[[*xs, "z"]].assign(const=1.0)).fit()
    np.testing.assert_allclose(res.params.to_numpy(), lm.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.std_errors.to_numpy(), lm.std_errors.to_numpy(), rtol=RTOL)
    assert res.sigma_e**2 == pytest.approx(lm.variance_decomposition["Residual"], rel=RTOL)
    # σ_e is the within regression's, unaffected by z: Stata's stored e(sigma_e) of xtreg x1-x5, re.
    _, sc, _ = stata_block("random_effect-conventional--")
    assert res.sigma_e == pytest.approx(sc["sigma_e"], rel=RTOL)
