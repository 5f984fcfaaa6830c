"""Dump readers: what `claims batch` is given, read into a stream of `Source`s.

In: input specs as the user gives them, and `Fields` (which JSON keys hold what). An input is

* a folder, searched recursively for `.html`, `.htm`, `.txt` and their `.gz` versions;
* a glob (`crawl/*.warc.gz`, `pages/**/*.html`), each match read by its suffix;
* a JSON Lines dump (`.jsonl`, `.ndjson`, optionally `.gz`): one article a line, its page in
  `html` or its plain text in `text`, with optional `url`, `title`, `published` and `id`;
* a WARC file (`.warc`, `.warc.gz`): its response (and resource) records holding HTML, read
  with warcio; the target URI fills `url`, and WARC-Date is the publication date of a page
  that gives none;
* a `.tar`, `.tar.gz`/`.tgz` or `.zip` archive of pages;
* a single page file (read with `extractor.inputs.pages`), or an http(s) URL.

Out: `Source`s (`inputs.pages.Source`, the type `claims extract` reads pages into), streamed in
input order (nothing is held but the current one). Each has a `name` that is stable across
runs — `pages/a.html`, `dump.jsonl:17` (line 17), `crawl.warc.gz#12` (the 12th record of the
file), `pages.zip!2025/a.html` (member) — and is the key by which a resumed run skips what is
done. A record whose name is in `done` is yielded with
`done=True` and without reading its content. A record that cannot be read (oversized, bad
JSON, no page field) is yielded with `error` set: the runner logs it and goes on.
"""

from __future__ import annotations

import glob
import gzip
import json
import tarfile
import zipfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import IO, Any, Protocol

from extractor.errors import InputError
from extractor.inputs.pages import PAGE_SUFFIXES, Source, content_type_of, fetch, is_url, read_file
from extractor.settings import Settings

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")
ZIP_SUFFIXES = (".zip",)
GLOB_CHARS = "*?["


class Stream(Protocol):
    """What the readers read from: a binary file, a gzip stream, an archive member."""

    def read(self, size: int = -1, /) -> bytes: ...

    def readline(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Fields:
    """Where a JSON Lines record keeps its parts (dotted names reach into objects: `meta.url`)."""

    html: str = "html"
    text: str = "text"
    url: str = "url"
    title: str = "title"
    published: str = "published"
    id: str = "id"


def page_name(name: str) -> str | None:
    """The name without `.gz` when it names a page (`.html`, `.htm`, `.txt`), else None."""
    plain = name[:-3] if name.lower().endswith(".gz") else name
    return plain if Path(plain).suffix.lower() in PAGE_SUFFIXES else None


def is_glob(spec: str) -> bool:
    return any(c in spec for c in GLOB_CHARS) and not Path(spec).exists()


def check_inputs(specs: list[str]) -> None:
    """Raise `InputError` for a spec that names nothing (a usage error, found before the run)."""
    for spec in specs:
        if is_url(spec) or Path(spec).exists():
            continue
        if is_glob(spec):
            if not any(True for _ in glob.iglob(spec, recursive=True)):
                raise InputError(spec, "the pattern matches no file")
            continue
        raise InputError(spec, "no such file or folder")


def iter_records(
    specs: list[str],
    settings: Settings,
    fields: Fields = Fields(),
    published: str | None = None,
    done: Collection[str] = (),
) -> Iterator[Source]:
    """Every record of every input, in order. `published` is the default publication date of
    records that carry none of their own; keys in `done` come back as `done=True` records."""
    for spec in specs:
        for record in _read_spec(spec, settings, fields, done):
            if record.done or record.error:
                yield record
            else:
                yield replace(record, published=record.published or published)


def _read_spec(spec: str, settings: Settings, fields: Fields, done: Collection[str]) -> Iterator[Source]:
    if is_url(spec):
        yield _url_record(spec, settings, done)
    elif Path(spec).is_dir():
        yield from read_folder(spec, settings, done)
    elif is_glob(spec):
        for match in sorted(glob.iglob(spec, recursive=True)):
            if Path(match).is_file():
                yield from _read_file_spec(match, settings, fields, done)
    else:
        yield from _read_file_spec(spec, settings, fields, done)


def _read_file_spec(spec: str, settings: Settings, fields: Fields, done: Collection[str]) -> Iterator[Source]:
    lower = spec.lower()
    if lower.endswith(JSONL_SUFFIXES):
        yield from read_jsonl(spec, settings, fields, done)
    elif lower.endswith(WARC_SUFFIXES):
        yield from read_warc(spec, settings, done)
    elif lower.endswith(TAR_SUFFIXES):
        yield from read_tar(spec, settings, done)
    elif lower.endswith(ZIP_SUFFIXES):
        yield from read_zip(spec, settings, done)
    else:
        yield read_page_file(Path(spec), spec, spec, settings, done)


def too_large(size: int, settings: Settings) -> str:
    limit = settings.scrape.max_input_bytes
    return f"record is {size:,} bytes, over the limit of {limit:,} (scrape.max_input_bytes)"


def read_limited(stream: Stream, settings: Settings) -> tuple[bytes, str | None]:
    """At most `max_input_bytes` of `stream`; the error when there is more."""
    limit = settings.scrape.max_input_bytes
    data = stream.read(limit + 1)
    if len(data) > limit:
        return b"", f"record is over the limit of {limit:,} bytes (scrape.max_input_bytes)"
    return data, None


# --------------------------------------------------------------------------- pages and folders


def read_page_file(path: Path, key: str, spec: str, settings: Settings, done: Collection[str]) -> Source:
    """One page file (`.gz` is decompressed); plain files through `extractor.inputs.pages.read_file`."""
    if key in done:
        return Source(name=key, input=spec, done=True)
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as f:
                content, error = read_limited(f, settings)
            name = page_name(path.name) or path.name[:-3]
            return Source(
                name=key,
                input=spec,
                content=content,
                content_type=content_type_of(name, content),
                error=error,
            )
        source = read_file(path, key, settings)
    except InputError as exc:
        return Source(name=key, input=spec, error=exc.reason)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        return Source(name=key, input=spec, error=f"cannot read ({exc})")
    return Source(name=key, input=spec, content=source.content, content_type=source.content_type)


def read_folder(spec: str, settings: Settings, done: Collection[str]) -> Iterator[Source]:
    """The pages of a folder, recursively, in sorted order; keys are the paths (`spec/sub/a.html`)."""
    files = sorted(p for p in Path(spec).rglob("*") if p.is_file() and page_name(p.name))
    for file in files:
        yield read_page_file(file, str(file), spec, settings, done)


def _url_record(url: str, settings: Settings, done: Collection[str]) -> Source:
    if url in done:
        return Source(name=url, input=url, done=True)
    try:
        source = fetch(url, settings)
    except InputError as exc:
        return Source(name=url, input=url, url=url, error=exc.reason)
    if len(source.content) > settings.scrape.max_input_bytes:
        return Source(name=url, input=url, url=url, error=too_large(len(source.content), settings))
    return Source(name=url, input=url, content=source.content, content_type=source.content_type, url=url)


# --------------------------------------------------------------------------- JSON Lines


def _open_binary(path: str) -> IO[bytes]:
    if path.lower().endswith(".gz"):
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")  # noqa: SIM115


def _lines(stream: Stream, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) pairs; a line longer than `limit` comes as None, without being held."""
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of the long line
                line = stream.readline(1 << 20)
            yield number, None
        else:
            yield number, line


def _field(obj: dict[str, Any], dotted: str) -> Any:
    value: Any = obj
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _check_iso(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"field {name!r} is not an ISO 8601 date: {value!r}") from None
    return str(value)


def jsonl_record(obj: Any, key: str, spec: str, fields: Fields) -> Source:
    """A JSON Lines object as a record (`html` wins over `text`; `title` heads plain text)."""
    if not isinstance(obj, dict):
        return Source(name=key, input=spec, error="line is not a JSON object")
    html, text = _field(obj, fields.html), _field(obj, fields.text)
    url, title, ident = _field(obj, fields.url), _field(obj, fields.title), _field(obj, fields.id)
    try:
        published = _check_iso(_field(obj, fields.published), fields.published)
    except ValueError as exc:
        return Source(name=key, input=spec, error=str(exc))
    path = str(ident) if ident not in (None, "") else None
    url = str(url) if url else None
    if isinstance(html, str) and html.strip():
        return Source(
            name=key,
            input=spec,
            content=html.encode("utf-8"),
            content_type="html",
            url=url,
            path=path,
            published=published,
        )
    if isinstance(text, str) and text.strip():
        body = f"{title}\n{text}" if isinstance(title, str) and title.strip() else text
        return Source(
            name=key,
            input=spec,
            content=body.encode("utf-8"),
            content_type="text",
            url=url,
            path=path,
            published=published,
        )
    return Source(
        name=key,
        input=spec,
        error=f"no page: neither {fields.html!r} nor {fields.text!r} holds a non-empty string",
    )


def read_jsonl(spec: str, settings: Settings, fields: Fields, done: Collection[str]) -> Iterator[Source]:
    """One record per non-blank line; keys are `spec:LINE`."""
    limit = settings.scrape.max_input_bytes
    try:
        stream = _open_binary(spec)
    except OSError as exc:
        yield Source(name=spec, input=spec, error=f"cannot read ({exc.strerror or exc})")
        return
    with stream:
        try:
            for number, line in _lines(stream, limit):
                key = f"{spec}:{number}"
                if line is not None and not line.strip():
                    continue
                if key in done:
                    yield Source(name=key, input=spec, done=True)
                elif line is None:
                    yield Source(
                        name=key,
                        input=spec,
                        error=f"line is over the limit of {limit:,} bytes (scrape.max_input_bytes)",
                    )
                else:
                    yield _parse_line(line, key, spec, fields)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            yield Source(name=f"{spec}:end", input=spec, error=f"dump cut short or corrupt ({exc})")


def _parse_line(line: bytes, key: str, spec: str, fields: Fields) -> Source:
    try:
        obj = json.loads(line)
    except UnicodeDecodeError:
        return Source(name=key, input=spec, error="line is not UTF-8")
    except ValueError as exc:
        return Source(name=key, input=spec, error=f"line is not JSON ({exc})")
    return jsonl_record(obj, key, spec, fields)


# --------------------------------------------------------------------------- WARC


def warc_date(value: str | None) -> str | None:
    """WARC-Date (`2025-03-11T14:42:00Z`) as ISO 8601 with an offset."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


def _is_html_record(record: Any) -> bool:
    if record.rec_type == "response":
        http = record.http_headers
        if http is None:
            return False
        status = http.get_statuscode() or ""
        return status.startswith("2") and "html" in (http.get_header("Content-Type") or "").lower()
    if record.rec_type == "resource":
        return "html" in (record.rec_headers.get_header("Content-Type") or "").lower()
    return False


def read_warc(spec: str, settings: Settings, done: Collection[str]) -> Iterator[Source]:
    """The HTML response records of a WARC file; keys are `spec#N` (N-th record of the file, from 1).
    Other records are passed over."""
    from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]
    from warcio.exceptions import ArchiveLoadFailed  # type: ignore[import-untyped]

    number = 0
    try:
        with open(spec, "rb") as f:
            for number, record in enumerate(ArchiveIterator(f), 1):
                if not _is_html_record(record):
                    continue
                key = f"{spec}#{number}"
                if key in done:
                    yield Source(name=key, input=spec, done=True)
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or None
                fallback = warc_date(record.rec_headers.get_header("WARC-Date"))
                content, error = read_limited(record.content_stream(), settings)
                yield Source(
                    name=key,
                    input=spec,
                    content=content,
                    content_type="html",
                    url=url,
                    fallback_published=fallback,
                    error=error,
                )
    except ArchiveLoadFailed:
        # warcio's message quotes the file's first bytes: binary noise, not a reason
        what = "not a WARC file" if number == 0 else f"WARC file corrupt after record {number}"
        yield Source(name=f"{spec}#end", input=spec, error=what)
    except Exception as exc:  # warcio fails on malformed records in many ways (even AttributeError)
        what = "not a WARC file" if number == 0 else f"WARC file cut short or corrupt after record {number}"
        yield Source(name=f"{spec}#end", input=spec, error=f"{what} ({type(exc).__name__}: {str(exc)[:120]})")
    else:
        if number == 0:
            yield Source(name=f"{spec}#end", input=spec, error="not a WARC file (no WARC record in it)")


# --------------------------------------------------------------------------- archives


def _member_record(
    key: str, spec: str, name: str, size: int, opener: Callable[[], IO[bytes]], settings: Settings
) -> Source:
    if size > settings.scrape.max_input_bytes:
        return Source(name=key, input=spec, path=key, error=too_large(size, settings))
    with opener() as raw:
        stream: Stream = gzip.GzipFile(fileobj=raw) if name.lower().endswith(".gz") else raw
        content, error = read_limited(stream, settings)
    return Source(
        name=key,
        input=spec,
        content=content,
        content_type=content_type_of(page_name(name) or name, content),
        path=key,
        error=error,
    )


def read_tar(spec: str, settings: Settings, done: Collection[str]) -> Iterator[Source]:
    """The pages in a tar archive (streamed: members are read in archive order); keys are `spec!MEMBER`."""
    try:
        with tarfile.open(spec, "r|*") as archive:
            for member in archive:
                if not member.isfile() or not page_name(member.name):
                    continue
                key = f"{spec}!{member.name}"
                if key in done:
                    yield Source(name=key, input=spec, done=True)
                    continue

                def opener(member: tarfile.TarInfo = member) -> IO[bytes]:
                    stream = archive.extractfile(member)
                    assert stream is not None
                    return stream

                yield _safe_member(key, spec, member.name, member.size, opener, settings)
    except (tarfile.TarError, OSError, EOFError) as exc:
        yield Source(name=f"{spec}!end", input=spec, error=f"archive cut short or corrupt ({exc})")


def read_zip(spec: str, settings: Settings, done: Collection[str]) -> Iterator[Source]:
    """The pages in a zip archive, in archive order; keys are `spec!MEMBER`."""
    try:
        with zipfile.ZipFile(spec) as archive:
            for info in archive.infolist():
                if info.is_dir() or not page_name(info.filename):
                    continue
                key = f"{spec}!{info.filename}"
                if key in done:
                    yield Source(name=key, input=spec, done=True)
                    continue
                yield _safe_member(
                    key, spec, info.filename, info.file_size, partial(archive.open, info), settings
                )
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        yield Source(name=f"{spec}!end", input=spec, error=f"archive cut short or corrupt ({exc})")


def _safe_member(
    key: str, spec: str, name: str, size: int, opener: Callable[[], IO[bytes]], settings: Settings
) -> Source:
    """A member as a record; a member that fails to decompress becomes an error record."""
    try:
        return _member_record(key, spec, name, size, opener, settings)
    except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
        return Source(name=key, input=spec, path=key, error=f"cannot read archive member ({exc})")


class Everything:
    """A `done` collection that holds every key: reading with it only counts records."""

    def __contains__(self, key: object) -> bool:
        return True

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Iterator[str]:
        return iter(())


def count_records(specs: list[str], settings: Settings, fields: Fields = Fields()) -> int:
    """How many records the inputs hold, without reading pages or fetching URLs."""
    everything = Everything()
    return sum(1 for spec in specs for _ in _read_spec(spec, settings, fields, everything))
