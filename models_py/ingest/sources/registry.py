"""The shipped real sources: one module per source under models_py/ingest/sources/, one line here.

Each source is a folder under seeds/shipped/ (copied unchanged from upstream, with NOTICE.md) and a
reader that returns the loader's observation records (models_py.ingest.loader.OBS_COLUMNS) plus
`source_id`, values already in the catalogue unit. The loader (load_inbox) reads every source listed
in SOURCES next to the shipped portal exports, unless inbox.yml says `shipped: false`. Which
source's value is used per region-year-series is decided in SQL (int_observations_chosen) by
seeds/reference/source_precedence.csv and source_registry.csv, never here.

Add a source: write models_py/ingest/sources/<source_id>.py exposing SOURCE, add it to SOURCES,
add a row to seeds/reference/source_registry.csv (and precedence rows for the series it shares).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ..regions import RegionResolver
    from ..units import UnitConverter

SHIPPED_ROOT = Path(__file__).resolve().parents[3] / "seeds" / "shipped"


@dataclass(frozen=True)
class ShippedSource:
    source_id: str      # 'techme', 'nbs_portal_2016_2025', 'regional_disparity', 'energy_panel'
    folder: str         # under seeds/shipped/, e.g. 'techme'
    title: str
    terms: str          # licence / terms as stated upstream
    read: Callable[[Path, RegionResolver, UnitConverter], pd.DataFrame]

    @property
    def path(self) -> Path:
        return SHIPPED_ROOT / self.folder


# Source modules are imported after ShippedSource exists (each module builds its SOURCE with it).
from . import energy_panel, nbs_portal_2016_2025, regional_disparity, techme  # noqa: E402

SOURCES: list[ShippedSource] = [
    nbs_portal_2016_2025.SOURCE,
    techme.SOURCE,
    regional_disparity.SOURCE,
    energy_panel.SOURCE,
]


def by_id(source_id: str) -> ShippedSource:
    return next(s for s in SOURCES if s.source_id == source_id)
