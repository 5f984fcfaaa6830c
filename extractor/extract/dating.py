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
from datetime import timedelta

from extractor.extract.draft import Context, FigureLink
from extractor.extract.positions import (
    after_earlier_level,
    background_clauses,
    in_other_clause,
    inside,
    right_after_other_figure,
)
from extractor.extract.sentences import Figure, Sentence
from extractor.extract.tokens import tokens_of, tokens_until
from extractor.metrics import registry
from extractor.rules import lexicon

PERIOD_METRICS = {name for name, row in registry().metrics.items() if row.windowed}


SAME_WINDOW = lexicon("same_window")


YEAR_TO_DATE = lexicon("year_to_date")


def since_for(
    sentence: Sentence, seg: int, published: str | None = None, fig: Figure | None = None
) -> str | None:
    """Where a window that the text opens with "since" starts: "since 2022" -> "2022"; year-to-date
    -> January 1 of the publication year."""
    doc = sentence.span.doc
    for token, mention, _ in sentence.dates:
        if (_after_since(doc, token) or mention.text.lower().startswith("since")) and not _superlative_since(
            doc, token, sentence.span.start
        ):
            return mention.value
    text = sentence.lower_text
    found = [text.find(phrase) for phrase in YEAR_TO_DATE if phrase in text]
    if not found:
        return None
    if fig is not None and _opens_a_later_move(sentence, fig, sentence.span.start_char + min(found)):
        return None  # "rose 2%, extending its year-to-date gain to 25%": the 25%'s window, not the 2%'s
    return f"{published[:4]}-01-01" if published else None


def _opens_a_later_move(sentence: Sentence, fig: Figure, phrase_at: int) -> bool:
    """Is the phrase at `phrase_at` written after this figure (not right after it: "up 35% so far this
    year") and before another one?"""
    between = sentence.text[fig.end_char : phrase_at] if sentence.text else ""
    return (
        fig.end_char <= phrase_at
        and bool(between.strip())
        and any(o.start_char > phrase_at for o in sentence.figures if o is not fig)
    )


SUPERLATIVES = lexicon("superlatives")


def _after_since(doc, token: int) -> bool:
    """ "since 2022", "Since trading started on July 23": the date opens a window, it is not the as-of date."""
    before = [t.lower_ for t in doc[max(0, token - 5) : token]]
    return "since" in before and not any(t in {",", ";", "."} for t in before[before.index("since") :])


def _superlative_since(doc, token: int, start: int = 0) -> bool:
    """ "its biggest one-day gain since 2021": a record's reach, not a window the figure covers (read
    within the sentence, from `start`)."""
    since = next((t.i for t in doc[max(start, token - 5) : token] if t.lower_ == "since"), None)
    # "its biggest one-day point gain since November 2022"
    return since is not None and any(t.lower_ in SUPERLATIVES for t in doc[max(start, since - 8) : since])


def as_of_for(
    sentence: Sentence, fig: Figure, seg: int, published: str | None, context: Context
) -> tuple[str | None, int]:
    """The figure's date: the nearest date of its clause (a month or a year only when written right
    beside the figure), not a report date, not a date that belongs to another figure or to an event
    told in passing; else the date the text carried so far ("the same day", or a date set earlier in
    the story); else the day the story's title or lead speaks of; else publication."""
    doc = sentence.span.doc
    background = background_clauses(sentence)
    candidates = []
    for tok, d, report in sentence.dates:
        if _after_since(doc, tok) or d.text.lower().startswith("since"):
            continue
        if in_other_clause(background, tok, fig) or not _dates_a_figure(sentence, fig, tok, d):
            continue
        if report:
            continue  # "…, set to report earnings on Thursday, fell 1%": the report's day, not the figure's
        distance = abs(tok - fig.start) + (0 if tok > fig.start else 2)
        if (
            d.grain in {"month", "quarter", "year"}
            and distance > 6
            and not _stated_as_of(doc, tok, distance)
            and not _opens_the_sentence(sentence, tok, d)
        ):
            continue  # "a level that held for most of February": background, not the figure's date
        if tok > fig.start and (
            after_earlier_level(sentence, fig, tok) or right_after_other_figure(sentence, fig, tok)
        ):
            continue  # "recovered to 41 from 22 on Monday": Monday is 22's date
        same_clause = sentence.segment(tok) == seg
        penalty = 0 if same_clause else 20
        candidates.append((distance + penalty, d, 3 if same_clause else 2, tok))
    if candidates:
        _, best, strength, token = min(candidates, key=lambda c: c[0])
        if best.grain == "datetime" and not any(ch.isdigit() for ch in best.text):
            # "is now trading at", "this morning": a clock time only when the text writes one
            best = replace(best, grain="date", value=best.value[:10])
        if (
            best.grain in {"date", "datetime"}
            and recent(best.value, published)
            and context.dated != sentence.span.start
            and not inside(background, token)
        ):
            # the first dated figure of a sentence sets the story's date for the next sentences; a later
            # one ("…, after setting an all-time high of $3.65 on July 18") speaks of another day, and
            # so does an event told in passing (", having hit a record on January 31")
            context.as_of, context.dated = best.value, sentence.span.start
        return best.value, strength
    now = _speaks_of_now(sentence)
    if context.as_of and not (now and published and context.as_of[:10] != published[:10]):
        return context.as_of, 1
    if context.story_day and not now:
        return context.story_day, 0
    return (published[:10] if published else None), 0


EXPIRY_WORDS = lexicon("expiry_words")


def _stated_as_of(doc, tok: int, distance: int) -> bool:
    """ "3.16% short interest as of end-January": a month the text marks as the figure's date."""
    before = [t.lower_ for t in doc[max(0, tok - 4) : tok]]
    return distance <= 12 and ("as" in before and "of" in before or "end" in before[-2:])


def _opens_the_sentence(sentence: Sentence, tok: int, d) -> bool:
    """ "In March, the market cap of SHIB was over $18 billion": a date that opens the sentence,
    set off by a comma, dates what the sentence states."""
    doc = sentence.span.doc
    lower = tokens_of(doc).lower
    end = tokens_until(doc, tok, d.end)
    return tok - sentence.span.start <= 1 and end < sentence.span.end and lower[end] == ","


TO_DATE = {"this year", "this month", "this week", "this quarter"}
RANGE_WORDS = {"to", "and", "through", "until", "-", "–"}


def _dates_a_figure(sentence: Sentence, fig: Figure, tok: int, d) -> bool:
    """False for dates that say when something else was: the start of a to-date window ("up 35% so
    far this year", "so far in 2025": as of now), the start of a range ("from April 24 to May 2":
    the figure is as of its end), a fiscal period ("after fourth-quarter revenue beat estimates")."""
    doc = sentence.span.doc
    text = d.text.lower()
    before = [t.lower_ for t in doc[max(sentence.span.start, tok - 2) : tok]]
    if text in TO_DATE or before[-2:] == ["so", "far"] or before == ["far", "in"]:
        return False
    if set(before) & EXPIRY_WORDS:
        return False  # "options set to expire on June 28": when they expire, not when the figure held
    width = tokens_until(doc, tok, d.end) - tok  # the tokens the date covers
    after = doc[tok + width : tok + width + 1]
    if after.text in RANGE_WORDS and any(
        other > tok + width and other <= tok + width + 2 for other, _, _ in sentence.dates
    ):
        return False
    if d.grain == "quarter":
        words = {t.lower_ for t in doc[tok + width : tok + width + 3]}
        if words & lexicon("fiscal_report_nouns"):
            return False
    return True


def _speaks_of_now(sentence: Sentence) -> bool:
    """ "is trading at", "currently", "at press time": the figure is as of the writing, not of the
    session the story's lead speaks of."""
    return bool(sentence.word_set & lexicon("present_time_words"))


def at_window_end(as_of: str | None, period: str | None, published: str | None) -> str | None:
    """A change over a named month is as of the month's end ("the Dow rose 1.2% in January", written
    on February 1: January 31), or of publication while that month is still running."""
    if period != "P1M" or not as_of or len(as_of) != 7 or not published:
        return as_of
    year, month = int(as_of[:4]), int(as_of[5:7])
    last_day = calendar_date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return min(last_day.isoformat(), published[:10])


PREVIOUS_WEEK = re.compile(r"\b(?:last|previous|prior)\s+(?:trading\s+)?week\b|\bthe\s+week\s+before\b", re.I)


def previous_week_close(sentence: Sentence, fig: Figure, seg: int, published: str | None) -> str | None:
    """ "Gold gained 2.1% last week", written any day of the next week: the move of a week that ended
    on its last trading day, the Friday before the publication week. None without such a window."""
    if not published:
        return None
    near = any(
        sentence.segment(tok) == seg and abs(tok - fig.start) <= 12 and PREVIOUS_WEEK.search(d.text)
        for tok, d in sentence.durations
    )
    if not near:
        return None
    day = calendar_date.fromisoformat(published[:10])
    return (day - timedelta(days=day.weekday() + 3)).isoformat()  # Monday - 3 days: the Friday before


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


def period_for(link: FigureLink) -> str | None:
    """The window a windowed metric's figure covers (an ISO 8601 duration), or None."""
    sentence, fig, seg, metric, qualifiers, context = (
        link.sentence,
        link.fig,
        link.seg,
        link.metric,
        link.qualifiers,
        link.context,
    )
    if metric not in PERIOD_METRICS and qualifiers.get("aggregate") != "long_term_average":
        return None
    named = {i for h in sentence.names("subject") for i in range(h.start, h.end)}  # "the 10-year T-note"
    background = background_clauses(sentence)  # ", having posted a 5% loss last week": that loss's window
    averaged = qualifiers.get("aggregate") in {"average", "long_term_average"}
    windows = [(tok, d) for tok, d in sentence.durations if _is_a_window(sentence, tok, d, averaged)]

    def may_take(tok: int) -> bool:
        """Is the window at `tok` one this figure may take (not a name's, a later figure's, a cause
        clause's or an aside's)?"""
        return (
            tok not in named
            # "up 35% so far this year after soaring 70% last year": last year is 70%'s
            and not any(o is not fig and fig.end <= o.start < tok for o in sentence.figures)
            # "tumbled 16% in Monday trading after the company's shares doubled in the past month"
            and not _cause_between(sentence, fig, tok)
            and not in_other_clause(background, tok, fig)
        )

    pool = [
        (abs(tok - fig.start) + (0 if tok >= fig.start else 3), d)
        for tok, d in windows
        if sentence.segment(tok) == seg
        and may_take(tok)
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
            for tok, d in windows
            if abs(tok - fig.start) <= 20 and may_take(tok)
        ]
    if pool:
        return min(pool, key=lambda p: p[0])[1].value
    spanned = range_window(sentence, fig)
    if spanned:
        return spanned
    text = sentence.lower_text
    if context.period and any(phrase in text for phrase in SAME_WINDOW):
        return context.period
    if metric == "fund_flow":
        if qualifiers.get("since"):
            return None  # "year-to-date inflows of $27 billion": a window that opens at `since`
        if WEEKLY.search(text) or any(d.grain in {"date", "datetime"} for _, d, _ in sentence.dates):
            return flow_window(text)  # the sentence's own week, or its own day
        return context.flow_period or "P1D"  # the window of the report the story quotes ("weekly report")
    if (
        metric in {"volume", "volume_change"}
        and qualifiers.get("aggregate") != "average"
        and not any(w in text for w in INTRADAY_WORDS)
    ):
        return "P1D"  # a volume is a day's (a session's, or 24 hours of crypto trading) unless the text says less
    return None


INTRADAY_WORDS = lexicon("intraday_words")


WEEKLY = re.compile(
    r"\b(?:(?:last|past|this|previous|prior)\s+(?:trading\s+)?week|(?:for|on|over|during)\s+the\s+week"
    r"|weekly|week-(?:over|on)-week|wow"
    r"|(?:consecutive|straight|successive|second|third|fourth|fifth|sixth)\s+weeks?"
    r"|weeks?\s+of\s+(?:net\s+)?(?:inflows|outflows|withdrawals))\b",
    re.I,
)


def range_window(sentence: Sentence, fig: Figure) -> str | None:
    """ "inflows of $204 million between Feb. 3 and Feb. 7": the days a range of dates spans (P5D)."""
    doc = sentence.span.doc
    dates = [(tok, d) for tok, d, _ in sentence.dates if d.grain == "date" and abs(tok - fig.start) <= 15]
    for (tok, first), (other, last) in zip(dates, dates[1:]):
        opener = doc[tok - 1].lower_ if tok > sentence.span.start else ""
        joined = {t.text.lower() for t in doc[tok + 1 : other]} & RANGE_WORDS
        if opener in {"from", "between"} and joined and other - tok <= 5:
            try:
                days = (
                    calendar_date.fromisoformat(last.value) - calendar_date.fromisoformat(first.value)
                ).days
            except ValueError:
                return None
            return f"P{days + 1}D" if 0 < days < 366 else None
    return None


# not "while": "FET rallied 37% while AGIX rose 33% in 24 hours" share their window
CAUSE_OPENERS = lexicon("cause_openers")


def _cause_between(sentence: Sentence, fig: Figure, tok: int) -> bool:
    """Does a clause of its own ("after the company's shares doubled") open between the figure and
    a window after it? Then the window is that clause's."""
    words = tokens_of(sentence.span.doc).lower
    return any(words[i] in CAUSE_OPENERS and tok - i >= 3 for i in range(fig.end, tok))


def stated_window(sentence: Sentence) -> str | None:
    """The first window the sentence states ("Over the past five days, …"), records' reach and
    ranges' lengths left out; what a later "over the same period" means."""
    return next((d.value for tok, d in sentence.durations if _is_a_window(sentence, tok, d)), None)


def _is_a_window(sentence: Sentence, tok: int, d, averaged: bool = False) -> bool:
    """False for durations that are no window of a figure: one that names a kind of range or average
    ("the 52-week trading range", "its 200-day moving average"), one inside a date ("at the end of
    November last year"), a record's reach ("the largest net outflow in nearly two years")."""
    doc = sentence.span.doc
    following = sentence.text[d.end : d.end + 40].lower().split()[:2]
    if averaged and following[:1] == ["average"]:
        return True  # "the 50-day average of 410 million shares": the average's own window
    if following[:1] and following[0] in lexicon("range_nouns") or following[:1] == ["trading"]:
        return False
    if any(
        # "at the end of November last year": the duration is part of a longer date, or its year
        (other.start <= d.start and d.end <= other.end and other.end - other.start > d.end - d.start)
        or (0 <= d.start - other.end <= 1 and other.grain == "month")
        for _, other, _ in sentence.dates
    ):
        return False
    # "the largest net outflow in nearly two years", "its lowest in over a month": a superlative,
    # then "in" a span of time ("the worst performer thus far on the day" is no record's reach)
    words = tokens_of(doc).lower
    before = set(words[max(sentence.span.start, tok - 6) : tok])
    return not (before & SUPERLATIVES and "in" in words[max(sentence.span.start, tok - 3) : tok])


def flow_window(text: str) -> str:
    """A fund flow stated without a window is the flow of a day ("pulled in $576 million Monday"),
    or of a week when the text speaks of weeks ("weekly inflows", "last week"): the reports' own usage."""
    return "P7D" if WEEKLY.search(text) else "P1D"


def session_day(title_dates: list, lead: list[Sentence], published: str | None, days: int = 4) -> str | None:
    """The session day a story reports on, when it is not its publication day: a day the title names
    ("DIA Leads Monday's ETF Inflows"), or the day the lead says the market closed ("U.S. stocks
    ended sharply lower on Wednesday") — a wrap published the next morning. None otherwise."""
    if not published:
        return None

    def before_publication(value: str) -> bool:
        return value[:10] != published[:10] and recent(value, published, days)

    for d in title_dates:
        if d.grain in {"date", "datetime"} and before_publication(d.value):
            return d.value[:10]
    for sentence in lead:
        if not any(h.key == "session" and h.label == "close" for h in sentence.cues("qualifiers")):
            continue
        background = background_clauses(sentence)
        for tok, d, report in sentence.dates:
            if (
                d.grain in {"date", "datetime"}
                and not report
                and not inside(background, tok)
                and before_publication(d.value)
            ):
                return d.value[:10]
    return None
