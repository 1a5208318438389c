"""fit_iv against published Stata output and independent dummy-variable 2SLS.

Every expected number comes from a source named next to it, never from running our code:

* ivreg2 on griliches76 (Hayashi 2000): the Stata results statsmodels ships in
  ``statsmodels/sandbox/regression/tests/results_ivreg2_griliches.py`` (ivreg2 02.2.08), with the
  data ``griliches76.dta`` beside them.
* ivreg2 with ``partial(_I*)`` / ``cluster(year)`` on the same data: the Stata fixtures of the
  ivreg2r project (github.com/restatr/ivreg2r, MIT), ``tests/stata-benchmarks/fixtures/``
  ``gril_partial_{coef,diagnostics}_{iid,robust}_small.csv`` (commit 73a6a3f4) and
  ``hf_gril_{coef,diagnostics}_H28.csv`` (help-file example H28, commit 813cf42e).
* ivregress 2sls on ``hsng``: the Stata results linearmodels ships in
  ``linearmodels/tests/iv/results/stata-iv-housing-results.txt`` (data ``housing.csv``).
* Stock & Yogo (2005), "Testing for weak instruments in linear IV regression", Tables 5.1 / 5.2.
* linearmodels IV2SLS with explicit region and year dummies, for the absorbed panel.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IV2SLS

from models_py.estimators.iv import IVResult, fit_iv
from models_py.estimators.weak_iv import stock_yogo

RTOL_COEF, RTOL_SE, RTOL_STAT = 1e-6, 1e-5, 1e-4

SM_TESTS = Path(importlib.util.find_spec("statsmodels").submodule_search_locations[0]) / "sandbox/regression/tests"
LM_IV_RESULTS = Path(importlib.util.find_spec("linearmodels").submodule_search_locations[0]) / "tests/iv/results"
YEAR_DUMMIES = [f"dyear_{y}" for y in (67, 68, 69, 70, 71, 73)]


def ivreg2_griliches(name: str):
    """One ParamsTableTestBunch of statsmodels' ivreg2 reference file."""
    module = importlib.import_module("statsmodels.sandbox.regression.tests.results_ivreg2_griliches")
    return getattr(module, name)


@pytest.fixture(scope="module")
def griliches() -> pd.DataFrame:
    # Stata stores these as float and computes in double: the same exact widening here.
    df = pd.read_stata(SM_TESTS / "griliches76.dta").astype(float)
    for name in YEAR_DUMMIES:
        df[name] = (df["year"] == int(name[-2:])).astype(float)
    return df


def fit(*args, **kwargs) -> IVResult:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no collinearity warning expected unless a test says so
        return fit_iv(*args, **kwargs)


def assert_rel(actual, expected, rtol, what=""):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol,
                               atol=0, err_msg=what)


# --------------------------------------------------------------------------- griliches76, ivreg2


GRILICHES_EXOG = ["expr", "tenure", "rns", "smsa"]
GRILICHES_ENDOG = ["s", "iq"]
GRILICHES_IV = ["med", "kww", "age", "mrt"]

# ivreg2 lw expr tenure rns smsa dyear* (s iq=med kww age mrt), small [robust]
# The year dummies are exogenous regressors there; absorbing year instead must give the same
# slopes, SEs (7 year levels = 6 dummies + constant) and diagnostics.
@pytest.mark.parametrize("absorb", [[], ["year"]])
@pytest.mark.parametrize(
    "ref_name,vcov",
    [("results_small", "unadjusted"), ("results_small_robust", "hc1"), ("results_small_robust", "robust")],
)
def test_griliches_matches_ivreg2_small(griliches, absorb, ref_name, vcov):
    ref = ivreg2_griliches(ref_name)
    exog = GRILICHES_EXOG + ([] if absorb else YEAR_DUMMIES)
    res = fit(griliches, "lw", exog, GRILICHES_ENDOG, GRILICHES_IV, absorb=absorb, vcov=vcov, cluster=None)
    table = pd.DataFrame(ref.params_table, index=ref.params_table_rownames, columns=ref.params_table_colnames)
    terms = list(res.params.index)
    assert terms == GRILICHES_ENDOG + exog + ([] if absorb else ["_cons"])
    assert_rel(res.params, table.loc[terms, "b"], RTOL_COEF, "coefficients")
    assert_rel(res.std_errors, table.loc[terms, "se"], RTOL_SE, "standard errors")
    assert_rel(res.tstats, table.loc[terms, "t"], RTOL_SE, "t statistics")
    assert_rel(res.pvalues, table.loc[terms, "pvalue"], RTOL_STAT, "p-values (t with 745 dof)")
    assert res.nobs == ref.N and res.df_resid == ref.Fdf2 == 745
    assert_rel(res.rss, ref.rss, RTOL_COEF)
    assert_rel(res.rmse, ref.rmse, RTOL_COEF)
    if not absorb:  # absorbed, the F test leaves out the year effects and R² is the within R² (see below)
        assert_rel([res.fstat, res.f_pvalue], [ref.F, ref.Fp], RTOL_STAT, "model F")
        assert_rel(res.rsquared, ref.r2c, RTOL_COEF)
        assert np.isnan(res.rsquared_within)

    dg = res.diagnostics
    if vcov == "unadjusted":
        expected = {"anderson_lm": ref.idstat, "anderson_lm_p": ref.idp, "cragg_donald_f": ref.cdf,
                    "sargan": ref.sargan, "sargan_p": ref.sarganp}
        assert all(np.isnan(dg[k]) for k in ("kp_rk_lm", "kp_rk_wald_f", "hansen_j"))
    else:
        expected = {"kp_rk_lm": ref.idstat, "kp_rk_lm_p": ref.idp, "kp_rk_wald_f": ref.widstat,
                    "cragg_donald_f": ref.cdf, "hansen_j": ref.j, "hansen_j_p": ref.jp}
        assert all(np.isnan(dg[k]) for k in ("anderson_lm", "sargan"))
    for key, value in expected.items():
        assert_rel(dg[key], value, RTOL_STAT, key)
    assert dg["n_instruments"] == ref.exexog_ct == 4 and dg["n_endogenous"] == ref.endog_ct == 2
    # Stock & Yogo (2005): 2 endogenous regressors, 4 excluded instruments.
    # Table 5.1 (2SLS relative bias 5/10/20/30 %): 11.04, 7.56, 5.57, 4.73.
    # Table 5.2 (2SLS size 10/15/20/25 %): 16.87, 9.93, 7.54, 6.28.
    assert [dg[f"stock_yogo_iv_bias_{p}"] for p in (5, 10, 20, 30)] == [11.04, 7.56, 5.57, 4.73]
    assert [dg[f"stock_yogo_iv_size_{p}"] for p in (10, 15, 20, 25)] == [16.87, 9.93, 7.54, 6.28]


@pytest.mark.parametrize("ref_name,vcov", [("results", "unadjusted"), ("results_robust", "hc1")])
def test_griliches_large_sample_ivreg2_times_the_small_factor(griliches, ref_name, vcov):
    """Without `small` ivreg2 divides by N: our SEs are Stata's times sqrt(N / (N − K)) with
    N = 758 and K = 13 regressors including the constant; the diagnostics do not change."""
    ref = ivreg2_griliches(ref_name)
    res = fit(griliches, "lw", GRILICHES_EXOG + YEAR_DUMMIES, GRILICHES_ENDOG, GRILICHES_IV, absorb=[], vcov=vcov,
              cluster=None)
    table = pd.DataFrame(ref.params_table, index=ref.params_table_rownames, columns=ref.params_table_colnames)
    factor = np.sqrt(758 / (758 - 13))
    assert_rel(res.std_errors, table.loc[res.params.index, "se"] * factor, RTOL_SE)
    key = "anderson_lm" if vcov == "unadjusted" else "kp_rk_lm"
    assert_rel([res.diagnostics[key], res.diagnostics["cragg_donald_f"]], [ref.idstat, ref.cdf], RTOL_STAT)


# --------------------------------------------------------------------------- griliches76, ivreg2r fixtures

# ivreg2 lw s expr tenure rns smsa _I* (iq=med kww age), partial(_I*) small [robust]
# (ivreg2r gril_partial_*_small.csv). Partialling the year dummies and the constant out is what
# ivreghdfe's absorb(year) does (ivreghdfe test.do, "ivreghdfe==ivreg+partial"): 7 absorbed dof.
PARTIAL_EXOG = ["s", "expr", "tenure", "rns", "smsa"]
PARTIAL_COEF = {
    "iq": 0.0015289161721122, "s": 0.0653219507422055, "expr": 0.0303855563912953,
    "tenure": 0.0426809700997472, "rns": -0.0996956525373011, "smsa": 0.1339323804839375,
}
PARTIAL_SE = {
    "unadjusted": {"iq": 0.0039386304848028, "s": 0.0130412040058589, "expr": 0.0066769964540584,
                   "tenure": 0.0076704251673332, "rns": 0.0296582017960618, "smsa": 0.0268055317030433},
    "hc1": {"iq": 0.0041805615969004, "s": 0.01351957143889, "expr": 0.0067375680993472,
            "tenure": 0.0073889808597899, "rns": 0.0299398392115021, "smsa": 0.026448678823372},
}
PARTIAL_DIAGNOSTICS = {
    "unadjusted": {"anderson_lm": 52.07253668740632, "anderson_lm_p": 2.89034031803e-11,
                   "cragg_donald_f": 18.26906057136474, "sargan": 70.85130469905577, "sargan_p": 4.11940665979e-16},
    "hc1": {"kp_rk_lm": 41.48163473891539, "kp_rk_lm_p": 5.16844955097e-09, "kp_rk_wald_f": 16.20129889179478,
            "cragg_donald_f": 18.26906057136474, "hansen_j": 60.23142225637102, "hansen_j_p": 8.33513884166e-14},
}
PARTIAL_MODEL_F = {"unadjusted": 38.21145056424659, "hc1": 41.48199655140673}


@pytest.mark.parametrize("vcov", ["unadjusted", "hc1"])
def test_absorbed_year_matches_ivreg2_partial(griliches, vcov):
    res = fit(griliches, "lw", PARTIAL_EXOG, ["iq"], ["med", "kww", "age"], absorb=["year"], vcov=vcov, cluster=None)
    terms = ["iq", *PARTIAL_EXOG]
    assert list(res.params.index) == terms  # no _cons with absorbed effects (ivreghdfe)
    assert_rel(res.params, [PARTIAL_COEF[t] for t in terms], RTOL_COEF)
    assert_rel(res.std_errors, [PARTIAL_SE[vcov][t] for t in terms], RTOL_SE)
    for key, value in PARTIAL_DIAGNOSTICS[vcov].items():
        assert_rel(res.diagnostics[key], value, RTOL_STAT, key)
    assert_rel(res.fstat, PARTIAL_MODEL_F[vcov], RTOL_STAT)
    # fixture: df_r 745, sdofminus 7, rss 79.51359724050893, r2 = r2c = .2395682088150131, sigma .3266950576998607
    assert res.df_resid == 745 and res.df_absorbed == 7 and res.absorbed == {"year": 7}
    assert_rel([res.rss, res.rsquared, res.rsquared_within, res.rmse],
               [79.51359724050893, 0.2395682088150131, 0.2395682088150131, 0.3266950576998607], RTOL_COEF)
    # Stock & Yogo (2005) for 1 endogenous regressor and 3 excluded instruments:
    # Table 5.2 size 22.30 / 12.83 / 9.54 / 7.80; Table 5.1 relative bias 13.91 / 9.08 / 6.46 / 5.39.
    assert [res.diagnostics[f"stock_yogo_iv_size_{p}"] for p in (10, 15, 20, 25)] == [22.30, 12.83, 9.54, 7.80]
    assert [res.diagnostics[f"stock_yogo_iv_bias_{p}"] for p in (5, 10, 20, 30)] == [13.91, 9.08, 6.46, 5.39]


def test_absorbed_year_clustered_by_year_matches_ivreg2_h28(griliches):
    """ivreg2 lw s expr tenure rns smsa _I* (iq=med kww age), cluster(year) partial(_I*) — the
    ivreg2 help file's example H28 (ivreg2r hf_gril_*_H28.csv). ivreg2 there uses neither `small`
    nor the nesting of year in the cluster; ivreghdfe absorb(year) cluster(year) does both: the
    year effects are nested in the clusters, df_a = 0 and sdofminus = 1 (not 7). Hence:
    SE = SE_H28 · sqrt(G/(G − 1) · (N − 1)/(N − k − 1));
    Wald-type F = F_H28 · (N − L − 1)/(N − L − 7); the rk LM statistic has no dof factor.
    N = 758, G = 7, k = 6, L = 8."""
    res = fit(griliches, "lw", PARTIAL_EXOG, ["iq"], ["med", "kww", "age"], absorb=["year"], vcov="cluster",
              cluster="year")
    n, g, k, L = 758, 7, 6, 8
    se_h28 = {"iq": 0.0041246653833551, "s": 0.0164517946770084, "expr": 0.0124756192998921,
              "tenure": 0.0060865034136984, "rns": 0.0396223453283843, "smsa": 0.0161705863587397}
    terms = list(res.params.index)
    assert_rel(res.params, [PARTIAL_COEF[t] for t in terms], RTOL_COEF)
    assert_rel(res.std_errors, [se_h28[t] * np.sqrt(g / (g - 1) * (n - 1) / (n - k - 1)) for t in terms], RTOL_SE)
    assert res.n_clusters == 7 and res.df_resid == 6 and res.df_absorbed == 1
    dg = res.diagnostics
    assert_rel(dg["kp_rk_lm"], 5.782563703958429, RTOL_STAT)  # e(idstat)
    assert_rel(dg["kp_rk_lm_p"], 0.1226817260025855, RTOL_STAT)  # e(idp), chi2(3)
    wald_factor = (n - L - 1) / (n - L - 7)
    assert_rel(dg["kp_rk_wald_f"], 32.62056354045993 * wald_factor, RTOL_STAT)  # e(widstat)
    assert_rel(dg["cragg_donald_f"], 18.26906057136474 * wald_factor, RTOL_STAT)  # e(cdf)
    # Model F: H28's is chi2/6 with V divided by G/(G−1)·(N−1)/(N−k−7); ours by …/(N−k−1).
    assert_rel(res.fstat, 220.9911879014775 * (n - k - 1) / (n - k - 7), RTOL_STAT)
    # 7 clusters < 8 moment conditions: S is singular and ivreg2 reports J as missing.
    assert np.isnan(dg["hansen_j"]) and np.isnan(dg["hansen_j_p"])
    assert any("Hansen J not available" in note for note in res.notes)
    # With one endogenous regressor the rk Wald statistic is the robust Wald test of the first-stage
    # coefficients of the excluded instruments, so the rk Wald F equals the first-stage F.
    assert_rel(res.first_stage["iq"].partial_f, dg["kp_rk_wald_f"], 1e-10)
    assert res.first_stage["iq"].partial_f_df == (3, 6)


# --------------------------------------------------------------------------- hsng, ivregress


def housing_block(key: str) -> tuple[pd.DataFrame, dict[str, float], pd.DataFrame]:
    """(b and t per term, e() scalars, e(V)) of one block of linearmodels' Stata results file."""
    lines = [line for line in (LM_IV_RESULTS / "stata-iv-housing-results.txt").read_text().splitlines() if line.strip()]
    block = lines[lines.index(f"########## !{key}! ##########") + 1 :]
    i = block.index("\tb/t") + 1
    coef = {}
    while block[i + 1].startswith("\t"):  # a coefficient line is followed by its t statistic
        name, b = block[i].split("\t")
        coef[name] = (float(b), float(block[i + 1].strip()))
        i += 2
    scalars = {}
    while not block[i].startswith("*****"):  # r2 … F p, until "********* Variance"
        name, value = block[i].split("\t")
        scalars.setdefault(name, float(value))
        i += 1
    names = block[i + 2].strip().split("\t")
    rows = [[float(v) for v in block[i + 3 + r].split("\t")[1:]] for r in range(len(names))]
    return pd.DataFrame(coef, index=["b", "t"]).T, scalars, pd.DataFrame(rows, index=names, columns=names)


@pytest.fixture(scope="module")
def housing() -> pd.DataFrame:
    df = pd.read_csv(LM_IV_RESULTS / "housing.csv", index_col=0)
    # i.region: any three of the four region dummies span the same instrument space with _cons.
    for region in ("N Cntrl", "South", "West"):
        df[f"region_{region}"] = (df["region"] == region).astype(float)
    return df


@pytest.mark.parametrize("vcov,key", [("unadjusted", "2sls-unadjusted-small"), ("hc1", "2sls-robust-small"),
                                      ("cluster", "2sls-cluster-small")])
def test_housing_matches_ivregress_small(housing, vcov, key):
    """ivregress 2sls rent pcturban (hsngval = faminc i.region), small vce(…) [cluster division]."""
    coef, scalars, V = housing_block(key)
    res = fit(housing, "rent", ["pcturban"], ["hsngval"], ["faminc", "region_N Cntrl", "region_South", "region_West"],
              absorb=[], vcov=vcov, cluster="division")
    terms = ["hsngval", "pcturban", "_cons"]
    assert list(res.params.index) == terms
    assert_rel(res.params, coef.loc[terms, "b"], RTOL_COEF)
    assert_rel(res.tstats, coef.loc[terms, "t"], RTOL_SE)
    assert_rel(res.std_errors, np.sqrt(np.diag(V.loc[terms, terms])), RTOL_SE)
    assert_rel(res.cov.loc[terms, terms].to_numpy(), V.loc[terms, terms].to_numpy(), RTOL_SE)
    assert_rel([res.rsquared, res.rss, res.rmse], [scalars["r2"], scalars["rss"], scalars["rmse"]], RTOL_COEF)
    assert_rel([res.fstat, res.f_pvalue], [scalars["F"], scalars["p"]], RTOL_STAT)
    assert res.df_resid == (8 if vcov == "cluster" else 50 - 3)  # 9 divisions
    assert res.diagnostics["n_instruments"] == 4 and res.diagnostics["n_endogenous"] == 1


# --------------------------------------------------------------------------- absorbed panel = dummy 2SLS


REGIONS = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53,
           61, 62, 63, 64, 65]  # the 30 provinces of Papers A and C (no Tibet)


@pytest.fixture(scope="module")
def nqp_panel() -> pd.DataFrame:
    """An unbalanced region × year panel shaped like Paper C's (2012–2022): the endogenous NQP
    index is persistent, its one-year lag is the instrument, the error shares NQP's shock."""
    rng = np.random.default_rng(20250101)
    df = pd.DataFrame([(r, t) for r in REGIONS for t in range(2012, 2023)], columns=["region_code", "year"])
    region_effect = dict(zip(REGIONS, rng.normal(size=len(REGIONS))))
    df["u"] = rng.normal(size=len(df))
    df["nqp"] = 0.0
    for r, rows in df.groupby("region_code").groups.items():
        level = region_effect[r]
        for i in rows:
            level = 0.5 * region_effect[r] + 0.7 * level + df.at[i, "u"]
            df.at[i, "nqp"] = level
    df["gov"] = rng.normal(size=len(df)) + 0.3 * df["nqp"]
    df["open"] = rng.normal(size=len(df))
    df["lngdp"] = (0.4 * df["nqp"] - 0.2 * df["gov"] + 0.1 * df["open"] + df["region_code"].map(region_effect)
                   + 0.03 * (df["year"] - 2012) + 0.8 * df["u"] + rng.normal(size=len(df)))
    df = df.drop(index=rng.choice(df.index, size=12, replace=False))  # gaps: lags go missing
    df = df.sort_values(["region_code", "year"])
    previous = df.groupby("region_code")["year"].shift(1)
    df["nqp_lag1"] = df.groupby("region_code")["nqp"].shift(1).where(previous == df["year"] - 1)
    df["open_lag1"] = df.groupby("region_code")["open"].shift(1).where(previous == df["year"] - 1)
    return df.reset_index(drop=True)


def dummy_2sls(df, cov_type, exog, instruments, cluster=None):
    """linearmodels IV2SLS with a constant and region / year dummies (first level dropped)."""
    dummies = pd.get_dummies(df[["region_code", "year"]].astype(str), drop_first=True, dtype=float)
    X = pd.concat([pd.Series(1.0, index=df.index, name="const"), df[exog], dummies], axis=1)
    kwargs = {"clusters": df[cluster]} if cluster else {}
    model = IV2SLS(df["lngdp"], X, df[["nqp"]], df[instruments])
    return model.fit(cov_type=cov_type, debiased=True, **kwargs), X.shape[1]


@pytest.mark.parametrize("instruments", [["nqp_lag1"], ["nqp_lag1", "open_lag1"]])
@pytest.mark.parametrize("vcov,lm_cov", [("unadjusted", "unadjusted"), ("hc1", "robust"), ("cluster", "clustered")])
def test_absorbed_panel_equals_dummy_variable_2sls(nqp_panel, vcov, lm_cov, instruments):
    exog = ["gov", "open"]
    sample = nqp_panel.dropna(subset=instruments)
    cluster = "region_code" if vcov == "cluster" else None
    res = fit(nqp_panel, "lngdp", exog, ["nqp"], instruments, vcov=vcov, cluster=cluster)  # absorbs region, year
    ref, n_columns = dummy_2sls(sample, lm_cov, exog, instruments, cluster=cluster)
    n, n_regions, n_years = len(sample), sample["region_code"].nunique(), sample["year"].nunique()
    assert res.nobs == n and res.dropped["missing"] == len(nqp_panel) - n
    assert res.absorbed == {"region_code": n_regions, "year": n_years}
    terms = ["nqp", *exog]
    assert_rel(res.params[terms], ref.params[terms], RTOL_COEF)

    # Small-sample factor. linearmodels (debiased) counts every dummy: K_lm = 1 + 3 + (R − 1) + (T − 1).
    # Ours (ivreghdfe): K = 3 + df_a. Without clustering df_a = R + T − 1, so K = K_lm and the factor is 1.
    # Clustered by region, the region effects are nested in the clusters and df_a = T (the year
    # factor becomes "the first" and keeps all its levels): V = V_lm · (N − K_lm)/(N − 3 − T).
    k_lm = n_columns + 1
    assert k_lm == 3 + n_regions + n_years - 1
    k_ours = 3 + (n_years if vcov == "cluster" else n_regions + n_years - 1)
    assert res.df_absorbed == k_ours - 3
    factor = (n - k_lm) / (n - k_ours)
    assert_rel(res.std_errors[terms], ref.std_errors[terms] * np.sqrt(factor), RTOL_SE)
    assert res.df_resid == (n_regions - 1 if vcov == "cluster" else n - k_ours)

    # First stage: same VCE on L = instruments + exogenous, K_lm,fs = K_lm − 1 + #instruments.
    fs_ref = ref.first_stage.individual["nqp"]
    fs = res.first_stage["nqp"]
    k_fs_lm, k_fs_ours = k_lm - 1 + len(instruments), k_ours - 1 + len(instruments)
    fs_factor = (n - k_fs_lm) / (n - k_fs_ours)
    fs_terms = [*instruments, *exog]
    assert_rel(fs.params[fs_terms], fs_ref.params[fs_terms], RTOL_COEF)
    assert_rel(fs.std_errors[fs_terms], fs_ref.std_errors[fs_terms] * np.sqrt(fs_factor), RTOL_SE)
    diag = ref.first_stage.diagnostics.loc["nqp"]
    assert_rel(fs.partial_r2, diag["partial.rsquared"], RTOL_COEF)
    assert_rel(fs.shea_partial_r2, diag["shea.rsquared"], RTOL_COEF)
    # linearmodels' f.stat is the Wald statistic (divided by q only when unadjusted).
    q = len(instruments)
    lm_f = diag["f.stat"] if vcov == "unadjusted" else diag["f.stat"] / q
    assert_rel(fs.partial_f, lm_f / fs_factor, RTOL_STAT)
    # With one endogenous regressor ivreg2's rk Wald F equals the robust first-stage F.
    if vcov != "unadjusted":
        assert_rel(res.diagnostics["kp_rk_wald_f"], fs.partial_f, 1e-10)
    # Within R²: 1 − RSS / (residual SS of lngdp on the dummies), from a least-squares fit.
    D = pd.get_dummies(sample[["region_code", "year"]].astype(str), drop_first=True, dtype=float).assign(const=1.0)
    y = sample["lngdp"].to_numpy()
    tss_within = float(np.sum((y - D.to_numpy() @ np.linalg.lstsq(D.to_numpy(), y, rcond=None)[0]) ** 2))
    resid_ss = float(np.sum(ref.resids ** 2))
    within_r2 = 1 - resid_ss / tss_within
    assert_rel([res.rss, res.rsquared, res.rsquared_within], [resid_ss, within_r2, within_r2], RTOL_COEF)
    # Paper A / C: one endogenous regressor and one lag as instrument → 16.38 (Stock–Yogo 10 % size).
    if len(instruments) == 1:
        assert res.diagnostics["stock_yogo_iv_size_10"] == 16.38
        assert np.isnan(res.diagnostics["sargan"]) and np.isnan(res.diagnostics["hansen_j"])  # exactly identified


# --------------------------------------------------------------------------- Stock–Yogo


def test_stock_yogo_lookup():
    # Stock & Yogo (2005), Table 5.2, one endogenous regressor, one instrument: 10/15/20/25 % size
    # 16.38 / 8.96 / 6.66 / 5.53 (the 16.38 Papers A and C quote). Relative bias needs L1 ≥ K1 + 2.
    sy = stock_yogo(1, 1)
    assert sy["stock_yogo_iv_size_10"] == 16.38
    assert [sy[f"stock_yogo_iv_size_{p}"] for p in (15, 20, 25)] == [8.96, 6.66, 5.53]
    assert all(np.isnan(sy[f"stock_yogo_iv_bias_{p}"]) for p in (5, 10, 20, 30))
    # Table 5.2 stops at two endogenous regressors, Table 5.1 at three.
    assert np.isnan(stock_yogo(5, 3)["stock_yogo_iv_size_10"]) and stock_yogo(5, 3)["stock_yogo_iv_bias_5"] == 9.53
    assert np.isnan(stock_yogo(101, 1)["stock_yogo_iv_size_10"])


# --------------------------------------------------------------------------- sample and errors


def test_missing_rows_singletons_and_omitted_exogenous(nqp_panel):
    df = nqp_panel.copy()
    lonely = pd.DataFrame({"region_code": [99], "year": [2020], "lngdp": [1.0], "nqp": [0.5], "gov": [0.1],
                           "open": [0.2], "nqp_lag1": [0.4], "open_lag1": [0.0]})
    df = pd.concat([df, lonely], ignore_index=True)
    df["gov_twice"] = 2 * df["gov"]
    df.loc[df.index[:3], "gov"] = np.nan
    with pytest.warns(UserWarning, match="gov_twice omitted because of collinearity"):
        res = fit_iv(df, "lngdp", ["gov", "open", "gov_twice"], ["nqp"], ["nqp_lag1"])
    base = fit(df.drop(columns="gov_twice"), "lngdp", ["gov", "open"], ["nqp"], ["nqp_lag1"])
    assert res.dropped == {"singletons": 1, "missing": int(df[["gov", "nqp_lag1"]].isna().any(axis=1).sum()),
                           "collinear": ["gov_twice"]}
    assert list(res.params.index) == ["nqp", "gov", "open"] and res.exog == ["gov", "open"]
    assert_rel(res.params, base.params, 1e-12)
    assert any("omitted because of collinearity" in note for note in res.notes)
    kept = fit(df.drop(columns="gov_twice"), "lngdp", ["gov", "open"], ["nqp"], ["nqp_lag1"], drop_singletons=False)
    assert kept.dropped["singletons"] == 0 and kept.nobs == base.nobs + 1


def test_errors(nqp_panel):
    df = nqp_panel.assign(region_level=nqp_panel["region_code"] / 10.0, open_x2=2 * nqp_panel["open"],
                          nqp_region=nqp_panel.groupby("region_code")["nqp"].transform("mean"))
    args = dict(depvar="lngdp", exog=["gov", "open"], endog=["nqp"])
    with pytest.raises(ValueError, match=r"not identified: 1 excluded instrument\(s\) for 2 endogenous"):
        fit_iv(df, "lngdp", ["open"], ["nqp", "gov"], ["nqp_lag1"])
    with pytest.raises(ValueError, match=r"instrument\(s\) \['region_level'\] collinear with the fixed effects"):
        fit_iv(df, **args, instruments=["region_level"])
    with pytest.raises(ValueError, match=r"excluded instrument\(s\) \['open_x2'\] collinear"):
        fit_iv(df, **args, instruments=["nqp_lag1", "open_x2"])
    with pytest.raises(ValueError, match=r"endogenous regressor\(s\) \['nqp_region'\] collinear"):
        fit_iv(df, "lngdp", ["gov"], ["nqp_region"], ["nqp_lag1"])
    with pytest.raises(ValueError, match=r"too few clusters: 1 cluster"):
        fit_iv(df.assign(country="CN"), **args, instruments=["nqp_lag1"], cluster="country")
    few = df[df["region_code"].isin([11, 12, 13])]
    with pytest.raises(ValueError, match=r"too few clusters: 3 clusters in 'region_code' for 3 regressors"):
        fit_iv(few, **args, instruments=["nqp_lag1"])
    tiny = df.dropna(subset=["nqp_lag1"]).query("region_code in [11, 12] and year <= 2016")
    n, levels = len(tiny), tiny["region_code"].nunique() + tiny["year"].nunique() - 1
    assert n <= 3 + levels  # instrument + 2 exogenous + absorbed levels leave no residual dof
    with pytest.raises(ValueError, match=rf"too few observations: {n} observations for {3 + levels} first-stage"):
        fit_iv(tiny, **args, instruments=["nqp_lag1"], vcov="unadjusted", cluster=None)
    with pytest.raises(ValueError, match="vcov must be one of"):
        fit_iv(df, **args, instruments=["nqp_lag1"], vcov="hc3")
    with pytest.raises(ValueError, match="needs a cluster variable"):
        fit_iv(df, **args, instruments=["nqp_lag1"], cluster=None)
    with pytest.raises(ValueError, match="columns not in the data"):
        fit_iv(df, **args, instruments=["no_such_column"])
    with pytest.raises(ValueError, match="must be distinct"):
        fit_iv(df, **args, instruments=["gov"])
    with pytest.raises(ValueError, match="at least one endogenous regressor"):
        fit_iv(df, "lngdp", ["gov"], [], ["nqp_lag1"])


def test_instruments_without_any_relevance_do_not_identify():
    """An excluded instrument that is exactly orthogonal to the endogenous regressor (after the
    constant and exogenous regressors are partialled out) leaves the model unidentified."""
    x = np.array([1.0, -1.0, 1.0, -1.0, 2.0, -2.0, 2.0, -2.0])
    z = np.array([1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0])  # z·x = 0, both mean 0
    df = pd.DataFrame({"y": x + np.arange(8.0) / 10, "x": x, "z": z})
    with pytest.raises(ValueError, match="do not identify the model"):
        fit_iv(df, "y", [], ["x"], ["z"], absorb=[], vcov="unadjusted", cluster=None)


def test_summary_names_the_ivreg2_statistics(nqp_panel):
    text = fit(nqp_panel, "lngdp", ["gov", "open"], ["nqp"], ["nqp_lag1"]).summary()
    for piece in ("IV (2SLS) estimation", "Kleibergen-Paap rk LM statistic", "Kleibergen-Paap rk Wald F statistic",
                  "Cragg-Donald Wald F statistic", "10% maximal IV size", "16.38", "equation exactly identified",
                  "Instrumented: nqp", "Excluded instruments: nqp_lag1", "region_code (30 levels)",
                  "clustering on region_code"):
        assert piece in text
    res = fit(nqp_panel, "lngdp", ["gov"], ["nqp"], ["nqp_lag1", "open_lag1"], vcov="unadjusted", cluster=None)
    text = res.summary()
    for piece in ("Anderson canon. corr. LM statistic", "Sargan statistic", "Chi-sq(1)"):
        assert piece in text
