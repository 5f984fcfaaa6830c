"""Claim extraction: a spaCy pipeline on `spacy.blank("en")` with our own components.

build_pipeline() -> Language        # tokenizer + market_sentences + market_claims
extract_claims(nlp, text, published) -> list[ClaimDraft]
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language

from extractor.extract import components  # noqa: F401 - registers the factories
from extractor.extract.draft import ClaimDraft
from extractor.extract.tokens import ChunkCachingTokenizer


def build_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("market_sentences")
    nlp.add_pipe("market_claims")
    nlp.tokenizer = ChunkCachingTokenizer(nlp.tokenizer)  # the same tokens, from spaCy's cache
    return nlp


@lru_cache(maxsize=1)
def default_pipeline() -> Language:
    """The pipeline, built once per process (loading the rule model takes ~0.1 s)."""
    return build_pipeline()


def extract_claims(
    nlp: Language, text: str, published: str | None, title: str | None = None
) -> list[ClaimDraft]:
    doc = nlp.make_doc(text)
    doc._.published = published
    doc._.title = title
    for _, component in nlp.pipeline:
        doc = component(doc)
    return list(doc._.claims or [])


__all__ = ["ClaimDraft", "build_pipeline", "default_pipeline", "extract_claims"]
