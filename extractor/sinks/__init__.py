"""Where claims go: `open_sink(target)` picks a sink from the target's form.

In: a target string (or None). Out: an open `Sink`; write `Article`s into it, then close it
(or use it as a context manager).

| target | sink |
|---|---|
| None | SQLite file `claims.db` in the current folder |
| `*.db`, `*.sqlite`, `*.sqlite3`, `sqlite:///…` | SQLite (`sinks.sql`) |
| `postgresql://…`, `postgres://…`, `postgresql+psycopg://…` | PostgreSQL (`sinks.sql`) |
| `*.jsonl` | JSON Lines file (`sinks.jsonl`) |
| `-` | JSON Lines on stdout |

Every sink is idempotent: writing the same article twice adds nothing the second time, so a
re-run or a resumed run never duplicates a claim. Batch runs write through `write_record`, which
also records the batch record as done *in the sink* (`sinks.progress`); `done_records()` gives
back the records whose claims the sink still holds, which a resumed run skips.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from extractor.errors import SinkError
from extractor.lazy import lazy_attributes
from extractor.sinks.progress import DoneRecord, Progress

if TYPE_CHECKING:
    from extractor.schemas import Article
    from extractor.sinks import sql
    from extractor.sinks.jsonl import JsonlSink
    from extractor.sinks.sql import SqlSink, read_claims, stats

# The sinks load on first use (PEP 562): both need SQLAlchemy (~0.2 s to import), which
# `claims extract` without `--to` and `claims --help` (it shows DEFAULT_TARGET) never use.
_LAZY = {
    "sql": "extractor.sinks.sql",
    "SqlSink": "extractor.sinks.sql",
    "read_claims": "extractor.sinks.sql",
    "stats": "extractor.sinks.sql",
    "JsonlSink": "extractor.sinks.jsonl",
}


__getattr__ = lazy_attributes(__name__, globals(), _LAZY)


if TYPE_CHECKING:  # a type only: extractor.batch imports the sinks
    from extractor.batch.near_duplicates import NearDuplicates

DEFAULT_TARGET = "claims.db"


@runtime_checkable
class Sink(Protocol):
    """What the pipeline writes into."""

    name: str  # the target, as shown in messages (no password)

    def write_article(self, article: Article) -> int:
        """Write the article and all its claims, all or none; return how many claims are new."""
        ...

    def write_articles(self, batch: Iterable[Article]) -> int:
        """Write several articles; databases do it in one transaction (all or none)."""
        ...

    def write_record(
        self, article: Article, record: DoneRecord, duplicates: NearDuplicates | None = None
    ) -> int:
        """Write the article and list the batch record as done (databases: one transaction).

        With `duplicates`, also decide `article.duplicate_of` against every article the sink
        holds and re-link the articles for which this one is the earlier original."""
        ...

    def done_records(self) -> Progress:
        """The batch records listed as done whose claims the sink still holds."""
        ...

    def known_article_ids(self) -> set[str]:
        """Ids of the articles already written."""
        ...

    def has_article(self, article_id: str) -> bool: ...

    def start_run(self, inputs: list[str] | None = None, version: str | None = None) -> Any:
        """Record that a run over `inputs` started (databases: a row of `runs`)."""
        ...

    def finish_run(self, counts: dict[str, Any] | None = None) -> None:
        """Record the end of the current run with its counts (merged with the sink's own)."""
        ...

    def close(self) -> None:
        """Finish an unfinished run, flush and release the target."""
        ...

    def __enter__(self) -> Sink: ...

    def __exit__(self, *exc: object) -> None: ...


def sink_kind(target: str) -> str:
    """`sqlite`, `postgresql`, `jsonl` or `stdout`; `SinkError` for anything else."""
    if target == "-":
        return "stdout"
    if target.lower().endswith(".jsonl") and "://" not in target:
        return "jsonl"
    from extractor.sinks import sql

    url = sql.database_url(target)  # raises SinkError naming what is accepted
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def open_sink(target: str | None, *, run_info: dict[str, Any] | None = None) -> Sink:
    """Open the sink for `target` (None: `claims.db` here).

    `run_info` (`{"inputs": [...], "version": "..."}`) starts a run at once; `close()` finishes it.
    """
    from extractor.sinks.jsonl import JsonlSink
    from extractor.sinks.sql import ACCEPTED, SqlSink

    target = DEFAULT_TARGET if target is None else target
    try:
        kind = sink_kind(target)
    except SinkError:
        raise SinkError(f"{target}: not a sink; expected a *.jsonl file, '-' (stdout), {ACCEPTED}") from None
    sink: Sink = JsonlSink.open(target) if kind in ("jsonl", "stdout") else SqlSink.open(target)
    if run_info is not None:
        sink.start_run(run_info.get("inputs"), run_info.get("version"))
    return sink


__all__ = [
    "DEFAULT_TARGET",
    "DoneRecord",
    "JsonlSink",
    "Progress",
    "Sink",
    "SqlSink",
    "open_sink",
    "read_claims",
    "sink_kind",
    "sql",
    "stats",
]
