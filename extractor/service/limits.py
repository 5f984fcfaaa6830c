"""Limits that keep a worker healthy: request body size, extraction time, concurrent extractions.

* `BodySizeLimit` (ASGI middleware): a POST whose Content-Length is over the limit gets 413 at
  once, before any of its body is read; a body without Content-Length (chunked) is counted while
  it streams in and refused with 413 as soon as it passes the limit. Nothing over the limit is
  ever held in memory. A body that has not all arrived `timeout` seconds after the request began
  gets 408 (a client holding a half-sent body does not keep the connection for ever).
* `Busy` and `TimedOut`: what `workers.ExtractionPool` raises when every extraction slot is taken
  (503 + Retry-After: no queue builds up in the worker) and when an extraction runs over its time
  limit (504; the extraction process is killed).
"""

from __future__ import annotations

import asyncio
import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` with 413 and a JSON message (see the module docstring)."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(
                send,
                f"the request body is {declared:,} bytes, over the limit of "
                f"{self.max_bytes:,} bytes (max_body_bytes)",
            )
            return
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(deadline - time.monotonic(), 0))
            except TimeoutError:
                await self._refuse(
                    send,
                    f"the request body did not arrive within {self.timeout:g} seconds (body_timeout_seconds)",
                    status=408,
                    type="body_timeout",
                )
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(
                    send,
                    f"the request body grew past the limit of {self.max_bytes:,} bytes "
                    "(max_body_bytes) while streaming",
                )
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

    async def _refuse(
        self, send: Send, message: str, status: int = 413, type: str = "body_too_large"
    ) -> None:
        """A 413 (or 408) with the service's error body; the connection is closed (the rest of the body is unread)."""
        body = json.dumps(
            {
                "detail": f"body: {message}",
                "errors": [{"field": "body", "message": message, "type": type}],
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
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
