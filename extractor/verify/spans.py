"""The words around a claim's figure, read from its evidence.

In: a `Claim` (its `evidence.text` ends with the figure; `evidence.sentence` is the sentence
around it). Out: the clause before the figure, the words right after it, whether the figure is
written with an explicit sign, and whether it is the starting level of a move ("from $60,000").
"""

from __future__ import annotations

import re

from extractor.lexicon import lexicon
from extractor.schemas import Claim

# a figure as written: sign, currency, digits, scale word or percent sign
_FIGURE = re.compile(
    r"(?P<sign>(?<![\w.%])[-+−–]\s?)?[$€£¥]?\s?\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|[kKmMbBtT]\b|mn\b|bn\b|"
    r"million\b|billion\b|trillion\b|points?\b|bps?\b)?"
)
# where a clause about another figure ends, looking back from a figure
_CLAUSE_BREAK = re.compile(r"[,;:()]|\b(?:while|whereas|but|and|after|before|as|with)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
# the end of a figure right before a sign: then the "sign" is the dash of a range ("$92,000 – $102,000")
_RANGE_BEFORE = re.compile(r"(?:\d|%|\b[kKmMbB]|million|billion|trillion)\s*$")


def position(claim: Claim) -> tuple[int, int]:
    """Start and end of the evidence inside its sentence (the whole sentence when not found)."""
    sentence, text = claim.evidence.sentence, claim.evidence.text
    at = sentence.find(text)
    if at < 0:
        return 0, len(sentence)
    return at, at + len(text)


def figure(claim: Claim) -> tuple[int, int, str | None]:
    """Start and end (in the sentence) of the figure the evidence ends with, and its explicit
    sign (`"+"` or `"-"`) when written with one."""
    sentence = claim.evidence.sentence
    start, end = position(claim)
    last = None
    for match in _FIGURE.finditer(sentence, start, end + 12):
        if match.start() < end:
            last = match
    if last is None:
        return start, end, None
    sign = last.group("sign")
    if sign and _RANGE_BEFORE.search(sentence[: last.start()]):
        sign = None  # "$92,000 – $102,000": a dash between two figures joins a range, it is no minus sign
    return last.start(), last.end(), (None if not sign else "+" if sign.strip() == "+" else "-")


def words_before(claim: Claim, limit: int = 6) -> list[str]:
    """The lower-case words between the figure and the clause break or figure before it, nearest
    last (at most `limit`)."""
    sentence = claim.evidence.sentence
    start, _, _ = figure(claim)
    head = sentence[:start]
    cuts = [m.end() for m in _CLAUSE_BREAK.finditer(head)] + [m.end() for m in _FIGURE.finditer(head)]
    clause = head[max(cuts, default=0) :]
    return [w.lower() for w in _WORD.findall(clause)][-limit:]


def words_after(claim: Claim, limit: int = 2) -> list[str]:
    """The lower-case words right after the figure, up to the next punctuation (at most `limit`)."""
    sentence = claim.evidence.sentence
    _, end, _ = figure(claim)
    tail = re.split(r"[,;:.()]", sentence[end:], maxsplit=1)[0]
    return [w.lower() for w in _WORD.findall(tail)][:limit]


def is_starting_level(claim: Claim) -> bool:
    """Whether the figure is the level a move started from: "from $60,000", "up from 4.1%",
    "from Wednesday's close of 15,164.01"."""
    return "from" in words_before(claim, limit=4)


COMPARISON_WORDS = lexicon("verify_comparison_words")


def is_comparison(claim: Claim) -> bool:
    """Whether the figure is brought in for comparison ("compared with 2.2%", "versus $1.1 billion"),
    so it is most likely about something else than the clause's subject."""
    return bool(set(words_before(claim, limit=3)) & COMPARISON_WORDS)
