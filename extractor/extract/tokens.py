"""The token attributes the rules read, as plain lists, read once per doc.

`doc[i].text` builds a `Token` object on every access (about half a microsecond), and the rules
ask for the same few attributes of the same tokens again and again: an article of 700 tokens cost
thousands of such calls per rule. `tokens_of(doc)` reads each attribute once through
`Doc.to_array` and keeps the lists in `doc.user_data`, so every rule of the doc shares them:
`tokens.lower[i]` is `doc[i].lower_`, `tokens.text[i]` is `doc[i].text`, and so on.

The doc must not change after the first call (the pipeline never retokenizes): the lists would
be those of the old tokens. Sentence starts are read at the first call too, so call it after
`mark_sentences`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy
from spacy.attrs import IDX, IS_ALPHA, IS_LOWER, IS_UPPER, LIKE_NUM, LOWER, ORTH, SENT_START, SPACY
from spacy.tokens import Doc

_KEY = "market_claims.tokens"


@dataclass(frozen=True, slots=True)
class Tokens:
    text: list[str]
    lower: list[str]
    idx: list[int]  # start character of each token
    sent_start: list[bool]  # `Token.is_sent_start` is true (1, not unset or -1)
    is_alpha: list[bool]
    is_lower: list[bool]
    is_upper: list[bool]
    like_num: list[bool]
    text_of_doc: str  # `Doc.text`, which spaCy rebuilds from the tokens on every access
    line_breaks: list[int]  # the tokens holding a line break (spaCy's whitespace_ never holds one)
    memo: dict[object, object] = field(default_factory=dict)  # per-doc answers of the rules

    def __len__(self) -> int:
        return len(self.text)


def _strings(doc: Doc, ids: numpy.ndarray) -> list[str]:
    """The strings of a column of string ids: one lookup per distinct id, then a list index per token."""
    distinct, by_token = numpy.unique(ids, return_inverse=True)
    strings = doc.vocab.strings
    values = [strings[int(i)] for i in distinct]
    return [values[i] for i in by_token.tolist()]


def tokens_of(doc: Doc) -> Tokens:
    """The token lists of `doc`, read at the first call and kept with the doc."""
    cached = doc.user_data.get(_KEY)
    if cached is not None:
        return cached
    if len(doc) == 0:
        tokens = Tokens([], [], [], [], [], [], [], [], "", [])
    else:
        columns = doc.to_array([ORTH, LOWER, IDX, SENT_START, IS_ALPHA, IS_LOWER, IS_UPPER, LIKE_NUM, SPACY])
        text = _strings(doc, columns[:, 0])
        spaces = columns[:, 8].tolist()  # a token's trailing white space is one space or none
        tokens = Tokens(
            text=text,
            lower=_strings(doc, columns[:, 1]),
            idx=columns[:, 2].tolist(),
            # SENT_START is stored unsigned: 1 a start, 0 unset, -1 (read as 2**64 - 1) not a start
            sent_start=(columns[:, 3] == 1).tolist(),
            is_alpha=columns[:, 4].astype(bool).tolist(),
            is_lower=columns[:, 5].astype(bool).tolist(),
            is_upper=columns[:, 6].astype(bool).tolist(),
            like_num=columns[:, 7].astype(bool).tolist(),
            text_of_doc="".join([t + " " if space else t for t, space in zip(text, spaces, strict=True)]),
            line_breaks=[i for i, t in enumerate(text) if "\n" in t],
        )
    doc.user_data[_KEY] = tokens
    return tokens


def tokens_until(doc: Doc, first: int, end_char: int) -> int:
    """The end token (exclusive) of a mention that starts at token `first` and ends at character
    `end_char` ("52-week" is three tokens, "over a month" three)."""
    return max(first + 1, bisect.bisect_left(tokens_of(doc).idx, end_char, first))


class ChunkCachingTokenizer:
    """spaCy's tokenizer, with its cache of chunks (the text between white space) kept filled.

    spaCy caches how it split each chunk, but within a doc it stops caching at the first chunk
    that uses a special case ("U.S.", "'s", "Inc."): that flag stays set for the rest of the doc,
    so most chunks of an article were split again, affix regexes and all, in every article (about
    4/5 of the tokenizer's time). Splitting a chunk never seen before on its own, first, puts it in
    the cache the way the start of any doc would; the doc is then tokenized by spaCy as before, from
    the cache. The tokens are the same: the cache holds spaCy's own answer for that chunk, and the
    doc-wide special cases are still applied by spaCy. Every other attribute (`to_disk`, `explain`,
    …) is the wrapped tokenizer's.
    """

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        self._seen: set[str] = set()
        # spaCy stops adding to its cache at `max_cache_size` chunks: past that, warming is wasted
        self._limit = tokenizer.max_cache_size

    def __call__(self, text: str) -> Doc:
        seen, tokenizer = self._seen, self.tokenizer
        if len(seen) < self._limit:
            for chunk in text.split():  # str.split and spaCy cut chunks at the same (isspace) characters
                if chunk not in seen:
                    seen.add(chunk)
                    tokenizer(chunk)
        return tokenizer(text)

    def __getattr__(self, name: str):
        return getattr(self.tokenizer, name)
