"""Global Moran's I per year of Paper E's outcome (nqp) and core regressor (indus) under the queen
weights of the spatial_weights mart, by esda (models_py/spatial/moran.py): I, E[I], the
normal-approximation z and p, the permutation p and z (999 permutations, seeded). A year in which a
region lacks the value gets a row with no statistic and the reason (a real-only build), never a
silent gap."""
import pandas as pd

from models_py.spatial import moran
from models_py.spatial.weights import SpatialWeights

VARIABLES = {"nqp": ("新质生产力", "New quality productive forces"),
             "indus": ("产业集聚", "Industrial agglomeration")}
COLUMNS = ["study", "variable", "variable_label_zh", "variable_label_en", "weights", "year", "moran_i",
           "expected_i", "z_norm", "p_norm", "p_sim", "z_sim", "permutations", "n", "reason"]


def model(dbt, session):
    dbt.config(materialized="table")
    panel = dbt.ref("panel_paper_e").df()
    weights = SpatialWeights.from_long(dbt.ref("spatial_weights").df(), "queen")
    frames = []
    for variable, (label_zh, label_en) in VARIABLES.items():
        complete, gaps = moran.complete_years(panel, variable, weights)
        found = moran.global_moran(complete, variable, weights, permutations=999, seed=12345)
        parts = [f for f in (found, gaps) if len(f)]
        if parts:
            frame = pd.concat(parts, ignore_index=True)
            frame["variable_label_zh"], frame["variable_label_en"] = label_zh, label_en
            frames.append(frame)
    out = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()).reindex(columns=COLUMNS)
    out["study"] = "paper_e"
    out["year"] = out["year"].astype(int)
    out["n"] = out["n"].astype("Int64")
    out["permutations"] = out["permutations"].astype("Int64")
    out["reason"] = out["reason"].astype("string")
    return out.sort_values(["variable", "year"], ignore_index=True)
