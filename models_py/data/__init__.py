"""Data producers that are not loaded from files: the deterministic synthetic generator."""

from .synthetic import generate_synthetic, load_catalogue, missing_cells, series_first_year

__all__ = ["generate_synthetic", "load_catalogue", "missing_cells", "series_first_year"]
