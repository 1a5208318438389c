"""The table note names the cluster by what it is at the panel's unit level: on the city panel
region_code is a city (城市 / city) and province_code a province (省份 / province), as the panel's
YAML labels them; a provincial panel's region_code stays 省份 / province. No build."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from models_py.manifest.reader import column_labels
from models_py.tables.layout import regression_display

CITY_YAML = Path(__file__).resolve().parent.parent / "dbt_project/models/marts/studies/_city_demo.yml"


@pytest.fixture(scope="module")
def city_labels() -> dict:
    """The labels the report passes for the city study, read from its YAML as the manifest reader reads them."""
    (model,) = yaml.safe_load(CITY_YAML.read_text(encoding="utf-8"))["models"]
    return column_labels({"columns": {column["name"]: column for column in model["columns"]}})


def _results(cluster: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    coefficients = pd.DataFrame({"column_id": ["(1)"], "term": ["nqp"], "term_order": [1], "estimate": [-0.2],
                                 "std_error": [0.1], "p": [0.06], "t": [-2.0], "label_zh": ["新质生产力"],
                                 "label_en": ["NQP"]})
    fits = pd.DataFrame({"column_id": ["(1)"], "column_order": [1], "estimator": ["twfe"], "depvar": ["y"],
                         "nobs": [4044], "r2_within": [0.1], "n_clusters": [337], "vcov_type": ["cluster"],
                         "cluster": [cluster], "region_fe": [True], "year_fe": [True], "has_controls": [False]})
    return coefficients, fits


def _note(cluster: str, lang: str, labels: dict | None) -> str:
    coefficients, fits = _results(cluster)
    return regression_display(coefficients, fits, None, lang=lang, labels=labels).notes[0]


@pytest.mark.parametrize(("cluster", "lang", "expected"), [
    ("region_code", "zh", "括号内为聚类到城市层面的稳健标准误"),
    ("region_code", "en", "standard errors clustered by city in parentheses"),
    ("province_code", "zh", "括号内为聚类到省份层面的稳健标准误"),
    ("province_code", "en", "standard errors clustered by province in parentheses"),
])
def test_city_panel_names_its_clusters(city_labels, cluster, lang, expected):
    assert expected in _note(cluster, lang, city_labels)


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", "括号内为聚类到省份层面的稳健标准误"), ("en", "standard errors clustered by province in parentheses")])
def test_provincial_panel_note_is_unchanged(lang, expected):
    # a provincial panel does not label region_code: the default name, the province
    assert expected in _note("region_code", lang, {"nqp": {"zh": "新质生产力", "en": "NQP"}})
    assert expected in _note("region_code", lang, None)
