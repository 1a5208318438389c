"""Independent NumPy / SciPy reference of the alternative index weightings and the rank correlation.

Written from the definitions, in matrix form, to check the dbt macros nqp_equal_weights,
nqp_critic_weights and nqp_spearman against. Z is units x indicators of min-max standardised values
(tests/reference/entropy_numpy.standardise), NaN = missing.

    equal    w_j = 1 / k
    CRITIC   (Diakoulaki, Mavrotas & Papayannakis 1995)
             sigma_j = sample SD of z_j (ddof = 1, over its non-missing values)
             r_jk    = Pearson correlation of z_j and z_k over the rows where both are present
             C_j     = sigma_j * sum_{k != j} (1 - r_jk),   w_j = C_j / sum_j C_j
             (undefined when sum_j C_j <= 1e-12 sum_j sigma_j: one indicator, or all pairs r = 1)
    Spearman scipy.stats.spearmanr (average ranks for ties) on the rows where both are present.
"""
from __future__ import annotations

import numpy as np
from scipy import stats


class CriticUndefined(ValueError):
    """A pair of indicators has no correlation, or no indicator carries information."""


def equal_weights(Z) -> np.ndarray:
    k = np.asarray(Z).shape[1]
    return np.full(k, 1.0 / k)


def critic_weights(Z) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns (sigma, conflict, weight), one entry per column."""
    Z = np.asarray(Z, dtype=float)
    k = Z.shape[1]
    sigma = np.array([np.std(Z[~np.isnan(Z[:, j]), j], ddof=1) for j in range(k)])
    conflict = np.zeros(k)
    for j in range(k):
        for other in range(k):
            if other == j:
                continue
            both = ~np.isnan(Z[:, j]) & ~np.isnan(Z[:, other])
            x, y = Z[both, j], Z[both, other]
            if both.sum() < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
                raise CriticUndefined(f"indicators {j} and {other}: no correlation")
            conflict[j] += 1.0 - np.corrcoef(x, y)[0, 1]
    information = sigma * conflict
    if information.sum() <= 1e-12 * sigma.sum():  # all pairs perfectly correlated (or one indicator)
        raise CriticUndefined("no indicator carries information")
    return sigma, conflict, information / information.sum()


def spearman(x, y) -> tuple[int, float]:
    """(n, rho) over the pairs where both are present; rho NaN for fewer than 2 pairs or a constant."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    both = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[both], y[both]
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return len(x), float("nan")
    return len(x), float(stats.spearmanr(x, y).statistic)
