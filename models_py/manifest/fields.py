"""Field parsers for the dbt YAML declarations: each checks one value and names the bad key.

Every declaration parser (studies, tables, columns, each estimator kind's options) uses these, so a
mistake anywhere reads the same: ``study S, table T, column 'C': key 'k': problem``.
"""
from __future__ import annotations

from typing import Any

from models_py.estimators.numerics import canonical_name


class DeclarationError(ValueError):
    """A table declaration is incomplete or contradicts itself."""


class Where:
    """Location of a declaration for error messages."""

    def __init__(self, study: str, table: Any = None, column: Any = None):
        self.study, self.table = study, table
        self.text = f"study {study}" + (f", table {table}" if table is not None else "") + (
            f", column {column!r}" if column is not None else "")

    def error(self, key: str, problem: str) -> DeclarationError:
        return DeclarationError(f"{self.text}: key '{key}': {problem}")


def unknown_keys(where: Where, raw: dict, allowed: tuple, prefix: str = "") -> None:
    for key in raw:
        if key not in allowed:
            raise where.error(f"{prefix}{key}", f"unknown key; allowed: {', '.join(allowed)}")


def required(where: Where, raw: dict, key: str, prefix: str, hint: str = "") -> Any:
    """raw[key], or the error that names `prefix + key` as required (hint: what it should hold)."""
    if key not in raw:
        raise where.error(f"{prefix}{key}", "is required" + (f" ({hint})" if hint else ""))
    return raw[key]


def confidence_level(where: Where, key: str, value: Any, *, above: float = 0, hint: str = "") -> float:
    """A confidence level in percent, strictly between `above` and 100 (95, not 0.95)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not above < value < 100:
        raise where.error(key, f"expected a confidence level in percent, e.g. 95{hint}, got {value!r}")
    return float(value)


def mapping(where: Where, key: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise where.error(key, f"expected a mapping, got {value!r}")
    return value


def names(where: Where, key: str, value: Any, *, allow_empty: bool = True) -> tuple[str, ...]:
    if value is None:
        value = []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
        raise where.error(key, f"expected a list of column names, got {value!r}")
    if not allow_empty and not value:
        raise where.error(key, "must name at least one column")
    out = tuple(canonical_name(v.strip()) for v in value)
    if len(set(out)) != len(out):
        raise where.error(key, f"names a column twice: {list(value)}")
    return out


def name(where: Where, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error(key, f"expected a column name, got {value!r}")
    return canonical_name(value.strip())


def integer(where: Where, key: str, value: Any, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.error(key, f"expected a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise where.error(key, f"must be at least {minimum}, got {value}")
    return value


def flag(where: Where, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise where.error(key, f"expected true or false, got {value!r}")
    return value


def choice(where: Where, key: str, value: Any, choices: tuple) -> Any:
    if value not in choices:
        raise where.error(key, f"must be one of {', '.join(map(str, choices))}, got {value!r}")
    return value


def seed(where: Where, key: str, value: Any) -> int | None:
    return None if value is None else integer(where, key, value, minimum=0)


def group_values(where: Where, key: str, value: Any) -> tuple:
    values = value if isinstance(value, (list, tuple)) else [value]
    if not values or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        raise where.error(key, f"expected a group value or a list of them, got {value!r}")
    if len(set(values)) != len(values):
        raise where.error(key, f"names a group twice: {values}")
    return tuple(values)
