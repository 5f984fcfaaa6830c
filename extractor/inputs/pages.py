"""Inputs: what the user names on the command line, read into `Source`s.

In: input specs as given (`page.html`, `notes.txt`, a folder, a URL, `-` for stdin).
Out: one `Source` per page (its name as given, its raw bytes, its URL when known), or an
`InputError` naming the input and the reason (missing path, unreachable URL, too large, a URL
of an internal address: see `extractor.fetch`).
A folder yields its `.html`/`.htm`/`.txt` files recursively, in sorted order.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from extractor.errors import InputError
from extractor.settings import Settings

PAGE_SUFFIXES = {".html", ".htm", ".txt"}


@dataclass(frozen=True, slots=True)
class Source:
    """One page the user gave, on its way into the pipeline (`pipeline.process_source`).

    Read here from a page file, a folder, a URL or stdin, or by `inputs.dumps` from a dump (a
    JSON Lines line, a WARC record, an archive member), which fills the fields below `charset`.
    """

    # how errors name the page and (in a batch) its resume key: the spec as given (a path, a URL,
    # "-") or its place in a dump (`dump.jsonl:17`, `crawl.warc.gz#12`, `pages.zip!a.html`)
    name: str
    content: bytes = b""
    content_type: str = "html"  # "html", or "text": a title line, then the body (`scrape.scrape`)
    url: str | None = None
    charset: str | None = None  # as the server declared it (Content-Type), for fetched pages
    input: str = ""  # the input spec a dump page came from, as given
    path: str | None = None  # `article.path`; None: the name (or nothing when `url` is known)
    published: str | None = None  # overrides the page's own date
    fallback_published: str | None = None  # used only when the page gives no date (WARC-Date)
    error: str | None = None  # why a dump page could not be read
    done: bool = False  # finished by an earlier batch run (content not read)


def is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def content_type_of(name: str, content: bytes) -> str:
    """Plain text unless the name says HTML or the bytes look like markup."""
    lower = name.lower()
    if lower.endswith((".html", ".htm")):
        return "html"
    if lower.endswith(".txt"):
        return "text"
    head = content[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe")
    if b"\x00" in head[:4]:  # UTF-16 or UTF-32: sniff the ASCII bytes of the markup
        head = head.replace(b"\x00", b"")
    head = head[:2048].lstrip().lower()
    return (
        "html"
        if head.startswith((b"<!doctype", b"<html", b"<?xml")) or b"<body" in head or b"<p>" in head
        else "text"
    )


def read_file(path: Path, name: str, settings: Settings) -> Source:
    if not path.exists():
        raise InputError(name, "no such file or folder")
    if not path.is_file():
        raise InputError(name, "not a regular file")
    size = path.stat().st_size
    if size > settings.scrape.max_input_bytes:
        raise InputError(
            name,
            f"file is {size:,} bytes, over the limit of {settings.scrape.max_input_bytes:,} (scrape.max_input_bytes)",
        )
    content = path.read_bytes()
    return Source(name=name, content=content, content_type=content_type_of(name, content))


def fetch(url: str, settings: Settings) -> Source:
    """Download a page (`extractor.fetch`: public addresses only, every redirect checked)."""
    from extractor.fetch import fetch_page

    final, content, charset = fetch_page(url, settings)
    return Source(
        name=url, content=content, url=url, content_type=content_type_of(final, content), charset=charset
    )


def iter_sources(specs: list[str], settings: Settings) -> Iterator[Source | InputError]:
    """Every page the specs name; a bad one is yielded as its error so the others still run."""
    for spec in specs:
        try:
            if spec == "-":
                content = sys.stdin.buffer.read()
                yield Source(name="-", content=content, content_type=content_type_of("-", content))
            elif is_url(spec):
                yield fetch(spec, settings)
            elif Path(spec).is_dir():
                files = sorted(
                    p for p in Path(spec).rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES
                )
                if not files:
                    yield InputError(spec, "folder holds no .html, .htm or .txt files")
                for file in files:
                    try:
                        yield read_file(file, str(file), settings)
                    except InputError as exc:
                        yield exc
            else:
                yield read_file(Path(spec), spec, settings)
        except InputError as exc:
            yield exc
