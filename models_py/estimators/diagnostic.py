"""One diagnostic statistic of a fit: what results.model_diagnostics stores per row."""
from __future__ import annotations
from dataclasses import dataclass

@dataclass(frozen=True)
class Diagnostic:
    name: str
    value: float | None
    df: float | None = None
    df2: float | None = None
    p: float | None = None
    note: str | None = None
    equation: str = "main"
