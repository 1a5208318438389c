"""The estimator registry: a kind is one module plus one registry line, and everything downstream
(declaration parsing, required columns, the results writer, the table layout) follows it.

A toy kind registered for one test stands in for a new method: a declared column with its option
section parses, its options are checked with DeclarationError naming the key, and its two
equations and its diagnostics land in the results rows, with no other module edited.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from models_py.declarations import DeclarationError, parse_study
from models_py.estimators import registry
from models_py.estimators.diagnostic import Diagnostic
from models_py.estimators.kinds.base import Kind, TableRow
from models_py.estimators.panel import required_columns
from models_py.estimators.results import Diagnostics, Equation, PanelResults
from models_py.manifest import fields
from models_py.tables.layout import regression_display
from models_py.tables.regression import regression_table


@dataclass(frozen=True)
class ToySpec:
    weight: str
    scale: float = 1.0


class Toy(Kind):
    """Pooled OLS of y on the regressors, and of a weight column on the same regressors."""

    name = "toy"
    label = ("玩具", "Toy")
    section = "toy"
    section_required = True
    spec = ToySpec
    equation_labels = {"weight": ("权重方程", "weight equation")}
    table_rows = (TableRow("toy_stat", "玩具统计量", "Toy statistic", "value", 600),)

    def options(self, where, raw, column) -> ToySpec:
        fields.unknown_keys(where, raw, ("weight", "scale"), "toy.")
        if "weight" not in raw:
            raise where.error("toy.weight", "is required")
        return ToySpec(fields.name(where, "toy.weight", raw["weight"]), float(raw.get("scale", 1.0)))

    def grouping(self, column) -> list[str]:
        return [column.toy.weight]

    def fit(self, data, column) -> PanelResults:
        X = np.column_stack([data[list(column.terms)].to_numpy(float), np.ones(len(data))])
        terms = [*column.terms, "_cons"]

        def ols(y):
            beta = np.linalg.lstsq(X, y, rcond=None)[0]
            se = pd.Series(1.0, index=terms)
            params = pd.Series(beta * column.toy.scale, index=terms)
            return Equation(params, se, params / se, pd.Series(0.5, index=terms))

        out = Diagnostics()
        out.add("toy_stat", 3.0)
        out.add("toy_missing", float("nan"))  # dropped: missing and no note
        return PanelResults(nobs=len(data), equations={"main": ols(data[column.depvar].to_numpy(float)),
                                                        "weight": ols(data[column.toy.weight].to_numpy(float))},
                            diagnostics=out, absorbed=(), cluster=None)


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setitem(registry.KINDS, "toy", Toy())  # the one registry line


def _meta(column: dict) -> dict:
    return {"study": "s", "tables": [{"id": "t1", "kind": "regression", "columns": [
        {"id": "(1)", "depvar": "y", "regressors": ["x"], "absorb": [], "vcov": "unadjusted", **column}]}]}


def _panel() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"region_code": np.repeat(np.arange(11, 16), 4), "year": np.tile(np.arange(2011, 2015), 5)})
    frame["x"] = rng.normal(size=len(frame))
    frame["w"] = rng.normal(size=len(frame))
    frame["y"] = 2.0 * frame["x"] + 1.0
    return frame


def test_every_kind_is_registered_once_under_its_name():
    assert list(registry.KINDS) == ["twfe", "iv", "re", "gmm", "mediation", "subsample", "group_difference", "hausman",
                                    "threshold", "moderation", "spatial"]
    assert all(name == kind.name for name, kind in registry.KINDS.items())
    sections = registry.option_sections()
    assert len(sections) == len({kind.section for kind in registry.KINDS.values() if kind.section})
    assert [row.rank for row in registry.table_rows()] == sorted(row.rank for row in registry.table_rows())


def test_a_new_kind_is_one_module_and_one_registry_line(toy):
    study = parse_study(_meta({"estimator": "toy", "toy": {"weight": "w", "scale": 2}}), "m", "main.m")
    column = study.tables[0].columns[0]
    assert column.toy == ToySpec("w", 2.0) and column.iv is None
    assert "w" in required_columns(column)
    coefficients, fits, diagnostics = regression_table(_panel(), study, study.tables[0])
    assert list(dict.fromkeys(coefficients["equation"])) == ["main", "weight"]
    main = coefficients[(coefficients["equation"] == "main") & (coefficients["term"] == "x")].iloc[0]
    assert main["estimate"] == pytest.approx(4.0) and main["stat_kind"] == "t"
    assert fits.iloc[0]["estimator"] == "toy" and fits.iloc[0]["nobs"] == 20
    assert diagnostics["statistic"].tolist() == ["toy_stat"]
    table = regression_display(coefficients, fits, diagnostics, lang="en")
    assert "weight equation" in " ".join(table.header[0])
    assert any(row.label == "Toy statistic" for row in table.rows)
    assert any(row.label == "Estimator" and "Toy" in row.cells for row in table.rows)


def test_a_new_kind_checks_its_options_with_the_key(toy):
    with pytest.raises(DeclarationError, match=r"key 'toy.weight': is required"):
        parse_study(_meta({"estimator": "toy", "toy": {}}), "m", "main.m")
    with pytest.raises(DeclarationError, match=r"key 'toy': is required for estimator 'toy'"):
        parse_study(_meta({"estimator": "toy"}), "m", "main.m")
    with pytest.raises(DeclarationError, match=r"key 'toy': only applies to estimator toy"):
        parse_study(_meta({"toy": {"weight": "w"}}), "m", "main.m")


def test_diagnostics_keep_the_writers_rules():
    out = Diagnostics()
    out.add("a", float("nan"))
    out.add("b", float("nan"), note="not computed")
    out.add("c", 1, df=float("nan"), p=0.2)
    out.notes(["n1", "n1", "n2"])
    assert out == [Diagnostic("b", None, note="not computed"), Diagnostic("c", 1.0, p=0.2),
                   Diagnostic("estimator_note", None, note="n1"), Diagnostic("estimator_note", None, note="n2")]


def test_results_expose_the_primary_equation():
    terms = ["x", "_cons"]
    eq = Equation(pd.Series([1.0, 2.0], index=terms), pd.Series([0.5, 1.0], index=terms),
                  pd.Series([2.0, 2.0], index=terms), pd.Series([0.05, 0.05], index=terms), "z")
    res = PanelResults(nobs=10.0, equations={"fe": eq}, primary="fe", n_clusters=0, absorbed=["region_code"])
    assert res.params is eq.params and res.stat_kind == "z"
    assert res.nobs == 10 and isinstance(res.nobs, int) and res.n_clusters is None and res.absorbed == ("region_code",)
