"""Bootstrap of the threshold-effect F tests (Hansen 1999 §4; xthreg's bs()).

For the test of k thresholds against k − 1:

* Null model: the k − 1 thresholds the observed search held fixed (none; Th-1; Th-21 and Th-22),
  fitted on the within-transformed data: fitted values ŷ and residuals ê.
* Each replication draws n units with replacement and gives unit i the whole residual vector
  (its T residuals) of the drawn unit: y* = ŷ + ê*, keeping serial dependence within units.
* On y* the whole sequential search is replayed over the same grid, thresholds re-estimated:
  single; double given the bootstrap single; for the triple also the refinement of the first, as
  in the observed search. F* = (S*_{k−1} − S*_k)/(S*_k/(N(T−1))).
* p-value = share of F* > F; critical values = the ceil(q·B)-th smallest F* (Hansen's code).

Vectorised: the B replications are columns of one response matrix, and every RSS curve is a few
matrix products over all candidates and all replications (``rss_curve``). Where a step depends on a
threshold re-estimated per replication, replications are grouped by that value (few distinct).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from models_py.estimators.threshold import (
    ThresholdPanel,
    ThresholdSearch,
    feasible_candidates,
    regime_columns,
    rss_curve,
)


def null_fit(panel: ThresholdPanel, fixed: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Fitted values and residuals (within space) of the model with thresholds ``fixed``."""
    design = np.column_stack([panel.base_w, regime_columns(panel, fixed)])
    beta, *_ = np.linalg.lstsq(design, panel.y_w, rcond=None)
    fitted = design @ beta
    return fitted, panel.y_w - fitted


def draw_responses(panel: ThresholdPanel, fitted: np.ndarray, resid: np.ndarray, reps: int,
                   rng: np.random.Generator) -> np.ndarray:
    """N × reps bootstrap responses: whole residual vectors of units drawn with replacement."""
    units = rng.integers(0, panel.n_units, size=(reps, panel.n_units))
    by_unit = resid.reshape(panel.n_units, panel.n_periods)
    drawn = by_unit[units]                                  # reps × n × T
    return fitted[:, None] + drawn.reshape(reps, -1).T


def search_many(panel: ThresholdPanel, grid: np.ndarray, fixed: np.ndarray, trim: float,
                Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each column b of Y, the next threshold given the thresholds in row b of ``fixed``
    (B × j): (estimate, its RSS, RSS with the fixed ones only). A replication whose fixed
    thresholds leave no feasible candidate keeps its fixed RSS (F* = 0) and a NaN estimate."""
    B = Y.shape[1]
    estimate, best, base = np.full(B, np.nan), np.empty(B), np.empty(B)
    q_sorted = np.sort(panel.q)
    keys, group = np.unique(fixed, axis=0, return_inverse=True) if fixed.shape[1] else (np.empty((1, 0)), np.zeros(B, int))
    group = np.asarray(group).reshape(-1)
    for g, key in enumerate(keys):
        cols = np.flatnonzero(group == g)
        candidates = feasible_candidates(q_sorted, grid, key, trim) if key.size else grid
        if candidates.size == 0:
            _, base[cols] = rss_curve(panel, key, grid[:0], Y[:, cols])
            best[cols] = base[cols]
            continue
        rss, base[cols] = rss_curve(panel, key, candidates, Y[:, cols])
        at = np.argmin(rss, axis=0)
        estimate[cols] = candidates[at]
        best[cols] = rss[at, np.arange(cols.size)]
    return estimate, best, base


def replay_f(panel: ThresholdPanel, grid: np.ndarray, trims: Sequence[float], k: int, Y: np.ndarray) -> np.ndarray:
    """F* of k against k − 1 thresholds for every column of Y, replaying the sequential search."""
    B = Y.shape[1]
    g1, s1, s0 = search_many(panel, grid, np.empty((B, 0)), trims[0], Y)
    if k == 1:
        restricted, unrestricted = s0, s1
    else:
        g2, s2, _ = search_many(panel, grid, g1[:, None], trims[1], Y)
        if k == 2:
            restricted, unrestricted = s1, s2
        else:
            g1r, s2r, _ = search_many(panel, grid, g2[:, None], trims[1], Y)
            _, s3, _ = search_many(panel, grid, np.column_stack([g1r, g2]), trims[2], Y)
            restricted, unrestricted = s2r, s3
    return (restricted - unrestricted) / (unrestricted / panel.df_sigma)


def bootstrap_threshold_tests(panel: ThresholdPanel, searches: Sequence[ThresholdSearch], grid: np.ndarray,
                              trims: Sequence[float], reps: Sequence[int],
                              rng: np.random.Generator) -> dict[int, np.ndarray]:
    """Bootstrap F* for each test k with reps[k−1] > 0: {k: array of F*}. Draws in test order."""
    by_label = {s.label: s for s in searches}
    null_thresholds = {1: (), 2: (by_label["Th-1"].estimate,)}
    if "Th-3" in by_label:
        null_thresholds[3] = by_label["Th-3"].fixed
    out = {}
    for k, b in enumerate(reps, start=1):
        if b == 0:
            continue
        fitted, resid = null_fit(panel, null_thresholds[k])
        out[k] = replay_f(panel, grid, trims, k, draw_responses(panel, fitted, resid, b, rng))
    return out
