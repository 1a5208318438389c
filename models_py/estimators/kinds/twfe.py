"""twfe: reghdfe with the declared absorbed factors (the default kind)."""
from __future__ import annotations

from models_py.estimators.fixed_effects import fit_fixed_effects
from models_py.estimators.kinds.base import UTEST_ROWS, Kind, fe_fit_fields, utest_diagnostics
from models_py.estimators.results import Diagnostics, Equation, PanelResults


class TwoWayFixedEffects(Kind):
    name = "twfe"
    allows_squared = True
    table_rows = UTEST_ROWS

    def fit(self, data, column) -> PanelResults:
        res = fit_fixed_effects(data, column.depvar, list(column.terms), absorb=list(column.absorb),
                                vcov=column.vcov, cluster=column.cluster)
        out = Diagnostics()
        out.add("f_model", res.fstat, df=res.df_model, df2=res.df_resid, p=res.f_pvalue)
        utest_diagnostics(out, res, column, data, [column.depvar, *column.terms, *column.absorb, column.cluster])
        out.notes(res.notes)
        return PanelResults(equations={"main": Equation.of(res)}, diagnostics=out,
                            **fe_fit_fields(res, column.absorb))


KIND = TwoWayFixedEffects()
