"""Estimators run on the marts: two-way (high-dimensional) fixed-effects regression."""

from models_py.estimators.fixed_effects import FixedEffectsResult, fit_fixed_effects, stars

__all__ = ["FixedEffectsResult", "fit_fixed_effects", "stars"]
