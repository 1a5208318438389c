"""Subsample regressions, the interaction (Chow-type) test and the bdiff permutation test.

References, named at each use: direct fit_fixed_effects calls on each subsample; a pooled,
fully interacted regression on explicit dummies (statsmodels OLS, cluster sandwich rescaled to
reghdfe's small-sample factor); a literal loop of fit_fixed_effects over the permuted groups
drawn as documented; the region counts of /work/shared/STUDIES.md; simulated data with a known
(zero or large) group difference.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.regression.linear_model import OLS

from models_py.estimators.fixed_effects import fit_fixed_effects
from models_py.estimators.heterogeneity import (
    add_region_groups,
    bdiff_pvalue,
    fit_subsamples,
    interaction_test,
    permutation_test,
)



def simulate(seed: int, diff: float = 0.0, T: int = 13, noise: float = 1.0) -> pd.DataFrame:
    """The 31 provinces × T years with the seed's groupings; slope of x is 1 in the north and
    1 + diff in the south; region and year effects; one control."""
    rng = np.random.default_rng(seed)
    base = add_region_groups(pd.DataFrame({"region_code": _codes()}))
    data = base.loc[base.index.repeat(T)].reset_index(drop=True)
    data["year"] = np.tile(np.arange(2011, 2011 + T), len(base))
    alpha = rng.normal(size=len(base))[np.repeat(np.arange(len(base)), T)]
    lam = rng.normal(size=T)[data.year - 2011]
    data["x"] = alpha + lam + rng.normal(size=len(data))
    data["c1"] = rng.normal(size=len(data))
    slope = np.where(data.south_north == "south", 1.0 + diff, 1.0)
    data["y"] = slope * data.x + 0.3 * data.c1 + alpha + lam + noise * rng.normal(size=len(data))
    return data


def _codes() -> np.ndarray:
    from models_py.estimators.heterogeneity import REGIONS_CSV

    return pd.read_csv(REGIONS_CSV).region_code.to_numpy()


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate(0, diff=0.5)


# --------------------------------------------------------------------------- groupings


def test_region_groups_match_studies_counts():
    # STUDIES.md: East 11 / Central 8 / West 12; NBS East 10, Central 6, West 12, Northeast 3;
    # South 16 / North 15.
    g = add_region_groups(pd.DataFrame({"region_code": _codes()}))
    assert g.region3.value_counts().to_dict() == {"west": 12, "east": 11, "central": 8}
    assert g.region4.value_counts().to_dict() == {"west": 12, "east": 10, "central": 6, "northeast": 3}
    assert g.south_north.value_counts().to_dict() == {"south": 16, "north": 15}
    with pytest.raises(ValueError, match="not in"):
        add_region_groups(pd.DataFrame({"region_code": [99]}))


# --------------------------------------------------------------------------- subsamples


def test_subsamples_equal_direct_fits(panel):
    res = fit_subsamples(panel, "y", ["x", "c1"], "region3")
    assert list(res.results) == ["central", "east", "west"]
    for g in ("central", "east", "west"):
        direct = fit_fixed_effects(panel[panel.region3 == g], "y", ["x", "c1"])
        pd.testing.assert_series_equal(res.params.xs(g), direct.params, check_names=False)
        pd.testing.assert_series_equal(res.std_errors.xs(g), direct.std_errors, check_names=False)
        assert res.nobs[g] == direct.nobs
    assert res.nobs.to_dict() == {"central": 8 * 13, "east": 11 * 13, "west": 12 * 13}
    assert res.table().shape == (9, 4)


# --------------------------------------------------------------------------- interaction test


@pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")  # dummies span the constant twice
def test_interaction_equals_explicit_fully_interacted_regression(panel):
    res = interaction_test(panel, "y", "x", ["c1"], group="south_north")
    assert res.groups == ("north", "south")
    # Reference: OLS on explicit dummies — region, year×south, x, c1, x·south, c1·south —
    # i.e. reghdfe y c.x##i.south c.c1##i.south, absorb(region_code year#south).
    d = panel.assign(s=(panel.south_north == "south").astype(float))
    d["xs"], d["cs"] = d.x * d.s, d.c1 * d.s
    fe = pd.get_dummies(pd.DataFrame({"r": d.region_code.astype(str), "ys": d.year.astype(str) + "#" + d.s.astype(str)}),
                        drop_first=True, dtype=float)
    X = pd.concat([d[["x", "c1", "xs", "cs"]], fe], axis=1).assign(const=1.0)
    ols = OLS(d.y, X).fit(cov_type="cluster", cov_kwds={"groups": d.region_code, "use_correction": False})
    # reghdfe's CRV1 factor (fixed_effects.py docstring): G/(G−1)·(N−1)/(N−K), K = k + df_a with
    # the region FE nested in the cluster adding nothing and year#south counted in full (2T
    # levels, "the first" factor): K = 4 + 26.
    N, G = len(d), 31
    factor = G / (G - 1) * (N - 1) / (N - 4 - 26)
    assert res.params["difference"] == pytest.approx(ols.params["xs"], rel=1e-9)
    assert res.std_errors["difference"] == pytest.approx(np.sqrt(factor) * ols.bse["xs"], rel=1e-8)
    assert res.params["b_first"] == pytest.approx(ols.params["x"], rel=1e-9)
    # Point estimates equal the two subsample regressions (fully interacted model).
    sub = fit_subsamples(panel, "y", ["x", "c1"], "south_north")
    assert res.params["difference"] == pytest.approx(
        sub.params[("south", "x")] - sub.params[("north", "x")], rel=1e-9)
    assert res.diagnostics["difference_p"] == pytest.approx(2 * stats.t.sf(abs(res.tstats["difference"]), 30), rel=1e-9)
    assert res.diagnostics["chow_F"] == pytest.approx(res.tstats["difference"] ** 2)


def test_interaction_three_level_grouping_needs_groups(panel):
    with pytest.raises(ValueError, match="pass groups"):
        interaction_test(panel, "y", "x", ["c1"], group="region3")
    res = interaction_test(panel, "y", "x", ["c1"], group="region3", groups=("east", "west"))
    assert res.model.nobs == (11 + 12) * 13 and res.model.n_clusters == 23


# --------------------------------------------------------------------------- permutation test


def test_permutation_fast_path_equals_literal_refits(panel):
    reps, seed = 15, 5
    res = permutation_test(panel, "y", "x", ["c1"], group="south_north", reps=reps, seed=seed)
    assert res.diagnostics["perm_fast_path"] == 1.0
    # Reference: the documented draw (a uniform random order of the regions per permutation,
    # the first n0 = 15 northern-count regions form pseudo-group 0), refit by fit_fixed_effects.
    units = pd.factorize(panel.region_code)[1]
    order = np.argsort(np.random.default_rng(seed).random((reps, len(units))), axis=1)
    expected = []
    for row in order:
        in0 = panel.region_code.isin(units[row[:15]])
        b = [fit_fixed_effects(panel[mask], "y", ["x", "c1"]).params["x"] for mask in (in0, ~in0)]
        expected.append(b[0] - b[1])
    np.testing.assert_allclose(res.permuted, expected, rtol=1e-9)
    sub = fit_subsamples(panel, "y", ["x", "c1"], "south_north")
    assert res.params["difference"] == pytest.approx(sub.params[("north", "x")] - sub.params[("south", "x")], rel=1e-12)


def test_bdiff_pvalue_definition():
    # bdiff 1.04: Freq = #{d* ≥ d0}, p = Freq / reps, folded to 1 − p above 0.5.
    d = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, np.nan, 4.0, 5.0, 6.0])
    assert bdiff_pvalue(d, 4.5) == (0.2, 2)          # 5, 6
    assert bdiff_pvalue(d, -1.5) == pytest.approx((1 - 0.8, 8))  # 8/10 > 0.5 → 0.2
    assert bdiff_pvalue(d, 0.0) == (0.3, 7) or bdiff_pvalue(d, 0.0) == pytest.approx((0.3, 7))


def test_permutation_p_uniform_under_null_and_small_under_large_difference():
    # Under H0 (no difference) bdiff's folded p is ~ U(0, 0.5); with reps = 200 over 60 panels a
    # KS test against U(0, 0.5) should not reject at 1 %.
    ps = [permutation_test(simulate(s), "y", "x", ["c1"], group="south_north", reps=200, seed=s).diagnostics["perm_p"]
          for s in range(60)]
    assert stats.kstest(ps, stats.uniform(0, 0.5).cdf).pvalue > 0.01
    assert 0.0 < np.mean(np.array(ps) <= 0.05) < 0.25
    # A large true difference (slope 1 vs 2): no permutation reaches it.
    big = permutation_test(simulate(99, diff=1.0), "y", "x", ["c1"], group="south_north", reps=500, seed=1)
    assert big.diagnostics["perm_p"] <= 0.01 and big.diagnostics["perm_p_two_sided"] <= 0.01


def test_permutation_seed_reproducible(panel):
    r1 = permutation_test(panel, "y", "x", ["c1"], group="south_north", reps=300, seed=42)
    r2 = permutation_test(panel, "y", "x", ["c1"], group="south_north", reps=300, seed=42)
    r3 = permutation_test(panel, "y", "x", ["c1"], group="south_north", reps=300, seed=43)
    np.testing.assert_array_equal(r1.permuted, r2.permuted)
    assert r1.diagnostics["perm_p"] == r2.diagnostics["perm_p"]
    assert not np.array_equal(r1.permuted, r3.permuted)


# --------------------------------------------------------------------------- errors


def test_errors(panel):
    tiny = panel[(panel.region3 != "central") | (panel.region_code == 14) & (panel.year == 2011)]
    with pytest.raises(ValueError, match="group 'central' of 'region3' has 1 observations"):
        fit_subsamples(tiny, "y", ["x", "c1"], "region3")
    constant = panel.assign(xr=panel.groupby("region_code")["x"].transform("mean"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="'xr' is collinear with the fixed effects"):
            fit_subsamples(constant, "y", ["xr", "c1"], "south_north")
        with pytest.raises(ValueError, match="collinear with the fixed effects"):
            permutation_test(constant, "y", "xr", ["c1"], group="south_north", reps=10, seed=1)
        with pytest.raises(ValueError, match="'xr' is collinear with the fixed effects"):
            interaction_test(constant, "y", "xr", ["c1"], group="south_north")
    mixed = panel.assign(g=np.where(panel.year < 2015, "a", "b"))
    with pytest.raises(ValueError, match="not constant within 'region_code'"):
        permutation_test(mixed, "y", "x", ["c1"], group="g", reps=10, seed=1)
    two_regions = panel[panel.region_code.isin([11, 12, 31, 32])]
    with pytest.raises(ValueError, match="too few clusters"):
        fit_subsamples(two_regions, "y", ["x", "c1"], "south_north")
