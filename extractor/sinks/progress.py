"""Resume progress kept *with* the sink: which batch records the sink already holds.

A batch run writes each finished record together with its article: SQL sinks into their
`batch_records` table in the article's own transaction (`sinks.sql`), the JSON Lines sink into
its ledger `<file>.progress` (`JsonlLedger` below) right after the claims. A resumed run asks
the sink (`Sink.done_records()`) and skips only the records whose claims the sink still holds,
so a deleted, truncated or replaced sink is redone, not trusted.

JSON Lines ledger: one JSON object a line,

    {"key": "dump.jsonl:17", "input": "dump.jsonl", "article": "3f0c…", "duplicate_of": null,
     "minhash": "base64…", "published": "2025-05-08", "claims": ["49718fc2bc426f5f", …]}

An entry is trusted only when every claim id it lists is in the sink file (an entry without
claims loses nothing when trusted). A last line cut short by a kill is ignored. A key may
appear on several lines: the last one holds (a record is listed again when its article's
`duplicate_of` changes, see `sinks.jsonl`).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from extractor.errors import SinkError


@dataclass(frozen=True, slots=True)
class DoneRecord:
    """A batch record whose article is in the sink."""

    key: str  # the record key (`dump.jsonl:17`, `pages/a.html`, `crawl.warc.gz#12`)
    input: str  # the input it came from
    article: str  # the article id
    duplicate_of: str | None = None
    minhash: bytes | None = None  # MinHash of the text (see `batch.near_duplicates`), to rebuild the index
    published: str | None = None  # the article's publication date (which of near-duplicates is the original)


@dataclass(slots=True)
class Progress:
    """What a sink reports at the start of a resumed run."""

    done: dict[str, DoneRecord] = field(default_factory=dict)  # by record key, in write order
    lost: int = 0  # records listed as done whose claims the sink no longer holds (redone)


def ledger_path(sink_file: Path) -> Path:
    return sink_file.with_name(sink_file.name + ".progress")


def _parse(line: str) -> tuple[DoneRecord, list[str]] | None:
    try:
        obj = json.loads(line)
        sig = base64.b64decode(obj["minhash"]) if obj.get("minhash") else None
        entry = DoneRecord(
            obj["key"],
            obj.get("input", ""),
            obj["article"],
            obj.get("duplicate_of"),
            sig,
            obj.get("published"),
        )
        return entry, list(obj.get("claims") or [])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


class JsonlLedger:
    """The progress ledger of a JSON Lines sink file; opened for appending on the first `add`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: TextIO | None = None
        self.claims: dict[str, list[str]] = {}  # record key -> claim ids, of the entries `read` trusted

    def read(self, sink_claims: set[str]) -> Progress:
        """The entries whose claims are all in `sink_claims` (the claim ids of the sink file)."""
        progress, lost = Progress(), set()
        self.claims = {}
        if not self.path.exists():
            return progress
        with self.path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                parsed = _parse(line)
                if parsed is None:
                    continue
                entry, claim_ids = parsed
                if sink_claims.issuperset(claim_ids):
                    progress.done[entry.key] = entry
                    self.claims[entry.key] = claim_ids
                    lost.discard(entry.key)
                else:  # the sink was deleted, truncated or replaced since
                    progress.done.pop(entry.key, None)
                    self.claims.pop(entry.key, None)
                    lost.add(entry.key)
        progress.lost = len(lost)
        return progress

    def add(self, entry: DoneRecord, claim_ids: list[str]) -> None:
        line = {
            "key": entry.key,
            "input": entry.input,
            "article": entry.article,
            "duplicate_of": entry.duplicate_of,
            "minhash": base64.b64encode(entry.minhash).decode("ascii") if entry.minhash else None,
            "published": entry.published,
            "claims": claim_ids,
        }
        try:
            if self._file is None:
                self._file = self._open()
            self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
            self._file.flush()
        except OSError as exc:
            raise SinkError(
                f"{self.path}: cannot write the progress ledger ({exc.strerror or exc})"
            ) from None

    def _open(self) -> TextIO:
        file = self.path.open("a", encoding="utf-8")
        if file.tell() and not _ends_with_newline(self.path):
            file.write("\n")  # end a line torn by a kill
        return file

    def close(self) -> None:
        if self._file:
            self._file.close()
            self._file = None


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        if f.seek(0, 2) == 0:
            return True
        f.seek(-1, 2)
        return f.read(1) == b"\n"
