"""The index-robustness marts of a real build (index_method_weights, index_scores_by_method,
index_method_correlations) and results.index_robustness, against independent references:
NumPy equal / CRITIC weights and scores recomputed from the standardised indicators
(tests/reference/alternative_weights_numpy.py), scipy.stats.spearmanr, index_scores, and direct
re-fits of the baseline column with the estimator.

Uses the session fixture `built_warehouse` (conftest.py): the full pipeline must run.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from models_py.declarations import load_manifest, study_declarations
from models_py.estimators.fixed_effects import fit_fixed_effects
from tests.reference.alternative_weights_numpy import critic_weights
from tests.reference.entropy_numpy import topsis_closeness, weighted_sum

TOL = 1e-10
SYSTEMS = ["nqp_a", "digital_economy_a", "factor_innovation_b", "coordination_b", "industrial_digitisation_b",
           "nqp_c", "nqp_e", "digital_economy_e", "nqp_three_factor_e", "nqp_city"]


@pytest.fixture(scope="module")
def frames(warehouse_connection):
    con = warehouse_connection
    return {
        "values": con.execute("select * from main.indicator_values").df(),
        "weights": con.execute("select * from main.index_method_weights where level = 'indicator'").df(),
        "entropy": con.execute("select system, indicator, weight from main.index_weights where level = 'indicator' "
                               "and period_scheme = 'pooled'").df(),
        "by_method": con.execute("select * from main.index_scores_by_method").df(),
        "scores": con.execute("select * from main.index_scores").df(),
        "correlations": con.execute("select * from main.index_method_correlations").df(),
    }


def _matrix(values: pd.DataFrame, system: str) -> pd.DataFrame:
    part = values[values["system"] == system]
    return part.pivot_table(index=["region_code", "year"], columns="indicator", values="standardised",
                            dropna=False).sort_index(axis=1)


@pytest.mark.parametrize("system", SYSTEMS)
def test_weights_and_scores_match_numpy(frames, system):
    Z = _matrix(frames["values"], system)
    weights = frames["weights"][frames["weights"]["system"] == system].pivot(
        index="indicator", columns="weighting", values="weight").loc[Z.columns]
    k = Z.shape[1]
    np.testing.assert_allclose(weights["equal"], 1 / k, rtol=0, atol=TOL)
    sigma, conflict, w_critic = critic_weights(Z.to_numpy())
    np.testing.assert_allclose(weights["critic"], w_critic, rtol=0, atol=TOL)
    critic_rows = frames["weights"][(frames["weights"]["system"] == system)
                                    & (frames["weights"]["weighting"] == "critic")].set_index("indicator").loc[Z.columns]
    np.testing.assert_allclose(critic_rows["std_dev"], sigma, rtol=0, atol=TOL)
    np.testing.assert_allclose(critic_rows["conflict"], conflict, rtol=0, atol=TOL)
    entropy = frames["entropy"][frames["entropy"]["system"] == system].set_index("indicator")["weight"].loc[Z.columns]
    np.testing.assert_allclose(weights["entropy"], entropy, rtol=0, atol=0)  # the same weights, copied

    totals = frames["by_method"][(frames["by_method"]["system"] == system) & (frames["by_method"]["level"] == "total")]
    scores = totals.pivot(index=["region_code", "year"], columns="method", values="score").loc[Z.index]
    np.testing.assert_allclose(scores["equal"], weighted_sum(Z.to_numpy(), np.full(k, 1 / k)), rtol=0, atol=TOL)
    np.testing.assert_allclose(scores["critic"], weighted_sum(Z.to_numpy(), w_critic), rtol=0, atol=TOL)
    np.testing.assert_allclose(scores["entropy"], weighted_sum(Z.to_numpy(), entropy.to_numpy()), rtol=0, atol=TOL)
    np.testing.assert_allclose(scores["topsis_entropy"], topsis_closeness(Z.to_numpy(), entropy.to_numpy()),
                               rtol=0, atol=TOL)


def test_system_method_rows_equal_index_scores(frames):
    own = frames["by_method"][frames["by_method"]["is_system_method"]]
    keys = ["system", "region_code", "year", "level", "dimension", "sub_dimension"]
    merged = own.merge(frames["scores"], on=keys, how="outer", suffixes=("_m", "_s"), indicator=True)
    assert (merged["_merge"] == "both").all() and len(merged) == len(frames["scores"])
    assert (merged["method_m"] == merged["method_s"]).all()
    np.testing.assert_allclose(merged["score_m"], merged["score_s"], rtol=0, atol=1e-14)
    assert set(frames["by_method"]["system"]) == set(SYSTEMS)
    counts = frames["by_method"].groupby("system")["method"].nunique()
    assert counts.eq(4).all()


def test_dimension_weights_sum_their_indicators(warehouse_connection):
    dims = warehouse_connection.execute(
        "select d.system, d.weighting, d.dimension, d.weight, sum(i.weight) as summed "
        "from main.index_method_weights d join main.index_method_weights i on i.system = d.system "
        "and i.weighting = d.weighting and i.dimension = d.dimension and i.level = 'indicator' "
        "where d.level = 'dimension' group by all").df()
    np.testing.assert_allclose(dims["weight"], dims["summed"], rtol=0, atol=1e-14)
    assert set(dims["weighting"]) == {"entropy", "equal", "critic"}


@pytest.mark.parametrize("system", ["nqp_a", "nqp_c", "nqp_e", "nqp_three_factor_e", "coordination_b"])
def test_spearman_matches_scipy(frames, system):
    scores = frames["by_method"]
    for level, dimension in [("total", None), *(("dimension", d) for d in sorted(
            scores.loc[(scores["system"] == system) & (scores["level"] == "dimension"), "dimension"].unique()))]:
        part = scores[(scores["system"] == system) & (scores["level"] == level)]
        if dimension is not None:
            part = part[part["dimension"] == dimension]
        wide = part.pivot(index=["region_code", "year"], columns="method", values="score")
        corr = frames["correlations"]
        corr = corr[(corr["system"] == system) & (corr["level"] == level)]
        corr = corr[corr["dimension"].isna()] if dimension is None else corr[corr["dimension"] == dimension]
        pooled = corr[corr["scope"] == "pooled"].set_index(["method_a", "method_b"])
        assert len(pooled) == 12  # 4 methods, ordered pairs
        for (a, b), row in pooled.iterrows():
            assert row["n_units"] == len(wide)
            assert row["spearman"] == pytest.approx(stats.spearmanr(wide[a], wide[b]).statistic, abs=TOL)
            assert row["spearman"] == pytest.approx(pooled.loc[(b, a), "spearman"], abs=1e-14)
        per_year = corr[corr["scope"] == "year"]
        assert len(per_year) == 12 * wide.index.get_level_values("year").nunique()
        for _, row in per_year.iterrows():
            year = wide.xs(row["year"], level="year")
            assert row["n_units"] == len(year)
            assert row["spearman"] == pytest.approx(
                stats.spearmanr(year[row["method_a"]], year[row["method_b"]]).statistic, abs=TOL)


# ------------------------------------------------------------------------ results.index_robustness

@pytest.fixture(scope="module")
def declared():
    return {s.study: s for s in study_declarations(load_manifest()) if s.robustness}


def test_every_declared_robustness_table_landed(warehouse_connection, declared):
    assert set(declared) >= {"paper_a", "paper_b", "paper_c", "paper_e"}
    for study in declared.values():
        for declaration in study.robustness:
            rows = warehouse_connection.execute(
                "select * from results.index_robustness where study = ? and table_id = ? order by method_order",
                [study.study, declaration.robustness_id]).df()
            assert rows["method"].tolist() == [m for m, _ in declaration.methods]
            assert rows["is_baseline_method"].sum() == 1
            baseline = rows[rows["is_baseline_method"]].iloc[0]
            coefficient = warehouse_connection.execute(
                "select estimate, std_error, t, p from results.regression_coefficients where study = ? and "
                "table_id = ? and column_id = ? and equation = 'main' and term = ?",
                [study.study, declaration.table_id, declaration.column_id, declaration.term]).df().iloc[0]
            for name in ("estimate", "std_error", "t", "p"):
                assert baseline[name] == coefficient[name], (study.study, name)  # exactly the baseline column
            nobs = warehouse_connection.execute(
                "select nobs from results.regression_fits where study = ? and table_id = ? and column_id = ?",
                [study.study, declaration.table_id, declaration.column_id]).fetchone()[0]
            assert rows["nobs"].eq(nobs).all()
            assert baseline["spearman_vs_baseline"] == 1.0
            correlations = warehouse_connection.execute(
                "select method_b, spearman from main.index_method_correlations where system = ? and level = 'total' "
                "and scope = 'pooled' and method_a = ?", [declaration.system, baseline["method"]]).df()
            expected = dict(zip(correlations["method_b"], correlations["spearman"]))
            for _, row in rows[~rows["is_baseline_method"]].iterrows():
                assert row["spearman_vs_baseline"] == expected[row["method"]]


@pytest.mark.parametrize("study_id", ["paper_a", "paper_b", "paper_e"])
def test_other_methods_equal_a_direct_refit(warehouse_connection, declared, study_id):
    """Papers A and B: the index is the regressor; Paper E: the outcome (winsorised like nqp)."""
    study = declared[study_id]
    declaration = study.robustness[0]
    table = next(t for t in study.tables if t.table_id == declaration.table_id)
    column = next(c for c in table.columns if c.column_id == declaration.column_id)
    panel = warehouse_connection.execute(f"select * from {study.relation}").df()
    rows = warehouse_connection.execute(
        "select * from results.index_robustness where study = ? and table_id = ?",
        [study_id, declaration.robustness_id]).df().set_index("method")
    estimates = set()
    for method, panel_column in declaration.methods:
        frame = panel if panel_column == declaration.variable else (
            panel.drop(columns=declaration.variable).rename(columns={panel_column: declaration.variable}))
        direct = fit_fixed_effects(frame, column.depvar, list(column.regressors) + list(column.controls),
                                   absorb=list(column.absorb), vcov=column.vcov, cluster=column.cluster)
        row = rows.loc[method]
        assert row["estimate"] == pytest.approx(direct.params[declaration.term], rel=1e-12)
        assert row["std_error"] == pytest.approx(direct.std_errors[declaration.term], rel=1e-12)
        assert row["nobs"] == direct.nobs
        estimates.add(round(row["estimate"], 12))
    assert len(estimates) == 4  # four different indices give four different coefficients


def _winsor2(values: pd.Series, q: float = 0.01) -> pd.Series:
    from tests.test_paper_c_e_tables import _winsor2 as stata_winsor2

    return stata_winsor2(values, q)


@pytest.mark.parametrize("study_id,system,winsorised", [("paper_a", "nqp_a", False), ("paper_b", "factor_innovation_b", False),
                                                        ("paper_c", "nqp_c", False), ("paper_e", "nqp_e", True)])
def test_panels_carry_the_index_under_each_method(warehouse_connection, declared, study_id, system, winsorised):
    """The panel columns a robustness declaration names are the system's total scores under the
    method (macro nqp_scores_by_method), transformed like the baseline index (Paper E: winsor2 1/99)."""
    study = declared[study_id]
    panel = warehouse_connection.execute(f"select * from {study.relation}").df()
    scores = warehouse_connection.execute(
        "select region_code, year, method, score from main.index_scores_by_method "
        "where system = ? and level = 'total'", [system]).df()
    for method, panel_column in study.robustness[0].methods:
        expected = scores[scores["method"] == method].drop(columns="method")
        merged = panel[["region_code", "year", panel_column]].merge(expected, on=["region_code", "year"])
        assert len(merged) == len(panel)
        target = _winsor2(merged["score"]) if winsorised else merged["score"]
        np.testing.assert_allclose(merged[panel_column], target, rtol=0, atol=1e-14, err_msg=f"{study_id} {method}")


def _display_tables(manifest: dict):
    nodes = {**manifest["nodes"], **manifest["sources"]}
    for unique_id, node in nodes.items():
        meta = node.get("config", {}).get("meta") or node.get("meta") or {}
        for display in meta.get("display_tables", []) + ([meta["display_table"]] if "display_table" in meta else []):
            yield node, display


def test_display_tables_of_the_robustness_relations_select_rows(warehouse_connection):
    """Each display-table declaration of this part names existing columns and its filter selects rows."""
    declarations = [(node, display) for node, display in _display_tables(load_manifest())
                    if node["name"] in ("index_method_weights", "index_method_correlations", "index_robustness")]
    assert {(node["name"], d["study"], d["table_id"]) for node, d in declarations} >= {
        ("index_robustness", "paper_a", "R1"), ("index_robustness", "paper_b", "R1"), ("index_robustness", "paper_c", "R1"),
        ("index_robustness", "paper_e", "R1"), ("index_method_correlations", "paper_e", "R3"),
        ("index_method_weights", "paper_a", "R2")}
    for node, display in declarations:
        relation = f"{node['schema']}.{node.get('alias') or node.get('identifier') or node['name']}"
        columns = display["row_columns"] + display["value_columns"]
        assert set(columns) | set(display["order_by"]) <= set(node["columns"]), (node["name"], display["table_id"])
        rows = warehouse_connection.execute(
            f"select {', '.join(columns)} from {relation} where {display.get('where', 'true')} "
            f"order by {', '.join(display['order_by'])}").df()
        assert len(rows) > 0, (node["name"], display["study"], display["table_id"])
