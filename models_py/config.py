"""Where things live. One place resolves every path the layers share."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds" / "reference"
SHIPPED_DATA_DIR = PROJECT_ROOT / "seeds" / "shipped" / "nbs-exports"
DBT_PROJECT_DIR = PROJECT_ROOT  # dbt_project.yml sits at the root and points into dbt_project/
DBT_TARGET_DIR = PROJECT_ROOT / "dbt_project" / "target"


def published_warehouse() -> Path:
    """The file people query: warehouse/nqp.duckdb unless NQP_WAREHOUSE says otherwise."""
    path = Path(os.environ.get("NQP_WAREHOUSE", PROJECT_ROOT / "warehouse" / "nqp.duckdb"))
    return path if path.is_absolute() else PROJECT_ROOT / path


def build_warehouse() -> Path:
    """The private copy a build writes before it is published.

    Same file name as the published one, in a hidden sibling folder: DuckDB names a file's
    catalog after its stem, and the stem must not change when the build is renamed into place.
    """
    published = published_warehouse()
    return published.parent / ".build" / published.name


def cache_dir() -> Path:
    """Where derived files that only cost time to remake are kept (the outline arrays): <warehouse
    folder>/cache unless NQP_CACHE says otherwise. Every file in it is keyed by what it was made from,
    so builds into different warehouses may share one (the test suite's builds do)."""
    path = Path(os.environ["NQP_CACHE"]) if os.environ.get("NQP_CACHE") else published_warehouse().parent / "cache"
    return path if path.is_absolute() else PROJECT_ROOT / path


DEFAULT_INBOX = PROJECT_ROOT / "data" / "inbox"


def data_inbox() -> Path:
    """The user's inbox: data/inbox/ unless NQP_INBOX says otherwise.

    The loader reads the shipped exports (SHIPPED_DATA_DIR) and, on top of them, every file in this
    folder (models_py.ingest.load_inbox; `shipped: false` in its inbox.yml reads only the inbox).
    NQP_INBOX pointing at the shipped folder itself reads it once, as before.
    """
    path = Path(os.environ.get("NQP_INBOX", DEFAULT_INBOX))
    return path if path.is_absolute() else PROJECT_ROOT / path


def reports_dir() -> Path:
    """Where reports are written: reports/ unless NQP_REPORTS says otherwise."""
    path = Path(os.environ.get("NQP_REPORTS", PROJECT_ROOT / "reports"))
    return path if path.is_absolute() else PROJECT_ROOT / path
