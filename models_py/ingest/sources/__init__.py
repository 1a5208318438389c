"""Shipped real sources (contract 1 of docs/architecture.md "Shipped real sources"): registry.SOURCES."""

from .registry import SOURCES, ShippedSource, by_id

__all__ = ["SOURCES", "ShippedSource", "by_id"]
