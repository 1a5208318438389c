"""The choice between sources in pandas, for the generator only (it anchors on real values before
dbt runs). The warehouse's choice is SQL (int_observations_chosen); tests/test_shipped_sources.py
checks both pick the same value on the shipped data.

Rule (seeds/reference/_reference.yml, source_precedence): inbox first; then the lowest rank among
sources a source_precedence row covers for the series and year; then the lowest default_rank.
"""

from __future__ import annotations

import pandas as pd

from models_py.errors import DataError

from ..seeds import REPO_ROOT, read_reference_csv

KEY = ["region_code", "year", "series"]


def choose_sources(observations: pd.DataFrame, root=REPO_ROOT) -> pd.DataFrame:
    """One row per region-year-series of raw.portal_observations (with source_id)."""
    if observations.empty or "source_id" not in observations:
        return observations
    sources = read_reference_csv("source_registry", root).astype({"default_rank": int})
    declared = read_reference_csv("source_precedence", root).astype(
        {"year_from": int, "year_to": int, "rank": int})
    obs = observations.reset_index(drop=True)
    unknown = set(obs["source_id"]) - set(sources["source_id"])
    if unknown:
        raise DataError(f"sources {sorted(unknown)} are not in seeds/reference/source_registry.csv")
    rank = obs["source_id"].map(dict(zip(sources["source_id"], sources["default_rank"]))).astype(float)
    rule = pd.Series(2, index=obs.index)
    for row in declared.itertuples():
        hit = ((obs["series"] == row.series) & (obs["source_id"] == row.source_id)
               & obs["year"].between(row.year_from, row.year_to))
        rank[hit], rule[hit] = row.rank, 1
    inbox = obs["source_id"] == "inbox"
    rank[inbox], rule[inbox] = 0, 0
    ranked = obs.assign(_rule=rule, _rank=rank).sort_values(KEY + ["_rule", "_rank", "source_id"])
    best = ranked.drop_duplicates(KEY, keep="first")
    tied = ranked.merge(best[KEY + ["_rule", "_rank", "source_id"]], on=KEY + ["_rule", "_rank"],
                        suffixes=("", "_best"))
    tied = tied[tied["source_id"] != tied["source_id_best"]]
    if not tied.empty:
        t = tied.iloc[0]
        raise DataError(f"two sources at the same rank: {t['source_id_best']} and {t['source_id']}; "
                        "rank them in seeds/reference/source_precedence.csv",
                        series=t["series"], region=int(t["region_code"]), year=int(t["year"]))
    return best.drop(columns=["_rule", "_rank"]).reset_index(drop=True)
