"""Independent NumPy / pandas reference of the index systems' missing-value rules.

Written from the rule definitions (README "Missing values", seeds/reference/_reference.yml), line by
line: one line = one system, indicator and region, its values over the sample years (NaN = no value).

    error           nothing is filled
    interpolate     a gap with observed years on both sides: linear between the nearest of them
                    (numpy.interp on the observed points)
    extrapolate     as interpolate, plus the gaps before the first / after the last observed year:
                    nearest  the first / last observed value (numpy.interp clamps to the end points)
                    linear   the straight line through the two observed years nearest that edge
                             (numpy.polyfit of degree 1; one observed year: nothing is filled)
    complete_cases  nothing is filled; a system-region-year with any indicator missing is dropped

A value filled from neighbours is synthetic when one of the values it is computed from is. The
region-years kept for weighting are those of systems with no value left missing (and not dropped);
a system with a value left missing cannot be scored (`MissingIndicatorValues`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

LINE = ["system", "indicator", "region_code"]
REGION_YEAR = ["system", "region_code", "year"]


class MissingIndicatorValues(ValueError):
    """A system's rule leaves indicator values missing: (indicator, region, year) of each, sorted."""

    def __init__(self, system: str, rule: str, missing: list[tuple[str, int, int]]):
        self.system, self.rule, self.missing = system, rule, sorted(missing)
        super().__init__(f"index system {system} (missing_rule {rule}): {len(missing)} indicator value(s) missing")


def fill_line(years: np.ndarray, values: np.ndarray, synthetic: np.ndarray, rule: str, extrapolation: str):
    """One line: (filled values, imputation per year or None, synthetic per year)."""
    years = np.asarray(years, dtype=float)
    values = np.asarray(values, dtype=float).copy()
    synthetic = np.asarray(synthetic, dtype=bool).copy()
    imputation = [None] * len(years)
    observed = ~np.isnan(values)
    if rule not in ("interpolate", "extrapolate") or not observed.any():
        return values, imputation, synthetic
    known_years, known_values, known_synthetic = years[observed], values[observed], synthetic[observed]
    for i in np.flatnonzero(~observed):
        year = years[i]
        before, after = known_years[known_years < year], known_years[known_years > year]
        if before.size and after.size:
            values[i] = np.interp(year, known_years, known_values)
            imputation[i] = "interpolate"
            synthetic[i] = (known_synthetic[known_years == before.max()][0]
                            or known_synthetic[known_years == after.min()][0])
            continue
        if rule != "extrapolate":
            continue
        leading = not before.size
        order = np.argsort(known_years if leading else -known_years)  # observed years nearest the edge first
        if extrapolation == "nearest":
            values[i] = np.interp(year, known_years, known_values)  # clamps to the end point
            synthetic[i] = known_synthetic[order[0]]
        elif known_years.size >= 2:
            pair = order[:2]
            # centred on the gap's year, so the line's value there is its intercept (no cancellation)
            _slope, intercept = np.polyfit(known_years[pair] - year, known_values[pair], 1)
            values[i] = intercept
            synthetic[i] = known_synthetic[pair].any()
        else:
            continue
        imputation[i] = "extrapolate"
    return values, imputation, synthetic


def apply_rules(long: pd.DataFrame) -> pd.DataFrame:
    """`long`: LINE columns, year, value, is_synthetic, imputation, missing_rule, extrapolation (per
    system). Returns it with value / is_synthetic / imputation after the rule, is_imputed,
    is_missing and is_dropped."""
    frames = []
    for _, line in long.sort_values(LINE + ["year"]).groupby(LINE, sort=False):
        rule, extrapolation = line["missing_rule"].iloc[0], line["extrapolation"].iloc[0]
        values, imputed, synthetic = fill_line(line["year"].to_numpy(), line["value"].to_numpy(),
                                               line["is_synthetic"].to_numpy(), rule, extrapolation)
        line = line.copy()
        line["imputation"] = [new if new is not None else (old if not np.isnan(value) else None)
                              for new, old, value in zip(imputed, line["imputation"], values)]
        line["value"], line["is_synthetic"] = values, synthetic
        frames.append(line)
    filled = pd.concat(frames, ignore_index=True)
    filled["imputation"] = filled["imputation"].where(filled["imputation"].notna(), None)
    filled["is_imputed"] = filled["imputation"].notna()
    filled["is_missing"] = filled["value"].isna()
    incomplete = filled.groupby(REGION_YEAR)["is_missing"].transform("any")
    filled["is_dropped"] = (filled["missing_rule"] == "complete_cases") & incomplete
    return filled


def complete_sets(filled: pd.DataFrame, action: str = "report") -> tuple[pd.DataFrame, list[str]]:
    """The rows weights and scores may use, and the systems that cannot be scored. `raise`: the first
    such system (by name) raises MissingIndicatorValues instead."""
    kept, unscored = [], []
    for system, rows in filled.groupby("system", sort=True):
        left_missing = rows[rows["is_missing"] & ~rows["is_dropped"]]
        if len(left_missing) or rows["is_dropped"].all():
            if action == "raise":
                raise MissingIndicatorValues(
                    system, rows["missing_rule"].iloc[0],
                    list(left_missing[["indicator", "region_code", "year"]].itertuples(index=False, name=None)))
            unscored.append(system)
            continue
        kept.append(rows[~rows["is_dropped"]])
    columns = filled.columns
    return (pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=columns)), unscored
