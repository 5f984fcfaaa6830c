"""Claims in a JSON Lines file, or on stdout: one claim per line, exactly `Claim.to_record()`.

In: `Article` models (with their claims). Out: lines appended to the file; `read_claims(path)`
gives them back as `Claim` models.

The file is an append-only log, made idempotent by the claim ids:

* On open the sink reads the `claim_id` (and article id) of every line already in the file and
  never writes one of them again, so a re-run or a resumed run adds nothing twice. (A rewritten
  article whose claims changed only *adds* the new claims: a JSONL file never loses a line; use
  a database for replace-on-rewrite.)
* A last line cut short by a crash (no newline, not JSON) is removed on open; any other line
  that is not a claim record is a `SinkError` naming the file and line.
* Lines are written and flushed per article, in one `write` call. Flushing is not `fsync`: a
  power cut may lose the last articles; a resumed batch run sees their claims missing and
  redoes them.
* One writer at a time: concurrent writers belong in a database (`extractor.sinks.sql`).

Batch runs (`write_record`) also keep a progress ledger `<file>.progress` (see
`sinks.progress`): written only by `write_record`, after the record's claims. `claims extract
--to FILE` writes the claims file alone.

U+0085, U+2028 and U+2029 are written as `\\u` escapes so that readers splitting lines on any
Unicode line break (Python's `str.splitlines`) still see one claim per line.

`-` writes to stdout: ids are only remembered for the current run and nothing counts as done.
Runs (`start_run` / `finish_run`) have no table here: they only keep counts in memory.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from extractor.errors import SinkError
from extractor.schemas import Article, Claim
from extractor.sinks.progress import DoneRecord, JsonlLedger, Progress, ledger_path
from extractor.sinks.sql import unique_claims

if TYPE_CHECKING:  # a type only: extractor.batch imports the sinks
    from extractor.batch.near_duplicates import NearDuplicates

_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def record_line(claim: Claim) -> str:
    """The claim as one line of JSON (without the newline)."""
    return json.dumps(claim.to_record(), ensure_ascii=False).translate(_LINE_BREAKS)


def read_claims(path: str | Path) -> list[Claim]:
    """The claims of a JSON Lines file written by this sink (or `claims db export`)."""
    path = Path(path)
    out = []
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    out.append(Claim.model_validate_json(line))
                except ValueError as exc:
                    raise SinkError(f"{path}:{number}: not a claim record ({exc})") from None
    return out


def _scan_claim_ids(path: Path) -> tuple[set[str], set[str], bool]:
    """The claim ids and article ids in `path`, and whether it ends without a newline.

    A last line cut short (no newline, not JSON) is truncated away.
    """
    ids: set[str] = set()
    article_ids: set[str] = set()
    offset, unterminated = 0, False
    with path.open("rb+") as f:
        for number, line in enumerate(f, 1):
            start, offset = offset, offset + len(line)
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                ids.add(record["claim_id"])
                article_ids.add(record["article"]["id"])
            except (ValueError, KeyError, TypeError):
                if not line.endswith(b"\n"):  # torn last write: drop it
                    f.truncate(start)
                    return ids, article_ids, False
                raise SinkError(
                    f"{path}:{number}: not a claim record; is this a claims JSONL file?"
                ) from None
            unterminated = not line.endswith(b"\n")
    return ids, article_ids, unterminated


class JsonlSink:
    """A sink appending claim records to a JSON Lines file (or stdout); see the module docstring."""

    def __init__(
        self,
        stream: TextIO,
        path: Path | None = None,
        *,
        seen: set[str] | None = None,
        articles: set[str] | None = None,
    ) -> None:
        self.path = path
        self.name = str(path) if path else "-"
        self._stream = stream
        self._ledger = JsonlLedger(ledger_path(path)) if path else None
        self._seen = seen or set()
        self._articles = articles or set()  # articles with claims in the file, or listed as done
        self.articles_written = 0
        self.claims_written = 0
        self.runs: list[dict[str, Any]] = []
        # the ledger's records by article and key, with their claim ids (to list them again)
        self._records: dict[str, dict[str, tuple[DoneRecord, list[str]]]] = {}
        self._duplicates_loaded = False

    @classmethod
    def open(cls, target: str) -> JsonlSink:
        """`-` is stdout; any other target is a file path, created with its folder when missing."""
        if target == "-":
            return cls(sys.stdout)
        path = Path(target).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            seen, articles, unterminated = _scan_claim_ids(path)
            stream = path.open("a", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise SinkError(f"{target}: cannot open for writing ({exc.strerror or exc})") from None
        if unterminated:
            stream.write("\n")
        return cls(stream, path, seen=seen, articles=articles)

    def write_article(self, article: Article) -> int:
        """Append the article's claims not yet in the file and flush; how many were new."""
        fresh = [c for c in unique_claims(article) if c.claim_id not in self._seen]
        if fresh:
            try:
                self._stream.write("".join(record_line(c) + "\n" for c in fresh))
                self._stream.flush()
            except OSError as exc:
                self._drop_partial_write()
                raise SinkError(
                    f"{self.name}: cannot write article {article.id} ({exc.strerror or exc})"
                ) from None
        self._seen.update(c.claim_id for c in fresh)
        if fresh:
            self._articles.add(article.id)
        self.articles_written += 1
        self.claims_written += len(fresh)
        return len(fresh)

    def _drop_partial_write(self) -> None:
        """After a failed write (a full disk): cut the file back to its last whole line, so
        that no claim is half-written; the next open would do it too."""
        if self.path is None:
            return
        try:
            self._stream = _reopen_at_last_line(self.path, self._stream)
        except OSError:
            pass  # the next open truncates the torn line

    def write_record(
        self, article: Article, record: DoneRecord, duplicates: NearDuplicates | None = None
    ) -> int:
        """`write_article`, then the record in the progress ledger (after its claims are flushed).

        With `duplicates` (the run's near-duplicate index, which first gets the articles the
        ledger lists), `article.duplicate_of` is decided and written into the ledger line; every
        record of an article whose `duplicate_of` changes because this one is earlier is listed
        again with its new link (the last line of a key holds). The claims file has no
        `duplicate_of`.
        """
        plan = None
        if duplicates is not None and duplicates.enabled and record.minhash is not None:
            self._load_duplicates(duplicates)
            plan = duplicates.plan(article.id, article.published, record.minhash)
            article.duplicate_of = plan.duplicate_of
            # the rank the index gave it, for the next run's index
            record = replace(record, duplicate_of=plan.duplicate_of, published=article.published)
        new = self.write_article(article)
        if self._ledger:
            claim_ids = sorted(c.claim_id for c in unique_claims(article))
            self._ledger.add(record, claim_ids)
            self._records.setdefault(article.id, {})[record.key] = (record, claim_ids)
            self._articles.add(article.id)
            for other, original in sorted(plan.others().items()) if plan else ():
                self._relist(other, original)
        if plan and duplicates is not None:
            duplicates.commit(plan)
        return new

    def _load_duplicates(self, duplicates: NearDuplicates) -> None:
        """Put the articles of the records the ledger lists (read by `done_records`) into the
        index, once; a record whose listed link is not the index's (a kill came between a record
        and the re-listing of the copies it re-linked) is listed again with the right one."""
        if self._duplicates_loaded:
            return
        self._duplicates_loaded = True
        for records in self._records.values():
            for entry, _ in records.values():
                duplicates.add(entry.article, entry.published, entry.minhash)
        for article in self._records:
            if article in duplicates:
                self._relist(article, duplicates.link(article), only_changed=True)

    def _relist(self, article: str, original: str | None, *, only_changed: bool = False) -> None:
        """List the records of `article` again in the ledger, with `duplicate_of` = `original`."""
        assert self._ledger is not None
        records = self._records.get(article, {})
        for key, (entry, ids) in sorted(records.items()):
            if only_changed and entry.duplicate_of == original:
                continue
            relinked = replace(entry, duplicate_of=original)
            self._ledger.add(relinked, ids)
            records[key] = (relinked, ids)

    def done_records(self) -> Progress:
        """The ledger's records whose claims are all still in the file."""
        if self._ledger is None:
            return Progress()
        progress = self._ledger.read(self._seen)
        self._articles.update(entry.article for entry in progress.done.values())
        self._records = {}
        for key, entry in progress.done.items():
            self._records.setdefault(entry.article, {})[key] = (entry, self._ledger.claims[key])
        return progress

    def write_articles(self, batch: Iterable[Article]) -> int:
        """Write several articles (one after the other: a file has no transactions)."""
        return sum(self.write_article(article) for article in batch)

    def known_article_ids(self) -> set[str]:
        """Articles with claims in the file (and, after `done_records`, those the ledger lists)."""
        return set(self._articles)

    def has_article(self, article_id: str) -> bool:
        return article_id in self._articles

    def start_run(self, inputs: list[str] | None = None, version: str | None = None) -> None:
        self.runs.append({"inputs": inputs, "version": version, "counts": None})

    def finish_run(self, counts: dict[str, Any] | None = None) -> None:
        if self.runs and self.runs[-1]["counts"] is None:
            self.runs[-1]["counts"] = {
                "articles_written": self.articles_written,
                "claims_written": self.claims_written,
                **(counts or {}),
            }

    def close(self) -> None:
        self.finish_run()
        if self.path:
            self._stream.close()
        else:
            self._stream.flush()
        if self._ledger:
            self._ledger.close()

    def __enter__(self) -> JsonlSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reopen_at_last_line(path: Path, stream: TextIO) -> TextIO:
    """Close `stream`, cut `path` after its last newline, and open it again for appending."""
    try:
        stream.close()
    except OSError:
        pass  # the buffered rest is what is being dropped
    with path.open("rb+") as f:
        data_end = f.seek(0, 2)
        keep = 0
        step = 1 << 16
        pos = data_end
        while pos > 0:
            start = max(0, pos - step)
            f.seek(start)
            chunk = f.read(pos - start)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                keep = start + cut + 1
                break
            pos = start
        f.truncate(keep)
    return path.open("a", encoding="utf-8", newline="\n")
