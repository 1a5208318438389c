"""Mediation analysis on two-way fixed-effects panels: Jiang (2022) two-step (default),
Baron–Kenny three-step with the Sobel test, and a cluster bootstrap of the indirect effect.

Equations (each a ``fit_fixed_effects`` call: same ``absorb``, ``vcov``, ``cluster``):

    total     Y = c·X  + γ'C + FE + e     (reghdfe y x controls, absorb(region year) vce(cluster region))
    mediator  M = a·X  + γ'C + FE + e
    outcome   Y = c'·X + b·M + γ'C + FE + e

* ``method="jiang"`` (Jiang Ting 江艇 2022, "因果推断经验研究中的中介效应与调节效应", 中国工业经济):
  the total and mediator equations only; c and a are reported, and the M → Y link is left to
  theory, as Jiang recommends. No indirect-effect test.
* ``method="baron_kenny"``: all three equations; indirect effect a·b; Sobel (1982) first-order
  test z = a·b / sqrt(b²·se_a² + a²·se_b²), two-sided normal p-value (as Stata's ``sgmediation``),
  with se_a, se_b the standard errors of the chosen VCE (cluster-robust by default).
* ``method="bootstrap"``: Baron–Kenny plus a cluster bootstrap of a·b, as
  ``bootstrap r(ab), reps(B) seed(s) cluster(region) idcluster(newid): …`` with the FE on newid:
  B resamples of G clusters with replacement; a cluster drawn twice enters as two distinct
  clusters (its own unit fixed effects), the time effects are shared. Intervals as Stata's
  ``estat bootstrap, all`` (source: Stata's ``_bs_sum.ado`` version 1.2.2, 08may2012):
    - normal: a·b ± z_{(1+level)/2} · sd*, sd* the standard deviation of the replicates (n − 1);
    - percentile: the (100−level)/2 and (100+level)/2 percentiles of the replicates;
    - bias-corrected (BC): z0 = Φ⁻¹(#{θ*_b ≤ θ̂} / B), p1 = Φ(2·z0 − z), p2 = Φ(2·z0 + z),
      the 100·p1 and 100·p2 percentiles (missing when #{θ*_b ≤ θ̂} is 0 or B);
    - percentiles use Stata's _pctile rule (``random_effects.stata_percentile``).
  Replications in which X or M has no identifying variation left are missing (NaN) and left
  out, as Stata drops missing replications; their number is ``bootstrap_failed``.

All three equations use one estimation sample: rows complete in Y, M, X, controls, the absorbed
factors and the cluster (``common_sample=True``; pass False to let the Jiang / Baron–Kenny
equations each use their own complete rows; the bootstrap always uses the common sample).

Fast bootstrap (no model refit per replication). With absorbed factors (u, t), u nested in the
resampling cluster (e.g. region), t crossing clusters (e.g. year), and Z = [Y, M, X, C]:
U = Z demeaned within u, D̃ = the dummies of t (first level dropped) demeaned within u. A
resample is a vector w of how often each cluster is drawn; since copies of a cluster have the
same within-u data, the two-way demeaned cross-product of the resample is
    Z̃'Z̃(w) = Σ_g w_g S_g − P(w)' Q(w)⁺ P(w),  S_g = U_g'U_g, P = Σ_g w_g D̃_g'U_g, Q = Σ_g w_g D̃_g'D̃_g
(Frisch–Waugh–Lovell: partial the t dummies out of the within-u data). Per-cluster S_g, P_g,
Q_g are computed once; all B cross-products are matrix products of the B × G weight matrix, and
a, b come from batched solves. Exact for unbalanced panels too. Other ``absorb`` structures
(three factors, or two neither of which is nested in the cluster) refit each replication.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from models_py.estimators.demean import Absorber, ConvergenceError, group_sums
from models_py.estimators.fixed_effects import FixedEffectsResult, fit_fixed_effects
from models_py.estimators.numerics import is_nested
from models_py.estimators.random_effects import stata_percentile

METHODS = ("jiang", "baron_kenny", "bootstrap")
SINGULAR_TOL = 1e-10
WITHIN_TOL = 1e-9


def constant_within(data: pd.DataFrame, columns: list[str], absorb: list[str]) -> dict[str, str]:
    """{column: factor} for each column that does not vary within any level of an absorbed
    factor (within sum of squares ≤ 1e-9 × total), e.g. a province-level constant with region
    fixed effects. Such a column is collinear with the fixed effects; it is caught here because
    the alternating projections of ``fit_fixed_effects`` may fail to converge on it instead of
    omitting it."""
    out = {}
    for col in columns:
        x = data[col].to_numpy(dtype=float)
        total = float(((x - x.mean()) ** 2).sum())
        for f in absorb:
            codes, _ = pd.factorize(data[f])
            means = np.bincount(codes, weights=x) / np.bincount(codes)
            within = float(((x - means[codes]) ** 2).sum())
            if total == 0 or within <= WITHIN_TOL * total:
                out[col] = f
                break
    return out


def fit_fe_checked(data, depvar, regressors, absorb, vcov, cluster, drop_singletons, must_keep, context=""):
    """``fit_fixed_effects`` with clear errors: a regressor in ``must_keep`` that is constant
    within an absorbed factor (or omitted as collinear) raises ValueError; other such regressors
    are omitted with Stata's warning; a ConvergenceError becomes a ValueError."""
    used = [depvar, *regressors, *absorb, *([cluster] if vcov == "cluster" and cluster else [])]
    complete = data.loc[data[list(dict.fromkeys(used))].notna().all(axis=1)]
    constant = constant_within(complete, regressors, absorb) if len(complete) else {}
    for name in must_keep:
        if name in constant:
            raise ValueError(
                f"{context}{name!r} is collinear with the fixed effects: it is constant within every level of "
                f"{constant[name]!r} (e.g. a region-level variable with region fixed effects); its effect is "
                "not identified"
            )
    kept = [r for r in regressors if r not in constant]
    for r in regressors:
        if r in constant:
            warnings.warn(f"{context}{r} omitted because of collinearity (constant within {constant[r]})", stacklevel=3)
    if not kept:
        raise ValueError(f"{context}every regressor is constant within the absorbed fixed effects {absorb}")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = fit_fixed_effects(data, depvar, kept, absorb=absorb, vcov=vcov, cluster=cluster,
                                    drop_singletons=drop_singletons)
    except ConvergenceError as err:
        raise ValueError(
            f"{context}a regressor of {depvar!r} is (nearly) collinear with the fixed effects {absorb} "
            f"(the demeaning did not converge: {err})"
        ) from err
    except ValueError as err:
        raise ValueError(f"{context}{err}") from err
    for w in caught:
        warnings.warn(f"{context}{w.message}", w.category, stacklevel=3)
    for name in must_keep:
        if name in res.dropped["collinear"]:
            raise ValueError(
                f"{context}{name!r} is collinear with the fixed effects {absorb} or with the controls in the "
                f"equation for {depvar!r}; its effect is not identified"
            )
    if constant:
        res.dropped["collinear"] = [*res.dropped["collinear"], *constant]
    return res


@dataclass
class MediationResult:
    """``params``/``std_errors``/``tstats``/``pvalues`` by path: ``c`` (total effect of X),
    ``a`` (X → M), and for Baron–Kenny / bootstrap also ``b`` (M → Y given X), ``c_prime``
    (direct effect) and ``indirect`` (a·b, with the Sobel SE, z and p). ``models`` holds the
    FixedEffectsResult of each equation ("total", "mediator", "outcome"). ``replicates`` are
    the bootstrap a·b values (NaN for failed replications)."""

    method: str
    depvar: str
    treatment: str
    mediator: str
    params: pd.Series
    std_errors: pd.Series
    tstats: pd.Series
    pvalues: pd.Series
    models: dict[str, FixedEffectsResult]
    diagnostics: dict[str, float] = field(default_factory=dict)
    replicates: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"Mediation ({self.method}): {self.treatment} → {self.mediator} → {self.depvar}"]
        for term in self.params.index:
            lines.append(f"  {term:>9} = {self.params[term]:>12.6g}  ({self.std_errors[term]:.6g})  "
                         f"z/t = {self.tstats[term]:.3f}  p = {self.pvalues[term]:.4f}")
        d = self.diagnostics
        if "indirect_ci_lower_percentile" in d:
            level = d["bootstrap_level"]
            lines.append(f"  bootstrap ({int(d['bootstrap_reps'])} reps, {int(d['bootstrap_clusters'])} clusters): "
                         f"se = {d['indirect_boot_se']:.6g}")
            for kind in ("normal", "percentile", "bc"):
                lines.append(f"    {level:g}% {kind:<10} [{d[f'indirect_ci_lower_{kind}']:.6g}, "
                             f"{d[f'indirect_ci_upper_{kind}']:.6g}]")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------- intervals


def bootstrap_intervals(replicates: np.ndarray, observed: float, level: float = 95) -> dict[str, float]:
    """Normal, percentile and bias-corrected intervals of Stata's ``estat bootstrap`` (module
    docstring; _bs_sum.ado OneBstat without ``ties``). NaN replicates are left out."""
    x = np.asarray(replicates, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 2:
        raise ValueError(f"too few successful bootstrap replications ({n}) to form intervals")
    z = float(special.ndtri((100 + level) / 200))
    sd = float(np.std(x, ddof=1))
    out = {
        "reps": float(n), "se": sd, "bias": float(x.mean() - observed),
        "lower_normal": observed - z * sd, "upper_normal": observed + z * sd,
        "lower_percentile": stata_percentile(x, (100 - level) / 2),
        "upper_percentile": stata_percentile(x, (100 + level) / 2),
        "z0": float("nan"), "lower_bc": float("nan"), "upper_bc": float("nan"),
    }
    count = int((x <= observed).sum())
    if 0 < count < n:
        z0 = float(special.ndtri(count / n))
        out["z0"] = z0
        out["lower_bc"] = stata_percentile(x, 100 * float(special.ndtr(2 * z0 - z)))
        out["upper_bc"] = stata_percentile(x, 100 * float(special.ndtr(2 * z0 + z)))
    return out


def cluster_weights(n_clusters: int, reps: int, seed: int | None) -> np.ndarray:
    """B × G matrix: how often each cluster is drawn in each replication (G draws with
    replacement per replication, numpy's PCG64 generator seeded with ``seed``)."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_clusters, size=(reps, n_clusters))
    w = np.zeros((reps, n_clusters))
    np.add.at(w, (np.repeat(np.arange(reps), n_clusters), draws.ravel()), 1.0)
    return w


# --------------------------------------------------------------------------- bootstrap engines


def _solve_paths(xx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a and b from cross-products of Z̃ = [Y, M, X, C…] (B × p × p); NaN where singular."""
    p = xx.shape[-1]
    a = solve_crossproducts(xx, 1, [2, *range(3, p)])[:, 0]     # M on X, C
    b = solve_crossproducts(xx, 0, [2, 1, *range(3, p)])[:, 1]  # Y on X, M, C
    return a, b


def fe_crossproducts(Z, unit, time, clusters, n_clusters, weights) -> np.ndarray:
    """Cross-products Z̃'Z̃ (B × p × p) of Z demeaned on the absorbed factors, for the resample
    (or subsample) given by each row of ``weights`` (B × G: how often each cluster enters, 0
    for left out). ``unit``: codes of a factor nested in the clusters, or None; ``time``: codes
    of a factor crossing them, or None (module docstring)."""
    p = Z.shape[1]
    if unit is not None:
        n_u = unit.max() + 1
        counts = np.bincount(unit, minlength=n_u).astype(float)
        U = Z - (group_sums(unit, n_u, Z) / counts[:, None])[unit]
    else:
        U = Z
    S_g = group_sums(clusters, n_clusters, np.einsum("ni,nj->nij", U, U).reshape(U.shape[0], -1))
    xx = (weights @ S_g).reshape(-1, p, p)
    if time is not None:
        n_t = time.max() + 1
        D = np.zeros((Z.shape[0], n_t))
        D[np.arange(Z.shape[0]), time] = 1.0
        if unit is not None:
            D = D[:, 1:]  # the unit dummies already span the constant
            D = D - (group_sums(unit, n_u, D) / counts[:, None])[unit]
        k = D.shape[1]
        P_g = group_sums(clusters, n_clusters, np.einsum("ni,nj->nij", D, U).reshape(Z.shape[0], -1))
        Q_g = group_sums(clusters, n_clusters, np.einsum("ni,nj->nij", D, D).reshape(Z.shape[0], -1))
        P = (weights @ P_g).reshape(-1, k, p)
        Q = (weights @ Q_g).reshape(-1, k, k)
        xx = xx - np.einsum("bki,bkj->bij", P, np.linalg.pinv(Q, rcond=1e-10, hermitian=True) @ P)
    return (xx + np.transpose(xx, (0, 2, 1))) / 2


def solve_crossproducts(xx: np.ndarray, dep: int, regs: list[int]) -> np.ndarray:
    """OLS coefficients (B × len(regs)) of column ``dep`` on columns ``regs`` from stacked
    cross-products; rows whose scaled regressor cross-product is (nearly) singular are NaN."""
    A = xx[:, regs][:, :, regs]
    r = xx[:, regs, dep]
    d = np.sqrt(np.clip(np.einsum("bii->bi", A), 0, None))
    ok = np.all(d > 0, axis=1)
    d = np.where(d > 0, d, 1.0)
    As = A / d[:, :, None] / d[:, None, :]
    ev = np.linalg.eigvalsh(As)
    ok &= ev[:, 0] > SINGULAR_TOL * ev[:, -1]
    out = np.full((xx.shape[0], len(regs)), np.nan)
    if ok.any():
        out[ok] = np.linalg.solve(As[ok], (r[ok] / d[ok])[..., None])[..., 0] / d[ok]
    return out


def _bootstrap_fast(Z, unit, time, clusters, n_clusters, weights) -> tuple[np.ndarray, np.ndarray]:
    """a*, b* for every row of ``weights``."""
    return _solve_paths(fe_crossproducts(Z, unit, time, clusters, n_clusters, weights))


def _bootstrap_refit(Z, codes, clusters, n_clusters, weights) -> tuple[np.ndarray, np.ndarray]:
    """Fallback for other absorb structures: expand each resample (copies of a cluster get their
    own levels of every factor nested in the cluster) and demean it with Absorber."""
    rows_of = [np.flatnonzero(clusters == g) for g in range(n_clusters)]
    nested = [is_nested(c, clusters) for c in codes]
    a = np.full(weights.shape[0], np.nan)
    b = np.full(weights.shape[0], np.nan)
    for r, w in enumerate(weights):
        rows, copy = [], []
        for g in np.flatnonzero(w):
            for j in range(int(w[g])):
                rows.append(rows_of[g])
                copy.append(np.full(rows_of[g].size, len(copy)))
        rows, copy = np.concatenate(rows), np.concatenate(copy)
        fac = []
        for c, nest in zip(codes, nested):
            c = c[rows]
            if nest:
                c = c * (copy.max() + 1) + copy
            fac.append(pd.factorize(c)[0])
        Zd = Absorber(fac).demean(Z[rows])
        ar, br = _solve_paths((Zd.T @ Zd)[None])
        a[r], b[r] = ar[0], br[0]
    return a, b


# --------------------------------------------------------------------------- main


def _fit(data, depvar, regressors, absorb, vcov, cluster, drop_singletons, must_keep):
    return fit_fe_checked(data, depvar, regressors, absorb, vcov, cluster, drop_singletons, must_keep)


def fit_mediation(
    data: pd.DataFrame,
    depvar: str,
    treatment: str,
    mediator: str,
    controls: list[str] = (),
    absorb: list[str] = ("region_code", "year"),
    vcov: str = "cluster",
    cluster: str | None = "region_code",
    method: str = "jiang",
    reps: int = 1000,
    seed: int | None = None,
    level: float = 95,
    drop_singletons: bool = True,
    common_sample: bool = True,
) -> MediationResult:
    """Mediation of ``treatment`` → ``mediator`` → ``depvar`` (module docstring).

    ``method``: "jiang" (default), "baron_kenny" or "bootstrap" (Baron–Kenny + cluster
    bootstrap of a·b with ``reps`` replications, resampling ``cluster``, reproducible with
    ``seed``; ``level`` in percent). Other arguments as ``fit_fixed_effects``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    controls, absorb = list(controls), list(absorb)
    names = [depvar, treatment, mediator, *controls]
    if len(set(names)) != len(names):
        raise ValueError("depvar, treatment, mediator and controls must be distinct columns")
    missing_cols = [c for c in [*names, *absorb, *([cluster] if cluster else [])] if c not in data.columns]
    if missing_cols:
        raise ValueError(f"columns not in the data: {missing_cols}")
    if method == "bootstrap":
        if not cluster:
            raise ValueError("the cluster bootstrap needs a cluster variable (cluster=...)")
        if reps < 2:
            raise ValueError(f"reps must be at least 2, got {reps}")
        common_sample = True
    used = list(dict.fromkeys([*names, *absorb, *([cluster] if cluster else [])]))
    sample = data.loc[data[used].notna().all(axis=1)] if common_sample else data
    if cluster and (vcov == "cluster" or method == "bootstrap"):
        n_cl = sample[cluster].nunique()
        if n_cl < 2:
            raise ValueError(f"too few clusters: {n_cl} cluster(s) in {cluster!r}; need at least 2")

    fits = {
        "total": _fit(sample, depvar, [treatment, *controls], absorb, vcov, cluster, drop_singletons, [treatment]),
        "mediator": _fit(sample, mediator, [treatment, *controls], absorb, vcov, cluster, drop_singletons, [treatment]),
    }
    c, a = fits["total"], fits["mediator"]
    rows = {"c": (c, treatment), "a": (a, treatment)}
    diagnostics = {"total_effect": float(c.params[treatment]), "a": float(a.params[treatment])}
    notes: list[str] = []
    if method != "jiang":
        fits["outcome"] = _fit(sample, depvar, [treatment, mediator, *controls], absorb, vcov, cluster,
                               drop_singletons, [treatment, mediator])
        o = fits["outcome"]
        rows.update({"b": (o, mediator), "c_prime": (o, treatment)})

    terms = list(rows)
    params = pd.Series({t: float(m.params[v]) for t, (m, v) in rows.items()})
    se = pd.Series({t: float(m.std_errors[v]) for t, (m, v) in rows.items()})
    tst = pd.Series({t: float(m.tstats[v]) for t, (m, v) in rows.items()})
    pv = pd.Series({t: float(m.pvalues[v]) for t, (m, v) in rows.items()})
    replicates = None
    if method != "jiang":
        av, bv, sa, sb = params["a"], params["b"], se["a"], se["b"]
        ab = av * bv
        sobel_se = float(np.sqrt(bv**2 * sa**2 + av**2 * sb**2))
        z = ab / sobel_se
        p = float(2 * special.ndtr(-abs(z)))
        params["indirect"], se["indirect"], tst["indirect"], pv["indirect"] = ab, sobel_se, z, p
        diagnostics.update({
            "b": float(bv), "direct_effect": float(params["c_prime"]), "indirect_effect": float(ab),
            "sobel_se": sobel_se, "sobel_z": float(z), "sobel_p": p,
            "proportion_mediated": float(ab / params["c"]) if params["c"] != 0 else float("nan"),
        })
        terms.append("indirect")
    if method == "bootstrap":
        kept_controls = [x for x in controls if x in fits["outcome"].params.index and x in a.params.index]
        Z = sample[[depvar, mediator, treatment, *kept_controls]].to_numpy(dtype=float)
        cl, cl_labels = pd.factorize(sample[cluster])
        G = len(cl_labels)
        if G < 2:
            raise ValueError(f"too few clusters: {G} cluster(s) in {cluster!r}; the cluster bootstrap needs at least 2")
        if G < 10:
            notes.append(f"only {G} clusters: cluster-bootstrap intervals are unreliable")
        weights = cluster_weights(G, reps, seed)
        codes = [pd.factorize(sample[f])[0] for f in absorb]
        nested = [is_nested(cd, cl) for cd in codes]
        unit = time = None
        fast = len(absorb) <= 2 and sum(nested) <= 1 and len(absorb) - sum(nested) <= 1
        if fast:
            for cd, nest in zip(codes, nested):
                if nest:
                    unit = cd
                else:
                    time = cd
            a_star, b_star = _bootstrap_fast(Z, unit, time, cl, G, weights)
        else:
            a_star, b_star = _bootstrap_refit(Z, codes, cl, G, weights)
        replicates = a_star * b_star
        ci = bootstrap_intervals(replicates, float(params["indirect"]), level)
        failed = int(np.isnan(replicates).sum())
        if failed:
            notes.append(f"{failed} bootstrap replications failed (no identifying variation) and are left out")
        diagnostics.update({
            "indirect_boot_se": ci["se"], "indirect_boot_bias": ci["bias"], "bootstrap_z0": ci["z0"],
            "indirect_ci_lower_normal": ci["lower_normal"], "indirect_ci_upper_normal": ci["upper_normal"],
            "indirect_ci_lower_percentile": ci["lower_percentile"],
            "indirect_ci_upper_percentile": ci["upper_percentile"],
            "indirect_ci_lower_bc": ci["lower_bc"], "indirect_ci_upper_bc": ci["upper_bc"],
            "bootstrap_reps": ci["reps"], "bootstrap_failed": float(failed), "bootstrap_clusters": float(G),
            "bootstrap_level": float(level), "bootstrap_fast_path": float(fast),
        })
    return MediationResult(
        method=method, depvar=depvar, treatment=treatment, mediator=mediator,
        params=params[terms], std_errors=se[terms], tstats=tst[terms], pvalues=pv[terms],
        models=fits, diagnostics=diagnostics, replicates=replicates, notes=notes,
    )


def jiang_two_step(data, depvar, treatment, mediator, controls=(), **kwargs) -> MediationResult:
    """Jiang (2022) two-step: Y on X and M on X (``fit_mediation(method="jiang")``)."""
    return fit_mediation(data, depvar, treatment, mediator, controls, method="jiang", **kwargs)


def baron_kenny(data, depvar, treatment, mediator, controls=(), **kwargs) -> MediationResult:
    """Baron–Kenny three-step with the Sobel test (``fit_mediation(method="baron_kenny")``)."""
    return fit_mediation(data, depvar, treatment, mediator, controls, method="baron_kenny", **kwargs)


def bootstrap_indirect(data, depvar, treatment, mediator, controls=(), reps=1000, seed=None,
                       **kwargs) -> MediationResult:
    """Baron–Kenny plus the cluster bootstrap of a·b (``fit_mediation(method="bootstrap")``)."""
    return fit_mediation(data, depvar, treatment, mediator, controls, method="bootstrap", reps=reps,
                         seed=seed, **kwargs)
