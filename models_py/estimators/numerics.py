"""Numerics every estimator shares: estimation samples, singletons, nesting, absorbed dof,
collinearity, lag names and significance stars.

One copy of each rule, so FE, IV, mediation and the heterogeneity tests drop the same rows and
count the same degrees of freedom (reghdfe's rules, documented in fixed_effects.py). Estimator
modules import these public names; none imports another estimator's private helpers.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models_py.estimators.demean import mobility_groups

CONST = "_cons"
VCOV_TYPES = ("cluster", "hc1", "unadjusted")  # reghdfe's vce(): cluster, robust (= hc1), unadjusted
VCOV_ALIASES = {"robust": "hc1"}
# A regressor whose within (demeaned) sum of squares is below this share of its total sum of
# squares, or that is (near) a linear combination of earlier regressors after absorption, is
# "omitted because of collinearity".
COLLINEAR_TOL = 1e-9

# * p < 0.10, ** p < 0.05, *** p < 0.01 (strict), as esttab and the papers print them.
STAR_LEVELS = ((0.01, "***"), (0.05, "**"), (0.10, "*"))


def stars(p) -> str:
    """Significance stars as in most Stata tables: * 10 %, ** 5 %, *** 1 %; none for a missing p."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    for level, mark in STAR_LEVELS:
        if p < level:
            return mark
    return ""


# --------------------------------------------------------------------------- lag names

# Stata's lag operator in a variable name: L.x, L1.x, L2.x (L0.x is x itself).
LAG_EXPRESSION = re.compile(r"^L(\d*)\.(.+)$")


def split_lag(name: str) -> tuple[str, int]:
    """``"L2.x"`` → ("x", 2), ``"L.x"`` → ("x", 1), a plain name → (name, 0)."""
    match = LAG_EXPRESSION.match(name)
    if not match:
        return name, 0
    return match.group(2), int(match.group(1) or 1)


def lag_expression(name: str) -> tuple[str, int] | None:
    """``"L1.x"`` / ``"L.x"`` → ("x", 1); None for a plain name (``L0.x`` gives ("x", 0))."""
    return split_lag(name) if LAG_EXPRESSION.match(name) else None


def canonical_name(name: str) -> str:
    """``"L.x"`` → ``"L1.x"``, ``"L0.x"`` → ``"x"``; other names unchanged."""
    lag = lag_expression(name)
    if lag is None:
        return name
    base, n = lag
    return base if n == 0 else f"L{n}.{base}"


# --------------------------------------------------------------------------- samples


def complete_rows(data: pd.DataFrame, names) -> pd.DataFrame:
    """The rows with every named column present (names that are None or empty are ignored)."""
    names = [n for n in dict.fromkeys(names) if n]
    return data.loc[data[names].notna().all(axis=1)]


def factor_codes(values: pd.Series | np.ndarray) -> np.ndarray:
    return pd.factorize(values)[0].astype(np.int64, copy=False)


def compress_codes(codes: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Codes of the kept rows renumbered 0..levels-1, first-appearance order preserved."""
    present = np.bincount(codes[keep], minlength=codes.max() + 1) > 0
    return (np.cumsum(present) - 1)[codes[keep]]


def non_singletons(codes: list[np.ndarray]) -> np.ndarray:
    """Rows left after dropping singleton groups iteratively over all factors (reghdfe's rule:
    dropping a singleton of one factor can create a singleton in another)."""
    keep = np.ones(codes[0].shape[0], dtype=bool)
    changed = True
    while changed:
        changed = False
        for c in codes:
            counts = np.bincount(c, weights=keep, minlength=c.max() + 1)
            singleton = keep & (counts[c] == 1)
            if singleton.any():
                keep &= ~singleton
                changed = True
    return keep


@dataclass
class EstimationSample:
    """The estimation sample: y and X as columns of ``values``, factor and cluster codes; ``rows``
    marks the data's rows in it (reghdfe's e(sample))."""

    values: np.ndarray
    codes: list[np.ndarray]
    cluster_codes: np.ndarray | None
    n_missing: int
    n_singletons: int
    rows: np.ndarray


def estimation_sample(data, used, variables, absorb, cluster, drop_singletons) -> EstimationSample:
    """Complete rows of `used`, `variables` as floats, factor codes; singletons dropped if asked."""
    complete = np.logical_and.reduce([data[c].notna().to_numpy() for c in used])
    n_missing = int((~complete).sum())
    sample = data.loc[complete, used] if n_missing else data[used]
    values = sample[variables].to_numpy(dtype=float)
    infinite = ~np.isfinite(values).all(axis=0)
    if infinite.any():
        raise ValueError(f"columns {[c for c, bad in zip(variables, infinite) if bad]} contain infinite values")
    codes = [factor_codes(sample[f]) for f in absorb]
    cluster_codes = None
    if cluster:
        cluster_codes = codes[absorb.index(cluster)] if cluster in absorb else factor_codes(sample[cluster])

    keep = non_singletons(codes) if drop_singletons and codes else np.ones(len(sample), dtype=bool)
    n_singletons = int((~keep).sum())
    rows = complete.copy()
    rows[complete] = keep
    if n_singletons:
        values = values[keep]
        cluster_codes = compress_codes(cluster_codes, keep) if cluster else None
        codes = [compress_codes(c, keep) for c in codes]
    if values.shape[0] == 0:
        raise ValueError("no observations left after dropping missing values and singletons")
    return EstimationSample(values, codes, cluster_codes, n_missing, n_singletons, rows)


# --------------------------------------------------------------------------- nesting and dof


def is_nested(fine: np.ndarray, coarse: np.ndarray) -> bool:
    """True when every level of the factor `fine` lies within a single level of `coarse`
    (a fixed effect nested in the cluster variable)."""
    first = np.full(fine.max() + 1, -1, dtype=np.int64)
    first[fine] = coarse
    return bool(np.array_equal(first[fine], coarse))


def absorbed_dof(codes: list[np.ndarray], n_levels: list[int], nested: list[bool]) -> tuple[int, int]:
    """(df_a, df_a_nested) as reghdfe's estimate_dof with the default dofadjustments(all).

    Factors nested in the cluster count all their levels as redundant (df_a_nested). Among the
    others, the first has no redundant level; each later one has as many as the largest number of
    mobility groups it forms with an earlier one (pairwise; exact for two factors).
    """
    df_a_nested = sum(lv for lv, n in zip(n_levels, nested) if n)
    rest = [g for g in range(len(codes)) if not nested[g]]
    redundant = {g: 0 for g in rest}
    for i, g in enumerate(rest):
        for h in rest[i + 1 :]:
            m = mobility_groups(codes[g], codes[h], n_levels[g], n_levels[h])
            redundant[h] = max(redundant[h], m)
    df_a = sum(n_levels[g] - redundant[g] for g in rest)
    return df_a, df_a_nested


# --------------------------------------------------------------------------- collinearity


def collinear_columns(xx: np.ndarray, X: np.ndarray) -> list[int]:
    """Indices of regressors omitted because of collinearity, after absorbing the FE.

    ``xx`` is the cross-product of the demeaned regressors, ``X`` the regressors themselves.
    First those (nearly) constant within every absorbed group, then, in the order given,
    those that are a linear combination of earlier kept ones (Stata's sweep keeps the first
    of a collinear set), by an incremental Cholesky factorisation of ``xx``.
    """
    total_ss = np.array([((x - x.mean()) ** 2).sum() for x in X.T])
    dropped = [j for j in range(X.shape[1]) if total_ss[j] == 0 or xx[j, j] <= COLLINEAR_TOL * total_ss[j]]
    kept: list[int] = []
    L = np.zeros((0, 0))
    for j in range(X.shape[1]):
        if j in dropped:
            continue
        v = np.linalg.solve(L, xx[kept, j]) if kept else np.zeros(0)
        pivot = xx[j, j] - v @ v
        if pivot <= COLLINEAR_TOL * xx[j, j]:
            dropped.append(j)
            continue
        L = np.block([[L, np.zeros((len(kept), 1))], [v[None, :], np.sqrt([[pivot]])]])
        kept.append(j)
    return sorted(dropped)
