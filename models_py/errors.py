"""User-facing data errors (docs/architecture.md, "Errors").

Every data problem a user can cause surfaces as one ``DataError`` whose message names what is
known of: file (or series), sheet, line/row, column, region, year, value, and the reason.
"""

from __future__ import annotations

from typing import Any

_FIELDS = ("file", "sheet", "row", "column", "region", "year", "value", "series")


class DataError(ValueError):
    """A problem in the input data, located as precisely as the caller knows it."""

    def __init__(
        self,
        reason: str,
        *,
        file: Any = None,
        row: int | None = None,
        column: Any = None,
        region: Any = None,
        year: Any = None,
        value: Any = None,
        series: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.region = _plain(region)
        self.year = _plain(year)
        self.value = _plain(value)
        self.series = series
        self.sheet = sheet
        super().__init__(self._message())

    def _message(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(f"file {self.file}")
        if self.series is not None:
            parts.append(f"series {self.series!r}")
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            # Text files are addressed by line, spreadsheets by row.
            parts.append(f"{'row' if self.sheet is not None else 'line'} {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        if self.region is not None:
            parts.append(f"region {self.region!r}")
        if self.year is not None:
            parts.append(f"year {self.year}")
        if self.value is not None:
            parts.append(f"value {self.value!r}")
        where = ", ".join(parts)
        return f"{where}: {self.reason}" if where else self.reason

    # Keyword-only attributes would be lost when Dagster pickles the exception across processes.
    def __reduce__(self):
        kwargs = {k: getattr(self, k) for k in _FIELDS}
        return (_rebuild, (self.reason, kwargs))


def _plain(value: Any) -> Any:
    """NumPy scalars as Python values, so messages read `region 11`, not `region np.int32(11)`."""
    return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value


def _rebuild(reason: str, kwargs: dict[str, Any]) -> DataError:
    return DataError(reason, **kwargs)
