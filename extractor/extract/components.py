"""spaCy components of market-claims, registered with `Language.factory`.

    nlp = spacy.blank("en")
    nlp.add_pipe("market_claims", config={"published": "2025-05-08"})
    doc = nlp(text)
    doc._.claims          # list[ClaimDraft], one per fact, restatements merged

`market_sentences` marks sentence starts (punctuation and line breaks: a heading or an FAQ
question ends at its line); `market_claims` runs it itself when the doc has no sentences yet.
The publication date comes from `doc._.published` when set, else from the component config;
`doc._.title` (optional) names the article's main subject when the text does not hold the title.
"""

from __future__ import annotations

from datetime import datetime

import numpy
from spacy.attrs import IS_QUOTE, LIKE_NUM, ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from extractor.extract.dating import session_day
from extractor.extract.draft import Context
from extractor.extract.link import carry_source, link_sentence
from extractor.extract.merge import drop_price_outliers, merge_restatements
from extractor.extract.sentences import Sentence, build_sentences
from extractor.extract.tables import TableContext, table_claims
from extractor.extract.tokens import tokens_of
from extractor.normalize import find_dates, find_durations, find_quantities
from extractor.rules import Entry, RuleModel, load_rule_model

if not Doc.has_extension("claims"):
    Doc.set_extension("claims", default=None)
if not Doc.has_extension("published"):
    Doc.set_extension("published", default=None)
if not Doc.has_extension("title"):
    Doc.set_extension("title", default=None)

SENTENCE_END = {".", "!", "?", "…"}


def mark_sentences(doc: Doc) -> Doc:
    """A sentence starts after . ! ? (before a capital, a digit or a quote) and after every line break.
    Only the starts are marked (every other token is left unset, which spaCy reads as "not a start"):
    setting each token is the slow part of sentence splitting. The tests are read from arrays (one
    per distinct token text, then by token), not token by token."""
    n = len(doc)
    if n == 0:
        return doc
    values = doc.to_array([ORTH, LIKE_NUM, IS_QUOTE])
    orths, by_token = numpy.unique(values[:, 0], return_inverse=True)
    strings = doc.vocab.strings
    texts = [strings[int(orth)] for orth in orths]
    line_break = numpy.array(["\n" in t for t in texts], dtype=bool)[by_token]
    stop = numpy.array([t in SENTENCE_END for t in texts], dtype=bool)[by_token]
    opens = numpy.array([t[:1].isupper() for t in texts], dtype=bool)[by_token]
    opens |= values[:, 1].astype(bool) | values[:, 2].astype(bool)  # a capital, a number, a quote
    starts = numpy.zeros(n, dtype=bool)
    starts[0] = True
    starts[1:] = line_break[:-1] | (stop[:-1] & opens[1:])  # spaCy's whitespace_ never holds a line break
    marks = starts.astype(numpy.int64)
    inside = numpy.flatnonzero(~starts)
    if len(inside):
        marks[inside[0]] = -1  # spaCy counts a doc as split only once a later token is marked
    # one call, not a setter per token (spaCy's stubs want Ints2d; a uint64 column is what it reads)
    doc.from_array([SENT_START], marks.view(numpy.uint64).reshape(-1, 1))  # type: ignore[arg-type]
    return doc


@Language.component("market_sentences")
def market_sentences(doc: Doc) -> Doc:
    return mark_sentences(doc)


def parse_published(published: str | None) -> datetime | None:
    if not published:
        return None
    try:
        return datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return None


def is_heading(line: str) -> bool:
    """ "Momentum gauges reset", "3. Momentum across timeframes", "FAQ": short, with no full stop."""
    line = line.strip()
    return len(line) < 70 and not line.endswith((".", "!", "?", ":", ";", ",", '"', "”"))


def lead_sentences(sentences: list[Sentence], text: str, limit: int = 2) -> list[Sentence]:
    """The first sentences of the story's first paragraph that is not a heading (its lead)."""
    lead: list[Sentence] = []
    for sentence in sentences:
        start = sentence.span.start_char
        line_end = text.find("\n", start)
        line = text[text.rfind("\n", 0, start) + 1 : line_end if line_end >= 0 else None]
        if is_heading(line) or line.lstrip().startswith("|"):
            if lead:
                break
            continue
        if lead and "\n" in text[lead[-1].span.end_char : start]:
            break  # the lead paragraph has ended
        lead.append(sentence)
        if len(lead) == limit:
            break
    return lead


def main_subject(sentences, title_hits=()) -> Entry | None:
    """The subject the title names first, else the one the article names most often (the first of the most frequent)."""
    for hit in title_hits:
        if hit.group == "subject" and hit.entry is not None:
            return hit.entry
    counts: dict[str, int] = {}
    entries: dict[str, Entry] = {}
    for sentence in sentences:
        for hit in sentence.names("subject"):
            if hit.rule_id == "subject.named_mover":
                continue
            counts[hit.entry.name] = counts.get(hit.entry.name, 0) + 1
            entries.setdefault(hit.entry.name, hit.entry)
    if not counts:
        return None
    best = max(counts.values())
    return next(entries[name] for name in counts if counts[name] == best)


class MarketClaims:
    """Finds the claims of a doc: figures, names, dates and rule hits, linked sentence by sentence."""

    def __init__(self, nlp: Language, name: str, published: str | None, model: RuleModel) -> None:
        self.nlp = nlp
        self.name = name
        self.published = published
        self.model = model

    def __call__(self, doc: Doc) -> Doc:
        if not doc.has_annotation("SENT_START"):
            mark_sentences(doc)
        published = doc._.published or self.published
        anchor = parse_published(published)
        tokens = tokens_of(doc)  # the token attributes, read once for every rule of the doc
        text = tokens.text_of_doc  # Doc.text rebuilds the string on every access
        sentences = build_sentences(
            doc, self.model, find_quantities, find_dates(text, anchor), find_durations(text)
        )
        title = doc._.title
        title_hits = self.model.match(self.nlp.make_doc(title)) if title else []
        title_dates = find_dates(title, anchor) if title else []
        context = Context(
            topic=main_subject(sentences, title_hits),
            published=published,
            fund_groups=self.model.fund_groups,
            spot_etfs=self.model.spot_etfs,
            stock_market=self.model.by_name.get("u.s. stock market"),
            composites=self.model.composites,
            story_day=session_day(title_dates, lead_sentences(sentences, text), published),
        )
        drafts = []
        story_day = context.story_day
        for sentence in sentences:
            if sentence.span_text.lstrip().startswith("|"):
                continue  # a table row: read by column below
            first = sentence.span.start
            if first == 0 or "\n" in tokens.text[first - 1]:  # spaCy's whitespace_ never holds a line break
                line_end = text.find("\n", sentence.span.start_char)
                context.new_paragraph(
                    heading=is_heading(text[sentence.span.start_char : line_end if line_end >= 0 else None])
                )
            drafts.extend(link_sentence(sentence, published, context))
            story_day = story_day or (context.as_of[:10] if context.as_of else None)
        # a table that names no date holds figures of the day the story's lead speaks of
        tables = TableContext(
            nlp=self.nlp, model=self.model, published=published, anchor=anchor, story_day=story_day
        )
        for draft in table_claims(text, tables):
            carry_source(draft, context)  # "…, according to etf.com daily fund flows data" above the table
            drafts.append(draft)
        doc._.claims = drop_price_outliers(merge_restatements(drafts))
        return doc


COMPONENT_CONFIG = {"published": None, "models_path": None}


def make_market_claims(
    nlp: Language, name: str, published: str | None, models_path: str | None
) -> MarketClaims:
    from pathlib import Path

    return MarketClaims(
        nlp, name, published, load_rule_model(nlp, Path(models_path) if models_path else None)
    )


# "market_claims_v1" is the versioned name a saved pipeline's config records; "market_claims" is
# the short name for `nlp.add_pipe`. Both are also entry points (pyproject `spacy_factories`), so
# `spacy.load` finds them in a fresh process that never imported this package.
Language.factory("market_claims_v1", default_config=COMPONENT_CONFIG, func=make_market_claims)
Language.factory("market_claims", default_config=COMPONENT_CONFIG, func=make_market_claims)
