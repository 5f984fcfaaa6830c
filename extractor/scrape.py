"""Scrape: raw page bytes in, main text and metadata out.

In: a `Source` (HTML or plain text bytes). Out: a `Page` with the article's main text (HTML
through trafilatura: navigation, ads, related links and footers removed), title, URL, site and
publication date (with its time and zone when the page gives them). Plain text is taken as it
is, its first line being the title. Raises `InputError` for empty, binary or text-less input.
"""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura

from extractor.errors import InputError
from extractor.settings import Settings
from extractor.sources import Source

DATE_PARAMS = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True, "extensive_search": True}


@dataclass(frozen=True, slots=True)
class Page:
    text: str
    title: str | None = None
    url: str | None = None
    site: str | None = None
    published: str | None = None


def decode(source: Source) -> str:
    data = source.content
    if not data.strip():
        raise InputError(source.name, "empty input")
    if b"\x00" in data[:8192]:
        raise InputError(source.name, "binary file, not HTML or text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything; kept for clarity
        raise InputError(source.name, "cannot decode the bytes as UTF-8 or Windows-1252")
    controls = sum(1 for c in text[:8192] if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise InputError(source.name, "binary file, not HTML or text")
    return text


def iso_published(value: str | None) -> str | None:
    """htmldate's "%Y-%m-%dT%H:%M:%S%z" as ISO 8601; a bare date when the page gives no time."""
    if not value:
        return None
    if len(value) >= 24 and value[-5] in "+-":
        value = f"{value[:-2]}:{value[-2:]}"
    if value.endswith("T00:00:00"):
        return value[:10]
    return value


def scrape(source: Source, settings: Settings) -> Page:
    text = decode(source)
    if source.kind == "text":
        lines = text.splitlines()
        title = lines[0].strip() or None
        body = "\n".join(lines[1:])
        if not body.strip():
            raise InputError(source.name, "no article text (a title line and nothing else)")
        return Page(text=body, title=title, url=source.url)
    document = trafilatura.bare_extraction(
        text,
        url=source.url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=DATE_PARAMS,
    )
    body = getattr(document, "text", None) if document is not None else None
    if not body or len(body.strip()) < settings.scrape.min_text_chars:
        raise InputError(source.name, "no article text found in the HTML")
    return Page(
        text=body,
        title=document.title,
        url=source.url or document.url,
        site=document.sitename or document.hostname,
        published=iso_published(document.date),
    )
