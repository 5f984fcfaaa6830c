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

from typing import TYPE_CHECKING

from extractor.lazy import lazy_attributes

if TYPE_CHECKING:
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

# Loaded on first use (PEP 562): importing one light submodule (`claims batch`'s help reads
# `near_duplicates.DEFAULT_THRESHOLD`) must not load the whole engine and the pipeline with it.
_LAZY = {
    "BatchJob": "extractor.batch.job",
    "Counts": "extractor.batch.job",
    "exit_code": "extractor.batch.job",
    "Outcome": "extractor.batch.process",
    "RecordProcessor": "extractor.batch.process",
    "Fields": "extractor.inputs.dumps",
    "iter_records": "extractor.inputs.dumps",
    "Source": "extractor.inputs.pages",
}


__getattr__ = lazy_attributes(__name__, globals(), _LAZY)
