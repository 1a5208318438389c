"""iv: ivreghdfe 2SLS with first stages and the weak-identification / overidentification tests.

    estimator: iv
    iv: {endog: [x], instruments: [z1, z2], first_stage: true}
"""
from __future__ import annotations

from dataclasses import dataclass

from models_py.estimators.iv import fit_iv
from models_py.estimators.kinds.base import UTEST_ROWS, Kind, TableRow, fe_fit_fields, utest_diagnostics
from models_py.estimators.results import NAN, Diagnostics, Equation, PanelResults
from models_py.manifest import fields


@dataclass(frozen=True)
class IvSpec:
    endog: tuple[str, ...]
    instruments: tuple[str, ...]
    first_stage: bool = True  # write the first-stage coefficients (equation first_stage:<endog>)


TESTS = {  # statistic → (its p key, df kind)
    "anderson_lm": ("anderson_lm_p", "id"),
    "kp_rk_lm": ("kp_rk_lm_p", "id"),
    "cragg_donald_f": (None, "f"),
    "kp_rk_wald_f": (None, "f"),
    "sargan": ("sargan_p", "overid"),
    "hansen_j": ("hansen_j_p", "overid"),
}


class InstrumentalVariables(Kind):
    name = "iv"
    label = ("2SLS", "2SLS")
    section = "iv"
    spec = IvSpec
    section_required = True
    allows_squared = True
    main_equation_label = ("第二阶段", "second stage")
    table_rows = (
        TableRow("first_stage_f", "第一阶段 F 值 [p]", "First-stage F [p]", "value_p", 100),
        TableRow("anderson_lm", "Anderson canon. corr. LM [p]", "Anderson canon. corr. LM [p]", "value_p", 110),
        TableRow("kp_rk_lm", "Kleibergen-Paap rk LM [p]", "Kleibergen-Paap rk LM [p]", "value_p", 120),
        TableRow("cragg_donald_f", "Cragg-Donald Wald F {Stock-Yogo 10%}", "Cragg-Donald Wald F {Stock-Yogo 10%}",
                 "weak_id", 130),
        TableRow("kp_rk_wald_f", "Kleibergen-Paap rk Wald F {Stock-Yogo 10%}",
                 "Kleibergen-Paap rk Wald F {Stock-Yogo 10%}", "weak_id", 140),
        TableRow("hansen_j", "Hansen J [p]", "Hansen J [p]", "value_p", 150),
        *UTEST_ROWS,
    )

    def options(self, where, raw, column) -> IvSpec:
        fields.unknown_keys(where, raw, ("endog", "instruments", "first_stage"), "iv.")
        iv = IvSpec(
            endog=fields.names(where, "iv.endog", raw.get("endog"), allow_empty=False),
            instruments=fields.names(where, "iv.instruments", raw.get("instruments"), allow_empty=False),
            first_stage=fields.flag(where, "iv.first_stage", raw.get("first_stage", True)),
        )
        stray = [e for e in iv.endog if e not in (*column.regressors, *column.controls)]
        if stray:
            raise where.error("iv.endog", f"{stray} must be listed among the regressors")
        clash = [z for z in iv.instruments if z in (*column.regressors, *column.controls, column.depvar)]
        if clash:
            raise where.error("iv.instruments", f"{clash} are also regressors or the dependent variable")
        if len(iv.instruments) < len(iv.endog):
            raise where.error("iv.instruments", f"{len(iv.instruments)} instrument(s) for {len(iv.endog)} "
                                                "endogenous regressor(s): the model is not identified")
        if column.squared in iv.endog:
            raise where.error("squared", "the squared variable must be exogenous")
        return iv

    def variables(self, column) -> list[str]:
        return list(column.iv.instruments)

    def fit(self, data, column) -> PanelResults:
        spec = column.iv
        endog = list(spec.endog)
        exog = [t for t in column.terms if t not in endog]
        res = fit_iv(data, column.depvar, exog=exog, endog=endog, instruments=list(spec.instruments),
                     absorb=list(column.absorb), vcov=column.vcov, cluster=column.cluster)
        equations: dict[str, Equation] = {}
        out = Diagnostics()
        L1, K1 = len(spec.instruments), len(endog)
        for name, fs in res.first_stage.items():
            equation = f"first_stage:{name}"
            if spec.first_stage:
                equations[equation] = Equation.of(fs, depvar=name)
            out.add("first_stage_f", fs.partial_f, df=fs.partial_f_df[0], df2=fs.partial_f_df[1],
                    p=fs.partial_f_pvalue, equation=equation)
            out.add("first_stage_partial_r2", fs.partial_r2, equation=equation)
            out.add("first_stage_shea_r2", fs.shea_partial_r2, equation=equation)
        equations["main"] = Equation.of(res)
        d = res.diagnostics
        dfs = {"id": L1 - K1 + 1, "overid": L1 - K1, "f": L1}
        for statistic, (p_key, kind) in TESTS.items():
            out.add(statistic, d.get(statistic, NAN), df=dfs[kind], p=d.get(p_key) if p_key else None)
        for key in sorted(k for k in d if k.startswith("stock_yogo_")):
            out.add(key, d[key])
        out.add("n_excluded_instruments", L1)
        out.add("n_endogenous", K1)
        out.add("f_model", res.fstat, df=res.df_model, df2=res.df_resid, p=res.f_pvalue)
        utest_diagnostics(out, res, column, data,
                          [column.depvar, *column.terms, *spec.instruments, *column.absorb, column.cluster])
        out.notes(res.notes)
        return PanelResults(equations=equations, diagnostics=out, **fe_fit_fields(res, column.absorb))


KIND = InstrumentalVariables()
