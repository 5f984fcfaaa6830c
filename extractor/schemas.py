"""The records every output carries: `Article` and `Claim` (contract `claims/1`, see
`../shared/spec/CLAIMS.md`, summarised in `docs/claims.md`).

These pydantic models are the boundary of the package: the pipeline returns them, the sinks
store them, the HTTP service serves them. Field names and meanings follow the contract exactly.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "claims/1"

# the metrics of `models/metrics.toml`, in its order (a Literal for mypy; tests/test_metric_registry.py
# checks the two agree)
Metric = Literal[
    "short_interest",
    "short_interest_change",
    "price",
    "price_change",
    "price_level",
    "volume",
    "volume_change",
    "market_cap",
    "market_cap_change",
    "fund_flow",
    "exchange_netflow",
    "open_interest",
    "funding_rate",
    "dominance",
    "rsi",
    "correlation",
    "yield",
]
SubjectType = Literal[
    "index", "sector", "stock", "crypto", "etf", "pair", "market", "commodity", "currency", "other"
]
METRICS: tuple[str, ...] = get_args(Metric)
SUBJECT_TYPES: tuple[str, ...] = get_args(SubjectType)


def stable_hash(*parts: Any) -> str:
    """16 hex digits of SHA-256 over a canonical JSON of `parts` (stable across runs and machines)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def article_id(url: str | None, text: str) -> str:
    """The article's id: its URL when known, else its extracted text."""
    return stable_hash("url", url) if url else stable_hash("text", text)


class ArticleRef(BaseModel):
    """The `article` block of a claim: where it came from."""

    model_config = ConfigDict(extra="forbid")

    id: str
    url: str | None = None
    path: str | None = None
    title: str | None = None
    published: str | None = None


class Evidence(BaseModel):
    """The first mention: `text` is the span stating the figure, `sentence` the sentence around it;
    `start`/`end` are offsets into the article's extracted text (after repeated sections are removed)."""

    model_config = ConfigDict(extra="forbid")

    text: str
    sentence: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Claim(BaseModel):
    """One figure an article states about a market quantity."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(default=SCHEMA_VERSION, alias="schema")
    claim_id: str
    article: ArticleRef
    metric: Metric
    subject: str
    subject_type: SubjectType = "other"
    symbol: str | None = None
    value: float
    value_max: float | None = None
    unit: str
    qualifiers: dict[str, str] = Field(default_factory=dict)
    as_of: str | None = None
    period: str | None = None
    attributed_to: str | None = None
    hedge: str | None = None
    evidence: Evidence
    mentions: int = Field(default=1, ge=1)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    # id of the rule in models/patterns that produced the claim; kept out of the record so the
    # output is exactly the contract, but there for the Python API and `--format table`
    rule: str | None = Field(default=None, exclude=True)

    def to_record(self) -> dict[str, Any]:
        """The claim as the JSON object of the contract (key `schema`, not `schema_`)."""
        return self.model_dump(mode="json", by_alias=True)


def claim_id(
    article: str,
    metric: str,
    subject: str,
    value: float,
    unit: str,
    as_of: str | None,
    qualifiers: dict[str, str],
) -> str:
    """Stable id of one fact of one article: re-runs upsert instead of duplicating."""
    return stable_hash(article, metric, subject, round(float(value), 9), unit, as_of, qualifiers)


class Article(BaseModel):
    """An extracted article: its metadata, its cleaned text and its claims."""

    model_config = ConfigDict(extra="forbid")

    id: str
    url: str | None = None
    path: str | None = None
    title: str | None = None
    site: str | None = None
    published: str | None = None
    language: str | None = None
    text: str = ""
    text_hash: str = ""
    duplicate_of: str | None = None
    claims: list[Claim] = Field(default_factory=list)

    def ref(self) -> ArticleRef:
        return ArticleRef(
            id=self.id, url=self.url, path=self.path, title=self.title, published=self.published
        )
