"""What an estimator kind is: its YAML options, the columns it needs, its fit, how tables show it.

A kind is one module in this package holding one ``Kind`` subclass instance (``KIND``); the
registry (models_py/estimators/registry.py) lists them. The declaration parser, the panel
preparation, the results writer and the table layout ask the kind instead of naming kinds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from models_py.estimators.inverted_u import utest
from models_py.estimators.numerics import complete_rows
from models_py.estimators.panel import TIME, UNIT
from models_py.estimators.results import NAN, Diagnostics, PanelResults
from models_py.manifest.fields import Where


@dataclass(frozen=True)
class TableRow:
    """A diagnostic shown as a row of the regression table when any column has it. `rank` orders
    the rows of all kinds in one table; `cell` is a format name of models_py/tables/layout.py
    (value_p, p_only, value, value_ci, weak_id, ci_bc)."""

    statistic: str
    label_zh: str
    label_en: str
    cell: str
    rank: int


class Kind:
    """Base of every estimator kind; the class attributes are the defaults."""

    name: ClassVar[str]
    label: ClassVar[tuple[str, str]] = ("FE", "FE")  # the 估计方法 / Estimator row (zh, en)
    section: ClassVar[str | None] = None  # the column's YAML key holding this kind's options
    section_required: ClassVar[bool] = False
    allows_squared: ClassVar[bool] = False  # `squared:` (inverted-U term and Lind–Mehlum test)
    absorbs: ClassVar[bool] = True  # `absorb` names factors the panel must have
    clusters: ClassVar[bool] = True  # `cluster` names a panel column
    prebuilt_lags: ClassVar[bool] = True  # L<n>.x columns built before the fit (gmm builds its own)
    equation_labels: ClassVar[dict[str, tuple[str, str]]] = {}  # column-header suffix per equation
    main_equation_label: ClassVar[tuple[str, str] | None] = None  # for 'main' when it has siblings
    shown_equations: ClassVar[tuple[str, ...] | None] = None  # equations a table shows (None: all)
    stacked_equations: ClassVar[tuple[str, ...]] = ()  # shown as a block beneath main, in its column
    table_rows: ClassVar[tuple[TableRow, ...]] = ()
    vcov_names: ClassVar[dict[str, tuple[str, str]]] = {}  # table-note text (zh, en) of a VCE only this kind writes
    spec: ClassVar[type | None] = None  # the dataclass `options` returns (its fields: the YAML keys)

    def regressors_required(self, raw_options: Any) -> bool:
        """Whether `regressors` must name at least one column, given the raw option section."""
        return True

    def options(self, where: Where, raw: dict | None, column) -> Any:
        """The parsed option section (None when the kind has none), after checking it against the
        column's common fields; raise where.error(key, problem) on a mistake."""
        return None

    def option_schema(self) -> dict:
        """JSON Schema of the option section (models_py/manifest/schema.py), from `spec`'s fields."""
        from models_py.manifest.schema import dataclass_schema

        return dataclass_schema(self.spec) if self.spec else {"type": "object"}

    def variables(self, column) -> list[str]:
        """Variables the options name beyond depvar, regressors and controls (instruments …)."""
        return []

    def grouping(self, column) -> list[str]:
        """Further panel columns the fit needs (a group variable …)."""
        return []

    def term_label(self, term: str, column, label_of) -> tuple[str, str] | None:
        """(zh, en) label of a term the fit generates (threshold regime terms …), None if not one;
        ``label_of(name)`` gives a panel variable's (zh, en) label."""
        return None

    def fit(self, data: pd.DataFrame, column) -> PanelResults:
        raise NotImplementedError


def one_regressor(where: Where, column, kind: str, role: str) -> str:
    """The column's single regressor (mediation's treatment, moderation's core variable x)."""
    if len(column.regressors) != 1:
        raise where.error("regressors", f"{kind} needs exactly one regressor ({role}), got {list(column.regressors)}")
    return column.regressors[0]


def only_panel_effects(column) -> bool:
    """Whether `absorb` names no more than the unit and the time variable (random effects, GMM)."""
    return set(column.absorb) <= {UNIT, TIME}


def fe_fit_fields(res, absorb) -> dict:
    """PanelResults fit fields of a fixed-effects or IV fit (reghdfe's / ivreghdfe's)."""
    return dict(nobs=res.nobs, r2=res.rsquared, r2_adj=getattr(res, "rsquared_adj", NAN), r2_within=res.rsquared_within,
                fstat=res.fstat, df_resid=res.df_resid, n_clusters=res.n_clusters, vcov_type=res.vcov_type,
                cluster=res.cluster, absorbed=tuple(absorb), region_fe=UNIT in absorb, year_fe=TIME in absorb,
                singletons_dropped=res.dropped.get("singletons", 0), missing_dropped=res.dropped.get("missing", 0),
                collinear_dropped=tuple(res.dropped.get("collinear", ())))


def utest_diagnostics(out: Diagnostics, res, column, data: pd.DataFrame, used: list) -> None:
    """Lind–Mehlum test over [min, max] of the squared variable in the rows complete in the model."""
    if not column.squared:
        return
    x = complete_rows(data, used)[column.squared].astype(float)
    if x.empty or not x.min() < x.max():
        raise ValueError(f"{column.squared!r} has no range in the estimation sample; the U test needs one")
    df = getattr(res, "df_resid", None)
    if getattr(res, "small", True) is False:  # GMM without small: z statistics
        df = None
    u = utest(res, column.squared, column.squared_term, float(x.min()), float(x.max()), df=df)
    shape = "inverted U" if u.shape == "inverted_u" else "U"
    out.add("turning_point", u.turning_point, note=f"H1: {shape} on [{u.x_lower:.6g}, {u.x_upper:.6g}]")
    out.add("turning_point_se", u.turning_point_se)
    if u.fieller_bounded:
        out.add("turning_point_ci_lower", u.fieller_lower, note=f"Fieller {u.level:.0%}")
        out.add("turning_point_ci_upper", u.fieller_upper, note=f"Fieller {u.level:.0%}")
    out.add("lind_mehlum_x_min", u.x_lower)
    out.add("lind_mehlum_x_max", u.x_upper)
    out.add("slope_at_min", u.slope_lower, df=u.df, p=u.slope_lower_p)
    out.add("slope_at_min_se", u.slope_lower_se)
    out.add("slope_at_min_t", u.slope_lower_t, df=u.df, p=u.slope_lower_p)
    out.add("slope_at_max", u.slope_upper, df=u.df, p=u.slope_upper_p)
    out.add("slope_at_max_se", u.slope_upper_se)
    out.add("slope_at_max_t", u.slope_upper_t, df=u.df, p=u.slope_upper_p)
    out.add("lind_mehlum_t", u.t, df=u.df, p=u.p, note=f"H1: {shape}" + "".join(f"; {n}" for n in u.notes))


# Rows every kind with `squared:` shows (the Lind–Mehlum test), after the kinds' own rows.
UTEST_ROWS = (
    TableRow("turning_point", "拐点", "Turning point", "value", 900),
    TableRow("lind_mehlum_t", "U 型检验 (Lind–Mehlum) t [p]", "U test (Lind–Mehlum) t [p]", "value_p", 910),
)

