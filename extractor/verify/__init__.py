"""Verification: does each claim of an article hold?

    verify_article(article, references=..., db_url=..., claim_text=..., tolerances=...) -> VerifyReport

1. internal checks (`checks`): one fact with two values, a change that does not follow from
   the levels beside it, words against signs, impossible values, dates after publication
2. references (`references`): prices against what the market really did that day
3. other articles (`across`, with a database): the same fact stated elsewhere
4. a claim given as text (`one_claim`): only that claim is judged, against the article

Every claim gets at least one verdict: a claim no check could confirm or refute is
`unverifiable`, with the reason. See `docs/verify.md`.
"""

from __future__ import annotations

from collections.abc import Iterable

from extractor.schemas import Article, Claim
from extractor.verify.across import check_across, open_database
from extractor.verify.checks import internal_checks
from extractor.verify.one_claim import check_claim
from extractor.verify.references import References, check_references, load_references, reference_metric
from extractor.verify.tolerances import Tolerances
from extractor.verify.tolerances import tolerances as make_tolerances
from extractor.verify.verdicts import CHECKS, VERDICTS, Observation, Verdict, VerifyReport


def verify_article(
    article: Article,
    *,
    references: References | Iterable[Observation] | None = None,
    db_url: str | None = None,
    claim_text: str | None = None,
    tolerances: Tolerances | dict[str, float] | None = None,
) -> VerifyReport:
    """The verdicts of an extracted article (`process_article(...)`).

    `references`: observations (or a loaded `References`) to check prices against; `db_url`: a
    claims database whose other articles are compared; `claim_text`: judge only this claim
    against the article; `tolerances`: a `Tolerances` or overrides such as `{"price": 0.01}`.
    Raises `InputError` (a bad tolerance, a claim text with no claim) and `SinkError` (a
    database that cannot be read).
    """
    tol = tolerances if isinstance(tolerances, Tolerances) else make_tolerances(tolerances)
    refs = (
        references
        if isinstance(references, References) or references is None
        else References(list(references))
    )
    if claim_text is not None:
        return _report(article, check_claim(claim_text, article, tol), [])
    claims = sorted(article.claims, key=lambda c: (c.evidence.start, c.claim_id))
    verdicts = internal_checks(claims, article.published, tol)
    if refs is not None:
        verdicts += check_references(claims, refs, tol)
    if db_url is not None:
        with open_database(db_url) as engine:
            verdicts += check_across(article, claims, engine, tol)
    judged = {v.claim.claim_id for v in verdicts}
    verdicts += [
        Verdict(claim=c, verdict="unverifiable", check="none", reason=_nothing_to_check(c, refs, db_url))
        for c in claims
        if c.claim_id not in judged
    ]
    order = {c.claim_id: i for i, c in enumerate(claims)}
    verdicts.sort(key=lambda v: (order[v.claim.claim_id], CHECKS.index(v.check)))
    return _report(article, verdicts, claims)


# contradicted outranks supported, which outranks unverifiable
_RANK = {"contradicted": 0, "supported": 1, "unverifiable": 2}


def _report(article: Article, verdicts: list[Verdict], claims: list[Claim]) -> VerifyReport:
    """The report, with the claims counted by their overall verdict (contradicted > supported > unverifiable)."""
    overall: dict[str, str] = {}
    for v in verdicts:
        current = overall.get(v.claim.claim_id)
        if current is None or _RANK[v.verdict] < _RANK[current]:
            overall[v.claim.claim_id] = v.verdict
    counts: dict[str, int] = {"claims": len(overall), **dict.fromkeys(VERDICTS, 0)}
    for kind in overall.values():
        counts[kind] += 1
    return VerifyReport(article=article.ref(), verdicts=verdicts, counts=counts)


def _nothing_to_check(claim: Claim, refs: References | None, db_url: str | None) -> str:
    """Why no check could confirm or refute a claim."""
    reasons = []
    if refs is not None:
        if reference_metric(claim) is None:
            reasons.append(
                f"the reference cannot check a {claim.metric.replace('_', ' ')}"
                + (f" ({claim.qualifiers['level']})" if "level" in claim.qualifiers else "")
            )
        elif refs.covers(claim):
            reasons.append(f"no reference row for {claim.subject} on the day of {claim.as_of}")
        else:
            reasons.append(f"the reference has no {claim.metric.replace('_', ' ')} of {claim.subject}")
    if db_url is not None:
        reasons.append("no other article in the database states it")
    if not reasons:
        reasons.append("no figure of the article bears on it (give --reference or --db to check more)")
    return "; ".join(reasons)


__all__ = [
    "Observation",
    "References",
    "Tolerances",
    "Verdict",
    "VerifyReport",
    "load_references",
    "verify_article",
]
