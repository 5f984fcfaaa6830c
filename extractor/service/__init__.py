"""The HTTP service (`claims serve`): FastAPI app, request/response models, limits.

    create_app(settings: ServiceSettings | None = None, db_url: str | None = None) -> FastAPI

See `extractor.service.app` for the endpoints and docs/service.md for how to run and call it.
"""

from extractor.service.app import create_app
from extractor.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]
