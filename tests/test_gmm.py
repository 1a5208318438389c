"""Dynamic-panel GMM (models_py.estimators.gmm) against Stata's xtabond2.

Reference numbers, each from a published source:

* [README]  /work/shared/reference-data/README.md, and the xtabond2 log it is taken from:
  repository dazhwu/pydynpd, file Benchmark/test_1.md ("xtabond2 (default)" section):
  ``xtabond2 n L(1/2).n w k, gmm(n, lag(2 4)) gmm(w, lag(1 3)) iv(k) nolevel twostep robust``.
* [R2009]   Roodman, D. (2009), "How to do xtabond2: An introduction to difference and system GMM
  in Stata", Stata Journal 9(1): 86-136, the three xtabond2 printouts of sections 3.3 and 3.4
  (Arellano-Bond one-step; difference GMM with gmm(L.(n w k)); Blundell-Bond system GMM).
  These were printed by an xtabond2 2.x. Two later changes recorded in xtabond2's own version
  history (xtabond2.ado, repository droodman/xtabond2) change a few of those numbers, and we
  follow the current 3.7.1: "2.6.0 Changed small corrections to conform with Stata convention
  for cluster() small" (the printouts scale V by N/(N-k+1)*G/(G-1), xtabond2.ado's formula;
  now (N-1)/(N-k)*G/(G-1)) and "2.8.3 ... in 1-step, non-robust System GMM, use # of obs ...
  from xformed eq, not levels for sig2" (the printed system Sargan divides sigma^2 by the levels
  count). The tests convert with exactly those formulas; every other number is compared as is.
* [PYDYNPD] dazhwu/pydynpd README.md (and R panelvar in Benchmark/test_2.md, same numbers):
  two independent implementations of the two-step system GMM
  ``n L(1:2).n w k | gmm(n, 2:4) gmm(w, 1:3) iv(k)``; not Stata, used as a cross-check.
* Independent references built in this file with plain numpy from the moment conditions and the
  H matrix exactly as Roodman (2009) defines them (eq. 23 and 26): system GMM one- and two-step
  with Windmeijer (2005) SEs, with and without gaps; collapsed instruments; forward orthogonal
  deviations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models_py.estimators.gmm import GmmStyle, IvStyle, fit_dynamic_panel, invsym
from models_py.estimators.gmm_instruments import first_difference, forward_orthogonal

DATA = Path(__file__).parent / "data" / "abdata.csv"
YR = [f"yr{y}" for y in range(1976, 1985)]
YEARS = list(range(1976, 1985))


@pytest.fixture(scope="module")
def ab() -> pd.DataFrame:
    return pd.read_csv(DATA)


def printed(value: float, text: str, slack: float = 1e-9) -> None:
    """``value`` agrees with a number printed as ``text``, to the printed precision."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert abs(value - float(text)) <= 0.5 * 10.0**-decimals + slack, (value, text)


def check_table(res, table: dict[str, tuple[str, str]], se_factor: float = 1.0) -> None:
    for term, (coef, se) in table.items():
        printed(res.params[term], coef)
        printed(res.std_errors[term] * se_factor, se)


def check_diff_test(res, group, excluded, excluded_df, difference, difference_df, p_exc=None, p_diff=None):
    t = next(t for t in res.difference_tests if t.group == group)
    printed(t.excluded, excluded)
    printed(t.difference, difference)
    assert (t.excluded_df, t.difference_df) == (excluded_df, difference_df)
    if p_exc:
        printed(t.excluded_p, p_exc)
    if p_diff:
        printed(t.difference_p, p_diff)


# --------------------------------------------------------------------------- [README]


def fit_readme(ab, **kw):
    opts = dict(lags=2, regressors=["w", "k"], gmm_instruments=[GmmStyle("n", 2, 4), GmmStyle("w", 1, 3)],
                iv_instruments=[IvStyle("k")], system=False, two_step=True, robust=True,
                unit="id", time="year")
    opts.update(kw)
    return fit_dynamic_panel(ab, "n", **opts)


def test_difference_gmm_two_step_matches_xtabond2_log(ab):
    res = fit_readme(ab)
    # [README]: coefficients and Windmeijer-corrected SEs.
    coef = {"L1.n": 0.1700616, "L2.n": -0.0113381, "w": -0.9510582, "k": 0.4637223}
    se = {"L1.n": 0.1046652, "L2.n": 0.0377205, "w": 0.1277298, "k": 0.0718328}
    for term in coef:
        assert res.params[term] == pytest.approx(coef[term], rel=1e-6)
        assert res.std_errors[term] == pytest.approx(se[term], rel=1e-5)
    assert list(res.params.index) == ["L1.n", "L2.n", "w", "k"]
    assert (res.nobs, res.n_groups, res.n_instruments) == (611, 140, 36)
    assert res.obs_per_group[0] == 4 and res.obs_per_group[2] == 6
    printed(res.obs_per_group[1], "4.36")
    d = res.diagnostics
    printed(d["ar1_z"], "-1.19")
    printed(d["ar1_p"], "0.235")
    printed(d["ar2_z"], "-0.81")
    printed(d["ar2_p"], "0.417")
    printed(d["hansen"], "47.86")
    printed(d["hansen_p"], "0.035")
    printed(d["sargan"], "91.61")
    assert d["hansen_df"] == d["sargan_df"] == 32
    # [README] log, Difference-in-Hansen tests of exogeneity of instrument subsets.
    assert [t.group for t in res.difference_tests] == ["gmm(n, lag(2 4))", "gmm(w, lag(1 3))", "iv(k)"]
    check_diff_test(res, "gmm(n, lag(2 4))", "23.75", 15, "24.11", 17, "0.069", "0.117")
    check_diff_test(res, "gmm(w, lag(1 3))", "17.25", 14, "30.61", 18, "0.243", "0.032")
    check_diff_test(res, "iv(k)", "38.33", 31, "9.53", 1, "0.171", "0.002")
    assert d["diff_hansen[iv(k)].difference"] == res.difference_tests[2].difference
    # More digits for the same model from R plm::pgmm in the same file ([README] test_1.md, "plm"):
    # AR tests -1.187819 and -0.8112457, its "Sargan" (= Hansen) 47.85967, Wald chisq(4) 402.4636.
    printed(d["ar1_z"], "-1.187819")
    printed(d["ar2_z"], "-0.8112457")
    printed(d["hansen"], "47.85967")
    printed(res.wald, "402.4636")
    assert res.df_model == 4
    # z-stats as printed ("1.62 -0.30 -7.45 6.46").
    for term, z in zip(res.params.index, ["1.62", "-0.30", "-7.45", "6.46"]):
        printed(res.zstats[term], z)
    assert res.tstats is None
    assert "Difference-in-Hansen" in res.summary()


# --------------------------------------------------------------------------- [R2009]

X_AB = ["w", "L.w", "k", "L.k", "L2.k", "ys", "L.ys", "L2.ys"]


def test_arellano_bond_one_step_robust(ab):
    # [R2009] sec. 3.3: xtabond2 n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n)
    #   iv(w L.w L(0/2).(k ys) yr*) nolevel robust
    res = fit_dynamic_panel(ab, "n", lags=2, regressors=X_AB + YR, gmm_instruments=[GmmStyle("L.n")],
                            iv_instruments=[IvStyle(X_AB + YR)], system=False, two_step=False,
                            robust=True, unit="id", time="year")
    check_table(res, {
        "L1.n": (".6862261", ".1445943"), "L2.n": ("-.0853582", ".0560155"),
        "w": ("-.6078208", ".1782055"), "L1.w": (".3926237", ".1679931"),
        "k": (".3568456", ".0590203"), "L1.k": ("-.0580012", ".0731797"),
        "L2.k": ("-.0199475", ".0327126"), "ys": (".6085073", ".1725313"),
        "L1.ys": ("-.7111651", ".2317163"), "L2.ys": (".1057969", ".1412021"),
        "yr1978": (".0077033", ".0314106"), "yr1979": (".0172578", ".0290922"),
        "yr1980": (".0297185", ".0276617"), "yr1981": ("-.004071", ".0298987"),
        "yr1982": ("-.0193555", ".0228436"), "yr1983": ("-.0136171", ".0188263"),
    })
    assert res.dropped == ["yr1976", "yr1977", "yr1984"]      # "... dropped due to collinearity"
    assert (res.nobs, res.n_groups, res.n_instruments) == (611, 140, 41)
    printed(res.wald, "1727.45")       # "Wald chi2(16) = 1727.45": same quadratic form
    # xtabond2 3.7.1 takes one df off when the constant lies in the column space of X (here the
    # differenced year dummies span it); the 2009 printout shows 16.
    assert res.df_model == 15
    d = res.diagnostics
    printed(d["ar1_z"], "-3.60")
    printed(d["ar2_z"], "-0.52")
    printed(d["ar2_p"], "0.606")
    printed(d["sargan"], "67.59")
    printed(d["hansen"], "31.38")
    printed(d["hansen_p"], "0.177")
    assert d["sargan_df"] == 25
    check_diff_test(res, "iv(" + " ".join(X_AB + YR) + ")", "12.01", 11, "19.37", 14, "0.363", "0.151")


def small_2009_factor(res) -> float:
    """SE factor from xtabond2 3.7.1's small correction to the 2.x one of the 2009 printouts."""
    n, k = res.nobs, len(res.params)
    return float(np.sqrt((n / (n - k + 1)) / ((n - 1) / (n - k))))


def test_difference_gmm_one_step_robust_small(ab):
    # [R2009] sec. 3.3: xtabond2 n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.(n w k))
    #   iv(L(0/2).ys yr*) nolevel robust small
    res = fit_dynamic_panel(ab, "n", lags=2, regressors=X_AB + YR,
                            gmm_instruments=[GmmStyle(["L.n", "L.w", "L.k"])],
                            iv_instruments=[IvStyle(["ys", "L.ys", "L2.ys"] + YR)], system=False,
                            two_step=False, robust=True, small=True, unit="id", time="year")
    check_table(res, {
        "L1.n": (".8179867", ".0859761"), "L2.n": ("-.1122756", ".0502366"),
        "w": ("-.6816685", ".1425813"), "L1.w": (".6557083", ".202368"),
        "k": (".3525689", ".1217997"), "L1.k": ("-.1536626", ".0862928"),
        "L2.k": ("-.0304529", ".0321355"), "ys": (".6509498", ".189582"),
        "L1.ys": ("-.9162028", ".2639274"), "L2.ys": (".2786584", ".1855286"),
        "yr1978": (".0238987", ".0367972"), "yr1979": (".0352258", ".0351846"),
        "yr1980": (".0502675", ".0365659"), "yr1981": (".0102721", ".0349996"),
        "yr1982": ("-.0111623", ".0264747"), "yr1983": ("-.0069458", ".0191611"),
    }, se_factor=small_2009_factor(res))
    for term, t in [("L1.n", "9.51"), ("L2.n", "-2.23"), ("w", "-4.78"), ("yr1983", "-0.36")]:
        printed(res.tstats[term], t)
    assert res.zstats is None
    assert (res.nobs, res.n_groups, res.n_instruments) == (611, 140, 90)
    assert res.df_resid == 140
    # "F(16, 140) = 85.30", in the 2.x convention: V scaled by N/(N-k+1)G/(G-1), 16 df.
    quad = res.params.values @ np.linalg.solve(res.cov.values, res.params.values)
    printed(quad / small_2009_factor(res) ** 2 / 16, "85.30")
    d = res.diagnostics
    printed(d["ar1_z"], "-5.39")
    printed(d["ar2_z"], "-0.78")
    printed(d["ar2_p"], "0.436")
    printed(d["sargan"], "120.62")
    printed(d["sargan_p"], "0.001")
    printed(d["hansen"], "73.72")
    printed(d["hansen_p"], "0.487")
    assert d["sargan_df"] == 74
    check_diff_test(res, "iv(ys L.ys L2.ys " + " ".join(YR) + ")", "56.99", 65, "16.72", 9, "0.750", "0.053")


def fit_blundell_bond(ab, **kw):
    # [R2009] sec. 3.4: xtabond2 n L.n L(0/1).(w k) yr*, gmmstyle(L.(n w k))
    #   ivstyle(yr*, equation(level)) robust small
    opts = dict(lags=1, regressors=["w", "L.w", "k", "L.k"] + YR,
                gmm_instruments=[GmmStyle(["L.n", "L.w", "L.k"])],
                iv_instruments=[IvStyle(YR, equation="level")], system=True, two_step=False,
                robust=True, small=True, unit="id", time="year")
    opts.update(kw)
    return fit_dynamic_panel(ab, "n", **opts)


BB_TABLE = {
    "L1.n": (".9356053", ".026569"), "w": ("-.6309761", ".1192834"),
    "L1.w": (".4826203", ".1383132"), "k": (".4839299", ".0544281"),
    "L1.k": ("-.4243928", ".059088"), "yr1977": ("-.0240573", ".0296969"),
    "yr1978": ("-.0176523", ".0229277"), "yr1979": ("-.0026515", ".0207492"),
    "yr1980": ("-.0173995", ".0221715"), "yr1981": ("-.0435283", ".0193348"),
    "yr1982": ("-.0096193", ".0186829"), "yr1983": (".0038132", ".0171959"),
    "_cons": (".5522011", ".1971607"),
}


def test_blundell_bond_system_gmm_one_step_robust_small(ab):
    res = fit_blundell_bond(ab)
    check_table(res, BB_TABLE, se_factor=small_2009_factor(res))
    assert list(res.params.index)[-1] == "_cons"
    assert res.dropped == ["yr1976", "yr1984"]
    assert (res.nobs, res.n_groups, res.n_instruments) == (891, 140, 113)
    assert (res.obs_per_group[0], res.obs_per_group[2]) == (6, 8)
    printed(res.obs_per_group[1], "6.36")
    assert (res.df_model, res.df_resid) == (12, 139)
    # "F(12, 139) = 1154.36": the 2.x printout tests the 12 slopes (xtabond2 3.7.1's F puts the
    # constant into the quadratic form too); V in the 2.x small convention.
    slopes = [t for t in res.params.index if t != "_cons"]
    b = res.params[slopes].values
    V = res.cov.loc[slopes, slopes].values * small_2009_factor(res) ** 2
    printed(b @ np.linalg.solve(V, b) / 12, "1154.36")
    d = res.diagnostics
    printed(d["ar1_z"], "-5.46")
    printed(d["ar2_z"], "-0.25")
    printed(d["ar2_p"], "0.804")
    printed(d["hansen"], "110.70")
    printed(d["hansen_p"], "0.218")
    assert d["sargan_df"] == 100
    # "Sargan chi2(100) = 186.90": 2.x divided sigma^2 by the levels count (891), 3.7.1 by the
    # transformed count (751); Sargan is proportional to 1/sigma^2.
    assert res.nobs_transformed == 751
    printed(d["sargan"] * res.nobs / res.nobs_transformed, "186.90")
    check_diff_test(res, "GMM instruments for levels", "84.33", 79, "26.37", 21, "0.320", "0.193")
    check_diff_test(res, "iv(" + " ".join(YR) + ", eq(level))", "107.79", 93, "2.91", 7, "0.140", "0.893")
    assert [t.group for t in res.difference_tests][0] == "GMM instruments for levels"


def test_time_effects_reproduce_explicit_year_dummies(ab):
    explicit = fit_blundell_bond(ab)
    auto = fit_blundell_bond(ab, regressors=["w", "L.w", "k", "L.k"], iv_instruments=[], time_effects=True)
    renamed = auto.params.rename(lambda t: t.replace("year_", "yr"))
    pd.testing.assert_series_equal(renamed, explicit.params, rtol=1e-10, atol=1e-12)
    assert auto.n_instruments == explicit.n_instruments
    assert auto.dropped == ["year_1976", "year_1984"]


# --------------------------------------------------------------------------- [PYDYNPD]


def test_system_gmm_two_step_matches_pydynpd_and_panelvar(ab):
    res = fit_readme(ab, system=True)
    # [PYDYNPD] README: coefficients and corrected SEs; panelvar (Benchmark/test_2.md) agrees.
    table = {"L1.n": ("0.9453810", "0.1429764"), "L2.n": ("-0.0860069", "0.1082318"),
             "w": ("-0.4477795", "0.1521917"), "k": ("0.1235808", "0.0508836"),
             "_cons": ("1.5630849", "0.4993484")}
    check_table(res, table)
    assert res.n_instruments == 51
    d = res.diagnostics
    printed(d["hansen"], "96.442")
    assert d["hansen_df"] == 46
    printed(d["ar1_z"], "-2.35")
    printed(d["ar1_p"], "0.019")
    printed(d["ar2_z"], "-1.15")
    printed(d["ar2_p"], "0.251")
    # xtabond2 counts the levels equation's observations in system GMM: 1031 rows − 2·140.
    assert (res.nobs, res.nobs_transformed) == (751, 611)


# --------------------------------------------------------------------------- independent references


def _firm_table(df: pd.DataFrame) -> dict:
    return {fid: {int(r.year): (r.n, r.w, r.k) for r in g.itertuples()} for fid, g in df.groupby("id")}


def _nz(x: float) -> float:
    return 0.0 if np.isnan(x) else x


def _system_reference(df: pd.DataFrame):
    """Per-firm (y, X, Z, H) of ``n L.n w k, gmm(n, lag(2 .)) gmm(w, lag(1 2)) iv(k)`` (system GMM)
    built directly from the moment conditions of Roodman (2009) sec. 3.4, one row per equation
    and year, H elementwise from eq. (26) for iid unit-variance errors."""
    units = []
    for d in _firm_table(df).values():
        def v(i, t, d=d):
            return d[t][i] if t in d else np.nan

        def n(t):
            return v(0, t)

        def w(t):
            return v(1, t)

        def k(t):
            return v(2, t)

        rows = []
        for t in YEARS:       # transformed (differenced) equation
            y, x = n(t) - n(t - 1), [n(t - 1) - n(t - 2), w(t) - w(t - 1), k(t) - k(t - 1), 0.0]
            if np.isnan([y, *x]).any():
                continue
            z = {("dn", t, lag): _nz(n(t - lag)) for lag in range(2, t - 1976 + 1)}
            z.update({("dw", t, lag): _nz(w(t - lag)) for lag in (1, 2) if t - lag >= 1976})
            z["k"] = k(t) - k(t - 1)
            rows.append(("d", t, y, x, z))
        for t in YEARS:       # levels equation
            y, x = n(t), [n(t - 1), w(t), k(t), 1.0]
            if np.isnan([y, *x]).any():
                continue
            z = {("ln", t): _nz(n(t - 1) - n(t - 2)), ("lw", t): _nz(w(t) - w(t - 1)), "k": k(t), "c": 1.0}
            rows.append(("l", t, y, x, z))
        units.append(rows)
    keys = sorted({key for rows in units for r in rows for key in r[4]}, key=str)
    col = {key: i for i, key in enumerate(keys)}
    out = []
    for rows in units:
        if not rows:
            continue
        y = np.array([r[2] for r in rows])
        X = np.array([r[3] for r in rows])
        Z = np.zeros((len(rows), len(keys)))
        for i, r in enumerate(rows):
            for key, val in r[4].items():
                Z[i, col[key]] = val
        H = np.zeros((len(rows), len(rows)))
        for a, (ea, ta, *_) in enumerate(rows):
            for b, (eb, tb, *_) in enumerate(rows):
                if ea == eb == "d":
                    H[a, b] = 2.0 if ta == tb else (-1.0 if abs(ta - tb) == 1 else 0.0)
                elif ea == eb == "l":
                    H[a, b] = float(ta == tb)
                else:   # Cov(Δv_t, v_s) = 1{s = t} − 1{s = t − 1}
                    td, tl = (ta, tb) if ea == "d" else (tb, ta)
                    H[a, b] = float(tl == td) - float(tl == td - 1)
        out.append((y, X, Z, H))
    used = np.any([np.any(Z != 0, axis=0) for _, _, Z, _ in out], axis=0)
    return [(y, X, Z[:, used], H) for y, X, Z, H in out]


def _gmm(units, A):
    ZX = sum(Z.T @ X for _, X, Z, _ in units)
    Zy = sum(Z.T @ y for y, _, Z, _ in units)
    V = np.linalg.inv(ZX.T @ A @ ZX)
    return V @ ZX.T @ A @ Zy, V, ZX


def _system_reference_estimates(units):
    S1 = sum(Z.T @ H @ Z for _, _, Z, H in units)
    A1 = np.linalg.inv(S1)
    b1, V1, ZX = _gmm(units, A1)
    g1 = [Z.T @ (y - X @ b1) for y, X, Z, _ in units]
    S2 = sum(np.outer(g, g) for g in g1)
    A2 = np.linalg.inv(S2)
    b2, V2, _ = _gmm(units, A2)
    e1 = [y - X @ b1 for y, X, _, _ in units]
    e2 = [y - X @ b2 for y, X, _, _ in units]
    gz2 = sum(Z.T @ e for (_, _, Z, _), e in zip(units, e2))
    hansen = gz2 @ A2 @ gz2
    # Windmeijer (2005): D_j = V2 X'Z A2 [Σ_i Z_i'(x_ij e1_i' + e1_i x_ij')Z_i] A2 Z'e2
    V1r = V1 @ ZX.T @ A1 @ S2 @ A1 @ ZX @ V1
    D = np.zeros_like(V2)
    for j in range(len(b2)):
        dS = sum(Z.T @ (np.outer(X[:, j], e) + np.outer(e, X[:, j])) @ Z
                 for (_, X, Z, _), e in zip(units, e1))
        D[:, j] = V2 @ ZX.T @ A2 @ dS @ A2 @ gz2
    Vc = V2 + D @ V2 + V2 @ D.T + D @ V1r @ D.T
    return b1, b2, hansen, np.sqrt(np.diag(Vc)), units[0][2].shape[1]


def _with_gaps(ab: pd.DataFrame) -> pd.DataFrame:
    drop = ((ab["id"] % 5 == 0) & (ab["year"] == 1980)) | ((ab["id"] % 7 == 0) & (ab["year"] == 1982))
    return ab[~drop]


@pytest.mark.parametrize("gaps", [False, True], ids=["balanced-ish", "with-gaps"])
def test_system_gmm_matches_moment_conditions_built_independently(ab, gaps):
    df = _with_gaps(ab) if gaps else ab
    units = _system_reference(df)
    b1, b2, hansen, se_c, j = _system_reference_estimates(units)
    opts = dict(lags=1, regressors=["w", "k"], gmm_instruments=[GmmStyle("n", 2), GmmStyle("w", 1, 2)],
                iv_instruments=[IvStyle("k")], system=True, unit="id", time="year")
    one = fit_dynamic_panel(df, "n", two_step=False, robust=False, **opts)
    two = fit_dynamic_panel(df, "n", two_step=True, robust=True, **opts)
    np.testing.assert_allclose(one.params.values, b1, rtol=1e-8)
    np.testing.assert_allclose(two.params.values, b2, rtol=1e-8)
    np.testing.assert_allclose(two.std_errors.values, se_c, rtol=1e-8)
    assert two.diagnostics["hansen"] == pytest.approx(hansen, rel=1e-8)
    assert one.n_instruments == two.n_instruments == j
    # Gaps: a missing year costs the differenced rows of that year and the next one.
    y = sum(r.shape[0] for r, X, Z, H in units)
    assert one.nobs + one.nobs_transformed == y


def test_two_step_internal_consistency(ab):
    res = fit_readme(ab, system=True)
    # Hansen J = N g'Wg with g the mean moment and W the inverse of the mean outer product of the
    # one-step moments: the 1/N factors cancel, so J = (Σ Z_i'e2_i)'(Σ g1_i g1_i')⁻¹(Σ Z_i'e2_i).
    units = _readme_units(ab)
    b1 = fit_readme(ab, system=True, two_step=False, robust=False).params.values
    g1 = np.array([Z.T @ (y - X @ b1) for y, X, Z in units])
    G = len(units)
    W = np.linalg.inv(g1.T @ g1 / G)
    gbar = sum(Z.T @ (y - X @ res.params.values) for y, X, Z in units) / G
    assert res.diagnostics["hansen"] == pytest.approx(G * gbar @ W @ gbar, rel=1e-9)
    # the two-step estimate minimises that criterion: its gradient X'Z W gbar is zero
    ZX = sum(Z.T @ X for y, X, Z in units)
    assert np.abs(ZX.T @ W @ gbar).max() < 1e-8 * np.abs(ZX).max()
    # small only rescales: V by (N-1)/(N-k)·G/(G-1), t with G-1 df (a constant is present)
    sm = fit_readme(ab, system=True, small=True)
    n, k, g = res.nobs, len(res.params), res.n_groups
    np.testing.assert_allclose(sm.cov.values, res.cov.values * (n - 1) / (n - k) * g / (g - 1), rtol=1e-12)
    assert sm.df_resid == g - 1
    pd.testing.assert_series_equal(sm.params, res.params)


def _readme_units(ab):
    """Rebuild (y, X, Z) per firm through the estimator's own design for the Hansen identity."""
    import models_py.estimators.gmm as gmm

    specs = [GmmStyle("n", 2, 4), GmmStyle("w", 1, 3)]
    opts = gmm._check_arguments(ab, "n", 2, ["w", "k"], specs, [IvStyle("k")], True, 3, 2, False, "id", "year")
    d, _ = gmm._build_design(ab, "n", 2, ["w", "k"], specs, [IvStyle("k")], True, False, "id", "year",
                             True, False, opts)
    used = np.any(d.Z != 0, axis=(0, 1))          # xtabond2 allocates empty columns too
    return [(d.Y[i], d.X[i], d.Z[i][:, used]) for i in range(d.Y.shape[0])]


def test_collapsed_instruments_match_independent_construction(ab):
    # n L(1/2).n w k, gmm(n, lag(2 4) collapse) gmm(w, lag(1 3) collapse) iv(k) nolevel:
    # one column per lag, filled for every period, zeros where the lag is not available.
    units, years = [], []
    for d in _firm_table(ab).values():
        rows = []
        for t in YEARS:
            def v(i, s, d=d):
                return d[s][i] if s in d else np.nan
            y = v(0, t) - v(0, t - 1)
            x = [v(0, t - 1) - v(0, t - 2), v(0, t - 2) - v(0, t - 3), v(1, t) - v(1, t - 1), v(2, t) - v(2, t - 1)]
            if np.isnan([y, *x]).any():
                continue
            z = [_nz(v(0, t - lag)) for lag in (2, 3, 4)] + [_nz(v(1, t - lag)) for lag in (1, 2, 3)] + [x[3]]
            rows.append((t, y, x, z))
        if rows:
            T = [r[0] for r in rows]
            H = np.array([[2.0 if a == b else (-1.0 if abs(a - b) == 1 else 0.0) for b in T] for a in T])
            units.append((np.array([r[1] for r in rows]), np.array([r[2] for r in rows]),
                          np.array([r[3] for r in rows]), H))
            years.append(T)
    A1 = np.linalg.inv(sum(Z.T @ H @ Z for _, _, Z, H in units))
    b1, V, ZX = _gmm(units, A1)
    e = [y - X @ b1 for y, X, _, _ in units]
    sig2 = sum(r @ r for r in e) / 2 / sum(len(r) for r in e)
    ze = sum(Z.T @ r for (_, _, Z, _), r in zip(units, e))
    sargan = ze @ A1 @ ze / sig2
    res = fit_readme(ab, gmm_instruments=[GmmStyle("n", 2, 4, collapse=True), GmmStyle("w", 1, 3, collapse=True)],
                     two_step=False, robust=False)
    np.testing.assert_allclose(res.params.values, b1, rtol=1e-8)
    np.testing.assert_allclose(res.cov.values, V * sig2, rtol=1e-8)
    assert res.n_instruments == 7
    assert res.diagnostics["sargan"] == pytest.approx(sargan, rel=1e-8)
    # Arellano & Bond (1991) m_l with Var(e|Z) = sigma^2 H (one-step, not robust), Roodman (2009)
    # sec. 3.5: w = residuals lagged l years (zero where that year is not in the sample).
    for lag in (1, 2):
        ws = [np.array([r[T.index(t - lag)] if t - lag in T else 0.0 for t in T]) for r, T in zip(e, years)]
        num = sum(w @ r for w, r in zip(ws, e))
        wX = sum(w @ X for w, (_, X, _, _) in zip(ws, units))
        ZHw = sum(Z.T @ H @ w * sig2 for w, (_, _, Z, H) in zip(ws, units))
        var = (sum(w @ H @ w * sig2 for w, (_, _, _, H) in zip(ws, units))
               - 2 * wX @ V @ ZX.T @ A1 @ ZHw + wX @ (V * sig2) @ wX)
        assert res.diagnostics[f"ar{lag}_z"] == pytest.approx(num / np.sqrt(var), rel=1e-8)
    assert np.isnan(res.diagnostics["hansen"]) and res.difference_tests[0].group.startswith("gmm(n,")
    assert "diff_sargan[iv(k)].difference" in res.diagnostics


def test_forward_orthogonal_deviations_transform():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 7))
    complete = rng.random((4, 7)) > 0.2
    a[~complete] = np.nan
    out = forward_orthogonal(a, complete)
    for i in range(4):
        assert np.isnan(out[i, 0])
        for t in range(6):
            later = [a[i, s] for s in range(t + 1, 7) if complete[i, s]]
            if not later or np.isnan(a[i, t]):
                assert np.isnan(out[i, t + 1])
            else:
                m = len(later)
                assert out[i, t + 1] == pytest.approx(np.sqrt(m / (m + 1)) * (a[i, t] - np.mean(later)))
    np.testing.assert_allclose(first_difference(a)[:, 1:], a[:, 1:] - a[:, :-1])


def test_forward_orthogonal_difference_gmm_is_2sls_on_deviations(ab):
    # n L.n w k, gmm(n, lag(2 .)) iv(w k) nolevel orthogonal: H = I, so one step is 2SLS on the
    # deviations; xtabond2 stores the deviation of period t in row t+1, so lag l means n_{t+1-l}.
    units = []
    for d in _firm_table(ab).values():
        def v(i, s, d=d):
            return d[s][i] if s in d else np.nan

        def complete(s):
            return not np.isnan([v(0, s), v(0, s - 1), v(1, s), v(2, s)]).any()

        def fod(f, t):
            later = [f(s) for s in YEARS if s > t and complete(s)]
            if not later or not complete(t):
                return np.nan
            return np.sqrt(len(later) / (len(later) + 1)) * (f(t) - np.mean(later))

        rows = []
        for t in YEARS:
            y = fod(lambda s: v(0, s), t)
            x = [fod(lambda s: v(0, s - 1), t), fod(lambda s: v(1, s), t), fod(lambda s: v(2, s), t)]
            if np.isnan([y, *x]).any():
                continue
            z = {("n", t, lag): _nz(v(0, t + 1 - lag)) for lag in range(2, t + 1 - 1976 + 1)}
            z["w"], z["k"] = x[1], x[2]
            rows.append((y, x, z))
        units.append(rows)
    keys = sorted({key for rows in units for r in rows for key in r[2]}, key=str)
    built = []
    for rows in units:
        if rows:
            Z = np.array([[r[2].get(key, 0.0) for key in keys] for r in rows])
            built.append((np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), Z, None))
    used = np.any([np.any(Z != 0, axis=0) for _, _, Z, _ in built], axis=0)
    built = [(y, X, Z[:, used], None) for y, X, Z, _ in built]
    b, _, _ = _gmm(built, np.linalg.inv(sum(Z.T @ Z for _, _, Z, _ in built)))
    res = fit_dynamic_panel(ab, "n", lags=1, regressors=["w", "k"], gmm_instruments=[GmmStyle("n", 2)],
                            iv_instruments=[IvStyle(["w", "k"])], system=False, two_step=False,
                            robust=False, orthogonal=True, unit="id", time="year")
    np.testing.assert_allclose(res.params.values, b, rtol=1e-8)
    assert res.nobs == sum(len(y) for y, *_ in built)
    assert np.isfinite(res.diagnostics["ar2_z"])


def test_split_levels_instruments_equal_equation_both(ab):
    # xtabond2's own equivalence (its "split" suboption): gmm(x, lag(a b)) in system GMM is
    # gmm(x, lag(a b) eq(diff)) plus gmm(x, lag(a-1 a-1) eq(level)).
    both = fit_readme(ab, system=True)
    split = fit_readme(ab, system=True, gmm_instruments=[
        GmmStyle("n", 2, 4, equation="diff"), GmmStyle("n", 1, 1, equation="level"),
        GmmStyle("w", 1, 3, equation="diff"), GmmStyle("w", 0, 0, equation="level")])
    np.testing.assert_allclose(split.params.values, both.params.values, rtol=1e-9)
    assert split.n_instruments == both.n_instruments
    assert split.diagnostics["hansen"] == pytest.approx(both.diagnostics["hansen"], rel=1e-9)
    # iv(k) in both equations shares one column; given per equation it adds one instrument
    sep = fit_readme(ab, system=True, iv_instruments=[IvStyle("k", equation="diff"), IvStyle("k", equation="level")])
    assert sep.n_instruments == both.n_instruments + 1


def test_invsym_skips_empty_and_collinear_columns_in_order():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3))
    X = np.column_stack([x[:, 0], np.zeros(50), x[:, 1], x[:, 0] + x[:, 1], x[:, 2]])
    inv, kept = invsym(X.T @ X)
    assert kept.tolist() == [True, False, True, False, True]
    sub = X[:, kept]
    np.testing.assert_allclose(inv[np.ix_(kept, kept)], np.linalg.inv(sub.T @ sub), rtol=1e-10)


# --------------------------------------------------------------------------- errors


def test_clear_errors(ab):
    with pytest.raises(ValueError, match="at least 2 groups"):
        fit_readme(ab[ab["id"] == 1])
    with pytest.raises(ValueError, match="no valid instruments"):
        fit_readme(ab, gmm_instruments=[], iv_instruments=[])
    with pytest.raises(ValueError, match="not identified"):
        fit_readme(ab, gmm_instruments=[GmmStyle("n", 2, 2, collapse=True)], iv_instruments=[])
    with pytest.raises(ValueError, match="columns not in the data"):
        fit_readme(ab, regressors=["w", "nope"])
    with pytest.raises(ValueError, match="repeated time values"):
        fit_readme(pd.concat([ab, ab.iloc[:1]]))
    with pytest.raises(ValueError, match="lags must be"):
        fit_readme(ab, lags=-1)
    with pytest.raises(ValueError, match="equation must be"):
        fit_readme(ab, iv_instruments=[IvStyle("k", equation="levels")])
    with pytest.raises(ValueError, match="passthru"):
        fit_readme(ab, system=True, iv_instruments=[IvStyle("k", passthru=True)])
    with pytest.raises(ValueError, match="dependent variable"):
        fit_readme(ab, regressors=["L.n", "w"])
    with pytest.raises(ValueError, match="whole numbers"):
        fit_readme(ab.assign(year=ab["year"] + 0.5))
    with pytest.raises(ValueError, match="no observations"):
        fit_readme(ab.assign(n=np.nan))
