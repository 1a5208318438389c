"""Region-specific output elasticities of capital and labour: the LSDV Cobb-Douglas fit behind the
capital and labour misallocation indices of Bai & Liu (2018, after Chen & Hu 2011; Paper E).

    fit_production_function(inputs)                          # constant returns (the literature's default)
    fit_production_function(inputs, constant_returns=False)  # both slopes free

Specification (OLS on explicit dummies, one regression over the pooled panel):

* constant returns (default), beta_Li = 1 - beta_Ki:
      ln(Y_it / L_it) = sum_i D_i (alpha_i + beta_Ki ln(K_it / L_it)) + lambda_t + e_it
* unrestricted:
      ln Y_it = sum_i D_i (alpha_i + beta_Ki ln K_it + beta_Li ln L_it) + lambda_t + e_it

D_i are region dummies (each region its own intercept and slopes), lambda_t year effects (dummies
for every year but the first; ``year_effects=False`` drops them). Standard errors are the
conventional OLS ones, sigma^2 (X'X)^-1 with sigma^2 = RSS / (N - p), as Stata's ``regress`` reports
them for the same dummy regression: region-specific slopes leave one cluster per coefficient, so a
cluster-robust variance is not available. Under constant returns se(beta_L) = se(beta_K).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models_py.errors import DataError

SPECIFICATIONS = {
    True: "constant_returns: ln(Y/L) ~ region + region:ln(K/L) + year",
    False: "unrestricted: ln(Y) ~ region + region:ln(K) + region:ln(L) + year",
}

ELASTICITY_COLUMNS = ["region_code", "beta_k", "beta_l", "se_beta_k", "nobs", "sample_from", "sample_to", "specification"]


@dataclass
class ProductionFunctionFit:
    """The fitted LSDV production function.

    ``elasticities`` has one row per region (index: region) with beta_k, beta_l, se_beta_k,
    se_beta_l, nobs, sample_from, sample_to (the region's observations and years in the fit).
    ``params`` / ``std_errors`` hold every coefficient: ``alpha[<region>]``, ``beta_k[<region>]``,
    ``beta_l[<region>]`` (unrestricted only) and ``year[<year>]``.
    """

    elasticities: pd.DataFrame
    params: pd.Series
    std_errors: pd.Series
    nobs: int
    df_resid: int
    rsquared: float
    rmse: float
    constant_returns: bool
    year_effects: bool

    @property
    def specification(self) -> str:
        text = SPECIFICATIONS[self.constant_returns]
        return text if self.year_effects else text.removesuffix(" + year")

    def table(self) -> pd.DataFrame:
        """The rows of intermediate.production_elasticities (columns ELASTICITY_COLUMNS)."""
        table = self.elasticities.reset_index().rename(columns={self.elasticities.index.name: "region_code"})
        table["specification"] = self.specification
        return table[ELASTICITY_COLUMNS]


def _logs(frame: pd.DataFrame, column: str, region: str, year: str) -> np.ndarray:
    values = frame[column].to_numpy(dtype=float)
    bad = ~(values > 0) | ~np.isfinite(values)
    if bad.any():
        first = np.flatnonzero(bad)[0]
        raise DataError(f"the production function needs positive {column} to take its log", series=column,
                        region=frame[region].iat[first], year=frame[year].iat[first], value=values[first])
    return np.log(values)


def fit_production_function(
    inputs: pd.DataFrame,
    *,
    constant_returns: bool = True,
    year_effects: bool = True,
    region: str = "region_code",
    year: str = "year",
    output: str = "real_gdp",
    capital: str = "capital_stock",
    labour: str = "employment",
) -> ProductionFunctionFit:
    """Fit the Cobb-Douglas with region-specific elasticities on a long region-year frame.

    Every row is used: filter the sample years before calling. Missing or non-positive output,
    capital or labour is a DataError naming the region and year; so is a region whose slope is not
    identified (too few years, or its regressor constant or collinear with the other columns).
    """
    missing = [c for c in (region, year, output, capital, labour) if c not in inputs.columns]
    if missing:
        raise ValueError(f"columns not in the data: {missing}")
    frame = inputs[[region, year, output, capital, labour]].sort_values([region, year]).reset_index(drop=True)
    if frame.empty:
        raise ValueError("no observations to fit the production function on")
    if frame.duplicated([region, year]).any():
        first = np.flatnonzero(frame.duplicated([region, year]))[0]
        raise DataError("more than one observation for the region-year", region=frame[region].iat[first],
                        year=frame[year].iat[first])
    ln_y, ln_k, ln_l = (_logs(frame, column, region, year) for column in (output, capital, labour))

    regions = np.sort(frame[region].unique())
    years = np.sort(frame[year].unique())
    region_dummies = (frame[region].to_numpy()[:, None] == regions[None, :]).astype(float)
    slopes = ["beta_k"] if constant_returns else ["beta_k", "beta_l"]
    if constant_returns:
        depvar = ln_y - ln_l
        slope_regressors = [ln_k - ln_l]
    else:
        depvar = ln_y
        slope_regressors = [ln_k, ln_l]
    blocks = [region_dummies] + [region_dummies * x[:, None] for x in slope_regressors]
    names = [f"alpha[{r}]" for r in regions] + [f"{s}[{r}]" for s in slopes for r in regions]
    owners = list(regions) * (1 + len(slopes))  # the region of each coefficient, for error messages
    if year_effects:
        blocks.append((frame[year].to_numpy()[:, None] == years[None, 1:]).astype(float))
        names += [f"year[{t}]" for t in years[1:]]
        owners += [None] * (len(years) - 1)
    design = np.column_stack(blocks)
    n, p = design.shape

    per_region = frame.groupby(region)[year].agg(["size", "min", "max"])
    too_short = per_region[per_region["size"] <= 1 + len(slopes)]
    if not too_short.empty:
        code = too_short.index[0]
        raise DataError(f"{too_short.loc[code, 'size']} observation(s) cannot identify the region's intercept "
                        f"and {len(slopes)} slope(s)", region=code)

    q, r = np.linalg.qr(design)
    diagonal = np.abs(np.diag(r))
    unidentified = np.flatnonzero(diagonal <= 1e-10 * diagonal.max())
    if unidentified.size or n <= p:
        column = unidentified[0] if unidentified.size else p - 1
        raise DataError(f"the production function is not identified: {names[column]} is collinear with the "
                        f"other columns ({n} observations, {p} coefficients)", region=owners[column])
    coefficients = np.linalg.solve(r, q.T @ depvar)
    residuals = depvar - design @ coefficients
    rss = float(residuals @ residuals)
    sigma2 = rss / (n - p)
    r_inverse = np.linalg.solve(r, np.eye(p))
    covariance = sigma2 * r_inverse @ r_inverse.T
    params = pd.Series(coefficients, index=names)
    std_errors = pd.Series(np.sqrt(np.diag(covariance)), index=names)

    beta_k = params[[f"beta_k[{r}]" for r in regions]].to_numpy()
    se_beta_k = std_errors[[f"beta_k[{r}]" for r in regions]].to_numpy()
    if constant_returns:
        beta_l, se_beta_l = 1 - beta_k, se_beta_k
    else:
        beta_l = params[[f"beta_l[{r}]" for r in regions]].to_numpy()
        se_beta_l = std_errors[[f"beta_l[{r}]" for r in regions]].to_numpy()
    elasticities = pd.DataFrame(
        {
            "beta_k": beta_k,
            "beta_l": beta_l,
            "se_beta_k": se_beta_k,
            "se_beta_l": se_beta_l,
            "nobs": per_region.loc[regions, "size"].to_numpy(),
            "sample_from": per_region.loc[regions, "min"].to_numpy(),
            "sample_to": per_region.loc[regions, "max"].to_numpy(),
        },
        index=pd.Index(regions, name=region),
    )
    centred = depvar - depvar.mean()
    return ProductionFunctionFit(
        elasticities=elasticities,
        params=params,
        std_errors=std_errors,
        nobs=n,
        df_resid=n - p,
        rsquared=1 - rss / float(centred @ centred),
        rmse=float(np.sqrt(sigma2)),
        constant_returns=constant_returns,
        year_effects=year_effects,
    )
