"""The HTTP service (`claims serve`): FastAPI app, request/response models, limits.

    create_app(settings: ServiceSettings | None = None, db_url: str | None = None) -> FastAPI

See `extractor.service.app` for the endpoints and docs/service.md for how to run and call it.
`create_app` is imported on first use, so `extractor.service.service_settings` stays cheap to import
(the `claims` command reads its defaults without loading FastAPI).
"""

from __future__ import annotations

from typing import Any

from extractor.service.service_settings import ServiceSettings


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from extractor.service.app import create_app

        return create_app
    raise AttributeError(f"module 'extractor.service' has no attribute {name!r}")


__all__ = ["ServiceSettings", "create_app"]
