"""The Ray engine: records in, outcomes out, on Ray Data actors (a local instance or a cluster).

In: an iterable of `Source`s (read lazily by the driver) and a `RecordProcessor`. Out: an
iterator of `Outcome`s in input order, consumed by the driver, which writes the sink.

The driver cuts the record stream into bounded chunks (`chunk_size` records, default 1,024);
each chunk becomes a dataset (`ray.data.from_items`, one pickled record per row) mapped with
`map_batches` over a pool of `workers` actors of `RayRecordProcessor`, a class-based UDF that
loads the spaCy pipeline once in its constructor; the outcomes stream back with `iter_batches`
(order preserved). Memory is bounded by one chunk in the driver and the object store. Each
chunk starts a fresh actor pool (a few seconds), which larger chunks amortise.

`address` None starts a local Ray instance with `num_cpus=workers`, shut down at the end;
`address="HOST:PORT"` joins an existing cluster (`ray start --head` prints the address), on
whose nodes market-claims must be installed.
"""

from __future__ import annotations

import logging
import pickle
import warnings
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import numpy as np

from extractor.batch.process import Outcome, RecordProcessor, one_line, process_within_budget
from extractor.errors import InputError
from extractor.inputs.pages import Source

DEFAULT_CHUNK = 1024
BATCH_SIZE = 8  # records per map_batches call


class RayRecordProcessor:
    """The Ray Data UDF: a `RecordProcessor` set up once per actor."""

    def __init__(self, processor: bytes) -> None:
        self.processor: RecordProcessor = pickle.loads(processor)
        self.processor.setup()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        outcomes = [process_within_budget(self.processor, pickle.loads(blob)) for blob in batch["record"]]
        return {"outcome": np.array([pickle.dumps(o) for o in outcomes], dtype=object)}


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError:
        return False
    return True


def chunks(records: Iterable[Source], size: int) -> Iterator[list[Source]]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


class RayEngine:
    """Ray Data actors; use as a context manager around `map`."""

    name = "ray"

    def __init__(
        self,
        processor: RecordProcessor,
        workers: int,
        address: str | None = None,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> None:
        self.processor = processor
        self.workers = max(1, workers)
        self.address = address
        self.chunk_size = chunk_size
        self._started = False

    def __enter__(self) -> RayEngine:
        import ray

        for name in ("ray", "ray.data", "ray.data._internal"):
            logging.getLogger(name).setLevel(logging.ERROR)
        if not ray.is_initialized():
            quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}
            try:
                if self.address:
                    ray.init(address=self.address, **quiet)
                else:
                    # "local": a new instance, even when `ray start` left one running here
                    ray.init(address="local", num_cpus=self.workers, include_dashboard=False, **quiet)
            except Exception as exc:  # Ray raises many kinds: the user needs the reason
                raise InputError(
                    self.address or "ray", f"cannot start or reach Ray ({one_line(exc)})"
                ) from None
            self._started = True
        self._configure()
        return self

    def __exit__(self, *exc: object) -> None:
        import ray

        if self._started:
            ray.shutdown()
            self._started = False

    @staticmethod
    def _configure() -> None:
        import ray.data

        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        for flag in ("enable_progress_bars", "enable_operator_progress_bars", "print_on_execution_start"):
            if hasattr(context, flag):
                setattr(context, flag, False)

    def map(self, records: Iterable[Source]) -> Iterator[Outcome]:
        """Outcomes of `records`, in order, one bounded chunk at a time.

        Actors are not restarted (`max_restarts=0`): a record that kills its actor would
        otherwise be retried for ever. When a chunk fails that way, its records without an
        outcome are reported as failed (and tried again by the next run).
        """
        processor = pickle.dumps(self.processor)
        for chunk in chunks(records, self.chunk_size):
            done = 0
            try:
                for outcome in self._run_chunk(chunk, processor):
                    done += 1
                    yield outcome
            except Exception as exc:  # an actor died: Ray raises its own kinds
                reason = f"Ray actor failed in this chunk ({one_line(exc)})"
                for record in chunk[done:]:
                    yield Outcome(key=record.name, input=record.input, url=record.url, reason=reason)

    def _run_chunk(self, chunk: list[Source], processor: bytes) -> Iterator[Outcome]:
        import ray.data

        dataset = ray.data.from_items([{"record": pickle.dumps(r)} for r in chunk])
        options: dict[str, Any] = {
            "fn_constructor_kwargs": {"processor": processor},
            "compute": ray.data.ActorPoolStrategy(size=min(self.workers, len(chunk))),
            "batch_size": BATCH_SIZE,
            "batch_format": "numpy",
            "num_cpus": 1,
        }
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*ray_remote_args.*deprecated")
            try:
                mapped = dataset.map_batches(RayRecordProcessor, max_restarts=0, **options)
            except TypeError:  # a Ray that no longer takes remote arguments as keywords
                mapped = dataset.map_batches(RayRecordProcessor, **options)
        for batch in mapped.iter_batches(batch_size=None, batch_format="numpy"):
            for blob in batch["outcome"]:
                yield pickle.loads(blob)
