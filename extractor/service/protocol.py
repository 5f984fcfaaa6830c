"""uvicorn's h11 protocol with a time limit on request headers (slow-loris connections).

uvicorn closes idle kept-alive connections (`timeout_keep_alive`) but waits for ever for a client
that sends half a request line or half its headers. `HeaderTimeoutProtocol` closes such a
connection when the headers of a request have not all arrived `header_timeout` seconds after
its first byte (or after the connection opened). The body has its own limit, in the app
(`limits.BodySizeLimit`: 408 when it has not all arrived within `body_timeout_seconds`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("extractor.service")


class HeaderTimeoutProtocol(H11Protocol):
    """H11Protocol that closes a connection whose request headers take over `header_timeout` seconds."""

    def __init__(self, *args: Any, header_timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self._header_timer: asyncio.TimerHandle | None = None
        self._timed_cycle: Any = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and self.cycle is not self._timed_cycle:  # a request's headers are in
            self._timed_cycle = self.cycle
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            log.warning(
                "closed a connection from %s: no complete request headers within %g s (header_timeout_seconds)",
                f"{self.client[0]}:{self.client[1]}" if self.client else "?",
                self.header_timeout,
            )
            self.transport.close()
