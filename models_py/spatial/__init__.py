"""Spatial numerics: weights (queen / inverse distance / economic distance), Moran's I, and SAR /
SEM / SDM panel ML with fixed effects and LeSage-Pace effects. Standalone modules; the estimator
registry wraps them later (declarations follow)."""
