"""The server's database (`claims serve --db URL`): opened on first use, shared by all requests.

In: a database target (SQLite file, `sqlite:///` URL or PostgreSQL URL). Out: `write(article)`
(idempotent, via `open_sink(...).write_article`), `read(**filters)` (via `read_claims`) and
`ping()` for /readyz. A database that is down when the server starts is retried on every use, so
the server starts anyway and /readyz reports 503 until it answers. Errors are `SinkError`s.
"""

from __future__ import annotations

import threading
from typing import Any

from extractor.errors import MarketClaimsError
from extractor.schemas import Article, Claim
from extractor.sinks import Sink, open_sink, read_claims
from extractor.sinks.sql import display_name


class Database:
    """A lazily opened sink on `url`; methods are safe to call from several threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = display_name(url)
        self._sink: Sink | None = None
        self._lock = threading.Lock()

    def sink(self) -> Sink:
        """The open sink (opened, and the schema migrated, on first use); `SinkError` when unreachable."""
        with self._lock:
            if self._sink is None:
                self._sink = open_sink(self.url)
            return self._sink

    def write(self, article: Article) -> int:
        """Write the article and its claims (idempotent); return how many claims were new."""
        return self.sink().write_article(article)

    def read(self, **filters: Any) -> list[Claim]:
        """`read_claims` with `filters` (subject, metric, since, until, source, limit, offset)."""
        target = getattr(self.sink(), "engine", None) or self.url  # reuse the sink's pool when it has one
        return read_claims(target, **filters)

    def ping(self) -> str:
        """`ok` when the database answers a query, else the reason it does not."""
        try:
            self.read(limit=1)
        except MarketClaimsError as exc:
            return str(exc)
        except Exception as exc:  # a probe reports every failure as "not ready", never raises
            return f"{self.name}: {type(exc).__name__}: {exc}"
        return "ok"

    def close(self) -> None:
        with self._lock:
            if self._sink is not None:
                self._sink.close()
                self._sink = None
