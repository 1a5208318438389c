"""Independent reference of a province's implicit GDP deflator against a base year, from the published
provincial series (series_values): nominal GDP over GDP at base-year prices chained with the GDP index
(previous year = 100),

    deflator_t = gdp_t / (gdp_b * prod_{b < s <= t} index_s / 100)       t >= b (1 in the base year)
    deflator_t = gdp_t / (gdp_b / prod_{t < s <= b} index_s / 100)       t < b

and whether it is generated: a generated GDP or GDP index of the province in any year from b to t (the
warehouse's rule, a little wider than the inputs themselves: gdp_b, gdp_t and the indices after b)."""
from __future__ import annotations

import numpy as np
import pandas as pd


def province_gdp_deflators(connection, base_year: int) -> pd.DataFrame:
    """Index (province, year), columns deflator and is_synthetic, for every year with both series."""
    series = connection.execute("select region_code, year, series, value, is_synthetic from series_values "
                                "where series in ('gdp', 'gdp_index') and region_code < 100").df()
    values = series.pivot_table(index=["region_code", "year"], columns="series", values="value")
    generated = series.pivot_table(index=["region_code", "year"], columns="series", values="is_synthetic",
                                   aggfunc="max").fillna(False).astype(bool)
    rows = []
    for province, own in values.groupby(level="region_code"):
        own = own.droplevel("region_code").sort_index()
        flags = generated.loc[province].sort_index()
        own = own.dropna()
        for year in own.index:
            if year >= base_year:
                volume = np.prod(own.loc[base_year + 1:year, "gdp_index"].to_numpy() / 100)
            else:
                volume = 1 / np.prod(own.loc[year + 1:base_year, "gdp_index"].to_numpy() / 100)
            deflator = own.loc[year, "gdp"] / (own.loc[base_year, "gdp"] * volume)
            is_synthetic = bool(flags.loc[min(year, base_year):max(year, base_year)].to_numpy().any())
            rows.append((province, year, deflator, is_synthetic))
    return pd.DataFrame(rows, columns=["province", "year", "deflator", "is_synthetic"]).set_index(
        ["province", "year"])


def real_gdp(frame: pd.DataFrame, deflators: pd.DataFrame) -> pd.Series:
    """`frame`'s gdp (columns region_code = a six-digit city code, year, gdp) at base-year prices."""
    keys = pd.MultiIndex.from_arrays([frame["region_code"] // 10000, frame["year"]])
    return frame["gdp"] / deflators["deflator"].reindex(keys).to_numpy()


def gap_to_national(frame: pd.DataFrame, gdp: str = "real_gdp") -> pd.Series:
    """Paper A's outcome on `frame` (region_code, year, `gdp` in 亿元, population in 万人):
    |ln GDP per capita - ln national GDP per capita|, the national one the year's sums over the frame."""
    national = frame.groupby("year")[[gdp, "population"]].sum()
    ln_national = np.log(national[gdp] * 1e4 / national["population"])
    return (np.log(frame[gdp] * 1e4 / frame["population"]) - frame["year"].map(ln_national)).abs()
