"""The errors file of a batch run: one JSON object per failed record.

    {"run": "20250508T100000Z-4242", "input": "dump.jsonl", "key": "dump.jsonl:17",
     "reason": "binary file, not HTML or text", "url": null, "time": "2025-05-08T10:00:00+00:00"}

Default `<sink file>.errors.jsonl` beside a file sink; for a database URL or stdout a file in
the current folder (`claims-batch-<hash of the URL>.errors.jsonl`, `claims-batch.errors.jsonl`);
`--errors FILE` to choose. The file is created only when a record fails, and appended to: each
line carries the id of its run, so two runs on one sink (at once or one after the other) each
keep their own record of failures. Each line is one `write` of a flushed line, so lines of two
writers do not interleave.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from extractor.errors import SinkError
from extractor.sinks import sink_kind


def default_errors_path(target: str) -> Path:
    """`<sink file>.errors.jsonl` beside a file sink; in the current folder for a URL or stdout."""
    kind = sink_kind(target)
    if kind == "stdout":
        return Path("claims-batch.errors.jsonl")
    if kind == "postgresql":
        digest = hashlib.sha256(target.encode("utf-8")).hexdigest()[:10]
        return Path(f"claims-batch-{digest}.errors.jsonl")
    path = target.removeprefix("sqlite:///")
    return Path(path + ".errors.jsonl")


def new_run_id() -> str:
    """When this run started (UTC), its process id and a random part (one process may run twice)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}-{secrets.token_hex(3)}"


class ErrorLog:
    """The errors file (see the module docstring), opened on the first failure."""

    def __init__(self, path: Path, run: str) -> None:
        self.path = path
        self.run = run
        self.count = 0
        self._file: BinaryIO | None = None

    def write(self, record: dict[str, Any]) -> None:
        line = {"run": self.run, **record, "time": datetime.now(UTC).isoformat(timespec="seconds")}
        try:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # unbuffered append: each line is a single write(2), whole even with two writers
                self._file = self.path.open("ab", buffering=0)
            self._file.write((json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))
        except OSError as exc:
            raise SinkError(f"{self.path}: cannot write the errors file ({exc.strerror or exc})") from None
        self.count += 1

    def close(self) -> None:
        if self._file:
            self._file.close()
            self._file = None
