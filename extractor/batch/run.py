"""`run_batch`: one whole `claims batch` run, wired together.

In: the input specs, the settings, an engine (`make_engine`), an open sink and the `BatchOptions`.
It reads the sink's resume progress, opens the errors file, runs `BatchJob` under the progress
display (the sink brings the near-duplicate index up to date with what it holds) and finishes
the sink's run.
Out: the exit code (`job.exit_code`: 0 none / 1 some / 3 nearly all of the records failed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from extractor.batch.failures import ErrorLog, new_run_id
from extractor.batch.job import BatchJob, Engine, exit_code
from extractor.batch.near_duplicates import DEFAULT_THRESHOLD, NearDuplicates
from extractor.batch.process import RecordProcessor
from extractor.batch.progress import ProgressDisplay, QuietDisplay
from extractor.errors import MarketClaimsError
from extractor.inputs.dumps import Fields, count_records, iter_records
from extractor.settings import Settings
from extractor.sinks import Progress, Sink


@dataclass(frozen=True)
class BatchOptions:
    errors: Path  # the errors file (appended to)
    fields: Fields = Fields()
    resume: bool = True
    quiet: bool = False
    published: str | None = None
    dup_threshold: float = DEFAULT_THRESHOLD


def make_engine(name: str, processor: RecordProcessor, workers: int, address: str | None) -> Engine:
    """The engine called `name` ("local" or "ray"); `MarketClaimsError` for an impossible choice."""
    if name == "ray":
        from extractor.batch.ray_engine import RayEngine, ray_available

        if not ray_available():
            raise MarketClaimsError("--engine ray needs Ray: pip install 'market-claims[ray]'")
        return RayEngine(processor, workers, address)
    if address:
        raise MarketClaimsError("--address is for --engine ray")
    from extractor.batch.runner import LocalEngine

    return LocalEngine(processor, workers)


def run_batch(
    inputs: list[str], settings: Settings, runner: Engine, sink: Sink, options: BatchOptions
) -> int:
    """Read the sink's progress, run the job, finish the sink's run; the exit code."""
    progress = sink.done_records() if options.resume else Progress()
    display = QuietDisplay() if options.quiet else ProgressDisplay()
    if progress.lost:
        display.error(
            f"warning: {sink.name}: {progress.lost:,} records listed as done are missing claims "
            "there (the sink was deleted, truncated or replaced?); they are done again"
        )
    error_log = ErrorLog(options.errors, new_run_id())
    duplicates = NearDuplicates(options.dup_threshold)  # the sink fills it with what it holds
    try:
        with display, runner:
            display.count_in_background(lambda: count_records(inputs, settings, options.fields))
            job = BatchJob(runner, sink, error_log, duplicates, display)
            records = iter_records(inputs, settings, options.fields, options.published, done=progress.done)
            counts = job.run(records)
    finally:
        error_log.close()
    sink.finish_run({**counts.as_dict(), "engine": runner.name, "errors_run": error_log.run})
    display.summary(counts, sink.name, error_log)
    return exit_code(counts)
