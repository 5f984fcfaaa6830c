"""Dates of claims, as the checks need them.

In: `as_of` / `published` strings of the claim record (`2025-05-08`, `2025-05`, `2025`,
`2025-05-08T10:00:00+00:00`). Out: plain `date`s / `datetime`s, the market day a claim speaks of,
and whether a date lies after the publication.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")
UTC_DAY_TYPES = {"crypto", "pair"}  # traded around the clock: their daily bar is the UTC day


def parse(value: str | None) -> date | datetime | None:
    """A full date or a date-time (aware when the text has an offset); None for a month, a year
    or anything unreadable."""
    if not value or len(value) < 10:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def day(value: str | None) -> str | None:
    """The calendar date an `as_of` names as written (`2025-05-08T23:00:00-04:00` → `2025-05-08`),
    None for a month, a year or nothing."""
    parsed = parse(value)
    return parsed.isoformat()[:10] if parsed is not None else None


def has_time(value: str | None) -> bool:
    return isinstance(parse(value), datetime)


def market_day(as_of: str | None, subject_type: str | None) -> str | None:
    """The daily bar a claim's `as_of` falls in: for crypto the UTC day, for stocks, indices and
    everything else the New York day; a date without a time is taken as that day."""
    parsed = parse(as_of)
    if parsed is None:
        return None
    if isinstance(parsed, datetime):
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC if subject_type in UTC_DAY_TYPES else NEW_YORK)
        return parsed.date().isoformat()
    return parsed.isoformat()


def days_before(moment: str | None, hours: int, subject_type: str | None) -> list[str]:
    """The market days (as `market_day`) that the `hours` before `moment` fall in, latest first;
    [] when `moment` has no time."""
    parsed = parse(moment)
    if not isinstance(parsed, datetime):
        return []
    days = []
    for back in (0, hours):
        day = market_day((parsed - timedelta(hours=back)).isoformat(), subject_type)
        if day is not None and day not in days:
            days.append(day)
    return days


def is_after(as_of: str | None, published: str | None) -> bool:
    """Whether `as_of` begins after `published` ends.

    A date (or month, year) covers its whole span: `2025-05` is after `2025-04-30`, not after
    `2025-05-08`; a date-time compared with a date is compared by its date in its own offset.
    """
    start = _start(as_of)
    end = _end(published)
    if start is None or end is None:
        return False
    if isinstance(start, datetime) and isinstance(end, datetime) and _aware(start) == _aware(end):
        return start > end
    return _as_date(start) > _as_date(end)


def _start(value: str | None) -> date | datetime | None:
    parsed = parse(value)
    if parsed is not None:
        return parsed
    try:
        if value and len(value) == 7:
            return date.fromisoformat(value + "-01")
        if value and len(value) == 4:
            return date(int(value), 1, 1)
    except ValueError:
        return None
    return None


def _end(value: str | None) -> date | datetime | None:
    parsed = parse(value)
    if parsed is not None:
        return parsed
    first = _start(value)
    if first is None or value is None:
        return None
    if len(value) == 4:
        return date(first.year, 12, 31)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _aware(value: datetime) -> bool:
    return value.tzinfo is not None


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def days_between(earlier: str | None, later: str | None) -> int | None:
    """Calendar days from the day of `earlier` to the day of `later` (None when either is not a day)."""
    a, b = day(earlier), day(later)
    if a is None or b is None:
        return None
    return (date.fromisoformat(b) - date.fromisoformat(a)).days
