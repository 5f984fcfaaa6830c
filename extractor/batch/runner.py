"""The local engine: records in, outcomes out, on worker processes of this machine.

In: an iterable of `Source`s (read lazily) and a `RecordProcessor`. Out: an iterator of
`Outcome`s in input order.

Each worker process (`concurrent.futures.ProcessPoolExecutor`) receives the processor once and
calls its `setup()`, so the spaCy pipeline is loaded once per worker. Workers are forked from
a `forkserver` that has imported the pipeline's modules once (safe with the threads of the
progress display, and quick to start again after a crash).
At most `in_flight` records (default 4 per worker) are read ahead and in the workers at any
time: memory stays flat however large the dump is. Results are handed back in input order
(a slow page holds back at most `in_flight` finished ones), so near-duplicates are judged in
the same order on every run.

Each record has a time budget (`batch.record_timeout`; trafilatura has none of its own). In the
worker an interval timer interrupts the record when the budget is spent, and the record fails
with that reason. A record stuck where the timer cannot reach (inside C code) is given up by
the driver a little later (`HARD_GRACE`): the pool's processes are killed, a new pool is
started, and the other records that were in flight are sent again.

Workers watch the driver and exit when it is gone (killed with `kill -9`, it cannot stop them).
A worker that dies (segfault, out of memory) breaks the pool: the engine starts a new one and
tries the records that were in flight again one at a time, so only the record that kills a
worker is reported ("worker process died"), and the run goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from extractor.batch.process import Outcome, RecordProcessor, process_within_budget, timeout_reason
from extractor.inputs.pages import Source

_processor: RecordProcessor | None = None  # the worker process's own copy
PRELOAD = ["extractor.batch.process", "extractor.extract", "extractor.pipeline"]
HARD_GRACE = 5.0  # seconds past the budget before the driver kills a worker that ignores its timer


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _init_worker(processor: RecordProcessor, driver: int) -> None:
    global _processor
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    threading.Thread(target=_exit_with, args=(driver,), name="watch-driver", daemon=True).start()
    _processor = processor
    processor.setup()


def _exit_with(driver: int) -> None:
    """End this worker when the driver is gone (a killed driver cannot stop its pool)."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(driver, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # the pid was taken by someone else's process
            os._exit(1)


def _process(record: Source) -> Outcome:
    assert _processor is not None, "worker not initialised"
    return process_within_budget(_processor, record)


class LocalEngine:
    """Worker processes on this machine; use as a context manager around `map`."""

    name = "local"

    def __init__(self, processor: RecordProcessor, workers: int, in_flight: int | None = None) -> None:
        self.processor = processor
        self.workers = max(1, workers)
        self.in_flight = in_flight or 4 * self.workers
        self.budget = processor.settings.batch.record_timeout
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalEngine:
        self._pool = self._new_pool(self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_context(),
            initializer=_init_worker,
            initargs=(self.processor, os.getpid()),
        )

    def map(self, records: Iterable[Source]) -> Iterator[Outcome]:
        """Outcomes of `records`, in order, with at most `in_flight` records read ahead."""
        window: deque[tuple[Source, Future[Outcome]]] = deque()
        for record in records:
            window.append((record, self._submit(record)))
            if len(window) >= self.in_flight:
                yield from self._next(window)
        while window:
            yield from self._next(window)

    def _submit(self, record: Source) -> Future[Outcome]:
        assert self._pool is not None, "use the engine as a context manager"
        try:
            return self._pool.submit(_process, record)
        except BrokenProcessPool:
            self._restart()
            return self._pool.submit(_process, record)

    def _next(self, window: deque[tuple[Source, Future[Outcome]]]) -> Iterator[Outcome]:
        # The oldest record is running once every record before it is done, which is now: its
        # clock starts here at the latest (so it gets at least its budget, at most twice it).
        record, future = window.popleft()
        try:
            yield future.result(timeout=self.budget + HARD_GRACE)
        except BrokenProcessPool:
            suspects = [record] + [r for r, _ in window]
            window.clear()
            yield from self._isolate(suspects)
        except FutureTimeout:
            yield Outcome(
                key=record.name,
                input=record.input,
                url=record.url,
                reason=timeout_reason(self.budget) + "; its worker was replaced",
            )
            others = [r for r, _ in window]
            window.clear()
            self._kill_pool()
            window.extend((r, self._submit(r)) for r in others)

    def _isolate(self, suspects: list[Source]) -> Iterator[Outcome]:
        """After a crash: each record that was in flight alone, on a fresh worker."""
        self._restart(workers=1)
        for record in suspects:
            assert self._pool is not None
            try:
                yield self._pool.submit(_process, record).result(timeout=self.budget + HARD_GRACE)
            except BrokenProcessPool:
                yield Outcome(
                    key=record.name,
                    input=record.input,
                    url=record.url,
                    reason="worker process died on this record (crash or out of memory)",
                )
                self._restart(workers=1)
            except FutureTimeout:
                yield Outcome(
                    key=record.name,
                    input=record.input,
                    url=record.url,
                    reason=timeout_reason(self.budget) + "; its worker was replaced",
                )
                self._kill_pool(workers=1)
        self._restart()

    def _kill_pool(self, workers: int | None = None) -> None:
        """Kill the worker processes (one of them is stuck) and start a new pool."""
        if self._pool:
            # ProcessPoolExecutor cannot cancel a running call: its processes are killed directly
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.kill()
        self._restart(workers)

    def _restart(self, workers: int | None = None) -> None:
        if self._pool:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool(workers or self.workers)
