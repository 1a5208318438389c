"""The alternative-weighting macros (nqp_equal_weights, nqp_critic_weights) and the rank correlation
(nqp_spearman) against the NumPy / SciPy reference in tests/reference/alternative_weights_numpy.py.

Compiled once per session by dbt itself (`dbt compile --inline`) in the pipeline the models use:
ranges -> standardised -> weights -> coefficients -> scores. The compiled SQL runs with the duckdb
client on in-memory tables; weights and scores must equal the reference to 1e-10.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import tests.test_index_macros as entropy_tests
from tests.examples import examples
from tests.reference.alternative_weights_numpy import CriticUndefined, critic_weights, equal_weights, spearman
from tests.reference.dbt_inline import compile_queries
from tests.reference.entropy_numpy import standardise, weighted_sum

SCOPE = ["system", "period_scheme", "period"]
UNITS = ["region_code", "year"]
TOL = 1e-10


def _pipeline(scope: list[str]) -> dict[str, str]:
    source = "'index_test_inputs'"
    ctes = (
        f"with ranges as ({{{{ nqp_indicator_ranges({source}, {scope!r}, shift='shift') }}}}),\n"
        f"standardised as ({{{{ nqp_standardise({source}, {scope!r}, ranges='ranges') }}}}),\n"
        f"equal_weights as ({{{{ nqp_equal_weights('standardised', {scope!r}) }}}}),\n"
        f"critic_weights as ({{{{ nqp_critic_weights('standardised', {scope!r}, {UNITS!r}) }}}}),\n"
        f"coefficients as ({{{{ nqp_score_coefficients('ranges', 'critic_weights', {scope!r}) }}}})\n"
    )
    return {
        "equal": ctes + "select * from equal_weights",
        "critic": ctes + "select * from critic_weights",
        "critic_scores": ctes + f"{{{{ nqp_composite_scores({source}, 'coefficients', {scope!r}, {UNITS!r}, "
                                "with_topsis=false) }}",
    }


class Compiled(dict):
    """The compiled queries; a short repr, so hypothesis does not print 30 kB of SQL per example."""

    def __repr__(self) -> str:
        return f"<{len(self)} compiled queries>"


@pytest.fixture(scope="session")
def sql() -> dict[str, str]:
    queries = _pipeline(SCOPE)
    queries.update({"pooled_" + name: text for name, text in _pipeline([]).items()})
    queries["spearman_grouped"] = "{{ nqp_spearman('rank_test_pairs', ['grp'], 'x', 'y') }}"
    queries["spearman_pooled"] = "{{ nqp_spearman('rank_test_pairs', [], 'x', 'y') }}"
    compiled, _ = compile_queries(queries)
    return Compiled(compiled)


def reference(frame: pd.DataFrame, scope: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(weights, critic scores) of every scope, from the NumPy reference."""
    weight_rows, score_frames = [], []
    groups = frame.groupby(scope, sort=True) if scope else [((), frame)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        X = part.set_index(UNITS + ["indicator"])["value"].unstack("indicator").sort_index(axis=1)
        info = part.drop_duplicates("indicator").set_index("indicator").loc[X.columns]
        Z = standardise(X.to_numpy(), (info["direction"] == "negative").to_numpy(), float(part["shift"].iloc[0]))
        sigma, conflict, w_critic = critic_weights(Z)
        w_equal = equal_weights(Z)
        n_units = np.sum(~np.isnan(Z), axis=0)
        for j, indicator in enumerate(X.columns):
            weight_rows.append({**dict(zip(scope, key)), "indicator": indicator, "n_units": n_units[j],
                                "std_dev": sigma[j], "conflict": conflict[j], "critic": w_critic[j],
                                "equal": w_equal[j]})
        scores = X.index.to_frame(index=False)
        scores["weighted_sum"] = weighted_sum(Z, w_critic)
        for column, value in zip(scope, key):
            scores[column] = value
        score_frames.append(scores)
    return pd.DataFrame(weight_rows), pd.concat(score_frames, ignore_index=True)


def check(sql, frame: pd.DataFrame, scope=SCOPE, prefix=""):
    connection = entropy_tests.load(frame)
    weights, scores = reference(frame, scope)
    keys = scope + ["indicator"]
    equal = connection.execute(sql[prefix + "equal"]).df()
    assert list(equal.columns) == keys + ["n_units", "weight"]
    merged = equal.merge(weights, on=keys, how="outer", indicator=True)
    assert (merged["_merge"] == "both").all() and len(merged) == len(weights)
    np.testing.assert_allclose(merged["weight"], merged["equal"], rtol=0, atol=TOL)
    np.testing.assert_array_equal(merged["n_units_x"], merged["n_units_y"])

    critic = connection.execute(sql[prefix + "critic"]).df()
    assert list(critic.columns) == keys + ["n_units", "std_dev", "conflict", "information", "weight"]
    merged = critic.merge(weights, on=keys, how="outer", indicator=True)
    assert (merged["_merge"] == "both").all() and len(merged) == len(weights)
    for ours, theirs in (("std_dev_x", "std_dev_y"), ("conflict_x", "conflict_y"), ("weight", "critic")):
        np.testing.assert_allclose(merged[ours], merged[theirs], rtol=0, atol=TOL, err_msg=ours)
    sums = critic.groupby(scope)["weight"].sum() if scope else critic["weight"].sum()
    np.testing.assert_allclose(sums, 1.0, rtol=0, atol=TOL)

    critic_scores = connection.execute(sql[prefix + "critic_scores"]).df()
    merged = critic_scores.merge(scores, on=scope + UNITS, how="outer", indicator=True, suffixes=("_sql", "_ref"))
    assert (merged["_merge"] == "both").all() and len(merged) == len(scores)
    np.testing.assert_allclose(merged["weighted_sum_sql"], merged["weighted_sum_ref"], rtol=0, atol=TOL,
                               equal_nan=True)
    connection.close()
    return critic


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_scopes=st.integers(1, len(entropy_tests.SCOPES)),
    n_regions=st.integers(2, 8),
    n_years=st.integers(1, 4),
    n_indicators=st.integers(2, 6),
    kind=st.sampled_from(["uniform", "integers", "lognormal"]),
    missing=st.sampled_from([0.0, 0.15]),
    shift=st.sampled_from([0.0, 0.0001, 0.01]),
    pooled=st.booleans(),
)
def test_random_panels_match_reference(sql, seed, n_scopes, n_regions, n_years, n_indicators, kind, missing,
                                       shift, pooled):
    rng = np.random.default_rng(seed)
    frame = entropy_tests.make_panel(rng, entropy_tests.SCOPES[:n_scopes], n_regions,
                                     list(range(2001, 2001 + n_years)), n_indicators, kind=kind, missing=missing,
                                     shift=shift, distinct_regions=pooled)
    scope, prefix = ([], "pooled_") if pooled else (SCOPE, "")
    if missing:
        entropy_tests.keep_a_value_everywhere(frame, scope)
    if entropy_tests.bad_pairs(frame, scope):
        event("constant indicator: not weightable")
        return
    try:
        reference(frame, scope)
    except CriticUndefined:
        event("CRITIC undefined: the build stops")
        connection = entropy_tests.load(frame)
        with pytest.raises(duckdb.Error, match="CRITIC weights of scope"):
            connection.execute(sql[prefix + "critic"]).fetchall()
        return
    event("pooled" if pooled else "scoped")
    check(sql, frame, scope, prefix)


@pytest.mark.parametrize("kind", ["uniform", "lognormal"])
def test_province_panel_several_scopes(sql, kind):
    """31 regions x 20 years x 25 indicators in five scopes, 10 % missing (pairwise correlations)."""
    frame = entropy_tests.make_panel(np.random.default_rng(21), entropy_tests.SCOPES, 31, list(range(2003, 2023)),
                                     25, kind=kind, missing=0.1, shift=0.0)
    entropy_tests.keep_a_value_everywhere(frame, SCOPE)
    critic = check(sql, frame)
    assert critic["weight"].gt(0).all()


def test_critic_rewards_contrast_and_conflict(sql):
    """Two indicators carrying the same information share less weight than an independent one."""
    rng = np.random.default_rng(3)
    base = rng.uniform(0, 1, 40)
    values = {"x00": base, "x01": base + rng.normal(0, 0.01, 40), "x02": rng.uniform(0, 1, 40)}
    rows = [("s", "pooled", "pooled", "d", name, "positive", 11 + i, 2020, v[i], 0.0)
            for name, v in values.items() for i in range(40)]
    frame = pd.DataFrame(rows, columns=SCOPE + ["dimension", "indicator", "direction"] + UNITS + ["value", "shift"])
    critic = check(sql, frame).set_index("indicator")["weight"]
    assert critic["x02"] > critic["x00"] and critic["x02"] > critic["x01"]


def test_single_indicator_scope_raises(sql):
    frame = entropy_tests.make_panel(np.random.default_rng(4), entropy_tests.SCOPES[:1], 6, [2001, 2002], 2)
    frame = frame[frame["indicator"] == "x00"]
    connection = entropy_tests.load(frame)
    with pytest.raises(duckdb.Error, match="CRITIC weights of scope sysA/pooled/pooled are undefined"):
        connection.execute(sql["critic"]).fetchall()
    # equal weights are defined: 1
    assert connection.execute(sql["equal"]).df()["weight"].tolist() == [1.0]


def test_pair_without_common_units_raises(sql):
    frame = entropy_tests.make_panel(np.random.default_rng(5), entropy_tests.SCOPES[:1], 6, [2001, 2002], 3)
    frame.loc[frame["indicator"].eq("x00") & frame["year"].eq(2001), "value"] = np.nan
    frame.loc[frame["indicator"].eq("x01") & frame["year"].eq(2002), "value"] = np.nan
    connection = entropy_tests.load(frame)
    with pytest.raises(duckdb.Error, match=r"indicator x0[01] has no common unit with 1 other indicator"):
        connection.execute(sql["critic"]).fetchall()


def test_pair_constant_on_common_units_raises(sql):
    frame = entropy_tests.make_panel(np.random.default_rng(6), entropy_tests.SCOPES[:1], 6, [2001, 2002], 3)
    frame.loc[frame["indicator"].eq("x00") & frame["year"].eq(2001), "value"] = np.nan
    frame.loc[frame["indicator"].eq("x01") & frame["year"].eq(2002), "value"] = np.nan
    frame.loc[frame["indicator"].eq("x01") & frame["year"].eq(2001) & frame["region_code"].eq(11), "value"] = np.nan
    only = frame["indicator"].eq("x01") & frame["year"].eq(2001) & frame["region_code"].eq(12)
    frame.loc[frame["indicator"].eq("x00") & frame["year"].eq(2002) & frame["region_code"].ne(12), "value"] = np.nan
    frame.loc[frame["indicator"].eq("x00") & frame["year"].eq(2001) & frame["region_code"].eq(12), "value"] = 1.0
    frame.loc[only, "value"] = 5.0
    # x00 and x01 now share exactly one unit (region 12, 2001)
    connection = entropy_tests.load(frame)
    with pytest.raises(duckdb.Error, match=r"indicators x0[01] and x0[01] have no correlation \(1 common units"):
        connection.execute(sql["critic"]).fetchall()


# ----------------------------------------------------------------------------------- Spearman

def _pairs(rng, n_groups, n, ties, missing) -> pd.DataFrame:
    rows = []
    for g in range(n_groups):
        x = rng.integers(0, 5, n).astype(float) if ties else rng.normal(size=n)
        y = x + rng.normal(0, 1.5, n) if not ties else rng.integers(0, 4, n).astype(float)
        x[rng.random(n) < missing] = np.nan
        y[rng.random(n) < missing] = np.nan
        rows += [(f"g{g}", a, b) for a, b in zip(x, y)]
    return pd.DataFrame(rows, columns=["grp", "x", "y"])


def _run_spearman(sql, frame, name):
    connection = duckdb.connect(":memory:")
    connection.register("frame", frame)
    connection.execute("create table rank_test_pairs as select grp::varchar as grp, x::double as x, "
                       "y::double as y from frame")
    out = connection.execute(sql[name]).df()
    connection.close()
    return out


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_groups=st.integers(1, 4), n=st.integers(2, 40), ties=st.booleans(),
       missing=st.sampled_from([0.0, 0.2]))
def test_spearman_matches_scipy(sql, seed, n_groups, n, ties, missing):
    frame = _pairs(np.random.default_rng(seed), n_groups, n, ties, missing)
    grouped = _run_spearman(sql, frame, "spearman_grouped").set_index("grp")
    for grp, part in frame.groupby("grp"):
        n_both, rho = spearman(part["x"], part["y"])
        if n_both == 0:
            assert grp not in grouped.index
            continue
        assert grouped.loc[grp, "n_units"] == n_both
        if np.isnan(rho):
            event("undefined rho")
            assert pd.isna(grouped.loc[grp, "spearman"])
        else:
            assert grouped.loc[grp, "spearman"] == pytest.approx(rho, abs=TOL)
    pooled = _run_spearman(sql, frame, "spearman_pooled")
    n_both, rho = spearman(frame["x"], frame["y"])
    assert len(pooled) == 1 and pooled["n_units"].iloc[0] == n_both
    if not np.isnan(rho):
        assert pooled["spearman"].iloc[0] == pytest.approx(rho, abs=TOL)
