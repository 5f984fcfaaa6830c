"""find_dates / find_durations on the forms market commentary uses.

Example tables in the style of price-parser: EXAMPLES (what the module is for), NOT_DATES (what it
must leave alone), DURATIONS, and BUGS_CAUGHT (inputs that were wrong once and are fixed; keep them).
Every row checks the exact span text and the exact value. The anchor is a Thursday afternoon.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.normalize import dates as dates_module
from extractor.normalize import find_dates, find_durations
from extractor.normalize.dates import ordinal_to_int, words_to_int

ANCHOR = datetime(2025, 5, 8, 14, 0, tzinfo=UTC)  # Thursday 8 May 2025, 14:00 UTC
SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "external" / "recognizers" / "datetime.jsonl"

# (id, text, span, value, grain)
EXAMPLES = [
    (
        "full-datetime-utc",
        "As of May 8, 2025, at 10:00 AM UTC, Bitcoin traded at $97,000.",
        "May 8, 2025, at 10:00 AM UTC",
        "2025-05-08T10:00:00+00:00",
        "datetime",
    ),
    ("day-month", "Short interest rose to 4.6% on 8 May.", "8 May", "2025-05-08", "date"),
    ("month-day", "Short interest rose to 4.6% on May 8.", "May 8", "2025-05-08", "date"),
    ("month-day-later-is-last-year", "Coinbase jumped 24% on May 13.", "May 13", "2024-05-13", "date"),
    ("us-numeric", "Data as of 05/08/2025 showed inflows.", "05/08/2025", "2025-05-08", "date"),
    ("iso", "The filing dated 2025-05-08 confirmed it.", "2025-05-08", "2025-05-08", "date"),
    ("weekday-is-today", "Stocks rose on Thursday.", "Thursday", "2025-05-08", "date"),
    ("on-weekday", "On Tuesday it fell 2%.", "Tuesday", "2025-05-06", "date"),
    ("last-weekday-is-previous-week", "Last Tuesday it rallied.", "Last Tuesday", "2025-04-29", "date"),
    ("next-weekday", "Next Friday the jobs report is due.", "Next Friday", "2025-05-16", "date"),
    ("coming-weekday", "The coming Monday is a holiday.", "coming Monday", "2025-05-12", "date"),
    ("yesterday", "Bitcoin fell 3% yesterday.", "yesterday", "2025-05-07", "date"),
    ("today", "Ether rose 2% today.", "today", "2025-05-08", "date"),
    ("tomorrow", "The Fed meets tomorrow.", "tomorrow", "2025-05-09", "date"),
    ("this-morning", "Stocks climbed this morning.", "this morning", "2025-05-08", "date"),
    ("quarter", "Revenue in Q1 2025 beat estimates.", "Q1 2025", "2025-01", "quarter"),
    (
        "quarter-words",
        "The first quarter of 2025 was strong.",
        "The first quarter of 2025",
        "2025-01",
        "quarter",
    ),
    ("quarter-without-year", "fourth-quarter results", "fourth-quarter", "2024-10", "quarter"),
    ("month-year", "In January 2024, spot ETFs launched.", "January 2024", "2024-01", "month"),
    ("month-alone", "Shares rose 2.4% in March.", "March", "2025-03", "month"),
    ("last-month", "Last month it rose 5%.", "Last month", "2025-04", "month"),
    ("in-year", "In 2022, crypto crashed.", "2022", "2022", "year"),
    ("late-year", "Late 2022 saw FTX collapse.", "Late 2022", "2022", "year"),
    ("last-year", "Earnings grew 4% from last year.", "last year", "2024", "year"),
    (
        "numeric-datetime-12h",
        "The timestamp read 12/7/2025 12:43:00 AM in the export.",
        "12/7/2025 12:43:00 AM",
        "2025-12-07T00:43:00",
        "datetime",
    ),
    (
        "as-of-market-close",
        "Short interest data as of market close on May 7, 2025 showed a rise.",
        "May 7, 2025",
        "2025-05-07",
        "date",
    ),
    (
        "clock-time-et",
        "At 11:36 a.m. ET the Dow was up 120 points.",
        "11:36 a.m. ET",
        "2025-05-08T11:36:00-04:00",
        "datetime",
    ),
    (
        "time-before-date",
        "The report came out at 8:30 a.m. ET on Friday, May 2.",
        "8:30 a.m. ET on Friday, May 2",
        "2025-05-02T08:30:00-04:00",
        "datetime",
    ),
    (
        "weekday-time-zone",
        "Trading resumed Wed. at 9:30 a.m. EDT.",
        "Wed. at 9:30 a.m. EDT",
        "2025-05-07T09:30:00-04:00",
        "datetime",
    ),
    (
        "zone-city-time",
        "Yields rose at 4 p.m. New York time.",
        "4 p.m. New York time",
        "2025-05-08T16:00:00-04:00",
        "datetime",
    ),
    ("utc-offset", "Again at 09:30 GMT+8.", "09:30 GMT+8", "2025-05-08T09:30:00+08:00", "datetime"),
    ("weekday-evening", "BTC dropped on Sunday evening.", "Sunday evening", "2025-05-04", "date"),
    ("ago", "Two weeks ago the index peaked.", "Two weeks ago", "2025-04-24", "date"),
    ("ordinal-of-month", "The 2nd of May was quiet.", "The 2nd of May", "2025-05-02", "date"),
    (
        "day-after-tomorrow",
        "Settlement is the day after tomorrow.",
        "the day after tomorrow",
        "2025-05-10",
        "date",
    ),
    ("holiday", "Markets were closed on Christmas.", "Christmas", "2024-12-25", "date"),
    (
        "nth-weekday-of-month",
        "Options expire on the third Friday of March.",
        "the third Friday of March",
        "2025-03-21",
        "date",
    ),
    ("compact", "report-20170302.html", "20170302", "2017-03-02", "date"),
    ("dotted-european", "Stand 23.04.2022 14:55", "23.04.2022 14:55", "2022-04-23T14:55:00", "datetime"),
    ("now", "Bitcoin now trades above $97,000.", "now", "2025-05-08T14:00:00+00:00", "datetime"),
    ("month-end-hyphen", "Short interest was 3.16% as of end-April.", "April", "2025-04", "month"),
    ("month-end-suffix", "It compares with 2.87% at March-end.", "March", "2025-03", "month"),
    ("month-end-word", "The sector stood at 2.47% as of April end.", "April", "2025-04", "month"),
]

NOT_DATES = [
    ("may-verb", "The Fed may cut rates."),
    ("may-end-up", "May end up being the month rates fall."),
    ("company-weekday-domain", "Monday.com reported results."),
    ("may-at-sentence-start", "May I ask what this is for?"),
    ("round-the-clock", "24/7 trading continues."),
    ("fraction", "Whales hold 1/3 of the supply."),
    ("company-names", "Sun Microsystems and Sat Corp merged."),
    ("percent-after-at", "Mortgages were at 6.45 percent."),
    ("number-not-year", "In 2,000 trades the bot lost."),
    ("window-not-date", "Bitcoin rose 5% in 24 hours."),
    ("greeting", "Good morning Paul."),
    ("week-is-a-window", "Last week the index fell 2%."),
    ("phone-number", "Call me at (206) 555-1212."),
    ("ratio", "This screen has a 4:3 aspect ratio."),
    ("score", "They won 7-6 in overtime."),
    ("version-range", "It was valid 2015-32."),
    ("the-last-year", "Shares rallied 165% over the last year."),
    ("price-after-at", "The stock closed at 4.35 on the news."),
]

# (id, text, span, value)
DURATIONS = [
    ("over-24-hours", "Volume over 24 hours was $40 billion.", "over 24 hours", "P1D"),
    ("24-hour", "The 24-hour trading volume rose.", "24-hour", "P1D"),
    ("the-last-day", "Ether fell 3% in the last day.", "in the last day", "P1D"),
    ("past-day", "Bitcoin is up 2% over the past day.", "over the past day", "P1D"),
    ("past-30-days", "BTC gained 15% over the past 30 days.", "over the past 30 days", "P30D"),
    ("30-day", "It sits above its 30-day average.", "30-day", "P30D"),
    ("past-week", "Solana rose 20% in the past week.", "in the past week", "P7D"),
    (
        "past-seven-days",
        "Outflows over the past seven days hit $1 billion.",
        "over the past seven days",
        "P7D",
    ),
    ("this-week", "BTC is up 8% this week.", "this week", "P7D"),
    ("past-month", "The index fell 4% in the past month.", "in the past month", "P1M"),
    ("in-january", "Bitcoin rose 40% in January.", "in January", "P1M"),
    ("past-12-months", "Gold gained 30% over the past 12 months.", "over the past 12 months", "P1Y"),
    ("three-years", "Shares tripled in three years.", "in three years", "P3Y"),
    (
        "over-the-last-three-years",
        "It gained 120% over the last three years.",
        "over the last three years",
        "P3Y",
    ),
    ("30-year", "The 30-year yield rose.", "30-year", "P30Y"),
    ("past-2-hours", "It dropped 5% in the past 2 hours.", "in the past 2 hours", "PT2H"),
    ("48-hours", "Liquidity thinned over the last 48 hours.", "over the last 48 hours", "P2D"),
    ("52-week", "It hit a 52-week high.", "52-week", "P1Y"),
    ("two-weeks", "It rose 12% in two weeks.", "in two weeks", "P14D"),
    ("24h", "Volume (24h) rose.", "24h", "P1D"),
    ("year-over-year", "Revenue grew 12% year-over-year.", "year-over-year", "P1Y"),
    ("yoy", "Revenue grew 12% YoY.", "YoY", "P1Y"),
    ("in-a-single-day", "It fell 10% in a single day.", "in a single day", "P1D"),
]

NOT_DURATIONS = [
    ("daily", "Daily volume hit $2 billion."),
    ("rate", "It is traded twice a day."),
    ("ago", "Three years ago it was worth $5."),
    ("this-year-is-ytd", "Bitcoin is up 50% this year."),
    ("mom-word", "My mom bought Bitcoin."),
    ("wow-word", "wow, what a rally"),
]

# (id, text, span, value): inputs that were wrong once. Keep them.
BUGS_CAUGHT = [
    # a price after "at" was read as a clock time and joined to the date
    (
        "price-is-not-a-time",
        "The stock closed at 4.35 on Friday, Jan. 31, 2025, up 2.5%.",
        "Friday, Jan. 31, 2025",
        "2025-01-31",
    ),
    # the clock time was dropped when "Friday" joined "May 2"
    (
        "time-kept-through-weekday",
        "Released at 8:30 a.m. ET on Friday, May 2.",
        "8:30 a.m. ET on Friday, May 2",
        "2025-05-02T08:30:00-04:00",
    ),
    # the sentence's full stop was part of the span
    ("no-full-stop", "It should be next Tuesday.", "next Tuesday", "2025-05-13"),
    # "$12 December 27" was read as 12 December
    ("money-is-not-a-day", "I bought it for $12 December 27", "December 27", "2024-12-27"),
    # "says:30 December" was missed (a colon after a letter is not a clock time)
    ("colon-after-word", "Tim says:30 December is OK", "30 December", "2024-12-30"),
    # "$" in a look-back pattern matched before a newline: the second line's date was lost
    ("date-after-newline", "23.04.2022 14:55\n30.04.2022 12:04", "30.04.2022 12:04", "2022-04-30T12:04:00"),
    # a possessive year was taken for a decade
    ("possessive-year", "the fourth-quarter fiscal 2023's figure", "fiscal 2023", "2023"),
    # "next 6th of April" ignored "next"
    ("next-day-month", "Done next 6th of April", "next 6th of April", "2026-04-06"),
    # "Friday 7.6" was read as Friday the 7th
    ("weekday-dotted-date", "a call on Friday 7.6 with Jim", "Friday 7.6", "2024-07-06"),
    # "the previous quarter" was taken for a window
    ("previous-quarter", "compared with the previous quarter", "previous quarter", "2025-01"),
    # "fathers day" was missed by the trigger index (the token is "fathers")
    ("plural-holiday-word", "on fathers day 2024", "fathers day 2024", "2024-06-16"),
    # "Dec/2018-May/2019": the second month was lost behind the hyphen
    ("month-range-second-half", "plans for Dec/2018-May/2019", "May/2019", "2019-05"),
    # "2010-12" is a range of years, not December 2010
    ("year-range", "in the 2010-12 period", None, None),
    # a date outside the calendar raised ValueError
    ("outside-the-calendar", "It will be worth it in 99999 years.", None, None),
]
BUGS_CAUGHT_DURATIONS = [
    # "The" was part of the span of an adjective window
    ("no-determiner", "The 10-year Treasury yield rose.", "10-year", "P10Y"),
    ("period-trimmed", "Shares rose 2.4% in May.", "in May", "P1M"),
]


def _one(text: str, span: str) -> tuple[str, str]:
    found = [m for m in find_dates(text, ANCHOR) if m.text == span]
    assert found, f"no mention {span!r} in {find_dates(text, ANCHOR)}"
    return found[0].value, found[0].grain


@pytest.mark.parametrize(
    ("text", "span", "value", "grain"), [e[1:] for e in EXAMPLES], ids=[e[0] for e in EXAMPLES]
)
def test_examples(text, span, value, grain):
    assert _one(text, span) == (value, grain)


@pytest.mark.parametrize("text", [e[1] for e in NOT_DATES], ids=[e[0] for e in NOT_DATES])
def test_not_dates(text):
    assert find_dates(text, ANCHOR) == []


@pytest.mark.parametrize(("text", "span", "value"), [e[1:] for e in DURATIONS], ids=[e[0] for e in DURATIONS])
def test_durations(text, span, value):
    assert [(d.text, d.value) for d in find_durations(text)] == [(span, value)]


@pytest.mark.parametrize("text", [e[1] for e in NOT_DURATIONS], ids=[e[0] for e in NOT_DURATIONS])
def test_not_durations(text):
    assert find_durations(text) == []


@pytest.mark.parametrize(
    ("text", "span", "value"), [e[1:] for e in BUGS_CAUGHT], ids=[e[0] for e in BUGS_CAUGHT]
)
def test_bugs_caught(text, span, value):
    found = find_dates(text, ANCHOR)
    if span is None:
        assert found == []
        return
    match = [m for m in found if m.text == span]
    assert match, f"no mention {span!r} in {found}"
    if value is not None:
        assert match[0].value == value


@pytest.mark.parametrize(
    ("text", "span", "value"),
    [e[1:] for e in BUGS_CAUGHT_DURATIONS],
    ids=[e[0] for e in BUGS_CAUGHT_DURATIONS],
)
def test_bugs_caught_durations(text, span, value):
    assert [(d.text, d.value) for d in find_durations(text)] == [(span, value)]


# ---- anchors --------------------------------------------------------------------------------


def test_without_anchor_only_self_contained_dates():
    text = "On May 7, 2025 and yesterday, and on Tuesday, and in Q1 2025, and on May 8."
    assert [(m.text, m.value) for m in find_dates(text, None)] == [
        ("May 7, 2025", "2025-05-07"),
        ("Q1 2025", "2025-01"),
    ]


def test_naive_anchor_gives_naive_times():
    found = find_dates("tomorrow at 8:45am", datetime(2019, 3, 28))
    assert [(m.text, m.value, m.grain) for m in found] == [
        ("tomorrow at 8:45am", "2019-03-29T08:45:00", "datetime")
    ]


def test_clock_time_takes_the_anchor_date_in_the_stated_zone():
    # 03:00 UTC on Feb 1 is still Jan 31 in New York (the spec's example: 2024-01-31T11:36:00-05:00)
    anchor = datetime(2024, 2, 1, 3, 0, tzinfo=UTC)
    assert _value_of("At 11:36 a.m. ET the Dow rose.", anchor) == "2024-01-31T11:36:00-05:00"


def test_relative_dates_use_the_anchor_own_zone():
    anchor = datetime(2025, 5, 8, 23, 30, tzinfo=timezone(timedelta(hours=-4)))  # 03:30 UTC on May 9
    assert _value_of("It fell yesterday.", anchor) == "2025-05-07"


def test_zone_offset_follows_daylight_saving():
    assert _value_of("on January 15, 2025 at 10:00 ET", ANCHOR) == "2025-01-15T10:00:00-05:00"
    assert _value_of("on July 15, 2025 at 10:00 ET", ANCHOR) == "2025-07-15T10:00:00-04:00"


def _value_of(text: str, anchor: datetime) -> str:
    found = find_dates(text, anchor)
    assert len(found) == 1, found
    return found[0].value


# ---- properties -------------------------------------------------------------------------------

ALL_TEXTS = [e[1] for e in EXAMPLES + NOT_DATES + BUGS_CAUGHT + DURATIONS + BUGS_CAUGHT_DURATIONS]


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_spans_are_ordered_slices_that_do_not_overlap(text):
    for items in (find_dates(text, ANCHOR), find_durations(text)):
        assert all(text[i.start : i.end] == i.text for i in items)
        assert all(a.end <= b.start for a, b in zip(items, items[1:], strict=False))


def _suite_texts() -> list[str]:
    if not SUITE.exists():
        return []
    return [json.loads(line)["text"] for line in SUITE.read_text(encoding="utf-8").splitlines()]


def test_trigger_index_finds_what_a_full_scan_finds():
    """The fast scan (patterns tried only where one of their first words occurs) against the
    obviously-correct slow one (every pattern over the whole text)."""
    texts = ALL_TEXTS + _suite_texts()
    for text in texts:
        assert dates_module._scan(text) == dates_module._scan(text, gated=False), text


TOKENS = ["May", "may", "8", "8th", "2025", "25", "Friday", "next", "last", "the", "on", "at", "10:00", "AM",
          "p.m.", "ET", "UTC", "/", "-", ".", ",", "of", "in", "days", "3", "ago", "from", "today", "tomorrow",
          "Q1", "quarter", "first", "week", "Christmas", "evening", "noon", "end", "twenty", "fourth", "$", "%"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from(TOKENS), max_size=12),
    anchor=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)),
    aware=st.booleans(),
)
def test_random_token_soup_keeps_the_contract(words, anchor, aware):
    """Never raises; spans are ordered slices; every value is ISO 8601 text of its grain."""
    text = " ".join(words)
    anchor = anchor.replace(tzinfo=UTC) if aware else anchor
    mentions = find_dates(text, anchor)
    assert all(text[m.start : m.end] == m.text for m in mentions)
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:], strict=False))
    for m in mentions:
        if m.grain in ("date", "datetime"):
            datetime.fromisoformat(m.value)
        else:
            assert len(m.value) == {"year": 4, "month": 7, "quarter": 7}[m.grain], m
    assert all(text[d.start : d.end] == d.text for d in find_durations(text))


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("twenty-four", 24),
        ("two thousand and thirty two", 2032),
        ("a", 1),
        ("seventeen", 17),
        ("ninety nine", 99),
        ("nineteen hundred ninety three", 1993),
        ("banana", None),
    ],
    ids=lambda x: str(x),
)
def test_words_to_int(words, value):
    assert words_to_int(words) == value


@pytest.mark.parametrize(
    ("words", "value"),
    [("twenty fourth", 24), ("thirty-first", 31), ("4th", 4), ("second", 2), ("two", None)],
    ids=lambda x: str(x),
)
def test_ordinal_to_int(words, value):
    assert ordinal_to_int(words) == value
