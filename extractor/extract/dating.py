"""When a figure holds: its `as_of` date, its `period` window and the start of a "since" window.

In: a sentence, a figure, the publication date and the date the story has set so far. Out:
ISO 8601 values as in the claim contract. A figure takes the nearest date of its clause that is
not a report date ("reported on …") and not another figure's; else the date the paragraph
carries; else the publication date.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date as calendar_date

from extractor.extract.draft import Context
from extractor.extract.mentions import Figure, Sentence
from extractor.extract.positions import after_earlier_level, right_after_other_figure

PERIOD_METRICS = {
    "price_change",
    "volume",
    "volume_change",
    "market_cap_change",
    "short_interest_change",
    "correlation",
    "fund_flow",
    "exchange_netflow",
}


SAME_WINDOW = {
    "same period",
    "same timeframe",
    "same time frame",
    "same window",
    "same day",
    "same time",
    "same session",
}


YEAR_TO_DATE = (
    "year-to-date",
    "year to date",
    "ytd",
    "so far this year",
    "since the start of the year",
    "since the beginning of the year",
    "since the start of this year",
    "since january 1",
    "this year",
)


def since_for(sentence: Sentence, seg: int, published: str | None = None) -> str | None:
    """Where a window that the text opens with "since" starts: "since 2022" -> "2022"; year-to-date
    -> January 1 of the publication year."""
    doc = sentence.span.doc
    for token, mention, _ in sentence.dates:
        if (_after_since(doc, token) or mention.text.lower().startswith("since")) and not _superlative_since(
            doc, token
        ):
            return mention.value
    text = sentence.lower_text
    if any(phrase in text for phrase in YEAR_TO_DATE):
        return f"{published[:4]}-01-01" if published else None
    return None


SUPERLATIVES = {
    "biggest",
    "largest",
    "highest",
    "lowest",
    "best",
    "worst",
    "most",
    "least",
    "first",
    "strongest",
    "weakest",
    "sharpest",
    "heaviest",
    "steepest",
    "busiest",
    "thinnest",
}


def _after_since(doc, token: int) -> bool:
    """ "since 2022", "Since trading started on July 23": the date opens a window, it is not the as-of date."""
    before = [t.lower_ for t in doc[max(0, token - 5) : token]]
    return "since" in before and not any(t in {",", ";", "."} for t in before[before.index("since") :])


def _superlative_since(doc, token: int) -> bool:
    """ "its biggest one-day gain since 2021": a record's reach, not a window the figure covers."""
    since = next((t.i for t in doc[max(0, token - 5) : token] if t.lower_ == "since"), None)
    return since is not None and any(t.lower_ in SUPERLATIVES for t in doc[max(0, since - 5) : since])


def as_of_for(
    sentence: Sentence, fig: Figure, seg: int, published: str | None, context: Context
) -> tuple[str | None, int]:
    """The figure's date: the nearest date of its clause (a month or a year only when written right
    beside the figure), not a report date, not a date that belongs to another figure; else the date
    the text carried so far ("the same day", or a date set earlier in the story); else publication."""
    doc = sentence.span.doc
    candidates = []
    for tok, d, report in sentence.dates:
        if _after_since(doc, tok) or d.text.lower().startswith("since"):
            continue
        distance = abs(tok - fig.start) + (0 if tok > fig.start else 2)
        if d.grain in {"month", "quarter", "year"} and distance > 6:
            continue  # "a level that held for most of February": background, not the figure's date
        if tok > fig.start and (
            after_earlier_level(sentence, fig, tok) or right_after_other_figure(sentence, fig, tok)
        ):
            continue  # "recovered to 41 from 22 on Monday": Monday is 22's date
        same_clause = sentence.segment(tok) == seg
        penalty = (0 if same_clause else 20) + (100 if report else 0)
        candidates.append((distance + penalty, d, 3 if same_clause else 2))
    if candidates:
        _, best, strength = min(candidates, key=lambda c: c[0])
        if best.grain == "datetime" and not any(ch.isdigit() for ch in best.text):
            # "is now trading at", "this morning": a clock time only when the text writes one
            best = replace(best, grain="date", value=best.value[:10])
        if (
            best.grain in {"date", "datetime"}
            and recent(best.value, published)
            and context.dated != sentence.span.start
        ):
            # the first dated figure of a sentence sets the story's date for the next sentences; a later
            # one ("…, after setting an all-time high of $3.65 on July 18") speaks of another day
            context.as_of, context.dated = best.value, sentence.span.start
        return best.value, strength
    if context.as_of:
        return context.as_of, 1
    return (published[:10] if published else None), 0


def recent(value: str, published: str | None, days: int = 31) -> bool:
    """A date within a month before publication: only such a date is the story's current day."""
    if not published:
        return True
    try:
        return (
            0
            <= (calendar_date.fromisoformat(published[:10]) - calendar_date.fromisoformat(value[:10])).days
            <= days
        )
    except ValueError:
        return False


def period_for(sentence, fig, seg, metric, qualifiers, context) -> str | None:
    if metric not in PERIOD_METRICS and qualifiers.get("aggregate") != "long_term_average":
        return None
    named = {i for h in sentence.of("subject") for i in range(h.start, h.end)}  # "the 10-year T-note"
    pool = [
        (abs(tok - fig.start) + (0 if tok >= fig.start else 3), d)
        for tok, d in sentence.durations
        if sentence.segment(tok) == seg
        and tok not in named
        and abs(tok - fig.start) <= 12
        and not d.text.lower().endswith(("'s", "’s"))
        and not (
            tok > 0
            and sentence.span.doc[tok + len(d.text.split()) : tok + len(d.text.split()) + 1].text
            in {"'s", "’s"}
        )
    ]
    if not pool:
        pool = [
            (abs(tok - fig.start) + 30, d)
            for tok, d in sentence.durations
            if abs(tok - fig.start) <= 20 and tok not in named
        ]
    if pool:
        return min(pool, key=lambda p: p[0])[1].value
    text = sentence.lower_text
    if context.period and any(phrase in text for phrase in SAME_WINDOW):
        return context.period
    if metric == "fund_flow":
        return flow_window(text)
    if (
        metric in {"volume", "volume_change"}
        and qualifiers.get("aggregate") != "average"
        and not any(w in text for w in INTRADAY_WORDS)
    ):
        return "P1D"  # a volume is a day's (a session's, or 24 hours of crypto trading) unless the text says less
    return None


INTRADAY_WORDS = ("pre-market", "premarket", "currently", "so far", "at the time of writing", "after-hours")


WEEKLY = re.compile(
    r"\b(?:(?:last|past|this|previous|prior)\s+(?:trading\s+)?week|(?:for|on|over|during)\s+the\s+week"
    r"|weekly|week-(?:over|on)-week|wow)\b",
    re.I,
)


def flow_window(text: str) -> str:
    """A fund flow stated without a window is the flow of a day ("pulled in $576 million Monday"),
    or of a week when the text speaks of weeks ("weekly inflows", "last week"): the reports' own usage."""
    return "P7D" if WEEKLY.search(text) else "P1D"
