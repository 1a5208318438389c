"""The `spatial` estimator kind (models_py/estimators/kinds/spatial.py): YAML options and their
errors, a fit through the registry equal to a direct fit_spatial_panel call, and the table rows
(main / Wx / direct / indirect / total columns, as xsmle output is printed). No warehouse build."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models_py.declarations import DeclarationError, parse_study
from models_py.estimators import registry
from models_py.estimators.kinds.spatial import SpatialSpec
from models_py.estimators.panel import prepare_panel, required_columns
from models_py.spatial import weights as sw
from models_py.spatial.panel_ml import fit_spatial_panel
from models_py.tables.layout import regression_display
from models_py.tables.regression import regression_table


def _meta(*columns: dict, defaults: dict | None = None) -> dict:
    base = {"estimator": "spatial", "depvar": "y", "regressors": ["x"], "controls": ["c"],
            "absorb": ["region_code", "year"], **(defaults or {})}
    return {"study": "s", "tables": [{"id": "t1", "kind": "regression", "defaults": base,
                                      "columns": [{"id": f"({i + 1})", **c} for i, c in enumerate(columns)]}]}


def _parse(*columns: dict, **kw):
    return parse_study(_meta(*columns, **kw), "m", "main.m")


@pytest.fixture(scope="module")
def queen():
    return sw.queen_contiguity()


@pytest.fixture(scope="module")
def panel(queen):
    """A balanced SDM panel on the 31 provinces x 8 years: y = rho W y + b x + theta W x + c + FE + e."""
    rng = np.random.default_rng(7)
    n, t = queen.n, 8
    w = np.asarray(queen.matrix)
    x, c = rng.normal(size=(t, n)), rng.normal(size=(t, n))
    unit, period = rng.normal(size=n), rng.normal(size=t)
    inverse = np.linalg.inv(np.eye(n) - 0.35 * w)
    y = np.stack([inverse @ (0.8 * x[s] + 0.4 * w @ x[s] - 0.5 * c[s] + unit + period[s]
                             + rng.normal(scale=0.5, size=n)) for s in range(t)])
    frame = pd.DataFrame({"region_code": np.tile(queen.codes, t), "year": np.repeat(np.arange(2011, 2011 + t), n),
                          "y": y.ravel(), "x": x.ravel(), "c": c.ravel(),
                          "gdp_per_capita": np.tile(rng.uniform(1, 10, size=n), t)})
    return frame


def test_defaults_follow_xsmle_and_the_absorbed_effects():
    column = _parse({}).tables[0].columns[0]
    assert column.spatial == SpatialSpec(model="sdm", weights="queen", effects="both", lee_yu=False, draws=1000,
                                         seed=20261205, vce="oim")
    unit_only = _parse({"absorb": ["region_code"], "spatial": {"model": "sar", "vce": "eim"}}).tables[0].columns[0]
    assert unit_only.spatial.effects == "unit" and unit_only.spatial.vce == "eim"
    economic = _parse({"spatial": {"weights": "economic_distance", "variable": "gdp_per_capita"}}).tables[0].columns[0]
    assert "gdp_per_capita" in required_columns(economic)


@pytest.mark.parametrize("column, key, problem", [
    ({"spatial": {"model": "sac"}}, "spatial.model", "must be one of"),
    ({"spatial": {"weights": "rook"}}, "spatial.weights", "must be one of"),
    ({"spatial": {"vce": "robust"}}, "spatial.vce", "must be one of"),
    ({"spatial": {"effects": "unit"}}, "spatial.effects", "disagrees with absorb"),
    ({"absorb": []}, "absorb", "must name region_code, year or both"),
    ({"absorb": ["region_code", "industry"]}, "absorb", "must name"),
    ({"spatial": {"weights": "economic_distance"}}, "spatial.variable", "need the panel variable"),
    ({"spatial": {"variable": "gdp_per_capita"}}, "spatial.variable", "only applies to weights: economic_distance"),
    ({"spatial": {"power": 2}}, "spatial.power", "only applies to weights: inverse_distance"),
    ({"spatial": {"weights": "inverse_distance", "power": -1}}, "spatial.power", "positive number"),
    ({"spatial": {"draws": 1}}, "spatial.draws", "at least 2"),
    ({"spatial": {"lags": 1}}, "spatial.lags", "unknown key"),
])
def test_option_errors_name_the_key(column, key, problem):
    with pytest.raises(DeclarationError, match=rf"key '{key}'.*{problem}"):
        _parse(column)


def test_a_spatial_section_on_another_estimator_is_an_error():
    with pytest.raises(DeclarationError, match="only applies to estimator spatial"):
        _parse({"estimator": "twfe", "spatial": {"model": "sdm"}})


def test_fit_through_the_registry_equals_the_direct_fit(panel, queen):
    column = _parse({"spatial": {"draws": 50, "seed": 3}}).tables[0].columns[0]
    ours = registry.estimate(prepare_panel(panel, column), column)
    direct = fit_spatial_panel(panel, "y", ["x", "c"], queen, model="sdm", effects="both", draws=50, seed=3,
                               vce="oim")
    assert list(ours.equations) == ["main", "wx", "direct", "indirect", "total"]
    main = ours.equations["main"]
    assert list(main.params.index) == ["x", "c", "rho", "sigma2_e"] and main.stat_kind == "z"
    for term in ("x", "c"):
        assert main.params[term] == pytest.approx(direct.params[term], rel=1e-12)
        assert main.std_errors[term] == pytest.approx(direct.std_errors[term], rel=1e-12)
        assert ours.equations["wx"].params[term] == pytest.approx(direct.params[f"W.{term}"], rel=1e-12)
        for effect in ("direct", "indirect", "total"):
            assert ours.equations[effect].params[term] == pytest.approx(direct.equations[effect].params[term],
                                                                        rel=1e-12)
            assert ours.equations[effect].std_errors[term] == pytest.approx(
                direct.equations[effect].std_errors[term], rel=1e-12)
    assert main.params["rho"] == pytest.approx(direct.spatial_parameter, rel=1e-12)
    assert main.params["rho"] == pytest.approx(0.35, abs=0.15)  # the simulated rho is recovered
    assert ours.nobs == 31 * 8 and ours.region_fe and ours.year_fe and ours.vcov_type == "oim"
    stats = {d.name: d for d in ours.diagnostics}
    assert stats["log_likelihood"].value == pytest.approx(direct.log_likelihood, rel=1e-12)
    for name in ("wald_sdm_vs_sar", "wald_sdm_vs_sem", "lr_sdm_vs_sar", "lr_sdm_vs_sem"):
        assert stats[name].value == pytest.approx(next(d.value for d in direct.diagnostics if d.name == name))
        assert stats[name].df == 2
    assert stats["spatial_weights"].note == "queen" and stats["lee_yu"].value == 0.0
    assert stats["effect_draws"].value == 50


def test_eim_sem_and_economic_distance_reach_the_numerics(panel):
    column = _parse({"spatial": {"model": "sem", "weights": "economic_distance", "variable": "gdp_per_capita",
                                 "vce": "eim", "draws": 0}}).tables[0].columns[0]
    prepared = prepare_panel(panel, column)
    ours = registry.estimate(prepared, column)
    weights = sw.economic_distance(prepared, "gdp_per_capita")  # the same row order: the same float sums
    direct = fit_spatial_panel(panel, "y", ["x", "c"], weights, model="sem", draws=0, vce="information")
    assert list(ours.equations) == ["main"]
    assert ours.params["lambda"] == pytest.approx(direct.params["lambda"], rel=1e-12)
    assert ours.std_errors["x"] == pytest.approx(direct.std_errors["x"], rel=1e-12)
    assert {d.name: d.note for d in ours.diagnostics}["spatial_weights"] == "economic_distance"


def test_a_sample_without_some_regions_restricts_w_and_says_so(panel, queen):
    column = _parse({"spatial": {"model": "sar", "draws": 0}, "sample": {"drop_regions": [46]}}).tables[0].columns[0]
    ours = registry.estimate(prepare_panel(panel, column), column)
    codes = [c for c in queen.codes if c != 46]
    direct = fit_spatial_panel(panel[panel.region_code != 46], "y", ["x", "c"], queen.aligned(codes),
                               model="sar", draws=0)
    assert ours.params["rho"] == pytest.approx(direct.params["rho"], rel=1e-12) and ours.nobs == 30 * 8
    assert any("restricted to the 30 regions" in (d.note or "") for d in ours.diagnostics)


def test_an_unbalanced_panel_is_an_error_naming_the_cell(panel):
    column = _parse({"spatial": {"draws": 0}}).tables[0].columns[0]
    holey = panel.drop(index=5)
    with pytest.raises(Exception, match="unbalanced panel"):
        registry.estimate(prepare_panel(holey, column), column)


def test_the_table_shows_main_wx_and_the_three_effects(panel):
    study = _parse({"title": "SDM", "spatial": {"draws": 20}},
                   {"title": "SAR", "spatial": {"model": "sar", "draws": 20}},
                   {"title": "SEM", "spatial": {"model": "sem"}})
    coefficients, fits, diagnostics = regression_table(panel, study, study.tables[0])
    table = regression_display(coefficients, fits, diagnostics, lang="en")
    assert table.header[0][1:] == ["SDM Main", "SDM Wx", "SDM Direct", "SDM Indirect", "SDM Total",
                                   "SAR Main", "SAR Direct", "SAR Indirect", "SAR Total", "SEM"]
    labels = [row.label for row in table.rows]
    assert {"rho", "lambda", "sigma2_e", "Log-likelihood", "AIC", "Wald test SDM→SAR [p]",
            "LR test SDM→SEM [p]"} <= set(labels)
    rho = table.rows[labels.index("rho")].cells
    assert [bool(cell) for cell in rho] == [True, False, False, False, False, True, False, False, False, False]
    lam = table.rows[labels.index("lambda")].cells
    assert lam[9] and not any(lam[:9])
    x = table.rows[labels.index("x")].cells
    assert all(x[:10]) and x[0] != x[1]  # b and theta on the same row
    n = table.rows[labels.index("Observations")].cells
    assert set(n) == {str(31 * 8)}
    wald = table.rows[labels.index("Wald test SDM→SAR [p]")].cells
    assert wald[0] and not any(wald[1:])
    method = table.rows[labels.index("Estimator")].cells
    assert set(method) == {"Spatial panel ML"}


def test_the_table_note_names_the_ml_information_matrix_the_kind_declares():
    # oim / eim are written only by the spatial kind, so their note text lives in its module
    from models_py.tables.layout import _se_note

    fits = pd.DataFrame({"vcov_type": ["oim", "eim"], "cluster": [None, None]})
    assert "观测信息矩阵" in _se_note(fits, "zh") and "expected information matrix" in _se_note(fits, "en")
