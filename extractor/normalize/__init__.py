"""Numbers, money, percentages, dates and durations: text in, typed values with spans out.

    find_quantities(text) -> list[Quantity]
    find_dates(text, anchor) -> list[DateMention]
    find_durations(text) -> list[Duration]

Plain functions over text: patterns are compiled once at import, nothing is loaded per call.
"""

from extractor.normalize.dates import find_dates, find_durations
from extractor.normalize.quantities import find_quantities
from extractor.normalize.types import DateMention, Duration, Quantity

__all__ = ["DateMention", "Duration", "Quantity", "find_dates", "find_durations", "find_quantities"]
