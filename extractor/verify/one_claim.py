"""One claim given as text (`--claim "Russell 2000 short interest 4.6% of shares outstanding"`)
against an article.

In: the claim text, the article (its claims and publication date), the tolerances. The text is
read by the same extractor as articles (`extract_claims` with the article's publication date).
Out: one verdict per figure of the text: `supported` when the article states the same metric
of the same subject with an agreeing value, `contradicted` when it states it with another
value, `unverifiable` when it does not mention it. `InputError` when the text states no claim.
"""

from __future__ import annotations

from spacy.language import Language

from extractor.errors import InputError
from extractor.extract import ClaimDraft, default_pipeline, extract_claims
from extractor.pipeline import assemble
from extractor.schemas import Article, Claim, stable_hash
from extractor.verify import dates
from extractor.verify.checks import describe, restates, show
from extractor.verify.tolerances import Tolerances
from extractor.verify.verdicts import Verdict


def parse_claim(
    text: str, published: str | None, nlp: Language | None = None
) -> list[tuple[Claim, ClaimDraft]]:
    """The claims the text states, each with its draft (which says whether the date was written)."""
    drafts = extract_claims(nlp or default_pipeline(), text, published)
    if not drafts:
        raise InputError(
            "--claim",
            f"no claim found in {text!r}: name a subject, a metric and a figure, "
            'e.g. "Bitcoin price $62,350" or "Russell 2000 short interest 4.6%"',
        )
    source = Article(id=stable_hash("claim", text), title="--claim", text=text, published=published)
    return list(zip(assemble(source, text, drafts, 0.0), drafts, strict=True))


def candidates(claim: Claim, draft: ClaimDraft, article_claims: list[Claim]) -> list[Claim]:
    """The article's claims about the same thing: same metric, subject (or symbol) and unit, the
    qualifiers the text gives, its window when it gives one, and its date when it writes one."""
    names = {claim.subject.lower(), (claim.symbol or claim.subject).lower()}
    day = dates.day(claim.as_of) if draft.as_of_explicit else None
    found = []
    for other in article_claims:
        if other.metric != claim.metric or other.unit != claim.unit:
            continue
        if not names & {other.subject.lower(), (other.symbol or other.subject).lower()}:
            continue
        if any(other.qualifiers.get(k) != v for k, v in claim.qualifiers.items()):
            continue
        if claim.period and other.period and claim.period != other.period:
            continue
        if day is not None and dates.day(other.as_of) not in (day, None):
            continue
        found.append(other)
    return found


def check_claim(text: str, article: Article, tol: Tolerances, nlp: Language | None = None) -> list[Verdict]:
    """The verdicts of the claim text against `article` (see the module docstring)."""
    out = []
    for claim, draft in parse_claim(text, article.published, nlp):
        same = candidates(claim, draft, article.claims)
        stated = show(claim.value, claim.unit)
        agreeing = next(
            (
                c
                for c in same
                if tol.agree(c.metric, c.unit, claim.value, c.value) or restates(claim.value, c.value)
            ),
            None,
        )
        if agreeing is not None:
            out.append(
                Verdict(
                    claim=claim,
                    verdict="supported",
                    check="claim",
                    reason=f"the article states {show(agreeing.value, agreeing.unit)} "
                    f"(\u201c{agreeing.evidence.text}\u201d)",
                    checked_against=agreeing,
                    expected=agreeing.value,
                    strength="strong",
                )
            )
        elif same:
            nearest = min(same, key=lambda c: abs(c.value - claim.value))
            out.append(
                Verdict(
                    claim=claim,
                    verdict="contradicted",
                    check="claim",
                    reason=f"the article gives the {describe(nearest)} as "
                    f"{show(nearest.value, nearest.unit)}, not {stated}",
                    checked_against=nearest,
                    expected=nearest.value,
                    strength="moderate",
                )
            )
        else:
            out.append(
                Verdict(
                    claim=claim,
                    verdict="unverifiable",
                    check="claim",
                    reason=f"the article does not mention the {claim.metric} of {claim.subject}",
                )
            )
    return out
