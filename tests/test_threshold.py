"""Panel threshold regression (models_py/estimators/threshold.py): simulated panels with known
thresholds, the brute-force reference (tests/reference/threshold_bruteforce.py), Hansen's (1999)
investment panel, and bad input. No warehouse build; small bootstrap counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models_py.estimators.threshold import fit_threshold, lr_critical_value, prepare_panel, sequential_search
from models_py.estimators.threshold_bootstrap import draw_responses, null_fit, replay_f
from tests.reference import threshold_bruteforce as brute


def simulated_panel(n=31, T=13, gammas=(0.0,), slopes=((1.0,), (-1.0,)), noise=0.5, seed=0, controls=2):
    """y = μ_i + Σ_j β_j'x·1(regime j) + 0.3·Σ c + e, q and x correlated with μ_i."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n), T)
    year = np.tile(np.arange(2010, 2010 + T), n)
    mu = rng.normal(size=n)[unit]
    q = rng.normal(size=n * T) + 0.3 * mu
    kr = len(slopes[0])
    x = rng.normal(size=(n * T, kr)) + 0.5 * mu[:, None]
    cuts = np.concatenate([[-np.inf], gammas, [np.inf]])
    y = mu.copy()
    for j, beta in enumerate(slopes):
        y += (x @ np.asarray(beta)) * ((q > cuts[j]) & (q <= cuts[j + 1]))
    frame = pd.DataFrame({"region_code": unit, "year": year, "q": q})
    for k in range(kr):
        frame[f"x{k}"] = x[:, k]
    for c in range(controls):
        frame[f"c{c}"] = rng.normal(size=n * T)
        y += 0.3 * frame[f"c{c}"].to_numpy()
    frame["y"] = y + rng.normal(scale=noise, size=n * T)
    return frame


# --------------------------------------------------------------------------- known thresholds

# The estimate is a value of q, so it can miss the truth by the gap to the nearest observation;
# with these slopes and noise it lands within 0.05 of it.
TOLERANCE = 0.05


def test_single_threshold_recovered_and_tested():
    panel = simulated_panel(gammas=(0.3,), seed=11)
    fit = fit_threshold(panel, "y", "x0", "q", ["c0", "c1"], bootstrap=99, seed=5)
    th = fit.estimates.loc["Th-1"]
    assert abs(th["threshold"] - 0.3) < TOLERANCE
    assert th["lower"] <= 0.3 + TOLERANCE and th["upper"] >= 0.3 - TOLERANCE
    assert fit.thresholds == (th["threshold"],)
    single = fit.tests[0]
    assert single.p_value < 0.05 and single.f_stat > single.crit1
    assert abs(fit.params["x0_regime1"] - 1.0) < 0.15 and abs(fit.params["x0_regime2"] + 1.0) < 0.15
    assert abs(fit.params["c0"] - 0.3) < 0.1
    assert fit.stat_kind == "t" and fit.nobs == 31 * 13 and fit.n_clusters == 31
    assert sum(fit.regime_counts) == fit.nobs


def test_no_threshold_not_rejected():
    panel = simulated_panel(gammas=(0.3,), slopes=((0.7,), (0.7,)), seed=12)
    fit = fit_threshold(panel, "y", "x0", "q", ["c0", "c1"], bootstrap=99, seed=6)
    assert fit.tests[0].p_value > 0.10
    assert fit.tests[0].f_stat < fit.tests[0].crit10


def test_double_threshold_recovered_triple_not_rejected():
    panel = simulated_panel(gammas=(-0.5, 0.6), slopes=((1.0,), (-0.5,), (0.8,)), seed=13)
    fit = fit_threshold(panel, "y", "x0", "q", ["c0", "c1"], n_thresholds=3, bootstrap=(49, 49, 49), seed=7)
    assert abs(fit.estimates.loc["Th-21", "threshold"] + 0.5) < TOLERANCE
    assert abs(fit.estimates.loc["Th-22", "threshold"] - 0.6) < TOLERANCE
    single, double, triple = fit.tests
    assert single.p_value < 0.05 and double.p_value < 0.05 and triple.p_value > 0.10
    assert list(fit.lr_curves) == ["Th-1", "Th-21", "Th-22", "Th-3"]
    curve = fit.lr_curves["Th-22"]
    assert curve["lr"].min() == 0 and curve.loc[curve["lr"].idxmin(), "threshold"] == fit.estimates.loc["Th-22", "threshold"]
    names = {d.name for d in fit.diagnostics}
    assert {"threshold_th21", "threshold_th22_lower", "threshold_f_double", "threshold_f_triple_crit5"} <= names


def test_bootstrap_is_seeded():
    panel = simulated_panel(seed=14)
    a = fit_threshold(panel, "y", "x0", "q", ["c0"], bootstrap=20, seed=3).tests[0]
    b = fit_threshold(panel, "y", "x0", "q", ["c0"], bootstrap=20, seed=3).tests[0]
    c = fit_threshold(panel, "y", "x0", "q", ["c0"], bootstrap=20, seed=4).tests[0]
    assert a == b and a.crit5 != c.crit5


def test_lr_critical_value():
    assert lr_critical_value(0.95) == pytest.approx(7.352, abs=1e-3)  # xthreg's yline(7.35)


# --------------------------------------------------------------------------- against brute force


def _brute_inputs(panel, regime, controls):
    return (panel["y"].to_numpy(), panel["region_code"].tolist(), panel["q"].tolist(),
            panel[regime].to_numpy().tolist(), panel[controls].to_numpy().tolist())


@pytest.mark.parametrize("regime", [["x0"], ["x0", "x1"]])
def test_matches_brute_force(regime):
    slopes = ((1.0, 0.5), (-1.0, 0.0), (0.5, -0.5), (1.5, 0.2))
    panel = simulated_panel(n=12, T=5, gammas=(-0.6, 0.2, 0.9), slopes=tuple(s[:len(regime)] for s in slopes),
                            seed=21, controls=1)
    df = 12 * (5 - 1)
    trims, points = (0.1, 0.1, 0.1), 15
    fit = fit_threshold(panel, "y", regime, "q", ["c0"], n_thresholds=3, trim=trims, grid=points, bootstrap=0)
    args = _brute_inputs(panel, regime, ["c0"])
    ref = brute.sequential(*args, 3, trims, points)
    for label in ["Th-1", "Th-21", "Th-22", "Th-3"]:
        estimate, rss, curve, candidates = ref[label]
        assert fit.estimates.loc[label, "threshold"] == estimate
        np.testing.assert_allclose(fit.estimates.loc[label, "rss"], rss, rtol=1e-10)
        np.testing.assert_array_equal(fit.lr_curves[label]["threshold"], candidates)
        ours = fit.lr_curves[label]["lr"] * fit.estimates.loc[label, "rss"] / df + fit.estimates.loc[label, "rss"]
        np.testing.assert_allclose(ours, curve, rtol=1e-10)
    single, double, triple = fit.tests
    np.testing.assert_allclose(single.rss, ref["Th-1"][1], rtol=1e-10)
    np.testing.assert_allclose(single.f_stat, (ref["linear"] - ref["Th-1"][1]) / (ref["Th-1"][1] / df), rtol=1e-9)
    np.testing.assert_allclose(triple.f_stat, (ref["double_refined"] - ref["Th-3"][1]) / (ref["Th-3"][1] / df), rtol=1e-9)
    beta, se, rss = brute.coefficients(*args, list(fit.thresholds))
    terms = ["c0", *[f"{x}_regime{j}" for j in range(1, 5) for x in regime]]
    np.testing.assert_allclose(fit.params[terms], beta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fit.std_errors[terms], se, rtol=1e-10)
    np.testing.assert_allclose(fit.rss, rss, rtol=1e-10)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_bootstrap_replay_matches_brute_force(k):
    panel_frame = simulated_panel(n=8, T=6, gammas=(-0.4, 0.5), slopes=((1.0,), (-0.5,), (0.8,)), seed=22, controls=1)
    trims, points, reps = (0.1, 0.1, 0.1), 12, 4
    panel = prepare_panel(panel_frame, "y", ["x0"], "q", ["c0"])
    searches, grid = sequential_search(panel, k, trims, points, 0.95)
    by_label = {s.label: s for s in searches}
    null = {1: (), 2: (by_label["Th-1"].estimate,), 3: by_label.get("Th-3", searches[0]).fixed}[k]
    fitted, resid = null_fit(panel, null)
    draws = np.random.default_rng(9).integers(0, 8, size=(reps, 8))
    ours = replay_f(panel, grid, trims, k, draw_responses(panel, fitted, resid, reps, np.random.default_rng(9)))
    ref = brute.bootstrap_f(*_brute_inputs(panel_frame, ["x0"], ["c0"]), k, trims, points, k, draws)
    np.testing.assert_allclose(ours, ref, rtol=1e-8)


def test_options_year_effects_unadjusted_and_threshold_in_regime():
    """year_effects = year dummies listed as controls; vcov='unadjusted' = xtreg, fe's
    σ² = RSS/(NT − N − k); the threshold variable may also be the regime variable (rx(x) qx(x))."""
    panel = simulated_panel(n=10, T=6, gammas=(0.1,), seed=40, controls=1)
    auto = fit_threshold(panel, "y", "x0", "q", ["c0"], year_effects=True, bootstrap=0)
    dummies = pd.get_dummies(panel["year"], prefix="yr", drop_first=True, dtype=float)
    by_hand = fit_threshold(pd.concat([panel, dummies], axis=1), "y", "x0", "q", ["c0", *dummies.columns], bootstrap=0)
    assert auto.estimates.equals(by_hand.estimates)
    np.testing.assert_allclose(auto.params[["x0_regime1", "x0_regime2"]], by_hand.params[["x0_regime1", "x0_regime2"]], rtol=1e-12)

    plain = fit_threshold(panel, "y", "x0", "q", ["c0"], vcov="unadjusted", bootstrap=0)
    X, n_units = brute.design(panel["region_code"].tolist(), panel["q"].tolist(), panel[["x0"]].to_numpy().tolist(),
                              panel[["c0"]].to_numpy().tolist(), list(plain.thresholds))
    beta, *_ = np.linalg.lstsq(X, panel["y"].to_numpy(), rcond=None)
    resid = panel["y"].to_numpy() - X @ beta
    sigma2 = resid @ resid / (len(resid) - X.shape[1])
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(X.T @ X)))[n_units:]
    np.testing.assert_allclose(plain.std_errors[["c0", "x0_regime1", "x0_regime2"]], se, rtol=1e-10)
    assert plain.n_clusters is None and plain.vcov_type == "unadjusted"

    same = fit_threshold(panel, "y", "q", "q", ["c0"], bootstrap=0)
    assert set(same.params.index) >= {"q_regime1", "q_regime2"}


# --------------------------------------------------------------------------- bad input


def test_unbalanced_panel_names_units_and_years():
    panel = simulated_panel(n=5, T=4, seed=30).drop(index=[5, 13])
    with pytest.raises(ValueError, match=r"balanced panel.*1: missing \[2011\].*3: missing \[2011\]"):
        fit_threshold(panel, "y", "x0", "q", bootstrap=0)


def test_missing_values_are_an_error_not_a_drop():
    panel = simulated_panel(n=5, T=4, seed=31)
    panel.loc[3, "c0"] = np.nan
    with pytest.raises(ValueError, match=r"1 row\(s\) have missing.*'c0': 1"):
        fit_threshold(panel, "y", "x0", "q", ["c0"], bootstrap=0)


def test_bad_options_and_constant_variables():
    panel = simulated_panel(n=6, T=5, seed=32)
    with pytest.raises(ValueError, match="n_thresholds must be 1, 2 or 3"):
        fit_threshold(panel, "y", "x0", "q", n_thresholds=4)
    with pytest.raises(ValueError, match="trim needs one value per threshold"):
        fit_threshold(panel, "y", "x0", "q", n_thresholds=2, trim=(0.05,))
    with pytest.raises(ValueError, match=r"trim must lie in \(0, 0.5\)"):
        fit_threshold(panel, "y", "x0", "q", trim=0.6)
    panel["size"] = panel["region_code"] * 2.0
    with pytest.raises(ValueError, match=r"constant within every region_code.*'size'"):
        fit_threshold(panel, "y", "x0", "q", ["size"], bootstrap=0)
    with pytest.raises(ValueError, match=r"columns not in the data: \['nope'\]"):
        fit_threshold(panel, "y", "x0", "nope")


# --------------------------------------------------------------------------- Hansen's (1999) panel

HANSEN_DATA = Path(__file__).resolve().parent / "data" / "hansen1999_invest.csv.gz"
HANSEN_CONTROLS = ["q1", "q2", "q3", "d1", "qd1"]


def hansen_panel() -> pd.DataFrame:
    """565 firms x 14 years (1974-1987): investment i, lagged Tobin's Q q1, cash flow c1, debt d1;
    Hansen's regressors q1, q1^2, q1^3, d1, q1*d1 (tests/data/README.md)."""
    frame = pd.read_csv(HANSEN_DATA)
    frame["q2"], frame["q3"], frame["qd1"] = frame["q1"] ** 2, frame["q1"] ** 3, frame["q1"] * frame["d1"]
    return frame


def hansen_grid(q: np.ndarray, quantiles: int = 400, trim: float = 0.01) -> np.ndarray:
    """Hansen's candidates (his GAUSS code, as pdR's ptm.R): the floor(s·M)-th of the M sorted
    distinct values for s = trim, trim + 1/quantiles, …, 1 − trim. His lower regime is q < γ."""
    distinct = np.unique(q)
    steps = np.arange(trim, 1 - trim + 1e-12, 1 / quantiles)
    return distinct[np.floor(steps * distinct.size).astype(int) - 1]


def test_hansen_1999_investment_panel():
    """Hansen (1999) finds γ1 = 0.0157 and γ2 = 0.5362 (Table 3); his code (pdR 1.9.3's ptm on these
    data, tests/data/README.md) gives 0.0157, 0.53616, refined 0.0157. We search his grid, each
    value moved to the preceding distinct value of d1 so that our 'q ≤ γ' splits the sample where
    his 'q < γ' does. The single threshold then splits it exactly as his (965 firm-years below).
    The second is near but not equal: his estimator drops the last year of the demeaned data
    (pdR's tr()), xthreg and we fit the within (xtreg, fe) regression on all years, so the RSS
    curves differ; ours is 0.54046, 0.0043 (0.8 %) above his."""
    frame = hansen_panel()
    distinct = np.unique(frame["d1"])
    his = hansen_grid(frame["d1"].to_numpy())
    ours = distinct[np.searchsorted(distinct, his) - 1]
    fit = fit_threshold(frame, "i", "c1", "d1", HANSEN_CONTROLS, unit="id", time="year", n_thresholds=2,
                        trim=0.01, grid=ours, bootstrap=(19, 19), seed=1999)
    assert fit.nobs == 565 * 14 and fit.n_clusters == 565
    below_his_single = int((frame["d1"] < 0.0157).sum())
    assert below_his_single == 965
    single = fit.estimates.loc["Th-1", "threshold"]
    assert int((frame["d1"] <= single).sum()) == below_his_single
    assert fit.estimates.loc["Th-21", "threshold"] == single
    assert abs(fit.estimates.loc["Th-22", "threshold"] - 0.5362) < 0.005
    # Hansen: both threshold effects significant (bootstrap p = 0.000); here F beats all 19 draws.
    assert fit.tests[0].p_value == 0 and fit.tests[1].p_value == 0
    # Our own figures on this public panel, pinned so a change shows (not a reference):
    np.testing.assert_allclose(fit.estimates["rss"].to_numpy(), [17.781690, 17.725498, 17.725498], rtol=1e-6)
    np.testing.assert_allclose([t.f_stat for t in fit.tests], [32.801, 23.285], rtol=1e-4)
