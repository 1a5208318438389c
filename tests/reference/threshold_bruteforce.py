"""Brute-force panel threshold regression, written apart from models_py/estimators/threshold.py to
check it: plain loops, one least-squares fit with a dummy per unit for every candidate threshold,
no within transformation, no Frisch–Waugh, no vectorisation. Slow on purpose; small panels only.

Follows the conventions stated in threshold.py's docstring: the lower regime is q <= gamma; grid =
distinct values of q leaving at least ceil(trim * N) observations on each side, thinned to `grid`
evenly spaced ones; later thresholds drop candidates leaving a regime smaller than ceil(trim_k * N);
double = second given first, then first refined given second; triple given both.
"""

from __future__ import annotations

import math

import numpy as np


def regime_index(q_value, thresholds):
    """1-based regime of one observation: 1 + number of thresholds strictly below it."""
    j = 1
    for gamma in sorted(thresholds):
        if q_value > gamma:
            j += 1
    return j


def design(units, q, x, controls, thresholds):
    """Rows: [unit dummies..., controls..., x * 1(regime j) for j = 1..k+1]."""
    unit_levels = sorted(set(units))
    n_regimes = len(thresholds) + 1
    rows = []
    for i in range(len(q)):
        row = [1.0 if units[i] == u else 0.0 for u in unit_levels]
        row += list(controls[i])
        j = regime_index(q[i], thresholds)
        for r in range(1, n_regimes + 1):
            for value in x[i]:
                row.append(value if r == j else 0.0)
        rows.append(row)
    return np.array(rows, dtype=float), len(unit_levels)


def rss(y, units, q, x, controls, thresholds):
    X, _ = design(units, q, x, controls, thresholds)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    return float(resid @ resid)


def grid(q, trim, points):
    n = len(q)
    m = max(1, math.ceil(trim * n))
    candidates = []
    for value in sorted(set(q)):
        below = sum(1 for v in q if v <= value)
        if below >= m and n - below >= m:
            candidates.append(value)
    if points is not None and len(candidates) > points:
        picked = []
        for i in range(points):
            position = round(i * (len(candidates) - 1) / (points - 1)) if points > 1 else 0
            if candidates[position] not in picked:
                picked.append(candidates[position])
        candidates = picked
    return candidates


def allowed(q, candidate, fixed, trim):
    """Every regime created by adding `candidate` to `fixed` holds >= ceil(trim * N) observations."""
    if candidate in fixed:
        return False
    n = len(q)
    m = max(1, math.ceil(trim * n))
    below = [f for f in fixed if f < candidate]
    above = [f for f in fixed if f > candidate]
    lower = max(below) if below else -math.inf
    upper = min(above) if above else math.inf
    left = sum(1 for v in q if lower < v <= candidate)
    right = sum(1 for v in q if candidate < v <= upper)
    return left >= m and right >= m


def search(y, units, q, x, controls, candidates, fixed, trim):
    """(estimate, min RSS, RSS of every allowed candidate, the candidates) given `fixed`."""
    allowed_candidates = [c for c in candidates if not fixed or allowed(q, c, fixed, trim)]
    curve = [rss(y, units, q, x, controls, [*fixed, c]) for c in allowed_candidates]
    best = min(range(len(curve)), key=lambda i: (curve[i], i))
    return allowed_candidates[best], curve[best], curve, allowed_candidates


def sequential(y, units, q, x, controls, n_thresholds, trims, points):
    """{label: (estimate, rss, curve, candidates)} as xthreg labels them, plus the null RSS."""
    candidates = grid(q, trims[0], points)
    out = {"Th-1": search(y, units, q, x, controls, candidates, [], trims[0])}
    out["linear"] = rss(y, units, q, x, controls, [])
    if n_thresholds >= 2:
        out["Th-22"] = search(y, units, q, x, controls, candidates, [out["Th-1"][0]], trims[1])
        out["Th-21"] = search(y, units, q, x, controls, candidates, [out["Th-22"][0]], trims[1])
    if n_thresholds == 3:
        out["Th-3"] = search(y, units, q, x, controls, candidates, [out["Th-21"][0], out["Th-22"][0]], trims[2])
        out["double_refined"] = rss(y, units, q, x, controls, [out["Th-21"][0], out["Th-22"][0]])
    return out


def coefficients(y, units, q, x, controls, thresholds):
    """Slopes (controls, then x by regime) and CRV1 standard errors clustered by unit with xtreg, fe's
    factor G/(G-1) * (N-1)/(N-K), K = slopes + 1: the dummy regression's sandwich, looped by unit."""
    X, n_units = design(units, q, x, controls, thresholds)
    XtX_inv = np.linalg.inv(X.T @ X)
    beta = XtX_inv @ X.T @ y
    resid = y - X @ beta
    meat = np.zeros((X.shape[1], X.shape[1]))
    for u in sorted(set(units)):
        score = np.zeros(X.shape[1])
        for i in range(len(y)):
            if units[i] == u:
                score += X[i] * resid[i]
        meat += np.outer(score, score)
    n, k = len(y), X.shape[1] - n_units
    factor = n_units / (n_units - 1) * (n - 1) / (n - k - 1)
    cov = factor * XtX_inv @ meat @ XtX_inv
    slopes = slice(n_units, None)
    return beta[slopes], np.sqrt(np.diag(cov)[slopes]), float(resid @ resid)


def bootstrap_f(y, units, q, x, controls, n_thresholds, trims, points, k, unit_draws):
    """F* of k vs k-1 thresholds for given unit draws (reps x n_units indices), replaying the
    sequential search with loops. Units must be sorted, each with its T rows contiguous."""
    result = sequential(y, units, q, x, controls, n_thresholds, trims, points)
    if k == 1:
        null = []
    elif k == 2:
        null = [result["Th-1"][0]]
    else:
        null = [result["Th-21"][0], result["Th-22"][0]]
    X, n_units = design(units, q, x, controls, null)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    fitted = X @ beta
    resid = y - fitted
    T = len(y) // n_units
    stats = []
    for draws in unit_draws:
        y_star = np.array([fitted[i] + resid[draws[i // T] * T + i % T] for i in range(len(y))])
        seq = sequential(y_star, units, q, x, controls, k, trims, points)
        if k == 1:
            restricted, unrestricted = seq["linear"], seq["Th-1"][1]
        elif k == 2:
            restricted, unrestricted = seq["Th-1"][1], seq["Th-22"][1]
        else:
            restricted, unrestricted = seq["Th-21"][1], seq["Th-3"][1]
        stats.append((restricted - unrestricted) / (unrestricted / (len(y) - n_units)))
    return stats
