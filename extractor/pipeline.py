"""From one article to its claims: the pipeline, top to bottom.

    process_article(html_or_text, url=..., published=...) -> Article

1. scrape  — HTML through trafilatura (main text, title, URL, site, date); text as is
2. clean   — normalized paragraphs; non-English pages are refused
3. repeated_paragraphs — repeated paragraphs removed (rapidfuzz)
4. extract — the spaCy pipeline finds figures and links them to metrics and subjects
5. normalize and assemble — `Claim` records with stable ids, evidence offsets into the
   cleaned text, restatements merged (`mentions`); figures beyond any market's magnitude
   (`extractor.plausible`: a price of 1e299 USD, a change of 1e40 %) are not claims

A text longer than the spaCy pipeline's `max_length` is extracted in pieces of whole paragraphs
(a paragraph over the limit is cut after a sentence), so no sentence crosses a piece and the
evidence offsets still point into the whole text; the same fact found in two pieces is one claim.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
import warnings
from collections.abc import Iterator
from typing import cast

from spacy.language import Language

from extractor import clean, repeated_paragraphs
from extractor.errors import InputError, MarketClaimsError
from extractor.extract import ClaimDraft, default_pipeline, extract_claims
from extractor.inputs.pages import Source, content_type_of, iter_sources
from extractor.plausible import implausible
from extractor.schemas import Article, ArticleRef, Claim, Evidence, Metric, SubjectType, article_id, claim_id
from extractor.scrape import scrape
from extractor.settings import Settings, default_settings


def process_article(
    html_or_text: str | bytes,
    *,
    url: str | None = None,
    published: str | None = None,
    path: str | None = None,
    content_type: str | None = None,
    settings: Settings | None = None,
    nlp: Language | None = None,
    kind: str | None = None,
) -> Article:
    """The claims of one article. `content_type` is "html" or "text" (guessed from `path` and the
    content when None); `published` (ISO 8601) overrides the page's own date. `kind` is the old
    name of `content_type`, still accepted (with a DeprecationWarning) so callers keep working."""
    if kind is not None:
        warnings.warn(
            "process_article(kind=...) is now process_article(content_type=...)",
            DeprecationWarning,
            stacklevel=2,
        )
        content_type = content_type or kind
    content = html_or_text.encode("utf-8") if isinstance(html_or_text, str) else html_or_text
    name = path or url or "<input>"
    source = Source(
        name=name, content=content, url=url, content_type=content_type or content_type_of(name, content)
    )
    return process_source(source, published=published, path=path, settings=settings, nlp=nlp)


def process_inputs(
    specs: list[str], settings: Settings, *, published: str | None = None
) -> Iterator[tuple[str, Article | MarketClaimsError]]:
    """Each page the input specs name (files, folders, URLs, `-`), in order, with its article or
    the error that stopped it: a page that fails does not stop the others. The article's `path`
    is the name as given, except for a URL (which is its `url`)."""
    loaded = False
    for item in iter_sources(specs, settings):
        if isinstance(item, InputError):
            yield item.input, item
            continue
        if not loaded:
            load_models()
            loaded = True
        try:
            path = None if item.url else item.name
            yield item.name, process_source(item, published=published, path=path, settings=settings)
        except MarketClaimsError as exc:
            yield item.name, exc


def load_models() -> Language:
    """The spaCy pipeline and py3langid's model, loaded side by side: the language model is mostly
    LZMA decompression, which releases the GIL, so in a thread it costs a fresh process (`claims
    extract PAGE`, each batch worker) little wall time beside the rule model's load (~0.5 s)."""
    language = threading.Thread(target=clean.load_language_identifier, daemon=True)
    language.start()
    nlp = default_pipeline()
    language.join()  # before any page: two threads must not both load it (lru_cache does not lock)
    return nlp


def process_source(
    source: Source,
    *,
    published: str | None = None,
    path: str | None = None,
    settings: Settings | None = None,
    nlp: Language | None = None,
    fallback_published: str | None = None,
) -> Article:
    """`published` overrides the page's own date; `fallback_published` (a WARC-Date) is used only
    when neither is known."""
    settings = settings or default_settings()
    page = scrape(source, settings)
    paragraphs = clean.paragraphs(page.text)
    if not paragraphs:
        raise InputError(source.name, "no article text found")
    clean.check_language(source.name, "\n".join(paragraphs), settings.scrape.languages)
    paragraphs = repeated_paragraphs.remove_repeats(
        paragraphs,
        settings.repeated_paragraphs.paragraph_threshold,
        settings.repeated_paragraphs.min_paragraph_chars,
    )
    text = "\n".join(paragraphs)
    published = published or page.published or fallback_published
    article = Article(
        id=article_id(page.url, text),
        url=page.url,
        path=path if path is not None else (None if source.url else source.name),
        title=page.title,
        site=page.site,
        published=published,
        text=text,
        text_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    nlp = nlp or default_pipeline()
    parts = pieces(source.name, text, nlp.max_length)
    drafts = [
        shifted(d, start) for start, piece in parts for d in extract_claims(nlp, piece, published, page.title)
    ]
    article.claims = assemble(article, text, drafts, settings.extract.min_confidence)
    if len(parts) > 1:
        article.claims = merge_pieces(article.claims)
    return article


SENTENCE_END = re.compile(r"[.!?][\"'”)]*\s+")


def pieces(name: str, text: str, limit: int) -> list[tuple[int, str]]:
    """`text` as (offset, piece) pairs, each piece at most `limit` characters, cut between
    paragraphs or, inside a paragraph over the limit, after a sentence; `InputError` naming the
    limit when a single sentence is longer than that."""
    if len(text) <= limit:
        return [(0, text)]
    out: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit + 1]
        cut = window.rfind("\n") + 1  # after the last whole paragraph
        if cut <= 0:
            ends = [m.end() for m in SENTENCE_END.finditer(window) if m.end() <= limit]
            if not ends:
                raise InputError(
                    name,
                    f"a sentence of more than {limit:,} characters: over the pipeline's "
                    "limit (nlp.max_length)",
                )
            cut = ends[-1]
        out.append((start, text[start : start + cut].rstrip("\n")))
        start += cut
    out.append((start, text[start:]))
    return [(offset, piece) for offset, piece in out if piece.strip()]


def merge_pieces(claims: list[Claim]) -> list[Claim]:
    """One claim per `claim_id` (the first), counting the mentions of its copies in later pieces."""
    first: dict[str, Claim] = {}
    for claim in claims:
        if claim.claim_id in first:
            first[claim.claim_id].mentions += claim.mentions
        else:
            first[claim.claim_id] = claim
    return list(first.values())


def shifted(draft: ClaimDraft, offset: int) -> ClaimDraft:
    """A draft from a piece with its offsets into the whole text."""
    if not offset:
        return draft
    return dataclasses.replace(
        draft,
        evidence_start=draft.evidence_start + offset,
        evidence_end=draft.evidence_end + offset,
        sentence_start=draft.sentence_start + offset,
        sentence_end=draft.sentence_end + offset,
    )


def assemble(article: Article, text: str, drafts: list[ClaimDraft], min_confidence: float) -> list[Claim]:
    ref = ArticleRef(
        id=article.id, url=article.url, path=article.path, title=article.title, published=article.published
    )
    claims = []
    for d in drafts:
        if d.confidence < min_confidence or implausible(d.value, d.unit) or implausible(d.value_max, d.unit):
            continue  # unsure, or a figure no market has (`extractor.plausible`)
        qualifiers = dict(sorted(d.qualifiers.items()))
        claims.append(
            Claim(
                claim_id=claim_id(article.id, d.metric, d.subject.name, d.value, d.unit, d.as_of, qualifiers),
                article=ref,
                metric=cast(Metric, d.metric),  # a rule's metric: checked by the rule model's loader
                subject=d.subject.name,
                subject_type=cast(SubjectType, d.subject.type or "other"),
                symbol=d.subject.symbol,
                value=d.value,
                value_max=d.value_max,
                unit=d.unit,
                qualifiers=qualifiers,
                as_of=d.as_of,
                period=d.period,
                attributed_to=d.attributed_to,
                hedge=d.hedge,
                evidence=Evidence(
                    text=text[d.evidence_start : d.evidence_end],
                    sentence=text[d.sentence_start : d.sentence_end],
                    start=d.evidence_start,
                    end=d.evidence_end,
                ),
                mentions=d.mentions,
                confidence=round(d.confidence, 2),
                rule=d.rule,
            )
        )
    return claims
