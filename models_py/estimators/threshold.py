"""Fixed-effects panel threshold regression (Hansen 1999), reported as Stata's ``xthreg`` (Wang 2015).

    fit_threshold(panel, "y", regime=["x"], threshold="q", controls=["c1", "c2"],
                  n_thresholds=2, trim=0.01, grid=300, bootstrap=300, seed=1)

is ``xthreg y c1 c2, rx(x) qx(q) thnum(2) trim(0.01 0.01) grid(300) bs(300 300) vce(robust)``.

Model (k thresholds γ1 < … < γk, regimes j = 1..k+1 between them):

    y_it = μ_i + Σ_j β_j' x_it·1(γ_{j-1} < q_it ≤ γ_j) + θ' c_it + e_it

The lower regime includes its threshold (q ≤ γ), as xthreg's ``irecode`` does.

Conventions (Hansen 1999, his GAUSS/R code as shipped in R's pdR, and xthreg's ado file):

* Balanced panel required (xthreg refuses unbalanced ones); the unit effects are removed by the
  within transformation. No time effects by default, as xthreg; ``year_effects=True`` adds year
  dummies (first year dropped) to the controls, what an xthreg user does by listing them.
* Grid: the distinct values of q that leave at least ceil(trim·N) observations on each side; if more
  than ``grid`` remain, ``grid`` of them at evenly spaced positions (quantiles of the distinct
  values, as Hansen's code). ``grid=None`` searches every distinct value.
* Threshold k given the earlier ones: the same grid, less the candidates that would leave a new
  regime with fewer than ceil(trim_k·N) observations. Double model: γ2 given γ1, then γ1 refined
  given γ2 (Hansen 1999 §3.3; xthreg's Th-21 and Th-22). Triple: γ3 given the refined γ1 and γ2.
* RSS for every candidate at once: with the controls and the regime variables themselves as the
  base design B, the model at γ adds D(γ) = within(x·1(q ≤ γ)), so by Frisch–Waugh
  RSS(γ) = e'e − (D̃'e)'(D̃'D̃)⁻¹(D̃'e) with e and D̃ residualised on B (one QR, then matrix products
  over all candidates and all bootstrap replications).
* σ̂² = RSS/(N(T−1)) ("MSE"); LR(γ) = (RSS(γ) − RSS(γ̂))/σ̂²; the confidence set is the
  candidates with LR ≤ c(α) = −2 ln(1 − √α) (7.35 at 95 %), reported by its smallest and largest
  member. F_k = (S_{k−1} − S_k)/σ̂²_k, S_{k−1} the RSS of the model with the k−1 thresholds the search
  held fixed.
* Bootstrap p-values and 10/5/1 % critical values: see ``threshold_bootstrap``.
* Regime coefficients: ``xtreg y controls regime terms, fe vce(robust)`` (cluster by unit, small-
  sample factor G/(G−1)·(N−1)/(N−K)), through ``fit_fixed_effects``; ``vcov="unadjusted"`` is plain
  ``xtreg, fe``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
import pandas as pd

from models_py.estimators.diagnostic import Diagnostic
from models_py.estimators.fixed_effects import fit_fixed_effects

MAX_THRESHOLDS = 3
VCOV_TYPES = ("cluster", "unadjusted")
# A candidate whose regime column is (near) spanned by the base design carries no information.
DEGENERATE_TOL = 1e-10
# Regime columns held at once by the RSS curve (N × candidates × regime variables), ~32 MB.
CANDIDATE_BLOCK_ELEMENTS = 4_000_000


def lr_critical_value(level: float) -> float:
    """Hansen's (2000) asymptotic critical value of the LR statistic: −2 ln(1 − √level)."""
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    return -2.0 * math.log(1.0 - math.sqrt(level))


# --------------------------------------------------------------------------- the panel


@dataclass(frozen=True)
class ThresholdPanel:
    """A balanced panel sorted by unit then time, with what the search needs precomputed."""

    frame: pd.DataFrame        # sorted rows, the columns used, for the final regression
    unit: str
    time: str
    depvar: str
    regime: tuple[str, ...]
    threshold: str
    controls: tuple[str, ...]
    n_units: int
    n_periods: int
    q: np.ndarray              # (N,)
    R: np.ndarray              # (N, kr) regime variables, raw
    y_w: np.ndarray            # (N,) within-transformed
    base_w: np.ndarray         # (N, kx + kr) within controls, then within regime variables

    @property
    def nobs(self) -> int:
        return self.n_units * self.n_periods

    @property
    def df_sigma(self) -> int:
        """N(T−1): Hansen's divisor of σ̂² (the within transformation uses one dof per unit)."""
        return self.n_units * (self.n_periods - 1)


def within(values: np.ndarray, n_units: int, n_periods: int) -> np.ndarray:
    """Subtract unit means; rows are unit-major (unit 0's T rows, then unit 1's, …)."""
    shaped = values.reshape(n_units, n_periods, -1)
    return (shaped - shaped.mean(axis=1, keepdims=True)).reshape(values.shape)


def _check_balanced(frame: pd.DataFrame, unit: str, time: str) -> None:
    duplicated = frame.duplicated([unit, time])
    if duplicated.any():
        pairs = frame.loc[duplicated, [unit, time]].head(5).to_records(index=False).tolist()
        raise ValueError(f"the panel has repeated ({unit}, {time}) rows, e.g. {pairs}")
    periods = sorted(frame[time].unique().tolist())
    counts = frame.groupby(unit)[time].nunique()
    short = counts[counts < len(periods)]
    if not short.empty:
        present = frame.groupby(unit)[time].agg(lambda s: set(s.tolist()))
        details = [
            f"{u}: missing {sorted(set(periods) - present[u])[:6]}" for u in short.index[:10]
        ]
        more = f" (and {short.size - 10} more units)" if short.size > 10 else ""
        raise ValueError(
            f"panel threshold regression needs a balanced panel ({len(periods)} periods of {time} "
            f"in every {unit}); {short.size} unit(s) lack some: " + "; ".join(details) + more
        )


def prepare_panel(
    data: pd.DataFrame,
    depvar: str,
    regime: Sequence[str],
    threshold: str,
    controls: Sequence[str] = (),
    unit: str = "region_code",
    time: str = "year",
    year_effects: bool = False,
) -> ThresholdPanel:
    """Check the input (clear errors, no silent drops) and build the within-transformed arrays."""
    regime, controls = tuple(regime), tuple(controls)
    if not regime:
        raise ValueError("at least one regime-dependent variable (regime=...) is required")
    variables = [depvar, *regime, threshold, *controls]
    missing_columns = [c for c in dict.fromkeys([*variables, unit, time]) if c not in data.columns]
    if missing_columns:
        raise ValueError(f"columns not in the data: {missing_columns}")
    overlap = set(regime) & set(controls)
    if depvar in (*regime, *controls) or overlap or len(set(regime)) < len(regime):
        raise ValueError("depvar, regime and control variables must be distinct")
    for col in dict.fromkeys(variables):
        if not pd.api.types.is_numeric_dtype(data[col]) or pd.api.types.is_bool_dtype(data[col]):
            raise ValueError(f"column {col!r} must be numeric, it is {data[col].dtype}")
    used = list(dict.fromkeys([unit, time, *variables]))
    frame = data[used]
    incomplete = frame.isna().any(axis=1) | ~np.isfinite(frame[list(dict.fromkeys(variables))]).all(axis=1)
    if incomplete.any():
        bad = {c: int(frame[c].isna().sum()) for c in used if frame[c].isna().any()}
        raise ValueError(
            f"{int(incomplete.sum())} row(s) have missing or infinite values ({bad}); the panel "
            "threshold model needs a balanced panel, so fill or drop them explicitly first"
        )
    _check_balanced(frame, unit, time)
    frame = frame.sort_values([unit, time], kind="mergesort").reset_index(drop=True)
    n_units, n_periods = frame[unit].nunique(), frame[time].nunique()
    if n_periods < 2:
        raise ValueError(f"the panel has {n_periods} period(s) of {time}; at least 2 are needed")
    if year_effects:
        dummies = pd.get_dummies(frame[time], prefix=f"_{time}", drop_first=True, dtype=float)
        frame = pd.concat([frame, dummies], axis=1)
        controls = (*controls, *dummies.columns)

    def values(cols) -> np.ndarray:
        return frame[list(cols)].to_numpy(dtype=float).reshape(len(frame), len(cols))

    unit_sd = frame.groupby(unit, sort=False)[list(dict.fromkeys([depvar, *regime, threshold, *controls]))].std(ddof=0)
    constant = [c for c in unit_sd.columns if (unit_sd[c].fillna(0) <= 0).all()]
    if constant:
        raise ValueError(f"variables constant within every {unit} (absorbed by the fixed effects): {constant}")
    R = values(regime)
    base_w = within(np.column_stack([values(controls), R]), n_units, n_periods)
    if np.linalg.matrix_rank(base_w) < base_w.shape[1]:
        raise ValueError(
            "the within-transformed controls and regime variables are collinear: "
            f"{[*controls, *regime]}"
        )
    return ThresholdPanel(
        frame=frame, unit=unit, time=time, depvar=depvar, regime=regime, threshold=threshold,
        controls=controls, n_units=n_units, n_periods=n_periods,
        q=frame[threshold].to_numpy(dtype=float), R=R,
        y_w=within(frame[depvar].to_numpy(dtype=float), n_units, n_periods), base_w=base_w,
    )


# --------------------------------------------------------------------------- grid and RSS


def minimum_regime_size(trim: float, nobs: int) -> int:
    if not 0 < trim < 0.5:
        raise ValueError(f"trim must lie in (0, 0.5), got {trim!r}")
    return max(1, math.ceil(trim * nobs))


def threshold_grid(q: np.ndarray, trim: float, grid: int | Sequence[float] | None) -> np.ndarray:
    """Candidate thresholds: distinct values of q leaving ≥ ceil(trim·N) observations on each side,
    thinned to ``grid`` evenly spaced ones (None = all). An explicit sequence of values (another
    program's grid, to replicate it) is used as given, less the values that break the trim."""
    m = minimum_regime_size(trim, q.size)
    explicit = grid is not None and not isinstance(grid, (int, np.integer))
    values = np.unique(np.asarray(grid, float)) if explicit else np.unique(q)
    below = np.searchsorted(np.sort(q), values, side="right")
    candidates = values[(below >= m) & (q.size - below >= m)]
    if grid is not None and not explicit:
        if grid < 1:
            raise ValueError(f"grid must be a positive number of points, a sequence of values or None, got {grid!r}")
        if candidates.size > grid:
            candidates = candidates[np.unique(np.round(np.linspace(0, candidates.size - 1, grid)).astype(int))]
    return candidates


def feasible_candidates(q_sorted: np.ndarray, grid: np.ndarray, fixed: Sequence[float], trim: float) -> np.ndarray:
    """The grid less the candidates that would leave a regime between the fixed thresholds (or an
    end) with fewer than ceil(trim·N) observations."""
    m = minimum_regime_size(trim, q_sorted.size)
    counts = np.searchsorted(q_sorted, grid, side="right")
    cuts = np.concatenate([[0], np.sort(np.searchsorted(q_sorted, np.asarray(fixed, float), side="right")), [q_sorted.size]])
    slot = np.searchsorted(cuts, counts, side="left")  # cuts[slot-1] < count <= cuts[slot]
    slot = np.clip(slot, 1, cuts.size - 1)
    keep = (counts - cuts[slot - 1] >= m) & (cuts[slot] - counts >= m)
    keep &= ~np.isin(grid, np.asarray(fixed, float))
    return grid[keep]


def regime_columns(panel: ThresholdPanel, gammas: Sequence[float]) -> np.ndarray:
    """within(x·1(q ≤ γ)) for each γ, stacked: (N, len(gammas)·kr)."""
    gammas = np.asarray(gammas, float)
    if gammas.size == 0:
        return np.empty((panel.nobs, 0))
    cols = panel.R[:, None, :] * (panel.q[:, None, None] <= gammas[None, :, None])
    return within(cols.reshape(panel.nobs, -1), panel.n_units, panel.n_periods)


def rss_curve(
    panel: ThresholdPanel, fixed: Sequence[float], candidates: np.ndarray, Y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """RSS of the model with thresholds ``fixed`` ∪ {γ}, for every candidate γ and every column of
    Y (within-space responses, N × B). Returns (rss G × B, rss of the model with ``fixed`` only, B).
    Degenerate candidates (regime column spanned by the rest) get +inf. Candidates are taken in
    blocks so that an exhaustive grid on a large panel does not hold N × G regime columns at once."""
    base = np.column_stack([panel.base_w, regime_columns(panel, fixed)])
    Q, _ = np.linalg.qr(base)
    E = Y - Q @ (Q.T @ Y)
    base_rss = np.einsum("nb,nb->b", E, E)
    block = max(1, CANDIDATE_BLOCK_ELEMENTS // (panel.nobs * panel.R.shape[1]))
    rss = np.empty((candidates.size, Y.shape[1]))
    for start in range(0, candidates.size, block):
        part = slice(start, start + block)
        rss[part] = base_rss[None, :] - _rss_gain(panel, Q, E, candidates[part])
    return rss, base_rss


def _rss_gain(panel: ThresholdPanel, Q: np.ndarray, E: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """(D̃'e)'(D̃'D̃)⁻¹(D̃'e) for each candidate's regime columns D, G × B, with D̃ = D residualised on
    the base design (orthonormal basis Q). Degenerate candidates get −inf, so their RSS is +inf."""
    kr, G = panel.R.shape[1], candidates.size
    D = regime_columns(panel, candidates)                   # N × (G·kr)
    size = np.einsum("nj,nj->j", D, D)
    D -= Q @ (Q.T @ D)
    cross = (D.T @ E).reshape(G, kr, -1)                    # G × kr × B
    if kr == 1:
        gram = np.einsum("nj,nj->j", D, D)
        degenerate = gram <= DEGENERATE_TOL * np.maximum(size, 1e-300)
        gain = cross[:, 0, :] ** 2 / np.where(degenerate, 1.0, gram)[:, None]
    else:
        D3 = D.reshape(-1, G, kr)
        gram = np.einsum("ngk,ngl->gkl", D3, D3)
        scale = size.reshape(G, kr).max(axis=1)
        degenerate = np.linalg.eigvalsh(gram)[:, 0] <= DEGENERATE_TOL * np.maximum(scale, 1e-300)
        safe = np.where(degenerate[:, None, None], np.eye(kr), gram)
        gain = np.einsum("gkb,gkb->gb", cross, np.linalg.solve(safe, cross))
    gain[degenerate, :] = -np.inf
    return gain


# --------------------------------------------------------------------------- the search


@dataclass(frozen=True)
class ThresholdSearch:
    """One threshold found given others: the curve it minimised, its LR and confidence set."""

    label: str                 # xthreg's row name: Th-1, Th-21, Th-22, Th-3
    fixed: tuple[float, ...]   # thresholds held fixed while searching
    candidates: np.ndarray
    rss_curve: np.ndarray
    estimate: float
    rss: float                 # minimum RSS
    rss_fixed: float           # RSS of the model with only the fixed thresholds
    lr: np.ndarray
    ci_lower: float
    ci_upper: float


def search_threshold(panel: ThresholdPanel, grid: np.ndarray, fixed: Sequence[float], trim: float,
                     label: str, critical_value: float) -> ThresholdSearch:
    q_sorted = np.sort(panel.q)
    candidates = feasible_candidates(q_sorted, grid, fixed, trim) if fixed else grid
    if candidates.size == 0:
        raise ValueError(
            f"no candidate for threshold {label} leaves {minimum_regime_size(trim, panel.nobs)} "
            f"observations (trim {trim}) in every regime given {list(fixed)}; lower trim or thresholds"
        )
    rss, base_rss = rss_curve(panel, fixed, candidates, panel.y_w[:, None])
    rss = rss[:, 0]
    if not np.isfinite(rss).any():
        raise ValueError(f"every candidate for {label} gives a regime without variation in {panel.regime}")
    best = int(np.argmin(rss))  # first minimum on ties, the lowest candidate
    sigma2 = rss[best] / panel.df_sigma
    lr = (rss - rss[best]) / sigma2
    inside = candidates[lr <= critical_value]
    return ThresholdSearch(
        label=label, fixed=tuple(float(f) for f in fixed), candidates=candidates, rss_curve=rss,
        estimate=float(candidates[best]), rss=float(rss[best]), rss_fixed=float(base_rss[0]),
        lr=lr, ci_lower=float(inside.min()), ci_upper=float(inside.max()),
    )


def sequential_search(panel: ThresholdPanel, n_thresholds: int, trims: Sequence[float], grid,
                      level: float) -> tuple[list[ThresholdSearch], np.ndarray]:
    """Hansen's sequential estimation: Th-1; Th-22 given Th-1, then Th-21 (Th-1 refined) given
    Th-22; Th-3 given Th-21 and Th-22. Returns the searches in that order and the grid."""
    c = lr_critical_value(level)
    candidates = threshold_grid(panel.q, trims[0], grid)
    if candidates.size == 0:
        raise ValueError(
            f"no value of {panel.threshold} leaves {minimum_regime_size(trims[0], panel.nobs)} "
            f"observations on each side (trim {trims[0]})"
        )
    first = search_threshold(panel, candidates, (), trims[0], "Th-1", c)
    searches = [first]
    if n_thresholds >= 2:
        second = search_threshold(panel, candidates, (first.estimate,), trims[1], "Th-22", c)
        refined = search_threshold(panel, candidates, (second.estimate,), trims[1], "Th-21", c)
        searches += [refined, second]
    if n_thresholds == 3:
        fixed = (searches[1].estimate, searches[2].estimate)
        searches.append(search_threshold(panel, candidates, fixed, trims[2], "Th-3", c))
    return searches, candidates


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class ThresholdTest:
    """xthreg's e(Fstat) row: k thresholds against k − 1."""

    label: str                 # Single, Double, Triple
    n_thresholds: int
    rss: float
    mse: float
    f_stat: float
    p_value: float | None = None
    crit10: float | None = None
    crit5: float | None = None
    crit1: float | None = None
    replications: int = 0


@dataclass(frozen=True)
class ThresholdResult:
    """Regime coefficients (xtreg, fe on the estimated regimes) plus the threshold search and tests.

    ``thresholds`` are the ones the final regression uses, sorted; ``estimates`` is xthreg's
    e(Thrss) (rows Th-1[, Th-21, Th-22[, Th-3]]; columns threshold, rss, lower, upper);
    ``lr_curves`` maps the same row names to frames (threshold, lr) for a plot."""

    params: pd.Series
    std_errors: pd.Series
    stats: pd.Series
    pvalues: pd.Series
    cov: pd.DataFrame
    stat_kind: str
    nobs: int
    n_units: int
    n_periods: int
    n_clusters: int | None
    df_resid: int
    rss: float
    mse: float
    rsquared_within: float
    rmse: float
    depvar: str
    regime: tuple[str, ...]
    threshold: str
    controls: tuple[str, ...]
    vcov_type: str
    thresholds: tuple[float, ...]
    estimates: pd.DataFrame
    tests: tuple[ThresholdTest, ...]
    lr_curves: dict[str, pd.DataFrame]
    lr_critical_value: float
    level: float
    grid_points: int
    trims: tuple[float, ...]
    regime_counts: tuple[int, ...]
    diagnostics: list[Diagnostic] = field(default_factory=list)


TEST_LABELS = {1: "Single", 2: "Double", 3: "Triple"}


def regime_terms(regime: Sequence[str], n_regimes: int) -> list[str]:
    return [f"{x}_regime{j}" for j in range(1, n_regimes + 1) for x in regime]


def regime_design(panel: ThresholdPanel, thresholds: Sequence[float]) -> pd.DataFrame:
    """x·1(γ_{j−1} < q ≤ γ_j) for each regime j (raw, not demeaned), named ``<x>_regime<j>``."""
    cuts = np.concatenate([[-np.inf], np.sort(np.asarray(thresholds, float)), [np.inf]])
    columns = {}
    for j in range(1, cuts.size):
        inside = (panel.q > cuts[j - 1]) & (panel.q <= cuts[j])
        for k, x in enumerate(panel.regime):
            columns[f"{x}_regime{j}"] = panel.R[:, k] * inside
    return pd.DataFrame(columns, index=panel.frame.index)


def _as_per_threshold(value, n: int, name: str) -> tuple:
    values = tuple(value) if isinstance(value, (list, tuple, np.ndarray)) else (value,) * n
    if len(values) != n:
        raise ValueError(f"{name} needs one value per threshold ({n}), got {len(values)}")
    return values


def fit_threshold(
    data: pd.DataFrame,
    depvar: str,
    regime: Sequence[str] | str,
    threshold: str,
    controls: Sequence[str] = (),
    unit: str = "region_code",
    time: str = "year",
    n_thresholds: int = 1,
    trim: float | Sequence[float] = 0.01,
    grid: int | Sequence[float] | None = 300,
    bootstrap: int | Sequence[int] = 300,
    level: float = 0.95,
    vcov: str = "cluster",
    year_effects: bool = False,
    seed: int | np.random.Generator | None = None,
) -> ThresholdResult:
    """Hansen (1999) fixed-effects panel threshold regression with xthreg's options: ``trim`` and
    ``bootstrap`` per threshold (a scalar applies to all; bootstrap 0 skips that test's p-value),
    ``grid`` points, ``level`` of the LR confidence sets (xthreg's thlevel/100). ``seed`` seeds a
    numpy Generator used for every bootstrap draw."""
    from models_py.estimators.threshold_bootstrap import bootstrap_threshold_tests

    if n_thresholds not in range(1, MAX_THRESHOLDS + 1):
        raise ValueError(f"n_thresholds must be 1, 2 or 3 (as xthreg's thnum), got {n_thresholds!r}")
    if vcov not in VCOV_TYPES:
        raise ValueError(f"vcov must be one of {VCOV_TYPES}, got {vcov!r}")
    regime = (regime,) if isinstance(regime, str) else tuple(regime)
    trims = tuple(float(t) for t in _as_per_threshold(trim, n_thresholds, "trim"))
    reps = tuple(int(b) for b in _as_per_threshold(bootstrap, n_thresholds, "bootstrap"))
    if any(b < 0 for b in reps):
        raise ValueError(f"bootstrap replications must be >= 0, got {reps}")
    for t in trims:
        minimum_regime_size(t, 1)
    panel = prepare_panel(data, depvar, regime, threshold, controls, unit, time, year_effects)
    searches, candidates = sequential_search(panel, n_thresholds, trims, grid, level)
    by_label = {s.label: s for s in searches}

    # F statistics: k thresholds against the k − 1 the search held fixed
    s_k = {1: by_label["Th-1"]}
    if n_thresholds >= 2:
        s_k[2] = by_label["Th-22"]
    if n_thresholds == 3:
        s_k[3] = by_label["Th-3"]
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    boot = bootstrap_threshold_tests(panel, searches, candidates, trims, reps, rng)
    tests = []
    for k, search in s_k.items():
        mse = search.rss / panel.df_sigma
        f_stat = (search.rss_fixed - search.rss) / mse
        b = boot.get(k)
        tests.append(ThresholdTest(
            label=TEST_LABELS[k], n_thresholds=k, rss=search.rss, mse=mse, f_stat=f_stat,
            p_value=None if b is None else float(np.mean(b > f_stat)),
            crit10=None if b is None else _bootstrap_critical(b, 0.90),
            crit5=None if b is None else _bootstrap_critical(b, 0.95),
            crit1=None if b is None else _bootstrap_critical(b, 0.99),
            replications=0 if b is None else b.size,
        ))

    if n_thresholds == 1:
        final = (by_label["Th-1"].estimate,)
    else:
        final = tuple(s.estimate for s in searches[1:])
    final = tuple(sorted(final))
    design = regime_design(panel, final)
    frame = pd.concat([panel.frame, design], axis=1)
    fit = fit_fixed_effects(
        frame, depvar, [*panel.controls, *design.columns], absorb=[unit], vcov=vcov,
        cluster=unit if vcov == "cluster" else None, drop_singletons=False,
    )
    if fit.dropped["collinear"]:
        raise ValueError(f"regime terms collinear in the final regression: {fit.dropped['collinear']}")
    cuts = np.concatenate([[-np.inf], final, [np.inf]])
    counts = tuple(int(((panel.q > cuts[j]) & (panel.q <= cuts[j + 1])).sum()) for j in range(len(final) + 1))
    estimates = pd.DataFrame(
        [(s.estimate, s.rss, s.ci_lower, s.ci_upper) for s in searches],
        index=[s.label for s in searches], columns=["threshold", "rss", "lower", "upper"],
    )
    curves = {s.label: pd.DataFrame({"threshold": s.candidates, "lr": s.lr}) for s in searches}
    result = ThresholdResult(
        params=fit.params, std_errors=fit.std_errors, stats=fit.tstats, pvalues=fit.pvalues,
        cov=fit.cov, stat_kind="t", nobs=fit.nobs, n_units=panel.n_units, n_periods=panel.n_periods,
        n_clusters=fit.n_clusters, df_resid=fit.df_resid, rss=fit.rss, mse=fit.rss / panel.df_sigma,
        rsquared_within=fit.rsquared_within, rmse=fit.rmse, depvar=depvar, regime=regime,
        threshold=threshold, controls=panel.controls, vcov_type=vcov, thresholds=final,
        estimates=estimates, tests=tuple(tests), lr_curves=curves, lr_critical_value=lr_critical_value(level),
        level=level, grid_points=int(candidates.size), trims=trims, regime_counts=counts,
    )
    return replace(result, diagnostics=_diagnostics(result))


def _bootstrap_critical(stats: np.ndarray, quantile: float) -> float:
    """Hansen's critical value: the ceil(q·B)-th smallest bootstrap statistic."""
    ordered = np.sort(stats)
    return float(ordered[max(math.ceil(quantile * ordered.size), 1) - 1])


def _diagnostics(result: ThresholdResult) -> list[Diagnostic]:
    pct = f"{100 * result.level:g}%"
    rows = []
    for label, row in result.estimates.iterrows():
        name = "threshold_" + label.lower().replace("-", "")
        rows.append(Diagnostic(f"{name}", float(row["threshold"]), note=f"{label}: {result.threshold}, RSS {row['rss']:.6g}"))
        rows.append(Diagnostic(f"{name}_lower", float(row["lower"]), note=f"{pct} LR confidence set, c = {result.lr_critical_value:.4f}"))
        rows.append(Diagnostic(f"{name}_upper", float(row["upper"]), note=f"{pct} LR confidence set, c = {result.lr_critical_value:.4f}"))
    for test in result.tests:
        name = f"threshold_f_{test.label.lower()}"
        note = (f"{test.n_thresholds} vs {test.n_thresholds - 1} thresholds; RSS {test.rss:.6g}, MSE {test.mse:.6g}; "
                + (f"bootstrap {test.replications} reps" if test.replications else "no bootstrap"))
        rows.append(Diagnostic(name, float(test.f_stat), p=test.p_value, note=note))
        for q, value in (("crit10", test.crit10), ("crit5", test.crit5), ("crit1", test.crit1)):
            if value is not None:
                rows.append(Diagnostic(f"{name}_{q}", value, note=f"bootstrap critical value, {test.replications} reps"))
    rows.append(Diagnostic("rsquared_within", float(result.rsquared_within)))
    rows.append(Diagnostic("rss", float(result.rss), note="final regression at the reported thresholds"))
    for j, n in enumerate(result.regime_counts, start=1):
        rows.append(Diagnostic(f"regime{j}_nobs", float(n)))
    return rows
