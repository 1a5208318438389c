"""hausman: FE against RE, as `hausman fe re` (form stata) or the Mundlak cluster-robust Wald test.

    estimator: hausman
    hausman: {form: stata | mundlak, sigma: default | sigmamore | sigmaless}
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from models_py.estimators.fixed_effects import fit_fixed_effects
from models_py.estimators.kinds.base import Kind, TableRow, fe_fit_fields
from models_py.estimators.kinds.re import WALD_ROW, check_random_effects, re_diagnostics
from models_py.estimators.panel import TIME, UNIT
from models_py.estimators.random_effects import fit_random_effects, hausman_test, mundlak_test, time_dummies
from models_py.estimators.results import NAN, Diagnostics, Equation, PanelResults
from models_py.manifest import fields

FORMS = ("stata", "mundlak")
SIGMA = ("default", "sigmamore", "sigmaless")


@dataclass(frozen=True)
class HausmanSpec:
    form: str = field(default="stata", metadata={"choices": FORMS})
    sigma: str = field(default="default", metadata={"choices": SIGMA})


class Hausman(Kind):
    name = "hausman"
    label = ("Hausman", "Hausman")
    section = "hausman"
    spec = HausmanSpec
    absorbs = False
    equation_labels = {"difference": ("差异", "difference"), "fe": ("FE", "FE"), "re": ("RE", "RE")}
    table_rows = (WALD_ROW, TableRow("hausman_chi2", "Hausman χ² [p]", "Hausman χ² [p]", "value_p", 300))

    def options(self, where, raw, column) -> HausmanSpec:
        check_random_effects(where, column, self.name)
        raw = raw or {}
        fields.unknown_keys(where, raw, ("form", "sigma"), "hausman.")
        return HausmanSpec(form=fields.choice(where, "hausman.form", raw.get("form", "stata"), FORMS),
                           sigma=fields.choice(where, "hausman.sigma", raw.get("sigma", "default"), SIGMA))

    def fit(self, data, column) -> PanelResults:
        spec = column.hausman
        time_effects = TIME in column.absorb
        regressors = list(column.terms)
        out = Diagnostics()
        if spec.form == "stata":
            # xtreg y x [i.year], fe / re (conventional VCE: hausman refuses robust ones), hausman fe re
            frame, fe_regressors = data, regressors
            if time_effects:
                dummies, names = time_dummies(data, TIME)
                clash = sorted(set(names) & set(data.columns))
                if clash:
                    raise ValueError(f"year dummies would replace existing columns {clash}")
                frame, fe_regressors = pd.concat([data, dummies], axis=1), regressors + names
            fe = fit_fixed_effects(frame, column.depvar, fe_regressors, absorb=[UNIT], vcov="unadjusted",
                                   cluster=None, drop_singletons=False)
            re = fit_random_effects(data, column.depvar, regressors, unit=UNIT, time_effects=time_effects,
                                    vcov="unadjusted", time=TIME)
            res = hausman_test(fe, re, sigma=spec.sigma)
            terms = list(res.terms)
            missing = pd.Series(NAN, index=terms)
            equations = {
                "fe": Equation.of(fe),
                "re": Equation.of(re, "z"),
                "difference": Equation(res.difference[terms], res.se_difference[terms], missing, missing),
            }
            out.add("hausman_chi2", res.statistic, df=res.df, p=res.pvalue, note=f"hausman fe re, sigma={spec.sigma}")
            out.add("hausman_rank", res.diagnostics.get("hausman_rank", NAN))
            re_diagnostics(out, re, equation="re")
            out.notes(res.notes)
            fit = {**fe_fit_fields(fe, (UNIT,)), "year_fe": time_effects}
            return PanelResults(equations=equations, primary="difference", diagnostics=out, **fit)
        res = mundlak_test(data, column.depvar, regressors, unit=UNIT, time_effects=time_effects,
                           cluster=column.cluster, time=TIME)
        aux = res.auxiliary
        out.add("hausman_chi2", res.statistic, df=res.df, p=res.pvalue,
                note="Mundlak form: RE with region means, cluster-robust Wald test of the means")
        out.notes(res.notes)
        return PanelResults(equations={"main": Equation.of(aux, "z")}, diagnostics=out, nobs=aux.nobs,
                            r2=aux.rsquared_overall, r2_within=aux.rsquared_within, n_clusters=aux.n_clusters,
                            vcov_type=aux.vcov_type, cluster=aux.cluster, year_fe=time_effects)


KIND = Hausman()
