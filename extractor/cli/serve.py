"""`claims serve`: the HTTP service (extractor.service) in uvicorn.

In: where to listen, an optional database, the number of worker processes and the service limits
(defaults from `ServiceSettings`). Out: a running server until Ctrl-C. Usage errors (a bad --db,
a bad limit, a broken --config file) are one line on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import os
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from extractor.cli.options import ConfigOption, database_option, fail, load_settings
from extractor.errors import MarketClaimsError
from extractor.service.service_settings import ENV_VAR, ServiceSettings, to_env
from extractor.sinks import sink_kind

DEFAULTS = ServiceSettings()
APP_FACTORY = "extractor.service.app:app_from_env"


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    db: Annotated[str | None, database_option("The database of ?store=true and GET /v1/claims")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each loads the pipeline once).")] = 1,
    max_body_bytes: Annotated[
        int, typer.Option(help="Largest request body (413 above).")
    ] = DEFAULTS.max_body_bytes,
    timeout: Annotated[
        float, typer.Option(help="Seconds one extraction may take (504 above).")
    ] = DEFAULTS.timeout_seconds,
    max_concurrency: Annotated[
        int, typer.Option(help="Extractions at once per worker (503 + Retry-After above).")
    ] = DEFAULTS.max_concurrency,
    max_page_limit: Annotated[
        int, typer.Option(help="Largest `limit` of GET /v1/claims.")
    ] = DEFAULTS.max_page_limit,
    header_timeout: Annotated[
        float,
        typer.Option(
            help="Seconds a client has to send its request headers (the connection is closed above)."
        ),
    ] = DEFAULTS.header_timeout_seconds,
    body_timeout: Annotated[
        float, typer.Option(help="Seconds a client has to send the whole request body (408 above).")
    ] = DEFAULTS.body_timeout_seconds,
    max_connections: Annotated[
        int, typer.Option(help="Open connections per worker (503 above).")
    ] = DEFAULTS.max_connections,
    config: ConfigOption = None,
    log_level: Annotated[
        str, typer.Option(help="uvicorn log level: critical, error, warning, info, debug.")
    ] = "info",
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
) -> None:
    """Serve the extractor over HTTP: POST /v1/extract, POST /v1/verify, GET /v1/claims, /healthz, /readyz.

    See docs/service.md for every endpoint, its limits and status codes.
    """
    import uvicorn

    try:
        settings = ServiceSettings(
            max_body_bytes=max_body_bytes,
            timeout_seconds=timeout,
            max_concurrency=max_concurrency,
            max_page_limit=max_page_limit,
            default_page_limit=min(DEFAULTS.default_page_limit, max_page_limit),
            header_timeout_seconds=header_timeout,
            body_timeout_seconds=body_timeout,
            max_connections=max_connections,
            config=str(config) if config else None,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        option = {
            "timeout_seconds": "--timeout",
            "header_timeout_seconds": "--header-timeout",
            "body_timeout_seconds": "--body-timeout",
        }.get(name, "--" + name.replace("_", "-"))
        fail(f"{option}: {first['msg']}")
    load_settings(config)  # a broken settings file fails here, not in every worker
    try:
        if db is not None and sink_kind(db) not in ("sqlite", "postgresql"):
            raise MarketClaimsError(f"--db {db}: not a database; give a SQLite file or a PostgreSQL URL")
    except MarketClaimsError as exc:
        fail(str(exc))
    os.environ[ENV_VAR] = to_env(settings, db)  # read by every worker's app factory
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=access_log,
        **uvicorn_options(settings),
    )


def uvicorn_options(settings: ServiceSettings) -> dict[str, Any]:
    """The connection limits of `settings` as uvicorn options: h11 with a header time limit, the
    keep-alive timeout and the connection limit (`limit_concurrency`: 503 beyond it)."""
    from extractor.service.protocol import HeaderTimeoutProtocol

    return {
        "http": functools.partial(HeaderTimeoutProtocol, header_timeout=settings.header_timeout_seconds),
        "timeout_keep_alive": settings.keep_alive_seconds,
        "limit_concurrency": settings.max_connections,
        "h11_max_incomplete_event_size": 64 * 1024,
    }


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
