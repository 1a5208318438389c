"""Marts data_realness and data_realness_series against pandas on the built warehouse."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import re

import yaml

from models_py.config import PROJECT_ROOT
from models_py.declarations import load_manifest

pytestmark = pytest.mark.build


def frame(connection, sql: str) -> pd.DataFrame:
    return connection.execute(sql).df()


def classify(is_synthetic: pd.Series, is_interpolated: pd.Series, has_value: pd.Series) -> pd.Series:
    return pd.Series(np.select([~has_value, is_synthetic, is_interpolated], ["missing", "generated", "interpolated"],
                               "real"), index=has_value.index)


def counts(kinds: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    table = kinds.groupby(keys)["kind"].value_counts().unstack(fill_value=0)
    for kind in ("real", "interpolated", "generated", "missing"):
        if kind not in table:
            table[kind] = 0
    return table[["real", "interpolated", "generated", "missing"]].add_prefix("n_")


def test_index_systems_match_pandas(warehouse_connection):
    values = frame(warehouse_connection, "select * from indicator_values")
    imputed = values["is_imputed"].fillna(False).astype(bool) if "is_imputed" in values else False
    indicators = frame(warehouse_connection, "select system, indicator, numerator, denominator "
                                             "from reference.index_indicators")
    flags = frame(warehouse_connection, "select region_code, year, series, is_interpolated from series_values")
    cells = values.merge(indicators, on=["system", "indicator"], how="left")
    for side in ("numerator", "denominator"):
        cells = cells.merge(flags.rename(columns={"series": side, "is_interpolated": f"{side}_interp"}),
                            on=["region_code", "year", side], how="left")
    cells["interp"] = cells["numerator_interp"].fillna(False).astype(bool) | \
        cells["denominator_interp"].fillna(False).astype(bool) | imputed  # the system's rule imputed it
    own = cells[~cells["numerator"].str.startswith("index:")]
    component_any = own.groupby(["system", "region_code", "year"])["interp"].any().rename("component_interp")
    component = cells[cells["numerator"].str.startswith("index:")].copy()
    component["component"] = component["numerator"].str.slice(6)
    component = component.merge(component_any.reset_index().rename(columns={"system": "component"}),
                                on=["component", "region_code", "year"], how="left")
    component["interp"] = component["component_interp"].fillna(False).astype(bool) | component["interp"]
    cells = pd.concat([own, component[own.columns]], ignore_index=True)
    cells["kind"] = classify(cells["is_synthetic"].astype(bool), cells["interp"], cells["value"].notna())
    expected = counts(cells, ["system"])
    mart = frame(warehouse_connection, "select * from data_realness where subject_kind = 'index_system'") \
        .set_index("subject")
    assert set(mart.index) == set(expected.index) == set(
        frame(warehouse_connection, "select system from reference.index_systems")["system"])
    for column in expected.columns:
        assert (mart.loc[expected.index, column].astype(int) == expected[column]).all(), column
    assert np.allclose(mart["share_real"], mart["n_real"] / mart["n_cells"])
    assert np.allclose(mart[["share_real", "share_interpolated", "share_generated", "share_missing"]].sum(axis=1), 1)


def expected_study_series(manifest: dict, known: set[str], index_inputs: pd.DataFrame) -> dict[str, set[str]]:
    """The macro nqp_study_series_rows re-read in Python: quoted codes and var values in the SQL of
    each study's models and of the study-less models they read, kept where they name a series; plus
    the inputs of the study's index systems."""
    project_vars = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text("utf-8"))["vars"]
    nodes = manifest["nodes"]
    study_of = {key: (node["config"].get("meta") or {}).get("study") for key, node in nodes.items()
                if node["resource_type"] == "model"}
    out: dict[str, set[str]] = {}
    for key, study in study_of.items():
        if not study:
            continue
        texts = [nodes[key]["raw_code"]] + [nodes[p]["raw_code"] for p in nodes[key]["depends_on"]["nodes"]
                                           if p in study_of and not study_of[p]]
        for text in texts:
            codes = set(re.findall(r"'([a-z][a-z0-9_]*)'", text))
            for name in re.findall(r"var\(\s*'([a-z][a-z0-9_]*)'", text):
                value = project_vars.get(name)
                codes |= {value} if isinstance(value, str) else {v for v in value or [] if isinstance(v, str)} \
                    if isinstance(value, list) else set()
            out.setdefault(study, set()).update(codes & known)
    for row in index_inputs.itertuples():
        out.setdefault(row.study, set()).add(row.series)
    return out


def test_studies_match_pandas(warehouse_connection):
    query = lambda sql, params=(): warehouse_connection.execute(sql, list(params)).df()  # noqa: E731
    derived = re.findall(r"'([a-z][a-z0-9_]*)' as series",
                         (PROJECT_ROOT / "dbt_project/models/intermediate/int_series_derived.sql").read_text("utf-8"))
    known = set(query("select series_code from reference.series_catalogue")["series_code"]) | set(derived)
    inputs = query("""select distinct s.study, unnest([i.numerator, i.denominator]) as series
                      from reference.index_indicators i join reference.index_systems s on s.system = i.system""")
    inputs = inputs[inputs["series"].notna() & ~inputs["series"].fillna("").str.startswith("index:")]
    expected = expected_study_series(load_manifest(), known, inputs)
    per_series = frame(warehouse_connection, "select * from data_realness_series")
    values = frame(warehouse_connection, "select region_code, year, series, value, is_synthetic, is_interpolated "
                                         "from series_values")
    n_regions = int(query("select count(*) as n from reference.regions")["n"][0])
    # a study with a city-level index system is counted on the city values and its cities
    city_values = frame(warehouse_connection, "select region_code, year, series, value, is_synthetic, "
                                              "is_interpolated from intermediate.int_city_series_values")
    city_studies = set(query("select study from reference.index_systems where unit_level = 'prefecture_city'")["study"])
    systems = query("select study, min(year_from) as first, max(year_to) as last from reference.index_systems "
                    "group by study").set_index("study")
    mart = frame(warehouse_connection, "select * from data_realness where subject_kind = 'study'").set_index("subject")
    assert set(mart.index) == set(expected) >= {"paper_a", "paper_b", "paper_c", "paper_d", "paper_e"}
    assert {"gdp", "gdp_per_capita", "population"} <= expected["paper_d"]
    for study, series in expected.items():
        assert set(per_series.loc[per_series["study"] == study, "series"]) == series, study
        first, last = (systems.loc[study, ["first", "last"]] if study in systems.index
                       else (values["year"].min(), values["year"].max()))
        source, n_units = ((city_values, city_values["region_code"].nunique()) if study in city_studies
                           else (values, n_regions))
        window = source[source["series"].isin(series) & source["year"].between(first, last)].copy()
        window["kind"] = classify(window["is_synthetic"], window["is_interpolated"], window["value"].notna())
        got = window["kind"].value_counts()
        row = mart.loc[study]
        assert row["n_cells"] == len(series) * n_units * (last - first + 1), study
        for kind in ("real", "interpolated", "generated"):
            assert row[f"n_{kind}"] == got.get(kind, 0), (study, kind)
        assert row["n_missing"] == row["n_cells"] - int(window["value"].notna().sum()), study


def test_default_build_says_how_real_each_study_is(warehouse_connection):
    """The shipped warehouse: every study has real values; Paper D (GDP, population) and Paper B's
    industrial-digitisation index (value added by sector) are real throughout (interpolated between
    real years, never generated); the other studies still need the demo fill for some series."""
    mart = frame(warehouse_connection, "select * from data_realness where subject_kind = 'study'").set_index("subject")
    assert mart.loc["city_demo", "share_generated"] == 1  # the generated city demo panel, all of it
    mart = mart.drop(index="city_demo")
    assert (mart["share_real"] > 0).all()
    assert mart.loc["paper_d", "share_generated"] == 0 and mart.loc["paper_d", "share_real"] > 0.9
    assert (mart.drop(index="paper_d")["share_generated"] > 0).all()
    index = frame(warehouse_connection, "select * from data_realness where subject_kind = 'index_system'"
                  ).set_index("subject")
    digitisation = index.loc["industrial_digitisation_b"]
    assert digitisation["share_generated"] == 0 and digitisation["share_real"] > 0.8
