"""Extractions in child processes, so a timed-out one is really stopped and its slot freed.

    pool = ExtractionPool(size, timeout, config); await pool.start()
    article = await pool.run(Job(...))    # Busy when no slot is free, TimedOut after `timeout` s

Each slot is one child process (forked from a `forkserver` that has imported spaCy and the
pipeline code once, so a fresh child is quick to start) that builds the spaCy pipeline once,
runs one warm-up extraction, then takes jobs from a pipe: fetch (for a bare URL), scrape,
extract. A job still running after `timeout` seconds is killed with its process (SIGKILL): the
client gets its 504 at once, and a fresh process takes the slot (ready within a second: the
pipeline's build and a warm-up extraction). While no slot is free — all busy or restarting — `free` is 0 and
/readyz answers 503. A child that dies on its own is replaced the same way.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from extractor.errors import InputError
from extractor.schemas import Article
from extractor.service.limits import Busy, TimedOut

log = logging.getLogger("extractor.service")
START_SECONDS = 180  # a child that is not ready by then (a loaded machine) is given up on
PRELOAD = ["extractor.service.workers", "extractor.pipeline", "extractor.inputs.pages", "extractor.fetch"]


@dataclass(frozen=True)
class Job:
    """One document to extract: `content` (html/text bytes, `field` says which) or a bare `url`."""

    field: str
    content: bytes | None = None
    url: str | None = None
    published: str | None = None
    path: str | None = None


class WorkerFailed(RuntimeError):
    """A child process died or raised something unexpected (a bug: the app answers 500)."""


# --------------------------------------------------------------------------- the child


def run_job(job: Job, settings: Any, nlp: Any) -> Article:
    """The blocking work for one job (also the warm-up), in the child process."""
    from extractor.inputs.pages import fetch
    from extractor.pipeline import process_article, process_source

    if job.content is not None:
        article = process_article(
            job.content,
            url=job.url,
            published=job.published,
            path=job.path,
            content_type=job.field,
            settings=settings,
            nlp=nlp,
        )
    else:
        source = fetch(job.url or "", settings)
        article = process_source(source, published=job.published, path=job.path, settings=settings, nlp=nlp)
    for claim in article.claims:
        if not all(math.isfinite(v) for v in (claim.value, claim.value_max) if v is not None):
            raise OverflowError(f"a figure is too large to represent: {claim.evidence.text!r}")
    return article


def child_main(conn: Connection, config: str | None, warmups: list[Job]) -> None:
    """A child's life: load the pipeline, say ready, then answer jobs until the pipe closes."""
    from extractor.extract import default_pipeline
    from extractor.settings import Settings

    settings = Settings.load(config)
    nlp = default_pipeline()
    for job in warmups:
        run_job(job, settings, nlp)
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the parent has gone
            return
        if job is None:
            return
        try:
            reply: tuple[str, Any] = ("ok", run_job(job, settings, nlp))
        except InputError as exc:
            reply = ("input_error", (exc.input, exc.reason))
        except OverflowError as exc:
            reply = ("overflow", exc.args)
        except Exception as exc:  # a bug: the parent logs it and answers 500
            reply = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        conn.send(reply)


# --------------------------------------------------------------------------- the parent


class Slot:
    """One child process and the parent's end of its pipe."""

    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.idle = False  # True when ready and not working

    def kill(self) -> None:
        """Kill the process; the pipe is closed by whoever last uses it (see `ExtractionPool._replace`)."""
        if self.process.is_alive():
            self.process.kill()


class ExtractionPool:
    """`size` child processes taking one job each at a time (see the module docstring)."""

    def __init__(
        self, size: int, timeout: float, config: str | None, warmups: list[Job] | None = None
    ) -> None:
        self.size = size
        self.timeout = timeout
        self.config = config
        self.warmups = warmups or []
        self.slots: list[Slot] = []
        # forkserver: a clean single-threaded process that has imported spaCy and the pipeline code
        # once; each child forks from it and only builds the pipeline (a fraction of a second)
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(PRELOAD)
        # blocking pipe reads and process starts; never more than two per slot at once
        self.executor = ThreadPoolExecutor(max_workers=2 * size + 2, thread_name_prefix="extraction-pool")
        self.closed = False
        self._restarts: set[asyncio.Task] = set()

    @property
    def free(self) -> int:
        return sum(slot.idle for slot in self.slots)

    def describe(self) -> str:
        return f"{self.free} of {self.size} extraction slots free"

    async def start(self) -> None:
        """Start every child and wait until each is ready."""
        self.slots = await asyncio.gather(*(self._spawn() for _ in range(self.size)))

    async def _spawn(self) -> Slot:
        parent, child = self.context.Pipe(duplex=True)
        process = self.context.Process(
            target=child_main,
            args=(child, self.config, self.warmups),
            name="market-claims-extraction",
            daemon=True,
        )
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.executor, process.start)
        child.close()
        slot = Slot(process, parent)
        ready = await loop.run_in_executor(self.executor, _receive, parent, START_SECONDS)
        if ready is None or ready[0] != "ready":
            slot.kill()
            parent.close()
            raise WorkerFailed(f"an extraction process did not start (exit code {process.exitcode})")
        slot.idle = True
        return slot

    async def run(self, job: Job) -> Article:
        """The job's article; `Busy` when no slot is free, `TimedOut` after `timeout` seconds,
        `InputError` / `OverflowError` as the pipeline raised them."""
        slot = next((s for s in self.slots if s.idle), None)
        if slot is None:
            raise Busy
        slot.idle = False
        loop = asyncio.get_running_loop()
        reply: tuple[str, Any] | None = None
        future = loop.run_in_executor(self.executor, _exchange, slot.conn, job)
        future.add_done_callback(_retrieve)
        try:
            # shield: a timeout (or a client that went away) must not leave the slot half-used
            reply = await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except TimeoutError:
            raise TimedOut from None
        finally:
            if reply is None or reply[0] == "lost":
                self._replace(slot, future)
            else:
                slot.idle = True
        outcome, value = reply
        if outcome == "ok":
            return value
        if outcome == "input_error":
            raise InputError(*value)
        if outcome == "overflow":
            raise OverflowError(*value)
        raise WorkerFailed(f"extraction failed: {value}")

    def _replace(self, slot: Slot, exchange: asyncio.Future) -> None:
        """Kill the slot's process (a timed-out or lost job) and start a fresh one in its place.

        The pipe is closed only once the thread reading it has returned (the kill ends its read),
        so its file descriptor cannot be reused under it."""
        slot.idle = False
        slot.kill()
        exchange.add_done_callback(lambda _: slot.conn.close())
        if self.closed:
            return

        async def restart() -> None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self.executor, slot.process.join, 10)  # reap it
            try:
                fresh = await self._spawn()
            except Exception:
                log.exception("could not restart an extraction process; %s", self.describe())
                return
            if self.closed:
                fresh.kill()
                return
            self.slots[self.slots.index(slot)] = fresh

        task = asyncio.get_running_loop().create_task(restart())
        self._restarts.add(task)
        task.add_done_callback(self._restarts.discard)

    def close(self) -> None:
        """Stop every child (at shutdown)."""
        self.closed = True
        for slot in self.slots:
            try:
                if slot.idle:
                    slot.conn.send(None)
            except OSError:
                pass
        for slot in self.slots:
            slot.process.join(timeout=2)
            slot.kill()
            if slot.idle:
                slot.conn.close()
        self.executor.shutdown(wait=False, cancel_futures=True)


def _exchange(conn: Connection, job: Job) -> tuple[str, Any]:
    """Send a job and wait for its reply (in an executor thread); ("lost", reason) when the child died."""
    try:
        conn.send(job)
        return conn.recv()
    except (EOFError, OSError) as exc:
        return ("lost", f"the extraction process ended ({type(exc).__name__})")


def _receive(conn: Connection, seconds: float) -> Any:
    try:
        return conn.recv() if conn.poll(seconds) else None
    except (EOFError, OSError):
        return None


def _retrieve(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()
