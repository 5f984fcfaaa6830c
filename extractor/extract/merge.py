"""One claim per fact: restatements of the same figure are merged, not repeated.

In: `ClaimDraft`s in the order of the article. Out: the same facts once each, the first
mention kept as evidence, `mentions` counting the sentences that state it, and fields a later
mention adds (a source, a date, a window, a qualifier) filled in where the first left them empty.
"""

from __future__ import annotations

import math
import re
import statistics

from extractor.extract.draft import ClaimDraft
from extractor.rules import lexicon

PRICE_METRICS = {"price", "price_level"}


ABBREVIATED = re.compile(r"(?i)\d\s*(k|m|mn|bn|b|t|tn|thousand|million|billion|trillion)\b")


def rounded_restatement(precise: float, rounded: float, rounded_text: str) -> bool:
    """ "$82K" restates "$82,140": an amount written with a scale abbreviation, rounded from the
    precise one (within 2.5 %). "$80,000" beside "$82,140" is another figure."""
    if not ABBREVIATED.search(rounded_text) or "%" in rounded_text:
        return False
    if precise == rounded or rounded == 0 or precise == 0 or (precise > 0) != (rounded > 0):
        return False
    step = 10 ** math.floor(math.log10(abs(rounded)))
    while step > 1e-9 and round(rounded / step) * step != rounded:
        step /= 10
    return (
        abs(precise - rounded) <= step / 2
        and abs(rounded) >= step
        and abs(precise - rounded) <= 0.025 * abs(precise)
    )


GROUP_WORDS = re.compile(r"(funds|etfs|etps|products)$")


def same_subject(a: str, b: str) -> bool:
    """ "US Equity" in a table row and "US equity funds" in the text, "Commodities E T Fs" and
    "commodities ETFs": one subject written two ways (case, spacing, the group noun)."""
    if a == b:
        return True

    def key(name: str) -> str:
        return GROUP_WORDS.sub("", re.sub(r"[^a-z0-9]", "", name.lower()))

    return key(a) == key(b) and len(key(a)) >= 4


def same_fact(a: ClaimDraft, b: ClaimDraft) -> bool:
    """Same metric, subject, unit and value (and range); dates agree unless one was only defaulted.
    A price and a named level of the same value are one fact; so is a rounded restatement."""
    same_metric = a.metric == b.metric or {a.metric, b.metric} == PRICE_METRICS
    if not same_metric or a.unit != b.unit or not same_subject(a.subject.name, b.subject.name):
        return False
    if not math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-12) and not (
        rounded_restatement(a.value, b.value, b.figure_text)
        or rounded_restatement(b.value, a.value, a.figure_text)
    ):
        return False
    if (a.value_max is None) != (b.value_max is None) or (
        a.value_max is not None
        and b.value_max is not None
        and not math.isclose(a.value_max, b.value_max, rel_tol=1e-9)
    ):
        return False
    crossed = lexicon("threshold_hedges")
    if (a.hedge in crossed) != (b.hedge in crossed) and a.value != b.value:
        return False  # "falls below $64,000" is a line crossed, "around $63,900" the price: two facts
    if min(a.as_of_strength, b.as_of_strength) >= 2 and (a.as_of or "")[:10] != (b.as_of or "")[:10]:
        return False  # two dates written in their own sentences: two facts
    for key in set(a.qualifiers) & set(b.qualifiers):
        if (
            key in {"basis", "direction", "counterpart", "tenor", "venue"}
            and a.qualifiers[key] != b.qualifiers[key]
        ):
            return False
    return True


def absorb(first: ClaimDraft, later: ClaimDraft) -> None:
    """Count `later` as a restatement of `first` and keep what it adds: the named level over the
    plain price, the precise value over the rounded one."""
    first.mentions += later.mentions
    if later.metric == "price_level" and first.metric == "price":
        first.metric = "price_level"
        first.qualifiers.pop("session", None)
    if rounded_restatement(later.value, first.value, first.figure_text):
        first.value, first.evidence_start, first.evidence_end = (
            later.value,
            later.evidence_start,
            later.evidence_end,
        )
        first.sentence_start, first.sentence_end = later.sentence_start, later.sentence_end
    for key, value in later.qualifiers.items():
        first.qualifiers.setdefault(key, value)
    if later.as_of_strength > first.as_of_strength:
        first.as_of, first.as_of_explicit, first.as_of_strength = later.as_of, True, later.as_of_strength
    first.period = first.period or later.period
    first.attributed_to = first.attributed_to or later.attributed_to
    first.hedge = first.hedge or later.hedge
    first.confidence = min(0.99, max(first.confidence, later.confidence) + 0.05)


def merge_restatements(drafts: list[ClaimDraft]) -> list[ClaimDraft]:
    merged: list[ClaimDraft] = []
    for draft in drafts:
        twin = next((m for m in merged if same_fact(m, draft)), None)
        if twin is None:
            merged.append(draft)
        else:
            absorb(twin, draft)
    return merged


def drop_price_outliers(drafts: list[ClaimDraft], factor: float = 50.0) -> list[ClaimDraft]:
    """Prices of one subject in one article that are off by a factor of 50 from the subject's other
    prices are misread figures ("$63,6723" read as $63, "$64,00" as $64, a glued "15,283.94.15"
    as 15 points), not claims: a price does not move fiftyfold within a story."""
    prices: dict[tuple[str, str], list[float]] = {}
    for d in drafts:
        if d.metric in PRICE_METRICS and d.value > 0:
            prices.setdefault((d.subject.name, d.unit), []).append(d.value)

    def outlier(d: ClaimDraft) -> bool:
        values = prices.get((d.subject.name, d.unit), [])
        if d.metric not in PRICE_METRICS or len(values) < 3 or d.value <= 0:
            return False
        middle = statistics.median(values)
        return d.value * factor < middle or d.value > middle * factor

    return [d for d in drafts if not outlier(d)]
