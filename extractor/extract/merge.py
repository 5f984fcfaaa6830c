"""One claim per fact: restatements of the same figure are merged, not repeated.

In: `ClaimDraft`s in the order of the article. Out: the same facts once each, the first
mention kept as evidence, `mentions` counting the sentences that state it, and fields a later
mention adds (a source, a date, a window, a qualifier) filled in where the first left them empty.
"""

from __future__ import annotations

import math

from extractor.extract.link import ClaimDraft


def same_fact(a: ClaimDraft, b: ClaimDraft) -> bool:
    """Same metric, subject, unit and value (and range); dates agree unless one was only defaulted."""
    if (a.metric, a.subject.name, a.unit) != (b.metric, b.subject.name, b.unit):
        return False
    if not math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-12):
        return False
    if (a.value_max is None) != (b.value_max is None) or (
        a.value_max is not None and b.value_max is not None and not math.isclose(a.value_max, b.value_max, rel_tol=1e-9)
    ):
        return False
    if a.as_of_explicit and b.as_of_explicit and (a.as_of or "")[:10] != (b.as_of or "")[:10]:
        return False
    for key in set(a.qualifiers) & set(b.qualifiers):
        if key in {"basis", "level", "direction", "counterpart", "tenor", "venue"} and a.qualifiers[key] != b.qualifiers[key]:
            return False
    return True


def absorb(first: ClaimDraft, later: ClaimDraft) -> None:
    """Count `later` as a restatement of `first` and keep what it adds."""
    first.mentions += later.mentions
    for key, value in later.qualifiers.items():
        first.qualifiers.setdefault(key, value)
    if not first.as_of_explicit and later.as_of_explicit:
        first.as_of, first.as_of_explicit = later.as_of, True
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
