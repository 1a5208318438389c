"""The real-only switch: whether the demo generator fills what no real source has.

    NQP_SYNTHETIC=off            real-only build (also `on`; the variable wins when set)
    data/inbox/inbox.yml         synthetic: false   (used when NQP_SYNTHETIC is not set)

Default: on (the shipped demo warehouse). Off reaches the generator asset (raw.synthetic_observations
is written empty) and dbt (var `synthetic: false`, and `index_missing_action: report` so an index
system without complete data is listed in index_system_status instead of stopping the build).
"""
from __future__ import annotations

import os
from pathlib import Path

from models_py import config
from models_py.errors import DataError

ENV_VAR = "NQP_SYNTHETIC"
_WORDS = {"on": True, "true": True, "1": True, "yes": True,
          "off": False, "false": False, "0": False, "no": False}


def synthetic_enabled(inbox: Path | None = None) -> bool:
    """True unless NQP_SYNTHETIC or inbox.yml (`synthetic: false`) asks for real data only."""
    word = os.environ.get(ENV_VAR)
    if word is not None and word.strip():
        value = _WORDS.get(word.strip().lower())
        if value is None:
            raise DataError(f"{ENV_VAR} must be on or off", column=ENV_VAR, value=word)
        return value
    from models_py.ingest.inbox import InboxConfig  # the ingest package imports pandas readers

    folder = config.data_inbox() if inbox is None else Path(inbox)
    return InboxConfig.read(folder).synthetic if folder.is_dir() else True


def dbt_vars(inbox: Path | None = None) -> dict:
    """The dbt vars a build passes: none in the default build, the real-only ones otherwise."""
    if synthetic_enabled(inbox):
        return {}
    return {"synthetic": False, "index_missing_action": "report"}
