"""Adapters: one declared column + its study panel → a uniform FitOutcome.

Every estimator of models_py.estimators returns its own result object; an adapter turns it into

* coefficient rows: term, estimate, std_error, stat (t or z, ``stat_kind``), p, and the
  ``equation`` the row belongs to ('main', 'first_stage:<endog>', 'mediator', 'outcome', a group
  level such as 'east', 'difference', 'fe' / 're'), with the dependent variable of that equation;
* one fit row (nobs, R², clusters, VCE, absorbed effects, FE flags …, the regression_fits columns);
* diagnostic rows (statistic, value, df, df2, p, note, equation) under the names documented in
  docs/results.md.

``prepare_panel`` builds what a declaration asks for before any adapter runs: lag columns
``L<n>.x`` (gap-aware: from the row of year − n of the same region, missing when that year is not
in the panel), the squared term ``x_sq``, then the sample filter (Stata's ``if``: lags are built
on the whole panel first). GMM columns get no pre-built lags: xtabond2's own grid does that.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from models_py.declarations import TIME, UNIT, RegressionColumn, lag_expression, squared_name
from models_py.estimators.fixed_effects import fit_fixed_effects
from models_py.estimators.gmm import fit_dynamic_panel
from models_py.estimators.gmm_instruments import GmmStyle, IvStyle, split_lag
from models_py.estimators.heterogeneity import fit_subsamples, interaction_test, permutation_test
from models_py.estimators.inverted_u import utest
from models_py.estimators.iv import fit_iv
from models_py.estimators.mediation import fit_mediation
from models_py.estimators.random_effects import _time_dummies, fit_random_effects, hausman_test, mundlak_test

NAN = float("nan")


# --------------------------------------------------------------------------- the uniform outcome


@dataclass
class CoefficientRow:
    term: str
    estimate: float
    std_error: float
    stat: float
    p: float
    equation: str = "main"
    depvar: str | None = None
    stat_kind: str = "t"


@dataclass
class DiagnosticRow:
    statistic: str
    value: float | None
    df: float | None = None
    df2: float | None = None
    p: float | None = None
    note: str | None = None
    equation: str = "main"


@dataclass
class FitOutcome:
    coefficients: list[CoefficientRow]
    fit: dict
    diagnostics: list[DiagnosticRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _num(value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return NAN
    return value


def _coefficients(params, std_errors, stats, pvalues, equation: str, depvar: str, kind: str) -> list[CoefficientRow]:
    return [
        CoefficientRow(str(term), _num(params[term]), _num(std_errors[term]), _num(stats[term]), _num(pvalues[term]),
                       equation, depvar, kind)
        for term in params.index
    ]


def _diag(out: list, statistic: str, value, *, df=None, df2=None, p=None, note=None, equation="main") -> None:
    """Append a diagnostic row unless its value is missing (NaN) and it has no note."""
    value = _num(value)
    if math.isnan(value) and note is None:
        return
    out.append(DiagnosticRow(statistic, None if math.isnan(value) else value,
                             None if df is None or math.isnan(_num(df)) else _num(df),
                             None if df2 is None or math.isnan(_num(df2)) else _num(df2),
                             None if p is None or math.isnan(_num(p)) else _num(p), note, equation))


def _notes(out: list, notes, equation: str = "main") -> None:
    for note in dict.fromkeys(notes or ()):
        out.append(DiagnosticRow("estimator_note", None, note=str(note), equation=equation))


def _fit_row(column: RegressionColumn, *, nobs, r2=NAN, r2_adj=NAN, r2_within=NAN, fstat=None, df_resid=None,
             n_clusters=None, vcov_type=None, cluster=None, absorbed=(), region_fe=False, year_fe=False,
             singletons=0, missing=0, collinear=()) -> dict:
    return {
        "estimator": column.estimator,
        "depvar": column.depvar,
        "nobs": int(nobs),
        "r2": _num(r2),
        "r2_adj": _num(r2_adj),
        "r2_within": _num(r2_within),
        "fstat": _num(fstat) if fstat is not None else NAN,
        "df_resid": _num(df_resid) if df_resid is not None else NAN,
        "n_clusters": int(n_clusters) if n_clusters else None,
        "vcov_type": vcov_type,
        "cluster": cluster,
        "absorbed": ", ".join(absorbed) or None,
        "region_fe": bool(region_fe),
        "year_fe": bool(year_fe),
        "has_controls": bool(column.controls),
        "singletons_dropped": int(singletons or 0),
        "missing_dropped": int(missing or 0),
        "collinear_dropped": ", ".join(collinear) or None,
        "column_title": column.title,
        "sample_filter": column.sample.describe() if column.sample else None,
    }


def _fe_fit_row(column: RegressionColumn, res, absorb) -> dict:
    return _fit_row(
        column, nobs=res.nobs, r2=res.rsquared, r2_adj=res.rsquared_adj, r2_within=res.rsquared_within,
        fstat=res.fstat, df_resid=res.df_resid, n_clusters=res.n_clusters, vcov_type=res.vcov_type,
        cluster=res.cluster, absorbed=tuple(absorb), region_fe=UNIT in absorb, year_fe=TIME in absorb,
        singletons=res.dropped.get("singletons", 0), missing=res.dropped.get("missing", 0),
        collinear=res.dropped.get("collinear", ()),
    )


def _equation_fit(out: list, res, equation: str) -> None:
    """nobs / r2_within / n_clusters of a secondary equation (the fit row holds the main one's)."""
    _diag(out, "nobs", res.nobs, equation=equation)
    _diag(out, "r2_within", getattr(res, "rsquared_within", NAN), equation=equation)
    if getattr(res, "n_clusters", None):
        _diag(out, "n_clusters", res.n_clusters, equation=equation)


# --------------------------------------------------------------------------- panel preparation


def referenced_names(column: RegressionColumn) -> list[str]:
    """Every variable name the column uses (lag expressions as written, generated squared term left out)."""
    names = [column.depvar, *(t for t in column.terms if t != column.squared_term)]
    if column.iv:
        names += column.iv.instruments
    if column.mediation:
        names.append(column.mediation.mediator)
    if column.gmm:
        for spec in column.gmm.gmm:
            names += spec.variables
        for spec in column.gmm.iv or ():
            names += spec.variables
    names += [f"L{n}.{v}" for v, n in column.lags]
    return list(dict.fromkeys(names))


def required_columns(column: RegressionColumn) -> list[str]:
    """Panel columns the column needs (lag expressions reduced to the lagged variable)."""
    names = [split_lag(n)[0] if lag_expression(n) else n for n in referenced_names(column)]
    names += [UNIT, TIME]
    if column.estimator in ("twfe", "iv", "mediation", "subsample", "group_difference"):
        names += column.absorb
    if column.cluster and column.estimator != "gmm":
        names.append(column.cluster)
    if column.subsample:
        names.append(column.subsample.group)
    if column.group_difference:
        names.append(column.group_difference.group)
    if column.sample and column.sample.where_group:
        names.append(column.sample.where_group[0])
    return list(dict.fromkeys(names))


def add_lag(frame: pd.DataFrame, variable: str, n: int) -> pd.Series:
    """x lagged n years within region: the value of (region, year − n), missing when that
    region-year is not in the frame (a gap), as Stata's L<n>. operator after xtset."""
    source = frame[[UNIT, TIME, variable]].copy()
    source[TIME] = source[TIME] + n
    merged = frame[[UNIT, TIME]].merge(source, on=[UNIT, TIME], how="left", validate="one_to_one")
    return pd.Series(merged[variable].to_numpy(), index=frame.index, name=f"L{n}.{variable}")


def prepare_panel(panel: pd.DataFrame, column: RegressionColumn) -> pd.DataFrame:
    """The panel sorted by region and year with the declared lags and squared term, then filtered."""
    duplicated = panel.duplicated([UNIT, TIME])
    if duplicated.any():
        first = panel.loc[duplicated, [UNIT, TIME]].iloc[0].tolist()
        raise ValueError(f"the panel has repeated rows for {UNIT}={first[0]}, {TIME}={first[1]}")
    frame = panel.sort_values([UNIT, TIME], kind="stable").reset_index(drop=True)
    if column.estimator != "gmm":
        lags = {}
        for name in referenced_names(column):
            lag = lag_expression(name)
            if lag and name not in frame.columns:
                lags[name] = add_lag(frame, *lag)
        if lags:
            frame = pd.concat([frame, pd.DataFrame(lags)], axis=1)
    if column.squared:
        name = squared_name(column.squared)
        if name in panel.columns:
            raise ValueError(f"the panel already has a column {name!r}; the squared term would replace it")
        if column.estimator == "gmm" and lag_expression(column.squared):
            raise ValueError("with gmm the squared variable must be a panel column, not a lag expression")
        frame[name] = frame[column.squared].astype(float) ** 2
    sample = column.sample
    if sample:
        keep = np.ones(len(frame), dtype=bool)
        if sample.drop_regions:
            keep &= ~frame[UNIT].isin(sample.drop_regions).to_numpy()
        if sample.years:
            keep &= frame[TIME].between(*sample.years).to_numpy()
        if sample.drop_years:
            keep &= ~frame[TIME].isin(sample.drop_years).to_numpy()
        if sample.where_group:
            group, values = sample.where_group
            keep &= frame[group].isin(values).to_numpy()
        frame = frame.loc[keep].reset_index(drop=True)
        if frame.empty:
            raise ValueError(f"the sample filter ({sample.describe()}) leaves no rows")
    return frame


def _complete(data: pd.DataFrame, names) -> pd.DataFrame:
    names = [n for n in dict.fromkeys(names) if n]
    return data.loc[data[names].notna().all(axis=1)]


def _utest_rows(out: list, res, column: RegressionColumn, data: pd.DataFrame, used: list[str]) -> None:
    """Lind–Mehlum test over [min, max] of the squared variable in the rows complete in the model."""
    if not column.squared:
        return
    x = _complete(data, used)[column.squared].astype(float)
    if x.empty or not x.min() < x.max():
        raise ValueError(f"{column.squared!r} has no range in the estimation sample; the U test needs one")
    df = getattr(res, "df_resid", None)
    if getattr(res, "small", True) is False:  # GMM without small: z statistics
        df = None
    u = utest(res, column.squared, column.squared_term, float(x.min()), float(x.max()), df=df)
    shape = "inverted U" if u.shape == "inverted_u" else "U"
    note = f"H1: {shape} on [{u.x_lower:.6g}, {u.x_upper:.6g}]"
    _diag(out, "turning_point", u.turning_point, note=note)
    _diag(out, "turning_point_se", u.turning_point_se)
    if u.fieller_bounded:
        _diag(out, "turning_point_ci_lower", u.fieller_lower, note=f"Fieller {u.level:.0%}")
        _diag(out, "turning_point_ci_upper", u.fieller_upper, note=f"Fieller {u.level:.0%}")
    _diag(out, "lind_mehlum_x_min", u.x_lower)
    _diag(out, "lind_mehlum_x_max", u.x_upper)
    _diag(out, "slope_at_min", u.slope_lower, df=u.df, p=u.slope_lower_p)
    _diag(out, "slope_at_min_se", u.slope_lower_se)
    _diag(out, "slope_at_min_t", u.slope_lower_t, df=u.df, p=u.slope_lower_p)
    _diag(out, "slope_at_max", u.slope_upper, df=u.df, p=u.slope_upper_p)
    _diag(out, "slope_at_max_se", u.slope_upper_se)
    _diag(out, "slope_at_max_t", u.slope_upper_t, df=u.df, p=u.slope_upper_p)
    _diag(out, "lind_mehlum_t", u.t, df=u.df, p=u.p, note=f"H1: {shape}" + "".join(f"; {n}" for n in u.notes))


# --------------------------------------------------------------------------- adapters


def adapt_twfe(data: pd.DataFrame, column: RegressionColumn) -> FitOutcome:
    res = fit_fixed_effects(data, column.depvar, list(column.terms), absorb=list(column.absorb),
                            vcov=column.vcov, cluster=column.cluster)
    diagnostics: list[DiagnosticRow] = []
    _diag(diagnostics, "f_model", res.fstat, df=res.df_model, df2=res.df_resid, p=res.f_pvalue)
    _utest_rows(diagnostics, res, column, data, [column.depvar, *column.terms, *column.absorb, column.cluster])
    _notes(diagnostics, res.notes)
    return FitOutcome(_coefficients(res.params, res.std_errors, res.tstats, res.pvalues, "main", column.depvar, "t"),
                      _fe_fit_row(column, res, column.absorb), diagnostics)


IV_TESTS = {  # statistic → (its p key, df kind)
    "anderson_lm": ("anderson_lm_p", "id"),
    "kp_rk_lm": ("kp_rk_lm_p", "id"),
    "cragg_donald_f": (None, "f"),
    "kp_rk_wald_f": (None, "f"),
    "sargan": ("sargan_p", "overid"),
    "hansen_j": ("hansen_j_p", "overid"),
}


def adapt_iv(data: pd.DataFrame, column: RegressionColumn) -> FitOutcome:
    spec = column.iv
    endog = list(spec.endog)
    exog = [t for t in column.terms if t not in endog]
    res = fit_iv(data, column.depvar, exog=exog, endog=endog, instruments=list(spec.instruments),
                 absorb=list(column.absorb), vcov=column.vcov, cluster=column.cluster)
    coefficients: list[CoefficientRow] = []
    diagnostics: list[DiagnosticRow] = []
    L1, K1 = len(spec.instruments), len(endog)
    for name, fs in res.first_stage.items():
        equation = f"first_stage:{name}"
        if spec.first_stage:
            coefficients += _coefficients(fs.params, fs.std_errors, fs.tstats, fs.pvalues, equation, name, "t")
        _diag(diagnostics, "first_stage_f", fs.partial_f, df=fs.partial_f_df[0], df2=fs.partial_f_df[1],
              p=fs.partial_f_pvalue, equation=equation)
        _diag(diagnostics, "first_stage_partial_r2", fs.partial_r2, equation=equation)
        _diag(diagnostics, "first_stage_shea_r2", fs.shea_partial_r2, equation=equation)
    coefficients += _coefficients(res.params, res.std_errors, res.tstats, res.pvalues, "main", column.depvar, "t")
    d = res.diagnostics
    dfs = {"id": L1 - K1 + 1, "overid": L1 - K1, "f": L1}
    for statistic, (p_key, kind) in IV_TESTS.items():
        _diag(diagnostics, statistic, d.get(statistic, NAN), df=dfs[kind], p=d.get(p_key) if p_key else None)
    for key in sorted(k for k in d if k.startswith("stock_yogo_")):
        _diag(diagnostics, key, d[key])
    _diag(diagnostics, "n_excluded_instruments", L1)
    _diag(diagnostics, "n_endogenous", K1)
    _diag(diagnostics, "f_model", res.fstat, df=res.df_model, df2=res.df_resid, p=res.f_pvalue)
    _utest_rows(diagnostics, res, column, data,
                [column.depvar, *column.terms, *spec.instruments, *column.absorb, column.cluster])
    _notes(diagnostics, res.notes)
    fit = _fit_row(column, nobs=res.nobs, r2=res.rsquared, r2_within=res.rsquared_within, fstat=res.fstat,
                   df_resid=res.df_resid, n_clusters=res.n_clusters, vcov_type=res.vcov_type, cluster=res.cluster,
                   absorbed=tuple(column.absorb), region_fe=UNIT in column.absorb, year_fe=TIME in column.absorb,
                   singletons=res.dropped.get("singletons", 0), missing=res.dropped.get("missing", 0),
                   collinear=res.dropped.get("collinear", ()))
    return FitOutcome(coefficients, fit, diagnostics)


def _re_diagnostics(out: list, res, equation: str = "main") -> None:
    d = res.diagnostics
    for key in ("sigma_u", "sigma_e", "rho", "theta"):
        _diag(out, key, d.get(key, NAN), equation=equation)
    for key, name in (("thta_min", "theta_min"), ("thta_5", "theta_p5"), ("thta_50", "theta_p50"),
                      ("thta_95", "theta_p95"), ("thta_max", "theta_max")):
        _diag(out, name, d.get(key, NAN), equation=equation)
    for key in ("r2_w", "r2_b", "r2_o"):
        _diag(out, key, d.get(key, NAN), equation=equation)
    _diag(out, "wald_chi2", res.wald_chi2, df=res.wald_df, p=res.wald_pvalue, equation=equation)


def adapt_re(data: pd.DataFrame, column: RegressionColumn) -> FitOutcome:
    time_effects = TIME in column.absorb
    res = fit_random_effects(data, column.depvar, list(column.terms), unit=UNIT, time_effects=time_effects,
                             vcov=column.vcov, cluster=column.cluster, time=TIME)
    diagnostics: list[DiagnosticRow] = []
    _re_diagnostics(diagnostics, res)
    _utest_rows(diagnostics, res, column, data, [column.depvar, *column.terms, UNIT, column.cluster])
    _notes(diagnostics, res.notes)
    fit = _fit_row(column, nobs=res.nobs, r2=res.rsquared_overall, r2_within=res.rsquared_within,
                   n_clusters=res.n_clusters, vcov_type=res.vcov_type, cluster=res.cluster,
                   absorbed=(), region_fe=False, year_fe=time_effects,
                   missing=res.dropped.get("missing", 0), collinear=res.dropped.get("collinear", ()))
    return FitOutcome(_coefficients(res.params, res.std_errors, res.tstats, res.pvalues, "main", column.depvar, "z"),
                      fit, diagnostics)


def adapt_gmm(data: pd.DataFrame, column: RegressionColumn) -> FitOutcome:
    spec = column.gmm
    styles = [GmmStyle(s.variables, s.min_lag, s.max_lag, s.collapse, s.equation) for s in spec.gmm]
    if spec.iv is None:
        in_gmm = {v for s in spec.gmm for v in s.variables}
        exog = tuple(t for t in column.terms if t not in in_gmm)
        ivs = [IvStyle(exog)] if exog else []
    else:
        ivs = [IvStyle(s.variables, s.equation) for s in spec.iv]
    res = fit_dynamic_panel(data, column.depvar, lags=spec.lags, regressors=list(column.terms),
                            gmm_instruments=styles, iv_instruments=ivs, system=spec.system, two_step=spec.two_step,
                            robust=spec.robust, small=spec.small, time_effects=spec.time_effects, unit=UNIT,
                            time=TIME, orthogonal=spec.orthogonal)
    d = res.diagnostics
    diagnostics: list[DiagnosticRow] = []
    m = 1
    while f"ar{m}_z" in d:
        _diag(diagnostics, f"ar{m}_z", d[f"ar{m}_z"], p=d.get(f"ar{m}_p"))
        m += 1
    _diag(diagnostics, "sargan", d.get("sargan", NAN), df=d.get("sargan_df"), p=d.get("sargan_p"))
    _diag(diagnostics, "hansen", d.get("hansen", NAN), df=d.get("hansen_df"), p=d.get("hansen_p"))
    prefix = "diff_hansen" if not math.isnan(_num(d.get("hansen", NAN))) else "diff_sargan"
    for test in res.difference_tests:
        _diag(diagnostics, f"{prefix}_excluded", test.excluded, df=test.excluded_df, p=test.excluded_p,
              equation=test.group)
        _diag(diagnostics, f"{prefix}_difference", test.difference, df=test.difference_df, p=test.difference_p,
              equation=test.group)
    _diag(diagnostics, "n_instruments", res.n_instruments)
    _diag(diagnostics, "n_groups", res.n_groups)
    if res.small:
        _diag(diagnostics, "f_model", res.wald, df=res.df_model, df2=res.df_resid, p=res.wald_p)
    else:
        _diag(diagnostics, "wald_chi2", res.wald, df=res.df_model, p=res.wald_p)
    _utest_rows(diagnostics, res, column, data, [column.depvar, *(t for t in column.terms if not lag_expression(t))])
    _notes(diagnostics, res.notes)
    vcov = ("robust (Windmeijer)" if spec.two_step else "robust") if spec.robust else "unadjusted"
    fit = _fit_row(column, nobs=res.nobs, df_resid=res.df_resid, n_clusters=res.n_groups if spec.robust else None,
                   vcov_type=vcov, cluster=UNIT if spec.robust else None, absorbed=(), region_fe=False,
                   year_fe=bool(spec.time_effects), collinear=res.dropped)
    return FitOutcome(_coefficients(res.params, res.std_errors, res.stats, res.pvalues, "main", column.depvar,
                                    "t" if res.small else "z"), fit, diagnostics)


MEDIATION_EQUATIONS = (("total", "main"), ("mediator", "mediator"), ("outcome", "outcome"))
MEDIATION_PATHS = (("c", "path_c"), ("a", "path_a"), ("b", "path_b"), ("c_prime", "path_c_prime"))
MEDIATION_DIAGNOSTICS = (
    "proportion_mediated", "indirect_boot_se", "indirect_boot_bias", "bootstrap_z0",
    "indirect_ci_lower_normal", "indirect_ci_upper_normal", "indirect_ci_lower_percentile",
    "indirect_ci_upper_percentile", "indirect_ci_lower_bc", "indirect_ci_upper_bc",
    "bootstrap_reps", "bootstrap_failed", "bootstrap_clusters", "bootstrap_level",
)


def adapt_mediation(data: pd.DataFrame, column: RegressionColumn) -> FitOutcome:
    spec = column.mediation
    res = fit_mediation(data, column.depvar, column.regressors[0], spec.mediator, controls=list(column.controls),
                        absorb=list(column.absorb), vcov=column.vcov, cluster=column.cluster, method=spec.method,
                        reps=spec.reps, seed=spec.seed, level=spec.level)
    coefficients: list[CoefficientRow] = []
    diagnostics: list[DiagnosticRow] = []
    for key, equation in MEDIATION_EQUATIONS:
        model = res.models.get(key)
        if model is None:
            continue
        depvar = spec.mediator if key == "mediator" else column.depvar
        coefficients += _coefficients(model.params, model.std_errors, model.tstats, model.pvalues, equation, depvar, "t")
        if equation != "main":
            _equation_fit(diagnostics, model, equation)
    for key, name in MEDIATION_PATHS:
        if key in res.params.index:
            _diag(diagnostics, name, res.params[key], p=res.pvalues[key], note=f"se {res.std_errors[key]:.6g}")
    d = res.diagnostics
    if "indirect_effect" in d:
        _diag(diagnostics, "indirect_effect", d["indirect_effect"], p=d["sobel_p"])
        _diag(diagnostics, "sobel_se", d["sobel_se"])
        _diag(diagnostics, "sobel_z", d["sobel_z"], p=d["sobel_p"])
    for key in MEDIATION_DIAGNOSTICS:
        if key in d:
            _diag(diagnostics, key, d[key])
    _notes(diagnostics, res.notes)
    return FitOutcome(coefficients, _fe_fit_row(column, res.models["total"], column.absorb), diagnostics)


def adapt_subsample(data: pd.DataFrame, column: RegressionColumn) -> FitOutcome:
    spec = column.subsample
    res = fit_subsamples(data, column.depvar, list(column.terms), spec.group, absorb=list(column.absorb),
                         vcov=column.vcov, cluster=column.cluster,
                         levels=list(spec.groups) if spec.groups else None)
    coefficients: list[CoefficientRow] = []
    diagnostics: list[DiagnosticRow] = []
    for group, model in res.results.items():
        coefficients += _coefficients(model.params, model.std_errors, model.tstats, model.pvalues, str(group),
                                      column.depvar, "t")
        _equation_fit(diagnostics, model, str(group))
        _notes(diagnostics, model.notes, str(group))
    models = list(res.results.values())
    fit = _fit_row(column, nobs=sum(m.nobs for m in models), vcov_type=column.vcov, cluster=column.cluster,
                   n_clusters=sum(m.n_clusters or 0 for m in models) or None,
                   absorbed=tuple(column.absorb), region_fe=UNIT in column.absorb, year_fe=TIME in column.absorb,
                   singletons=sum(m.dropped.get("singletons", 0) for m in models),
                   missing=sum(m.dropped.get("missing", 0) for m in models))
    return FitOutcome(coefficients, fit, diagnostics)


def adapt_group_difference(data: pd.DataFrame, column: RegressionColumn) -> FitOutcome:
    spec = column.group_difference
    term, controls = column.terms[0], list(column.terms[1:])
    if spec.method == "interaction":
        res = interaction_test(data, column.depvar, term, controls, group=spec.group, groups=spec.groups,
                               absorb=list(column.absorb), cluster=column.cluster)
    else:
        res = permutation_test(data, column.depvar, term, controls, group=spec.group, groups=spec.groups,
                               absorb=list(column.absorb), unit=UNIT, reps=spec.reps, seed=spec.seed,
                               level=spec.level, vcov=column.vcov, cluster=column.cluster)
    equations = {"b_first": str(res.groups[0]), "b_second": str(res.groups[1]), "difference": "difference"}
    coefficients = [
        CoefficientRow(term, _num(res.params[k]), _num(res.std_errors[k]), _num(res.tstats[k]), _num(res.pvalues[k]),
                       equation, column.depvar, "t")
        for k, equation in equations.items()
    ]
    d = res.diagnostics
    diagnostics: list[DiagnosticRow] = []
    if spec.method == "interaction":
        df = d["df_resid"]
        _diag(diagnostics, "difference", d["difference"], df=df, p=d["difference_p"], note=res.definition)
        _diag(diagnostics, "difference_se", d["difference_se"])
        _diag(diagnostics, "difference_t", d["difference_t"], df=df, p=d["difference_p"])
        _diag(diagnostics, "chow_f", d["chow_F"], df=1, df2=df, p=d["difference_p"])
        model = res.model
        fit = _fit_row(column, nobs=model.nobs, r2=model.rsquared, r2_adj=model.rsquared_adj,
                       r2_within=model.rsquared_within, df_resid=model.df_resid, n_clusters=model.n_clusters,
                       vcov_type=model.vcov_type, cluster=model.cluster, absorbed=tuple(model.absorbed),
                       region_fe=UNIT in column.absorb, year_fe=TIME in column.absorb,
                       singletons=model.dropped.get("singletons", 0))
    else:
        _diag(diagnostics, "perm_difference", d["perm_difference"], p=d["perm_p"], note=res.definition)
        _diag(diagnostics, "perm_p", d["perm_p"], note="bdiff: one-sided empirical p (Freq / reps, folded)")
        _diag(diagnostics, "perm_p_two_sided", d["perm_p_two_sided"])
        for key in ("perm_freq", "perm_reps", "perm_failed", "perm_units", "perm_units_first"):
            _diag(diagnostics, key, d[key])
        used = [column.depvar, *column.terms, spec.group, *column.absorb, UNIT, column.cluster]
        rows = _complete(data, used)
        fit = _fit_row(column, nobs=int(rows[spec.group].isin(res.groups).sum()), vcov_type=column.vcov,
                       cluster=column.cluster, absorbed=tuple(column.absorb), region_fe=UNIT in column.absorb,
                       year_fe=TIME in column.absorb)
    _notes(diagnostics, res.notes)
    return FitOutcome(coefficients, fit, diagnostics)


def adapt_hausman(data: pd.DataFrame, column: RegressionColumn) -> FitOutcome:
    spec = column.hausman
    time_effects = TIME in column.absorb
    regressors = list(column.terms)
    coefficients: list[CoefficientRow] = []
    diagnostics: list[DiagnosticRow] = []
    if spec.form == "stata":
        # xtreg y x [i.year], fe / re (conventional VCE: hausman refuses robust ones), hausman fe re
        frame, fe_regressors = data, regressors
        if time_effects:
            dummies, names = _time_dummies(data, TIME)
            clash = sorted(set(names) & set(data.columns))
            if clash:
                raise ValueError(f"year dummies would replace existing columns {clash}")
            frame, fe_regressors = pd.concat([data, dummies], axis=1), regressors + names
        fe = fit_fixed_effects(frame, column.depvar, fe_regressors, absorb=[UNIT], vcov="unadjusted", cluster=None,
                               drop_singletons=False)
        re = fit_random_effects(data, column.depvar, regressors, unit=UNIT, time_effects=time_effects,
                                vcov="unadjusted", time=TIME)
        res = hausman_test(fe, re, sigma=spec.sigma)
        coefficients += _coefficients(fe.params, fe.std_errors, fe.tstats, fe.pvalues, "fe", column.depvar, "t")
        coefficients += _coefficients(re.params, re.std_errors, re.tstats, re.pvalues, "re", column.depvar, "z")
        coefficients += [CoefficientRow(t, _num(res.difference[t]), _num(res.se_difference[t]), NAN, NAN,
                                        "difference", column.depvar, "t") for t in res.terms]
        _diag(diagnostics, "hausman_chi2", res.statistic, df=res.df, p=res.pvalue,
              note=f"hausman fe re, sigma={spec.sigma}")
        _diag(diagnostics, "hausman_rank", res.diagnostics.get("hausman_rank", NAN))
        _re_diagnostics(diagnostics, re, equation="re")
        fit = _fe_fit_row(column, fe, (UNIT,))
        fit["year_fe"] = time_effects
    else:
        res = mundlak_test(data, column.depvar, regressors, unit=UNIT, time_effects=time_effects,
                           cluster=column.cluster, time=TIME)
        aux = res.auxiliary
        coefficients += _coefficients(aux.params, aux.std_errors, aux.tstats, aux.pvalues, "main", column.depvar, "z")
        _diag(diagnostics, "hausman_chi2", res.statistic, df=res.df, p=res.pvalue,
              note="Mundlak form: RE with region means, cluster-robust Wald test of the means")
        fit = _fit_row(column, nobs=aux.nobs, r2=aux.rsquared_overall, r2_within=aux.rsquared_within,
                       n_clusters=aux.n_clusters, vcov_type=aux.vcov_type, cluster=aux.cluster, absorbed=(),
                       region_fe=False, year_fe=time_effects)
    _notes(diagnostics, res.notes)
    return FitOutcome(coefficients, fit, diagnostics)


Adapter = Callable[[pd.DataFrame, RegressionColumn], FitOutcome]

ADAPTERS: dict[str, Adapter] = {
    "twfe": adapt_twfe,
    "iv": adapt_iv,
    "re": adapt_re,
    "gmm": adapt_gmm,
    "mediation": adapt_mediation,
    "subsample": adapt_subsample,
    "group_difference": adapt_group_difference,
    "hausman": adapt_hausman,
}


def run_adapter(adapter: Adapter, data: pd.DataFrame, column: RegressionColumn) -> FitOutcome:
    """Run an adapter, keeping the estimator's warnings (collinear terms omitted …) as notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = adapter(data, column)
    outcome.warnings = list(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, UserWarning)))
    known = {row.note for row in outcome.diagnostics if row.statistic == "estimator_note"}
    _notes(outcome.diagnostics, [w for w in outcome.warnings if w not in known])
    return outcome
