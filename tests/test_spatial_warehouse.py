"""Paper E's spatial tables in the session warehouse (build): the SDM / SAR / SEM columns equal a
direct fit_spatial_panel on the panel read back from the warehouse, the weights mart equals the
weights module, Moran's I equals esda on the same data, and the tables are in all five reports."""
from __future__ import annotations

import re

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest

from models_py.spatial import outlines
from models_py.spatial import weights as sw
from models_py.spatial.panel_ml import fit_spatial_panel
from tests.session_builds import session_reports

CONTROLS = ["financial_development", "env_regulation", "industrial_structure", "urbanisation", "transport"]
TERMS = ["indus", *CONTROLS]


@pytest.fixture(scope="module")
def panel(warehouse_connection):
    return warehouse_connection.execute("select * from main.panel_paper_e order by region_code, year").df()


def _coefficients(connection, table_id: str, column_id: str) -> pd.DataFrame:
    return connection.execute(
        "select equation, term, estimate, std_error, p, stat_kind from results.regression_coefficients "
        "where study = 'paper_e' and table_id = ? and column_id = ?", [table_id, column_id]).df()


def _check_against(rows: pd.DataFrame, direct) -> None:
    main = rows[rows["equation"] == "main"].set_index("term")
    spatial = "lambda" if direct.model == "sem" else "rho"
    assert list(main.index) == [*TERMS, spatial, "sigma2_e"] and set(rows["stat_kind"]) == {"z"}
    np.testing.assert_allclose(main["estimate"], direct.params[[*TERMS, spatial, "sigma2_e"]], rtol=1e-10)
    np.testing.assert_allclose(main["std_error"], direct.std_errors[[*TERMS, spatial, "sigma2_e"]], rtol=1e-10)
    expected = {"sdm": {"main", "wx", "direct", "indirect", "total"}, "sar": {"main", "direct", "indirect", "total"},
                "sem": {"main"}}[direct.model]
    assert set(rows["equation"]) == expected
    for equation, source in (("wx", "Wx"), ("direct", "direct"), ("indirect", "indirect"), ("total", "total")):
        if equation in expected:
            got = rows[rows["equation"] == equation].set_index("term").loc[TERMS]
            np.testing.assert_allclose(got["estimate"], direct.equations[source].params[TERMS], rtol=1e-10)
            np.testing.assert_allclose(got["std_error"], direct.equations[source].std_errors[TERMS], rtol=1e-10)


def test_the_panel_is_balanced(panel):
    assert len(panel) == 31 * 13 and panel.groupby("region_code")["year"].nunique().eq(13).all()
    assert not panel[["nqp", *TERMS, "gdp_per_capita"]].isna().any().any()


def test_sdm_table_equals_a_direct_fit_on_the_warehouse_panel(warehouse_connection, panel):
    direct = fit_spatial_panel(panel, "nqp", TERMS, sw.queen_contiguity(), model="sdm", effects="both",
                               draws=1000, seed=20261205, vce="oim")
    _check_against(_coefficients(warehouse_connection, "table9", "(1)"), direct)
    fit = warehouse_connection.execute(
        "select nobs, estimator, vcov_type, region_fe, year_fe from results.regression_fits "
        "where study = 'paper_e' and table_id = 'table9'").df().iloc[0]
    assert fit["nobs"] == 403 and fit["estimator"] == "spatial" and fit["vcov_type"] == "oim"
    assert fit["region_fe"] and fit["year_fe"]
    stats = warehouse_connection.execute(
        "select statistic, value, df, p, note from results.model_diagnostics where study = 'paper_e' "
        "and table_id = 'table9'").df().set_index("statistic")
    assert stats.loc["log_likelihood", "value"] == pytest.approx(direct.log_likelihood, rel=1e-12)
    for d in direct.diagnostics:
        assert stats.loc[d.name, "value"] == pytest.approx(d.value, rel=1e-9) and stats.loc[d.name, "df"] == 6
    assert stats.loc["spatial_weights", "note"] == "queen" and stats.loc["effect_draws", "value"] == 1000


@pytest.mark.parametrize("column_id, model, weights", [("(1)", "sar", "queen"), ("(2)", "sem", "queen"),
                                                       ("(3)", "sdm", "economic_distance")])
def test_comparison_columns_equal_direct_fits(warehouse_connection, panel, column_id, model, weights):
    w = sw.queen_contiguity() if weights == "queen" else sw.economic_distance(panel, "gdp_per_capita")
    direct = fit_spatial_panel(panel, "nqp", TERMS, w, model=model, draws=1000, seed=20261205, vce="oim")
    _check_against(_coefficients(warehouse_connection, "table10", column_id), direct)


def test_weights_mart_holds_the_modules_matrices(warehouse_connection, panel):
    long = warehouse_connection.execute("select * from main.spatial_weights").df()
    for expected in (sw.queen_contiguity(), sw.inverse_distance(), sw.economic_distance(panel, "gdp_per_capita")):
        stored = sw.SpatialWeights.from_long(long, expected.kind, level="province").aligned(expected.codes)
        # economic distance inverts differences of mean GDP per capita: the build's panel sums and
        # this recomputation's differ in the last bits, amplified up to ~1e-11 relative
        rtol = 1e-9 if expected.kind == "economic_distance" else 1e-12
        np.testing.assert_allclose(stored.matrix, expected.matrix, rtol=rtol, atol=0)


def test_moran_tables_equal_esda_on_the_same_data(warehouse_connection, panel):
    from libpysal.weights import Queen, W

    polygons = outlines.polygons("province")
    w = Queen.from_dataframe(polygons, ids=list(polygons["region_code"].astype(int)), use_index=False,
                             silence_warnings=True)
    w.neighbors[46], w.weights[46] = [44], [1.0]  # Hainan's declared link, both ways
    w.neighbors[44], w.weights[44] = [*w.neighbors[44], 46], [*w.weights[44], 1.0]
    codes = sorted(w.neighbors)  # region-code order, as the mart's: the permutation draws follow the order
    w = W({c: w.neighbors[c] for c in codes}, {c: w.weights[c] for c in codes}, ids=codes, silence_warnings=True)
    w.transform = "r"
    _assert_moran_marts_equal_esda(warehouse_connection, "paper_e", panel, w, years=13)


def _assert_moran_marts_equal_esda(connection, study: str, panel, w, years: int) -> None:
    """moran_global (every year of both variables) and moran_local (nqp, 2022) of ``study`` against
    esda's Moran / Moran_Local on the panel with ``w`` (ids in region-code order, as the marts')."""
    from esda.moran import Moran, Moran_Local

    stored = connection.execute("select * from main.moran_global where study = ? order by variable, year",
                                [study]).df()
    assert len(stored) == 2 * years and stored["reason"].isna().all() and set(stored["n"]) == {w.n}
    for row in stored.itertuples():
        values = panel[panel["year"] == row.year].set_index("region_code").loc[w.id_order, row.variable]
        np.random.seed(12345)
        reference = Moran(values.to_numpy(float), w, permutations=999)
        assert row.moran_i == pytest.approx(reference.I, rel=1e-12)
        assert row.z_norm == pytest.approx(reference.z_norm, rel=1e-10)
        assert row.p_sim == pytest.approx(reference.p_sim)
    local = connection.execute("select * from main.moran_local where study = ? and variable = 'nqp' and year = 2022 "
                               "order by region_code", [study]).df()
    assert len(local) == w.n
    values = panel[panel["year"] == 2022].set_index("region_code").loc[w.id_order, "nqp"]
    reference = Moran_Local(values.to_numpy(float), w, permutations=999, seed=12345, n_jobs=1)
    by_code = dict(zip(w.id_order, zip(reference.Is, reference.q)))
    for row in local.itertuples():
        assert row.local_i == pytest.approx(by_code[row.region_code][0], rel=1e-10)
        assert row.quadrant == {1: "HH", 2: "LH", 3: "LL", 4: "HL"}[by_code[row.region_code][1]]


def test_weights_mart_holds_the_city_matrices(warehouse_connection):
    long = warehouse_connection.execute("select * from main.spatial_weights").df()
    assert long.groupby("level")["region_code"].nunique().to_dict() == {"province": 31, "prefecture_city": 337}
    city_panel = warehouse_connection.execute("select region_code, year, gdp_per_capita from main.panel_city_demo").df()
    for expected in (sw.queen_contiguity("prefecture_city"), sw.inverse_distance(level="prefecture_city"),
                     sw.economic_distance(city_panel, "gdp_per_capita")):
        stored = sw.SpatialWeights.from_long(long, expected.kind, level="prefecture_city").aligned(expected.codes)
        rtol = 1e-9 if expected.kind == "economic_distance" else 1e-12
        np.testing.assert_allclose(stored.matrix, expected.matrix, rtol=rtol, atol=0)
    with pytest.raises(Exception, match="name one"):
        sw.SpatialWeights.from_long(long, "queen")


def test_city_moran_equals_esda_with_a_w_from_shapely_and_the_seed(warehouse_connection):
    """The city rows of moran_global / moran_local against esda with W built here without libpysal's
    Queen: GEOS intersects of the city outlines plus the declared links of the seed."""
    import shapely
    from libpysal.weights import W

    polygons = outlines.polygons("prefecture_city")
    codes = [int(c) for c in polygons["region_code"]]
    left, right = shapely.STRtree(polygons.geometry.to_numpy()).query(polygons.geometry.to_numpy(),
                                                                      predicate="intersects")
    neighbours = {code: set() for code in codes}
    for i, j in zip(left, right):
        if i != j:
            neighbours[codes[i]].add(codes[j])
    links = pd.read_csv(sw.ISLAND_LINKS_SEED)
    for a, b in zip(links["region_code"], links["neighbour_code"]):
        if a in neighbours:
            neighbours[a].add(int(b))
    w = W({c: sorted(neighbours[c]) for c in codes}, ids=codes, silence_warnings=True)
    w.transform = "r"
    panel = warehouse_connection.execute("select * from main.panel_city_demo").df()
    _assert_moran_marts_equal_esda(warehouse_connection, "city_demo", panel, w, years=12)


def test_the_spatial_tables_are_in_all_five_reports(built_warehouse):
    reports = session_reports(built_warehouse)
    captions = ("表9 空间杜宾模型", "表10 空间计量模型比较", "表11 新质生产力与产业集聚的全局莫兰指数")
    for suffix in ("md", "html", "tex"):
        text = (reports / f"paper_e.{suffix}").read_text(encoding="utf-8")
        for caption in captions:
            assert caption in text, (suffix, caption)
        assert "SDM 直接效应" in text and "SDM 间接效应" in text and "SDM W·x" in text
    book = openpyxl.load_workbook(reports / "paper_e.xlsx")
    assert {"table9", "table10", "table11"} <= set(book.sheetnames)
    cells = {str(c.value) for row in book["table9"].iter_rows() for c in row if c.value is not None}
    assert {"SDM 总效应", "对数似然值"} <= cells
    document = docx.Document(str(reports / "paper_e.docx"))
    texts = "\n".join(p.text for p in document.paragraphs)
    assert all(caption in texts for caption in captions)
    headers = {cell.text for table in document.tables for cell in table.rows[0].cells}
    assert {"SDM 主效应", "SDM 直接效应", "SDM（经济距离） 总效应"} <= headers
    assert re.search(r"观测信息矩阵", (reports / "paper_e.md").read_text(encoding="utf-8"))
