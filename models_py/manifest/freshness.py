"""Whether the dbt manifest Dagster builds its assets from is older than the project, and `dbt parse`
when it is.

An analyst who adds a model, a test or a YAML declaration and runs `nqp build` without parsing first
would otherwise build from the old manifest: the new model would not be an asset, and dbt's run of a
test the manifest does not know stops the build with a bare KeyError. `nqp build` calls
`parse_if_stale()` before it loads the definitions (`make run` and `make ui` parse anyway).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from models_py import config

# what `dbt parse` reads (dbt_project.yml's paths; the profile; seeds/reference is the seed path)
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "selectors.yml", "packages.yml")
PROJECT_FOLDERS = ("dbt_project/models", "dbt_project/macros", "dbt_project/tests", "dbt_project/analyses",
                   "seeds/reference")


def target_dir(root: Path) -> Path:
    """Where dbt writes the manifest Dagster reads (config.DBT_TARGET_DIR for this project)."""
    return root / config.DBT_TARGET_DIR.relative_to(config.PROJECT_ROOT)


def changed_since_parse(root: Path = config.PROJECT_ROOT) -> list[Path]:
    """The project files newer than the manifest (every file when there is no manifest), newest first."""
    manifest = target_dir(root) / "manifest.json"
    parsed_at = manifest.stat().st_mtime if manifest.exists() else float("-inf")
    files = [root / name for name in PROJECT_FILES if (root / name).is_file()]
    for folder in PROJECT_FOLDERS:
        if (root / folder).is_dir():
            files += [path for path in (root / folder).rglob("*") if path.is_file()]
    newer = [(path.stat().st_mtime, path) for path in files if path.stat().st_mtime > parsed_at]
    return [path for _, path in sorted(newer, reverse=True)]


def parse_if_stale(root: Path = config.PROJECT_ROOT) -> list[Path]:
    """Run `dbt parse` when a project file is newer than the manifest; the files that were. A failed
    parse raises with dbt's own message (a YAML error names its file and line)."""
    changed = changed_since_parse(root)
    if not changed:
        return []
    dbt = Path(sys.executable).parent / "dbt"
    parsed = subprocess.run(
        [str(dbt), "parse", "--quiet", "--project-dir", str(root), "--profiles-dir", str(root),
         "--target-path", str(target_dir(root))],
        cwd=root, capture_output=True, text=True)
    if parsed.returncode != 0:
        raise RuntimeError(f"dbt parse failed (after changes to {changed[0].relative_to(root)}):\n"
                           + (parsed.stdout + parsed.stderr).strip()[-3000:])
    return changed
