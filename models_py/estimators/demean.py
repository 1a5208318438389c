"""Absorbing fixed effects: residualise columns on the dummies of one or more factors.

One factor is exact: subtract the group means.

Several factors use the method of alternating projections (MAP), carried out in coefficient
space rather than on the N rows:

* MAP alternates "subtract the group means of factor g" over the factors. Written for the FE
  coefficients θ, a sweep is a block Gauss–Seidel step on the normal equations D'D θ = D'Y, and
  the group means it needs are (D_g'Y − Σ_h C_gh θ_h) / n_g, where the cross-tabulations
  C_gh = D_g'D_h and the group sums D_g'Y are computed once. The iterations then never touch
  the N rows again.
* The factor with the most levels (a) is eliminated exactly, because its block of D'D is
  diagonal. That leaves the Schur complement S β = r for the other factors' coefficients,
  S = D_r'D_r − C' diag(1/n_a) C. For two factors, plain MAP is Jacobi-preconditioned
  Richardson iteration on this system. We accelerate it with Jacobi-preconditioned conjugate
  gradient, the same idea as reghdfe's CG acceleration of MAP and fixest's two-FE shortcut, and
  iterate to a relative residual of ``tol`` (1e-12).
* Residuals = Y − α[a] − Σ_g β_g[codes_g]: one gather per factor and column.

Only group sums (np.bincount), sparse cross-tabulations of levels and gathers are used. No
dummy matrix is built, and no Python loop runs over groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

DEFAULT_TOL = 1e-12
DEFAULT_MAXITER = 10_000


def group_sums(codes: np.ndarray, n_levels: int, Y: np.ndarray) -> np.ndarray:
    """Per-level column sums of Y (N × p), one bincount per column (fast on Fortran order)."""
    return np.column_stack([np.bincount(codes, weights=Y[:, j], minlength=n_levels) for j in range(Y.shape[1])])


def cross_tab(codes_a: np.ndarray, n_a: int, codes_b: np.ndarray, n_b: int) -> sp.csr_matrix:
    """Sparse n_a × n_b counts of observations per (level of a, level of b): D_a'D_b."""
    return sp.csr_matrix((np.ones(codes_a.shape[0]), (codes_a, codes_b)), shape=(n_a, n_b))


def mobility_groups(codes_a: np.ndarray, codes_b: np.ndarray, n_a: int, n_b: int) -> int:
    """Connected components of the bipartite graph linking levels of two factors (Abowd–Creecy–Kramarz).

    Two factors together have n_a + n_b − (number of components) identified coefficients.
    """
    edges = sp.csr_matrix(
        (np.ones(codes_a.shape[0]), (codes_a, codes_b + n_a)), shape=(n_a + n_b, n_a + n_b)
    )
    n_components, _ = connected_components(edges, directed=False)
    return int(n_components)


class ConvergenceError(RuntimeError):
    """The alternating projections did not reach the tolerance within the iteration limit."""


@dataclass
class Absorber:
    """The fixed-effect structure of one estimation sample; ``demean`` projects columns off it.

    ``codes`` are the factors coded 0..levels-1 (every level present).
    """

    codes: list[np.ndarray]
    tol: float = DEFAULT_TOL
    maxiter: int = DEFAULT_MAXITER
    n_levels: list[int] = field(init=False)
    iterations: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.n_levels = [int(c.max()) + 1 if c.size else 0 for c in self.codes]
        # Eliminate the factor with the most levels exactly; iterate on the others.
        order = np.argsort(self.n_levels, kind="stable")[::-1]
        self._big = int(order[0])
        self._rest = [int(g) for g in order[1:]]
        self._n_big = np.bincount(self.codes[self._big], minlength=self.n_levels[self._big]).astype(float)
        if not self._rest:
            return
        # The remaining factors' coefficients are stacked: factor g occupies rows offset_g …
        sizes = [self.n_levels[g] for g in self._rest]
        self._offsets = np.concatenate([[0], np.cumsum(sizes)])
        big = (self.codes[self._big], self.n_levels[self._big])
        self._C = sp.hstack([cross_tab(*big, self.codes[g], self.n_levels[g]) for g in self._rest]).tocsr()
        self._Ct = self._C.T.tocsr()
        # D_r'D_r: level counts on the diagonal, cross-tabulations between the remaining factors off it.
        blocks = [[None] * len(self._rest) for _ in self._rest]
        for i, g in enumerate(self._rest):
            for j, h in enumerate(self._rest):
                blocks[i][j] = cross_tab(self.codes[g], self.n_levels[g], self.codes[h], self.n_levels[h])
        self._B = sp.block_array(blocks, format="csr") if len(self._rest) > 1 else blocks[0][0]
        # Jacobi preconditioner: diagonal of the Schur complement S = D_r'D_r − C' diag(1/n_a) C.
        # A level whose diagonal vanishes (every unit it meets meets only it) has an all-zero row
        # of S (S is PSD): its coefficient is not identified apart from the big factor's, so it
        # is left out of the iteration instead of being divided by ~0.
        counts = self._B.diagonal()
        schur_diag = counts - self._C.multiply(self._C).T @ (1.0 / self._n_big)
        self._identified = schur_diag > 1e-9 * counts
        self._precond = np.where(self._identified, 1.0 / np.where(self._identified, schur_diag, 1.0), 0.0)

    def demean(self, Y: np.ndarray) -> np.ndarray:
        """Residuals of each column of Y (N × p) on all factor dummies, as a new array."""
        squeeze = np.ndim(Y) == 1
        # Fortran order: every column is contiguous for bincount and the in-place subtractions.
        out = np.array(np.reshape(Y, (np.shape(Y)[0], -1)), dtype=float, order="F", copy=True)
        out -= out.mean(axis=0)  # the constant lies in every factor's span; keeps sums small
        big_codes = self.codes[self._big]
        sums_big = group_sums(big_codes, self.n_levels[self._big], out)
        if not self._rest:
            alpha = sums_big / self._n_big[:, None]
            self._subtract_effects(out, [(big_codes, alpha)])
        else:
            sums_rest = np.vstack([group_sums(self.codes[g], self.n_levels[g], out) for g in self._rest])
            # The scale covers the largest factor's sums too: a column constant within its levels
            # (a time-invariant regressor on a balanced panel) has per-year sums of pure rounding
            # noise, and a target relative to that noise alone could never be met.
            scale = np.maximum(self._norm(sums_rest), np.linalg.norm(sums_big, axis=0))
            beta = self._solve_schur(sums_rest - self._Ct @ (sums_big / self._n_big[:, None]), scale=scale)
            alpha = (sums_big - self._C @ beta) / self._n_big[:, None]
            effects = [(big_codes, alpha)] + [
                (self.codes[g], beta[self._offsets[i] : self._offsets[i + 1]]) for i, g in enumerate(self._rest)
            ]
            self._subtract_effects(out, effects)
        return out[:, 0] if squeeze else out

    @staticmethod
    def _subtract_effects(out: np.ndarray, effects: list[tuple[np.ndarray, np.ndarray]]) -> None:
        for j in range(out.shape[1]):
            for codes, coef in effects:
                out[:, j] -= np.take(coef[:, j], codes)

    def _schur_apply(self, V: np.ndarray) -> np.ndarray:
        """S V = D_r'D_r V − C' diag(1/n_a) C V, never forming S."""
        return self._B @ V - self._Ct @ ((self._C @ V) / self._n_big[:, None])

    def _norm(self, R: np.ndarray) -> np.ndarray:
        """Column norms over the identified coefficients (the others' residuals are rounding noise)."""
        return np.linalg.norm(R[self._identified], axis=0)

    def _solve_schur(self, R: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """Jacobi-preconditioned conjugate gradient, one independent CG per column (vectorised).

        S is singular (one null direction per connected component) but the system is
        consistent, so CG started from zero converges to a solution; any solution gives
        the same residuals. The tolerance is relative to `scale`, the size of the column's group
        sums over every factor before the largest is removed: when the column lies (almost) within the fixed
        effects, what is left to fit is rounding noise, and a target relative to that noise alone
        could never be met (a regressor constant within regions would not converge).
        """
        X = np.zeros_like(R)
        target = self.tol * np.maximum(self._norm(R), scale)
        Z = R * self._precond[:, None]
        P = Z.copy()
        rz = np.einsum("ij,ij->j", R, Z)
        active = self._norm(R) > target
        for it in range(1, self.maxiter + 1):
            if not active.any():
                self.iterations = it - 1
                return X
            SP = self._schur_apply(P)
            pSp = np.einsum("ij,ij->j", P, SP)
            step = np.where(active & (pSp > 0), rz / np.where(pSp > 0, pSp, 1.0), 0.0)
            X += P * step
            R -= SP * step
            Z = R * self._precond[:, None]
            rz_new = np.einsum("ij,ij->j", R, Z)
            P = Z + P * np.where(rz > 0, rz_new / np.where(rz > 0, rz, 1.0), 0.0)
            rz = rz_new
            residual_norm = self._norm(R)
            if not np.all(np.isfinite(residual_norm)):
                raise ConvergenceError("alternating projections diverged (non-finite residuals)")
            active &= residual_norm > target
        raise ConvergenceError(
            f"alternating projections did not converge to tol={self.tol:g} in {self.maxiter} "
            "iterations; the fixed effects may be nearly collinear"
        )
