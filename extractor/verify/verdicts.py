"""The records `claims verify` produces: `Observation`, `Verdict`, `VerifyReport`.

An `Observation` is one row of a reference file (what the market really did that day); a
`Verdict` says whether one claim holds, which check decided it, why, and what it was checked
against (a reference row or another claim, of this article or of another one); a
`VerifyReport` gathers the verdicts of one article with their counts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from extractor.schemas import ArticleRef, Claim

VerdictKind = Literal["supported", "contradicted", "unverifiable"]
VERDICTS: tuple[VerdictKind, ...] = ("supported", "contradicted", "unverifiable")
# how direct the evidence behind a verdict is (see docs/verify.md, "Strength"); a contradiction
# needs at least "moderate" evidence
Strength = Literal["strong", "moderate", "weak"]
STRENGTHS: tuple[Strength, ...] = ("strong", "moderate", "weak")

# the checks, in the order a report lists them (see docs/verify.md)
CHECKS = (
    "same_fact",  # one fact stated with two values in one article
    "change_follows",  # a stated change against the levels it moved between
    "words_vs_sign",  # "fell", "outflow" beside a positive figure, or the reverse
    "impossible_value",  # short interest over 100 %, RSI over 100, a negative price …
    "as_of_after_published",  # a figure dated after the article was published
    "reference",  # a price against the reference file's row for that day
    "across_articles",  # the same fact in other articles of the database
    "claim",  # a claim given with --claim against the article
    "none",  # nothing could confirm or refute the claim
)


class Observation(BaseModel):
    """One reference value: what `metric` of `subject` was on `date`.

    `value` is the figure itself (for a daily price row, the close); `low`/`high` the range it
    moved in that day, when known. `date` is an ISO date: the UTC day for crypto, the New York
    trading day for stocks and indices. `source` says where the row comes from.
    """

    model_config = ConfigDict(extra="forbid")

    subject: str
    metric: str
    date: str
    value: float
    low: float | None = None
    high: float | None = None
    source: str | None = None
    symbol: str | None = None


class Verdict(BaseModel):
    """Whether one claim holds.

    `check` names the check that decided (one of `CHECKS`); `reason` says why in one sentence;
    `checked_against` is the reference row or the other claim it was compared with (null when
    the check needs none, e.g. an impossible value); `expected` is the value or the [low, high]
    range that would have agreed. `strength` says how direct the evidence is: `strong` (the
    same moment: a reference row of the claim's day and session, a restatement of the same
    moment, a change against the endpoints its sentence states, a rule no value can break),
    `moderate` (the same day but not the same moment), `weak` (a nearby day, a figure whose
    words do not say it is an observed value); null for `unverifiable`.
    """

    model_config = ConfigDict(extra="forbid")

    claim: Claim
    verdict: VerdictKind
    check: str
    reason: str
    checked_against: Observation | Claim | None = None
    expected: float | tuple[float, float] | None = None
    strength: Strength | None = None


class VerifyReport(BaseModel):
    """The verdicts of one article.

    `verdicts` lists every finding in the order of the article's text (a claim can have more
    than one: one per check that said something); `counts` counts the claims by their overall
    verdict (contradicted if any check contradicts it, else supported if any supports it, else
    unverifiable), plus `claims`, the number of claims verified.
    """

    model_config = ConfigDict(extra="forbid")

    article: ArticleRef
    verdicts: list[Verdict]
    counts: dict[str, int]

    @property
    def contradicted(self) -> bool:
        return self.counts.get("contradicted", 0) > 0

    def to_record(self) -> dict[str, object]:
        """The report as JSON-ready data (claims in the `claims/1` shape, key `schema`)."""
        return self.model_dump(mode="json", by_alias=True)
