"""POST /v1/verify: a document (+ reference observations or one claim) -> its `VerifyReport`.

In: the body of /v1/extract plus optional `references` (observations, as in a reference file),
`claim` (one claim as text, judged alone against the article) and `tolerances` (overrides such as
`{"price": 0.01}`); `?across=true` also compares with other articles of the server's database.
Out: the report `claims verify --format json` prints for the same input (one element of its list).
A thin wrapper around `extractor.verify.verify_article`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Body, FastAPI, Query
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field, field_validator, model_validator

from extractor.errors import InputError, SinkError
from extractor.schemas import Article
from extractor.service.api_schemas import DOCUMENT_EXAMPLES, TEXT_EXAMPLE, DocumentRequest, check_string
from extractor.service.core import ERRORS, NO_DATABASE, ApiError, State, run_document
from extractor.verify import VerifyReport, verify_article
from extractor.verify.tolerances import tolerances as make_tolerances
from extractor.verify.verdicts import Observation

MAX_REFERENCES = 10_000
MAX_MAGNITUDE = 1e18  # larger reference figures are not market data (and would overflow the checks)


class ReferenceIn(Observation):
    """One reference observation in a request: finite figures, an ISO date (YYYY-MM-DD)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("subject", "metric", "source", "symbol")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return check_string(value)

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        try:
            if len(value) != 10:
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None
        return value

    @field_validator("value", "low", "high")
    @classmethod
    def _magnitude(cls, value: float | None) -> float | None:
        if value is not None and abs(value) > MAX_MAGNITUDE:
            raise ValueError(f"beyond ±{MAX_MAGNITUDE:g}")
        return value


class VerifyRequest(DocumentRequest):
    """Body of POST /v1/verify: a document plus `references` or `claim` (not both), and `tolerances`."""

    references: list[ReferenceIn] | None = Field(
        default=None,
        max_length=MAX_REFERENCES,
        description="Observations to check prices against (the rows of a reference file).",
    )
    claim: str | None = Field(
        default=None,
        max_length=2000,
        description="One claim as text, judged alone against the article, e.g. 'Bitcoin price $59,870'.",
    )
    tolerances: dict[str, float] | None = Field(
        default=None, description='Relative tolerance overrides per metric, e.g. {"price": 0.01}.'
    )

    @field_validator("claim")
    @classmethod
    def _claim(cls, value: str | None) -> str | None:
        value = check_string(value)
        if value is not None and not value.strip():
            raise ValueError("empty claim")
        return value

    @model_validator(mode="after")
    def _references_or_claim(self) -> VerifyRequest:
        if self.references is not None and self.claim is not None:
            raise ValueError(
                "give references or claim, not both (a claim is judged against the article alone)"
            )
        return self


VERIFY_EXAMPLES: dict[str, dict[str, Any]] = {
    "html": DOCUMENT_EXAMPLES["html"],
    "references": {
        "summary": "Text checked against a reference price row",
        "value": {
            "text": TEXT_EXAMPLE,
            "published": "2024-07-03T09:30:00+00:00",
            "references": [
                {
                    "subject": "Bitcoin",
                    "symbol": "BTC",
                    "metric": "price",
                    "date": "2024-07-02",
                    "value": 60205.37,
                    "low": 59438.4,
                    "high": 62163.97,
                    "source": "example",
                }
            ],
        },
    },
    "claim": {
        "summary": "One claim judged against the article",
        "value": {
            "text": TEXT_EXAMPLE,
            "published": "2024-07-03T09:30:00+00:00",
            "claim": "Bitcoin price $59,870 on July 2, 2024",
        },
    },
}


def add_routes(app: FastAPI) -> None:
    """POST /v1/verify."""

    @app.post(
        "/v1/verify", response_model=VerifyReport, tags=["claims"], responses={**ERRORS, 409: NO_DATABASE}
    )
    async def verify(
        state: State,
        body: Annotated[VerifyRequest, Body(openapi_examples=VERIFY_EXAMPLES)],
        across: Annotated[
            bool, Query(description="Also compare with other articles of the server's database (needs --db).")
        ] = False,
    ) -> JSONResponse:
        """The verdict of every claim of the article, as `claims verify --format json` gives it."""
        if across and state.database is None:
            raise ApiError(
                409, "across", "across=true needs a database: start the server with --db URL", "no_database"
            )
        try:
            tolerances = make_tolerances(body.tolerances)
        except InputError as exc:
            raise ApiError(422, "tolerances", exc.reason) from None
        references = (
            None
            if body.references is None
            else [Observation.model_validate(r.model_dump()) for r in body.references]
        )
        db_url = state.database.url if across and state.database is not None else None

        def check(article: Article) -> VerifyReport:
            return verify_article(
                article, references=references, db_url=db_url, claim_text=body.claim, tolerances=tolerances
            )

        try:
            report = await run_document(state, body, check)
        except SinkError as exc:  # the database of across=true cannot be read
            raise ApiError(503, "database", str(exc), "database") from None
        assert isinstance(report, VerifyReport)
        return JSONResponse(report.to_record())
