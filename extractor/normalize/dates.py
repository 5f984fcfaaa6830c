"""Dates, date-times and time windows in market commentary: text in, ISO 8601 values with spans out.

    find_dates(text, anchor) -> list[DateMention]
    find_durations(text) -> list[Duration]

`find_dates` returns every date or date-time written in `text`, in text order and without
overlaps; `text[m.start:m.end] == m.text`. `m.value` is ISO 8601 text and `m.grain` says which
precision it has:

    "May 8, 2025, at 10:00 AM UTC"  -> "2025-05-08T10:00:00+00:00"  datetime (zone -> offset)
    "12/7/2025 12:43:00 AM"         -> "2025-12-07T00:43:00"        datetime (no zone: naive)
    "May 8", "Thursday", "yesterday" -> "2025-05-08" ...             date
    "January 2024", "last month"    -> "2024-01"                     month
    "Q1 2025", "first quarter"      -> "2025-01"                     quarter: ISO 8601 has no quarter
                                                                     notation, so the value is the
                                                                     quarter's first month
    "in 2022", "late 2022"          -> "2022"                        year

Relative expressions are resolved against `anchor` (the publication time; naive or tz-aware,
used in its own time zone). With `anchor=None` they are skipped and only self-contained dates
come out. News speaks of the past, so a date without a year, a bare weekday or a holiday is the
most recent one not after the anchor, unless the text says otherwise: "next Friday" and "last
Friday" are the Friday of the next / previous Monday-to-Sunday week, "this Friday" that of the
current week, "coming Friday" the first one after the anchor, "tomorrow", "in 3 days", "2 weeks
ago" count from the anchor, and a reference inside "N days from/after/before X" is the next X.
A clock time alone ("At 11:36 a.m. ET") takes the anchor's date (in the stated zone) and is only
taken when it has am/pm, a zone, or is written H:MM after "at". Zone abbreviations are turned
into the offset of that zone on that date (ET -> America/New_York: -05:00 or -04:00).
Numeric dates are US month-first ("05/08/2025"), day-first when the first number is over 12 or
the separator is a dot ("23.04.2022"); two-digit years below 40 are 20xx ("5/3/18"), others 19xx.
"last month", "this year" are calendar periods, "the last month" a window; "in 3 days" is a date
unless its clause speaks of a change ("rose 5% in 3 days" is a window). "now" is the anchor itself.
Not dates: week expressions ("last week", "this week" are windows, see `find_durations`),
decades, ranges, invalid dates ("Feb 30"), fiscal calendars (a fiscal quarter is read as a
calendar quarter). Spans leave out leading prepositions ("on", "at", "in"); "late 2022" keeps
its qualifier.

`find_durations` returns the windows a change or volume covers, as ISO 8601 durations (spec
convention 5): "over 24 hours"/"24-hour"/"the last day" -> P1D, "past 30 days" -> P30D, "past
week"/"past seven days" -> P7D, "past month"/"in January" -> P1M, "past 12 months" -> P1Y,
"over the last three years" -> P3Y, "30-year" -> P30Y, "past 2 hours" -> PT2H. Hours that make
whole days become days, months that make whole years become years, weeks become days (52 weeks
-> P1Y). Frequencies ("daily", "weekly") and year-/month-to-date are not windows.

How it works: patterns find atoms (a date, a clock time, a part of the day, an offset such as
"3 days", a week), each tried only where one of its first words occurs; the longest atoms that do
not overlap are kept; neighbours are joined by small rules ("Friday" + "at 4pm", "3 days" + "from" +
"Tuesday"); what remains is resolved against the anchor. Everything is pure Python: patterns are
compiled once at import, nothing is loaded per call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from extractor.lexicon import lexicon_map
from extractor.normalize.types import DateMention, Duration

# --------------------------------------------------------------------------------------------
# Data tables
# --------------------------------------------------------------------------------------------

# Month and weekday names, and number words, are kept once in models/lexicon (calendar_names.toml,
# number_words.toml): extract/sentences.py and quantities.py read them too.
_CALENDAR = lexicon_map("calendar_names")
MONTHS: dict[str, int] = {**_CALENDAR["month"], **_CALENDAR["month_abbreviation"]}
WEEKDAYS: dict[str, int] = {**_CALENDAR["weekday"], **_CALENDAR["weekday_abbreviation"]}
# Abbreviations that are also ordinary words: only taken when capitalized and part of a larger date.
AMBIGUOUS_WEEKDAYS = {"sat", "sun"}

# Zone abbreviation (case-sensitive) -> IANA zone; the offset is the one in force on that date.
ZONES = {
    "UTC": "UTC", "GMT": "UTC", "Z": "UTC",
    "ET": "America/New_York", "EST": "America/New_York", "EDT": "America/New_York",
    "Eastern": "America/New_York", "Eastern Time": "America/New_York",
    "CT": "America/Chicago", "CST": "America/Chicago", "CDT": "America/Chicago", "Central": "America/Chicago",
    "MT": "America/Denver", "MST": "America/Denver", "MDT": "America/Denver",
    "PT": "America/Los_Angeles", "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
    "Pacific": "America/Los_Angeles",
    "BST": "Europe/London", "WET": "Europe/Lisbon", "CET": "Europe/Paris", "CEST": "Europe/Paris",
    "EET": "Europe/Athens", "EEST": "Europe/Athens", "MSK": "Europe/Moscow", "GST": "Asia/Dubai",
    "IST": "Asia/Kolkata", "SGT": "Asia/Singapore", "HKT": "Asia/Hong_Kong", "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul", "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney", "AET": "Australia/Sydney",
    "NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland",
    "New York time": "America/New_York", "London time": "Europe/London", "Tokyo time": "Asia/Tokyo",
    "Hong Kong time": "Asia/Hong_Kong", "Singapore time": "Asia/Singapore",
}  # fmt: skip

_NUMBER_WORDS = lexicon_map("number_words")
UNIT_WORDS: dict[str, int] = dict(_NUMBER_WORDS["cardinal"])
TENS_WORDS: dict[str, int] = dict(_NUMBER_WORDS["tens"])
# the ordinals a day of the month is written with ("the twenty-first" is "twenty" and "first")
ORDINAL_WORDS: dict[str, int] = {
    word: value for word, value in _NUMBER_WORDS["ordinal"].items() if value <= 31
}

# Holidays: pattern -> rule. ("fixed", month, day), ("nth", month, weekday, n; n=-1 is the last),
# ("easter", days from Easter Sunday), ("thanksgiving", days from US Thanksgiving).
HOLIDAYS: list[tuple[str, tuple]] = [
    (r"new\s+year['’]?s\s+eve", ("fixed", 12, 31)),
    (r"new\s+years?['’]?s?(?:\s+day)?", ("fixed", 1, 1)),
    (r"christmas\s+eve", ("fixed", 12, 24)),
    (r"(?:christmas|xmas)(?:\s+day)?", ("fixed", 12, 25)),
    (r"boxing\s+day", ("fixed", 12, 26)),
    (r"(?:saint|st\.?)\s+patrick(?:['’]?s)?(?:\s+day)?", ("fixed", 3, 17)),
    (r"valentine(?:['’]?s)?\s+day", ("fixed", 2, 14)),
    (r"halloween", ("fixed", 10, 31)),
    (r"independence\s+day", ("fixed", 7, 4)),
    (r"juneteenth|freedom\s+day|jubilee\s+day", ("fixed", 6, 19)),
    (r"earth\s+day", ("fixed", 4, 22)),
    (r"international\s+workers['’]?\s+day|may\s+day", ("fixed", 5, 1)),
    (r"veterans['’]?\s+day", ("fixed", 11, 11)),
    (r"groundhog\s+day", ("fixed", 2, 2)),
    (r"april\s+fool(?:['’]?s)?(?:\s+day)?", ("fixed", 4, 1)),
    (r"thanksgiving(?:\s+day)?", ("thanksgiving", 0)),
    (r"black\s+friday", ("thanksgiving", 1)),
    (r"cyber\s+monday", ("thanksgiving", 4)),
    (r"memorial\s+day", ("nth", 5, 0, -1)),
    (r"labor\s+day", ("nth", 9, 0, 1)),
    (r"(?:martin\s+luther\s+king(?:\s+jr\.?)?|mlk)(?:['’]s)?\s+day", ("nth", 1, 0, 3)),
    (r"presidents['’]?\s+day|washington['’]?s\s+birthday", ("nth", 2, 0, 3)),
    (r"mother['’]?s\s+day", ("nth", 5, 6, 2)),
    (r"father['’]?s\s+day", ("nth", 6, 6, 3)),
    (r"columbus\s+day", ("nth", 10, 0, 2)),
    (r"good\s+friday", ("easter", -2)),
    (r"easter\s+monday", ("easter", 1)),
    (r"easter(?:\s+sunday)?", ("easter", 0)),
    (r"ash\s+wednesday", ("easter", -46)),
    (r"palm\s+sunday", ("easter", -7)),
]

# Unit of a duration -> (years, months, days, seconds) per unit.
UNITS = {
    "second": (0, 0, 0, 1), "sec": (0, 0, 0, 1), "minute": (0, 0, 0, 60), "min": (0, 0, 0, 60),
    "hour": (0, 0, 0, 3600), "hr": (0, 0, 0, 3600), "h": (0, 0, 0, 3600), "day": (0, 0, 1, 0),
    "week": (0, 0, 7, 0), "wk": (0, 0, 7, 0), "fortnight": (0, 0, 14, 0), "month": (0, 1, 0, 0),
    "mo": (0, 1, 0, 0), "quarter": (0, 3, 0, 0), "year": (1, 0, 0, 0), "yr": (1, 0, 0, 0),
    "decade": (10, 0, 0, 0),
}  # fmt: skip

# Words before "in N days" that make it a window of a change ("rose 5% in 3 days"), not a date.
CHANGE_CONTEXT = re.compile(
    r"%|\b(?:rose|rise[sn]?|fell|falls?|fallen|gain(?:ed|s)?|los[te]s?|jump(?:ed|s)?|surg(?:ed|es)|"
    r"soar(?:ed|s)?|drop(?:ped|s)?|climb(?:ed|s)?|declin(?:ed|es)|sl(?:id|ides)|slump(?:ed|s)?|"
    r"tumbl(?:ed|es)|plung(?:ed|es)|rall(?:ied|ies)|add(?:ed|s)|shed|increas(?:ed|es)|decreas(?:ed|es)|"
    r"[mbtr]illion|higher|lower|traded|volume|inflows?|outflows?)\b",
    re.I,
)
# Words that make "at 4.35" / "at 5" a price rather than a clock time.
PRICE_CONTEXT = re.compile(
    r"[%$€£]|\b(?:clos(?:ed|es|ing)|trad(?:ed|es|ing)|pric(?:e|ed|es)|yields?|settl(?:ed|es)|end(?:ed|s)|"
    r"open(?:ed|s)|stood|hit|reach(?:ed|es)|rose|fell|gained|lost|level|support|resistance|index|shares?|stocks?)\b",
    re.I,
)


# --------------------------------------------------------------------------------------------
# Number words
# --------------------------------------------------------------------------------------------


def words_to_int(words: str) -> int | None:
    """'twenty-four' -> 24, 'two thousand and thirty two' -> 2032, 'a' -> 1; None if not a number."""
    total, current = 0, 0
    for tok in re.split(r"[\s-]+", words.lower().strip()):
        if tok in ("and", ""):
            continue
        if tok in ("a", "an"):
            current += 1
        elif tok in UNIT_WORDS:
            current += UNIT_WORDS[tok]
        elif tok in TENS_WORDS:
            current += TENS_WORDS[tok]
        elif tok == "hundred":
            current = max(current, 1) * 100
        elif tok == "thousand":
            total += max(current, 1) * 1000
            current = 0
        elif tok.isdigit():
            current += int(tok)
        else:
            return None
    return total + current


def ordinal_to_int(words: str) -> int | None:
    """'twenty fourth' -> 24, 'thirty-first' -> 31, '4th' -> 4, 'second' -> 2."""
    words = words.lower().strip()
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)?", words)
    if m:
        return int(m.group(1))
    toks = re.split(r"[\s-]+", words)
    if toks[-1] not in ORDINAL_WORDS:
        return None
    head = words_to_int(" ".join(toks[:-1])) if len(toks) > 1 else 0
    return None if head is None else head + ORDINAL_WORDS[toks[-1]]


def _year_from_words(words: str) -> int | None:
    """'nineteen eighty six' -> 1986, 'two thousand and thirty two' -> 2032, 'seventeen hundred thirty three' -> 1733."""
    words = words.lower()
    if "thousand" in words or "hundred" in words:
        return words_to_int(words)
    century, _, rest = words.strip().partition(" ")
    head = UNIT_WORDS.get(century) or TENS_WORDS.get(century)
    rest = rest.replace("oh", "").strip()
    tail = words_to_int(rest) if rest else 0
    return None if head is None or tail is None else head * 100 + tail


def _number(token: str) -> float | None:
    token = token.lower().strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(token)
    if token in ("a", "an", "one", "a single", "single"):
        return 1.0
    if token in ("a couple of", "couple of"):
        return 2.0
    value = words_to_int(token)
    return None if value is None else float(value)


# --------------------------------------------------------------------------------------------
# Pattern fragments
# --------------------------------------------------------------------------------------------


def _alt(words) -> str:
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


_UNITS_ALT = _alt(UNIT_WORDS)
_TENS_ALT = _alt(TENS_WORDS)
_ONE_TO_NINE = [word for word, value in UNIT_WORDS.items() if 1 <= value <= 9]
CARDINAL = rf"(?:{_TENS_ALT}(?:[\s-]+{_alt(_ONE_TO_NINE)})?|{_UNITS_ALT})\b"
_FIRST_TO_NINTH = [word for word, value in ORDINAL_WORDS.items() if value <= 9]
ORDINAL_WORD = rf"(?:(?:twenty|thirty)[\s-]+{_alt(_FIRST_TO_NINTH)}|{_alt(ORDINAL_WORDS)})\b"
DAY_CARDINAL = r"(?:(?:twenty|thirty)[\s-]+(?:one|two|three|four|five|six|seven|eight|nine)|" \
               r"ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty)\b"  # fmt: skip
DAY_NUM = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?!\d)"
DAY_ORDINAL = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)(?!\d)"
MONTH = rf"{_alt(MONTHS)}(?![a-z])\.?"
WEEKDAY = rf"{_alt(WEEKDAYS)}(?![a-z])(?!\.(?:com|io|net|org)\b)\.?"  # "Monday.com" is a company
YEAR4 = r"(?:1[6-9]\d\d|20\d\d)(?![\d,]\d)"
_CENTURY = r"(?:fifteen|sixteen|seventeen|eighteen|nineteen|twenty)"
_TENS_UNITS = rf"(?:{_TENS_ALT}(?:[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))?|" \
              r"ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|" \
              r"oh[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))\b"  # fmt: skip
YEAR_WORDS = (
    rf"(?:{_CENTURY}\s+hundred(?:\s+and)?(?:\s+{_TENS_UNITS}|\s+{_UNITS_ALT}\b)?"
    rf"|two\s+thousand(?:\s+and)?(?:\s+{_TENS_UNITS}|\s+{_UNITS_ALT}\b)?"
    rf"|{_CENTURY}\s+{_TENS_UNITS})"
)
# The year after a written date: ", 2025", " of 1995", " in 2020", "'87", words.
YEAR_TAIL = (
    rf"(?:\s*,?\s*(?:of\s+|in\s+)?(?P<y>{YEAR4})|\s+(?:of\s+)?(?P<yw>{YEAR_WORDS})"
    r"|\s+of\s+(?P<yy>\d\d)(?!\d)|\s*['’](?P<yy2>\d\d)(?!\d))"
)
AMPM = r"(?:(?P<ap>[ap])\.?\s?m\b\.?|(?<=\d)(?P<ap1>[ap])(?![\w']))"
ZONE = (
    r"(?-i:(?P<zone>"
    + _alt(re.escape(z) for z in ZONES)
    + r")(?:\s*(?P<zoff>[+-]\d{1,2})(?::?(?P<zoffm>\d\d))?)?)(?![\w])"
)
NUM = rf"(?:\d+(?:\.\d+)?|a\s+couple\s+of|an?|{CARDINAL})"
UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|fortnights?|months?|years?|yrs?|decades?)\b"
_PART = r"(?:half\s+an?\s+hour|an?\s+fortnight|" + NUM + r"[\s-]+" + UNIT + ")"
CHAIN = rf"{_PART}(?:(?:\s*,\s*|\s+and\s+|\s+){_PART})*"
# a component that is not the last one before "ago" (used for windows, see _mask_windows)
_PART_NOT_AGO = rf"{_PART}(?!\s+ago\b)"
CHAIN_NOT_AGO = rf"{_PART_NOT_AGO}(?:(?:\s*,\s*|\s+and\s+){_PART_NOT_AGO})*"

_FLAGS = re.IGNORECASE


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


# --------------------------------------------------------------------------------------------
# Resolution: references that become a date once an anchor is known
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    now: datetime | None  # the anchor without microseconds
    today: date | None


@dataclass(frozen=True)
class _Delta:
    years: int = 0
    months: int = 0
    days: int = 0
    seconds: float = 0

    def __add__(self, other: _Delta) -> _Delta:
        return _Delta(
            self.years + other.years,
            self.months + other.months,
            self.days + other.days,
            self.seconds + other.seconds,
        )

    def __neg__(self) -> _Delta:
        return _Delta(-self.years, -self.months, -self.days, -self.seconds)

    @property
    def sub_day(self) -> bool:
        return self.seconds != 0


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return d.replace(year=year, month=month, day=min(d.day, _month_len(year, month)))


def _month_len(year: int, month: int) -> int:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def _apply(value: date | datetime, delta: _Delta) -> date | datetime:
    value = _add_months(value, delta.years * 12 + delta.months)
    value = value + timedelta(days=delta.days)
    if delta.seconds:
        value = value + timedelta(seconds=delta.seconds)
    return value


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month, day = divmod(h + ll - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year, month, _month_len(year, month))
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _holiday_date(rule: tuple, year: int) -> date:
    kind = rule[0]
    if kind == "fixed":
        return date(year, rule[1], rule[2])
    if kind == "nth":
        return _nth_weekday(year, rule[1], rule[2], rule[3])
    if kind == "easter":
        return _easter(year) + timedelta(days=rule[1])
    return _nth_weekday(year, 11, 3, 4) + timedelta(days=rule[1])  # thanksgiving


def _nearest(candidates, today: date, prefer: str, strict: bool = False) -> date | None:
    """The latest candidate not after today ("past") or the earliest not before it ("future")."""
    if prefer == "past":
        ok = [c for c in candidates if (c < today if strict else c <= today)]
        return max(ok) if ok else None
    ok = [c for c in candidates if (c > today if strict else c >= today)]
    return min(ok) if ok else None


class _Ref:
    """Something that resolves to a date (or a date-time) once the anchor is known."""

    needs_anchor = True

    def resolve(self, ctx: _Ctx, prefer: str = "past") -> date | datetime | None:
        raise NotImplementedError


@dataclass(frozen=True)
class _Abs(_Ref):
    year: int
    month: int
    day: int
    needs_anchor = False

    def resolve(self, ctx, prefer="past"):
        return _valid(self.year, self.month, self.day)


@dataclass(frozen=True)
class _MonthDay(_Ref):
    """'May 8', '8 May', '5/12': the year comes from the anchor (mod: None, 'this', 'next', 'last')."""

    month: int
    day: int
    mod: str | None = None

    def resolve(self, ctx, prefer="past"):
        y = ctx.today.year
        if self.mod in ("this", "next", "last"):
            return _valid(y + {"this": 0, "next": 1, "last": -1}[self.mod], self.month, self.day)
        cands = [c for dy in range(-8, 9) if (c := _valid(y + dy, self.month, self.day))]
        return _nearest(cands, ctx.today, prefer)


@dataclass(frozen=True)
class _Day(_Ref):
    """'on the 18th': a day of the anchor's month (month_offset) or the nearest month that has it."""

    day: int
    month_offset: int | None = None

    def resolve(self, ctx, prefer="past"):
        first = ctx.today.replace(day=1)
        if self.month_offset is not None:
            m = _add_months(first, self.month_offset)
            return _valid(m.year, m.month, self.day)
        cands = [
            c
            for k in range(-3, 4)
            if (m := _add_months(first, k)) and (c := _valid(m.year, m.month, self.day))
        ]
        return _nearest(cands, ctx.today, prefer)


@dataclass(frozen=True)
class _Weekday(_Ref):
    weekday: int
    mod: str | None = None  # None, this, next, last, coming, past

    def resolve(self, ctx, prefer="past"):
        today, wd = ctx.today, self.weekday
        if self.mod == "this":
            return _monday(today) + timedelta(days=wd)
        if self.mod == "next":
            return _monday(today) + timedelta(days=7 + wd)
        if self.mod == "last":
            return _monday(today) + timedelta(days=wd - 7)
        if self.mod == "coming":
            return today + timedelta(days=(wd - today.weekday() - 1) % 7 + 1)
        if self.mod == "past":
            return today - timedelta(days=(today.weekday() - wd - 1) % 7 + 1)
        if prefer == "past":
            return today - timedelta(days=(today.weekday() - wd) % 7)
        return today + timedelta(days=(wd - today.weekday()) % 7)


@dataclass(frozen=True)
class _WeekdayOfWeek(_Ref):
    """'next week Monday', 'tuesday of last week': a weekday of a Monday-to-Sunday week."""

    weekday: int
    week_offset: int

    def resolve(self, ctx, prefer="past"):
        return _monday(ctx.today) + timedelta(days=7 * self.week_offset + self.weekday)


@dataclass(frozen=True)
class _WeekdayDay(_Ref):
    """'Monday 21', 'friday the 26th': the anchor's month if that day is that weekday, else the nearest."""

    weekday: int
    day: int

    def resolve(self, ctx, prefer="past"):
        first = ctx.today.replace(day=1)
        step = -1 if prefer == "past" else 1
        for k in [0, *range(step, step * 60, step)]:
            m = _add_months(first, k)
            d = _valid(m.year, m.month, self.day)
            if d and d.weekday() == self.weekday:
                return d
        return None


@dataclass(frozen=True)
class _NthWeekday(_Ref):
    """'the third Friday of March (2025)': n-th (or last, n=-1) weekday of a month."""

    n: int
    weekday: int
    month: int
    year: int | None = None

    @property
    def needs_anchor(self):  # type: ignore[override]
        return self.year is None

    def resolve(self, ctx, prefer="past"):
        if self.year is not None:
            d = _nth_weekday(self.year, self.month, self.weekday, self.n)
            return d if d.month == self.month else None
        cands = [
            d
            for dy in (-1, 0, 1)
            if (d := _nth_weekday(ctx.today.year + dy, self.month, self.weekday, self.n)).month == self.month
        ]
        return _nearest(cands, ctx.today, prefer)


@dataclass(frozen=True)
class _Rel(_Ref):
    days: int

    def resolve(self, ctx, prefer="past"):
        return ctx.today + timedelta(days=self.days)


@dataclass(frozen=True)
class _Now(_Ref):
    def resolve(self, ctx, prefer="past"):
        return ctx.now


@dataclass(frozen=True)
class _Holiday(_Ref):
    rule: tuple
    year: int | None = None
    year_offset: int | None = None  # "of this year" -> 0
    mod: str | None = None  # next, last, this

    @property
    def needs_anchor(self):  # type: ignore[override]
        return self.year is None

    def resolve(self, ctx, prefer="past"):
        if self.year is not None:
            return _holiday_date(self.rule, self.year)
        y = ctx.today.year
        if self.year_offset is not None or self.mod == "this":
            return _holiday_date(self.rule, y + (self.year_offset or 0))
        cands = [_holiday_date(self.rule, y + dy) for dy in (-2, -1, 0, 1, 2)]
        if self.mod == "next":
            return _nearest(cands, ctx.today, "future", strict=True)
        if self.mod == "last":
            return _nearest(cands, ctx.today, "past", strict=True)
        return _nearest(cands, ctx.today, prefer)


@dataclass(frozen=True)
class _WeekOfMonth(_Ref):
    """'1st week of Oct. on Friday': the weekday of the n-th Monday-to-Sunday week of a month."""

    n: int
    month: int
    year: int | None
    weekday: int

    def resolve(self, ctx, prefer="past"):
        year = self.year
        if year is None:
            year = ctx.today.year if self.month <= ctx.today.month else ctx.today.year - 1
        first = date(year, self.month, 1)
        if self.n > 0:
            target = first + timedelta(days=7 * (self.n - 1))
        else:
            target = date(year, self.month, _month_len(year, self.month))
        return _monday(target) + timedelta(days=self.weekday)


@dataclass(frozen=True)
class _Shift(_Ref):
    """An offset from a base (None: the anchor) and, optionally, a weekday of the week it lands in."""

    delta: _Delta
    base: _Ref | None = None
    snap: int | None = None

    @property
    def needs_anchor(self):  # type: ignore[override]
        return self.base is None or self.base.needs_anchor

    def resolve(self, ctx, prefer="past"):
        if self.base is None:
            start = ctx.now if self.delta.sub_day else ctx.today
        else:
            start = self.base.resolve(ctx, "future")
        if start is None:
            return None
        value = _apply(start, self.delta)
        if self.snap is not None:  # the weekday of the Sunday-to-Saturday week it falls in
            sunday = value - timedelta(days=(value.weekday() + 1) % 7)
            value = sunday + timedelta(days=(self.snap + 1) % 7)
        return value


# Coarse references: months, quarters, years -> (value, grain)


@dataclass(frozen=True)
class _Coarse:
    grain: str  # month, quarter, year
    year: int | None = None
    number: int | None = None  # month or quarter number
    offset: int | None = None  # relative to the anchor's month / quarter / year
    mod: str | None = None  # this, next, last for a named month or quarter

    @property
    def needs_anchor(self) -> bool:
        return self.year is None

    def value(self, ctx: _Ctx) -> str | None:
        today = ctx.today
        if self.grain == "year":
            if self.year is not None:
                return f"{self.year:04d}"
            assert today is not None  # needs_anchor: only resolved with an anchor
            return f"{today.year + (self.offset or 0):04d}"
        size = 1 if self.grain == "month" else 3
        if self.year is not None:
            assert self.number is not None  # a month or quarter with its year names its number
            first_month = (self.number - 1) * size + 1
            return f"{self.year:04d}-{first_month:02d}"
        assert today is not None
        current = (today.month - 1) // size  # 0-based index of the anchor's month / quarter
        if self.offset is not None:
            index = today.year * (12 // size) + current + self.offset
        else:
            assert self.number is not None  # no offset: a named month or quarter
            wanted = self.number - 1
            index = today.year * (12 // size) + wanted
            shift = {"this": 0, "next": 12 // size, "last": -(12 // size)}.get(self.mod or "")
            if shift is not None:
                index += shift
            elif wanted > current:
                index -= 12 // size
        year, idx = divmod(index, 12 // size)
        return f"{year:04d}-{idx * size + 1:02d}"


# --------------------------------------------------------------------------------------------
# Atoms: the pieces patterns find before they are joined
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int = 0
    second: int = 0
    ampm: str | None = None  # "a" or "p"
    zone: tzinfo | None = None
    strength: str = "weak"  # strong (am/pm, zone, o'clock), noon, colon (H:MM), word (hour+minutes), weak
    cue: str | None = None  # the word before it: at, @, around ...

    def hour24(self, part: str | None) -> int:
        h = self.hour
        if self.ampm == "a":
            return 0 if h == 12 else h
        if self.ampm == "p":
            return h if h == 12 else h + 12
        if part in ("afternoon", "evening") and h < 12:
            return h + 12
        if part == "night" and 5 <= h < 12:
            return h + 12
        return h


@dataclass
class _Atom:
    start: int
    end: int
    kind: str  # date, coarse, time, part, offset, week, wom, endof
    ref: Any = None  # _Ref, _Coarse, _Clock, _Delta, week offset, ...
    clock: _Clock | None = None
    part: str | None = None
    eod: bool = False
    flags: frozenset[str] = field(default_factory=frozenset)
    priority: int = 5

    def has(self, flag: str) -> bool:
        return flag in self.flags


def _atom(m: re.Match, kind: str, ref=None, **kw) -> _Atom:
    return _Atom(m.start(), m.end(), kind, ref, **kw)


def _month_of(token: str) -> int:
    return MONTHS[token.lower().rstrip(".")]


def _weekday_of(token: str) -> int:
    return WEEKDAYS[token.lower().rstrip(".")]


def _day_of(token: str) -> int | None:
    token = token.strip()
    value = ordinal_to_int(token)
    if value is None:
        value = words_to_int(token)
    return value if value and 1 <= value <= 31 else None


def _two_digit_year(yy: int) -> int:
    return 2000 + yy if yy < 40 else 1900 + yy


def _year_of(m: re.Match) -> int | None:
    """The year of a YEAR_TAIL match (None when no year is written)."""
    gd = m.groupdict()
    if gd.get("y"):
        return int(gd["y"])
    if gd.get("yw"):
        return _year_from_words(gd["yw"])
    for key in ("yy", "yy2"):
        if gd.get(key):
            return _two_digit_year(int(gd[key]))
    return None


def _date_ref(year: int | None, month: int, day: int, mod: str | None = None) -> _Ref | None:
    """An absolute date when the year is known, else a month-day; None for impossible dates."""
    if year is not None:
        return _Abs(year, month, day) if _valid(year, month, day) else None
    if day > _month_len(2000, month):  # 2000 is a leap year: Feb 29 is allowed here
        return None
    return _MonthDay(month, day, mod)


def _is_may_verb(m: re.Match, group: str = "mon") -> bool:
    """'may' not written 'May': the modal verb, not the month."""
    token = m.group(group)
    return token.lower() == "may" and token != "May"


# Every pattern starts at its core token (a number, a month or weekday name ...) and is only tried
# where such a token occurs (the triggers in _PATTERNS). Optional words before it ("next", "on the",
# "at", "late") are read by `_looking_back`; what may not come before it ("$12 December") by `_after`.


def _looking_back(m: re.Match, rx: re.Pattern[str]) -> re.Match | None:
    """`rx` (anchored with `\\Z`) matched on the few words just before the match."""
    return rx.search(m.string, max(0, m.start() - 40), m.start())


def _after(m: re.Match, rx: re.Pattern[str]) -> bool:
    """True when the text just before the match ends with `rx` (a guard such as 'a digit and a dot')."""
    return rx.search(m.string, max(0, m.start() - 3), m.start()) is not None


def _back(pattern: str) -> re.Pattern[str]:
    """A look-back pattern: optional words that must end where the match starts."""
    return re.compile(pattern + r"\Z", _FLAGS)


_AFTER_WORD = _back(r"\w")
_AFTER_NUMBER = _back(r"(?:[\d.,]|\d[-/])")
_AFTER_NUMBER_OR_MONEY = _back(r"(?:[\d.,$€£]|\d[-/:])")
_AFTER_WORD_OR_DOT = _back(r"[\w.]")
_THE = _back(r"\bthe\s+")
_MOD = _back(r"\b(?P<mod>this|next|last)\s+")
_MOD_OR_ON = _back(r"\b(?:(?P<mod>this|next|last)|(?P<on>on))\s+")
_MOD_THE = _back(r"(?:\b(?P<mod>this|next|last)\s+)?(?:\bthe\s+)?")

# ---- absolute and month-day dates -----------------------------------------------------------

_ISO_DATE = _c(r"\b(?P<y>(?:1[6-9]|20)\d\d)(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d)(?![-/.]\d)")
_COMPACT_DATE = _c(r"\b(?P<y>(?:19|20)\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?!\d)")
_SPACED_DATE = _c(r"\b(?P<y>(?:19|20)\d\d) (?P<m>0[1-9]|1[0-2]) (?P<d>0[1-9]|[12]\d|3[01])(?!\d)")
_NUMERIC_DATE = _c(r"\b(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?!\d)(?![-/.]\d)")
_NUMERIC_MONTH = _c(
    r"\b(?:(?P<y>(?:19|20)\d\d)-(?P<m>0[1-9]|1[0-2])|(?P<m2>0?[1-9]|1[0-2])/(?P<y2>(?:19|20)\d\d))(?![-/.]?\d)"
)
_NUMERIC_MONTH_DAY = _c(r"\b(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?!\d)(?![-/.,]\d)(?!\s*%)")
_PART_TOKEN = rf"(?:{MONTH}|\d{{1,4}})"
_NAMED_MONTH_NUMERIC = _c(
    rf"\b(?P<p1>{_PART_TOKEN})(?P<s>[/-])(?P<p2>{_PART_TOKEN})(?:(?P=s)(?P<p3>{_PART_TOKEN}))?(?![\w])(?![-/]\d)"
)
_MONTH_DAY = _c(
    rf"\b(?P<mon>{MONTH})(?:\s*,\s*|\s*)(?:the\s+)?(?P<day>{DAY_NUM}|(?<=\s){ORDINAL_WORD}|(?<=\s){DAY_CARDINAL})"
    rf"(?!\s*(?::\d|[ap]\.?m\b|%|\.\d))(?:{YEAR_TAIL}|\s+(?P<yy3>\d\d)(?![\d:.%]))?"
)
_DAY_MONTH = _c(
    rf"\b(?P<day>{DAY_NUM}|{ORDINAL_WORD}|{DAY_CARDINAL})(?:\s+day)?\s*(?:of\s+|-\s*)?(?P<mon>{MONTH})(?:{YEAR_TAIL})?"
)
_CTIME = _c(
    rf"\b(?P<wd>{WEEKDAY})\s+(?P<mon>{MONTH})\s+(?P<d>{DAY_NUM})\s+"
    r"(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)(?::(?P<s>[0-5]\d))?\s+(?P<y>(?:19|20)\d\d)\b"
)


def _numeric_ymd(m: re.Match) -> _Atom | None:
    """'2025-05-08', '2018/7/6', '20161016', '2016 10 16'."""
    if _after(m, _AFTER_NUMBER_OR_MONEY):
        return None
    ref = _date_ref(int(m["y"]), int(m["m"]), int(m["d"]))
    return _atom(m, "date", ref, priority=2) if ref else None


def _numeric_dmy(m: re.Match) -> _Atom | None:
    """'05/08/2025' (US: month first), '23.04.2022' (dots: day first), '13/04/21' (day > 12)."""
    if _after(m, _AFTER_NUMBER):
        return None
    a, b, y = int(m["a"]), int(m["b"]), m["y"]
    year = int(y) if len(y) == 4 else _two_digit_year(int(y))
    month, day = (b, a) if (m["s"] == "." or a > 12) else (a, b)
    ref = _date_ref(year, month, day) or _date_ref(year, day, month) if month <= 12 or day <= 12 else None
    return _atom(m, "date", ref, priority=2) if ref else None


def _numeric_month(m: re.Match) -> _Atom | None:
    """'2014-10', '2/2013' (but '2010-12' reads as the years 2010 to 2012)."""
    if _after(m, _AFTER_NUMBER_OR_MONEY) or (m["y"] and int(m["m"]) > int(m["y"][2:])):
        return None
    coarse = _Coarse("month", int(m["y"] or m["y2"]), int(m["m"] or m["m2"]))
    return _atom(m, "coarse", coarse, priority=3)


def _numeric_md(m: re.Match) -> _Atom | None:
    """'11/20', '22/04', 'this 5/12'; short or dotted forms ('7.6', '1/2') only after a cue."""
    if _after(m, _AFTER_NUMBER_OR_MONEY):
        return None
    a, b, sep = m["a"], m["b"], m["s"]
    month, day = (int(b), int(a)) if int(a) > 12 else (int(a), int(b))
    if month > 12 or (sep == "-" and int(b) > 31):
        return None
    cue = _looking_back(m, _MOD_OR_ON)
    mod = cue["mod"].lower() if cue and cue["mod"] else None
    ref = _date_ref(None, month, day, mod)
    if ref is None:
        return None
    strong = bool(cue) or (sep == "/" and len(a) + len(b) >= 3 and f"{a}/{b}" != "24/7")
    if not cue and sep == "/" and re.match(r"\s+of\b", m.string[m.end() :]):
        strong = False  # "1/3 of the supply"
    start = cue.start() if cue and mod else m.start()
    return _Atom(
        start, m.end(), "date", ref, flags=frozenset() if strong else frozenset({"weak"}), priority=4
    )


def _named_month_numeric(m: re.Match) -> _Atom | None:
    """'Oct/2', '05-Aug-2016', '2019/aug/01', '23-2020-September': one month name, any order."""
    if _after(m, _AFTER_WORD_OR_DOT):
        return None
    parts = [p for p in (m["p1"], m["p2"], m["p3"]) if p]
    names = [p for p in parts if not p.isdigit()]
    if len(names) != 1:
        return None
    month = _month_of(names[0])
    numbers = [p for p in parts if p.isdigit()]
    years = [int(p) for p in numbers if len(p) == 4]
    days = [int(p) for p in numbers if len(p) <= 2]
    if len(years) > 1 or len(days) > 1 or len(numbers) != len(years) + len(days):
        return None
    if not days:
        return _atom(m, "coarse", _Coarse("month", years[0], month), priority=3) if years else None
    if not years and len(parts) == 3:
        return None
    ref = _date_ref(years[0] if years else None, month, days[0])
    return _atom(m, "date", ref, priority=2) if ref else None


def _month_day(m: re.Match) -> _Atom | None:
    """'May 8, 2025', 'Dec31 , 1994', 'july 4th of 1995', 'January first 12', 'next May 8'."""
    if _after(m, _AFTER_WORD):
        return None
    day = _day_of(m["day"])
    if day is None or (_is_may_verb(m) and not m["day"][0].isdigit()):
        return None
    year, end = _year_of(m), m.end()
    if m["yy3"]:
        if m["day"][0].isdigit():  # a bare 2-digit year only after a written day ("January first 12")
            end = m.end("day")
        else:
            year = _two_digit_year(int(m["yy3"]))
    cue = _looking_back(m, _MOD) if year is None else None
    ref = _date_ref(year, _month_of(m["mon"]), day, cue["mod"].lower() if cue else None)
    return _Atom(cue.start() if cue else m.start(), end, "date", ref, priority=1) if ref else None


def _day_month(m: re.Match) -> _Atom | None:
    """'8 May', '04th Jan 2019', 'second of Aug', 'the 09th of May', 'next 6th of April'."""
    if _after(m, _back(r"(?:[\w.$€£]|\d:|[$€£]\s)")):
        return None  # "$12 December 27": 12 is money; "12:30 December 27th": 30 is minutes
    day = _day_of(m["day"])
    year = _year_of(m)
    if day is None or (_is_may_verb(m) and year is None):
        return None
    cue = _looking_back(m, _MOD_THE)
    mod = cue["mod"].lower() if cue and cue["mod"] and year is None else None
    ref = _date_ref(year, _month_of(m["mon"]), day, mod)
    return _Atom(cue.start() if cue else m.start(), m.end(), "date", ref, priority=1) if ref else None


def _ctime(m: re.Match) -> _Atom | None:
    """'Wed Oct 26 15:50:06 2016'."""
    if _after(m, _AFTER_WORD):
        return None
    ref = _date_ref(int(m["y"]), _month_of(m["mon"]), int(re.sub(r"\D", "", m["d"])))
    clock = _Clock(int(m["h"]), int(m["mi"]), int(m["s"] or 0), strength="colon")
    return _atom(m, "date", ref, clock=clock, priority=0) if ref else None


# ---- coarse: months, quarters, years ---------------------------------------------------------

_QUALIFIER = _back(r"\b(?P<q>early|mid|late)[\s-]+")
_MONTH_YEAR = _c(rf"\b(?P<mon>{MONTH})\s*,?\s*(?:of\s+)?(?:(?P<y>{YEAR4})|['’](?P<yy>\d\d)(?!\d))")
_MONTH_ALONE = _c(rf"\b(?P<mon>{MONTH})(?!\s*[\d'’])(?!\s*(?:{CARDINAL}|{ORDINAL_WORD}))")
_MONTH_CUE = _back(
    r"\b(?:(?P<mod>last|this|next|early|mid|late)[\s-]+"
    r"|(?:in|during|since|until|till|through|throughout|by|from|of|for|before|after)\s+|mid-|end-)"
)
_MONTH_END_AFTER = re.compile(r"[\s-]end\b")  # "at December-end", "as of January end"
# "the last month" / "over the past year" are windows (see find_durations), not calendar periods
_REL_PERIOD = _c(r"\b(?P<mod>last|this|next|previous|current)\s+(?P<unit>month|year|yr|quarter|qtr)\b")
_PERIOD_UNITS = {"yr": "year", "qtr": "quarter"}
_YEAR = _c(
    rf"(?P<y>{YEAR4})(?!\s*(?:%|s\b|-\d|\.\d|[mbtr]illion|shares|coins|tokens|units|people|points|contracts|times|btc|eth)"
    r"|s\b|\d)"
)
_YEAR_CUE = _back(
    r"(?:\b(?P<pre>in|since|during|of|by|from|until|till|through|throughout|for|before|after|around|circa|"
    r"year|end\s+of|start\s+of|beginning\s+of|as\s+of)\s+)?(?:\b(?P<q>early|mid|late|fiscal|FY)[\s-]*)?"
)
_QUARTER = _c(
    rf"\b(?:Q(?P<q>[1-4])|(?P<q2>[1-4])Q)(?:\s*(?:of\s+)?(?:FY\s*)?(?P<y>{YEAR4})|\s*['’-]?\s*(?P<yy>\d\d)(?!\d))?(?![\w])"
    rf"|\b(?P<ord>first|second|third|fourth|final|1st|2nd|3rd|4th)[\s-]+(?:quarter|qtr)\b(?:\s+(?:of\s+)?(?P<y2>{YEAR4}))?"
    rf"|\b(?:(?P<y3>{YEAR4})|(?P<yy3>\d\d))Q(?P<q3>[1-4])\b"
)
_QUARTER_ORD = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "final": 4,
}
_REL_MOD = {"last": -1, "previous": -1, "this": 0, "current": 0, "next": 1}


def _month_year(m: re.Match) -> _Atom | None:
    """'January 2024', 'Sept. 2021', "late Jan '25"."""
    if _after(m, _AFTER_WORD):
        return None
    year = int(m["y"]) if m["y"] else _two_digit_year(int(m["yy"]))
    cue = _looking_back(m, _QUALIFIER)
    return _Atom(
        cue.start() if cue else m.start(),
        m.end(),
        "coarse",
        _Coarse("month", year, _month_of(m["mon"])),
        priority=2,
    )


def _month_alone(m: re.Match) -> _Atom | None:
    """'in January', 'late March', 'last May': a capitalized month name after a cue."""
    token = m["mon"]
    if _after(m, _AFTER_WORD) or not token[0].isupper() or (token.lower() == "may" and token != "May"):
        return None
    cue = _looking_back(m, _MONTH_CUE)
    if not cue:
        if _MONTH_END_AFTER.match(m.string, m.end()) and token.lower() != "may":  # "May end up …"
            return _Atom(m.start(), m.end(), "coarse", _Coarse("month", None, _month_of(token)), priority=4)
        return None
    mod = (cue["mod"] or "").lower()
    coarse = _Coarse("month", None, _month_of(token), mod=mod if mod in ("last", "this", "next") else None)
    return _Atom(cue.start() if mod else m.start(), m.end(), "coarse", coarse, priority=4)


def _rel_period(m: re.Match) -> _Atom | None:
    """'last month', 'this year', 'next quarter' (but not 'the last month', a window)."""
    unit = _PERIOD_UNITS.get(m["unit"].lower(), m["unit"].lower())
    window = m["mod"].lower() == "last" and unit != "quarter" and _looking_back(m, _THE)
    if _after(m, _AFTER_WORD) or window:
        return None
    coarse = _Coarse(unit, offset=_REL_MOD[m["mod"].lower()])
    return _atom(m, "coarse", coarse, priority=3)


def _year(m: re.Match) -> _Atom | None:
    """'in 2022' (span '2022'), 'late 2022', 'FY2024': a year needs a word before it."""
    cue = _looking_back(m, _YEAR_CUE)
    if not cue or not (cue["pre"] or cue["q"]) or (_after(m, _AFTER_WORD) and not cue["q"]):
        return None
    start = cue.start("q") if cue["q"] else m.start()
    return _Atom(start, m.end(), "coarse", _Coarse("year", int(m["y"])), priority=5)


def _quarter(m: re.Match) -> _Atom | None:
    """'Q1 2025', '1Q25', '2018Q4', 'the first quarter of 2025', 'fourth-quarter', '3rd qtr'."""
    if _after(m, _AFTER_WORD):
        return None
    number = int(m["q"] or m["q2"] or m["q3"] or 0) or _QUARTER_ORD[m["ord"].lower()]
    yy = m["yy"] or m["yy3"]
    year = int(m["y"] or m["y2"] or m["y3"] or 0) or (_two_digit_year(int(yy)) if yy else None)
    cue = _looking_back(m, _THE) if m["ord"] else None
    return _Atom(
        cue.start() if cue else m.start(), m.end(), "coarse", _Coarse("quarter", year, number), priority=2
    )


# ---- relative days, weekdays, holidays, now --------------------------------------------------

_REL_WORDS = {
    "today": 0, "tonight": 0, "tonite": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "yesterday": -1,
    "the day before yesterday": -2, "day before yesterday": -2, "the day after tomorrow": 2,
    "day after tomorrow": 2, "otd": 0, "the next day": 1, "the following day": 1,
    "the previous day": -1, "the day before": -1, "the day after": 1, "this morning": 0,
    "this afternoon": 0, "this evening": 0, "last night": -1, "earlier today": 0, "later today": 0,
}  # fmt: skip
_REL_PARTS = {"tonight": "night", "tonite": "night", "this morning": "morning", "this afternoon": "afternoon",
              "this evening": "evening", "last night": "night"}  # fmt: skip
_REL = _c(
    r"\b(?P<w>" + _alt(w.replace(" ", r"\s+") for w in _REL_WORDS) + r")\b"
    r"|\bthe\s+day(?=\s*(?:[.,;:!?)]|$))"
)
_NOW = _c(
    r"\b(?:right\s+now|now|at\s+the\s+moment|at\s+present|at\s+the\s+present\s+time|at\s+this\s+time|at\s+the\s+minute)\b(?!\s+that)"
)
_WEEKDAY_DAY_GUARD = (
    r"(?=\s*(?:$|[,;:!?)]|\.(?!\d)|at\b|around\b|\d{1,2}\s*(?:[ap]\.?\s?m\b|:)|\d{1,2}[ap]\b))"
)
_WEEKDAY = _c(
    rf"\b(?P<wd>{WEEKDAY})"
    rf"(?:,?\s+the\s+(?P<day>{DAY_NUM}|{ORDINAL_WORD})|,?\s+(?P<day2>{DAY_ORDINAL}|{ORDINAL_WORD})"
    rf"|\s+(?P<day3>[12]\d|3[01]|0?[1-9]){_WEEKDAY_DAY_GUARD})?"
    rf"(?!\s*(?:of\s+)?{MONTH})"
)
_WEEKDAY_MOD = _back(
    r"\b(?P<mod>this\s+coming|this\s+upcoming|this\s+past|this|next|last|previous|coming|upcoming|past|"
    r"following|the\s+following)\s+"
)
_WEEKDAY_MODS = {"this": "this", "next": "next", "following": "next", "the following": "next",
                 "last": "last", "previous": "last", "coming": "coming", "upcoming": "coming",
                 "this coming": "coming", "this upcoming": "coming", "past": "past", "this past": "past"}  # fmt: skip
_FULL_WEEKDAYS = frozenset(_CALENDAR["weekday"])
_HOLIDAY = _c(
    r"\b(?P<name>" + "|".join(f"(?:{p})" for p, _ in HOLIDAYS) + r")(?![\w])"
    rf"(?:\s*,?\s*(?:of\s+|in\s+)?(?P<y>{YEAR4})|\s+(?:of\s+)?(?P<rel>this|last|next)\s+year\b)?"
)
_HOLIDAY_MOD = _back(r"\b(?P<mod>next|last|previous|following|this|coming|upcoming)\s+")
_HOLIDAY_RULES = [(re.compile(p, re.I), rule) for p, rule in HOLIDAYS]


def _rel(m: re.Match) -> _Atom | None:
    """'yesterday', 'tomorrow', 'the day before', 'this morning', 'the day' (before a full stop)."""
    if _after(m, _back(r"[\w.]")):
        return None  # "U.Today"
    word = re.sub(r"\s+", " ", (m["w"] or "the day").lower())
    return _atom(m, "date", _Rel(_REL_WORDS.get(word, 0)), part=_REL_PARTS.get(word), priority=3)


def _now(m: re.Match) -> _Atom | None:
    return None if _after(m, _AFTER_WORD) else _atom(m, "now", _Now(), priority=3)


def _weekday(m: re.Match) -> _Atom | None:
    """'Thursday', 'next Friday', 'this past Wednesday', 'Monday 21', 'friday the 26th'."""
    if _after(m, _AFTER_WORD):
        return None
    token = m["wd"].rstrip(".")
    cue = _looking_back(m, _WEEKDAY_MOD)
    mod = _WEEKDAY_MODS[re.sub(r"\s+", " ", cue["mod"].lower())] if cue else None
    wd, day_text = _weekday_of(token), m["day"] or m["day2"] or m["day3"]
    start = cue.start() if cue else m.start()
    abbreviated = token.lower() not in _FULL_WEEKDAYS
    if abbreviated and token.lower() in AMBIGUOUS_WEEKDAYS and not token[0].isupper():
        return None
    if day_text:
        day = _day_of(day_text)
        return _Atom(start, m.end(), "date", _WeekdayDay(wd, day), priority=2) if day else None
    flags = set() if mod else {"weekday"}
    if abbreviated and not mod and (token.lower() in AMBIGUOUS_WEEKDAYS or not token[0].isupper()):
        flags.add("weak")  # "Sat", "sun", "tues": only as part of a larger expression
    return _Atom(start, m.end(), "date", _Weekday(wd, mod), flags=frozenset(flags), priority=3)


def _holiday(m: re.Match) -> _Atom | None:
    """'Christmas', 'last easter', 'black friday 2010', 'independence day of this year'."""
    if _after(m, _AFTER_WORD):
        return None
    rule = next(rule for rx, rule in _HOLIDAY_RULES if rx.fullmatch(m["name"]))
    cue = _looking_back(m, _HOLIDAY_MOD)
    mod = cue["mod"].lower() if cue else None
    mod = {"following": "next", "coming": "next", "upcoming": "next", "previous": "last"}.get(mod or "", mod)
    year_offset = _REL_MOD[m["rel"].lower()] if m["rel"] else None
    ref = _Holiday(rule, int(m["y"]) if m["y"] else None, year_offset, mod)
    return _Atom(
        cue.start() if cue else m.start(), m.end(), "date", ref, flags=frozenset({"holiday"}), priority=1
    )


# ---- days of a month, weeks -------------------------------------------------------------------

_DAY_ONLY = _c(
    rf"\b(?P<day>{DAY_ORDINAL}|{ORDINAL_WORD})(?:\s+day)?(?:(?:\s+of)?\s+(?P<mod>this|next|last|previous)\s+month\b)?"
)
_ON_THE = _back(r"(?:\b(?P<on>on)\s+)?(?:\b(?P<the>the)\s+)?")
_WEEK = _c(r"\b(?P<mod>this|next|last|previous|following|coming)\s+week\b")
_WEEK_OF_MONTH = _c(
    rf"\b(?P<n>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+week\s+of\s+(?P<mon>{MONTH})(?:\s*(?P<y>{YEAR4}))?"
)
_WEEK_MOD = {"this": 0, "next": 1, "following": 1, "coming": 1, "last": -1, "previous": -1}
_NTH_WEEKDAY = _c(
    rf"\b(?P<n>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+(?P<wd>{WEEKDAY})\s+(?:of|in)\s+(?P<mon>{MONTH})"
    rf"(?:\s*,?\s*(?P<y>{YEAR4}))?"
)


def _day_only(m: re.Match) -> _Atom | None:
    """'on the 18th', 'on 29th', 'the 21st this month', 'the 15th day of next month'."""
    if _after(m, _AFTER_WORD):
        return None
    cue = _looking_back(m, _ON_THE)
    if not m["mod"] and (not (cue and cue["on"]) or not m["day"][0].isdigit()):
        return None
    day = _day_of(m["day"])
    offset = _REL_MOD[m["mod"].lower()] if m["mod"] else None
    start = cue.start("the") if cue and cue["the"] else m.start()
    return _Atom(start, m.end(), "date", _Day(day, offset), priority=4) if day else None


def _nth_weekday_of_month(m: re.Match) -> _Atom | None:
    """'the third Friday of March', 'last Monday in May 2024'."""
    if _after(m, _AFTER_WORD):
        return None
    n = m["n"].lower()
    number = -1 if n == "last" else (ORDINAL_WORDS.get(n) or int(n[0]))
    ref = _NthWeekday(number, _weekday_of(m["wd"]), _month_of(m["mon"]), int(m["y"]) if m["y"] else None)
    cue = _looking_back(m, _THE)
    return _Atom(cue.start() if cue else m.start(), m.end(), "date", ref, priority=1)


def _week(m: re.Match) -> _Atom | None:
    if _after(m, _AFTER_WORD):
        return None
    cue = _looking_back(m, _THE)
    return _Atom(cue.start() if cue else m.start(), m.end(), "week", _WEEK_MOD[m["mod"].lower()], priority=4)


def _week_of_month(m: re.Match) -> _Atom | None:
    if _after(m, _AFTER_WORD):
        return None
    n = m["n"].lower()
    number = -1 if n == "last" else (ORDINAL_WORDS.get(n) or int(n[0]))
    cue = _looking_back(m, _THE)
    ref = (number, _month_of(m["mon"]), int(m["y"]) if m["y"] else None)
    return _Atom(cue.start() if cue else m.start(), m.end(), "wom", ref, priority=2)


# ---- offsets: "in 3 days", "2 weeks ago", "3 minutes from now", bare "3 days" -------------------

_OFFSET = _c(rf"\b(?P<chain>{CHAIN})(?:(?P<suffix>\s+(?:ago|later|hence|from\s+now))\b|['’]s\s+time\b)?")
_IN = _back(r"\bin\s+(?:about\s+|around\s+|approximately\s+)?")


def _chain_delta(chain: str) -> _Delta | None:
    """'2 years 1 month 21 days' -> _Delta(2, 1, 21); 'half an hour' -> 1800 seconds."""
    total = _Delta()
    for part in re.finditer(
        rf"half\s+an?\s+hour|an?\s+fortnight|(?P<n>{NUM})[\s-]+(?P<u>{UNIT})", chain, _FLAGS
    ):
        if part["n"] is None:
            total += _Delta(seconds=1800) if part.group().lower().startswith("half") else _Delta(days=14)
            continue
        n, unit = _number(part["n"]), _unit(part["u"])
        if n is None or unit not in UNITS:
            return None
        y, mo, d, s = UNITS[unit]
        if n != int(n) and not s:
            return None
        total += _Delta(int(n * y), int(n * mo), int(n * d), n * s)
    return total


def _unit(token: str) -> str:
    token = token.lower()
    return token[:-1] if token.endswith("s") and token[:-1] in UNITS else token


def _offset(m: re.Match) -> _Atom | None:
    if _after(m, _back(r"[\w.]")):
        return None
    delta = _chain_delta(m["chain"])
    if delta is None:
        return None
    suffix = (m["suffix"] or "").strip().lower()
    if suffix:
        return _atom(
            m, "date", _Shift(-delta if suffix == "ago" else delta), flags=frozenset({"shift"}), priority=2
        )
    cue = _looking_back(m, _IN)
    if cue or m.group().lower().endswith("time"):
        return _Atom(
            cue.start() if cue else m.start(),
            m.end(),
            "date",
            _Shift(delta),
            flags=frozenset({"shift", "in"}),
            priority=3,
        )
    return _atom(m, "offset", delta, priority=6)


# ---- times of day -----------------------------------------------------------------------------

_HOUR_WORDS = {k: v for k, v in UNIT_WORDS.items() if 1 <= v <= 12}
_HOUR_WORD = _alt(_HOUR_WORDS) + r"\b"
_MINUTE_WORD = (
    rf"(?:(?:twenty|thirty|forty|fifty)(?:[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))?|"
    rf"ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|oh[\s-]+{_alt(_ONE_TO_NINE)})\b"
)
_TIME_CUE = _back(r"(?:\b(?P<cue>at|around|about|by|from|until|till|to)|(?P<at>@))\s*")
_TIME = _c(
    r"\b(?P<h>[01]?\d|2[0-3])(?:(?P<sep>[:.])(?P<mi>[0-5]\d)(?::(?P<s>[0-5]\d))?)?"
    rf"(?:\s*{AMPM}|\s*(?P<oc>o['’]?\s?clock|oclock))?(?:\s*\(?{ZONE}\)?)?"
    r"(?![\w:])(?![.,]\d)"
)
_WORD_TIME = _c(
    rf"\b(?:(?P<mw>{_MINUTE_WORD}|quarter|half)\s+(?:minutes?\s+)?(?P<rel>past|after|to|before)\s+(?P<hw2>{_HOUR_WORD})"
    rf"|(?P<hw>{_HOUR_WORD})(?:[\s-](?P<mw2>{_MINUTE_WORD})(?:\s+minutes)?)?)"
    rf"(?:\s*{AMPM}|\s*(?P<oc>o['’]?\s?clock))?(?:\s*\(?{ZONE}\)?)?(?![\w-])"
)
_NOON = _c(r"\b(?P<t>noon|midday|midnight)\b(?:\s*\(?" + ZONE + r"\)?)?")
_PART_OF_DAY = _c(r"\b(?P<part>morning|afternoon|evening|night)\b")
_PART_CUE = _back(r"(?:\bin\s+the\s+)?(?:\b(?:early|late)\s+)?")
_BEFORE_PART_DATE = re.compile(
    r"\s*,?\s*(?:tonight|tonite|this\s+(?:morning|afternoon|evening)|last\s+night)\b", re.I
)
_AFTER_BARE_HOUR = re.compile(
    r"\s*(?:$|[,;!?)]|\.(?!\d)|(?:tonight|today|tomorrow|this|on|in|or|and|then|yesterday|last)\b)", re.I
)


def _zone(m: re.Match) -> tzinfo | None:
    if not m["zone"]:
        return None
    if m["zoff"]:
        hours = int(m["zoff"])
        minutes = int(m["zoffm"] or 0) * (1 if hours >= 0 else -1)
        return timezone(timedelta(hours=hours, minutes=minutes))
    name = ZONES[m["zone"]]
    return UTC if name == "UTC" else ZoneInfo(name)


def _ampm(m: re.Match) -> str | None:
    token = m["ap"] or m["ap1"]
    return token.lower() if token else None


def _time_cue(m: re.Match) -> str | None:
    cue = _looking_back(m, _TIME_CUE)
    return None if cue is None else (cue["cue"] or cue["at"]).lower()


def _time(m: re.Match) -> _Atom | None:
    """'10:00 AM UTC', '8.30pm', '9a', '4 oclock', '17:49:19', and a bare hour after 'at'."""
    if _after(m, _back(r"(?:[\w.:/$€£,]|\d[-–])")):
        return None
    h, ampm, zone, cue = int(m["h"]), _ampm(m), _zone(m), _time_cue(m)
    if ampm and not 1 <= h <= 12:
        return None
    rest = m.string[m.end() :]
    if ampm or zone or m["oc"]:
        strength = "strong"
    elif m["sep"] == ":":
        strength = "colon"
    elif m["sep"] == ".":
        if not cue or re.match(r"\s*(?:%|percent|per\b|bps?\b|basis|x\b|times)", rest, re.I):
            return None
        strength = "weak"
    elif (cue and _AFTER_BARE_HOUR.match(rest)) or _BEFORE_PART_DATE.match(rest):
        strength = "weak"
    else:
        return None
    clock = _Clock(h, int(m["mi"] or 0), int(m["s"] or 0), ampm, zone, strength, cue)
    return _atom(m, "time", clock, priority=3)


def _word_time(m: re.Match) -> _Atom | None:
    """'one thirty p m', 'five-thirty', 'six forty-three minutes', 'thirty-six minutes past eight'."""
    if _after(m, _back(r"[\w-]")):
        return None
    ampm, zone, cue = _ampm(m), _zone(m), _time_cue(m)
    if m["hw2"]:
        hour, mw = _HOUR_WORDS[m["hw2"].lower()], m["mw"].lower()
        minutes = 15 if mw == "quarter" else 30 if mw == "half" else words_to_int(mw.replace("oh", ""))
        if minutes is not None and m["rel"].lower() in ("to", "before"):
            hour, minutes = (hour - 2) % 12 + 1, 60 - minutes
    else:
        hour = _HOUR_WORDS[m["hw"].lower()]
        minutes = words_to_int(m["mw2"].replace("oh", "")) if m["mw2"] else 0
    if minutes is None or minutes >= 60:
        return None
    if ampm or zone or m["oc"]:
        strength = "strong"
    elif m["hw2"] or m["mw2"]:
        strength = "word"
    elif cue and _AFTER_BARE_HOUR.match(m.string[m.end() :]):
        strength = "weak"
    else:
        return None
    return _atom(m, "time", _Clock(hour, minutes, 0, ampm, zone, strength, cue), priority=4)


def _noon(m: re.Match) -> _Atom | None:
    if _after(m, _AFTER_WORD):
        return None
    hour = 0 if m["t"].lower() == "midnight" else 12
    return _atom(m, "time", _Clock(hour, 0, 0, None, _zone(m), "noon", _time_cue(m)), priority=3)


def _part_of_day(m: re.Match) -> _Atom | None:
    if _after(m, _AFTER_WORD):
        return None
    cue = _looking_back(m, _PART_CUE)
    return _Atom(cue.start() if cue else m.start(), m.end(), "part", m["part"].lower(), priority=6)


# ---- end of day ------------------------------------------------------------------------------

_END_OF_DAY = _c(r"\b(?:end\s+of\s+(?:the\s+)?(?:business\s+)?day|eod|close\s+of\s+business)\b")
_END_OF = _c(r"\bend\s+of\s+(?:the\s+)?")


def _end_of_day(m: re.Match) -> _Atom | None:
    if _after(m, _AFTER_WORD):
        return None
    cue = _looking_back(m, _THE)
    return _Atom(cue.start() if cue else m.start(), m.end(), "date", _Rel(0), eod=True, priority=1)


def _end_of(m: re.Match) -> _Atom | None:
    if _after(m, _AFTER_WORD):
        return None
    cue = _looking_back(m, _THE)
    return _Atom(cue.start() if cue else m.start(), m.end(), "endof", priority=7)


# ---- windows (masked before dates are looked for) ---------------------------------------------

_WINDOW_CHAIN = _c(rf"\b(?:last|past|previous|prior|trailing|next|coming|first)\s+{CHAIN_NOT_AGO}")

# Every date pattern, the function that turns a match into an atom, and the first tokens a match
# can start with (lowercased words, NUMBER for digits): a pattern is only tried where one occurs.
NUMBER = "#"
_MONTH_T = frozenset(MONTHS)
_WEEKDAY_T = frozenset(WEEKDAYS)
_NUMBER_WORD_T = frozenset(UNIT_WORDS) | frozenset(TENS_WORDS) | frozenset(ORDINAL_WORDS)
_MOD_T = frozenset({*_REL_MOD, *_WEEK_MOD})  # the first words of "last month", "next week"
_REL_T = frozenset(w.split()[0] for w in _REL_WORDS) | {"the"}
_HOLIDAY_T = frozenset(w for p, _ in HOLIDAYS for w in re.findall(r"(?:^|\||\(\?:)([a-z]+)", p))
_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match], _Atom | None], frozenset[str]]] = [
    (_CTIME, _ctime, _WEEKDAY_T),
    (_ISO_DATE, _numeric_ymd, frozenset({NUMBER})),
    (_COMPACT_DATE, _numeric_ymd, frozenset({NUMBER})),
    (_SPACED_DATE, _numeric_ymd, frozenset({NUMBER})),
    (_NUMERIC_DATE, _numeric_dmy, frozenset({NUMBER})),
    (_NUMERIC_MONTH, _numeric_month, frozenset({NUMBER})),
    (_NUMERIC_MONTH_DAY, _numeric_md, frozenset({NUMBER})),
    (_NAMED_MONTH_NUMERIC, _named_month_numeric, _MONTH_T | {NUMBER}),
    (_MONTH_DAY, _month_day, _MONTH_T),
    (_DAY_MONTH, _day_month, _NUMBER_WORD_T | {NUMBER}),
    (_MONTH_YEAR, _month_year, _MONTH_T),
    (_MONTH_ALONE, _month_alone, _MONTH_T),
    (_REL_PERIOD, _rel_period, _MOD_T),
    (_YEAR, _year, frozenset({NUMBER})),
    (_QUARTER, _quarter, frozenset({NUMBER, "q", "first", "second", "third", "fourth", "final"})),
    (_REL, _rel, _REL_T),
    (_NOW, _now, frozenset({"right", "now", "at"})),
    (_WEEKDAY, _weekday, _WEEKDAY_T),
    (_HOLIDAY, _holiday, _HOLIDAY_T),
    (_DAY_ONLY, _day_only, _NUMBER_WORD_T | {NUMBER}),
    (
        _NTH_WEEKDAY,
        _nth_weekday_of_month,
        frozenset({NUMBER, "first", "second", "third", "fourth", "fifth", "last"}),
    ),
    (_WEEK, _week, _MOD_T),
    (
        _WEEK_OF_MONTH,
        _week_of_month,
        frozenset({NUMBER, "first", "second", "third", "fourth", "fifth", "last"}),
    ),
    (_OFFSET, _offset, _NUMBER_WORD_T | {NUMBER, "a", "an", "half"}),
    (_TIME, _time, frozenset({NUMBER})),
    (_WORD_TIME, _word_time, _NUMBER_WORD_T | {"quarter", "half"}),
    (_NOON, _noon, frozenset({"noon", "midday", "midnight"})),
    (_PART_OF_DAY, _part_of_day, frozenset({"morning", "afternoon", "evening", "night"})),
    (_END_OF_DAY, _end_of_day, frozenset({"end", "eod", "close"})),
    (_END_OF, _end_of, frozenset({"end"})),
]


# --------------------------------------------------------------------------------------------
# Scanning and joining
# --------------------------------------------------------------------------------------------


def _mask_windows(text: str) -> str:
    """Blank out 'the last 3 months'-style windows so their numbers are not read as offsets."""
    return _WINDOW_CHAIN.sub(lambda m: "\x00" * len(m.group()), text)


_WORD = re.compile(r"[^\W\d_]+")
_NUMBER_START = re.compile(r"(?<!\d)\d")


def _token_index(text: str) -> dict[str, list[int]]:
    """Where each trigger word starts (lowercased; a word ending in s also under its stem, for
    "fathers day"), and where every number starts, under NUMBER."""
    index: dict[str, list[int]] = {NUMBER: [m.start() for m in _NUMBER_START.finditer(text)]}
    lowered = text.lower()
    same_offsets = len(lowered) == len(text)  # "İ".lower() is two characters
    for m in _WORD.finditer(lowered if same_offsets else text):
        word = m.group() if same_offsets else m.group().lower()
        if word in _TRIGGER_WORDS:
            index.setdefault(word, []).append(m.start())
        elif word[-1] == "s" and word[:-1] in _TRIGGER_WORDS:
            index.setdefault(word[:-1], []).append(m.start())
    return index


def _matches(pattern: re.Pattern[str], triggers: frozenset[str], text: str, index: dict[str, list[int]]):
    """What `pattern.finditer(text)` finds, trying only the positions of its trigger tokens."""
    end = -1
    for pos in sorted(chain.from_iterable(index.get(t, ()) for t in triggers)):
        if pos >= end and (m := pattern.match(text, pos)):
            end = m.end()
            yield m


def _run(patterns: list, text: str, index: dict[str, list[int]] | None) -> list:
    """What the builders make of every match of every pattern (`index=None`: no gating, for tests)."""
    found = []
    for pattern, build, triggers in patterns:
        for m in pattern.finditer(text) if index is None else _matches(pattern, triggers, text, index):
            item = build(m)
            if item is not None and item.end > item.start:
                found.append(item)
    return found


def _longest_first(items: list, priority=lambda item: 0) -> list:
    """The longest items that do not overlap (ties: lower priority first), in text order."""
    items = sorted(items, key=lambda i: (-(i.end - i.start), priority(i), i.start))
    taken: list = []
    for item in items:
        if all(item.end <= t.start or item.start >= t.end for t in taken):
            taken.append(item)
    return sorted(taken, key=lambda i: i.start)


def _scan(text: str, gated: bool = True) -> list[_Atom]:
    """The atoms of `text`: all matches, then the longest non-overlapping ones. `gated=False` runs
    every pattern over the whole text (the slow reference that the tests compare with)."""
    masked = _mask_windows(text)
    atoms = _run(_PATTERNS, masked, _token_index(masked) if gated else None)
    return _longest_first(atoms, priority=lambda a: a.priority)


# Joining: neighbouring atoms that make one expression. Each rule looks at two neighbours and the
# text between them (`gap`) and returns the joined atom, or None.

_GAP_DATE_TIME = re.compile(r"\s*,?\s*(?:(?:at|@|for|on|around|about|-)\s*)?", re.I)
_GAP_TIME_DATE = re.compile(r"\s*,?\s*(?:on\s+|of\s+)?", re.I)
_GAP_PART = re.compile(r"\s+|\s*,\s*", re.I)
_GAP_OFFSET = re.compile(r"\s+(?P<dir>from|after|since|before)\s+(?:the\s+year\s+)?", re.I)
_GAP_SNAP_BEFORE = re.compile(r"\s*,?\s*", re.I)
_GAP_SNAP_AFTER = re.compile(r"\s*,?\s*(?:on\s+)?", re.I)
_GAP_WEEK_WEEKDAY = re.compile(r"\s*(?:-\s*|on\s+|,\s*)?", re.I)
_GAP_WEEKDAY_WEEK = re.compile(r"\s+of\s+", re.I)
_GAP_WEEKDAY_DATE = re.compile(r"\s*(?:,|-|\()?\s*", re.I)
_GAP_DATE_WEEKDAY = re.compile(r"\s*\(\s*", re.I)
_GAP_ON = re.compile(r"\s+on\s+|\s*,\s*", re.I)


def _is_day_date(a: _Atom) -> bool:
    return a.kind == "date" and a.clock is None and not a.eod


def _takes_no_clock(a: _Atom) -> bool:
    """Offsets and 'now' carry their own time; holidays are kept apart from times (as in Recognizers)."""
    return isinstance(a.ref, _Shift | _Now) or a.has("holiday") or a.clock is not None or a.eod


def _time_fits(date_atom: _Atom, time_atom: _Atom, text: str, time_first: bool) -> bool:
    """A weak time ('at 5', 'at 2.30', '10') joins a date that it follows after a cue ('Monday at
    2.30'), or one with a part of the day ('10, tonight'); never in a clause about prices."""
    clock = time_atom.ref
    if clock.strength in ("strong", "noon", "colon", "word") or date_atom.part is not None:
        return True
    if time_first or not clock.cue:
        return False
    clause = re.split(r"[.!?;]\s", text[max(0, time_atom.start - 80) : time_atom.end])[-1]
    return not PRICE_CONTEXT.search(clause)


def _join_end_of(left: _Atom, right: _Atom, gap: str, text: str) -> _Atom | None:
    """'end of' + a day: 23:59:59 of that day."""
    if left.kind == "endof" and _is_day_date(right) and gap == "" and not right.has("shift"):
        return replace(right, start=left.start, eod=True)
    return None


def _join_week(left: _Atom, right: _Atom, gap: str, text: str) -> _Atom | None:
    """'next week Monday', 'tuesday of last week', '1st week of Oct. on Friday'."""
    if left.kind == "week" and right.has("weekday") and _GAP_WEEK_WEEKDAY.fullmatch(gap):
        return _Atom(left.start, right.end, "date", _WeekdayOfWeek(right.ref.weekday, left.ref), priority=2)
    if left.has("weekday") and right.kind == "week" and _GAP_WEEKDAY_WEEK.fullmatch(gap):
        return _Atom(left.start, right.end, "date", _WeekdayOfWeek(left.ref.weekday, right.ref), priority=2)
    if left.kind == "wom" and right.has("weekday") and _GAP_ON.fullmatch(gap):
        n, month, year = left.ref
        return _Atom(
            left.start, right.end, "date", _WeekOfMonth(n, month, year, right.ref.weekday), priority=2
        )
    return None


def _join_offset(left: _Atom, right: _Atom, gap: str, text: str) -> _Atom | None:
    """'3 days from Tuesday', '2 weeks before Christmas', 'in two years since 2011', '3 minutes from now'."""
    if not (left.kind == "offset" or left.has("in")) or not (g := _GAP_OFFSET.fullmatch(gap)):
        return None
    delta = left.ref if left.kind == "offset" else left.ref.delta
    if right.kind == "coarse" and right.ref.year is not None:
        base: _Ref = _Abs(right.ref.year, right.ref.number or 1, 1)
    elif right.kind == "now" or (right.kind == "date" and not right.clock and not right.has("shift")):
        base = right.ref
    else:
        return None
    if delta.sub_day != (right.kind == "now"):  # minutes count from now, days from a day
        return None
    delta = -delta if g["dir"].lower() == "before" else delta
    return _Atom(left.start, right.end, "date", _Shift(delta, base), flags=frozenset({"shift"}), priority=2)


def _join_snap(left: _Atom, right: _Atom, gap: str, text: str) -> _Atom | None:
    """'Monday two weeks from now', 'in 3 days on Friday': the weekday of the week the offset lands in."""
    if left.has("weekday") and right.has("shift") and _GAP_SNAP_BEFORE.fullmatch(gap):
        weekday, shifted = left, right
    elif left.has("shift") and right.has("weekday") and _GAP_SNAP_AFTER.fullmatch(gap):
        weekday, shifted = right, left
    else:
        return None
    if not isinstance(shifted.ref, _Shift) or shifted.ref.snap is not None or shifted.ref.delta.sub_day:
        return None
    ref = replace(shifted.ref, snap=weekday.ref.weekday)
    return _Atom(left.start, right.end, "date", ref, flags=frozenset({"shifted"}), priority=2)


def _join_weekday_date(left: _Atom, right: _Atom, gap: str, text: str) -> _Atom | None:
    """'Tue May 9', 'Friday 7/6', 'this friday (jun-15)', 'May/22(Tue)': the date wins."""
    if isinstance(left.ref, _Weekday) and isinstance(right.ref, _MonthDay | _Abs) and right.clock is None:
        if _GAP_WEEKDAY_DATE.fullmatch(gap):
            ref = right.ref
            if isinstance(ref, _MonthDay) and left.ref.mod == "this" and ref.mod is None:
                ref = replace(ref, mod="this")
            end = right.end + (1 if "(" in gap and text[right.end : right.end + 1] == ")" else 0)
            return _Atom(left.start, end, "date", ref, clock=left.clock, part=left.part, priority=2)
    if isinstance(left.ref, _MonthDay | _Abs) and isinstance(right.ref, _Weekday) and right.kind == "date":
        if _GAP_DATE_WEEKDAY.fullmatch(gap) and text[right.end : right.end + 1] == ")":
            return replace(left, end=right.end + 1)
    return None


def _join_part(left: _Atom, right: _Atom, gap: str, text: str) -> _Atom | None:
    """'tomorrow evening', 'Sunday early morning', 'Sunday at 8:00 early morning'."""
    if not _GAP_PART.fullmatch(gap):
        return None
    if left.kind == "date" and right.kind == "part" and left.part is None and not left.has("holiday"):
        return replace(left, end=right.end, part=right.ref)
    if left.kind == "part" and right.kind == "date" and right.part is None and right.clock is not None:
        return replace(right, start=left.start, part=left.ref)
    return None


def _join_time(left: _Atom, right: _Atom, gap: str, text: str) -> _Atom | None:
    """'May 8, 2025, at 10:00 AM UTC', 'tomorrow 8:00am', '3pm today', '8:30 a.m. ET on Friday, May 2'."""
    if left.kind == "date" and right.kind == "time" and not _takes_no_clock(left):
        if _GAP_DATE_TIME.fullmatch(gap) and _time_fits(left, right, text, time_first=False):
            return replace(left, end=right.end, clock=right.ref, flags=left.flags - {"weak", "weekday"})
    if left.kind == "time" and right.kind == "date" and not _takes_no_clock(right):
        if _GAP_TIME_DATE.fullmatch(gap) and _time_fits(right, left, text, time_first=True):
            return replace(right, start=left.start, clock=left.ref, flags=right.flags - {"weak", "weekday"})
    return None


_JOIN_RULES = (_join_end_of, _join_week, _join_offset, _join_snap, _join_weekday_date, _join_part, _join_time)


def _join_all(atoms: list[_Atom], text: str) -> list[_Atom]:
    """Join neighbours, left to right, until nothing more joins."""
    i = 0
    while i < len(atoms) - 1:
        left, right = atoms[i], atoms[i + 1]
        gap = text[left.end : right.start]
        joined = next((j for rule in _JOIN_RULES if (j := rule(left, right, gap, text)) is not None), None)
        if joined is None:
            i += 1
        else:
            atoms[i : i + 2] = [joined]
            i = max(i - 1, 0)  # the new atom may now join its left neighbour
    return atoms


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def _iso(d: date, clock: _Clock | None, part: str | None, eod: bool) -> tuple[str, str]:
    if eod:
        return datetime(d.year, d.month, d.day, 23, 59, 59).isoformat(), "datetime"
    if clock is None:
        return d.isoformat(), "date"
    value = datetime(
        d.year, d.month, d.day, clock.hour24(part), clock.minute, clock.second, tzinfo=clock.zone
    )
    return value.isoformat(), "datetime"


def _in_change_context(text: str, start: int) -> bool:
    """'rose 5% in 3 days': the clause before an 'in N days' speaks of a change."""
    before = text[max(0, start - 80) : start]
    before = re.split(r"[.!?;]\s", before)[-1]
    return bool(CHANGE_CONTEXT.search(before))


def _value(atom: _Atom, ctx: _Ctx, text: str) -> tuple[str, str] | None:
    """(value, grain) of an atom, or None when it is not a date on its own."""
    if atom.kind == "coarse":
        if atom.ref.needs_anchor and ctx.today is None:
            return None
        value = atom.ref.value(ctx)
        return (value, atom.ref.grain) if value else None
    if atom.kind == "now":
        return (ctx.now.isoformat(), "datetime") if ctx.now else None
    if atom.kind == "time":
        return _time_alone(atom.ref, ctx)
    if atom.kind != "date" or atom.has("weak"):
        return None
    if atom.has("in") and _in_change_context(text, atom.start):
        return None
    ref: _Ref = atom.ref
    if ref.needs_anchor and ctx.today is None:
        return None
    resolved = ref.resolve(ctx)
    if resolved is None:
        return None
    if isinstance(resolved, datetime):
        return resolved.isoformat(), "datetime"
    return _iso(resolved, atom.clock, atom.part, atom.eod)


def _time_alone(clock: _Clock, ctx: _Ctx) -> tuple[str, str] | None:
    """'At 11:36 a.m. ET': the anchor's date (in that zone) at that time."""
    explicit = clock.ampm or clock.zone or (clock.strength in ("colon", "noon") and clock.cue in ("at", "@"))
    if ctx.now is None or not explicit:
        return None
    day = ctx.now.date()
    if clock.zone is not None and ctx.now.tzinfo is not None:
        day = ctx.now.astimezone(clock.zone).date()
    return _iso(day, clock, None, False)


def find_dates(text: str, anchor: datetime | None = None) -> list[DateMention]:
    """Dates and date-times in `text`, resolved against `anchor` (see the module docstring)."""
    now = anchor.replace(microsecond=0) if anchor is not None else None
    ctx = _Ctx(now, now.date() if now is not None else None)
    mentions = []
    for atom in _join_all(_scan(text), text):
        try:
            result = _value(atom, ctx, text)
        except (ValueError, OverflowError):  # "in 99999 years": outside the calendar
            result = None
        if result is not None:
            value, grain = result
            end = atom.end
            if text[end - 1] == "." and not re.search(r"[ap]\.\s?m\.$", text[atom.start : end], re.I):
                end -= 1  # the full stop of the sentence
            mentions.append(DateMention(atom.start, end, text[atom.start : end], value, grain))
    return mentions


# --------------------------------------------------------------------------------------------
# Durations
# --------------------------------------------------------------------------------------------

_DURATION_UNIT = (
    r"(?:hours?|hrs?|h|minutes?|mins?|days?|weeks?|wks?|fortnights?|months?|years?|yrs?|decades?|quarters?)"
)
_DURATION_NUMBER = _c(
    rf"\b(?P<n>\d+(?:\.\d+)?|{CARDINAL}|an?|single|half\s+an?)(?:[\s-]+|(?<=\d))(?P<u>{_DURATION_UNIT})(?![\w])"
    r"(?!\s+(?:ago|later|earlier|from\s+now|old|before|after|hence)\b|-old)"
)
_DURATION_MOD_UNIT = _c(
    r"\b(?P<mod>past|last|previous|prior|trailing|this|current)\s+(?P<u>day|week|month|quarter|year|decade|fortnight)\b"
)
_DURATION_THE_UNIT = _c(
    r"\bthe\s+(?P<u>day|week|month|quarter)\b(?!\s+(?:of|before|after|that|when|ahead)\b)"
)
_DURATION_OVER = _c(r"\b(?P<u>day|week|month|quarter|year)[\s-]+(?:over|on)[\s-]+(?P=u)\b")
_DURATION_ABBR = _c(r"(?-i:\b(?P<abbr>DoD|WoW|MoM|QoQ|YoY)\b)")
_DURATION_MONTH = _c(rf"\b(?P<mon>{MONTH})(?!\s*\d)(?!\s*(?:{CARDINAL}|{ORDINAL_WORD}))")
_LEAD = r"\b(?:over|in|during|within|for|across|throughout|through|on)\s+"
_WINDOW_MOD = r"(?:past|last|previous|prior|trailing|next|coming|first|single)\s+"
# before a number: "over the last", "in a", "the past", "past" (not a bare "the": "the 30-day average")
_DURATION_NUMBER_BACK = _back(
    rf"(?:{_LEAD}(?:(?:the|a)\s+)?(?:{_WINDOW_MOD})?|\b(?:the|a)\s+{_WINDOW_MOD}|\b{_WINDOW_MOD})"
)
_LEAD_THE_BACK = _back(rf"(?:{_LEAD})?(?:\bthe\s+)?")
_LEAD_BACK = _back(_LEAD)
_MONTH_LEAD_BACK = _back(r"\b(?:in|during|for|throughout|over)\s+")
_ABBR_UNITS = {"dod": "day", "wow": "week", "mom": "month", "qoq": "quarter", "yoy": "year"}
_UNIT_ALIASES = {"h": "hour", "hrs": "hour", "hr": "hour", "mins": "minute", "min": "minute", "wks": "week",
                 "wk": "week", "yrs": "year", "yr": "year"}  # fmt: skip


def _iso_duration(n: float, unit: str) -> str | None:
    """(24, 'hours') -> 'P1D', (12, 'months') -> 'P1Y', (2, 'hours') -> 'PT2H', (52, 'weeks') -> 'P1Y'."""
    unit = unit.lower()
    unit = _UNIT_ALIASES.get(unit, unit.rstrip("s"))
    if unit == "hour":
        return f"P{int(n // 24)}D" if n % 24 == 0 else f"PT{n:g}H"
    if unit == "minute":
        return f"PT{int(n // 60)}H" if n % 60 == 0 else f"PT{n:g}M"
    if unit in ("day", "week", "fortnight"):
        if unit == "week" and n == 52:
            return "P1Y"
        days = n * {"day": 1, "week": 7, "fortnight": 14}[unit]
        return f"P{days:g}D" if days == int(days) else None
    if unit in ("month", "quarter"):
        months = n * (3 if unit == "quarter" else 1)
        if months != int(months):
            return None
        return f"P{int(months // 12)}Y" if months % 12 == 0 else f"P{months:g}M"
    if unit in ("year", "decade"):
        years = n * (10 if unit == "decade" else 1)
        return f"P{years:g}Y" if years == int(years) else None
    return None


def _duration(m: re.Match, start: int, value: str | None) -> Duration | None:
    if value is None:
        return None
    end = m.end() - (1 if m.group().endswith(".") else 0)
    return Duration(start, end, m.string[start:end], value)


def _duration_number(m: re.Match) -> Duration | None:
    """'over 24 hours', '24-hour', 'past 30 days', 'over the last three years', 'in a single day'."""
    if _after(m, _back(r"[\w.,$€£]")):
        return None
    cue = _looking_back(m, _DURATION_NUMBER_BACK)
    n_text = m["n"].lower()
    if n_text in ("a", "an", "single") and not cue:
        return None  # "twice a day" is a rate, "in a day" a window
    n = 0.5 if n_text.startswith("half") else _number(n_text)
    return _duration(m, cue.start() if cue else m.start(), _iso_duration(n, m["u"]) if n else None)


def _duration_mod_unit(m: re.Match) -> Duration | None:
    """'the past week', 'over the last day', 'last month' (not 'this year': year-to-date is a 'since')."""
    if _after(m, _AFTER_WORD):
        return None
    if m["mod"].lower() in ("this", "current") and m["u"].lower() in ("year", "decade"):
        return None
    cue = _looking_back(m, _LEAD_THE_BACK)
    return _duration(m, cue.start() if cue else m.start(), _iso_duration(1, m["u"]))


def _duration_the_unit(m: re.Match) -> Duration | None:
    """'on the week', 'for the month', 'over the day'."""
    cue = _looking_back(m, _LEAD_BACK)
    return cue and _duration(m, cue.start(), _iso_duration(1, m["u"]))


def _duration_over(m: re.Match) -> Duration | None:
    """'week-over-week', 'month on month'."""
    return None if _after(m, _AFTER_WORD) else _duration(m, m.start(), _iso_duration(1, m["u"]))


def _duration_abbr(m: re.Match) -> Duration | None:
    """'YoY', 'MoM', 'WoW'."""
    return _duration(m, m.start(), _iso_duration(1, _ABBR_UNITS[m["abbr"].lower()]))


def _duration_month(m: re.Match) -> Duration | None:
    """'in January' -> P1M (a capitalized month name after in / during / for / throughout / over)."""
    token = m["mon"]
    cue = _looking_back(m, _MONTH_LEAD_BACK)
    if not cue or not token[0].isupper() or (token.lower() == "may" and token != "May"):
        return None
    return _duration(m, cue.start(), "P1M")


_UNIT_T = frozenset({"day", "week", "month", "quarter", "year"})
_DURATION_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match], Duration | None], frozenset[str]]] = [
    (_DURATION_NUMBER, _duration_number, _NUMBER_WORD_T | {NUMBER, "a", "an", "single", "half"}),
    (
        _DURATION_MOD_UNIT,
        _duration_mod_unit,
        frozenset({"past", "last", "previous", "prior", "trailing", "this", "current"}),
    ),
    (_DURATION_THE_UNIT, _duration_the_unit, frozenset({"the"})),
    (_DURATION_OVER, _duration_over, _UNIT_T),
    (_DURATION_ABBR, _duration_abbr, frozenset(_ABBR_UNITS)),
    (_DURATION_MONTH, _duration_month, _MONTH_T),
]


def find_durations(text: str) -> list[Duration]:
    """Windows of time ("over the last three years" -> P3Y) in `text`, in text order, not overlapping."""
    return _longest_first(_run(_DURATION_PATTERNS, text, _token_index(text)))


# Every word some pattern may start with (for `_token_index`).
_TRIGGER_WORDS = frozenset().union(*(t for _, _, t in _PATTERNS + _DURATION_PATTERNS)) - {NUMBER}
