"""Independent NumPy reference of the entropy weight method and TOPSIS-entropy.

Written from the formulas (Paper B eq. 1-7, STUDIES.md "Entropy weight method" and
"TOPSIS-entropy"), in plain matrix form, to check the dbt macros against. X is units x indicators,
NaN = missing.

    eq. 1-2  z_ij = (x_ij - min_j) / (max_j - min_j) + shift        positive indicator
             z_ij = (max_j - x_ij) / (max_j - min_j) + shift        negative indicator
    eq. 3    p_ij = z_ij / sum_i z_ij
    eq. 4    e_j  = -(1 / ln m_j) sum_i p_ij ln p_ij                 (0 ln 0 = 0)
    eq. 5    d_j  = 1 - e_j
    eq. 6    w_j  = d_j / sum_j d_j
    eq. 7    s_i  = sum_j w_j z_ij
    TOPSIS   v_ij = w_j z_ij;  D+_i = ||v_i - max_i v||, D-_i = ||v_i - min_i v||,
             C_i = D-_i / (D+_i + D-_i)

Conventions: min / max over the non-missing values; m_j = number of non-missing values; a missing
z_ij is left out of every sum (of p, of the score, of the TOPSIS distances); an indicator with fewer
than two distinct values cannot be standardised and raises NotWeightable.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


class NotWeightable(ValueError):
    """An indicator is constant (or has < 2 values) within its scope."""

    def __init__(self, indicator, scope=None):
        self.indicator, self.scope = indicator, scope
        super().__init__(f"indicator {indicator} cannot be weighted in scope {scope}")


def standardise(X, negative, shift=0.0, names=None, scope=None):
    """Eq. 1-2, column-wise. `negative`: boolean per column."""
    X = np.asarray(X, dtype=float)
    present = ~np.isnan(X)
    for j in range(X.shape[1]):
        column = X[present[:, j], j]
        if column.size < 2 or column.max() == column.min():
            raise NotWeightable(names[j] if names is not None else j, scope)
    lo, hi = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
    Z = np.where(np.asarray(negative, dtype=bool), hi - X, X - lo) / (hi - lo)
    return Z + shift


def entropy_weights(Z):
    """Eq. 3-6: returns (entropy e, redundancy d, weight w), one entry per column."""
    Z = np.asarray(Z, dtype=float)
    m = np.sum(~np.isnan(Z), axis=0)
    P = Z / np.nansum(Z, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plnp = np.where(P > 0, P * np.log(P), 0.0)  # NaN > 0 is False: missing contributes 0
    e = -plnp.sum(axis=0) / np.log(m)
    d = 1.0 - e
    return e, d, d / d.sum()


def weighted_sum(Z, w):
    """Eq. 7 with missing z left out (a unit with no value at all has no score: NaN)."""
    V = np.asarray(Z) * w
    return np.where(np.isnan(V).all(axis=1), np.nan, np.nansum(V, axis=1))


def topsis_closeness(Z, w, columns=None):
    """TOPSIS-entropy closeness over `columns` (default all); ideals are per column over all rows."""
    V = np.asarray(Z) * w
    if columns is not None:
        V = V[:, columns]
    best, worst = np.nanmax(V, axis=0), np.nanmin(V, axis=0)
    d_plus = np.sqrt(np.nansum((V - best) ** 2, axis=1))
    d_minus = np.sqrt(np.nansum((V - worst) ** 2, axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isnan(V).all(axis=1), np.nan, d_minus / (d_plus + d_minus))


# ----------------------------------------------------------------------------- long-format driver

@dataclass
class ScopeResult:
    weights: pd.DataFrame  # scope..., indicator, n_units, entropy, redundancy, weight
    scores: pd.DataFrame   # scope..., units..., group..., weighted_sum, topsis_closeness


def compute_long(long: pd.DataFrame, scope: list[str], units: list[str], shift=0.0,
                 group_by: list[str] | None = None) -> ScopeResult:
    """Run the method on a long table (scope cols, units cols, indicator, direction, value, extras).

    One matrix per scope value; `group_by` columns (constant per indicator, e.g. dimension) give
    one score per group from that group's indicators, with the scope's weights. A `shift` column
    in `long` overrides the argument (one value per scope).
    """
    group_by = group_by or []
    weight_frames, score_frames = [], []
    scope_groups = long.groupby(scope, sort=True, dropna=False) if scope else [((), long)]
    for key, frame in scope_groups:
        key = key if isinstance(key, tuple) else (key,)
        scope_shift = float(frame["shift"].iloc[0]) if "shift" in frame else shift
        X = frame.set_index(units + ["indicator"])["value"].unstack("indicator").sort_index(axis=1)
        indicator_info = frame.drop_duplicates("indicator").set_index("indicator").loc[X.columns]
        negative = (indicator_info["direction"] == "negative").to_numpy()
        Z = standardise(X.to_numpy(), negative, scope_shift, names=list(X.columns),
                        scope="/".join(str(k) for k in key))
        e, d, w = entropy_weights(Z)
        weights = pd.DataFrame({"indicator": X.columns, "n_units": np.sum(~np.isnan(Z), axis=0),
                                "entropy": e, "redundancy": d, "weight": w})
        for column, value in zip(scope, key):
            weights[column] = value
        weight_frames.append(weights)
        groups = indicator_info.groupby(group_by, sort=True).groups if group_by else {(): X.columns}
        for group_key, members in groups.items():
            group_key = group_key if isinstance(group_key, tuple) else (group_key,)
            cols = [X.columns.get_loc(c) for c in members]
            scores = X.index.to_frame(index=False)
            scores["weighted_sum"] = weighted_sum(Z[:, cols], w[cols])
            scores["topsis_closeness"] = topsis_closeness(Z, w, cols)
            for column, value in zip(list(scope) + group_by, tuple(key) + group_key):
                scores[column] = value
            score_frames.append(scores)
    return ScopeResult(pd.concat(weight_frames, ignore_index=True),
                       pd.concat(score_frames, ignore_index=True))
