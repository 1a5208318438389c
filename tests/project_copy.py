"""A copy of the dbt project (the files git tracks) on a copy of a built warehouse, and a `dbt` to run
in it: for tests that change a seed or a raw table and rebuild a few models with their tests."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def copy_dbt_project(destination: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z", "dbt_project.yml", "profiles.yml", "dbt_project", "seeds"],
                            cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode("utf-8").split("\0")):
        source = PROJECT_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination / name)


def dbt_on_copy(root: Path, built_warehouse: Path) -> tuple[Callable[..., subprocess.CompletedProcess], Path]:
    """`dbt(*args)` in the project copy at `root`, on a copy of `built_warehouse` (returned too)."""
    warehouse = root / "nqp.duckdb"
    shutil.copyfile(built_warehouse, warehouse)
    env = {**os.environ, "DBT_PROFILES_DIR": str(root), "DBT_TARGET_PATH": str(root / "target"),
           "DBT_LOG_PATH": str(root / "logs"), "NQP_DBT_DATABASE": str(warehouse)}

    def dbt(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(Path(sys.executable).parent / "dbt"), *args, "--project-dir", str(root)],
                              cwd=root, env=env, capture_output=True, text=True, timeout=900)

    return dbt, warehouse
