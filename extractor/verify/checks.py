"""Checks that need nothing but the article itself: pure functions from claims to verdicts.

In: the claims of ONE article (in text order), its publication date, the `Tolerances`.
Out: `Verdict`s, only for the claims a check has something to say about (a claim no check
mentions is not listed here; `verify_article` marks it unverifiable).

    same_fact(claims, tol)             one fact stated with two values
    change_follows(claims, tol)        "rose 8% to $28.5 billion" against the level it rose from
    words_vs_sign(claims)              "fell" beside a positive figure, or the reverse
    impossible_values(claims)          short interest over 100 %, RSI over 100, a negative price
    as_of_after_published(claims, p)   a figure dated after the article was published
"""

from __future__ import annotations

from collections import defaultdict

from extractor.lexicon import lexicon
from extractor.metrics import metric_row, registry
from extractor.schemas import Claim
from extractor.verify import dates, sense, spans
from extractor.verify.tolerances import Tolerances, rounding
from extractor.verify.verdicts import Strength, Verdict, VerdictKind

# --------------------------------------------------------------------------- formatting


def show(value: float, unit: str) -> str:
    """A value as a reader writes it: `$28.5 billion`, `4.6%`, `38,333.45 points`, `5,200 BTC`."""
    magnitude = abs(value)
    sign = "-" if value < 0 else ""
    if unit in ("percent", "pp", "bp"):
        suffix = {"percent": "%", "pp": " pp", "bp": " bp"}[unit]
        return f"{value:,.10g}{suffix}"
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if magnitude >= scale:
            number = f"{magnitude / scale:,.6g} {word}"
            break
    else:
        number = f"{magnitude:,.10g}"
    if unit == "USD":
        return f"{sign}${number}"
    if unit == "number":
        return f"{sign}{number}"
    return f"{sign}{number} {unit}"


def describe(claim: Claim) -> str:
    """`price of Bitcoin on 2025-05-08` — what a claim is about, for reasons."""
    return f"{claim.metric} of {claim.subject}" + (f" on {claim.as_of}" if claim.as_of else "")


def _verdict(
    claim: Claim,
    verdict: VerdictKind,
    check: str,
    reason: str,
    against: Claim | None = None,
    expected: float | tuple[float, float] | None = None,
    strength: Strength | None = "strong",
) -> Verdict:
    return Verdict(
        claim=claim,
        verdict=verdict,
        check=check,
        reason=reason,
        checked_against=against,
        expected=expected,
        strength=strength if verdict != "unverifiable" else None,
    )


# --------------------------------------------------------------------------- 1. one fact, two values


def fact_key(claim: Claim) -> tuple[object, ...]:
    """What makes two claims candidates for the same fact: metric, subject, unit, window,
    qualifiers and the day of `as_of` (claims with a clock time are moments: two different
    times are two facts). Whether they are also the same moment is `same_moment`."""
    when = claim.as_of if dates.has_time(claim.as_of) else dates.day(claim.as_of) or claim.as_of
    return (
        claim.metric,
        claim.subject.lower(),
        claim.unit,
        claim.period,
        tuple(sorted(claim.qualifiers.items())),
        when,
    )


# metrics that move all day: a date alone does not say which moment a value is of
INSTANT_METRICS = {name for name, row in registry().metrics.items() if row.instant}
# words that date a figure to the moment of writing
NOW_WORDS = lexicon("now_words")


def is_stated_value(claim: Claim) -> bool:
    """Whether the claim's words state it as a value the subject had (not a level, forecast,
    threshold, misprint or the size of a move; for prices, an observation word before it)."""
    kind = sense.sense_of(claim).kind
    if claim.metric in ("price", "price_level"):
        return kind in ("observed", "bound")
    return kind in ("observed", "bound", "unclear")


def same_moment(a: Claim, b: Claim) -> Strength | None:
    """How surely two claims with equal `fact_key`s speak of the same moment: `strong` for the
    same clock time, the same session or a figure of the whole day (a day's flow, a close, a
    change over a stated window), `moderate` for two values both dated to the moment of
    writing; None when they only share a date (two prices of one coin on one day are two facts)."""
    if dates.has_time(a.as_of) and a.as_of == b.as_of:
        return "strong"
    if a.qualifiers.get("session") in ("close", "open"):
        return "strong"
    if a.metric not in INSTANT_METRICS:
        if (
            a.metric in CHANGE_OF
            and not (a.period or "since" in a.qualifiers)
            and a.subject_type in ("crypto", "pair")
        ):
            return None  # a crypto move with no window: since when, the text does not say
        return "strong"
    if all(any(w in c.evidence.sentence.lower() for w in NOW_WORDS) for c in (a, b)):
        return "moderate"
    return None


def restates(a: float, b: float) -> bool:
    """Whether one value is the other rounded to fewer significant digits ("$10 billion" for
    "$10.43 billion", "$82K" for "$82,140")."""
    rough, precise = sorted((a, b), key=_significant_digits)
    digits = _significant_digits(rough)
    return float(f"{precise:.{digits}g}") == rough


def _significant_digits(value: float) -> int:
    digits = f"{abs(value):.12g}".replace(".", "").lstrip("0").rstrip("0")
    return max(1, len(digits.split("e")[0]))


def same_fact(claims: list[Claim], tol: Tolerances) -> list[Verdict]:
    """Claims stating the same fact at the same moment with values that disagree beyond tolerance.

    Candidates share a `fact_key` and are stated as values (`is_stated_value`: no level,
    forecast, threshold or misprint); they must also be the same moment (`same_moment`).
    The first statement in the text is taken as the article's figure; each later statement
    in another sentence that disagrees with it is contradicted, checked against the first.
    Two values in one sentence describe a move or a range, not a restatement; a level that a
    move started from ("up from $25 billion"), a figure brought in for comparison ("compared
    with 2.2%") and ranges are left out. A hedged figure ("about $2.3 trillion") or a rounded
    restatement agrees with the precise one.
    """
    groups: dict[tuple[object, ...], list[Claim]] = defaultdict(list)
    for claim in claims:
        if (
            claim.value_max is None
            and not spans.is_starting_level(claim)
            and not spans.is_comparison(claim)
            and is_stated_value(claim)
        ):
            groups[fact_key(claim)].append(claim)
    out = []
    for group in groups.values():
        first, *later = sorted(group, key=lambda c: c.evidence.start)
        for claim in later:
            if claim.evidence.sentence == first.evidence.sentence or _agree_statements(first, claim, tol):
                continue
            strength = same_moment(first, claim)
            if strength is None:
                continue
            out.append(
                _verdict(
                    claim,
                    "contradicted",
                    "same_fact",
                    f"the article first gives the {describe(first)} as {show(first.value, first.unit)} "
                    f"(\u201c{first.evidence.text}\u201d), here {show(claim.value, claim.unit)}",
                    against=first,
                    expected=first.value,
                    strength=strength,
                )
            )
    return out


def _agree_statements(a: Claim, b: Claim, tol: Tolerances) -> bool:
    if tol.agree(a.metric, a.unit, b.value, a.value) or restates(a.value, b.value):
        return True
    hedged = [c for c in (a, b) if c.hedge]
    return any(abs(a.value - b.value) <= _round_unit(c.value) for c in hedged)


def _round_unit(value: float) -> float:
    """Half a unit of the last significant digit of a round figure: 2.3e12 → 5e10, 400 → 50."""
    digits = _significant_digits(value)
    exponent = len(f"{abs(value):.0f}") - digits if abs(value) >= 1 else 0
    return max(0.5 * 10.0**exponent, rounding(value))


# --------------------------------------------------------------------------- 2. changes against levels

CHANGE_OF = {name: row.change_of for name, row in registry().metrics.items() if row.change_of is not None}
RELATIVE_UNITS = {"percent"}


def change_follows(claims: list[Claim], tol: Tolerances) -> list[Verdict]:
    """A stated change against the change implied by the two levels that are its endpoints.

    The end level is a level of the same subject and day in the change's sentence, stated as a
    value ("rose 8% to $28.5 billion", "closed at 5,663.94, up 0.58%"; not a support, a target or
    a threshold). The start level is, in this order: the one the sentence says it moved from
    ("from $1,811"); the end level minus a point or dollar change stated beside it ("rose 224.02
    points, or 0.59%"); or a level of the same subject stated elsewhere in the article exactly at
    the start of the change's window: the previous close for a one-session move, the level of
    the day `n` days earlier for a window of `n` days (`P1D`, `P7D`), the level on the `since`
    date. A change with no such endpoints is not judged. A percent change is compared with
    (end / start - 1) x 100, a change in points, dollars or percentage points with end - start.
    Supported when they agree within the tolerance of the change metric (plus the rounding of
    the stated change), contradicted otherwise; `strong` when both endpoints are in the
    change's sentence, `moderate` when the start comes from another sentence.
    """
    out = []
    for change in claims:
        base = CHANGE_OF.get(change.metric)
        if base is None or change.value_max is not None:
            continue
        found = _endpoints(change, base, claims)
        if found is None:
            continue
        start, end, against, strength = found
        if start == end.value:
            continue  # the same level twice is a restatement the extractor dated twice, not a move
        if (
            change.unit not in RELATIVE_UNITS
            and change.unit != end.unit
            and (change.unit, end.unit) != ("pp", "percent")
        ):
            continue
        if change.unit in RELATIVE_UNITS:
            if start == 0:
                continue
            implied = (end.value / start - 1) * 100
        else:
            implied = end.value - start
        implied = round(implied, 4)
        moved = f"{show(start, end.unit)} \u2192 {show(end.value, end.unit)}"
        shown = show(round(implied, 2), change.unit)
        if tol.agree(change.metric, change.unit, change.value, implied):
            out.append(
                _verdict(
                    change,
                    "supported",
                    "change_follows",
                    f"{show(change.value, change.unit)} follows from {moved} ({shown})",
                    against=against,
                    expected=implied,
                    strength=strength,
                )
            )
        else:
            out.append(
                _verdict(
                    change,
                    "contradicted",
                    "change_follows",
                    f"{show(change.value, change.unit)} does not follow from {moved}: "
                    f"that is {'+' if implied > 0 else ''}{shown}",
                    against=against,
                    expected=implied,
                    strength=strength,
                )
            )
    return out


def _is_endpoint(level: Claim) -> bool:
    """Whether a level can be where a move started or ended: a value the subject had, not a
    support, target, threshold or forecast."""
    kind = sense.sense_of(level).kind
    return kind == "observed" or (kind == "unclear" and level.metric not in ("price", "price_level"))


def _endpoints(change: Claim, base: str, claims: list[Claim]) -> tuple[float, Claim, Claim, Strength] | None:
    """(start value, end level, the claim the start comes from, strength) for `change`, or None."""
    subject = change.subject.lower()
    levels = [c for c in claims if c.metric == base and c.subject.lower() == subject and c.value_max is None]
    here = [c for c in levels if c.evidence.sentence == change.evidence.sentence]
    starts = [c for c in here if spans.is_starting_level(c)]
    ends = [
        c
        for c in here
        if not spans.is_starting_level(c)
        and _is_endpoint(c)
        and dates.days_between(c.as_of, change.as_of) in (0, None)
    ]
    if not ends:
        return None
    after = [c for c in ends if c.evidence.end >= change.evidence.end]
    end = after[0] if after else ends[-1]
    if starts and starts[0].unit == end.unit:
        return starts[0].value, end, starts[0], "strong"
    if change.unit in RELATIVE_UNITS:
        for step in claims:
            if (
                step.metric == change.metric
                and step.subject.lower() == subject
                and step.unit == end.unit
                and step.evidence.sentence == change.evidence.sentence
                and step.value_max is None
            ):
                return end.value - step.value, end, step, "strong"
    previous = _window_start(change, end, [c for c in levels if c not in here and _is_endpoint(c)])
    if previous is not None:
        return previous.value, end, previous, "moderate"
    return None


def _window_start(change: Claim, end: Claim, others: list[Claim]) -> Claim | None:
    """The level stated at the start of the change's window (see `change_follows`); None when
    there is none, or when that day has two different values (which one the move started
    from is unclear)."""
    since = change.qualifiers.get("since")
    days = _window_days(change.period)
    found = []
    for level in others:
        if level.unit != end.unit:
            continue
        gap = dates.days_between(level.as_of, end.as_of)
        if since is not None:
            if level.as_of and level.as_of[: len(since)] == since and dates.day(level.as_of):
                found.append((0, level))
        elif change.period is None:
            # a one-session move starts at the previous close (over a weekend at the latest)
            if level.qualifiers.get("session") == "close" and gap is not None and 0 < gap <= 4:
                found.append((gap, level))
        elif days is not None and gap == days:
            found.append((gap, level))
    if not found:
        return None
    nearest = min(gap for gap, _ in found)
    on_that_day = [level for gap, level in found if gap == nearest]
    closes = [c for c in on_that_day if c.qualifiers.get("session") == "close"] or on_that_day
    return closes[0] if len({c.value for c in closes}) == 1 else None


def _window_days(period: str | None) -> int | None:
    """The length in days of a window of days or weeks (`P1D` 1, `P7D` 7, `P2W` 14); None for
    any other window (a month has no fixed length)."""
    if period and period.startswith("P") and period[-1] in "DW" and period[1:-1].isdigit():
        return int(period[1:-1]) * (7 if period[-1] == "W" else 1)
    return None


# --------------------------------------------------------------------------- 3. words against signs

SIGNED_METRICS = {name for name, row in registry().metrics.items() if row.signed}
DOWN_WORDS = lexicon("down_words")
UP_WORDS = lexicon("up_words")


def direction_words(claim: Claim) -> tuple[int, str | None]:
    """(-1, word) when the words next to the figure say it went down, (+1, word) when up, (0, None)
    when they say neither or both."""
    words = spans.words_before(claim, limit=4) + spans.words_after(claim, limit=2)
    down = [w for w in words if w in DOWN_WORDS]
    up = [w for w in words if w in UP_WORDS]
    if down and not up:
        return -1, down[-1]
    if up and not down:
        return 1, up[-1]
    return 0, None


def words_vs_sign(claims: list[Claim]) -> list[Verdict]:
    """Changes and flows whose words and signs disagree: "fell" or "outflow" beside a positive
    figure, "rose" or "inflow" beside a negative one, or a sign written against the word
    ("dropped +4.1%", "net inflows of -$84.2 million")."""
    out = []
    for claim in claims:
        if claim.metric not in SIGNED_METRICS:
            continue
        direction, word = direction_words(claim)
        if direction == 0:
            continue
        start, end, written = spans.figure(claim)
        signs = {"+": 1, "-": -1}
        if written is not None and signs[written] != direction:
            as_written = claim.evidence.sentence[start:end].strip()
            reason = f"the text says \u201c{word}\u201d but writes the figure as \u201c{as_written}\u201d"
        elif claim.value * direction < 0:
            reason = f"the text says \u201c{word}\u201d but the figure is {show(claim.value, claim.unit)}"
        else:
            continue
        out.append(_verdict(claim, "contradicted", "words_vs_sign", reason))
    return out


# --------------------------------------------------------------------------- 4. impossible values

NON_NEGATIVE = {"price", "price_level", "volume", "market_cap", "open_interest"}


def impossible_reason(claim: Claim) -> tuple[str, tuple[float, float] | None] | None:
    """Why the value cannot be, with the range it must lie in (None for a one-sided bound);
    None when it can be."""
    m, v, unit = claim.metric, claim.value, claim.unit
    if m == "short_interest" and unit == "percent":
        # more than 100 % of the float has happened (GameStop, January 2021); of all shares
        # outstanding or of market capitalization it cannot
        if v < 0 or (v > 100 and claim.qualifiers.get("basis") != "float"):
            return "short interest is a share of the stock: it lies between 0 % and 100 %", (0.0, 100.0)
    elif m == "short_interest" and v < 0:
        return "a number of shares sold short cannot be negative", None
    elif metric_row(m).out_of_range(v, unit):
        # RSI 0-100, a correlation -1..1, dominance 0-100 %: the closed ranges of the registry
        row = metric_row(m)
        return row.range_note or f"{row.label} lies in {row.range}", row.range
    elif m in NON_NEGATIVE and v < 0:
        return f"a {m.replace('_', ' ')} cannot be negative", None
    elif m in CHANGE_OF and m != "short_interest_change" and unit == "percent" and v < -100:
        return "nothing can fall by more than 100 %", None
    return None


def impossible_values(claims: list[Claim]) -> list[Verdict]:
    """Values no market can have (see `impossible_reason`), and levels the text writes with a
    minus sign ("volume came in at -$3.2 billion") even when the extracted value lost it."""
    out = []
    for claim in claims:
        found = impossible_reason(claim)
        start, end, written = spans.figure(claim)
        if found is None and claim.metric in NON_NEGATIVE and written == "-":
            as_written = claim.evidence.sentence[start:end].strip()
            found = (
                f"written \u201c{as_written}\u201d: a {claim.metric.replace('_', ' ')} cannot be negative",
                None,
            )
        if found is not None:
            reason, bounds = found
            out.append(
                _verdict(
                    claim,
                    "contradicted",
                    "impossible_value",
                    f"{show(claim.value, claim.unit)}: {reason}",
                    expected=bounds,
                )
            )
    return out


# --------------------------------------------------------------------------- 5. dates


def as_of_after_published(claims: list[Claim], published: str | None) -> list[Verdict]:
    """Figures dated after the article's publication: the article cannot know them yet."""
    out = []
    for claim in claims:
        if dates.is_after(claim.as_of, published):
            out.append(
                _verdict(
                    claim,
                    "contradicted",
                    "as_of_after_published",
                    f"dated {claim.as_of}, after the article was published ({published})",
                )
            )
    return out


def internal_checks(claims: list[Claim], published: str | None, tol: Tolerances) -> list[Verdict]:
    """Every check above, in the order of `CHECKS`."""
    return [
        *same_fact(claims, tol),
        *change_follows(claims, tol),
        *words_vs_sign(claims),
        *impossible_values(claims),
        *as_of_after_published(claims, published),
    ]
