"""Heterogeneity across regional groups: subsample regressions, the interaction (Chow-type) test
of one coefficient between two groups, and the Fisher permutation test of Stata's ``bdiff``.

Groupings (East/Central/West, the four NBS regions, South/North) come from
seeds/reference/regions.csv: ``add_region_groups`` merges its region3 / region4 / south_north
columns onto a panel by ``region_code``.

1. ``fit_subsamples``: ``fit_fixed_effects`` on each level of ``group`` (e.g. ``bysort region3:
   reghdfe y x controls, absorb(region_code year) vce(cluster region_code)``).

2. ``interaction_test`` for groups (g0, g1) (base g0, D = 1[group = g1]), on the rows of the two
   groups:
       reghdfe y c.x##i.D c.(controls)##i.D, absorb(region_code year#D) vce(cluster region_code)
   Every regressor and every absorbed factor that is not nested within the group (here year) is
   interacted with D, so each group has its own slopes and its own year effects (the region
   effects are group-specific already). The point estimates then equal the two subsample
   regressions; the coefficient of ``1.D#c.x`` is b(g1) − b(g0), with its cluster-robust SE
   from the pooled model (reghdfe's CRV1 on the pooled sample, t with G − 1 df). Regressors are
   named as Stata does: ``1.D#c.x`` with D = ``<group>``.

3. ``permutation_test`` — Fisher's permutation test as Lian Yujun's ``bdiff`` (version 1.04,
   24Nov2020) with ``model(reghdfe … )`` or ``xtreg``:
   * observed difference d0 = b(g0) − b(g1) from the two subsample regressions ("b0-b1");
   * each of B permutations draws a random order of the permutation units (regions; the group
     must be constant within a unit), gives the first n0 units (n0 = number of units in g0) to
     pseudo-group 0 and the rest to pseudo-group 1, refits both, d*_j = b*(0) − b*(1);
   * Freq = #{j : d*_j ≥ d0}; p = Freq / B; if p > 0.5 then p = 1 − p (bdiff's empirical
     p-value: one-sided, in the direction of the observed difference; B counts every
     permutation, failed ones too). We also report ``perm_p_two_sided`` = #{|d*| ≥ |d0|} / B.
   bdiff itself permutes whole panels only with ``xt*`` commands; with ``reghdfe`` / ``reg``
   it permutes observations (the first n0 rows after a random sort): ``level="observation"``
   reproduces that, ``level="unit"`` (default) permutes regions as the brief asks.
   Numbers match bdiff in definition, not draw for draw (Stata's RNG is not reproduced).

The permutation refits are not loops: with the FE unit nested in the permutation unit and at
most one crossing factor (year), each pseudo-group's demeaned cross-product is a weighted sum
of per-unit blocks (``mediation.fe_crossproducts``), so all B × 2 regressions are batched solves.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from models_py.estimators.demean import ConvergenceError
from models_py.estimators.fixed_effects import FixedEffectsResult, fit_fixed_effects
from models_py.estimators.numerics import complete_rows, is_nested
from models_py.estimators.mediation import fe_crossproducts, fit_fe_checked, solve_crossproducts

REGIONS_CSV = Path(__file__).resolve().parents[2] / "seeds" / "reference" / "regions.csv"
REGION_GROUPS = ("region3", "region4", "south_north")


def add_region_groups(data: pd.DataFrame, columns=REGION_GROUPS, on: str = "region_code",
                      regions_csv: Path | str = REGIONS_CSV) -> pd.DataFrame:
    """``data`` with the grouping columns of seeds/reference/regions.csv merged on ``on``."""
    regions = pd.read_csv(regions_csv, usecols=[on, *columns])
    clash = [c for c in columns if c in data.columns]
    if clash:
        raise ValueError(f"columns {clash} are already in the data")
    out = data.merge(regions, on=on, how="left", validate="many_to_one")
    unknown = out.loc[out[list(columns)].isna().any(axis=1), on].unique()
    if len(unknown):
        raise ValueError(f"{on} values not in {regions_csv}: {sorted(unknown)[:10]}")
    return out


@dataclass
class SubsampleResult:
    """One FixedEffectsResult per group level. ``params`` … ``pvalues`` are Series indexed by
    (group level, term); ``table()`` puts them side by side."""

    group: str
    results: dict
    params: pd.Series
    std_errors: pd.Series
    tstats: pd.Series
    pvalues: pd.Series
    nobs: pd.Series
    diagnostics: dict[str, float] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({"coef": self.params, "se": self.std_errors, "t": self.tstats, "p": self.pvalues})


@dataclass
class GroupDifferenceResult:
    """A test of one coefficient between two groups. ``params`` etc. are Series over
    ``b_first`` (group ``groups[0]``), ``b_second`` and ``difference`` (its definition in
    ``definition``); ``diagnostics`` holds the named statistics."""

    method: str
    term: str
    group: str
    groups: tuple
    definition: str
    params: pd.Series
    std_errors: pd.Series
    tstats: pd.Series
    pvalues: pd.Series
    diagnostics: dict[str, float] = field(default_factory=dict)
    model: FixedEffectsResult | None = None
    permuted: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def _check(data, depvar, regressors, group, extra):
    regressors = list(regressors)
    if not regressors:
        raise ValueError("at least one regressor is required")
    missing = [c for c in dict.fromkeys([depvar, *regressors, group, *extra]) if c and c not in data.columns]
    if missing:
        raise ValueError(f"columns not in the data: {missing}")
    return regressors


def _fit_group(data, label, group, depvar, regressors, absorb, vcov, cluster, drop_singletons, term=None):
    n = len(data)
    if n < len(regressors) + 1:
        raise ValueError(
            f"group {label!r} of {group!r} has {n} observations, fewer than the {len(regressors) + 1} "
            "parameters (regressors and constant)"
        )
    return fit_fe_checked(data, depvar, regressors, absorb, vcov, cluster, drop_singletons,
                          [term] if term is not None else [], context=f"group {label!r} of {group!r}: ")


def _two_groups(sample, group, groups):
    levels = list(pd.unique(sample[group]))
    if groups is None:
        if len(levels) != 2:
            raise ValueError(f"{group!r} has {len(levels)} levels {sorted(map(str, levels))}; pass groups=(g0, g1)")
        groups = tuple(sorted(levels))
    groups = tuple(groups)
    if len(groups) != 2 or groups[0] == groups[1]:
        raise ValueError(f"groups must be two distinct levels of {group!r}, got {groups}")
    absent = [g for g in groups if g not in levels]
    if absent:
        raise ValueError(f"levels {absent} of {group!r} are not in the estimation sample")
    return groups


# --------------------------------------------------------------------------- 1. subsamples


def fit_subsamples(
    data: pd.DataFrame,
    depvar: str,
    regressors: list[str],
    group: str,
    absorb: list[str] = ("region_code", "year"),
    vcov: str = "cluster",
    cluster: str | None = "region_code",
    drop_singletons: bool = True,
    levels: list | None = None,
) -> SubsampleResult:
    """``fit_fixed_effects`` on each level of ``group`` (all levels in sorted order unless
    ``levels`` is given). Rows with a missing group are left out. Raises a ValueError naming the
    group when a group has fewer observations than parameters, too few clusters, or loses the
    first regressor to collinearity (e.g. constant within every region of that group)."""
    regressors = _check(data, depvar, regressors, group, [*absorb, cluster if vcov == "cluster" else None])
    sample = data.loc[data[group].notna()]
    levels = sorted(pd.unique(sample[group])) if levels is None else list(levels)
    results = {}
    for label in levels:
        part = sample.loc[sample[group] == label]
        if part.empty:
            raise ValueError(f"group {label!r} of {group!r} has no observations")
        results[label] = _fit_group(part, label, group, depvar, regressors, list(absorb), vcov, cluster,
                                    drop_singletons, term=regressors[0])
    stack = lambda attr: pd.concat({g: getattr(r, attr) for g, r in results.items()}, names=[group, "term"])  # noqa: E731
    return SubsampleResult(
        group=group, results=results, params=stack("params"), std_errors=stack("std_errors"),
        tstats=stack("tstats"), pvalues=stack("pvalues"),
        nobs=pd.Series({g: r.nobs for g, r in results.items()}, name="nobs"),
        diagnostics={f"nobs_{g}": float(r.nobs) for g, r in results.items()},
    )


# --------------------------------------------------------------------------- 2. interaction test


def interaction_test(
    data: pd.DataFrame,
    depvar: str,
    term: str,
    controls: list[str] = (),
    group: str = "region3",
    groups: tuple | None = None,
    absorb: list[str] = ("region_code", "year"),
    cluster: str = "region_code",
    drop_singletons: bool = True,
) -> GroupDifferenceResult:
    """Difference of the coefficient of ``term`` between ``groups = (g0, g1)`` from the fully
    interacted pooled model (module docstring, item 2). ``difference`` = b(g1) − b(g0), the
    coefficient of ``1.<group>#c.<term>``; diagnostics: difference, difference_se, difference_t,
    difference_p (t with G − 1 df), chow_F (= t²)."""
    controls = list(controls)
    _check(data, depvar, [term, *controls], group, [*absorb, cluster])
    sample = complete_rows(data, [depvar, term, *controls, group, *absorb, cluster])
    groups = _two_groups(sample, group, groups)
    sample = sample.loc[sample[group].isin(groups)].copy()
    D = (sample[group] == groups[1]).astype(float)
    dname = f"1.{group}"
    regs = [term, *controls]
    inter = {f"{dname}#c.{x}": sample[x] * D for x in regs}
    for name in inter:
        if name in sample.columns:
            raise ValueError(f"column {name!r} already exists in the data")
    frame = sample.assign(**inter)
    new_absorb = []
    for f in absorb:
        codes = pd.factorize(frame[f])[0]
        first = np.full(codes.max() + 1, -1.0)
        first[codes] = D.to_numpy()
        if np.array_equal(first[codes], D.to_numpy()):   # nested within the group: already group-specific
            new_absorb.append(f)
        else:
            name = f"{f}#{group}"
            frame[name] = frame[f].astype(str) + "#" + frame[group].astype(str)
            new_absorb.append(name)
    for g in groups:
        n = int((frame[group] == g).sum())
        if n < len(regs) + 1:
            raise ValueError(f"group {g!r} of {group!r} has {n} observations, fewer than the {len(regs) + 1} parameters")
    regressors = [*regs, *inter]
    dterm = f"{dname}#c.{term}"
    model = fit_fe_checked(frame, depvar, regressors, new_absorb, "cluster", cluster, drop_singletons,
                           [term, dterm], context=f"pooled model of {group!r} {groups}: ")
    for needed in (term, dterm):
        if needed not in model.params.index:
            raise ValueError(
                f"{needed!r} was omitted (collinear with the fixed effects or the controls): {term!r} is "
                f"constant within every region of one of the groups {groups}; the difference is not identified"
            )
    b0 = float(model.params[term])
    diff = float(model.params[dterm])
    V = model.cov
    se0 = float(np.sqrt(V.loc[term, term]))
    se1 = float(np.sqrt(V.loc[term, term] + V.loc[dterm, dterm] + 2 * V.loc[term, dterm]))
    sed = float(model.std_errors[dterm])
    df = model.df_resid
    t = lambda b, s: b / s  # noqa: E731
    p = lambda tt: float(2 * special.stdtr(df, -abs(tt)))  # noqa: E731
    idx = ["b_first", "b_second", "difference"]
    params = pd.Series([b0, b0 + diff, diff], index=idx)
    ses = pd.Series([se0, se1, sed], index=idx)
    tst = params / ses
    pv = tst.map(p)
    diagnostics = {"difference": diff, "difference_se": sed, "difference_t": t(diff, sed),
                   "difference_p": p(t(diff, sed)), "chow_F": t(diff, sed) ** 2, "df_resid": float(df),
                   "n_clusters": float(model.n_clusters), "nobs": float(model.nobs)}
    return GroupDifferenceResult(
        method="interaction", term=term, group=group, groups=groups,
        definition=f"b({groups[1]}) - b({groups[0]}) = coefficient of {dterm}",
        params=params, std_errors=ses, tstats=tst, pvalues=pv, diagnostics=diagnostics, model=model,
    )


# --------------------------------------------------------------------------- 3. permutation test


def bdiff_pvalue(permuted: np.ndarray, observed: float) -> tuple[float, int]:
    """(p, Freq) as bdiff: Freq = #{d* ≥ d0} over the non-missing d*, p = Freq / B with B all
    permutations, folded to 1 − p when p > 0.5."""
    permuted = np.asarray(permuted, dtype=float)
    freq = int((permuted[~np.isnan(permuted)] >= observed).sum())
    p = freq / permuted.size
    return (1 - p if p > 0.5 else p), freq


def permutation_test(
    data: pd.DataFrame,
    depvar: str,
    term: str,
    controls: list[str] = (),
    group: str = "south_north",
    groups: tuple | None = None,
    absorb: list[str] = ("region_code", "year"),
    unit: str = "region_code",
    reps: int = 1000,
    seed: int | None = None,
    level: str = "unit",
    vcov: str = "cluster",
    cluster: str | None = "region_code",
    drop_singletons: bool = True,
) -> GroupDifferenceResult:
    """Fisher permutation test of b(g0) = b(g1) for the coefficient of ``term`` (bdiff; module
    docstring, item 3). ``level="unit"`` permutes the group labels across ``unit``s (regions),
    keeping the number of units per group; ``level="observation"`` permutes rows, as bdiff does
    with non-xt commands. ``difference`` = b(g0) − b(g1) (bdiff's "b0-b1"); its SE is not defined
    (NaN); ``pvalues["difference"]`` is bdiff's empirical p. Diagnostics: perm_difference,
    perm_freq, perm_p (bdiff), perm_p_two_sided, perm_reps, perm_failed."""
    if level not in ("unit", "observation"):
        raise ValueError(f"level must be 'unit' or 'observation', got {level!r}")
    if reps < 1:
        raise ValueError(f"reps must be positive, got {reps}")
    controls = list(controls)
    regs = [term, *controls]
    _check(data, depvar, regs, group, [*absorb, unit, cluster if vcov == "cluster" else None])
    sample = complete_rows(data, [depvar, *regs, group, *absorb, unit, cluster if vcov == "cluster" else None])
    groups = _two_groups(sample, group, groups)
    sample = sample.loc[sample[group].isin(groups)]
    fits = [_fit_group(sample.loc[sample[group] == g], g, group, depvar, regs, list(absorb), vcov, cluster,
                       drop_singletons, term=term) for g in groups]
    b0, b1 = (float(f.params[term]) for f in fits)
    d0 = b0 - b1

    rng = np.random.default_rng(seed)
    is0 = (sample[group] == groups[0]).to_numpy()
    if level == "unit":
        pu, pu_labels = pd.factorize(sample[unit])
        first = np.full(len(pu_labels), -1)
        first[pu] = is0
        if not np.array_equal(first[pu].astype(bool), is0):
            raise ValueError(f"{group!r} is not constant within {unit!r}; permute observations (level='observation')")
        n_units = len(pu_labels)
        n0 = int(first.sum())
    else:
        pu = np.arange(len(sample))
        n_units = len(sample)
        n0 = int(is0.sum())
    if min(n0, n_units - n0) < 2:
        raise ValueError(f"too few {'units' if level == 'unit' else 'observations'} in a group to permute")
    order = np.argsort(rng.random((reps, n_units)), axis=1)     # a random order of the units …
    w0 = np.zeros((reps, n_units))
    np.put_along_axis(w0, order[:, :n0], 1.0, axis=1)           # … the first n0 form pseudo-group 0

    Z = sample[[depvar, *regs]].to_numpy(dtype=float)
    codes = [pd.factorize(sample[f])[0] for f in absorb]
    nested = [is_nested(c, pu) for c in codes]
    fast = len(absorb) <= 2 and sum(nested) <= 1 and len(absorb) - sum(nested) <= 1
    if fast:
        unit_fe = next((c for c, n in zip(codes, nested) if n), None)
        time_fe = next((c for c, n in zip(codes, nested) if not n), None)
        regs_idx = list(range(1, Z.shape[1]))
        bA = solve_crossproducts(fe_crossproducts(Z, unit_fe, time_fe, pu, n_units, w0), 0, regs_idx)[:, 0]
        bB = solve_crossproducts(fe_crossproducts(Z, unit_fe, time_fe, pu, n_units, 1.0 - w0), 0, regs_idx)[:, 0]
    else:
        bA, bB = np.full(reps, np.nan), np.full(reps, np.nan)
        for r in range(reps):
            for target, mask in ((bA, w0[r][pu] == 1), (bB, w0[r][pu] == 0)):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        res = fit_fixed_effects(sample.loc[mask], depvar, regs, absorb=list(absorb), vcov="unadjusted",
                                                cluster=None, drop_singletons=drop_singletons)
                    target[r] = res.params.get(term, np.nan)
                except (ValueError, ConvergenceError):
                    pass
    permuted = bA - bB
    p, freq = bdiff_pvalue(permuted, d0)
    valid = permuted[~np.isnan(permuted)]
    p2 = float((np.abs(valid) >= abs(d0)).sum() / reps)
    failed = int(np.isnan(permuted).sum())
    notes = [f"{failed} permutations failed (no identifying variation) and count as not exceeding"] if failed else []
    idx = ["b_first", "b_second", "difference"]
    params = pd.Series([b0, b1, d0], index=idx)
    ses = pd.Series([float(fits[0].std_errors[term]), float(fits[1].std_errors[term]), np.nan], index=idx)
    pv = pd.Series([float(fits[0].pvalues[term]), float(fits[1].pvalues[term]), p], index=idx)
    diagnostics = {"perm_difference": d0, "perm_freq": float(freq), "perm_p": p, "perm_p_two_sided": p2,
                   "perm_reps": float(reps), "perm_failed": float(failed), "perm_units": float(n_units),
                   "perm_units_first": float(n0), "perm_fast_path": float(fast)}
    return GroupDifferenceResult(
        method=f"permutation ({level})", term=term, group=group, groups=groups,
        definition=f"b({groups[0]}) - b({groups[1]}) (bdiff's b0-b1)",
        params=params, std_errors=ses, tstats=params / ses, pvalues=pv, diagnostics=diagnostics,
        permuted=permuted, notes=notes,
    )
