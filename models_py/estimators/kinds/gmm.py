"""gmm: xtabond2 difference / system GMM, with AR(m), Sargan / Hansen and difference-in-Hansen tests.

    estimator: gmm
    gmm: {lags: 1, gmm: [{variable, min_lag, max_lag, collapse, equation}], iv: [{variables, equation}],
          system: true, two_step: true, robust: true, small: false, time_effects: <year in absorb>,
          orthogonal: false}
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from models_py.estimators.gmm import fit_dynamic_panel
from models_py.estimators.gmm_instruments import GmmStyle, IvStyle
from models_py.estimators.kinds.base import UTEST_ROWS, Kind, TableRow, only_panel_effects, utest_diagnostics
from models_py.estimators.kinds.re import WALD_ROW
from models_py.estimators.numerics import lag_expression
from models_py.estimators.panel import TIME, UNIT
from models_py.estimators.results import NAN, Diagnostics, Equation, PanelResults, number
from models_py.manifest import fields

KEYS = ("lags", "gmm", "iv", "system", "two_step", "robust", "small", "time_effects", "orthogonal")
STYLE_KEYS = ("variable", "min_lag", "max_lag", "collapse", "equation")
IV_KEYS = ("variables", "equation")
EQUATIONS = ("both", "diff", "level")


@dataclass(frozen=True)
class GmmInstrumentSpec:
    variables: tuple[str, ...] = field(metadata={"yaml": "variable"})
    min_lag: int = 1
    max_lag: int | None = field(default=None, metadata={"schema": {"anyOf": [  # "." : no upper limit
        {"type": "integer"}, {"const": "."}, {"type": "null"}]}})
    collapse: bool = False
    equation: str = field(default="both", metadata={"choices": EQUATIONS})


@dataclass(frozen=True)
class GmmIvSpec:
    variables: tuple[str, ...]
    equation: str = field(default="both", metadata={"choices": EQUATIONS})


@dataclass(frozen=True)
class GmmSpec:
    lags: int = 1
    gmm: tuple[GmmInstrumentSpec, ...] = ()
    iv: tuple[GmmIvSpec, ...] | None = None  # None: iv(regressors controls) for those not in gmm()
    system: bool = True
    two_step: bool = True
    robust: bool = True
    small: bool = False
    time_effects: bool | str = field(default=False, metadata={"schema": {"anyOf": [
        {"type": "boolean"}, {"enum": list(EQUATIONS)}]}})
    orthogonal: bool = False


def _styles(where, raw: dict, depvar: str) -> list[GmmInstrumentSpec]:
    styles = []
    entries = raw.get("gmm", [{"variable": depvar, "min_lag": 2}])
    if not isinstance(entries, (list, tuple)) or not entries:
        raise where.error("gmm.gmm", f"expected a list of {{variable, min_lag, max_lag, collapse, equation}}, got {entries!r}")
    for i, entry in enumerate(entries):
        key = f"gmm.gmm[{i}]"
        entry = fields.mapping(where, key, entry)
        fields.unknown_keys(where, entry, STYLE_KEYS, f"{key}.")
        if "variable" not in entry:
            raise where.error(f"{key}.variable", "is required")
        min_lag = fields.integer(where, f"{key}.min_lag", entry.get("min_lag", 1), minimum=0)
        max_lag = entry.get("max_lag")
        if max_lag is not None and max_lag != ".":
            max_lag = fields.integer(where, f"{key}.max_lag", max_lag, minimum=min_lag)
        styles.append(GmmInstrumentSpec(
            variables=fields.names(where, f"{key}.variable", entry["variable"], allow_empty=False),
            min_lag=min_lag, max_lag=None if max_lag == "." else max_lag,
            collapse=fields.flag(where, f"{key}.collapse", entry.get("collapse", False)),
            equation=fields.choice(where, f"{key}.equation", entry.get("equation", "both"), EQUATIONS),
        ))
    return styles


def _ivs(where, raw: dict) -> tuple[GmmIvSpec, ...] | None:
    if "iv" not in raw:
        return None
    ivs = []
    if not isinstance(raw["iv"], (list, tuple)):
        raise where.error("gmm.iv", f"expected a list of {{variables, equation}}, got {raw['iv']!r}")
    for i, entry in enumerate(raw["iv"]):
        key = f"gmm.iv[{i}]"
        entry = fields.mapping(where, key, entry)
        fields.unknown_keys(where, entry, IV_KEYS, f"{key}.")
        ivs.append(GmmIvSpec(fields.names(where, f"{key}.variables", entry.get("variables"), allow_empty=False),
                             fields.choice(where, f"{key}.equation", entry.get("equation", "both"), EQUATIONS)))
    return tuple(ivs)


class DynamicPanelGmm(Kind):
    name = "gmm"
    label = ("GMM", "GMM")
    section = "gmm"
    spec = GmmSpec
    allows_squared = True
    absorbs = False
    clusters = False
    prebuilt_lags = False
    table_rows = (
        TableRow("ar1_z", "AR(1) z [p]", "AR(1) z [p]", "value_p", 200),
        TableRow("ar2_z", "AR(2) z [p]", "AR(2) z [p]", "value_p", 210),
        TableRow("hansen", "Hansen 检验 p 值", "Hansen test p", "p_only", 220),
        TableRow("n_instruments", "工具变量个数", "Instruments", "value", 230),
        WALD_ROW,
        *UTEST_ROWS,
    )

    def regressors_required(self, raw_options) -> bool:
        """Only the dependent variable's own lags (gmm.lags > 0) may make a model without regressors."""
        lags = raw_options.get("lags", 1) if isinstance(raw_options, dict) else 1
        return lags == 0

    def options(self, where, raw, column) -> GmmSpec:
        if not only_panel_effects(column):
            raise where.error("absorb", f"gmm removes region effects by differencing; absorb may only name "
                                        f"{UNIT} and {TIME}, got {list(column.absorb)}")
        if column.lags:
            raise where.error("lags", "for gmm write lagged regressors as L1.x (built by xtabond2's own "
                                      "gap-aware grid) and lags of the dependent variable as gmm.lags")
        raw = dict(raw or {})
        raw.setdefault("time_effects", TIME in column.absorb)
        fields.unknown_keys(where, raw, KEYS, "gmm.")
        styles = _styles(where, raw, column.depvar)
        ivs = _ivs(where, raw)
        time_effects = raw.get("time_effects", False)
        if time_effects not in (True, False, *EQUATIONS):
            raise where.error("gmm.time_effects", f"must be true, false or one of {EQUATIONS}, got {time_effects!r}")
        return GmmSpec(
            lags=fields.integer(where, "gmm.lags", raw.get("lags", 1), minimum=0),
            gmm=tuple(styles), iv=ivs,
            **{k: fields.flag(where, f"gmm.{k}", raw.get(k, getattr(GmmSpec, k)))
               for k in ("system", "two_step", "robust", "small", "orthogonal")},
            time_effects=time_effects,
        )

    def variables(self, column) -> list[str]:
        names = [v for spec in column.gmm.gmm for v in spec.variables]
        return names + [v for spec in column.gmm.iv or () for v in spec.variables]

    def fit(self, data, column) -> PanelResults:
        spec = column.gmm
        styles = [GmmStyle(s.variables, s.min_lag, s.max_lag, s.collapse, s.equation) for s in spec.gmm]
        if spec.iv is None:
            in_gmm = {v for s in spec.gmm for v in s.variables}
            exog = tuple(t for t in column.terms if t not in in_gmm)
            ivs = [IvStyle(exog)] if exog else []
        else:
            ivs = [IvStyle(s.variables, s.equation) for s in spec.iv]
        res = fit_dynamic_panel(data, column.depvar, lags=spec.lags, regressors=list(column.terms),
                                gmm_instruments=styles, iv_instruments=ivs, system=spec.system,
                                two_step=spec.two_step, robust=spec.robust, small=spec.small,
                                time_effects=spec.time_effects, unit=UNIT, time=TIME, orthogonal=spec.orthogonal)
        d = res.diagnostics
        out = Diagnostics()
        m = 1
        while f"ar{m}_z" in d:
            out.add(f"ar{m}_z", d[f"ar{m}_z"], p=d.get(f"ar{m}_p"))
            m += 1
        out.add("sargan", d.get("sargan", NAN), df=d.get("sargan_df"), p=d.get("sargan_p"))
        out.add("hansen", d.get("hansen", NAN), df=d.get("hansen_df"), p=d.get("hansen_p"))
        prefix = "diff_hansen" if not math.isnan(number(d.get("hansen", NAN))) else "diff_sargan"
        for test in res.difference_tests:
            out.add(f"{prefix}_excluded", test.excluded, df=test.excluded_df, p=test.excluded_p, equation=test.group)
            out.add(f"{prefix}_difference", test.difference, df=test.difference_df, p=test.difference_p,
                    equation=test.group)
        out.add("n_instruments", res.n_instruments)
        out.add("n_groups", res.n_groups)
        if res.small:
            out.add("f_model", res.wald, df=res.df_model, df2=res.df_resid, p=res.wald_p)
        else:
            out.add("wald_chi2", res.wald, df=res.df_model, p=res.wald_p)
        utest_diagnostics(out, res, column, data, [column.depvar, *(t for t in column.terms if not lag_expression(t))])
        out.notes(res.notes)
        vcov = ("robust (Windmeijer)" if spec.two_step else "robust") if spec.robust else "unadjusted"
        return PanelResults(
            equations={"main": Equation.of(res, "t" if res.small else "z", stats=res.stats)}, diagnostics=out,
            nobs=res.nobs, df_resid=res.df_resid, n_clusters=res.n_groups if spec.robust else None,
            vcov_type=vcov, cluster=UNIT if spec.robust else None, year_fe=bool(spec.time_effects),
            collinear_dropped=tuple(res.dropped))


KIND = DynamicPanelGmm()
