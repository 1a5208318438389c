"""`var()` for sqlfluff's jinja templater: the values of dbt_project.yml's `vars:`, as dbt renders
them (sqlfluff's own placeholder breaks models that compute with a var). Not used by dbt itself."""

import sys
import types
from pathlib import Path

import yaml

PROJECT_VARS = yaml.safe_load((Path(__file__).resolve().parents[2] / "dbt_project.yml").read_text("utf-8"))["vars"]
_MISSING = object()


class _VarFunction(types.ModuleType):
    def __call__(self, name, default=_MISSING):
        if name in PROJECT_VARS:
            return PROJECT_VARS[name]
        if default is _MISSING:
            raise KeyError(f"var {name!r} is not defined in dbt_project.yml vars")
        return default


# sqlfluff puts this module object in the jinja context under the name `var`: make it callable.
sys.modules[__name__].__class__ = _VarFunction
