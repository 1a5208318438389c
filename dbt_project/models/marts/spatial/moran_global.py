"""Global Moran's I per year of each spatial study's outcome and core regressor under the queen weights
of the spatial_weights mart, by esda (models_py/spatial/moran.py): I, E[I], the normal-approximation z
and p, the permutation p and z (999 permutations, seeded). Paper E: nqp and indus over the 31
provinces; city_demo: the city NQP index and the regional gap over the 337 cities. A year in which a
unit lacks the value gets a row with no statistic and the reason (a real-only build), never a silent
gap."""
import pandas as pd

from models_py.spatial import moran
from models_py.spatial.weights import SpatialWeights

COLUMNS = ["study", "variable", "variable_label_zh", "variable_label_en", "weights", "year", "moran_i",
           "expected_i", "z_norm", "p_norm", "p_sim", "z_sim", "permutations", "n", "reason"]


def model(dbt, session):
    dbt.config(materialized="table")
    long = dbt.ref("spatial_weights").df()
    panels = {"paper_e": dbt.ref("panel_paper_e").df(), "city_demo": dbt.ref("panel_city_demo").df()}  # literals
    frames = []
    for study, (level, variables) in moran.MORAN_STUDIES.items():
        panel = panels[study]
        weights = SpatialWeights.from_long(long, "queen", level=level)
        for variable, (label_zh, label_en) in variables.items():
            complete, gaps = moran.complete_years(panel, variable, weights)
            found = moran.global_moran(complete, variable, weights, permutations=999, seed=12345)
            parts = [f for f in (found, gaps) if len(f)]
            if parts:
                frame = pd.concat(parts, ignore_index=True)
                frame["variable_label_zh"], frame["variable_label_en"], frame["study"] = label_zh, label_en, study
                frames.append(frame)
    out = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()).reindex(columns=COLUMNS)
    out["year"] = out["year"].astype(int)
    out["n"] = out["n"].astype("Int64")
    out["permutations"] = out["permutations"].astype("Int64")
    out["reason"] = out["reason"].astype("string")
    return out.sort_values(["study", "variable", "year"], ignore_index=True)
