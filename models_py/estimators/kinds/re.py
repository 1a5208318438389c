"""re: xtreg, re (Swamy–Arora) with optional year dummies."""
from __future__ import annotations

from models_py.estimators.kinds.base import UTEST_ROWS, Kind, TableRow, only_panel_effects, utest_diagnostics
from models_py.estimators.panel import TIME, UNIT
from models_py.estimators.random_effects import fit_random_effects
from models_py.estimators.results import NAN, Diagnostics, Equation, PanelResults

WALD_ROW = TableRow("wald_chi2", "Wald χ² [p]", "Wald χ² [p]", "value_p", 240)


def check_random_effects(where, column, kind: str) -> None:
    if not only_panel_effects(column):
        raise where.error("absorb", f"{kind} has random region effects; absorb may only name "
                                    f"{UNIT} and {TIME} (year dummies), got {list(column.absorb)}")


def re_diagnostics(out: Diagnostics, res, equation: str = "main") -> None:
    """σ_u, σ_e, ρ, θ (and its distribution when unbalanced), the three R², the Wald test."""
    d = res.diagnostics
    for key in ("sigma_u", "sigma_e", "rho", "theta"):
        out.add(key, d.get(key, NAN), equation=equation)
    for key, name in (("thta_min", "theta_min"), ("thta_5", "theta_p5"), ("thta_50", "theta_p50"),
                      ("thta_95", "theta_p95"), ("thta_max", "theta_max")):
        out.add(name, d.get(key, NAN), equation=equation)
    for key in ("r2_w", "r2_b", "r2_o"):
        out.add(key, d.get(key, NAN), equation=equation)
    out.add("wald_chi2", res.wald_chi2, df=res.wald_df, p=res.wald_pvalue, equation=equation)


class RandomEffects(Kind):
    name = "re"
    label = ("RE", "RE")
    allows_squared = True
    absorbs = False
    table_rows = (WALD_ROW, *UTEST_ROWS)

    def options(self, where, raw, column) -> None:
        check_random_effects(where, column, self.name)
        if column.vcov == "hc1":
            raise where.error("vcov", "re supports unadjusted or cluster (xtreg, re vce(robust) clusters by "
                                      "region: write vcov: cluster)")
        return None

    def fit(self, data, column) -> PanelResults:
        time_effects = TIME in column.absorb
        res = fit_random_effects(data, column.depvar, list(column.terms), unit=UNIT, time_effects=time_effects,
                                 vcov=column.vcov, cluster=column.cluster, time=TIME)
        out = Diagnostics()
        re_diagnostics(out, res)
        utest_diagnostics(out, res, column, data, [column.depvar, *column.terms, UNIT, column.cluster])
        out.notes(res.notes)
        return PanelResults(
            equations={"main": Equation.of(res, "z")}, diagnostics=out, nobs=res.nobs, r2=res.rsquared_overall,
            r2_within=res.rsquared_within, n_clusters=res.n_clusters, vcov_type=res.vcov_type,
            cluster=res.cluster, year_fe=time_effects, missing_dropped=res.dropped.get("missing", 0),
            collinear_dropped=tuple(res.dropped.get("collinear", ())))


KIND = RandomEffects()
