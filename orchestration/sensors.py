"""Rebuild when the data inbox changes: a file added, replaced or removed in config.data_inbox()."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from models_py import config

INBOX_SENSOR_INTERVAL_SECONDS = 30


def inbox_state(folder: Path) -> dict[str, list[float]]:
    """Every file under the inbox (relative path → [mtime, size]); hidden files and folders ignored
    (editors' and copiers' temporary files)."""
    if not folder.is_dir():
        return {}
    state = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            stat = path.stat()
            state[relative.as_posix()] = [stat.st_mtime, stat.st_size]
    return state


def describe_changes(before: dict, after: dict) -> str:
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(name for name in set(before) & set(after) if before[name] != after[name])
    parts = [f"{label}: {', '.join(names)}" for label, names in
             (("added", added), ("changed", changed), ("removed", removed)) if names]
    return "; ".join(parts)


@dg.sensor(
    name="data_inbox_sensor",
    job_name="build_all",
    minimum_interval_seconds=INBOX_SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches the data inbox (models_py.config.data_inbox(), $NQP_INBOX) and launches build_all "
    "when a file is added, replaced or removed. The first tick only records the inbox as it is.",
)
def data_inbox_sensor(context: dg.SensorEvaluationContext):
    folder = config.data_inbox()
    state = inbox_state(folder)
    cursor = json.dumps(state, sort_keys=True)
    if context.cursor is None:
        context.update_cursor(cursor)
        return dg.SkipReason(f"recorded {len(state)} files in {folder}; a change launches build_all")
    if cursor == context.cursor:
        return dg.SkipReason(f"no change in {folder} ({len(state)} files)")
    changes = describe_changes(json.loads(context.cursor), state)
    context.update_cursor(cursor)
    if not changes:  # same files, cursor written by another version of this sensor
        return dg.SkipReason(f"no change in {folder} ({len(state)} files)")
    context.log.info("inbox changed (%s): launching build_all", changes)
    return dg.RunRequest(
        # the same inbox content never launches twice
        run_key="inbox-" + hashlib.sha256(cursor.encode()).hexdigest()[:16],
        tags={"trigger": "data_inbox", "inbox_changes": changes[:200]},
    )
