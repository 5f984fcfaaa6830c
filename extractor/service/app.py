"""The HTTP service: `create_app(settings, db_url)` -> a FastAPI app (`claims serve` runs it in uvicorn).

Endpoints (thin wrappers around library functions; docs/service.md has examples):

    POST /v1/extract   a document -> the article and its claims (`process_article`); ?store=true
                       also writes them to the database (`open_sink(db).write_article`)
    POST /v1/verify    a document (+ references or a claim) -> verdicts (`verify_article`)
    GET  /v1/claims    claims of the database by subject, metric, since/until, source (`read_claims`)
    GET  /healthz      the process answers
    GET  /readyz       rules loaded, an extraction slot free, database reachable (503 otherwise)

The spaCy pipeline is built once per worker process, at startup (lifespan), and once in each
of its extraction processes (`workers.ExtractionPool`: a timed-out extraction is killed). Every error is a JSON
`{"detail": "<field>: <reason>", "errors": [...]}` with a 4xx status for anything the client can
change; a 500 only comes from the last-resort handler (a bug, logged with its traceback).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated

from fastapi import Body, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from extractor.errors import InputError, MarketClaimsError
from extractor.schemas import Article, Metric
from extractor.service import verify as verify_routes
from extractor.service.api_schemas import (
    DOCUMENT_EXAMPLES,
    HTML_EXAMPLE,
    TEXT_EXAMPLE,
    ArticleOut,
    ClaimsPage,
    ErrorBody,
    ExtractRequest,
    FieldError,
    Health,
    Readiness,
    article_record,
    check_string,
)
from extractor.service.core import ERRORS, NO_DATABASE, ApiError, ServiceState, State, log, run_document
from extractor.service.database import Database
from extractor.service.limits import BodySizeLimit
from extractor.service.pages import router as pages_router
from extractor.service.service_settings import ServiceSettings, from_env
from extractor.service.workers import ExtractionPool, Job
from extractor.settings import Settings


def error_response(
    status: int, errors: list[FieldError], headers: dict[str, str] | None = None
) -> JSONResponse:
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return JSONResponse(
        ErrorBody(detail=detail, errors=errors).model_dump(), status_code=status, headers=headers
    )


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    """Pydantic's errors as `FieldError`s naming the field (`html`, `limit`, `body` …) in plain words."""
    out = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        error_type = error.get("type", "invalid")
        message = re.sub(r"^(Value|Assertion) error, ", "", str(error.get("msg", "invalid")))
        name = ".".join(loc[1:]) if len(loc) > 1 else "body"
        if error_type == "json_invalid":
            name = "body"
            position = loc[1] if len(loc) > 1 else "?"
            message = (
                f"malformed JSON at character {position}: {error.get('ctx', {}).get('error', 'invalid')}"
            )
        elif loc[:1] == ["body"] and len(loc) == 1 and error_type == "missing":
            message = "a JSON object is required (Content-Type: application/json) with html, text or url"
        elif (
            loc[:1] == ["body"]
            and len(loc) == 1
            and error_type in ("model_attributes_type", "dict_type", "model_type")
        ):
            message = "expected a JSON object (Content-Type: application/json) with html, text or url"
        elif error_type == "extra_forbidden":
            message = "unknown field"
        out.append(FieldError(field=name, message=message, type=error_type))
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Every error as `ErrorBody`; an unexpected exception becomes 500 only as a last resort."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, validation_errors(exc))

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(
            exc.status, [FieldError(field=exc.field, message=exc.message, type=exc.type)], exc.headers
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        target = "path" if exc.status_code in (404, 405) else "body"
        return error_response(
            exc.status_code,
            [FieldError(field=target, message=str(exc.detail), type="http")],
            getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:  # last resort: a bug
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(
            500,
            [
                FieldError(
                    field="server",
                    message=f"internal error ({type(exc).__name__}); see the server log",
                    type="internal",
                )
            ],
        )


# --------------------------------------------------------------------------- the app


def create_app(settings: ServiceSettings | None = None, db_url: str | None = None) -> FastAPI:
    """The FastAPI app. In: service limits (defaults when None) and an optional database target.

    Pipeline settings are loaded here (`settings.config` or $MARKET_CLAIMS_CONFIG), so a bad file
    fails at once; the spaCy pipeline is built at startup, once per worker process.
    """
    settings = settings or ServiceSettings()
    state = ServiceState(
        settings=settings,
        pipeline_settings=Settings.load(settings.config),
        pool=ExtractionPool(
            settings.max_concurrency,
            settings.timeout_seconds,
            settings.config,
            warmups=[Job("text", TEXT_EXAMPLE.encode()), Job("html", HTML_EXAMPLE.encode())],
        ),
        database=Database(db_url) if db_url else None,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(state.load_rules)
        await state.pool.start()
        if state.database is not None:
            reason = await run_in_threadpool(
                state.database.ping
            )  # open early; failure only makes /readyz 503
            if reason != "ok":
                log.warning("database not reachable at startup: %s", reason)
        yield
        state.pool.close()
        if state.database is not None:
            state.database.close()

    app = FastAPI(
        title="market-claims",
        summary="Turn market-commentary articles into normalized claims (contract claims/1).",
        version="1",
        lifespan=lifespan,
        responses={
            422: {"model": ErrorBody, "description": "A field is missing, malformed or of the wrong type."}
        },
    )
    app.state.service = state
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout_seconds
    )
    install_error_handlers(app)
    add_routes(app)
    verify_routes.add_routes(app)
    app.include_router(pages_router)  # GET /, POST /view, GET /v1/articles/{id}/view: the HTML view
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers (`claims serve --workers N`): settings from $MARKET_CLAIMS_SERVICE."""
    settings, db_url = from_env()
    return create_app(settings, db_url)


# --------------------------------------------------------------------------- routes

DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def check_date(value: str | None, name: str) -> str | None:
    """A query date YYYY, YYYY-MM or YYYY-MM-DD that exists (year 1..9998); `ApiError` 422 otherwise."""
    if value is None:
        return None
    parts = [int(p) for p in value.split("-")] if DATE.match(value) else []
    try:
        if not parts or not 1 <= parts[0] <= 9998:
            raise ValueError
        date(parts[0], *(parts[1:] + [1, 1])[:2])
    except ValueError:
        raise ApiError(
            422, name, f"{value!r} is not a date: YYYY-MM-DD, YYYY-MM or YYYY (year 1..9998)", "date"
        ) from None
    return value


def add_routes(app: FastAPI) -> None:
    """POST /v1/extract, GET /v1/claims, /healthz and /readyz."""

    @app.post(
        "/v1/extract",
        response_model=ArticleOut,
        tags=["claims"],
        responses={
            **ERRORS,
            409: NO_DATABASE,
            200: {
                "headers": {
                    "X-Claims-Stored": {"description": "`true` when store=true wrote the claims"},
                    "X-Claims-New": {"description": "claims the database did not hold yet (store=true)"},
                }
            },
        },
    )
    async def extract(
        state: State,
        body: Annotated[ExtractRequest, Body(openapi_examples=DOCUMENT_EXAMPLES)],
        store: Annotated[bool, Query(description="Also write the claims to the server's database.")] = False,
    ) -> JSONResponse:
        """The article and its claims, exactly as `claims extract --format json` gives them."""
        if store and state.database is None:
            raise ApiError(
                409, "store", "store=true needs a database: start the server with --db URL", "no_database"
            )
        article = await run_document(state, body)
        assert isinstance(article, Article)
        headers = {}
        if store and state.database is not None:
            try:
                new = await run_in_threadpool(state.database.write, article)
            except MarketClaimsError as exc:
                raise ApiError(503, "database", str(exc), "database") from None
            headers = {"X-Claims-Stored": "true", "X-Claims-New": str(new)}
        return JSONResponse(article_record(article), headers=headers)

    @app.get(
        "/v1/claims",
        response_model=ClaimsPage,
        tags=["claims"],
        responses={
            409: NO_DATABASE,
            503: {"model": ErrorBody, "description": "The database is unreachable."},
        },
    )
    def list_claims(
        state: State,
        subject: Annotated[
            str | None, Query(max_length=500, description="Canonical name or symbol, any case.")
        ] = None,
        metric: Annotated[Metric | None, Query(description="A metric of the vocabulary.")] = None,
        since: Annotated[
            str | None, Query(description="as_of on or after: YYYY-MM-DD, YYYY-MM or YYYY.")
        ] = None,
        until: Annotated[
            str | None, Query(description="as_of on or before: YYYY-MM-DD, YYYY-MM or YYYY.")
        ] = None,
        source: Annotated[str | None, Query(max_length=500, description="attributed_to, any case.")] = None,
        limit: Annotated[
            int | None,
            Query(
                ge=1, description="Claims per page (default and maximum: default_page_limit, max_page_limit)."
            ),
        ] = None,
        offset: Annotated[int, Query(ge=0, le=2**62, description="Claims to skip.")] = 0,
    ) -> ClaimsPage:
        """Claims of the database matching every given filter, ordered by as_of, subject, metric."""
        if state.database is None:
            raise ApiError(409, "db", "this server has no database: start it with --db URL", "no_database")
        for name, value in (("subject", subject), ("source", source), ("since", since), ("until", until)):
            try:
                check_string(value)
            except ValueError as exc:
                raise ApiError(422, name, str(exc)) from None
        check_date(since, "since")
        check_date(until, "until")
        maximum = state.settings.max_page_limit
        if limit is not None and limit > maximum:
            raise ApiError(422, "limit", f"at most {maximum} (max_page_limit)", "less_than_equal")
        limit = limit or state.settings.default_page_limit
        try:
            found = state.database.read(
                subject=subject,
                metric=metric,
                since=since,
                until=until,
                source=source,
                limit=limit,
                offset=offset,
            )
        except InputError as exc:
            raise ApiError(422, exc.input, exc.reason) from None
        except MarketClaimsError as exc:
            raise ApiError(503, "database", str(exc), "database") from None
        return ClaimsPage(
            claims=found,
            count=len(found),
            limit=limit,
            offset=offset,
            next_offset=offset + limit if len(found) == limit else None,
        )

    @app.get("/healthz", response_model=Health, tags=["health"])
    async def healthz() -> Health:
        """The process is up and its event loop answers (even while extractions run)."""
        return Health()

    @app.get(
        "/readyz",
        response_model=Readiness,
        tags=["health"],
        responses={503: {"model": Readiness, "description": "Rules not loaded or database unreachable."}},
    )
    async def readyz(state: State) -> JSONResponse:
        """Ready when the rules are loaded, an extraction slot is free and, when the server has a
        database, it answers a query."""
        database = (
            "not configured" if state.database is None else await run_in_threadpool(state.database.ping)
        )
        rules = state.nlp is not None
        ready = rules and database in ("ok", "not configured") and state.pool.free > 0
        body = Readiness(
            status="ready" if ready else "not ready",
            rules="loaded" if rules else "not loaded",
            database=database,
            extraction=state.pool.describe(),
        )
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
