"""The one step a batch applies to each record: `RecordProcessor.process_record`.

In: a `Source` (from `inputs.dumps`). Out: an `Outcome`: the `Article` with its claims and the
MinHash signature of its text, or the reason the record failed.

`process_record` never raises: an unreadable record, a page over `scrape.max_input_bytes`, an
`InputError` from the pipeline (binary, empty, not English, no article text) or *any* other
exception from trafilatura or the rules becomes a failed outcome with a one-line reason.

Both engines run the same processor: the local engine pickles it into each worker process, the
Ray engine into each actor, and each calls `setup()` once there (loading the spaCy pipeline).
To change what happens to a record, subclass `RecordProcessor` in an importable module and
override `process_record` (or `extract`).
"""

from __future__ import annotations

import ctypes
import signal
import threading
from dataclasses import dataclass

from spacy.language import Language

from extractor.batch import near_duplicates
from extractor.batch.near_duplicates import signature
from extractor.errors import InputError, MarketClaimsError
from extractor.inputs.pages import Source
from extractor.pipeline import process_source
from extractor.schemas import Article
from extractor.settings import Settings


@dataclass(slots=True)
class Outcome:
    """What became of one record: an article, or a reason."""

    key: str
    input: str
    article: Article | None = None
    signature: bytes | None = None  # MinHash of the article text (see `batch.near_duplicates`)
    reason: str | None = None
    url: str | None = None

    @property
    def ok(self) -> bool:
        return self.article is not None

    def error_record(self) -> dict[str, str | None]:
        """The line of the errors file: input, record key, reason (and URL when known)."""
        return {"input": self.input, "key": self.key, "reason": self.reason, "url": self.url}


def one_line(exc: BaseException, limit: int = 300) -> str:
    """`Type: message` squeezed onto one line (a reason, never a traceback)."""
    message = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RecordTimeout(BaseException):
    """Raised in a worker when a record's budget is spent; a BaseException so that the
    processor's own `except Exception` (which turns any failure into a reason) lets it through."""


def _on_alarm(signum: int, frame: object) -> None:
    raise RecordTimeout


def timeout_reason(seconds: float) -> str:
    return f"took longer than {seconds:g} s (batch.record_timeout); skipped"


def process_within_budget(processor: RecordProcessor, record: Source) -> Outcome:
    """`processor.process_record(record)`, interrupted after `batch.record_timeout` seconds.

    On the main thread (local workers) an interval timer raises `RecordTimeout` from SIGALRM;
    elsewhere (Ray runs actor methods on another thread) a timer thread raises it in this
    thread with `PyThreadState_SetAsyncExc`. Either reaches Python code only (between
    bytecodes); the local engine's driver covers a record stuck inside C code.
    """
    budget = processor.settings.batch.record_timeout
    try:
        if threading.current_thread() is threading.main_thread():
            return _with_alarm(processor, record, budget)
        return _with_timer_thread(processor, record, budget)
    except RecordTimeout:  # also one that fires just as the record ends: caught all the same
        return Outcome(key=record.name, input=record.input, url=record.url, reason=timeout_reason(budget))


def _with_alarm(processor: RecordProcessor, record: Source, budget: float) -> Outcome:
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, budget)
        return processor.process_record(record)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _with_timer_thread(processor: RecordProcessor, record: Source, budget: float) -> Outcome:
    target = threading.get_ident()
    lock = threading.Lock()
    finished = False

    def interrupt() -> None:
        with lock:  # never after the record is finished: the exception would land elsewhere
            if not finished:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(target), ctypes.py_object(RecordTimeout)
                )

    timer = threading.Timer(budget, interrupt)
    timer.daemon = True
    timer.start()
    try:
        return processor.process_record(record)
    finally:
        with lock:
            finished = True
        timer.cancel()


class RecordProcessor:
    """Turns records into outcomes; picklable, with the pipeline loaded by `setup()`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.nlp: Language | None = None

    def __getstate__(self) -> dict[str, object]:
        return {"settings": self.settings}  # the pipeline is loaded where the processor runs

    def __setstate__(self, state: dict[str, object]) -> None:
        self.settings = state["settings"]  # type: ignore[assignment]
        self.nlp = None

    def setup(self) -> None:
        """Load the spaCy pipeline, the language model and datasketch (once per worker process or
        actor), so a record's time budget is spent on the record."""
        from extractor.pipeline import load_models

        self.nlp = load_models()
        near_duplicates.load()

    def process_record(self, record: Source) -> Outcome:
        """The overridable step: one record in, one outcome out; never raises."""
        failed = Outcome(key=record.name, input=record.input, url=record.url)
        if record.error:
            failed.reason = record.error
            return failed
        limit = self.settings.scrape.max_input_bytes
        if len(record.content) > limit:
            failed.reason = f"record is {len(record.content):,} bytes, over the limit of {limit:,} (scrape.max_input_bytes)"
            return failed
        try:
            article = self.extract(record)
        except InputError as exc:
            failed.reason = exc.reason
            return failed
        except MarketClaimsError as exc:
            failed.reason = str(exc)
            return failed
        except Exception as exc:  # any page that breaks trafilatura or the rules: logged, the run goes on
            failed.reason = one_line(exc)
            return failed
        return Outcome(
            key=record.name,
            input=record.input,
            article=article,
            signature=signature(article.text),
            url=article.url,
        )

    def extract(self, record: Source) -> Article:
        """The pipeline on the record; WARC-Date is used only when the page gives no date."""
        if self.nlp is None:
            self.setup()
        # one run: the fallback date applies only when neither the record nor the page gives one
        return process_source(
            record,
            published=record.published,
            path=record.path,
            settings=self.settings,
            nlp=self.nlp,
            fallback_published=record.fallback_published,
        )
