"""Clean: scraped text in, normalized paragraphs out.

In: the main text of a page. Out: its paragraphs (one per line), with no-break and zero-width
spaces made plain, runs of spaces folded and empty lines dropped, so that the offsets of
evidence spans refer to text a reader would see. Also the English check.
"""

from __future__ import annotations

import re
import unicodedata

from extractor.errors import InputError

SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
ENGLISH_FUNCTION_WORDS = frozenset(
    "the of and to in a is that for on with as by at from was has are it its this be or an were have which".split()
)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
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


def english_ratio(text: str) -> float:
    """Share of words that are common English function words (English prose: about 0.2-0.35).
    Table rows (`| … |`) hold names and figures, not prose: they are left out of the count."""
    prose = "\n".join(line for line in text[:20000].split("\n") if not line.lstrip().startswith("|"))
    words = WORD.findall(prose.lower())
    if not words:
        return 0.0
    return sum(1 for w in words if w in ENGLISH_FUNCTION_WORDS) / len(words)


def check_english(name: str, text: str, min_ratio: float) -> None:
    ratio = english_ratio(text)
    if ratio < min_ratio:
        raise InputError(name, f"not an English page (English function words are {ratio:.0%} of its words)")
