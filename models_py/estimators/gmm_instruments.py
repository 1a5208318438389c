"""Panel grid, transforms and instrument matrices for xtabond2-style dynamic-panel GMM.

Conventions follow Roodman (2009), "How to do xtabond2", Stata Journal 9(1): 86-136, and the
code of xtabond2 3.7.1 (xtabond2.mata) that implements it:

* The data are laid out on a rectangular grid of N units × T periods, T = last − first period
  of the units in the sample (gaps are grid rows with missing values). Per unit, the stacked
  system has R = T rows (difference GMM) or 2T rows (system GMM: the T transformed rows, then
  the T levels rows). All matrices here are arrays of shape (N, R, ...).
* First differences: row t holds x_t − x_{t−1} (missing when either is missing, so a gap costs
  two transformed observations). Forward orthogonal deviations: row t + 1 holds
  √(n/(n+1))·(x_t − mean of the n later complete rows), i.e. the transform is "lagged" one row so
  that lag limits mean the same thing under both transforms, exactly as xtabond2 does.
* GMM-style instruments: missing values are zeros; one column per period and lag unless
  collapsed (one column per lag). In system GMM an ``equation="both"`` group adds, for the
  levels equation, the differences lagged ``min_lag − 1`` (one column per period, or one if
  collapsed); xtabond2's "search for a deeper lag when that column is empty" is reproduced.
* IV-style instruments: one column per variable; transformed in the transformed rows (unless
  passthru), in levels in the levels rows, zero in the rows of the other equation for
  ``equation="diff"/"level"``; ``equation="both"`` shares ONE column between the equations.
  A missing IV value drops the observation (xtabond2 without ``mz``).
* Column order, which decides which of exactly collinear instruments is the one dropped: IV
  groups first (in reverse order of specification, the constant last), then GMM groups (in
  reverse order of specification), as xtabond2 builds its linked lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models_py.estimators.numerics import canonical_name, split_lag

EQUATIONS = ("both", "diff", "level")


@dataclass(frozen=True)
class GmmStyle:
    """``gmm(variable(s), lag(min_lag max_lag) [collapse] [equation(...)] [passthru])``.

    ``max_lag=None`` is xtabond2's ".": all available lags. The defaults (lags 1 to all) are
    xtabond2's; for a predetermined variable x write ``GmmStyle("x", 1)``, for the dependent
    variable ``GmmStyle("y", 2)`` (or ``GmmStyle("L.y", 1)``, the same instruments).
    """

    variable: str | Sequence[str]
    min_lag: int = 1
    max_lag: int | None = None
    collapse: bool = False
    equation: str = "both"
    passthru: bool = False

    @property
    def variables(self) -> tuple[str, ...]:
        return _as_tuple(self.variable)

    def label(self) -> str:
        """The group's name as xtabond2 prints it in the difference-in-Hansen tests."""
        opts = (" collapse" if self.collapse else "") + (" passthru" if self.passthru else "")
        if self.equation != "both":
            opts += f" eq({self.equation})"
        hi = "." if self.max_lag is None else str(self.max_lag)
        return f"gmm({' '.join(self.variables)},{opts} lag({self.min_lag} {hi}))"


@dataclass(frozen=True)
class IvStyle:
    """``iv(variables [, equation(...)] [passthru])``: one instrument column per variable."""

    variables: str | Sequence[str]
    equation: str = "both"
    passthru: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return _as_tuple(self.variables)

    def label(self) -> str:
        opts = []
        if self.passthru:
            opts.append("passthru")
        if self.equation != "both":
            opts.append(f"eq({self.equation})")
        return f"iv({' '.join(self.names)}{', ' + ' '.join(opts) if opts else ''})"


def _as_tuple(value: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.split())
    return tuple(value)


# --------------------------------------------------------------------------- the grid


class PanelGrid:
    """Columns of a long panel on an N × T grid (NaN where a unit has no row for a period).

    ``get("L2.x")`` returns x lagged two periods within unit; lags respect gaps (the lag of a
    period after a gap is missing), as Stata's time-series operators do.
    """

    def __init__(self, data: pd.DataFrame, unit: str, time: str, columns: Sequence[str]):
        if data[time].isna().any():
            raise ValueError(f"missing values in the time variable {time!r}")
        if data[unit].isna().any():
            raise ValueError(f"missing values in the panel variable {unit!r}")
        t = pd.to_numeric(data[time], errors="coerce").to_numpy(dtype=float)
        if np.isnan(t).any() or not np.all(t == np.round(t)):
            raise ValueError(f"the time variable {time!r} must hold whole numbers (e.g. years)")
        t = t.astype(np.int64)
        codes, uniques = pd.factorize(data[unit], sort=True)
        dup = pd.DataFrame({"u": codes, "t": t}).duplicated().to_numpy()
        if dup.any():
            first = data.loc[dup, [unit, time]].iloc[0].tolist()
            raise ValueError(f"repeated time values within panel: {unit}={first[0]}, {time}={first[1]}")
        self.unit, self.time = unit, time
        self.units = np.asarray(uniques)
        self.t0 = int(t.min())
        self.N, self.T = len(uniques), int(t.max()) - self.t0 + 1
        self.periods = np.arange(self.t0, self.t0 + self.T)
        self._row, self._col = codes, t - self.t0
        self._cache: dict[str, np.ndarray] = {}
        for c in columns:
            values = pd.to_numeric(data[c], errors="coerce") if not pd.api.types.is_bool_dtype(data[c]) \
                else data[c].astype(float)
            self._cache[c] = self._place(values.to_numpy(dtype=float))

    @property
    def present(self) -> np.ndarray:
        """(N, T) bool: the unit has a row for the period."""
        out = np.zeros((self.N, self.T), dtype=bool)
        out[self._row, self._col] = True
        return out

    def _place(self, values: np.ndarray) -> np.ndarray:
        out = np.full((self.N, self.T), np.nan)
        out[self._row, self._col] = values
        return out

    def get(self, expr: str) -> np.ndarray:
        name, lag = split_lag(expr)
        if name not in self._cache:
            raise KeyError(name)
        return lag_array(self._cache[name], lag)

    def add(self, name: str, values: np.ndarray) -> None:
        self._cache[name] = values


def lag_array(a: np.ndarray, lag: int, fill: float = np.nan) -> np.ndarray:
    """Shift along the period axis (axis 1) by ``lag`` ≥ 0 periods."""
    if lag == 0:
        return a
    out = np.full_like(a, fill, dtype=float)
    if lag < a.shape[1]:
        out[:, lag:] = a[:, :-lag]
    return out


# --------------------------------------------------------------------------- transforms


def first_difference(a: np.ndarray) -> np.ndarray:
    """Row t: a_t − a_{t−1}; row 0 missing. Works on (N, T) and (N, T, k)."""
    out = np.full_like(a, np.nan, dtype=float)
    out[:, 1:] = a[:, 1:] - a[:, :-1]
    return out


def forward_orthogonal(a: np.ndarray, complete: np.ndarray) -> np.ndarray:
    """Forward orthogonal deviations (Arellano & Bover 1995) stored one row later, as xtabond2.

    Row t + 1 holds √(n/(n+1))·(a_t − mean of a over the n later periods whose observation is
    ``complete``); missing when n = 0 or a_t is missing. Row 0 is missing.
    """
    squeeze = a.ndim == 2
    x = a[..., None] if squeeze else a
    c = complete[..., None]
    w = np.where(c, x, 0.0)
    suffix = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]             # sum over s >= t
    count = np.cumsum(c[:, ::-1], axis=1)[:, ::-1].astype(float)
    later_sum = np.zeros_like(suffix)
    later_sum[:, :-1] = suffix[:, 1:]
    later_n = np.zeros_like(count)
    later_n[:, :-1] = count[:, 1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = np.sqrt(later_n / (later_n + 1.0)) * (x - later_sum / later_n)
    dev = np.where(later_n > 0, dev, np.nan)
    out = np.full_like(dev, np.nan)
    out[:, 1:] = dev[:, :-1]
    return out[..., 0] if squeeze else out


def transform_matrix(orthogonal: bool, T: int) -> np.ndarray:
    """M (T × T) with transformed = M'x for one unit's column of periods (xtabond2 ``_xform``)."""
    if not orthogonal:
        m = np.eye(T) - np.eye(T, k=1)
        m[0, 0] = 0.0
        return m
    m = np.zeros((T, T))
    for c in range(1, T):
        m[c - 1, c] = 1.0
        m[c:, c] = -1.0 / (T - c)
    norms = np.sqrt((m**2).sum(axis=0))
    norms[norms == 0] = 1.0
    return m / norms


def h_matrix(h: int, orthogonal_left: bool, orthogonal_right: bool, system: bool, T: int) -> np.ndarray:
    """The one-step weighting's H for one unit (Roodman 2009, eq. 22-23 and 26; xtabond2 ``_H``).

    h=3 (default): difference GMM M'M (tridiagonal 2, −1 for first differences, I for orthogonal
    deviations); system GMM [M, I]'[M, I], i.e. [[M'M, M'], [M, I]]. h=2: off-diagonal blocks
    zero (DPD). h=1: H = I.
    """
    ml = np.eye(T) if h == 1 else transform_matrix(orthogonal_left, T)
    mr = np.eye(T) if h == 1 else transform_matrix(orthogonal_right, T)
    if h == 3 or not system:
        if system:
            ml = np.hstack([ml, np.eye(T)])
            mr = np.hstack([mr, np.eye(T)])
        H = ml.T @ mr
    else:
        H = np.zeros((2 * T, 2 * T))
        H[:T, :T] = ml.T @ mr
        H[T:, T:] = np.eye(T)
    H[np.abs(H) < 1e-12] = 0.0
    return H


# --------------------------------------------------------------------------- instruments


@dataclass
class InstrumentGroup:
    """Columns of one iv()/gmm() option in the full instrument matrix."""

    label: str
    kind: str                      # "iv", "gmm" or "const"
    columns: np.ndarray            # indices into Z
    level_columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    # GMM columns that instrument the levels equation (the "GMM instruments for levels" set)


def iv_block(spec: IvStyle, grid: PanelGrid, transform, system: bool) -> np.ndarray:
    """(N, R, m) IV-style columns; NaN where the instrument is missing (drops the row)."""
    T = grid.T
    base = np.stack([grid.get(v) for v in spec.names], axis=-1)          # (N, T, m)
    R = 2 * T if system else T
    out = np.zeros((grid.N, R, base.shape[-1]))
    if spec.equation in ("both", "diff"):
        out[:, :T] = base if spec.passthru else transform(base)
    if system and spec.equation in ("both", "level"):
        out[:, T:] = base
    return out


def gmm_block(spec: GmmStyle, grid: PanelGrid, system: bool, touse: np.ndarray):
    """GMM-style columns of one group: (N, R, m) array, names, and which columns are levels-eq.

    ``touse`` (N, R) marks the observations in the sample; it is used only for xtabond2's search
    for a non-empty levels instrument.
    """
    T, N = grid.T, grid.N
    R = 2 * T if system else T
    levels = np.stack([grid.get(v) for v in spec.variables], axis=-1)    # (N, T, nv)
    diffs = np.nan_to_num(first_difference(levels), nan=0.0)
    levels = np.nan_to_num(levels, nan=0.0)
    nv = levels.shape[-1]
    names_v = [canonical_name(v) for v in spec.variables]

    level_only = spec.equation == "level"
    diffed = level_only and not spec.passthru        # "full" set for levels built on differences
    base = diffs if diffed else levels
    row0 = T if level_only else 0                    # first row of the equation it instruments
    lag_max = T - 1 - int(diffed)
    if spec.min_lag < 0 or (spec.max_lag is not None and spec.max_lag < 0):
        raise ValueError(f"{spec.label()}: negative lags (leads) are not supported")
    lo = spec.min_lag
    hi = lag_max if spec.max_lag is None else min(lag_max, spec.max_lag)
    s_min = 1 if diffed else 0                       # the difference at the first period is empty

    blocks, names, is_level = [], [], []
    prefix = "D" if diffed else ""
    eqname = "level" if level_only else "diff"
    for lag in range(lo, hi + 1):
        if spec.collapse:
            col = np.zeros((N, R, nv))
            col[:, row0 + lag:row0 + T] = base[:, : T - lag]
            blocks.append(col)
            names += [f"{eqname}: {prefix}L{lag}.{v}" for v in names_v]
        else:
            periods = np.arange(s_min, T - lag)
            col = np.zeros((N, R, len(periods), nv))
            col[:, row0 + periods + lag, np.arange(len(periods))] = base[:, periods]
            blocks.append(col.reshape(N, R, len(periods) * nv))
            names += [f"{eqname}: {prefix}L{lag}.{v} [{grid.periods[s]}]" for s in periods for v in names_v]
        is_level += [level_only] * (blocks[-1].shape[-1])

    if system and spec.equation == "both":
        extra, extra_names = _levels_extra(spec, diffs, grid, touse, names_v, lo, hi)
        blocks.append(extra)
        names += extra_names
        is_level += [True] * extra.shape[-1]

    z = np.concatenate(blocks, axis=-1) if blocks else np.zeros((N, R, 0))
    return z, names, np.asarray(is_level, dtype=bool)


def _levels_extra(spec, diffs, grid, touse, names_v, lo, hi):
    """Levels-equation instruments of an equation(both) group in system GMM (xtabond2).

    Differences lagged m = min_lag − 1 (m = 0 when min_lag = 0); uncollapsed one column per
    period of the difference (T per variable), collapsed one per variable. xtabond2 then shifts
    a column with no nonzero in-sample value to deeper lags, up to max_lag − 1, with one counter
    shared by the group's columns; the shift runs down the stacked levels rows of all units, as
    in xtabond2's speed-favouring path. For uncollapsed sets this never moves anything (the
    column of the first period is always empty and uses up the counter), so only collapsed
    sets are searched.
    """
    T, N = grid.T, grid.N
    nv = diffs.shape[-1]
    if lo > 0:
        m = lo - 1
    elif hi > 0:
        m = 0
    else:
        raise ValueError(f"{spec.label()}: lag(0 0) in both equations needs a lead for levels; not supported")
    lag_stop = hi - 1
    if spec.collapse:
        extra = np.zeros((N, 2 * T, nv))
        extra[:, T + m:] = diffs[:, : T - m]
        lev_touse = touse[:, T:].reshape(-1)
        lag = m
        for c in range(nv):
            flat = extra[:, T:, c].reshape(-1)
            while lag < lag_stop and not np.any((flat != 0) & lev_touse):
                flat = np.concatenate([[0.0], flat[:-1]])
                lag += 1
            extra[:, T:, c] = flat.reshape(N, T)
        names = [f"level: DL{m}.{v}" for v in names_v]
        return extra, names
    extra = np.zeros((N, 2 * T, T, nv))
    periods = np.arange(0, T - m)
    extra[:, T + periods + m, periods] = diffs[:, periods]
    names = [f"level: DL{m}.{v} [{grid.periods[s]}]" for s in range(T) for v in names_v]
    return extra.reshape(N, 2 * T, T * nv), names
