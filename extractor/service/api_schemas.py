"""Request and response bodies of the HTTP service, built on the claim contract (`schemas.Claim`).

In: JSON bodies as clients send them. Out: validated models, or pydantic errors that the app turns
into a 422 naming the field (never a 500). Response models document exactly what the endpoints
return: an extracted article is the object `claims extract --format json` prints for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from extractor.schemas import Claim

PUBLISHED_YEARS = (1900, 2200)  # publication dates outside this range are refused (they are typos)


def check_string(value: str | None) -> str | None:
    """Refuse what cannot travel through the pipeline and back as UTF-8: NUL and lone surrogates."""
    if value is None:
        return None
    if "\x00" in value:
        raise ValueError("contains a NUL character (binary data is not a document)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains an unpaired UTF-16 surrogate (invalid Unicode)") from None
    return value


def check_published(value: str | None) -> str | None:
    """An ISO 8601 date or date-time (`2025-05-08`, `2025-05-08T10:00:00+00:00`, `…Z`), or None."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO 8601 date or date-time (e.g. 2025-05-08 or 2025-05-08T10:00:00+00:00)"
        ) from None
    low, high = PUBLISHED_YEARS
    if not low <= parsed.year <= high:
        raise ValueError(f"year {parsed.year} is outside {low}..{high}")
    return value


# --------------------------------------------------------------------------- requests

HTML_EXAMPLE = """<html><head><title>NYSE, Nasdaq short interest rise in late August | ShortSide</title>
<link rel="canonical" href="https://shortside.report/exchange-data/2025/09/nyse-nasdaq-short-interest-late-august">
<meta property="article:published_time" content="2025-09-09T19:05:00-04:00"></head>
<body><article><h1>Short sellers press bets into September: NYSE, Nasdaq short interest rise in late August</h1>
<p>On the New York Stock Exchange, short interest rose 1.2% to roughly 17.05 billion shares as of the Aug. 29 \
settlement date, up from 16.85 billion shares two weeks earlier on Aug. 15.</p>
<p>Nasdaq's tally grew faster. Short interest across all Nasdaq-listed securities came to 18,412,337,590 shares \
as of Aug. 29, against 18,095,804,212 shares at the Aug. 15 settlement, an increase of 1.7%.</p>
</article></body></html>"""

TEXT_EXAMPLE = (
    "Bitcoin slips below $60,000 as ETF outflows mount\n"
    "Bitcoin fell 4.2% over the past 24 hours to $59,870 on Tuesday, according to CoinGecko. "
    "US spot Bitcoin ETFs recorded net outflows of $226 million on Monday."
)

DOCUMENT_EXAMPLES: dict[str, dict[str, Any]] = {
    "html": {
        "summary": "An HTML page (excerpt of corpus/articles/short-interest-nyse-nasdaq-late-august.html)",
        "value": {
            "html": HTML_EXAMPLE,
            "path": "corpus/articles/short-interest-nyse-nasdaq-late-august.html",
        },
    },
    "text": {
        "summary": "Plain text (first line is the title) with its publication date",
        "value": {"text": TEXT_EXAMPLE, "published": "2024-07-03T09:30:00+00:00"},
    },
    "url": {
        "summary": "A URL for the server to download",
        "value": {"url": "https://example.com/markets/bitcoin-etf-flows.html"},
    },
}


class DocumentRequest(BaseModel):
    """One article: exactly one of `html` or `text`, or a `url` alone (the server downloads it).

    With `html` or `text`, `url` is only recorded as the page's URL (it also fixes the article id).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    html: str | None = Field(default=None, description="The page's HTML.")
    text: str | None = Field(default=None, description="Plain text; its first line is the title.")
    url: str | None = Field(
        default=None,
        max_length=2048,
        description="http(s) URL of the page: downloaded when neither html nor text is given.",
    )
    published: str | None = Field(
        default=None,
        max_length=64,
        description="Publication date (ISO 8601); overrides the page's own, resolves 'yesterday' etc.",
    )
    path: str | None = Field(
        default=None,
        max_length=1024,
        description="How the input is named in the records (`article.path`), e.g. the file it came from.",
    )

    @field_validator("html", "text")
    @classmethod
    def _document(cls, value: str | None) -> str | None:
        value = check_string(value)
        if value is not None and not value.strip():
            raise ValueError("empty document (nothing but white space)")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        value = check_string(value)
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("published")
    @classmethod
    def _published(cls, value: str | None) -> str | None:
        return check_published(check_string(value))

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        return check_string(value)

    @model_validator(mode="after")
    def _one_document(self) -> DocumentRequest:
        if self.html is not None and self.text is not None:
            raise ValueError("give either html or text, not both")
        if self.html is None and self.text is None and self.url is None:
            raise ValueError("give the document: one of html, text or url")
        return self

    @property
    def field(self) -> str:
        """Which field holds the document: `html`, `text` or `url` (to name it in errors)."""
        return "html" if self.html is not None else "text" if self.text is not None else "url"


class ExtractRequest(DocumentRequest):
    """Body of POST /v1/extract."""


# --------------------------------------------------------------------------- responses


class ArticleOut(BaseModel):
    """An extracted article with its claims: one element of `claims extract --format json`."""

    id: str
    url: str | None = None
    path: str | None = None
    title: str | None = None
    site: str | None = None
    published: str | None = None
    language: str | None = None
    text_hash: str
    duplicate_of: str | None = None
    claims: list[Claim]


class ClaimsPage(BaseModel):
    """A page of GET /v1/claims: the claims (contract records) and where the next page starts."""

    claims: list[Claim]
    count: int = Field(description="Claims on this page.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="`offset` of the next page; null when this page is the last.")


class FieldError(BaseModel):
    field: str = Field(description="The request field at fault (`body` for the body as a whole).")
    message: str
    type: str


class ErrorBody(BaseModel):
    """Every error response: `detail` is one readable line naming the field and the reason."""

    detail: str
    errors: list[FieldError] = Field(default_factory=list)


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    rules: Literal["loaded", "not loaded"]
    database: str = Field(description="`not configured`, `ok`, or why the database cannot be reached.")
    extraction: str = Field(
        default="",
        description="How many extraction slots are free, e.g. `4 of 4 extraction "
        "slots free` (none free: not ready).",
    )


def article_record(article: Any) -> dict[str, Any]:
    """An `Article` as `claims extract --format json` prints it (text left out, claims as records)."""
    return {
        **article.model_dump(mode="json", exclude={"claims", "text"}),
        "claims": [claim.to_record() for claim in article.claims],
    }
