"""Resolve region-year-series given by more than one source: the higher precedence wins.

Two observations of the same key at the same precedence are a DataError (naming both files and
rows): which one is right is a decision for source_mappings.csv, not for load order. Inbox files
also carry `file_rank` (their inbox.yml precedence): two inbox files of the same rank giving the
same key are an error even when their columns map with different precedences, because between a
user's own files only the user can say which is right -- unless every one of them was mapped by
seeds/reference/source_mappings.csv (`via_mappings`), whose precedences are the project's declared
ranking of the portal's exports (a copy of the shipped set in the inbox loads as it does shipped).
"""

from __future__ import annotations

import pandas as pd

from models_py.errors import DataError

KEY = ["region_code", "year", "series"]


def resolve_precedence(candidates: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (kept observations, overridden observations with the winner's lineage)."""
    _raise_on_ties(candidates, ["precedence"])
    if "file_rank" in candidates:
        inbox = candidates[candidates["file_rank"].notna()]
        groups = inbox.groupby(KEY + ["file_rank"])
        files = groups["source_file"].transform("nunique")
        declared = groups["via_mappings"].transform("all").astype(bool)
        _raise_on_ties(inbox[(files > 1) & ~declared], ["file_rank"],
                       "between inbox files at the same inbox.yml precedence")
    best = candidates.groupby(KEY)["precedence"].transform("max")
    kept = candidates[candidates["precedence"] == best]
    dropped = candidates[candidates["precedence"] != best]
    winner_cols = {"source_file": "kept_file", "source_row": "kept_row", "value": "kept_value",
                   "precedence": "kept_precedence"}
    overridden = dropped.merge(kept[KEY + list(winner_cols)].rename(columns=winner_cols), on=KEY,
                               how="left")
    return kept.reset_index(drop=True), overridden.reset_index(drop=True)


def _raise_on_ties(candidates: pd.DataFrame, rank: list[str], what: str | None = None) -> None:
    tied = candidates[candidates.duplicated(KEY + rank, keep=False)]
    if tied.empty:
        return
    first = tied.sort_values(KEY + ["source_file", "source_row"]).iloc[0]
    same = tied[(tied[KEY] == first[KEY]).all(axis=1) & (tied[rank[0]] == first[rank[0]])]
    same = same.sort_values(["source_file", "source_row"])
    a, b = same.iloc[0], same.iloc[1]
    what = what or f"at the same precedence {a['precedence']}"
    hint = "; rank the files under precedence: in inbox.yml" if "file_rank" in rank else ""
    raise DataError(
        f"duplicate {a['series']} {what}{hint}: "
        f"{a['source_file']} {_where(a)} and {b['source_file']} {_where(b)} (value {b['raw_text']!r})",
        file=a["source_file"], row=int(a["source_row"]),
        sheet=a["source_sheet"] if isinstance(a["source_sheet"], str) else None,
        column=a["source_column"], region=int(a["region_code"]), year=int(a["year"]),
        value=a["raw_text"], series=a["series"],
    )


def _where(rec) -> str:
    sheet = rec["source_sheet"]
    if isinstance(sheet, str):
        return f"sheet {sheet!r} row {int(rec['source_row'])}"
    return f"line {int(rec['source_row'])}"
