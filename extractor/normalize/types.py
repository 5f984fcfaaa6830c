"""Plain value types the normalization layer returns.

They are frozen dataclasses (not pydantic models) because the normalizer creates many of
them per article and must stay cheap; pydantic models live at the boundaries (`schemas.py`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number, amount of money, percentage, percentage-point or basis-point figure.

    `start`/`end` are character offsets into the text given to `find_quantities`, so that
    `text[start:end] == quantity.text`. `value` is fully expanded ("$2.25 trillion" ->
    2.25e12) and negative only when the text writes a minus sign; `value_max` is the upper
    end of a range ("10-15%") and None otherwise. `unit` is one of "number", "percent",
    "pp", "bp", an ISO 4217 code ("USD", "EUR") or a coin symbol ("BTC").
    """

    start: int
    end: int
    text: str
    value: float
    unit: str
    value_max: float | None = None


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date or date-time written in the text, resolved against an anchor time.

    `value` is ISO 8601 text: "2025-05-08", "2025-05-08T10:00:00+00:00" when a clock time
    (and zone) is given, "2025-05" for a month, "2025" for a year. `grain` says which of
    those it is: "datetime", "date", "month", "quarter" or "year".
    """

    start: int
    end: int
    text: str
    value: str
    grain: str


@dataclass(frozen=True, slots=True)
class Duration:
    """A window of time written in the text ("over 24 hours" -> "P1D", "past 30 days" -> "P30D")."""

    start: int
    end: int
    text: str
    value: str
