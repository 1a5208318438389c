"""Ingest portal exports and user tables (shipped exports + the inbox) into observation records."""

from .cells import Cell, ParsedFile
from .inbox import InboxConfig
from .loader import OBS_COLUMNS, FileReport, LoadResult, load_directory, load_files, load_inbox, parse_file
from .mappings import Mapping, SourceMappings
from .portal import parse_portal
from .portal_xls import parse_portal_xls
from .regions import RegionResolver, normalise_name
from .seeds import (
    REPO_ROOT,
    SHIPPED_EXPORTS_DIR,
    display_path,
    load_reference_seeds,
    load_region_resolver,
    load_regions,
    load_series_catalogue,
    load_source_mappings,
    load_unit_converter,
    read_reference_csv,
)
from .tables import parse_table
from .units import UnitConverter

__all__ = [
    "Cell", "FileReport", "InboxConfig", "UnitConverter", "load_inbox", "load_series_catalogue",
    "load_unit_converter", "parse_portal", "parse_table", "LoadResult", "Mapping", "OBS_COLUMNS", "ParsedFile", "REPO_ROOT",
    "RegionResolver", "SHIPPED_EXPORTS_DIR", "SourceMappings", "display_path", "load_directory",
    "load_files", "load_reference_seeds", "load_region_resolver", "load_regions",
    "load_source_mappings", "normalise_name", "parse_file", "parse_portal_xls", "read_reference_csv",
]
