"""Global and local Moran's I (models_py.spatial.moran, esda) against the textbook formulas. No
warehouse build; weights are a small ring so no boundaries are read."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models_py.errors import DataError
from models_py.spatial.moran import complete_years, global_moran, local_moran
from models_py.spatial.weights import SpatialWeights, row_standardise


@pytest.fixture(scope="module")
def ring():
    n = 20
    raw = np.zeros((n, n))
    for i in range(n):
        raw[i, (i + 1) % n] = raw[i, (i - 1) % n] = 1.0
    codes = tuple(range(1, n + 1))
    return SpatialWeights("ring", codes, row_standardise(raw, codes, "ring"))


@pytest.fixture(scope="module")
def panel(ring):
    rng = np.random.default_rng(3)
    smooth = np.cumsum(rng.normal(size=ring.n))  # spatially smooth: positive autocorrelation
    return pd.concat([pd.DataFrame({"region_code": ring.codes, "year": year,
                                    "value": smooth + 0.3 * rng.normal(size=ring.n)}) for year in (2020, 2021)],
                     ignore_index=True)


def _moran_by_hand(values, w):
    z = values - values.mean()
    return len(values) / w.sum() * (z @ w @ z) / (z @ z)


def test_global_moran_equals_formula(ring, panel):
    result = global_moran(panel, "value", ring, permutations=199, seed=1)
    assert list(result["year"]) == [2020, 2021]
    for row in result.itertuples():
        values = panel[panel.year == row.year].set_index("region_code").loc[list(ring.codes), "value"].to_numpy()
        assert row.moran_i == pytest.approx(_moran_by_hand(values, np.asarray(ring.matrix)), rel=1e-10)
        assert row.expected_i == pytest.approx(-1 / (ring.n - 1))
        assert row.moran_i > 0.3 and row.p_sim <= 0.01  # smooth series: strongly clustered


def test_permutation_inference_is_seeded(ring, panel):
    first = global_moran(panel, "value", ring, permutations=99, seed=5)
    again = global_moran(panel, "value", ring, permutations=99, seed=5)
    pd.testing.assert_frame_equal(first, again)
    local_first = local_moran(panel, "value", ring, permutations=99, seed=5)
    local_again = local_moran(panel, "value", ring, permutations=99, seed=5)
    pd.testing.assert_frame_equal(local_first, local_again)


def test_local_moran_quadrants_and_values(ring, panel):
    result = local_moran(panel, "value", ring, permutations=99, seed=2)
    assert len(result) == 2 * ring.n
    w = np.asarray(ring.matrix)
    for year, rows in result.groupby("year"):
        values = panel[panel.year == year].set_index("region_code").loc[list(ring.codes), "value"].to_numpy()
        z = values - values.mean()
        lag = w @ z
        expected = np.where(z > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL"))
        assert list(rows["quadrant"]) == list(expected)
        # local I_i is proportional to z_i (W z)_i with one positive factor; the locals average to global I
        ratio = rows["local_i"].to_numpy() / (z * lag)
        np.testing.assert_allclose(ratio, ratio[0])
        assert rows["local_i"].mean() == pytest.approx(_moran_by_hand(values, w) * (ring.n - 1) / ring.n, rel=1e-8) \
            or rows["local_i"].mean() == pytest.approx(_moran_by_hand(values, w), rel=1e-8)
        assert rows["significant"].equals(rows["p_sim"] < 0.05)


def test_missing_region_is_an_error(ring, panel):
    with pytest.raises(DataError, match="missing for a region") as error:
        global_moran(panel.drop(index=3), "value", ring, permutations=0)
    assert error.value.region == 4
    with pytest.raises(DataError, match="not in the ring weights"):
        local_moran(pd.concat([panel, pd.DataFrame({"region_code": [99], "year": [2020], "value": [1.0]})]),
                    "value", ring, permutations=0)


def test_complete_years_names_each_incomplete_year(ring, panel):
    holey = panel.copy()
    first_year = sorted(holey["year"].unique())[0]
    code = ring.codes[1]
    holey.loc[(holey["year"] == first_year) & (holey["region_code"] == code), "value"] = np.nan
    kept, gaps = complete_years(holey, "value", ring)
    assert first_year not in set(kept["year"]) and set(kept["year"]) == set(panel["year"]) - {first_year}
    assert gaps[["year", "variable", "weights"]].values.tolist() == [[first_year, "value", ring.kind]]
    assert f"[{code}]" in gaps["reason"].iloc[0]
    kept_all, no_gaps = complete_years(panel, "value", ring)
    assert len(kept_all) == len(panel) and no_gaps.empty
