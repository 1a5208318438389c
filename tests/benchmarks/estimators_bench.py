"""Estimator benchmarks (issue: estimator suite speed). Times, not tests; ratios against a baseline
run in the same process:

  twfe_1M_*           two-way FE, region-clustered SE, 50,000 units x 20 years, 5 regressors,
                      ours vs pyfixest's feols (its small-sample settings set to reghdfe's)
  gmm_*_seconds       system GMM on abdata and on a 31 x 13 province panel
  bootstrap_*         1,000-replication cluster bootstrap of a mediation model on 31 x 13
"""
from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from models_py.estimators import GmmStyle, IvStyle, fit_dynamic_panel, fit_fixed_effects, fit_mediation

ABDATA = Path(__file__).resolve().parents[1] / "data" / "abdata.csv"


def _best_of(repeats: int, run) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def firm_panel(units: int = 50_000, years: int = 20, regressors: int = 5, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = units * years
    frame = pd.DataFrame({"unit": np.repeat(np.arange(units), years), "year": np.tile(np.arange(years), units)})
    unit_effect = rng.normal(size=units)[frame["unit"]]
    year_effect = rng.normal(size=years)[frame["year"]]
    y = unit_effect + year_effect
    for k in range(regressors):
        x = rng.normal(size=n) + 0.5 * unit_effect
        frame[f"x{k}"] = x
        y = y + (k + 1) * 0.1 * x
    frame["y"] = y + rng.normal(size=n)
    return frame


def province_panel(seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame([(r, t) for r in range(31) for t in range(2010, 2023)], columns=["region_code", "year"])
    region_effect = rng.normal(size=31)[frame["region_code"]]
    frame["x"] = rng.normal(size=len(frame)) + 0.3 * region_effect
    frame["m"] = 0.5 * frame["x"] + rng.normal(size=len(frame))
    frame["c"] = rng.normal(size=len(frame))
    frame["y"] = 0.3 * frame["x"] + 0.4 * frame["m"] + 0.2 * frame["c"] + region_effect + rng.normal(size=len(frame))
    # a dynamic outcome for GMM: y_t = 0.5 y_{t-1} + 0.3 x_t + effects
    dynamic = np.zeros(len(frame))
    for region in range(31):
        rows = np.flatnonzero(frame["region_code"].to_numpy() == region)
        for i, row in enumerate(rows):
            previous = dynamic[rows[i - 1]] if i else 0.0
            dynamic[row] = 0.5 * previous + 0.3 * frame["x"].iat[row] + region_effect[row] + rng.normal()
    frame["dynamic"] = dynamic
    return frame


def bench_twfe(repeats: int) -> dict[str, float]:
    import pyfixest as pf

    data = firm_panel()
    regressors = [f"x{k}" for k in range(5)]
    ours = _best_of(repeats, lambda: fit_fixed_effects(data, "y", regressors, absorb=["unit", "year"], cluster="unit"))

    def pyfixest_fit():
        fit = pf.feols(
            "y ~ x0 + x1 + x2 + x3 + x4 | unit + year", data=data, vcov={"CRV1": "unit"},
            ssc=pf.ssc(k_adj=True, k_fixef="nonnested", G_adj=True, G_df="min"),
        )
        fit.se()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyfixest_fit()  # first call compiles its numba kernels: not timed
        theirs = _best_of(repeats, pyfixest_fit)
    return {"twfe_1M_seconds": ours, "twfe_1M_pyfixest_seconds": theirs, "twfe_1M_vs_pyfixest": ours / theirs}


def bench_gmm(repeats: int) -> dict[str, float]:
    abdata = pd.read_csv(ABDATA)
    province = province_panel()

    def abdata_system():
        fit_dynamic_panel(
            abdata, "n", lags=2, regressors=["w", "k"],
            gmm_instruments=[GmmStyle("n", 2, 4), GmmStyle("w", 1, 3)], iv_instruments=[IvStyle("k")],
            system=True, two_step=True, robust=True, unit="id", time="year",
        )

    def province_system():
        fit_dynamic_panel(
            province, "dynamic", lags=1, regressors=["x"],
            gmm_instruments=[GmmStyle("dynamic", 2, None, collapse=True)], iv_instruments=[IvStyle("x")],
            system=True, two_step=True, robust=True, time_effects=True,
        )

    return {
        "gmm_abdata_system_seconds": _best_of(repeats, abdata_system),
        "gmm_province_31x13_system_seconds": _best_of(repeats, province_system),
    }


def bench_bootstrap(repeats: int) -> dict[str, float]:
    province = province_panel()
    seconds = _best_of(
        repeats,
        lambda: fit_mediation(province, "y", "x", "m", controls=["c"], method="bootstrap", reps=1000, seed=1),
    )
    return {"bootstrap_mediation_1000_31x13_seconds": seconds}


def run(repeats: int = 3) -> None:
    for figures in (bench_twfe(repeats), bench_gmm(repeats), bench_bootstrap(repeats)):
        for name, value in figures.items():
            print(f"{name} {value:.4g}", flush=True)
