"""Scrape: raw page bytes in, main text and metadata out.

In: a `Source` (HTML or plain text bytes). Out: a `Page` with the article's main text (HTML
through trafilatura: navigation, ads, related links and footers removed), title, URL, site and
publication date (with its time and zone when the page gives them). Plain text is taken as it
is, its first line being the title. Raises `InputError` for empty, binary or text-less input.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import trafilatura
from trafilatura.settings import Document

from extractor.errors import InputError
from extractor.inputs.pages import Source
from extractor.settings import Settings

DATE_PARAMS = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True, "extensive_search": True}


@dataclass(frozen=True, slots=True)
class Page:
    text: str
    title: str | None = None
    url: str | None = None
    site: str | None = None
    published: str | None = None


BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")  # below space, other than \t \n \f \r
META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def declared_charset(source: Source) -> str | None:
    """The encoding the bytes say they are in: a byte-order mark, the server's Content-Type
    charset, or an HTML `<meta charset>` in the first 4 KB (in that order)."""
    for bom, encoding in BOMS:
        if source.content.startswith(bom):
            return encoding
    if source.charset:
        return source.charset
    if source.content_type == "html":
        head = source.content[:4096]
        if head[:2].count(b"\x00") == 1:  # UTF-16 without a BOM: look for the tag in its ASCII bytes
            head = head.replace(b"\x00", b"")
        match = META_CHARSET.search(head)
        if match:
            return match.group(1).decode("ascii")
    return None


def decode(source: Source) -> str:
    """The text of the bytes. A byte-order mark (UTF-8/16/32) or a declared charset is honoured;
    otherwise UTF-8, then Windows-1252. `InputError` for empty, binary or undecodable input."""
    data = source.content
    if not data.strip():
        raise InputError(source.name, "empty input")
    declared = declared_charset(source)
    encoding = None
    if declared:
        try:
            encoding = codecs.lookup(declared).name
        except LookupError:
            encoding = None
    # a wide encoding only when the bytes are wide: a UTF-8 page that merely declares UTF-16 stays UTF-8
    wide = bool(encoding and encoding.startswith(("utf-16", "utf-32")) and b"\x00" in data[:8192])
    if declared and encoding is None and b"\x00" in data[:8192]:
        raise InputError(source.name, f"unsupported encoding {declared!r}")
    if not wide and b"\x00" in data[:8192]:
        raise InputError(source.name, "binary file, not HTML or text")
    if wide and encoding in ("utf-16", "utf-32") and not any(data.startswith(bom) for bom, _ in BOMS):
        encoding += "-be" if data[:1] == b"\x00" else "-le"  # no byte-order mark: the NULs tell the order
    candidates: list[str] = (
        [encoding] if wide and encoding else ["utf-8-sig", *([encoding] if encoding else []), "cp1252"]
    )
    for candidate in candidates:
        try:
            text = data.decode(candidate)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(source.name, f"cannot decode the bytes as {', '.join(candidates)}")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InputError(source.name, "empty input")
    controls = len(CONTROL_CHARS.findall(text, 0, 8192))
    if "\x00" in text or controls > 0.05 * min(len(text), 8192):
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
    if source.content_type == "text":
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
    # a `Document` (a dict only with as_dict=True, which is not asked for), or None: nothing found
    main_text = document.text if isinstance(document, Document) else None
    if (
        not isinstance(document, Document)
        or not main_text
        or len(main_text.strip()) < settings.scrape.min_text_chars
    ):
        raise InputError(source.name, "no article text found in the HTML")
    return Page(
        text=main_text,
        title=document.title,
        url=source.url or document.url,
        site=document.sitename or document.hostname,
        published=iso_published(document.date),
    )
