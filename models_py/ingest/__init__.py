"""Ingest the real portal exports (seeds/shipped/nbs-exports) into observation records."""

from .cells import Cell, ParsedFile
from .loader import OBS_COLUMNS, FileReport, LoadResult, load_directory, load_files, parse_file
from .long_csv import parse_long_csv
from .mappings import Mapping, SourceMappings
from .portal_csv import parse_portal_csv
from .portal_xls import parse_portal_xls
from .regions import RegionResolver, normalise_name
from .seeds import (
    REPO_ROOT,
    SHIPPED_EXPORTS_DIR,
    display_path,
    load_reference_seeds,
    load_region_resolver,
    load_regions,
    load_source_mappings,
    read_reference_csv,
)

__all__ = [
    "Cell", "FileReport", "LoadResult", "Mapping", "OBS_COLUMNS", "ParsedFile", "REPO_ROOT",
    "RegionResolver", "SHIPPED_EXPORTS_DIR", "SourceMappings", "display_path", "load_directory",
    "load_files", "load_reference_seeds", "load_region_resolver", "load_regions",
    "load_source_mappings", "normalise_name", "parse_file", "parse_long_csv", "parse_portal_csv",
    "parse_portal_xls", "read_reference_csv",
]
