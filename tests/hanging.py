"""A record processor whose record `hang` never ends and cannot be interrupted by a signal
(SIGALRM blocked, as when a page is stuck inside C code): for tests/test_batch.py."""

from __future__ import annotations

import signal
import time

from extractor.batch.process import Outcome, RecordProcessor
from extractor.inputs.pages import Source


class HangingProcessor(RecordProcessor):
    def process_record(self, record: Source) -> Outcome:
        if record.name == "hang":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(3600)
        return super().process_record(record)
