"""The one result shape every estimator kind returns (in the spirit of linearmodels' PanelResults).

A fit has one or more equations (the main one; IV first stages; the mediator and outcome equations;
one per subsample group; fe / re / difference of a Hausman test), each a coefficient table with its
statistic kind (t or z) and dependent variable; fit statistics as plain fields; and a list of typed
diagnostics. The results writer (models_py/tables/regression.py) turns exactly this into the rows of
results.regression_coefficients, results.regression_fits and results.model_diagnostics; the table
layout, the Dagster preview and the reports read those rows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from models_py.estimators.diagnostic import Diagnostic

NAN = float("nan")


def number(value) -> float:
    """A float, NaN for anything missing or not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return NAN


@dataclass(frozen=True)
class Equation:
    """One equation's coefficients: Series indexed by term."""

    params: pd.Series
    std_errors: pd.Series
    stats: pd.Series
    pvalues: pd.Series
    stat_kind: str = "t"  # t or z: the distribution of `stats`
    depvar: str | None = None  # None: the column's dependent variable

    @classmethod
    def of(cls, fit, stat_kind: str = "t", depvar: str | None = None, stats=None) -> "Equation":
        """The coefficient table of an estimator's result object (tstats, or `stats` if given)."""
        return cls(fit.params, fit.std_errors, fit.tstats if stats is None else stats, fit.pvalues, stat_kind, depvar)

    def rows(self):
        """(term, estimate, std_error, stat, p) as floats, in the order of `params`."""
        for term in self.params.index:
            yield (str(term), number(self.params[term]), number(self.std_errors[term]), number(self.stats[term]),
                   number(self.pvalues[term]))


@dataclass(frozen=True)
class PanelResults:
    """What a declared column's fit reports. `equations` holds every reported equation in the order
    its coefficients are written; `params` … `stat_kind` are those of the `primary` one."""

    nobs: int
    equations: dict[str, Equation]
    primary: str = "main"
    r2: float = NAN
    r2_adj: float = NAN
    r2_within: float = NAN
    fstat: float = NAN
    df_resid: float = NAN
    n_clusters: int | None = None
    vcov_type: str | None = None
    cluster: str | None = None
    absorbed: tuple[str, ...] = ()
    region_fe: bool = False
    year_fe: bool = False
    singletons_dropped: int = 0
    missing_dropped: int = 0
    collinear_dropped: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)  # the estimator's UserWarnings, as notes too

    def __post_init__(self) -> None:  # the writer's types: ints, floats, tuples
        object.__setattr__(self, "nobs", int(self.nobs))
        for name in ("r2", "r2_adj", "r2_within", "fstat", "df_resid"):
            object.__setattr__(self, name, number(getattr(self, name)))
        object.__setattr__(self, "n_clusters", int(self.n_clusters) if self.n_clusters else None)
        object.__setattr__(self, "singletons_dropped", int(self.singletons_dropped or 0))
        object.__setattr__(self, "missing_dropped", int(self.missing_dropped or 0))
        object.__setattr__(self, "absorbed", tuple(self.absorbed))
        object.__setattr__(self, "collinear_dropped", tuple(self.collinear_dropped))
        object.__setattr__(self, "diagnostics", tuple(self.diagnostics))

    @property
    def main(self) -> Equation:
        return self.equations[self.primary]

    @property
    def params(self) -> pd.Series:
        return self.main.params

    @property
    def std_errors(self) -> pd.Series:
        return self.main.std_errors

    @property
    def stats(self) -> pd.Series:
        return self.main.stats

    @property
    def pvalues(self) -> pd.Series:
        return self.main.pvalues

    @property
    def stat_kind(self) -> str:
        return self.main.stat_kind


class Diagnostics(list):
    """The diagnostics of a fit being assembled, with the writer's rules for missing values."""

    def add(self, name: str, value, *, df=None, df2=None, p=None, note=None, equation="main") -> None:
        """Append a diagnostic unless its value is missing (NaN) and it has no note."""
        value = number(value)
        if math.isnan(value) and note is None:
            return
        optional = lambda v: None if v is None or math.isnan(number(v)) else number(v)  # noqa: E731
        self.append(Diagnostic(name, None if math.isnan(value) else value, optional(df), optional(df2), optional(p),
                               note, equation))

    def notes(self, notes, equation: str = "main") -> None:
        """One estimator_note row per distinct note."""
        for note in dict.fromkeys(notes or ()):
            self.append(Diagnostic("estimator_note", None, note=str(note), equation=equation))

    def equation_fit(self, fit, equation: str) -> None:
        """nobs / r2_within / n_clusters of a secondary equation (the fit fields hold the main one's)."""
        self.add("nobs", fit.nobs, equation=equation)
        self.add("r2_within", getattr(fit, "rsquared_within", NAN), equation=equation)
        if getattr(fit, "n_clusters", None):
            self.add("n_clusters", fit.n_clusters, equation=equation)
