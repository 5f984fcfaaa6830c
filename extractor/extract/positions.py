"""Which figure a word belongs to, when a sentence has several.

"$85,000 as resistance, with $80,000 the first support": a level word, a date or a session word
between two figures belongs to the nearer one, unless the figures are listed together ("$61,500
for Bitcoin and $2,900 for Ethereum") or chained ("fell 1.2% to $62,350 on Thursday").
"""

from __future__ import annotations

from typing import cast

from extractor.extract.sentences import Figure, Sentence
from extractor.extract.tokens import tokens_of
from extractor.rules import lexicon


def owned_by_other_figure(sentence: Sentence, fig: Figure, start: int, end: int) -> bool:
    """A word between two figures belongs to the nearer one: in "$85,000 as resistance, with $80,000
    the first support", "resistance" is the first figure's and "support" the second's."""
    for other in sentence.figures:
        if other is fig:
            continue
        if (
            fig.end <= other.start and other.start <= start
        ):  # the word lies after another figure that follows ours
            return True
        if other.end <= start and end <= fig.start and start - other.end < fig.start - end:
            return True
        if fig.end <= start and end <= other.start and other.start - end < start - fig.end:
            return True  # "to close at $28.22, after trading as high as $67.50": "high" is $67.50's
        if (
            end <= other.start <= end + 2
            and other.end <= fig.start
            and tokens_of(sentence.span.doc).lower[other.end : fig.start][:1] in (["to"], ["and"])
            and any(t in {"from"} for t in tokens_of(sentence.span.doc).lower[max(0, start - 3) : start])
        ):
            return True  # "dropping from a peak of $66,436 to around $65,269": the peak is $66,436
        if end <= other.start and other.end <= fig.start and _new_predicate_between(sentence, other, fig):
            return (
                True  # "hit a record $294.33 early Sunday and was trading at $262.40": "record" is $294.33's
            )
    return False


def _new_predicate_between(sentence: Sentence, a: Figure, b: Figure) -> bool:
    """Does a new verb stand between two figures ("… and was trading at …"), or are they listed
    together ("$61,500 for Bitcoin and $2,900 for Ethereum")?"""
    doc = sentence.span.doc
    if any(
        t.lower_
        in {
            "was",
            "is",
            "were",
            "are",
            "has",
            "had",
            "hit",
            "touched",
            "traded",
            "trade",
            "trading",
            "sits",
            "hovering",
        }
        for t in doc[a.end : b.start]
    ):
        return True
    return any(
        a.end <= h.start and h.end <= b.start
        for group in ("metrics", "changes")
        for h in sentence.cues(group)
    )


def right_after_other_figure(sentence: Sentence, fig: Figure, token: int) -> bool:
    """ "at $4,598.40, after hitting a record $4,642.72 on Wednesday": Wednesday is the record's date."""
    doc = sentence.span.doc
    for o in sentence.figures:
        if o is fig or not (
            fig.end <= o.start and o.end <= token <= o.end + 2 or _later_clause(sentence, o, token)
        ):
            continue
        between = {t.lower_ for t in doc[fig.end : o.start]}
        # "fell 1.2% to $62,350 on Thursday": a chain shares its date; "…, after hitting a record $4,642.72
        # on Wednesday": a new clause does not
        if between - {"to", "at", ",", "or", "a", "an", "(", ")", "of", "and"}:
            return True
    return False


def _later_clause(sentence: Sentence, other: Figure, token: int) -> bool:
    """ "… totaled 11.9 billion shares compared with 12.1 billion shares reported for the prior
    settlement date of February 28": a date after a later figure, past a word of comparison."""
    doc = sentence.span.doc
    return other.end <= token and any(
        t.lower_ in {"compared", "versus", "vs", "vs.", "against"}
        for t in doc[max(sentence.span.start, other.start - 3) : other.start]
    )


def after_earlier_level(sentence: Sentence, fig: Figure, token: int) -> bool:
    """Is there a "from X" figure between `fig` and `token`? Then the date there is X's."""
    doc = sentence.span.doc
    return any(
        fig.end <= o.start < token and o.start > 0 and doc[o.start - 1].lower_ == "from"
        for o in sentence.figures
    )


def relative_clauses(sentence: Sentence) -> list[tuple[int, int]]:
    """Token ranges of the clauses that describe a name in passing: ", which measures …," ", a
    measure of …,": their words say what the name is, not what the sentence's figures measure."""
    # asked once per figure and per subject guess: the sentence's answer is kept with it
    if "relative_clauses" not in sentence.memo:
        tokens = tokens_of(sentence.span.doc)
        text, lower = tokens.text, tokens.lower
        first, stop = sentence.span.start, sentence.span.end
        ranges = []
        for i in range(first, stop):
            if text[i] == "," and i + 1 < stop and lower[i + 1] in {"which", "who", "a", "an"}:
                end = next((j for j in range(i + 1, stop) if text[j] in {",", ";", "—", "–"}), None)
                if end is not None and end - i <= 16:
                    ranges.append((i, end))
        sentence.memo["relative_clauses"] = ranges
    return list(cast(list[tuple[int, int]], sentence.memo["relative_clauses"]))


BACKGROUND_OPENERS = lexicon("background_openers")
CLAUSE_ENDS = {",", ";", "—", "–"}


def background_clauses(sentence: Sentence) -> list[tuple[int, int]]:
    """Token ranges of the clauses that tell an earlier event in passing: ", having hit a record on
    January 31", ", after falling 2% the previous day", "GBTC – which has seen outflows since January
    –". A date or a window there is that event's, not the date of a figure outside the clause."""
    if "background_clauses" in sentence.memo:
        return list(cast(list[tuple[int, int]], sentence.memo["background_clauses"]))
    tokens = tokens_of(sentence.span.doc)
    text, lower = tokens.text, tokens.lower
    start, end = sentence.span.start, sentence.span.end
    ranges = []
    for i in range(start, end):
        if text[i] != "," or i + 2 >= end:
            continue
        opener, following = lower[i + 1], lower[i + 2]
        # ", having posted …" always; ", after falling …" only with a verb form (", after the close"
        # is when the figure happened)
        if opener == "having" or (opener in BACKGROUND_OPENERS and following.endswith("ing")):
            close = next((j for j in range(i + 2, end) if text[j] in CLAUSE_ENDS), end)
            ranges.append((i, close))
    dashes = [i for i in range(start + 1, end) if text[i] in {"—", "–"}]
    for first, second in zip(dashes, dashes[1:]):
        if second - first <= 20 and lower[first + 1] in {"which", "who", "whose", "a", "an", "the"}:
            ranges.append((first, second))
    sentence.memo["background_clauses"] = ranges
    return list(ranges)


def inside(ranges: list[tuple[int, int]], token: int) -> bool:
    """Is `token` inside one of the token ranges?"""
    return any(s <= token < e for s, e in ranges)


def in_other_clause(ranges: list[tuple[int, int]], token: int, fig: Figure) -> bool:
    """Is `token` inside one of `ranges` that does not hold the figure?"""
    return any(s <= token < e and not s <= fig.start < e for s, e in ranges)
