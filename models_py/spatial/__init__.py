"""Spatial numerics: weights (queen / inverse distance / economic distance), Moran's I, and SAR /
SEM / SDM panel ML with fixed effects and LeSage-Pace effects. The estimator kind `spatial`
(models_py/estimators/kinds/spatial.py) wraps panel_ml; the marts spatial_weights, moran_global and
moran_local (dbt_project/models/marts/spatial/) call weights and moran."""
