"""Panel threshold regression benchmarks (issue 11): times, not tests.

  threshold_bootstrap_300_31x13_seconds          single threshold, 300 bootstrap replications,
                                                 31 provinces x 13 years, two controls, grid 300
  threshold_double_bootstrap_300_31x13_seconds   double threshold, 300 + 300 replications, same panel
  threshold_hansen_double_bootstrap_300_seconds  double threshold on Hansen's (1999) 565 x 14 panel,
                                                 grid 400, 300 + 300 replications
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from models_py.estimators.threshold import fit_threshold

HANSEN = Path(__file__).resolve().parents[1] / "data" / "hansen1999_invest.csv.gz"


def province_panel(units: int = 31, years: int = 13, seed: int = 3) -> pd.DataFrame:
    """A 31 x 13 panel with two thresholds in q (-0.4, 0.5) on the slope of x, two controls."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"region_code": np.repeat(np.arange(units), years),
                          "year": np.tile(np.arange(2010, 2010 + years), units)})
    effect = rng.normal(size=units)[frame["region_code"]]
    frame["q"] = rng.normal(size=len(frame)) + 0.3 * effect
    frame["x"] = rng.normal(size=len(frame)) + 0.5 * effect
    frame["c1"], frame["c2"] = rng.normal(size=(2, len(frame)))
    slope = np.select([frame["q"] <= -0.4, frame["q"] <= 0.5], [1.0, -0.5], 0.8)
    frame["y"] = effect + slope * frame["x"] + 0.3 * frame["c1"] - 0.2 * frame["c2"] + rng.normal(scale=0.5, size=len(frame))
    return frame


def _best_of(repeats: int, run) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def run(repeats: int = 3) -> dict[str, float]:
    panel = province_panel()
    figures = {
        "threshold_bootstrap_300_31x13_seconds": _best_of(repeats, lambda: fit_threshold(
            panel, "y", "x", "q", ["c1", "c2"], n_thresholds=1, bootstrap=300, seed=1)),
        "threshold_double_bootstrap_300_31x13_seconds": _best_of(repeats, lambda: fit_threshold(
            panel, "y", "x", "q", ["c1", "c2"], n_thresholds=2, bootstrap=300, seed=1)),
    }
    hansen = pd.read_csv(HANSEN)
    hansen["q2"], hansen["q3"], hansen["qd1"] = hansen["q1"] ** 2, hansen["q1"] ** 3, hansen["q1"] * hansen["d1"]
    figures["threshold_hansen_double_bootstrap_300_seconds"] = _best_of(1, lambda: fit_threshold(
        hansen, "i", "c1", "d1", ["q1", "q2", "q3", "d1", "qd1"], unit="id", time="year",
        n_thresholds=2, grid=400, bootstrap=300, seed=1))
    for name, value in figures.items():
        print(f"{name} {value:.4g}")
    return figures


if __name__ == "__main__":
    run()
