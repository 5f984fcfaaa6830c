"""Clean: scraped text in, normalized paragraphs out.

In: the main text of a page. Out: its paragraphs (one per line), with no-break and zero-width
spaces made plain, runs of spaces folded and empty lines dropped, so that the offsets of
evidence spans refer to text a reader would see. Also the language check (py3langid).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from extractor.errors import InputError

SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Markdown that feeds and mirrors leave in article text: [text](url), ![alt](url), **bold**, # headings
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")


def paragraphs(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = INVISIBLE.sub("", text)
    out = []
    for line in text.split("\n"):
        line = strip_markdown(line)
        line = SPACES.sub(" ", line).strip()
        if line:
            out.append(line)
    return out


def strip_markdown(line: str) -> str:
    """ "OppFi (NYSE:[OPFI](https://…))" -> "OppFi (NYSE:OPFI)": keep what a reader sees."""
    line = MARKDOWN_IMAGE.sub("", line)
    line = MARKDOWN_LINK.sub(r"\1", line)
    line = MARKDOWN_EMPHASIS.sub(r"\2", line)
    return MARKDOWN_HEADING.sub("", line)


def detect_language(text: str) -> str | None:
    """The language of a page's prose (ISO 639-1 code), by py3langid's model, which ships with the
    package (no download). Table rows (`| … |`) hold names and figures, not prose: they are left
    out. None when there is too little prose to tell."""
    prose = "\n".join(line for line in text[:20000].split("\n") if not line.lstrip().startswith("|"))
    if not _has_letters(prose, 20):
        return None
    language, _ = load_language_identifier().classify(prose)
    return str(language)


def _has_letters(text: str, count: int) -> bool:
    """At least `count` letters: stops at the `count`-th (counting all of a 20,000-character
    page, one character at a time, cost as much as a third of the language check)."""
    found = 0
    for ch in text:
        if ch.isalpha():
            found += 1
            if found >= count:
                return True
    return False


@lru_cache(maxsize=1)
def load_language_identifier():
    """py3langid's identifier, its model read in memory: `py3langid.classify` unpacks the model into
    a temporary file, which fails on a full disk (or under a file-size limit) before any page is read."""
    import io
    import lzma
    from array import array

    import numpy
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    def as_array(values):
        out = array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])
        out.frombytes(numpy.ascontiguousarray(values).tobytes())
        return out

    with (
        lzma.open(MODEL_DIR / MODEL_FILE) as packed,
        numpy.load(io.BytesIO(packed.read()), allow_pickle=False) as data,
    ):
        return LanguageIdentifier(
            data["ptc"],
            data["pc"],
            data["classes"].tolist(),
            as_array(data["nextmove"]),
            data["out_feat"].tolist(),
            tk_row=as_array(data["nextmove_row"]),
        )


def check_language(name: str, text: str, languages: list[str]) -> None:
    """Refuse a page whose prose is in none of `languages`, naming the language found."""
    language = detect_language(text)
    if language is None or language in languages:
        return
    if languages == ["en"]:
        raise InputError(name, f"not an English page (its language reads as {language!r})")
    raise InputError(name, f"its language reads as {language!r}, not one of {', '.join(languages)}")
