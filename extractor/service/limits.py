"""Limits that keep a worker healthy: request body size, extraction time, concurrent extractions.

* `BodySizeLimit` (ASGI middleware): a POST whose Content-Length is over the limit gets 413 at
  once, before any of its body is read; a body without Content-Length (chunked) is counted while
  it streams in and refused with 413 as soon as it passes the limit. Nothing over the limit is
  ever held in memory.
* `ExtractionRunner`: runs blocking work (fetch, scrape, spaCy) in threads, at most
  `max_concurrency` at once, so the event loop keeps answering /healthz. A call when every slot is
  taken raises `Busy` at once (the app answers 503 + Retry-After: no queue builds up in the
  worker); a call still running after `timeout` seconds raises `TimedOut` (504). Python cannot
  kill a thread: a timed-out extraction is abandoned and keeps its slot until it ends, so the
  bound on running extractions always holds.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

T = TypeVar("T")


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` with 413 and a JSON message (see the module docstring)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send, f"the request body is {declared:,} bytes, over the limit of "
                                     f"{self.max_bytes:,} bytes (max_body_bytes)")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send, f"the request body grew past the limit of {self.max_bytes:,} bytes "
                                         "(max_body_bytes) while streaming")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as servers do

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, message: str) -> None:
        """A 413 with the service's error body; the connection is closed (the rest of the body is unread)."""
        body = json.dumps({
            "detail": f"body: {message}",
            "errors": [{"field": "body", "message": message, "type": "body_too_large"}],
        }).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class Busy(Exception):
    """Every extraction slot of this worker is taken."""


class TimedOut(Exception):
    """The extraction did not finish within the time limit."""


class ExtractionRunner:
    """Run blocking calls in at most `max_concurrency` threads, each awaited for `timeout` seconds.

    One daemon thread per call: an abandoned (timed-out) call never keeps the process from
    shutting down, and its slot is released only when the thread ends.
    """

    def __init__(self, max_concurrency: int, timeout: float) -> None:
        self.max_concurrency = max_concurrency
        self.timeout = timeout
        self.running = 0  # touched only from the event loop thread

    async def run(self, fn: Callable[[], T]) -> T:
        """`fn()` in a thread; `Busy` when no slot is free, `TimedOut` after `timeout` seconds."""
        if self.running >= self.max_concurrency:
            raise Busy
        self.running += 1
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        future.add_done_callback(self._release)

        def work() -> None:
            try:
                outcome: tuple[T | None, BaseException | None] = (fn(), None)
            except Exception as exc:  # handed to the awaiting request
                outcome = (None, exc)
            except BaseException as exc:  # SystemExit and the like: still settle, so the slot is freed
                outcome = (None, RuntimeError(f"extraction aborted: {exc!r}"))
            try:
                loop.call_soon_threadsafe(_settle, future, *outcome)
            except RuntimeError:  # the loop is closed: the server has shut down
                pass

        threading.Thread(target=work, name="extract", daemon=True).start()
        try:
            # shield: a timeout (or a client going away) must not cancel the future, whose end
            # is what releases the slot
            return await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except TimeoutError:
            raise TimedOut from None

    def _release(self, future: asyncio.Future) -> None:
        self.running -= 1
        if not future.cancelled():
            future.exception()  # retrieved, so an abandoned failure is not logged as "never retrieved"


def _settle(future: asyncio.Future, result: object, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
