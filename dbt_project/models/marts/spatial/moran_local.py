"""Local Moran's I (LISA) of each spatial study's outcome and core regressor (as in moran_global) under
the queen weights of the spatial_weights mart, in the first, middle and last year of the study's panel,
by esda (models_py/spatial/moran.py): local I, quadrant (HH / LH / LL / HL, Anselin 1995), folded
permutation p (999, seeded) and significance at 5 %. A year in which a unit lacks the value is not
computed (moran_global holds its row with the reason)."""
import pandas as pd

from models_py.spatial import moran
from models_py.spatial.weights import SpatialWeights

COLUMNS = ["study", "variable", "weights", "year", "region_code", "local_i", "quadrant", "p_sim", "significant"]


def model(dbt, session):
    dbt.config(materialized="table")
    long = dbt.ref("spatial_weights").df()
    panels = {"paper_e": dbt.ref("panel_paper_e").df(), "city_demo": dbt.ref("panel_city_demo").df()}  # literals
    frames = []
    for study, (level, variables) in moran.MORAN_STUDIES.items():
        panel = panels[study]
        weights = SpatialWeights.from_long(long, "queen", level=level)
        years = sorted(panel["year"].unique())
        if not years:
            continue
        chosen = sorted({years[0], years[len(years) // 2], years[-1]})
        for variable in variables:
            complete, _ = moran.complete_years(panel[panel["year"].isin(chosen)], variable, weights)
            if len(complete):
                frames.append(moran.local_moran(complete, variable, weights, permutations=999, seed=12345)
                              .assign(study=study))
    out = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS))
    out = out.reindex(columns=COLUMNS)
    out["year"] = out["year"].astype(int)
    out["region_code"] = out["region_code"].astype(int)
    out["significant"] = out["significant"].astype(bool)
    return out.sort_values(["study", "variable", "year", "region_code"], ignore_index=True)
