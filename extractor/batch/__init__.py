"""Batch runs over article dumps: `claims batch INPUT... --to SINK`.

    process    `RecordProcessor.process_record`: one record → an `Outcome` (article or reason)
    runner     the local engine: worker processes, bounded in-flight work, input order kept
    ray_engine the Ray engine: Ray Data `map_batches` over actors, local or on a cluster
    near_duplicates near-duplicate articles (MinHash LSH over word shingles) → `duplicate_of`
    failures   the errors file (appended to, one run id per line)
    job        the driver loop: engine → near-duplicates → sink (which keeps the progress); counts, exit code
    progress   the progress bar and the summary
    run        `run_batch`: one whole run (progress from the sink, errors file, job, summary)

The dump readers (folders, globs, JSON Lines, WARC, tar/zip) are `extractor.inputs.dumps`.
See docs/batch.md for the user's view.
"""

from __future__ import annotations

from extractor.batch.job import BatchJob, Counts, exit_code
from extractor.batch.process import Outcome, RecordProcessor
from extractor.inputs.dumps import Fields, iter_records
from extractor.inputs.pages import Source

__all__ = [
    "BatchJob",
    "Counts",
    "Fields",
    "Outcome",
    "RecordProcessor",
    "Source",
    "exit_code",
    "iter_records",
]
