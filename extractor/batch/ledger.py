"""What a batch run leaves beside its sink: the progress ledger and the errors file.

Progress ledger (`<sink>.progress`; `--progress-file` to choose): one JSON object a line,
appended and flushed right after the sink has written a record's article:

    {"key": "dump.jsonl:17", "article": "3f0c…", "duplicate_of": null, "minhash": "base64…"}

A resumed run (`--resume`, the default) reads it first and skips those keys without reading
their pages, and rebuilds the near-duplicate index from the `minhash` of the originals. A last
line cut short by a kill is ignored. Only successes are listed: a failed record is tried again
by the next run. Why this is exactly-once: the sink writes an article atomically and
idempotently (upsert on claim_id; the JSONL sink skips claim ids it already holds), and the
ledger line follows the write. A kill before the write loses nothing; a kill between the
write and the ledger line makes the next run write the same article again, which adds nothing.

Errors file (`<sink>.errors.jsonl`; `--errors` to choose): one JSON object per failed record,
`{"input", "key", "reason", "url", "time"}`, rewritten by each run (a resumed run tries the
failed records again, so the file always lists the records that failed on the last try).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from extractor.errors import SinkError
from extractor.sinks import sink_kind


def sidecar(target: str, suffix: str) -> Path | None:
    """`<sink file><suffix>` beside a file sink; for a database URL a file in the current
    folder named after the URL; None for stdout."""
    kind = sink_kind(target)
    if kind == "stdout":
        return None
    if kind == "postgresql":
        digest = hashlib.sha256(target.encode("utf-8")).hexdigest()[:10]
        return Path(f"claims-batch-{digest}{suffix}")
    path = target.removeprefix("sqlite:///") if target.startswith("sqlite:///") else target
    return Path(path + suffix)


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    article: str
    duplicate_of: str | None
    minhash: bytes | None


def _parse(line: str) -> Entry | None:
    try:
        obj = json.loads(line)
        sig = base64.b64decode(obj["minhash"]) if obj.get("minhash") else None
        return Entry(obj["key"], obj["article"], obj.get("duplicate_of"), sig)
    except (ValueError, KeyError, TypeError):
        return None


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        if f.seek(0, 2) == 0:
            return True
        f.seek(-1, 2)
        return f.read(1) == b"\n"


class Ledger:
    """The progress ledger (see the module docstring); `path` None keeps nothing (stdout sink)."""

    def __init__(self, path: Path | None, entries: list[Entry]) -> None:
        self.path = path
        self.entries = entries
        self.done = {e.key for e in entries}
        self._file: TextIO | None = None

    @classmethod
    def open(cls, path: Path | None, resume: bool) -> Ledger:
        """Read the finished keys (when resuming) and open the ledger for appending; without
        `resume` the ledger is started anew."""
        if path is None:
            return cls(None, [])
        entries = cls.read(path) if resume else []
        ledger = cls(path, entries)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            ledger._file = path.open("a" if resume else "w", encoding="utf-8")
            if resume and not _ends_with_newline(path):
                ledger._file.write("\n")  # end a line torn by a kill
        except OSError as exc:
            raise SinkError(f"{path}: cannot open the progress ledger ({exc.strerror or exc})") from None
        return ledger

    @staticmethod
    def read(path: Path) -> list[Entry]:
        if not path.exists():
            return []
        with path.open(encoding="utf-8", errors="replace") as f:
            return [e for e in map(_parse, f) if e is not None]

    def add(self, key: str, article: str, duplicate_of: str | None, minhash: bytes | None) -> None:
        if self._file is None:
            return
        line = {"key": key, "article": article, "duplicate_of": duplicate_of,
                "minhash": base64.b64encode(minhash).decode("ascii") if minhash else None}
        self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._file.flush()
        self.done.add(key)

    def close(self) -> None:
        if self._file:
            self._file.close()
            self._file = None


class ErrorLog:
    """The errors file: one JSON object per failed record, flushed as it is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: TextIO = path.open("w", encoding="utf-8")
        except OSError as exc:
            raise SinkError(f"{path}: cannot open the errors file ({exc.strerror or exc})") from None

    def write(self, record: dict[str, Any]) -> None:
        record = {**record, "time": datetime.now(UTC).isoformat(timespec="seconds")}
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()
        self.count += 1

    def close(self) -> None:
        self._file.close()
