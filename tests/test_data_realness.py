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


def expected_study_series(manifest: dict, known: set[str], index_inputs: pd.DataFrame) -> dict[str, dict[str, str | None]]:
    """The macro nqp_study_series_rows re-read in Python: quoted codes and var values in the SQL of
    each study's models and of the study-less models they read, kept where they name a series; plus
    the inputs of the study's index systems. Per study, series -> the level it is read at when only
    models marked config.meta.unit_level read it (that level), else None (the study's own level)."""
    project_vars = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text("utf-8"))["vars"]
    nodes = manifest["nodes"]
    study_of = {key: (node["config"].get("meta") or {}).get("study") for key, node in nodes.items()
                if node["resource_type"] == "model"}
    levels: dict[str, dict[str, set]] = {}
    for key, study in study_of.items():
        if not study:
            continue
        texts = [(nodes[key]["raw_code"], None)] + [
            (nodes[p]["raw_code"], (nodes[p]["config"].get("meta") or {}).get("unit_level"))
            for p in nodes[key]["depends_on"]["nodes"] if p in study_of and not study_of[p]]
        for text, level in texts:
            codes = set(re.findall(r"'([a-z][a-z0-9_]*)'", text))
            for name in re.findall(r"var\(\s*'([a-z][a-z0-9_]*)'", text):
                value = project_vars.get(name)
                codes |= {value} if isinstance(value, str) else {v for v in value or [] if isinstance(v, str)} \
                    if isinstance(value, list) else set()
            for code in codes & known:
                levels.setdefault(study, {}).setdefault(code, set()).add(level)
    for row in index_inputs.itertuples():
        levels.setdefault(row.study, {}).setdefault(row.series, set()).add(None)
    return {study: {code: (None if None in read else min(read)) for code, read in series.items()}
            for study, series in levels.items()}


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
    assert {"gdp", "gdp_per_capita", "population"} <= set(expected["paper_d"])
    sources = {"province": (values, n_regions),
               "prefecture_city": (city_values, city_values["region_code"].nunique())}
    for study, read_levels in expected.items():
        mine = per_series[per_series["study"] == study].set_index("series")
        assert set(mine.index) == set(read_levels), study
        first, last = (systems.loc[study, ["first", "last"]] if study in systems.index
                       else (values["year"].min(), values["year"].max()))
        own_level = "prefecture_city" if study in city_studies else "province"
        at_level = {series: level or own_level for series, level in read_levels.items()}
        assert mine["unit_level"].to_dict() == at_level, study
        cells, n_values, got = 0, 0, pd.Series(dtype=int)
        for level in set(at_level.values()):
            series = {name for name, at in at_level.items() if at == level}
            source, n_units = sources[level]
            window = source[source["series"].isin(series) & source["year"].between(first, last)].copy()
            window["kind"] = classify(window["is_synthetic"], window["is_interpolated"], window["value"].notna())
            got = got.add(window["kind"].value_counts(), fill_value=0)
            cells += len(series) * n_units * (last - first + 1)
            n_values += int(window["value"].notna().sum())
        row = mart.loc[study]
        assert row["n_cells"] == cells, study
        for kind in ("real", "interpolated", "generated"):
            assert row[f"n_{kind}"] == got.get(kind, 0), (study, kind)
        assert row["n_missing"] == row["n_cells"] - n_values, study
    # the city study reads its provinces' GDP index (their deflators) on the provinces, its own series on the cities
    assert expected["city_demo"]["gdp_index"] == "province" and expected["city_demo"]["gdp"] is None


def test_default_build_says_how_real_each_study_is(warehouse_connection):
    """The shipped warehouse: every study has real values (the city demo only its provinces' GDP index);
    Paper D (GDP, population) and Paper B's industrial-digitisation index (value added by sector) are
    real throughout (interpolated between real years, never generated); the other studies still need
    the demo fill for some series."""
    mart = frame(warehouse_connection, "select * from data_realness where subject_kind = 'study'").set_index("subject")
    # the generated city demo panel, all of it, and its provinces' GDP index (the deflators: real but for
    # Beijing's demo fill)
    city = frame(warehouse_connection, "select series, unit_level, n_real, n_generated, n_region_years "
                                       "from data_realness_series where study = 'city_demo'").set_index("series")
    cities = city[city["unit_level"] == "prefecture_city"]
    assert (cities["n_generated"] == cities["n_region_years"]).all() and len(cities) >= 10
    assert city.loc["gdp_index", "unit_level"] == "province" and city.loc["gdp_index", "n_real"] > 0
    assert mart.loc["city_demo", "share_generated"] > 0.95
    mart = mart.drop(index="city_demo")
    assert (mart["share_real"] > 0).all()
    assert mart.loc["paper_d", "share_generated"] == 0 and mart.loc["paper_d", "share_real"] > 0.9
    assert (mart.drop(index="paper_d")["share_generated"] > 0).all()
    index = frame(warehouse_connection, "select * from data_realness where subject_kind = 'index_system'"
                  ).set_index("subject")
    digitisation = index.loc["industrial_digitisation_b"]
    assert digitisation["share_generated"] == 0 and digitisation["share_real"] > 0.8
