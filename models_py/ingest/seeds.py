"""Paths of the repository and readers of the seeds/reference CSVs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .mappings import SourceMappings
from .regions import RegionResolver

# The repository root is the parent of the models_py package.
REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = REPO_ROOT / "seeds" / "reference"
SHIPPED_EXPORTS_DIR = REPO_ROOT / "seeds" / "shipped" / "nbs-exports"


def display_path(path: Path, root: Path = REPO_ROOT) -> str:
    """Path relative to the repo root when inside it (as provenance wants), else absolute."""
    path = Path(path).resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_reference_csv(name: str, root: Path = REPO_ROOT) -> pd.DataFrame:
    """One seed as strings (keep_default_na off: an empty note stays '', 'NA' stays text)."""
    path = root / "seeds" / "reference" / f"{name}.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def load_reference_seeds(root: Path = REPO_ROOT) -> dict[str, pd.DataFrame]:
    """Every seeds/reference/*.csv keyed by file stem, read as strings."""
    folder = root / "seeds" / "reference"
    return {p.stem: read_reference_csv(p.stem, root) for p in sorted(folder.glob("*.csv"))}


def load_regions(root: Path = REPO_ROOT) -> pd.DataFrame:
    """regions.csv typed: integer codes and areas, boolean is_municipality."""
    frame = read_reference_csv("regions", root)
    for col in ("region_code", "land_area_km2", "gbt_code6"):
        frame[col] = frame[col].astype("int64")
    frame["is_municipality"] = frame["is_municipality"].str.lower().map({"true": True, "false": False})
    return frame


def load_region_resolver(root: Path = REPO_ROOT) -> RegionResolver:
    return RegionResolver.from_frame(read_reference_csv("region_aliases", root),
                                     source="seeds/reference/region_aliases.csv")


def load_source_mappings(root: Path = REPO_ROOT) -> SourceMappings:
    return SourceMappings.from_frame(read_reference_csv("source_mappings", root),
                                     source="seeds/reference/source_mappings.csv")


def load_unit_converter(root: Path = REPO_ROOT):
    from .units import UnitConverter

    return UnitConverter.from_frame(read_reference_csv("unit_conversions", root),
                                    source="seeds/reference/unit_conversions.csv")


def load_series_catalogue(root: Path = REPO_ROOT) -> pd.DataFrame:
    return read_reference_csv("series_catalogue", root)


def load_series_aliases(root: Path = REPO_ROOT) -> pd.DataFrame:
    """Other wordings of catalogue series in researchers' tables (专利授权数 for 专利授权量): alias, series_code."""
    return read_reference_csv("series_aliases", root)
