"""The real sources shipped under seeds/shipped/ (minimal stand-in: helper `sources` owns this file)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from models_py.ingest.regions import RegionResolver
    from models_py.ingest.units import UnitConverter


@dataclass(frozen=True)
class ShippedSource:
    source_id: str      # 'techme', 'nbs_portal_2016_2025', 'regional_disparity', 'energy_panel'
    folder: str         # under seeds/shipped/, e.g. 'techme'
    title: str
    terms: str          # licence / terms as stated upstream
    read: Callable[[Path, "RegionResolver", "UnitConverter"], pd.DataFrame]


SOURCES: list[ShippedSource] = []
