"""What a batch run shows: a rich progress bar on stderr, and a summary at the end.

In: `Counts` as the run goes, the total number of records when known (counted in a background
thread, so a big dump starts at once), error lines. Out: a live bar with articles done, claims
found, errors, rate and ETA; one line per failed record; the summary. `QuietDisplay` prints
the error lines only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from extractor.batch.failures import ErrorLog
from extractor.batch.job import Counts


class RateColumn(ProgressColumn):
    """Records per second of this run (skipped records do not count)."""

    def render(self, task: Task) -> Text:
        rate = task.fields.get("rate")
        return Text(f"{rate:.1f}/s" if rate else "…/s", style="progress.data.speed")


class QuietDisplay:
    """Nothing but the error lines, on stderr."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, highlight=False, soft_wrap=True)

    def __enter__(self) -> QuietDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def count_in_background(self, count: Callable[[], int]) -> None:
        pass

    def skipped(self, n: int) -> None:
        pass

    def done(self, counts: Counts) -> None:
        pass

    def error(self, message: str) -> None:
        self.console.print(message, markup=False, highlight=False, soft_wrap=True)

    def summary(self, counts: Counts, sink: str, errors: ErrorLog) -> None:
        pass


class ProgressDisplay(QuietDisplay):
    """The live progress bar and the summary."""

    def __init__(self, console: Console | None = None) -> None:
        super().__init__(console)
        self.progress = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("records"),
            TextColumn("{task.fields[claims]} claims · {task.fields[errors]} errors"),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.task = self.progress.add_task("batch", total=None, claims=0, errors=0, rate=0.0)
        self._total: int | None = None  # records in the inputs, once counted
        self._skipped = 0  # done by an earlier run: not part of this run's bar

    def __enter__(self) -> ProgressDisplay:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def count_in_background(self, count: Callable[[], int]) -> None:
        """Find the total in a daemon thread; the bar shows an ETA once it is known."""

        def work() -> None:
            try:
                self._total = count()
            except Exception:  # a total is a nicety: the run itself reports unreadable inputs
                return
            self._update_total()

        threading.Thread(target=work, name="count-records", daemon=True).start()

    def _update_total(self) -> None:
        if self._total is not None:
            self.progress.update(self.task, total=max(0, self._total - self._skipped))

    def skipped(self, n: int) -> None:
        self._skipped += n
        self._update_total()

    def done(self, counts: Counts) -> None:
        rate = counts.records / counts.seconds if counts.seconds else 0.0
        self.progress.update(self.task, advance=1, claims=counts.claims, errors=counts.errors, rate=rate)

    def error(self, message: str) -> None:
        self.progress.console.print(message, markup=False, highlight=False, soft_wrap=True)

    def summary(self, counts: Counts, sink: str, errors: ErrorLog) -> None:
        for line in summary_lines(counts, sink, errors):
            self.console.print(line, markup=False, highlight=False, soft_wrap=True)


def summary_lines(counts: Counts, sink: str, errors: ErrorLog) -> list[str]:
    """What the run did: records skipped (already in the sink), processed and failed."""
    rate = counts.records / counts.seconds if counts.seconds else 0.0
    total = counts.skipped + counts.records
    lines = [
        f"{total:,} records: {counts.skipped:,} skipped as already done, {counts.articles:,} processed, "
        f"{counts.errors:,} failed; {counts.claims:,} new claims, {counts.duplicates:,} near-duplicates; "
        f"{counts.seconds:,.1f} s ({rate:,.1f} records/s)",
    ]
    if counts.skipped:
        lines.append("skipped records are in the sink already (--no-resume to redo them)")
    lines.append(f"sink: {sink}")
    if errors.count:
        lines.append(f"errors: {errors.path} (the lines of run {errors.run})")
    return lines
