"""The driver of a batch run: records → engine → near-duplicates → sink (with its progress).

In: a record stream (`inputs.dumps.iter_records`), an engine (`runner.LocalEngine` or
`ray_engine.RayEngine`), an open sink, the errors file, the near-duplicate index and a display.
Out: `Counts`, and `exit_code(counts)`.

Only the driver writes: each successful outcome is written with `sink.write_record` (the
article, its claims and the record's progress entry; atomic and idempotent), which also decides
its `duplicate_of` with the near-duplicate index against everything the sink holds; each failed
one goes to the errors file and is reported on stderr as one line.
Records the sink already holds are counted as skipped and never reach the engine.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Protocol

from extractor.batch.failures import ErrorLog
from extractor.batch.near_duplicates import NearDuplicates
from extractor.batch.process import Outcome
from extractor.inputs.pages import Source
from extractor.sinks import DoneRecord, Sink

NEARLY_ALL = 0.9  # share of failed records from which the exit code is 3


@dataclass
class Counts:
    records: int = 0  # attempted by this run (articles + errors)
    skipped: int = 0  # already in the sink (resume)
    articles: int = 0
    claims: int = 0  # claims new in the sink
    duplicates: int = 0  # articles linked to an earlier near-duplicate
    errors: int = 0
    started: float = field(default_factory=time.monotonic, repr=False)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def as_dict(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {k: v for k, v in asdict(self).items() if k != "started"}
        out["seconds"] = round(self.seconds, 1)
        return out


def exit_code(counts: Counts) -> int:
    """0 none of this run's records failed, 1 some did, 3 nearly all (>= 90 %) of the records
    this run attempted failed *and* they are nearly all of the input (records skipped as already
    in the sink count against it): a rerun that only retries the few failures of an earlier run
    is 1, not 3."""
    if counts.errors == 0:
        return 0
    return 3 if counts.errors >= NEARLY_ALL * (counts.records + counts.skipped) else 1


class Engine(Protocol):
    """`runner.LocalEngine` or `ray_engine.RayEngine`: outcomes in input order."""

    name: str

    def map(self, records: Iterable[Source]) -> Iterator[Outcome]: ...

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc: object) -> None: ...


class Display(Protocol):
    def skipped(self, n: int) -> None: ...

    def done(self, counts: Counts) -> None: ...

    def error(self, message: str) -> None: ...


class BatchJob:
    """One run; `run(records)` returns its counts."""

    def __init__(
        self, engine: Engine, sink: Sink, errors: ErrorLog, duplicates: NearDuplicates, display: Display
    ) -> None:
        self.engine = engine
        self.sink = sink
        self.errors = errors
        self.duplicates = duplicates
        self.display = display
        self.counts = Counts()

    def run(self, records: Iterable[Source]) -> Counts:
        for outcome in self.engine.map(self._todo(records)):
            if outcome.ok:
                self._write(outcome)
            else:
                self._fail(outcome)
            self.counts.records += 1
            self.display.done(self.counts)
        return self.counts

    def _todo(self, records: Iterable[Source]) -> Iterator[Source]:
        for record in records:
            if record.done:
                self.counts.skipped += 1
                self.display.skipped(1)
            else:
                yield record

    def _write(self, outcome: Outcome) -> None:
        article = outcome.article
        assert article is not None
        done = DoneRecord(outcome.key, outcome.input, article.id, None, outcome.signature, article.published)
        self.counts.claims += self.sink.write_record(article, done, self.duplicates)
        self.counts.articles += 1
        self.counts.duplicates += article.duplicate_of is not None

    def _fail(self, outcome: Outcome) -> None:
        self.errors.write(outcome.error_record())
        self.counts.errors += 1
        reason = " ".join(str(outcome.reason).split())  # one line, whatever the reason says
        self.display.error(f"error: {outcome.key}: {reason}")
