"""The index macros (nqp_indicator_ranges, nqp_standardise, nqp_entropy_weights,
nqp_entropy_weights_from_values, nqp_score_coefficients, nqp_composite_scores) against the NumPy
reference in tests/reference/entropy_numpy.py.

The macros are compiled once per session by dbt itself (`dbt compile --inline`), as the pipeline the
models use: ranges -> weights (from the raw values and ranges) -> coefficients -> scores (from the raw
values); `weights_from_standardised` is the same weights from the standardised relation, and the
`declared__` stages the same tables with the directions from a relation (the models' index catalogue). The
compiled SQL runs with the duckdb client on in-memory databases holding edge-case
`index_test_inputs` tables. Weights, entropy, weighted sums and TOPSIS closeness must equal the
reference to 1e-10.
"""
from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.examples import examples
from tests.reference.dbt_inline import compile_queries
from tests.reference.entropy_numpy import NotWeightable, compute_long

SCOPE = ["system", "period_scheme", "period"]
UNITS = ["region_code", "year"]
TOL = 1e-10
POOLED = "pooled__"  # prefix of the queries compiled with scope=[]
DECLARED = "declared__"  # prefix of the queries whose directions come from index_test_directions
DECLARED_STAGES = ("ranges", "weights", "scores")


def _pipeline(scope: list[str], shift: str | None, declared: bool = False) -> dict[str, str]:
    """{name: query} for every stage of the pipeline; `shift` is the Jinja argument text (or none);
    `declared`: the directions from `index_test_directions` (as the models take them from the index
    catalogue, by system and indicator), not from the rows."""
    source = "'index_test_inputs'"
    shift_arg = f", shift={shift}" if shift is not None else ""
    if declared:
        shift_arg += ", directions='index_test_directions'" + (", direction_keys=['system', 'indicator']"
                                                                 if scope else "")
    ctes = (
        f"with ranges as ({{{{ nqp_indicator_ranges({source}, {scope!r}{shift_arg}) }}}}),\n"
        f"standardised as ({{{{ nqp_standardise({source}, {scope!r}, ranges='ranges') }}}}),\n"
        f"weights as ({{{{ nqp_entropy_weights_from_values({source}, 'ranges', {scope!r}) }}}}),\n"
        f"coefficients as ({{{{ nqp_score_coefficients('ranges', 'weights', {scope!r}) }}}})\n"
    )
    scores = f"nqp_composite_scores({source}, 'coefficients', {scope!r}, {UNITS!r}"
    return {
        "ranges": ctes + "select * from ranges",
        # the standardisation with its ranges computed inline (ranges=none)
        "standardised": f"{{{{ nqp_standardise({source}, {scope!r}{shift_arg}) }}}}",
        "standardised_from_ranges": ctes + "select * from standardised",
        "weights": ctes + "select * from weights",
        "weights_from_standardised": ctes + f"{{{{ nqp_entropy_weights('standardised', {scope!r}) }}}}",
        "coefficients": ctes + "select * from coefficients",
        "scores": ctes + f"{{{{ {scores}) }}}}",
        "dimension_scores": ctes + f"{{{{ {scores}, group_by=['dimension']) }}}}",
        "plain_scores": ctes + f"{{{{ {scores}, with_topsis=false) }}}}",
    }


def _queries() -> dict[str, str]:
    queries = _pipeline(SCOPE, "'shift'")
    queries["weights_shift_literal_001"] = _pipeline(SCOPE, "0.01")["weights"]
    queries["scores_shift_literal_001"] = _pipeline(SCOPE, "0.01")["scores"]
    queries["weights_shift_default"] = _pipeline(SCOPE, None)["weights"]
    queries.update({POOLED + name: sql for name, sql in _pipeline([], "'shift'").items()})
    for prefix, scope in (("", SCOPE), (POOLED, [])):
        queries.update({prefix + DECLARED + name: sql for name, sql in _pipeline(scope, "'shift'", declared=True).items()
                        if name in DECLARED_STAGES})
    return queries


@pytest.fixture(scope="session")
def sql() -> dict[str, str]:
    compiled, _project = compile_queries(_queries())
    return compiled


# --------------------------------------------------------------------------------- panel makers

def make_panel(rng: np.random.Generator, scopes, n_regions, years, n_indicators, *, kind="uniform",
               missing=0.0, shift=0.0, negative_every=3, distinct_regions=False) -> pd.DataFrame:
    """Long table: one independent region x year grid per scope; indicator names shared by scopes.
    `distinct_regions`: each scope has its own region codes (so the scopes can be pooled)."""
    rows = []
    for s, (system, scheme, period) in enumerate(scopes):
        first = 11 + (100 * s if distinct_regions else 0)
        for j in range(n_indicators):
            n = n_regions * len(years)
            if kind == "integers":  # many ties, incl. at the min
                values = rng.integers(0, 4, n).astype(float)
            elif kind == "lognormal":
                values = rng.lognormal(3.0, 2.0, n)
            else:
                values = rng.uniform(-50.0, 150.0, n)
            values[rng.random(n) < missing] = np.nan
            k = 0
            for region in range(first, first + n_regions):
                for year in years:
                    rows.append((system, scheme, period, f"dim_{j % 2}", f"x{j:02d}",
                                 "negative" if j % negative_every == 1 else "positive",
                                 region, year, values[k], shift))
                    k += 1
    return pd.DataFrame(rows, columns=SCOPE + ["dimension", "indicator", "direction"] + UNITS
                        + ["value", "shift"])


def keep_a_value_everywhere(frame: pd.DataFrame, scope: list[str]) -> pd.DataFrame:
    """Every unit and every indicator of a scope gets at least one value (those corners have own tests)."""
    for keys in (scope + UNITS, scope + ["indicator"]):
        frame.loc[frame.groupby(keys).head(1).index, "value"] = frame["value"].fillna(1.0)
    return frame


def load(frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:", config={"threads": 2})
    connection.register("frame", frame)
    connection.execute(
        "create table index_test_inputs as select system::varchar as system, period_scheme::varchar as "
        "period_scheme, period::varchar as period, dimension::varchar as dimension, indicator::varchar as "
        "indicator, direction::varchar as direction, region_code::integer as region_code, year::integer as "
        "year, value::double as value, shift::double as shift from frame"
    )
    connection.execute("create table index_test_directions as "
                       "select distinct system, indicator, direction from index_test_inputs")
    connection.unregister("frame")
    return connection


def run(connection, query: str) -> pd.DataFrame:
    return connection.execute(query).df()


def assert_frames_match(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str], columns: list[str]):
    assert len(actual) == len(expected), f"{len(actual)} rows from SQL, {len(expected)} from the reference"
    merged = actual.merge(expected, on=keys, how="outer", suffixes=("_sql", "_ref"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][keys]
    for column in columns:
        np.testing.assert_allclose(merged[f"{column}_sql"].astype(float), merged[f"{column}_ref"].astype(float),
                                   rtol=0, atol=TOL, err_msg=column, equal_nan=True)


def check_against_reference(sql, frame: pd.DataFrame, weights_query="weights", scores_query="scores",
                            scope=SCOPE, prefix=""):
    """Every output of the macros equals the reference; weights sum to 1 per scope; dimension
    weighted sums add up to the total. `scope=[]` with prefix POOLED: the pooled pipeline."""
    connection = load(frame)
    reference = compute_long(frame, scope, UNITS)
    reference_dims = compute_long(frame, scope, UNITS, group_by=["dimension"])

    weights = run(connection, sql[prefix + weights_query])
    assert list(weights.columns) == scope + ["indicator", "n_units", "entropy", "redundancy", "weight"]
    assert_frames_match(weights, reference.weights, scope + ["indicator"],
                        ["n_units", "entropy", "redundancy", "weight"])
    sums = weights.groupby(scope)["weight"].sum() if scope else weights["weight"].sum()
    np.testing.assert_allclose(sums, 1.0, rtol=0, atol=TOL)
    if weights_query == "weights":  # the standardised relation gives the same weights
        assert_frames_match(run(connection, sql[prefix + "weights_from_standardised"]), weights,
                            scope + ["indicator"], ["n_units", "entropy", "redundancy", "weight"])

    scores = run(connection, sql[prefix + scores_query])
    assert list(scores.columns) == scope + UNITS + ["weighted_sum", "topsis_closeness"]
    assert_frames_match(scores, reference.scores, scope + UNITS, ["weighted_sum", "topsis_closeness"])
    plain = run(connection, sql[prefix + "plain_scores"])
    assert list(plain.columns) == scope + UNITS + ["weighted_sum"]
    assert_frames_match(plain, reference.scores.drop(columns="topsis_closeness"), scope + UNITS, ["weighted_sum"])

    if weights_query == "weights":  # the directions declared in a relation give the same tables
        for stage, table in (("ranges", run(connection, sql[prefix + "ranges"])), ("weights", weights),
                             ("scores", scores)):
            keys = scope + (UNITS if stage == "scores" else ["indicator"])
            pd.testing.assert_frame_equal(
                run(connection, sql[prefix + DECLARED + stage]).sort_values(keys, ignore_index=True),
                table.sort_values(keys, ignore_index=True), obj=f"{stage} with declared directions")

    dimension_scores = run(connection, sql[prefix + "dimension_scores"])
    assert_frames_match(dimension_scores, reference_dims.scores, scope + UNITS + ["dimension"],
                        ["weighted_sum", "topsis_closeness"])
    summed = dimension_scores.groupby(scope + UNITS, as_index=False)["weighted_sum"].sum(min_count=1)
    assert_frames_match(summed, scores[scope + UNITS + ["weighted_sum"]], scope + UNITS, ["weighted_sum"])
    connection.close()
    return weights, scores


MESSAGE = re.compile(r"indicator (\S+) cannot be weighted in scope (\S+): it is constant or missing")


def bad_pairs(frame: pd.DataFrame, scope=SCOPE) -> set[tuple[str, str]]:
    """(scope label, indicator) of every indicator with fewer than two distinct values in its scope."""
    distinct = frame.groupby(scope + ["indicator"], dropna=False)["value"].nunique()
    bad = distinct[distinct < 2].index
    if not scope:
        return {("pooled", indicator) for indicator in bad}
    return {("/".join(key[:-1]), key[-1]) for key in bad}


def assert_raises_naming(sql, frame: pd.DataFrame, query="weights", scope=SCOPE, prefix=""):
    """The query stops with a message naming an indicator and scope that cannot be weighted."""
    expected = bad_pairs(frame, scope)
    assert expected, "test data has no constant indicator"
    with pytest.raises(NotWeightable):
        compute_long(frame, scope, UNITS)
    connection = load(frame)
    with pytest.raises(duckdb.Error) as raised:
        connection.execute(sql[prefix + query]).fetchall()
    connection.close()
    match = MESSAGE.search(str(raised.value))
    assert match, str(raised.value)
    assert (match.group(2), match.group(1)) in expected, (str(raised.value), expected)
    return str(raised.value)


SCOPES = [("sysA", "pooled", "pooled"), ("sysB", "pooled", "pooled"), ("sysA", "year", "2001"),
          ("sysA", "year", "2002"), ("sysB", "period", "2001-2002")]
ALL_STAGES = ("ranges", "standardised", "standardised_from_ranges", "weights", "weights_from_standardised",
              "coefficients", "scores", "dimension_scores", "plain_scores")


# ------------------------------------------------------------------------------------- the cases

@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_scopes=st.integers(1, len(SCOPES)),
    n_regions=st.integers(1, 8),
    n_years=st.integers(1, 4),
    n_indicators=st.integers(2, 6),
    kind=st.sampled_from(["uniform", "integers", "lognormal"]),
    missing=st.sampled_from([0.0, 0.15]),
    shift=st.sampled_from([0.0, 0.0001, 0.01]),
    pooled=st.booleans(),
)
def test_random_panels_match_reference(sql, seed, n_scopes, n_regions, n_years, n_indicators, kind,
                                       missing, shift, pooled):
    """Scoped (system/period_scheme/period) or pooled (scope=[], over every row of the table)."""
    rng = np.random.default_rng(seed)
    frame = make_panel(rng, SCOPES[:n_scopes], n_regions, list(range(2001, 2001 + n_years)),
                       n_indicators, kind=kind, missing=missing, shift=shift, distinct_regions=pooled)
    scope, prefix = ([], POOLED) if pooled else (SCOPE, "")
    if missing:
        keep_a_value_everywhere(frame, scope)
    if bad_pairs(frame, scope):
        event("constant indicator: error")
        assert_raises_naming(sql, frame, scope=scope, prefix=prefix)
    else:
        event("weighted, pooled" if pooled else "weighted, scoped")
        check_against_reference(sql, frame, scope=scope, prefix=prefix)


@pytest.mark.parametrize("kind", ["uniform", "lognormal"])
def test_province_panel_several_scopes(sql, kind):
    """31 regions x 20 years x 25 indicators, in five scopes at once."""
    frame = make_panel(np.random.default_rng(7), SCOPES, 31, list(range(2003, 2023)), 25, kind=kind)
    weights, _ = check_against_reference(sql, frame)
    assert weights["n_units"].eq(620).all()


def test_ranges_and_coefficients(sql):
    """The per-indicator tables: ranges, shift, and the coefficients mapping a raw value to w z."""
    frame = make_panel(np.random.default_rng(15), SCOPES, 7, [2001, 2002, 2003], 5, missing=0.1, shift=0.01)
    keep_a_value_everywhere(frame, SCOPE)
    connection = load(frame)
    keys = SCOPE + ["indicator"]
    ranges = run(connection, sql["ranges"]).sort_values(keys, ignore_index=True)
    assert list(ranges.columns) == keys + ["direction", "min_value", "max_value", "n_units", "shift", "value_range",
                                           "anchor", "signed_inverse_range"]
    grouped = frame.groupby(keys)
    expected = pd.DataFrame({"direction": grouped["direction"].first(), "min_value": grouped["value"].min(),
                             "max_value": grouped["value"].max(), "n_units": grouped["value"].count(),
                             "shift": grouped["shift"].max()}).reset_index().sort_values(keys, ignore_index=True)
    expected["value_range"] = expected["max_value"] - expected["min_value"]
    pd.testing.assert_frame_equal(ranges[keys + ["direction"]], expected[keys + ["direction"]])
    for column in ("min_value", "max_value", "n_units", "shift", "value_range"):
        np.testing.assert_array_equal(ranges[column].astype(float), expected[column].astype(float), err_msg=column)
    negative = ranges["direction"].eq("negative")
    np.testing.assert_array_equal(ranges["anchor"], np.where(negative, ranges["max_value"], ranges["min_value"]))
    np.testing.assert_array_equal(ranges["signed_inverse_range"], np.where(negative, -1.0, 1.0) / ranges["value_range"])

    coefficients = run(connection, sql["coefficients"])
    assert list(coefficients.columns) == keys + ["weight", "anchor", "signed_inverse_range", "shift", "v_best",
                                                 "v_worst"]
    weights = run(connection, sql["weights"])
    merged = coefficients.merge(weights, on=keys, suffixes=("", "_w")).merge(ranges, on=keys, suffixes=("", "_r"))
    assert len(merged) == len(ranges) == len(coefficients)
    negative = merged["direction"].eq("negative")
    np.testing.assert_array_equal(merged["weight"], merged["weight_w"])
    np.testing.assert_array_equal(merged["anchor"], np.where(negative, merged["max_value"], merged["min_value"]))
    np.testing.assert_allclose(merged["signed_inverse_range"],
                               np.where(negative, -1.0, 1.0) / merged["value_range"], rtol=1e-15, atol=0)
    np.testing.assert_allclose(merged["v_best"], merged["weight"] * 1.01, rtol=0, atol=1e-15)
    np.testing.assert_allclose(merged["v_worst"], merged["weight"] * 0.01, rtol=0, atol=1e-15)

    # w ((x - anchor) * signed_inverse_range + shift) is the weight times the standardised value
    standardised = run(connection, sql["standardised_from_ranges"]).merge(coefficients, on=keys,
                                                                          suffixes=("", "_c"))
    v = standardised["weight"] * ((standardised["value"] - standardised["anchor"])
                                  * standardised["signed_inverse_range"] + standardised["shift_c"])
    np.testing.assert_allclose(v, standardised["weight"] * standardised["standardised"], rtol=0, atol=1e-14)
    connection.close()


def test_standardise_with_given_or_inline_ranges_agree(sql):
    frame = make_panel(np.random.default_rng(16), SCOPES, 6, [2001, 2002], 4, missing=0.2, shift=0.0001)
    keep_a_value_everywhere(frame, SCOPE)
    connection = load(frame)
    order = SCOPE + ["indicator"] + UNITS
    inline = run(connection, sql["standardised"]).sort_values(order, ignore_index=True)
    given_ranges = run(connection, sql["standardised_from_ranges"]).sort_values(order, ignore_index=True)
    assert list(inline.columns) == list(frame.columns) + ["standardised"]
    pd.testing.assert_frame_equal(inline, given_ranges)
    assert inline["standardised"].isna().sum() == frame["value"].isna().sum()  # missing stays missing


def test_negative_indicator_is_mirrored(sql):
    rng = np.random.default_rng(1)
    frame = make_panel(rng, SCOPES[:1], 12, [2001, 2002], 4).assign(direction="positive")
    flipped = frame.copy()
    flipped["direction"] = "negative"
    connection = load(frame)
    positive = run(connection, sql["standardised"]).sort_values(SCOPE + ["indicator"] + UNITS)
    connection = load(flipped)
    negative = run(connection, sql["standardised"]).sort_values(SCOPE + ["indicator"] + UNITS)
    np.testing.assert_allclose(negative["standardised"].to_numpy(), 1 - positive["standardised"].to_numpy(),
                               rtol=0, atol=1e-15)
    check_against_reference(sql, flipped)
    check_against_reference(sql, make_panel(rng, SCOPES, 6, [2001, 2002, 2003], 5, negative_every=2))


@pytest.mark.parametrize("shift", [0.0001, 0.01])
def test_shift(sql, shift):
    frame = make_panel(np.random.default_rng(2), SCOPES, 9, [2001, 2002, 2003], 5, kind="integers", shift=shift)
    frame.loc[frame["indicator"] == "x00", "value"] = np.tile(np.arange(27.0), len(SCOPES))
    check_against_reference(sql, frame)
    connection = load(frame)
    for query in ("standardised", "standardised_from_ranges"):
        standardised = run(connection, sql[query])
        minimum = standardised.groupby(SCOPE + ["indicator"])["standardised"].min()
        np.testing.assert_allclose(minimum, shift, rtol=0, atol=1e-15)  # the shift is added after scaling
    if shift == 0.01:  # the shift given as a literal instead of a column
        check_against_reference(sql, frame, weights_query="weights_shift_literal_001",
                                scores_query="scores_shift_literal_001")


def test_default_shift_is_zero(sql):
    frame = make_panel(np.random.default_rng(3), SCOPES, 5, [2001, 2002], 4, shift=0.0)
    frame["shift"] = 0.5  # ignored: no shift argument
    connection = load(frame)
    weights = run(connection, sql["weights_shift_default"])
    reference = compute_long(frame.assign(shift=0.0), SCOPE, UNITS)
    assert_frames_match(weights, reference.weights, SCOPE + ["indicator"], ["entropy", "weight"])


def test_values_standardising_to_zero(sql):
    """The min itself and ties at the min give z = 0, whose p ln p is 0 (no shift)."""
    frame = make_panel(np.random.default_rng(4), SCOPES, 6, [2001, 2002, 2003], 4)
    values = frame["value"].to_numpy().copy()
    tie = frame["indicator"].eq("x00") & frame["region_code"].isin([11, 12, 13])
    values[tie.to_numpy()] = -1000.0  # three-way tie at the min of a positive indicator
    tie_max = frame["indicator"].eq("x01") & frame["region_code"].isin([14, 15])
    values[tie_max.to_numpy()] = 1000.0  # x01 is negative: ties at the max standardise to 0
    frame["value"] = values
    standardised = run(load(frame), sql["standardised"])
    zero = standardised[standardised["indicator"].isin(["x00", "x01"])
                        & standardised["region_code"].isin([11, 12, 13, 14, 15])]
    assert (zero.loc[zero["indicator"].eq("x00") & zero["region_code"].le(13), "standardised"] == 0).all()
    assert (zero.loc[zero["indicator"].eq("x01") & zero["region_code"].ge(14), "standardised"] == 0).all()
    check_against_reference(sql, frame)
    # an indicator with a single non-zero z: p = (0, ..., 1, ..., 0), entropy 0, the largest weight
    frame = make_panel(np.random.default_rng(5), SCOPES[:2], 5, [2001, 2002], 3)
    frame.loc[frame["indicator"].eq("x02"), "value"] = 0.0
    frame.loc[frame["indicator"].eq("x02") & frame["region_code"].eq(15) & frame["year"].eq(2002), "value"] = 3.0
    weights, _ = check_against_reference(sql, frame)
    np.testing.assert_allclose(weights.loc[weights["indicator"].eq("x02"), "entropy"], 0.0, atol=TOL)


@pytest.mark.parametrize("shift", [0.0, 0.01])
def test_values_far_from_zero_with_a_small_range(sql, shift):
    """Values near 1e9 spread over 1: the weights pass sums |x - anchor| row by row, so nothing of the
    size of x is subtracted after summing (Σx - n·min would lose ~7 of the 16 digits here)."""
    frame = make_panel(np.random.default_rng(12), SCOPES, 8, [2001, 2002, 2003], 5, shift=shift)
    frame["value"] = 1e9 + (frame["value"] + 50.0) / 200.0
    check_against_reference(sql, frame)


def test_distances_to_the_anchor_down_to_subnormal(sql):
    """x ln x without a branch (from values: a zero shift taken as 2^-1074, then z ln z; from the
    standardised relation: z ln(z + 2^-1074)): z = 0 at the anchor, and z as small as a subnormal just
    above it, give the reference's p ln p (0 for p = 0)."""
    frame = make_panel(np.random.default_rng(13), SCOPES[:2], 6, [2001, 2002], 3, negative_every=2)
    tiny = np.array([0.0, 5e-324, 1e-310, 1e-300, 1e-200, 1e-20])
    for indicator, sign in (("x00", 1.0), ("x01", -1.0)):  # x01 is negative: its anchor is the max
        for system in ("sysA", "sysB"):
            rows = frame.index[frame["indicator"].eq(indicator) & frame["system"].eq(system)]
            frame.loc[rows[:len(tiny)], "value"] = sign * tiny
            frame.loc[rows[len(tiny):], "value"] = sign * np.linspace(1.0, 5.0, len(rows) - len(tiny))
    weights, _ = check_against_reference(sql, frame)
    assert np.isfinite(weights["entropy"]).all()


def test_negative_shift_raises_naming_the_scope(sql):
    """z ln z is undefined below 0: a negative shift stops every stage that standardises."""
    frame = make_panel(np.random.default_rng(14), SCOPES[:2], 5, [2001, 2002], 3)
    frame.loc[frame["system"].eq("sysB"), "shift"] = -0.01
    connection = load(frame)
    for query in ("ranges", "weights", "scores"):
        with pytest.raises(duckdb.Error, match=r"the shift of scope sysB/pooled/pooled is -0\.01: it must be 0 "
                                               r"or positive"):
            connection.execute(sql[query]).fetchall()
    connection.close()


def test_single_region_pooled_over_years(sql):
    frame = make_panel(np.random.default_rng(6), [("sysA", "pooled", "pooled")], 1, list(range(2001, 2011)), 5)
    weights, scores = check_against_reference(sql, frame)
    assert weights["n_units"].eq(10).all() and len(scores) == 10


def test_single_region_per_year_scope_raises(sql):
    frame = make_panel(np.random.default_rng(6), [("sysA", "year", "2005")], 1, [2005], 4)
    message = assert_raises_naming(sql, frame)
    assert "sysA/year/2005" in message
    for query in ALL_STAGES:
        assert_raises_naming(sql, frame, query)


def test_indicator_with_both_directions_raises_naming_it(sql):
    frame = make_panel(np.random.default_rng(9), SCOPES, 6, [2001, 2002], 5, negative_every=99)
    frame.loc[frame["indicator"].eq("x02") & frame["system"].eq("sysA") & frame["period_scheme"].eq("year")
              & frame["region_code"].eq(11), "direction"] = "negative"
    connection = load(frame)
    for query in ("ranges", "weights", "scores"):
        with pytest.raises(duckdb.Error, match=r"indicator x02 is both positive and negative in scope "
                                               r"sysA/year/200[12]; give it one direction"):
            connection.execute(sql[query]).fetchall()
    connection.close()


@pytest.mark.parametrize("change, message", [
    ("delete from index_test_directions where indicator = 'x01' and system = 'sysA'", "has no direction"),
    ("insert into index_test_directions values ('sysA', 'x01', 'positive')", "has direction negative and positive"),
    ("update index_test_directions set direction = 'neg' where indicator = 'x01'", "has direction neg"),
])
def test_declared_direction_missing_twice_or_unknown_raises_naming_it(sql, change, message):
    """Directions from a relation: an indicator it does not name, names twice with two directions, or
    with a direction other than positive / negative stops every stage, naming indicator and scope."""
    frame = make_panel(np.random.default_rng(9), SCOPES[:1], 6, [2001, 2002], 5)  # x01 is negative
    connection = load(frame)
    connection.execute(change)
    for query in DECLARED_STAGES:
        with pytest.raises(duckdb.Error, match=rf"indicator x01 of scope sysA/pooled/pooled {message}"
                                               r" in index_test_directions; give it one direction"):
            connection.execute(sql[DECLARED + query]).fetchall()
    connection.close()


def test_constant_indicator_raises_naming_it(sql):
    frame = make_panel(np.random.default_rng(8), SCOPES, 6, [2001, 2002], 5)
    frame.loc[frame["indicator"].eq("x03") & frame["system"].eq("sysB") & frame["period_scheme"].eq("pooled"),
              "value"] = 42.0
    message = assert_raises_naming(sql, frame)
    assert "indicator x03 " in message and "sysB/pooled/pooled" in message
    assert bad_pairs(frame) == {("sysB/pooled/pooled", "x03")}


def test_indicator_with_a_single_value_raises(sql):
    frame = make_panel(np.random.default_rng(9), SCOPES[:2], 6, [2001, 2002], 3)
    only = frame["indicator"].eq("x01") & frame["system"].eq("sysA")
    frame.loc[only, "value"] = np.nan
    frame.loc[only[only].index[4], "value"] = 5.0
    message = assert_raises_naming(sql, frame)
    assert "indicator x01 " in message and "(1 values" in message


def test_missing_values(sql):
    rng = np.random.default_rng(10)
    frame = make_panel(rng, SCOPES, 10, [2001, 2002, 2003], 6, missing=0.25, shift=0.0001)
    frame.loc[frame.groupby(SCOPE + UNITS).head(1).index, "value"] = frame["value"].fillna(1.0)
    weights, _ = check_against_reference(sql, frame)
    expected_m = frame.groupby(SCOPE + ["indicator"])["value"].count()
    assert weights.set_index(SCOPE + ["indicator"])["n_units"].sort_index().tolist() == expected_m.tolist()
    assert (weights["n_units"] < 30).any()


def test_unit_without_values_gets_no_score(sql):
    """Undocumented corner: a unit whose indicators are all missing scores NULL, not 0."""
    frame = make_panel(np.random.default_rng(11), SCOPES[:1], 5, [2001, 2002], 4)
    frame.loc[frame["region_code"].eq(12) & frame["year"].eq(2001), "value"] = np.nan
    _, scores = check_against_reference(sql, frame)
    row = scores[scores["region_code"].eq(12) & scores["year"].eq(2001)]
    assert row["weighted_sum"].isna().all() and row["topsis_closeness"].isna().all()


def test_dimension_weighted_sums_add_up_to_total(sql):
    frame = make_panel(np.random.default_rng(12), SCOPES, 8, [2001, 2002, 2003], 7, missing=0.1)
    keep_a_value_everywhere(frame, SCOPE)
    connection = load(frame)
    total = run(connection, sql["scores"]).set_index(SCOPE + UNITS)["weighted_sum"].sort_index()
    dims = run(connection, sql["dimension_scores"])
    assert set(dims["dimension"]) == {"dim_0", "dim_1"}
    summed = dims.groupby(SCOPE + UNITS)["weighted_sum"].sum().sort_index()
    np.testing.assert_allclose(summed, total, rtol=0, atol=TOL)
    check_against_reference(sql, frame)


def test_indicator_missing_in_whole_scope_raises(sql):
    """All values missing: no range, no weight; every stage stops naming the indicator and scope."""
    frame = make_panel(np.random.default_rng(13), SCOPES[:2], 6, [2001, 2002], 4)
    frame.loc[frame["indicator"].eq("x02") & frame["system"].eq("sysB"), "value"] = np.nan
    assert bad_pairs(frame) == {("sysB/pooled/pooled", "x02")}
    for query in ALL_STAGES:
        message = assert_raises_naming(sql, frame, query)
        assert "indicator x02 " in message and "(0 values, min = NULL, max = NULL)" in message


@pytest.mark.parametrize("kind,missing,shift", [("uniform", 0.0, 0.0), ("lognormal", 0.2, 0.01),
                                                ("integers", 0.1, 0.0001)])
def test_empty_scope_is_pooled(sql, kind, missing, shift):
    """scope=[]: one scope over the whole table, whatever its other columns hold."""
    frame = make_panel(np.random.default_rng(14), SCOPES[:3], 7, [2001, 2002], 4, kind=kind, missing=missing,
                       shift=shift, distinct_regions=True)
    keep_a_value_everywhere(frame, [])
    weights, scores = check_against_reference(sql, frame, scope=[], prefix=POOLED)
    # SQL returns rows in no fixed order (it varies between runs): compare by indicator
    assert weights.set_index("indicator")["n_units"].sort_index().to_dict() == \
        frame.groupby("indicator")["value"].count().to_dict()
    assert len(scores) == 3 * 7 * 2
    connection = load(frame)
    ranges = run(connection, sql[POOLED + "ranges"])
    assert list(ranges.columns) == ["indicator", "direction", "min_value", "max_value", "n_units", "shift",
                                    "value_range", "anchor", "signed_inverse_range"]
    np.testing.assert_array_equal(ranges.sort_values("indicator")["min_value"],
                                  frame.groupby("indicator")["value"].min())
    inline = run(connection, sql[POOLED + "standardised"]).sort_values(["indicator"] + UNITS, ignore_index=True)
    given_ranges = run(connection, sql[POOLED + "standardised_from_ranges"]).sort_values(
        ["indicator"] + UNITS, ignore_index=True)
    pd.testing.assert_frame_equal(inline, given_ranges)


def test_empty_scope_constant_or_missing_indicator_raises(sql):
    frame = make_panel(np.random.default_rng(17), SCOPES[:2], 4, [2001, 2002], 3, distinct_regions=True)
    frame.loc[frame["indicator"].eq("x01"), "value"] = 7.0
    for query in ALL_STAGES:
        message = assert_raises_naming(sql, frame, query, scope=[], prefix=POOLED)
        assert "indicator x01 cannot be weighted in scope pooled:" in message
    frame.loc[frame["indicator"].eq("x01"), "value"] = np.nan
    message = assert_raises_naming(sql, frame, scope=[], prefix=POOLED)
    assert "(0 values" in message
