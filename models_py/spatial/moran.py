"""Global Moran's I per year and local Moran (LISA) quadrants, by esda, as frames.

Thin wrappers: esda computes; these functions align a long panel (region_code, year, value) with
a ``SpatialWeights`` matrix, check the input and return one tidy frame. Inference is by
permutation with a fixed seed (esda draws with NumPy's global generator, so it is seeded before
each call); the normal-approximation z of the global statistic is reported too.

Quadrants (Anselin 1995), from the standardised value z_i and its spatial lag Wz_i:
HH (1) z>0, Wz>0; LH (2) z<0, Wz>0; LL (3) z<0, Wz<0; HL (4) z>0, Wz<0. A region is
"significant" when its folded permutation p-value is below ``alpha``.
"""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from models_py.errors import DataError
from models_py.spatial.weights import SpatialWeights

QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}

# The studies whose outcome and core regressor the Moran marts (moran_global, moran_local) test:
# study -> (level of its units, {variable: (label_zh, label_en)}); its panel is panel_<study>.
MORAN_STUDIES = {
    "paper_e": ("province", {"nqp": ("新质生产力", "New quality productive forces"),
                             "indus": ("产业集聚", "Industrial agglomeration")}),
    "city_demo": ("prefecture_city", {"nqp": ("新质生产力（地级市）", "NQP (cities)"),
                                      "regional_gap_abs": ("区域差距", "Regional gap")}),
}
# esda permutes with NumPy's global generator; dbt runs Python models in threads of one process, so two
# seeded computations at once would interleave their draws (different p each build). One at a time.
GLOBAL_RNG = threading.Lock()


def _cross_sections(panel: pd.DataFrame, value: str, weights: SpatialWeights, region: str, year: str):
    for column in (region, year, value):
        if column not in panel.columns:
            raise DataError(f"Moran's I needs the column {column!r}", column=column)
    codes = list(weights.codes)
    for period, rows in panel.groupby(year, sort=True):
        series = rows.set_index(region)[value]
        if series.index.duplicated().any():
            raise DataError(f"{value}: a region appears twice in one year", year=period,
                            region=series.index[series.index.duplicated()][0])
        absent = [code for code in codes if code not in series.index or pd.isna(series.get(code))]
        if absent:
            raise DataError(f"{value} is missing for a region in the weights (Moran's I needs every region)",
                            year=period, region=absent[0], column=value)
        extra = sorted(set(series.index) - set(codes))
        if extra:
            raise DataError(f"{value}: region not in the {weights.kind} weights", year=period, region=extra[0])
        yield period, series.loc[codes].to_numpy(float)


def complete_years(panel: pd.DataFrame, value: str, weights: SpatialWeights, region: str = "region_code",
                   year: str = "year") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of the years in which every region of W has ``value``, and one row (year, variable,
    weights, reason) for each other year: a real-only warehouse may lack values, and a missing year
    is then stated, not silently skipped."""
    keep, gaps = [], []
    for period, rows in panel.groupby(year, sort=True):
        have = set(rows.loc[rows[value].notna(), region].astype(int))
        absent = [code for code in weights.codes if code not in have]
        if absent:
            gaps.append({"year": period, "variable": value, "weights": weights.kind,
                         "reason": f"{value} missing for region(s) {absent}: Moran's I needs every region"})
        else:
            keep.append(period)
    return (panel[panel[year].isin(keep)],
            pd.DataFrame(gaps, columns=["year", "variable", "weights", "reason"]))


def global_moran(panel: pd.DataFrame, value: str, weights: SpatialWeights, *, permutations: int = 999,
                 seed: int = 12345, region: str = "region_code", year: str = "year") -> pd.DataFrame:
    """One row per year: I, E[I], z and p under normality, permutation p (one-sided, esda's
    ``p_sim``) and the z of I against the permutation distribution."""
    from esda.moran import Moran

    w = weights.to_libpysal()
    w.transform = "r"
    rows = []
    for period, values in _cross_sections(panel, value, weights, region, year):
        with GLOBAL_RNG:
            np.random.seed(seed)
            moran = Moran(values, w, transformation="r", permutations=permutations)
        rows.append({"year": period, "variable": value, "weights": weights.kind, "moran_i": moran.I,
                     "expected_i": moran.EI, "z_norm": moran.z_norm, "p_norm": moran.p_norm,
                     "p_sim": moran.p_sim if permutations else np.nan,
                     "z_sim": moran.z_sim if permutations else np.nan, "permutations": permutations,
                     "n": len(values)})
    return pd.DataFrame(rows)


def local_moran(panel: pd.DataFrame, value: str, weights: SpatialWeights, *, permutations: int = 999,
                seed: int = 12345, alpha: float = 0.05, region: str = "region_code",
                year: str = "year") -> pd.DataFrame:
    """One row per region and year: local I_i, quadrant (HH/LH/LL/HL), folded permutation p and
    whether it is significant at ``alpha``."""
    from esda.moran import Moran_Local

    w = weights.to_libpysal()
    w.transform = "r"
    frames = []
    for period, values in _cross_sections(panel, value, weights, region, year):
        with GLOBAL_RNG:
            local = Moran_Local(values, w, transformation="r", permutations=permutations, seed=seed, n_jobs=1)
        frames.append(pd.DataFrame({
            "year": period, "region_code": list(weights.codes), "variable": value, "weights": weights.kind,
            "local_i": local.Is, "quadrant": [QUADRANTS[q] for q in local.q], "p_sim": local.p_sim,
            "significant": local.p_sim < alpha}))
    return pd.concat(frames, ignore_index=True)
