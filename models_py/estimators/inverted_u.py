"""The Lind–Mehlum (2010) test of a U or inverted-U relationship, as Stata's ``utest``.

Lind, J. T. and H. Mehlum (2010), "With or without U? The appropriate test for a U-shaped
relationship", Oxford Bulletin of Economics and Statistics 72(1): 109-118; their Stata command
``utest x x_sq [, fieller level(95)]`` after a regression of y on x, x² (and anything else).

For y = … + b1·x + b2·x² + …, with V the covariance of (b1, b2) from the fitted model:

* slope at x:        s(x) = b1 + 2·b2·x,   se(s(x)) = sqrt(V11 + 4x·V12 + 4x²·V22),   t(x) = s/se;
* turning point:     x* = −b1 / (2·b2); delta-method se with the gradient
                     (∂x*/∂b1, ∂x*/∂b2) = (−1/(2 b2), b1/(2 b2²)) (what ``nlcom -_b[x]/(2*_b[x_sq])``
                     prints);
* Fieller interval:  the θ with (b1 + 2 b2 θ)² ≤ c² · Var(b1 + 2 b2 θ), c the two-sided critical
                     value at ``level``: the roots of (b2² − c²V22)θ² + (b1 b2 − c²V12)θ +
                     (b1² − c²V11)/4 = 0. Bounded only when b2² > c²V22 (b2 significant) and the
                     discriminant is non-negative; otherwise the set is unbounded (NaN bounds and
                     a note), as Fieller sets can be;
* the test on the interval [x_l, x_h] (default: the sample minimum and maximum of x):
  inverted U (b2 < 0):  H1: s(x_l) > 0 and s(x_h) < 0;  t = min(t(x_l), −t(x_h));
  U (b2 > 0):           H1: s(x_l) < 0 and s(x_h) > 0;  t = min(−t(x_l), t(x_h));
  p = P(T > t), one-sided, T ~ t(df) with the model's residual df (normal when it has none, e.g.
  z-based estimators), which is what utest reports as "Overall test of presence of a (Inverse) U
  shape: t-value, P>|t|". Each bound's p is the one-sided p of its own slope in the direction of
  H1. When x* lies outside [x_l, x_h] one slope has the wrong sign, t ≤ 0 and p ≥ 0.5 (utest:
  "Extremum outside interval - trivial failure to reject H0"); the result carries that note.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special

NAN = float("nan")


def _upper_tail(t: float, df: float | None) -> float:
    """P(T > t): t(df) when df is a positive number, else the standard normal."""
    if not np.isfinite(t):
        return NAN
    if df is not None and np.isfinite(df) and df > 0:
        return float(special.stdtr(df, -t))
    return float(special.ndtr(-t))


def _critical(level: float, df: float | None) -> float:
    q = 0.5 + level / 2
    if df is not None and np.isfinite(df) and df > 0:
        return float(special.stdtrit(df, q))
    return float(special.ndtri(q))


@dataclass
class UTestResult:
    shape: str                      # "inverted_u" (b2 < 0) or "u" (b2 > 0)
    b1: float
    b2: float
    turning_point: float
    turning_point_se: float
    fieller_lower: float
    fieller_upper: float
    fieller_bounded: bool
    level: float
    x_lower: float
    x_upper: float
    slope_lower: float
    slope_lower_se: float
    slope_lower_t: float
    slope_lower_p: float            # one-sided, in the direction of H1
    slope_upper: float
    slope_upper_se: float
    slope_upper_t: float
    slope_upper_p: float
    t: float                        # overall Lind–Mehlum t
    p: float                        # its one-sided p
    df: float | None
    extremum_in_interval: bool
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        name = "Inverse U shape" if self.shape == "inverted_u" else "U shape"
        lines = [
            f"Extreme point: {self.turning_point:.6g} (se {self.turning_point_se:.6g}); "
            f"{self.level:.0%} Fieller interval [{self.fieller_lower:.6g}, {self.fieller_upper:.6g}]",
            f"H1: {name}  vs. H0: Monotone or {'U shape' if self.shape == 'inverted_u' else 'Inverse U shape'}",
            f"{'':>10} {'Lower bound':>14} {'Upper bound':>14}",
            f"{'Interval':>10} {self.x_lower:>14.6g} {self.x_upper:>14.6g}",
            f"{'Slope':>10} {self.slope_lower:>14.6g} {self.slope_upper:>14.6g}",
            f"{'t-value':>10} {self.slope_lower_t:>14.4f} {self.slope_upper_t:>14.4f}",
            f"{'P>|t|':>10} {self.slope_lower_p:>14.4f} {self.slope_upper_p:>14.4f}",
            f"Overall test of presence of a {name}: t-value = {self.t:.4f}, P>|t| = {self.p:.4f}",
        ]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def lind_mehlum(b1: float, b2: float, cov: np.ndarray, x_lower: float, x_upper: float,
                df: float | None = None, level: float = 0.95) -> UTestResult:
    """The test from the two coefficients, their 2 × 2 covariance (order b1, b2) and the
    interval; ``df`` the residual df of the model (None: normal); ``level`` of the Fieller set."""
    cov = np.asarray(cov, dtype=float)
    if cov.shape != (2, 2):
        raise ValueError(f"cov must be the 2 x 2 covariance of (b1, b2), got shape {cov.shape}")
    if not (np.isfinite(b1) and np.isfinite(b2)) or b2 == 0:
        raise ValueError("the coefficient of the squared term is zero or not finite: no turning point")
    if not x_lower < x_upper:
        raise ValueError(f"the interval must have x_lower < x_upper, got [{x_lower}, {x_upper}]")
    v11, v12, v22 = float(cov[0, 0]), float((cov[0, 1] + cov[1, 0]) / 2), float(cov[1, 1])
    shape = "inverted_u" if b2 < 0 else "u"
    notes: list[str] = []

    def slope(x: float) -> tuple[float, float, float]:
        s = b1 + 2 * b2 * x
        se = float(np.sqrt(v11 + 4 * x * v12 + 4 * x * x * v22))
        return s, se, s / se

    s_l, se_l, t_l = slope(x_lower)
    s_h, se_h, t_h = slope(x_upper)
    sign = 1.0 if shape == "inverted_u" else -1.0          # direction of H1 at the lower bound
    t = min(sign * t_l, -sign * t_h)
    extremum = -b1 / (2 * b2)
    grad = np.array([-1 / (2 * b2), b1 / (2 * b2**2)])
    extremum_se = float(np.sqrt(grad @ np.array([[v11, v12], [v12, v22]]) @ grad))

    c = _critical(level, df)
    a_ = b2**2 - c**2 * v22
    b_ = b1 * b2 - c**2 * v12
    c_ = (b1**2 - c**2 * v11) / 4
    disc = b_**2 - 4 * a_ * c_
    if a_ > 0 and disc >= 0:
        roots = sorted(((-b_ - np.sqrt(disc)) / (2 * a_), (-b_ + np.sqrt(disc)) / (2 * a_)))
        lower, upper, bounded = float(roots[0]), float(roots[1]), True
    else:
        lower = upper = NAN
        bounded = False
        notes.append(f"the {level:.0%} Fieller set of the turning point is unbounded "
                     "(the squared term is not significant at that level)")
    inside = x_lower <= extremum <= x_upper
    if not inside:
        notes.append("Extremum outside interval - trivial failure to reject H0")
    return UTestResult(
        shape=shape, b1=float(b1), b2=float(b2), turning_point=float(extremum), turning_point_se=extremum_se,
        fieller_lower=lower, fieller_upper=upper, fieller_bounded=bounded, level=level,
        x_lower=float(x_lower), x_upper=float(x_upper),
        slope_lower=s_l, slope_lower_se=se_l, slope_lower_t=t_l, slope_lower_p=_upper_tail(sign * t_l, df),
        slope_upper=s_h, slope_upper_se=se_h, slope_upper_t=t_h, slope_upper_p=_upper_tail(-sign * t_h, df),
        t=float(t), p=_upper_tail(t, df), df=df, extremum_in_interval=inside, notes=notes,
    )


def utest(result, linear: str, squared: str, x_lower: float, x_upper: float, level: float = 0.95,
          df: float | None = None) -> UTestResult:
    """``utest linear squared`` after a fitted model with ``params`` and ``cov`` indexed by term
    (any estimator of models_py.estimators). ``df`` defaults to ``result.df_resid`` when the
    model reports t statistics, else the normal distribution is used."""
    for term in (linear, squared):
        if term not in result.params.index:
            raise ValueError(f"{term!r} is not a coefficient of the model (omitted as collinear?)")
    cov = result.cov.loc[[linear, squared], [linear, squared]].to_numpy(dtype=float)
    if df is None:
        df = getattr(result, "df_resid", None)
    return lind_mehlum(float(result.params[linear]), float(result.params[squared]), cov, x_lower, x_upper,
                       df=df, level=level)
