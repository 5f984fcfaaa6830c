"""The service's limits, in one place: a pydantic model with defaults, overridden by `claims serve`.

    ServiceSettings(max_body_bytes=..., timeout_seconds=..., max_concurrency=..., max_page_limit=...)

Every limit is per worker process (`--workers N` multiplies concurrency by N). The pipeline's own
settings (`settings.toml`, `--config FILE`) stay where they are; `config` only names the file.
"""

from __future__ import annotations

import json
import os

from pydantic import BaseModel, ConfigDict, Field, model_validator

ENV_VAR = "MARKET_CLAIMS_SERVICE"  # how `claims serve --workers N` hands settings to its workers


class ServiceSettings(BaseModel):
    """Limits that protect the service (see docs/service.md for the status code each one gives)."""

    model_config = ConfigDict(extra="forbid")

    max_body_bytes: int = Field(
        default=6_000_000,
        gt=0,
        description="Largest request body accepted, in bytes; a bigger one gets 413 before it is read whole.",
    )
    timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Time limit of one extraction (fetch + scrape + extract), in seconds; over it: 504.",
    )
    max_concurrency: int = Field(
        default=4,
        ge=1,
        description="Extractions running at once in one worker; a request beyond that gets 503 + Retry-After.",
    )
    retry_after_seconds: int = Field(
        default=1, ge=0, description="Retry-After sent with a 503 for a full worker."
    )
    max_page_limit: int = Field(default=1000, ge=1, description="Largest `limit` of GET /v1/claims.")
    default_page_limit: int = Field(
        default=100, ge=1, description="`limit` of GET /v1/claims when none is given."
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Time a client has to send a request's line and headers; over it the connection is closed.",
    )
    body_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Time a client has to send the whole request body; over it: 408."
    )
    keep_alive_seconds: float = Field(
        default=5.0, gt=0, description="An idle kept-alive connection is closed after this many seconds."
    )
    max_connections: int = Field(
        default=1000,
        ge=1,
        description="Open connections (and requests) one worker holds; beyond that uvicorn answers 503.",
    )
    allow_url_fetch: bool = Field(
        default=True, description="Whether POST bodies may name a `url` for the server to download."
    )
    config: str | None = Field(
        default=None, description="Pipeline settings TOML (as `claims extract --config`)."
    )

    @model_validator(mode="after")
    def _default_within_max(self) -> ServiceSettings:
        if self.default_page_limit > self.max_page_limit:
            raise ValueError(
                f"default_page_limit {self.default_page_limit} exceeds max_page_limit {self.max_page_limit}"
            )
        return self


def to_env(settings: ServiceSettings, db_url: str | None) -> str:
    """The settings and database as one JSON string, for the environment of worker processes."""
    return json.dumps({"settings": settings.model_dump(), "db_url": db_url})


def from_env() -> tuple[ServiceSettings, str | None]:
    """What `to_env` wrote into $MARKET_CLAIMS_SERVICE; defaults and no database when unset."""
    raw = os.environ.get(ENV_VAR)
    if not raw:
        return ServiceSettings(), None
    data = json.loads(raw)
    return ServiceSettings.model_validate(data.get("settings") or {}), data.get("db_url")
