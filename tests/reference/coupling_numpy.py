"""Coupling coordination degree and obstacle degree in NumPy, written from the formulas (not from
the SQL): the reference the dbt macros in dbt_project/macros/coupling/ are tested against.

Coupling (n subsystems, U in [0, 1], alpha summing to 1):
    classic    C = n * (prod U / sum(U)**n) ** (1/n)
    corrected  C = sqrt((1 - sum_{i<j} |U_i - U_j| / sum_{m=1}^{n-1} m) * (prod(U / max U)) ** (1/(n-1)))
               (王淑佳 et al. 2021, 自然资源学报 36(3))
    T = sum alpha U,  D = sqrt(C T); any U = 0 -> C = 0; all U = 0 -> C = T = D = 0.
Obstacle: I = 1 - z, O_j = w_j I_j / sum_k w_k I_k (0 when the sum is 0), rank 1 = largest (ties min).
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd


def coupling_degree(u: np.ndarray, formula: str) -> float:
    u = np.asarray(u, dtype=float)
    n = len(u)
    if n < 2:
        raise ValueError("coupling needs at least two subsystems")
    if np.any((u < 0) | (u > 1)) or np.any(np.isnan(u)):
        raise ValueError(f"scores outside [0, 1]: {u}")
    if np.any(u == 0):
        return 0.0
    if formula == "classic":
        return float(n * (np.prod(u) / np.sum(u) ** n) ** (1.0 / n))
    if formula == "corrected":
        gaps = sum(abs(a - b) for a, b in combinations(u, 2))
        pairs = sum(range(1, n))
        return float(np.sqrt((1 - gaps / pairs) * np.prod(u / u.max()) ** (1.0 / (n - 1))))
    raise ValueError(formula)


def coupling_long(frame: pd.DataFrame, units: list[str], formula: str, weights: str | None = None) -> pd.DataFrame:
    """One row per unit: n_subsystems, n_zero_subsystems, coupling_degree, development_index,
    coordination_degree, from a long frame with columns units + [subsystem, score (, weights)]."""
    rows = []
    for key, group in frame.groupby(units, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        u = group["score"].to_numpy(float)
        alpha = group[weights].to_numpy(float) if weights else np.full(len(u), 1.0 / len(u))
        if abs(alpha.sum() - 1) > 1e-9:
            raise ValueError(f"weights of {key} sum to {alpha.sum()}")
        c = coupling_degree(u, formula)
        t = float(np.dot(alpha, u))
        rows.append((*key, len(u), int((u == 0).sum()), c, t, float(np.sqrt(c * t))))
    return pd.DataFrame(rows, columns=[*units, "n_subsystems", "n_zero_subsystems", "coupling_degree",
                                       "development_index", "coordination_degree"])


def coordination_level(d: float, lowers: np.ndarray, uppers: np.ndarray) -> int:
    """1-based class of d: lower <= d < upper, the top class closed at its upper bound."""
    for k, (low, high) in enumerate(zip(lowers, uppers)):
        if low <= d < high or (d == high and high == uppers.max()):
            return k + 1
    raise ValueError(f"{d} in no class")


def obstacle_long(frame: pd.DataFrame, units: list[str], shift: float = 0.0) -> pd.DataFrame:
    """frame: units + [indicator, dimension, standardised, weight]; adds deviation, obstacle, obstacle_rank."""
    out = frame.copy()
    out["deviation"] = 1.0 - (out["standardised"].to_numpy(float) - shift)
    weighted = out["weight"].to_numpy(float) * out["deviation"].to_numpy(float)
    out["weighted_deviation"] = weighted
    total = out.assign(w=weighted).groupby(units)["w"].transform("sum").to_numpy(float)
    out["deviation_total"] = total
    out["obstacle"] = np.where(total > 0, weighted / np.where(total > 0, total, 1.0), 0.0)
    out["obstacle_rank"] = out.groupby(units)["obstacle"].rank(method="min", ascending=False).astype(int)
    return out


def obstacle_groups(obstacles: pd.DataFrame, units: list[str], group: str = "dimension") -> pd.DataFrame:
    out = obstacles.groupby([*units, group], as_index=False).agg(n_indicators=("obstacle", "size"),
                                                               obstacle=("obstacle", "sum"))
    out["obstacle_rank"] = out.groupby(units)["obstacle"].rank(method="min", ascending=False).astype(int)
    return out
