"""Estimators run on the marts, each matching a Stata command's conventions:

fixed_effects   reghdfe / xtreg, fe            iv              ivreghdfe / ivreg2 (+ weak-IV diagnostics)
random_effects  xtreg, re + hausman             gmm             xtabond2 (difference / system GMM)
mediation       Jiang two-step, Baron-Kenny, cluster bootstrap
heterogeneity   subsamples, interaction (Chow) test, bdiff permutation test
misallocation   LSDV Cobb-Douglas with region-specific elasticities (Bai & Liu 2018 / Chen & Hu 2011)

A table column's `estimator:` is a kind of registry.py (one module each in kinds/), returning the one
result shape of results.py; numerics.py holds what the estimators share (docs/estimators.md).
"""

from models_py.estimators.fixed_effects import FixedEffectsResult, fit_fixed_effects, stars
from models_py.estimators.gmm import GmmResult, fit_dynamic_panel
from models_py.estimators.gmm_instruments import GmmStyle, IvStyle
from models_py.estimators.heterogeneity import fit_subsamples, interaction_test, permutation_test
from models_py.estimators.iv import IVResult, fit_iv
from models_py.estimators.mediation import fit_mediation
from models_py.estimators.misallocation import ProductionFunctionFit, fit_production_function
from models_py.estimators.random_effects import fit_random_effects, hausman_test, mundlak_test

__all__ = [
    "FixedEffectsResult", "fit_fixed_effects", "stars",
    "IVResult", "fit_iv",
    "fit_random_effects", "hausman_test", "mundlak_test",
    "GmmResult", "GmmStyle", "IvStyle", "fit_dynamic_panel",
    "fit_mediation",
    "ProductionFunctionFit", "fit_production_function",
    "fit_subsamples", "interaction_test", "permutation_test",
]
