"""Placeholder: being written (find_quantities)."""

from __future__ import annotations

from extractor.normalize.types import Quantity


def find_quantities(text: str) -> list[Quantity]:
    return []
