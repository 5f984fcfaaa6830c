"""What the service's routes share: the worker's state, `ApiError`, and running one document.

Kept apart from `app.py` so that the route modules (`verify.py`, `pages.py`) import it without
importing the app that imports them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from spacy.language import Language

from extractor.errors import InputError
from extractor.extract import default_pipeline
from extractor.pipeline import process_article
from extractor.schemas import Article
from extractor.service.api_schemas import HTML_EXAMPLE, TEXT_EXAMPLE, DocumentRequest, ErrorBody
from extractor.service.database import Database
from extractor.service.limits import Busy, TimedOut
from extractor.service.service_settings import ServiceSettings
from extractor.service.workers import ExtractionPool, Job
from extractor.settings import Settings

log = logging.getLogger("extractor.service")
T = TypeVar("T")

# --------------------------------------------------------------------------- state and errors


@dataclass
class ServiceState:
    """What one worker process shares between requests."""

    settings: ServiceSettings
    pipeline_settings: Settings
    pool: ExtractionPool  # the extraction processes (started at startup)
    database: Database | None = None
    nlp: Language | None = None  # set at startup: for what runs in this process (verify's `claim`)

    def load_rules(self) -> None:
        """Build the spaCy pipeline (rule model included) and run it once on each kind of input."""
        self.nlp = default_pipeline()
        process_article(TEXT_EXAMPLE, content_type="text", settings=self.pipeline_settings, nlp=self.nlp)
        process_article(HTML_EXAMPLE, content_type="html", settings=self.pipeline_settings, nlp=self.nlp)


class ApiError(Exception):
    """An error the client can act on: status, the field at fault, a readable reason."""

    def __init__(
        self,
        status: int,
        field: str,
        message: str,
        type: str = "invalid",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{field}: {message}")
        self.status = status
        self.field = field
        self.message = message
        self.type = type
        self.headers = headers


def service_state(request: Request) -> ServiceState:
    return request.app.state.service


State = Annotated[ServiceState, Depends(service_state)]

# --------------------------------------------------------------------------- extraction, shared by the routes


async def run_document(
    state: ServiceState, document: DocumentRequest, finish: Callable[[Article], T] | None = None
) -> T | Article:
    """Extract `document` in one of the worker's extraction processes, under its time limit (a
    job over it is killed), then `finish(article)` (e.g. verify it) in a thread; returns what
    `finish` returns, or the article.

    Errors: 413 (document over scrape.max_input_bytes), 422 (InputError: empty, binary, no
    article text, not English, unreachable or internal URL; a figure out of range; a bad
    `claim`), 503 (every slot busy), 504 (time limit).
    """
    job = make_job(state, document)
    where = document.field
    try:
        article = await state.pool.run(job)
        return await run_in_threadpool(finish, article) if finish is not None else article
    except Busy:
        raise ApiError(
            503,
            "server",
            f"all {state.settings.max_concurrency} extraction slots of this worker are busy; retry later",
            "busy",
            headers={"Retry-After": str(state.settings.retry_after_seconds)},
        ) from None
    except TimedOut:
        raise ApiError(
            504,
            where,
            f"extraction took longer than the limit of {state.settings.timeout_seconds:g} "
            "seconds (timeout_seconds); it was stopped",
            "timeout",
        ) from None
    except InputError as exc:
        raise ApiError(422, "claim" if exc.input == "--claim" else where, exc.reason, "input_error") from None
    except OverflowError as exc:  # a figure or date the normalizer cannot represent
        reason = exc.args[-1] if exc.args else type(exc).__name__
        raise ApiError(
            422, where, f"a number or date in the document is out of range ({reason})", "out_of_range"
        ) from None


def make_job(state: ServiceState, document: DocumentRequest) -> Job:
    """The work for one document: its bytes (html/text), or a bare `url` to fetch."""
    limit = state.pipeline_settings.scrape.max_input_bytes
    if document.html is not None or document.text is not None:
        content = (document.html if document.html is not None else document.text or "").encode("utf-8")
        if len(content) > limit:
            raise ApiError(
                413,
                document.field,
                f"the document is {len(content):,} bytes, over the limit of "
                f"{limit:,} (scrape.max_input_bytes)",
                "document_too_large",
            )
        return Job(
            document.field, content, url=document.url, published=document.published, path=document.path
        )
    if not state.settings.allow_url_fetch:
        raise ApiError(
            422,
            "url",
            "this server does not download URLs (allow_url_fetch is off): send html or text",
            "fetch_disabled",
        )
    return Job("url", url=document.url, published=document.published, path=document.path)


# --------------------------------------------------------------------------- OpenAPI error responses

ERRORS: dict[int | str, dict[str, Any]] = {
    413: {
        "model": ErrorBody,
        "description": "Body over max_body_bytes, or document over scrape.max_input_bytes.",
    },
    422: {
        "model": ErrorBody,
        "description": "Malformed JSON, a wrong or missing field, or a document the "
        "pipeline refuses (empty, binary, no article text, not English).",
    },
    503: {
        "model": ErrorBody,
        "description": "Every extraction slot of the worker is busy (see Retry-After).",
    },
    504: {"model": ErrorBody, "description": "The extraction ran over timeout_seconds."},
}
NO_DATABASE = {"model": ErrorBody, "description": "The server has no database (start it with --db)."}
