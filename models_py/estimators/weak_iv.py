"""Identification and over-identification statistics of 2SLS, computed as Stata's ivreg2 does.

Sources (ivreg2 4.1.11 as embedded in ivreghdfe 1.2, ``src/ivreghdfe.ado``; ranktest 1.4,
``ranktest11``'s Mata ``s_rkstat``; Kleibergen & Paap 2006, J. Econometrics 133, 97–126):

* Canonical correlations ``cc`` of the endogenous regressors and the excluded instruments, both
  with the included exogenous regressors (and the constant or the absorbed fixed effects)
  partialled out: the singular values of Θ = L_z' Π L_y'⁻¹, where L L' are the Cholesky factors
  of Z'Z and Y'Y and Π = (Z'Z)⁻¹ Z'Y is the first-stage coefficient matrix of the excluded
  instruments.
* Anderson canonical-correlation LM (iid underidentification) = N · cc_min²,
  χ²(L1 − K1 + 1). Cragg–Donald Wald F = cc_min² / (1 − cc_min²) · (N − L − sdofminus) / L1,
  where L counts all instruments (excluded, included and the constant when not partialled).
* Kleibergen–Paap rk statistic for H0: rank Π = K1 − 1 (ranktest's ``full`` option): the LM
  version uses the partialled endogenous regressors themselves as the "residuals" of the robust
  covariance of vec Π, the Wald version the first-stage residuals. ivreg2 reports the LM
  statistic as it is (rk LM, χ²(L1 − K1 + 1)) and scales the Wald one into the rk Wald F:
  robust  rk/N · (N − L − sdofminus) / L1,
  cluster rk/(N − 1) · (N − L − sdofminus) · (G − 1)/G / L1.
* Sargan (iid) = N · e'P_Z e / e'e; Hansen J (robust/cluster) = the J of two-step efficient GMM
  whose weight is the inverse of the robust covariance S of the moments evaluated at the 2SLS
  residuals (ivreg2's ``s_iegmm``); χ²(L1 − K1). Neither statistic has a small-sample factor.

No ``dofminus`` adjustment appears anywhere: ivreghdfe passes absorbed fixed effects to ivreg2 as
``sdofminus`` (small-sample dof) only, so the large-sample statistics use N itself.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import special

from models_py.config import SEEDS_DIR
from models_py.estimators.demean import group_sums

STOCK_YOGO_CSV = SEEDS_DIR / "stock_yogo_critical_values.csv"
# Result keys and the (test, threshold) cells of the Stock–Yogo (2005) tables they come from.
STOCK_YOGO_KEYS = {
    **{f"stock_yogo_iv_size_{p}": ("iv_size", p) for p in (10, 15, 20, 25)},
    **{f"stock_yogo_iv_bias_{p}": ("iv_relative_bias", p) for p in (5, 10, 20, 30)},
}
# ranktest treats a (near) singular covariance of the rank statistic as "not available".
RANK_TOL = 1e-12


def chi2_pvalue(stat: float, df: int) -> float:
    return float(special.chdtrc(df, stat)) if np.isfinite(stat) and df > 0 else float("nan")


# --------------------------------------------------------------------------- Stock–Yogo


@lru_cache(maxsize=1)
def _stock_yogo_table() -> dict[tuple[str, int, int, int], float]:
    table = pd.read_csv(STOCK_YOGO_CSV)
    keys = zip(table["test"], table["threshold_pct"], table["excluded_instruments"], table["endogenous_regressors"])
    return dict(zip(keys, table["critical_value"].astype(float)))


def stock_yogo(n_instruments: int, n_endogenous: int) -> dict[str, float]:
    """Stock–Yogo critical values for the Cragg–Donald F (2SLS size and relative bias), looked up
    in seeds/reference/stock_yogo_critical_values.csv (ivreg2's table). NaN where the table has
    no cell, e.g. relative bias needs at least two over-identifying restrictions."""
    table = _stock_yogo_table()
    return {
        key: table.get((test, pct, n_instruments, n_endogenous), float("nan"))
        for key, (test, pct) in STOCK_YOGO_KEYS.items()
    }


# --------------------------------------------------------------------------- helpers


def partial_out(A: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Residuals of the columns of A on W (A unchanged if W has no column)."""
    if W.shape[1] == 0:
        return A
    coef, *_ = np.linalg.lstsq(W, A, rcond=None)
    return A - W @ coef


def moment_scores(E: np.ndarray, Z: np.ndarray, clusters: np.ndarray | None, n_clusters: int | None) -> np.ndarray:
    """Rows kron(e_i, z_i) (column k·L + l = e_ik z_il, the order of vec(Z'E)), summed within
    clusters when given; their cross-product is ivreg2's N·S (``m_omega`` without 1/N)."""
    n, k = E.shape
    scores = (E[:, :, None] * Z[:, None, :]).reshape(n, k * Z.shape[1])
    return group_sums(clusters, n_clusters, scores) if clusters is not None else scores


def _sqrtm_psd(M: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(M)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


# --------------------------------------------------------------------------- rank tests


class RankTest:
    """ranktest's full-rank test of the first-stage coefficient matrix of the excluded
    instruments, on partialled data: Y = endogenous (N × K1), Z = excluded instruments (N × L1)."""

    def __init__(self, Y: np.ndarray, Z: np.ndarray) -> None:
        self.Y, self.Z = Y, Z
        zz, yy = Z.T @ Z, Y.T @ Y
        self.pi = np.linalg.solve(zz, Z.T @ Y)
        self.Lz, Ly = np.linalg.cholesky(zz), np.linalg.cholesky(yy)
        self.Ly_inv = np.linalg.inv(Ly)
        self.theta = self.Lz.T @ self.pi @ self.Ly_inv.T
        self.U, self.cc, Vt = np.linalg.svd(self.theta, full_matrices=True)
        self.V = Vt.T

    @property
    def min_eigenvalue(self) -> float:
        """Smallest squared canonical correlation."""
        return float(self.cc[-1] ** 2)

    def kleibergen_paap(self, wald: bool, clusters: np.ndarray | None, n_clusters: int | None) -> float:
        """rk statistic for H0: rank = K1 − 1 (Kleibergen & Paap 2006, eq. 21; ranktest ``full``)
        with the heteroskedasticity- or cluster-robust covariance of vec Θ. NaN when that
        covariance is singular (ranktest: "covariance matrix omega not full rank")."""
        E = self.Y - self.Z @ self.pi if wald else self.Y
        scores = moment_scores(E, self.Z, clusters, n_clusters)
        transform = np.kron(self.Ly_inv, np.linalg.inv(self.Lz))
        v_theta = transform @ (scores.T @ scores) @ transform.T  # ranktest's vhat (N cancels)
        A, B = self._null_space_projections()
        lam = np.kron(B, A.T) @ self.theta.flatten(order="F")
        omega = np.kron(B, A.T) @ v_theta @ np.kron(B, A.T).T
        omega = (omega + omega.T) / 2
        eigenvalues = np.linalg.eigvalsh(omega)
        if eigenvalues[0] <= RANK_TOL * max(eigenvalues[-1], 0.0):
            return float("nan")
        return float(lam @ np.linalg.solve(omega, lam))

    def _null_space_projections(self) -> tuple[np.ndarray, np.ndarray]:
        """A_q and B_q of Kleibergen & Paap (2006, p. 104) for q = K1 − 1, as ranktest builds
        them from the full SVD (invariant to the signs and rotation of the singular vectors)."""
        q = self.V.shape[0] - 1
        u22, v22 = self.U[q:, q:], self.V[q:, q:]
        A = self.U[:, q:] @ np.linalg.solve(u22, _sqrtm_psd(u22 @ u22.T))
        B = _sqrtm_psd(v22 @ v22.T) @ np.linalg.solve(v22.T, self.V[:, q:].T)
        return A, B


# --------------------------------------------------------------------------- over-identification


def sargan(e: np.ndarray, Z: np.ndarray) -> float:
    """Sargan = N · e'P_Z e / e'e (ivreg2's iid J: σ² = e'e/N)."""
    fitted = Z @ np.linalg.lstsq(Z, e, rcond=None)[0]
    return float(e.shape[0] * (fitted @ fitted) / (e @ e))


def hansen_j(
    y: np.ndarray, X: np.ndarray, Z: np.ndarray, e: np.ndarray, clusters: np.ndarray | None, n_clusters: int | None
) -> float:
    """Hansen J of two-step GMM with S from the 2SLS residuals e (ivreg2 ``s_iegmm``). NaN when S
    is not of full rank, e.g. fewer clusters than instruments (ivreg2 then reports J as missing)."""
    scores = moment_scores(e[:, None], Z, clusters, n_clusters)
    S = scores.T @ scores
    scale = np.sqrt(np.diag(S))
    if np.any(scale == 0) or np.linalg.matrix_rank(S / np.outer(scale, scale)) < Z.shape[1]:
        return float("nan")
    zx, zy = Z.T @ X, Z.T @ y
    beta = np.linalg.solve(zx.T @ np.linalg.solve(S, zx), zx.T @ np.linalg.solve(S, zy))
    g = Z.T @ (y - X @ beta)
    return float(g @ np.linalg.solve(S, g))  # N · ḡ'(S/N)⁻¹ḡ with ḡ = Z'e/N
