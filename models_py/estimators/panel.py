"""The study panel a declared column is fitted on: its unit and time, lags, squared term, sample.

``prepare_panel`` builds what a declaration asks for before its estimator kind runs: lag columns
``L<n>.x`` (gap-aware: from the row of year − n of the same region, missing when that year is not
in the panel), the squared term ``x_sq``, then the sample filter (Stata's ``if``: lags are built
on the whole panel first). A kind that builds its own lags (gmm: xtabond2's grid) gets none.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from models_py.estimators.numerics import lag_expression, split_lag

UNIT, TIME = "region_code", "year"  # the panel's unit and time variables (docs/architecture.md)


def squared_name(variable: str) -> str:
    return f"{variable}_sq"


def referenced_names(column) -> list[str]:
    """Every variable name the column uses (lag expressions as written, generated squared term left out)."""
    from models_py.estimators.registry import kind_of

    names = [column.depvar, *(t for t in column.terms if t != column.squared_term)]
    names += kind_of(column).variables(column)
    names += [f"L{n}.{v}" for v, n in column.lags]
    return list(dict.fromkeys(names))


def required_columns(column) -> list[str]:
    """Panel columns the column needs (lag expressions reduced to the lagged variable)."""
    from models_py.estimators.registry import kind_of

    kind = kind_of(column)
    names = [split_lag(n)[0] for n in referenced_names(column)]
    names += [UNIT, TIME]
    if kind.absorbs:
        names += column.absorb
    if column.cluster and kind.clusters:
        names.append(column.cluster)
    names += kind.grouping(column)
    if column.sample and column.sample.where_group:
        names.append(column.sample.where_group[0])
    return list(dict.fromkeys(names))


def add_lag(frame: pd.DataFrame, variable: str, n: int) -> pd.Series:
    """x lagged n years within region: the value of (region, year − n), missing when that
    region-year is not in the frame (a gap), as Stata's L<n>. operator after xtset."""
    source = frame[[UNIT, TIME, variable]].copy()
    source[TIME] = source[TIME] + n
    merged = frame[[UNIT, TIME]].merge(source, on=[UNIT, TIME], how="left", validate="one_to_one")
    return pd.Series(merged[variable].to_numpy(), index=frame.index, name=f"L{n}.{variable}")


def prepare_panel(panel: pd.DataFrame, column) -> pd.DataFrame:
    """The panel sorted by region and year with the declared lags and squared term, then filtered."""
    from models_py.estimators.registry import kind_of

    kind = kind_of(column)
    duplicated = panel.duplicated([UNIT, TIME])
    if duplicated.any():
        first = panel.loc[duplicated, [UNIT, TIME]].iloc[0].tolist()
        raise ValueError(f"the panel has repeated rows for {UNIT}={first[0]}, {TIME}={first[1]}")
    frame = panel.sort_values([UNIT, TIME], kind="stable").reset_index(drop=True)
    if kind.prebuilt_lags:
        lags = {}
        for name in referenced_names(column):
            lag = lag_expression(name)
            if lag and name not in frame.columns:
                lags[name] = add_lag(frame, *lag)
        if lags:
            frame = pd.concat([frame, pd.DataFrame(lags)], axis=1)
    if column.squared:
        name = squared_name(column.squared)
        if name in panel.columns:
            raise ValueError(f"the panel already has a column {name!r}; the squared term would replace it")
        if not kind.prebuilt_lags and lag_expression(column.squared):
            raise ValueError(f"with {kind.name} the squared variable must be a panel column, not a lag expression")
        frame[name] = frame[column.squared].astype(float) ** 2
    sample = column.sample
    if sample:
        keep = np.ones(len(frame), dtype=bool)
        if sample.drop_regions:
            keep &= ~frame[UNIT].isin(sample.drop_regions).to_numpy()
        if sample.years:
            keep &= frame[TIME].between(*sample.years).to_numpy()
        if sample.drop_years:
            keep &= ~frame[TIME].isin(sample.drop_years).to_numpy()
        if sample.where_group:
            group, values = sample.where_group
            keep &= frame[group].isin(values).to_numpy()
        frame = frame.loc[keep].reset_index(drop=True)
        if frame.empty:
            raise ValueError(f"the sample filter ({sample.describe()}) leaves no rows")
    return frame
