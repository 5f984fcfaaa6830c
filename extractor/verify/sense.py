"""In what sense an article states a figure: an observed value, or a level, forecast, threshold …

In: a `Claim` (its evidence sentence). Out: a `Sense` — `kind` and the words that decided it.
Only an `observed` figure (a price something traded at, a close, a flow that happened) may be
called wrong by a reference or by another statement of the same fact; the others are checked
in the sense they carry or not at all:

| kind | what the text says | e.g. |
|---|---|---|
| `observed` | a value the market had: an observation word before it | "trading at $62,350", "closed at 5,663.94", "fell to $2,604" |
| `bound` | an observed value given as a floor or ceiling | "is trading above $2,680", "sits just above $96,000" |
| `crossing` | a threshold crossed (when, the text does not say) | "crashed below $66,000", "lost the $67,000 level", "reclaimed $100K" |
| `level` | a level, zone, average, mark or range bound nobody need have traded at | "the $64,300 line of defense", "the $2,750 level", "between $63,000 and $65,000" |
| `forecast` | a conditional, a possibility, a target, an option strike | "could drop to $61,000", "the right to sell at $3,300", "toward $92,000" |
| `malformed` | the figure is misprinted in the text | "$63,6723" |
| `move` | the size of a move, not a level | "multiple $10,000 moves" |
| `unclear` | none of the above: no word says how the figure is meant | "Ether at $3,500 and SOL …" |

The words are read from the figure's own clause (the few words before it, up to a clause break
or another figure, and the few after it) and, for conditionals and options, from the sentence
before the figure back to a clause break such as "but" or ";".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.lexicon import lexicon
from extractor.schemas import Claim
from extractor.verify import spans

KINDS = ("observed", "bound", "crossing", "level", "forecast", "malformed", "move", "unclear")

# words around a figure that make it a level rather than a price traded at
LEVEL_WORDS = lexicon("level_words")
# words before a figure (in its sentence) that make it hypothetical
FORECAST_WORDS = lexicon("forecast_words")
# the figure right after one of these is a value the market had
OBSERVED_WORDS = lexicon("observed_words")
# …unless the word before "at" / "to" / "of" is one of these (a level or a move, not a price)
NOT_A_PRICE_BEFORE = lexicon("not_a_price_before")
UP_CROSS = lexicon("up_cross")
DOWN_CROSS = lexicon("down_cross")
PRESENT_WORDS = lexicon("present_words")
MOVE_AFTER = lexicon("move_nouns") | lexicon("move_after")

_HEAD_BREAK = re.compile(
    r"[;:\u2014]|\b(?:but|however|although|though|whereas|while|meanwhile)\b", re.IGNORECASE
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_DIGITS = re.compile(r"\d[\d,]*(?:\.\d+)?")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
# two amounts in one evidence span, or two figures joined by a dash: a range
_RANGE = re.compile(r"[$€£¥]\s?\d.*[$€£¥]\s?\d|\d\s?[\u2013\u2014]\s?[$€£¥]?\d|\d\s-\s[$€£¥]?\d")


@dataclass(frozen=True)
class Sense:
    """How a figure is stated: `kind` (one of `KINDS`), the word that decided it, and for a bound
    or a crossing its direction (+1 the price was at or above the figure, -1 at or below it)."""

    kind: str
    word: str | None = None
    direction: int = 0

    @property
    def observed(self) -> bool:
        return self.kind in ("observed", "bound")


def sentence_head(claim: Claim) -> list[str]:
    """The lower-case words of the sentence before the figure, back to the last clause break
    such as ";" or "but"."""
    start, _, _ = spans.figure(claim)
    head = claim.evidence.sentence[:start]
    cut = max((m.end() for m in _HEAD_BREAK.finditer(head)), default=0)
    return [w.lower() for w in _WORD.findall(head[cut:])]


def is_malformed(claim: Claim) -> str | None:
    """The figure as written when its digits are misprinted ("63,6723"), else None."""
    start, end, _ = spans.figure(claim)
    match = _DIGITS.search(claim.evidence.sentence, start, end + 12)
    if match is None:
        return None
    digits = match.group().rstrip(",.")
    return None if _GROUPED.fullmatch(digits) else digits


def sense_of(claim: Claim) -> Sense:
    """The sense of the claim's figure (see the module docstring)."""
    written = is_malformed(claim)
    if written is not None:
        return Sense("malformed", written)
    before = spans.words_before(claim, limit=6)
    near = before[-3:]
    after = spans.words_after(claim, limit=3)
    head = sentence_head(claim)
    if _RANGE.search(claim.evidence.text) or claim.value_max is not None:
        return Sense("level", "range")
    if after and after[0] in MOVE_AFTER:
        return Sense("move", after[0])
    level = [w for w in [*near, *after] if w in LEVEL_WORDS]
    if level or claim.qualifiers.get("level") in ("support", "resistance", "target", "breakout"):
        return Sense("level", level[0] if level else claim.qualifiers.get("level"))
    forecast = [w for w in head if w in FORECAST_WORDS]
    if forecast:
        return Sense("forecast", forecast[-1])
    hedge = (claim.hedge or "").lower()
    crossing = [w for w in near if w in UP_CROSS | DOWN_CROSS]
    if crossing or hedge in ("above", "over", "below", "under", "more than", "less than"):
        word = crossing[-1] if crossing else hedge
        direction = -1 if word in DOWN_CROSS or hedge in ("below", "under", "less than") else 1
        present = set(before) & PRESENT_WORDS and not set(before) & {
            "lost",
            "losing",
            "broke",
            "break",
            "breaks",
        }
        return Sense("bound" if present else "crossing", word, direction)
    if near and near[-1] in OBSERVED_WORDS:
        if near[-1] in ("at", "to", "of") and len(near) > 1 and near[-2] in NOT_A_PRICE_BEFORE:
            return Sense("forecast", near[-2])
        return Sense("observed", near[-1])
    if claim.qualifiers.get("session") or claim.qualifiers.get("level") in ("high", "low"):
        return Sense("observed", claim.qualifiers.get("session") or claim.qualifiers.get("level"))
    return Sense("unclear")
