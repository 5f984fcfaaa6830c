"""Placeholder: being written (find_dates, find_durations)."""

from __future__ import annotations

from datetime import datetime

from extractor.normalize.types import DateMention, Duration


def find_dates(text: str, anchor: datetime | None = None) -> list[DateMention]:
    return []


def find_durations(text: str) -> list[Duration]:
    return []
