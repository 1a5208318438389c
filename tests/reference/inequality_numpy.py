"""Inequality measures in plain NumPy, written from the formulas, independent of the SQL macros.

- Coefficient of variation: SD / mean, SD with divisor n (population) or n - 1 (sample).
- Theil T index (Theil 1967) and its decomposition by groups (Shorrocks 1980), optionally weighted:
  with weight shares q_i and value shares v_i = q_i y_i / sum q y,  T = sum_i v_i ln(v_i / q_i);
  T_within = sum_g V_g T_g (T_g the index of group g alone), T_between = sum_g V_g ln(V_g / Q_g).
- Dagum (1997), "A new approach to the decomposition of the Gini income inequality ratio",
  Empirical Economics 22: 515-531, eqs. as numbered there: G (1), G_jj (3), G_jh (5), G_w (4),
  d_jh (7)-(8) and p_jh (9) as the expectations of (y_j - y_h)^+ and (y_h - y_j)^+ over all pairs,
  D_jh (10), G_nb (12), G_t (13), groups ranked by mean (mu_h <= mu_j) as in the paper.
  Differences are taken over every unit pair by broadcasting (O(n^2): a reference, not a method).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def coefficient_of_variation(values, sd: str = "population") -> float:
    y = np.asarray(values, dtype=float)
    mean = y.sum() / y.size
    divisor = {"population": y.size, "sample": y.size - 1}[sd]
    return float(np.sqrt(((y - mean) ** 2).sum() / divisor) / mean)


def _theil_single(y: np.ndarray, q: np.ndarray) -> float:
    """T = sum_i v_i ln(v_i / q_i), v = value shares, q = weight shares (0 ln 0 = 0)."""
    q = q / q.sum()
    v = q * y / (q * y).sum()
    positive = v > 0
    return float((v[positive] * np.log(v[positive] / q[positive])).sum())


@dataclass
class Theil:
    total: float
    within: float
    between: float
    groups: dict = field(default_factory=dict)  # group -> (theil_g, value_share, weight_share)


def theil(values, groups, weights=None) -> Theil:
    y = np.asarray(values, dtype=float)
    g = np.asarray(groups)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    total_value = (w * y).sum()
    within = between = 0.0
    parts = {}
    for label in np.unique(g):
        member = g == label
        value_share = (w[member] * y[member]).sum() / total_value
        weight_share = w[member].sum() / w.sum()
        t_g = _theil_single(y[member], w[member]) if value_share > 0 else float("nan")
        parts[label] = (t_g, value_share, weight_share)
        if value_share > 0:
            within += value_share * t_g
            between += value_share * np.log(value_share / weight_share)
    return Theil(_theil_single(y, w), within, between, parts)


@dataclass
class Dagum:
    gini: float
    within: float
    net_between: float
    transvariation: float
    within_group: dict = field(default_factory=dict)  # group -> G_jj
    between_pair: dict = field(default_factory=dict)  # (richer, poorer) -> (G_jh, D_jh)


def gini(values) -> float:
    """Plain Gini: mean absolute difference over all ordered pairs / (2 mean)."""
    y = np.asarray(values, dtype=float)
    return float(np.abs(y[:, None] - y[None, :]).sum() / (2 * y.size**2 * y.mean()))


def dagum(values, groups) -> Dagum:
    y = np.asarray(values, dtype=float)
    g = np.asarray(groups)
    n, mu = y.size, y.mean()
    labels = list(np.unique(g))
    members = {label: y[g == label] for label in labels}
    # Dagum ranks the groups by mean: the pair (j, h) is taken with mu_j >= mu_h
    labels.sort(key=lambda label: (-members[label].mean(), str(label)))
    p = {label: members[label].size / n for label in labels}
    s = {label: members[label].size * members[label].mean() / (n * mu) for label in labels}

    total = np.abs(y[:, None] - y[None, :]).sum() / (2 * n * n * mu)
    within = net_between = transvariation = 0.0
    within_group, between_pair = {}, {}
    for label in labels:
        yj = members[label]
        if yj.mean() == 0:  # G_jj undefined (0 / 0), but s_j = 0: no part of G_w
            within_group[label] = float("nan")
            continue
        g_jj = np.abs(yj[:, None] - yj[None, :]).sum() / (2 * yj.size**2 * yj.mean())
        within_group[label] = g_jj
        within += g_jj * p[label] * s[label]
    for a, richer in enumerate(labels):
        for poorer in labels[a + 1:]:
            yj, yh = members[richer], members[poorer]
            if yj.mean() + yh.mean() == 0:  # two all-zero groups: G_jh undefined, weight 0
                between_pair[(richer, poorer)] = (float("nan"), 0.0)
                continue
            diff = yj[:, None] - yh[None, :]
            g_jh = np.abs(diff).sum() / (yj.size * yh.size * (yj.mean() + yh.mean()))
            d_jh = np.clip(diff, 0, None).mean()   # gross economic affluence
            p_jh = np.clip(-diff, 0, None).mean()  # first-order moment of transvariation
            d_rel = (d_jh - p_jh) / (d_jh + p_jh) if d_jh + p_jh > 0 else 0.0
            weight = p[richer] * s[poorer] + p[poorer] * s[richer]
            between_pair[(richer, poorer)] = (g_jh, d_rel)
            net_between += g_jh * weight * d_rel
            transvariation += g_jh * weight * (1 - d_rel)
    return Dagum(float(total), float(within), float(net_between), float(transvariation), within_group, between_pair)


def province_split_by_year(scores, value: str = "weighted_sum", provinces=None) -> dict:
    """year -> (Dagum, Theil) of `scores[value]` with the units grouped by their province: the first
    two digits of a six-digit city or county code in region_code, or `provinces` (region_code ->
    province code, for firms): what the inequality mart's grouping 'province' holds for a city, county
    or firm index."""
    province = scores["region_code"] // 10000 if provinces is None else scores["region_code"].map(provinces)
    assert province.notna().all()
    grouped = scores.assign(province=province)
    split = {}
    for year, frame in grouped.groupby("year"):
        y, g = frame[value].to_numpy(), frame["province"].astype(str).to_numpy()
        split[year] = (dagum(y, g), theil(y, g))
    return split
