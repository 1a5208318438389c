"""fit_fixed_effects against published or independently computed reference output.

Every expected number comes from an outside source named next to it: the Stata results that
linearmodels ships, published Stata output for `webuse grunfeld`, pyfixest, or an explicit
dummy-variable (LSDV) regression (statsmodels OLS or numpy least squares). None comes from
running our own code.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from statsmodels.regression.linear_model import OLS

from tests.reference.linearmodels_stata import LM_STATA_DTA, stata_block
from models_py.estimators.fixed_effects import FixedEffectsResult, fit_fixed_effects, stars

RTOL = 1e-6
# The LSDV references below are rank-deficient by construction (all dummies of every factor).
pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")

@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    # generate-panel-data.py codes firm_id from the index after reset_index(), so in the shipped
    # file it numbers rows. The Stata results group by firm (e(N_g) = 1000), and linearmodels'
    # own test_simulated_against_stata.py indexes by ["firm", "time"]; so do we.
    return pd.read_stata(LM_STATA_DTA)


@pytest.fixture(scope="module")
def grunfeld() -> pd.DataFrame:
    """statsmodels' Grunfeld data: 11 firms × 20 years (invest, value, capital)."""
    from statsmodels.datasets import grunfeld

    return grunfeld.load_pandas().data


@pytest.fixture(scope="module")
def grunfeld10(grunfeld) -> pd.DataFrame:
    """The data of Stata's `webuse grunfeld`: its 10 firms (statsmodels adds American Steel), with
    invest, mvalue and kstock held as Stata stores them there, in single precision (float)."""
    df = grunfeld[grunfeld["firm"] != "American Steel"].reset_index(drop=True)
    for col in ("invest", "value", "capital"):
        df[col] = df[col].astype(np.float32).astype(float)
    return df


def fit(*args, **kwargs) -> FixedEffectsResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_fixed_effects(*args, **kwargs)


# --------------------------------------------------------------------------- xtreg, fe (Stata via linearmodels)

XTREG_CASES = [
    # (block in the results file, our vcov): xtreg's vce(robust) is clustered by panel.
    ("fixed_effect-conventional--", "unadjusted"),
    ("fixed_effect-cluster--", "cluster"),
    ("fixed_effect-robust--", "cluster"),
]


@pytest.mark.parametrize("missing", ["", "_light", "_heavy"])
@pytest.mark.parametrize("key,vcov", XTREG_CASES)
def test_xtreg_fe_matches_stata(simulated, key, vcov, missing):
    coef, e, V = stata_block(key + missing)
    xs = [f"x{i}{missing}" for i in range(1, 6)]
    # xtreg keeps singleton panels (there are some in _light/_heavy), so keep them too.
    res = fit(simulated, f"y{missing}", xs, absorb=["firm"], vcov=vcov, cluster="firm", drop_singletons=False)
    terms = list(coef.index)
    assert list(res.params.index) == terms  # regressors in order, _cons last
    np.testing.assert_allclose(res.params[terms], coef["b"], rtol=RTOL)
    np.testing.assert_allclose(res.std_errors[terms], np.sqrt(np.diag(V.loc[terms, terms])), rtol=RTOL)
    np.testing.assert_allclose(res.cov.loc[terms, terms], V.loc[terms, terms], rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(res.tstats[terms], coef["t"], rtol=RTOL)
    np.testing.assert_allclose(res.pvalues[terms], coef["p"], rtol=1e-5, atol=1e-12)
    assert res.nobs == e["N"]
    assert res.df_resid == e["df_r"]
    if vcov == "cluster":
        assert res.n_clusters == e["N_g"]
    np.testing.assert_allclose(res.fstat, e["F"], rtol=RTOL)
    np.testing.assert_allclose(res.rsquared_within, e["r2_w"], rtol=RTOL)
    # xtreg's e(tss) is the total sum of squares about the mean, so reghdfe's (overall) R² is 1 − rss/tss.
    np.testing.assert_allclose(res.rsquared, 1 - e["rss"] / e["tss"], rtol=RTOL)
    if vcov == "unadjusted":
        # reghdfe's adjusted R²: 1 − (rss/df_r) / (tss/(N−1)), df_r = N − k − levels as in xtreg.
        r2_a = 1 - (e["rss"] / e["df_r"]) / (e["tss"] / (e["N"] - 1))
        np.testing.assert_allclose(res.rsquared_adj, r2_a, rtol=RTOL)
        np.testing.assert_allclose(res.rmse, e["rmse"], rtol=RTOL)


# --------------------------------------------------------------------------- Grunfeld, published Stata output

# Published Stata logs for `webuse grunfeld` (mvalue = value, kstock = capital, company = firm),
# widely reproduced in teaching material: `xtreg invest mvalue kstock, fe` and
# `xtreg invest mvalue kstock, fe vce(cluster company)`. Stata prints about 7 significant digits,
# so agreement is checked to half a unit in the last printed decimal (≈1e-6 relative). The 1e-6
# check of the same model is test_grunfeld_one_way_cluster_equals_lsdv.
# (With double-precision data _cons is −58.743939 and would print as −58.74394: the published
# −58.74393 needs the single-precision storage of the Stata dataset, which grunfeld10 reproduces.)
GRUNFELD_XTREG = {  # as printed in the Stata logs
    "unadjusted": {
        "params": {"value": ".1101238", "capital": ".3100653", "_cons": "-58.74393"},
        "std_errors": {"value": ".0118567", "capital": ".0173545", "_cons": "12.45369"},
    },
    "cluster": {
        "params": {"value": ".1101238", "capital": ".3100653", "_cons": "-58.74393"},
        "std_errors": {"value": ".0151945", "capital": ".0527518", "_cons": "27.60286"},
    },
}


def matches_printed(value: float, printed: str) -> bool:
    """True when ``value`` is within half a unit of the last printed decimal."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return abs(value - float(printed)) <= 0.5 * 10.0**-decimals


@pytest.mark.parametrize("vcov", ["unadjusted", "cluster"])
def test_grunfeld_xtreg_fe_published(grunfeld10, vcov):
    res = fit(grunfeld10, "invest", ["value", "capital"], absorb=["firm"], vcov=vcov, cluster="firm")
    for attr, expected in GRUNFELD_XTREG[vcov].items():
        for term, printed in expected.items():
            got = getattr(res, attr)[term]
            assert matches_printed(got, printed), (attr, term, got, printed)
    assert res.nobs == 200
    assert res.absorbed == {"firm": 10}
    if vcov == "unadjusted":
        # Same published log: F(2,188) = 309.01, R-sq within = 0.7668, sigma_e = 52.767964.
        assert res.df_resid == 188
        assert matches_printed(res.fstat, "309.01")
        assert matches_printed(res.rsquared_within, "0.7668")
        assert matches_printed(res.rmse, "52.767964")
    else:
        assert res.n_clusters == 10 and res.df_resid == 9


def lsdv(df: pd.DataFrame, y: str, xs: list[str], factors: list[str]):
    """Explicit dummy-variable OLS in statsmodels: the regressors and every dummy of every factor
    (they span the constant). statsmodels drops nothing: pinv handles the redundant dummies and
    df_resid = N − rank."""
    dummies = [pd.get_dummies(df[f], prefix=f, dtype=float) for f in factors]
    X = pd.concat([df[xs].astype(float), *dummies], axis=1)
    return OLS(df[y].astype(float), X)


def reghdfe_cluster_factor(n: int, k_total: int, g: int) -> float:
    """reghdfe_cluster's small-sample factor G/(G−1) · (N−1)/(N−K), written out."""
    return g / (g - 1) * (n - 1) / (n - k_total)


def test_grunfeld_one_way_cluster_equals_lsdv(grunfeld10):
    # xtreg, fe vce(cluster): K = 2 regressors + 1 constant (firm FE nested in the cluster is not counted).
    mod = lsdv(grunfeld10, "invest", ["value", "capital"], ["firm"])
    raw = mod.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(grunfeld10["firm"])[0], "use_correction": False})
    expected_se = np.sqrt(np.diag(raw.cov_params().loc[["value", "capital"], ["value", "capital"]])
                          * reghdfe_cluster_factor(200, 3, 10))
    res = fit(grunfeld10, "invest", ["value", "capital"], absorb=["firm"], vcov="cluster", cluster="firm")
    np.testing.assert_allclose(res.params[["value", "capital"]], raw.params[["value", "capital"]], rtol=RTOL)
    np.testing.assert_allclose(res.std_errors[["value", "capital"]], expected_se, rtol=RTOL)


# --------------------------------------------------------------------------- two-way FE vs explicit LSDV


def test_grunfeld_two_way_cluster_equals_lsdv(grunfeld):
    xs = ["value", "capital"]
    mod = lsdv(grunfeld, "invest", xs, ["firm", "year"])
    raw = mod.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(grunfeld["firm"])[0], "use_correction": False})
    # reghdfe, absorb(firm year) vce(cluster firm): firm is nested in the cluster, so it adds no
    # dof; year becomes the first non-nested factor and counts all 20 levels (the intercept
    # lives there): K = 2 + 20 = 22.
    factor = reghdfe_cluster_factor(220, 2 + 20, 11)
    res = fit(grunfeld, "invest", xs, absorb=["firm", "year"], vcov="cluster", cluster="firm")
    np.testing.assert_allclose(res.params[xs], raw.params[xs], rtol=RTOL)
    np.testing.assert_allclose(res.std_errors[xs], np.sqrt(np.diag(raw.cov_params().loc[xs, xs]) * factor), rtol=RTOL)
    assert res.df_resid == 10  # G − 1
    assert res.absorbed == {"firm": 11, "year": 20}
    # Overall R² is the LSDV R² (the full model with all dummies).
    np.testing.assert_allclose(res.rsquared, raw.rsquared, rtol=RTOL)


@pytest.mark.parametrize("vcov,sm_cov", [("unadjusted", "nonrobust"), ("hc1", "HC1")])
def test_grunfeld_two_way_equals_lsdv(grunfeld, vcov, sm_cov):
    # statsmodels: nonrobust uses rss/(N − rank); HC1 scales by N/(N − rank), rank = 2 + 11 + 20 − 1,
    # which is reghdfe's K for unadjusted and robust VCEs.
    xs = ["value", "capital"]
    ref = lsdv(grunfeld, "invest", xs, ["firm", "year"]).fit(cov_type=sm_cov, use_t=True)  # t(df_resid) p-values
    res = fit(grunfeld, "invest", xs, absorb=["firm", "year"], vcov=vcov, cluster=None)
    np.testing.assert_allclose(res.params[xs], ref.params[xs], rtol=RTOL)
    np.testing.assert_allclose(res.std_errors[xs], ref.bse[xs], rtol=RTOL)
    assert res.df_resid == ref.df_resid == 220 - 32
    np.testing.assert_allclose(res.pvalues[xs], ref.pvalues[xs], rtol=RTOL)


def test_disconnected_factors_count_mobility_groups():
    """Two blocks of units that never share a year: the year dummies lose 2 dof, not 1
    (reghdfe counts mobility groups). statsmodels' df_resid is N − rank of the dummy design."""
    rng = np.random.default_rng(7)
    rows = [(u, t) for u in range(6) for t in range(4)] + [(u, t) for u in range(6, 12) for t in range(4, 9)]
    df = pd.DataFrame(rows, columns=["unit", "year"])
    df["x1"] = rng.normal(size=len(df))
    df["x2"] = rng.normal(size=len(df)) + 0.1 * df["year"]
    df["y"] = 1.5 * df["x1"] - 0.5 * df["x2"] + 0.3 * df["unit"] + rng.normal(size=len(df))
    for vcov, sm_cov in [("unadjusted", "nonrobust"), ("hc1", "HC1")]:
        ref = lsdv(df, "y", ["x1", "x2"], ["unit", "year"]).fit(cov_type=sm_cov)
        res = fit(df, "y", ["x1", "x2"], absorb=["unit", "year"], vcov=vcov, cluster=None)
        assert res.df_resid == ref.df_resid == len(df) - (2 + 12 + 9 - 2)
        np.testing.assert_allclose(res.params[["x1", "x2"]], ref.params[["x1", "x2"]], rtol=RTOL)
        np.testing.assert_allclose(res.std_errors[["x1", "x2"]], ref.bse[["x1", "x2"]], rtol=RTOL)


def test_three_factors_equal_lsdv():
    rng = np.random.default_rng(11)
    n = 600
    df = pd.DataFrame({"a": rng.integers(0, 40, n), "b": rng.integers(0, 15, n), "c": rng.integers(0, 6, n)})
    df["x1"] = rng.normal(size=n) + 0.05 * df["a"]
    df["x2"] = rng.normal(size=n) + 0.2 * df["c"]
    df["y"] = df["x1"] - 2 * df["x2"] + 0.1 * df["a"] - 0.3 * df["b"] + df["c"] + rng.normal(size=n)
    ref = lsdv(df, "y", ["x1", "x2"], ["a", "b", "c"]).fit(cov_type="HC1")
    res = fit(df, "y", ["x1", "x2"], absorb=["a", "b", "c"], vcov="hc1", cluster=None, drop_singletons=False)
    np.testing.assert_allclose(res.params[["x1", "x2"]], ref.params[["x1", "x2"]], rtol=RTOL)
    np.testing.assert_allclose(res.std_errors[["x1", "x2"]], ref.bse[["x1", "x2"]], rtol=RTOL)
    assert res.df_resid == ref.df_resid


def test_demeaning_on_a_poorly_connected_graph_equals_least_squares():
    """Units that rarely move between neighbouring firms (slow for plain MAP): the accelerated
    projections must still give the exact residuals, here from numpy's least squares on dummies."""
    from models_py.estimators.demean import Absorber

    rng = np.random.default_rng(5)
    unit = np.repeat(np.arange(200), 5)
    home = np.arange(200) * 50 // 200
    firm = np.where(rng.random(unit.size) < 0.05, (home[unit] + rng.integers(-2, 3, unit.size)) % 50, home[unit])
    Y = rng.normal(size=(unit.size, 2)) + np.column_stack([np.sin(firm / 10), unit / 100])
    D = np.column_stack([np.eye(200)[unit], np.eye(50)[firm]])
    expected = Y - D @ np.linalg.lstsq(D, Y, rcond=None)[0]
    np.testing.assert_allclose(Absorber([unit, firm]).demean(Y), expected, atol=1e-9)


# --------------------------------------------------------------------------- pyfixest (fixest / reghdfe conventions)

# pyfixest.utils.utils.ssc documents these as its defaults and as fixest's small-sample rules:
# (N−1)/(N−K) with fixed effects nested in the cluster left out of K (k_fixef="nonnested"), G/(G−1),
# and N/(N−K) for hetero — the same as reghdfe (pyfixest assumes connected factors: one redundant
# level per extra factor, which holds for these data). We set them explicitly, and tighten the
# demeaning tolerance (pyfixest's default fixef_tol is 1e-6).
PF_SSC = dict(k_adj=True, k_fixef="nonnested", G_adj=True, G_df="min")


def pyfixest_fit(df, formula, vcov):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(formula, data=df, vcov=vcov, ssc=pf.ssc(**PF_SSC), fixef_tol=1e-12)


@pytest.mark.parametrize("absorb", [["firm"], ["firm", "year"]])
@pytest.mark.parametrize(
    "vcov,cluster,pf_vcov",
    [("cluster", "firm", {"CRV1": "firm"}), ("cluster", "year", {"CRV1": "year"}), ("hc1", None, "hetero"),
     ("unadjusted", None, "iid")],
)
def test_grunfeld_matches_pyfixest(grunfeld, absorb, vcov, cluster, pf_vcov):
    xs = ["value", "capital"]
    ref = pyfixest_fit(grunfeld, f"invest ~ value + capital | {' + '.join(absorb)}", pf_vcov)
    res = fit(grunfeld, "invest", xs, absorb=absorb, vcov=vcov, cluster=cluster)
    np.testing.assert_allclose(res.params[xs], ref.coef()[xs], rtol=RTOL)
    np.testing.assert_allclose(res.std_errors[xs], ref.se()[xs], rtol=RTOL)
    np.testing.assert_allclose(res.pvalues[xs], ref.pvalue()[xs], rtol=RTOL, atol=1e-14)


@pytest.mark.parametrize("absorb", [["firm"], ["year", "firm"]])
def test_fixed_effect_nested_in_a_coarser_cluster_matches_pyfixest(grunfeld, absorb):
    # Firms grouped into 6 clusters: the firm FE is nested in the cluster without being it.
    df = grunfeld.assign(firm_group=pd.factorize(grunfeld["firm"])[0] // 2)
    xs = ["value", "capital"]
    ref = pyfixest_fit(df, f"invest ~ value + capital | {' + '.join(absorb)}", {"CRV1": "firm_group"})
    res = fit(df, "invest", xs, absorb=absorb, vcov="cluster", cluster="firm_group")
    assert res.n_clusters == 6
    np.testing.assert_allclose(res.std_errors[xs], ref.se()[xs], rtol=RTOL)
    np.testing.assert_allclose(res.pvalues[xs], ref.pvalue()[xs], rtol=RTOL)


def test_defaults_region_year_panel_match_pyfixest():
    """The project's default call: absorb region_code and year, cluster by region_code, on an
    unbalanced 31-province × 24-year panel with a few gaps."""
    rng = np.random.default_rng(2024)
    regions = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
               53, 54, 61, 62, 63, 64, 65]
    df = pd.DataFrame([(r, t) for r in regions for t in range(2000, 2024)], columns=["region_code", "year"])
    df = df.sample(frac=0.95, random_state=3).reset_index(drop=True)
    df["x1"] = rng.normal(size=len(df)) + 0.02 * (df["year"] - 2000)
    df["x2"] = rng.normal(size=len(df)) + 0.01 * df["region_code"]
    df["y"] = 0.8 * df["x1"] - 0.4 * df["x2"] + 0.05 * df["region_code"] + rng.normal(size=len(df))
    ref = pyfixest_fit(df, "y ~ x1 + x2 | region_code + year", {"CRV1": "region_code"})
    res = fit(df, "y", ["x1", "x2"])
    np.testing.assert_allclose(res.params[["x1", "x2"]], ref.coef()[["x1", "x2"]], rtol=RTOL)
    np.testing.assert_allclose(res.std_errors[["x1", "x2"]], ref.se()[["x1", "x2"]], rtol=RTOL)
    assert res.n_clusters == 31 and res.df_resid == 30
    assert res.absorbed == {"region_code": 31, "year": 24}


def test_singletons_dropped_as_pyfixest(simulated):
    # Heavy missingness leaves many firms with one observation; pyfixest drops singletons
    # iteratively (fixef_rm="singleton"), as reghdfe does.
    xs = [f"x{i}_heavy" for i in range(1, 6)]
    ref = pyfixest_fit(simulated, "y_heavy ~ " + " + ".join(xs) + " | firm + time", {"CRV1": "firm"})
    res = fit(simulated, "y_heavy", xs, absorb=["firm", "time"], vcov="cluster", cluster="firm")
    assert res.nobs == ref._N  # pyfixest's number of observations used
    np.testing.assert_allclose(res.params[xs], ref.coef()[xs], rtol=RTOL)
    np.testing.assert_allclose(res.std_errors[xs], ref.se()[xs], rtol=RTOL)
    complete = simulated[["y_heavy", *xs]].notna().all(axis=1)
    assert res.dropped["missing"] == int((~complete).sum())
    assert res.dropped["singletons"] == int(complete.sum()) - ref._N > 0


# --------------------------------------------------------------------------- sample rules


def small_panel() -> pd.DataFrame:
    """4 units × 3 years, plus unit 9 seen in years 2 and 3 only; year 3 has no other unit."""
    rng = np.random.default_rng(1)
    rows = [(u, t) for u in range(4) for t in range(3)] + [(9, 2), (9, 3)]
    df = pd.DataFrame(rows, columns=["unit", "year"])
    df["x"] = rng.normal(size=len(df))
    df["z"] = rng.normal(size=len(df))
    df["y"] = df["x"] + df["z"] + rng.normal(size=len(df))
    return df


def test_singletons_are_dropped_iteratively():
    df = small_panel()
    # (9, 3) is the only row of year 3 → dropped; then unit 9 has one row left → dropped too.
    res = fit(df, "y", ["x", "z"], absorb=["unit", "year"], vcov="unadjusted", cluster=None)
    assert res.dropped["singletons"] == 2 and res.nobs == 12
    assert res.absorbed == {"unit": 4, "year": 3}
    base = fit(df.iloc[:12], "y", ["x", "z"], absorb=["unit", "year"], vcov="unadjusted", cluster=None)
    np.testing.assert_allclose(res.params, base.params, rtol=1e-12)
    kept = fit(df, "y", ["x", "z"], absorb=["unit", "year"], vcov="unadjusted", cluster=None, drop_singletons=False)
    assert kept.dropped["singletons"] == 0 and kept.nobs == 14


def test_missing_rows_are_dropped_and_counted(grunfeld):
    df = grunfeld.copy()
    df.loc[[3, 50, 51], "value"] = np.nan
    df.loc[[100], "invest"] = np.nan
    df.loc[[50], "capital"] = np.nan  # same row as above: counted once
    res = fit(df, "invest", ["value", "capital"], absorb=["firm", "year"], vcov="cluster", cluster="firm")
    assert res.dropped["missing"] == 4
    ref = pyfixest_fit(df.dropna(), "invest ~ value + capital | firm + year", {"CRV1": "firm"})
    assert res.nobs == ref._N == 216
    np.testing.assert_allclose(res.std_errors[["value", "capital"]], ref.se()[["value", "capital"]], rtol=RTOL)


def test_regressor_constant_within_groups_is_omitted(grunfeld):
    df = grunfeld.copy()
    df["firm_size_class"] = pd.factorize(df["firm"])[0] % 3  # constant within each firm
    with pytest.warns(UserWarning, match="firm_size_class omitted because of collinearity"):
        res = fit_fixed_effects(df, "invest", ["value", "firm_size_class", "capital"], absorb=["firm", "year"],
                                vcov="cluster", cluster="firm")
    assert res.dropped["collinear"] == ["firm_size_class"]
    assert list(res.params.index) == ["value", "capital", "_cons"]
    assert "firm_size_class omitted because of collinearity" in res.notes
    assert "(omitted)" in res.summary()
    ref = pyfixest_fit(df, "invest ~ value + capital | firm + year", {"CRV1": "firm"})
    np.testing.assert_allclose(res.std_errors[["value", "capital"]], ref.se()[["value", "capital"]], rtol=RTOL)


def test_linear_combination_is_omitted_keeping_the_first(grunfeld):
    df = grunfeld.copy()
    df["total"] = df["value"] + 2 * df["capital"]
    with pytest.warns(UserWarning, match="total omitted because of collinearity"):
        res = fit_fixed_effects(df, "invest", ["value", "capital", "total"], absorb=["firm"], vcov="hc1", cluster=None)
    assert res.dropped["collinear"] == ["total"]
    assert list(res.params.index) == ["value", "capital", "_cons"]


def test_all_regressors_collinear_is_an_error(grunfeld):
    df = grunfeld.copy()
    df["firm_code"] = pd.factorize(df["firm"])[0].astype(float)
    with pytest.raises(ValueError, match="all regressors .* collinear"):
        fit(df, "invest", ["firm_code"], absorb=["firm", "year"], vcov="cluster", cluster="firm")


# --------------------------------------------------------------------------- errors


def test_one_cluster_is_an_error(grunfeld):
    df = grunfeld.assign(country="US")
    with pytest.raises(ValueError, match=r"too few clusters: 1 cluster"):
        fit(df, "invest", ["value", "capital"], absorb=["firm", "year"], vcov="cluster", cluster="country")


def test_clusters_not_more_than_regressors_is_an_error(grunfeld):
    df = grunfeld.assign(half=(grunfeld["year"] > 1944).astype(int))
    with pytest.raises(ValueError, match=r"2 clusters in 'half' for 2 regressors"):
        fit(df, "invest", ["value", "capital"], absorb=["firm"], vcov="cluster", cluster="half")


def test_fewer_observations_than_parameters_is_an_error():
    df = small_panel().iloc[:12]
    df = df[df["year"] < 2]  # 8 rows; 2 regressors + 4 units + 2 years − 1 = 7 parameters → N − K = 1 is fine
    fit(df, "y", ["x", "z"], absorb=["unit", "year"], vcov="unadjusted", cluster=None)
    df = df[df["unit"] < 3]  # 6 rows; 2 + 3 + 2 − 1 = 6 parameters
    with pytest.raises(ValueError, match=r"too few observations: 6 observations for 6 parameters"):
        fit(df, "y", ["x", "z"], absorb=["unit", "year"], vcov="unadjusted", cluster=None)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(vcov="robust"), "vcov must be one of"),
        (dict(vcov="cluster", cluster=None), "needs a cluster variable"),
        (dict(absorb=[]), "absorb must name at least one factor"),
        (dict(absorb=["no_such_column"]), "columns not in the data"),
    ],
)
def test_bad_arguments(grunfeld, kwargs, message):
    args = dict(absorb=["firm"], vcov="hc1", cluster=None) | kwargs
    with pytest.raises(ValueError, match=message):
        fit(grunfeld, "invest", ["value", "capital"], **args)


# --------------------------------------------------------------------------- reporting


def test_stars():
    # The usual table note: * p<0.10, ** p<0.05, *** p<0.01 (strict inequalities).
    pvalues = (0.2, 0.1, 0.099, 0.05, 0.049, 0.01, 0.0099, 0.0)
    assert [stars(p) for p in pvalues] == ["", "", "*", "*", "**", "**", "***", "***"]


def test_summary_and_result_fields(grunfeld):
    res = fit(grunfeld, "invest", ["value", "capital"], absorb=["firm", "year"], vcov="cluster", cluster="firm")
    text = res.summary()
    for piece in ("value", "capital", "_cons", "firm (11 levels)", "year (20 levels)", "11 clusters in firm"):
        assert piece in text
    assert list(res.cov.index) == list(res.params.index) == ["value", "capital", "_cons"]
    assert res.vcov_type == "cluster" and res.cluster == "firm" and res.n_clusters == 11
    assert res.dropped == {"singletons": 0, "missing": 0, "collinear": []}
    for value in (res.rsquared, res.rsquared_adj, res.rsquared_within, res.fstat):
        assert np.isfinite(value)


def test_regressor_constant_within_regions_on_an_unbalanced_panel_is_omitted_not_a_convergence_failure():
    # Regression test: the absorption's tolerance used to be relative to rounding noise for a column
    # lying within the fixed effects, so such a regressor raised ConvergenceError instead of being omitted.
    rng = np.random.default_rng(0)
    rows = [(r, y) for r in range(30) for y in range(2012, 2023) if rng.random() > 0.1]
    data = pd.DataFrame(rows, columns=["region_code", "year"])
    data["x"] = rng.normal(size=len(data))
    data["region_level"] = 0.37 * data["region_code"] + 1.0
    data["y"] = data["x"] + rng.normal(size=len(data))
    with pytest.warns(UserWarning, match="region_level omitted because of collinearity"):
        result = fit_fixed_effects(data, "y", ["x", "region_level"])
    assert result.dropped["collinear"] == ["region_level"]
    assert list(result.params.index) == ["x", "_cons"]


def test_time_invariant_regressor_on_a_balanced_two_way_panel_is_omitted_as_pyfixest():
    # On a balanced panel a regressor constant within units has per-year sums that are pure
    # rounding noise once the constant is removed; a convergence target relative to those sums
    # alone was never met (ConvergenceError). wage_panel: educ is constant within nr.
    from linearmodels.datasets import wage_panel

    data = wage_panel.load()
    with pytest.warns(UserWarning, match="educ omitted because of collinearity"):
        result = fit_fixed_effects(data, "lwage", ["hours", "educ"], absorb=["nr", "year"],
                                   vcov="cluster", cluster="nr")
    assert result.dropped["collinear"] == ["educ"]
    reference = pf.feols("lwage ~ hours | nr + year", data=data, vcov={"CRV1": "nr"})
    np.testing.assert_allclose(result.params["hours"], reference.coef()["hours"], rtol=1e-8)
    np.testing.assert_allclose(result.std_errors["hours"], reference.se()["hours"], rtol=1e-8)
