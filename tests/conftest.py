"""Shared fixtures. Keep each group under its own heading.

Databases and sinks (tests/test_sinks.py, tests/test_cli_db.py):
    fresh_db      a database target, parametrized `sqlite` (a file in tmp_path) and `postgres`
                  (a fresh schema in database `test` on 127.0.0.1:5432, dropped after the test)
    sink_target   the same plus `jsonl` (a file in tmp_path): every kind of sink
    make_article  a plain function (also imported by subprocesses): a synthetic article with claims

PostgreSQL that does not answer skips the `postgres` cases with the reason, or fails them when
the environment variable CI is set (CI must run them). $MARKET_CLAIMS_TEST_PG overrides the
server URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from extractor.schemas import Article, Claim, Evidence, SubjectType, claim_id

# --------------------------------------------------------------------------- databases and sinks

PG_URL = os.environ.get("MARKET_CLAIMS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

SUBJECTS: tuple[tuple[str, str, SubjectType], ...] = (
    ("Bitcoin", "BTC", "crypto"),
    ("S&P 500", "SPX", "index"),
    ("Russell 2000", "RUT", "index"),
    ("Coinbase", "COIN", "stock"),
    ("Ethereum", "ETH", "crypto"),
)
SOURCES = ("The Kobeissi Letter", "CoinGecko", None)


def make_article(i: int, n_claims: int = 5, *, variant: int = 0) -> Article:
    """Synthetic article number `i` with `n_claims` distinct claims (`variant` shifts their values).

    Deterministic: the same arguments always give the same article and claim ids.
    """
    article = Article(
        id=f"art-{i:06d}",
        url=f"https://example.com/{i}.html",
        path=f"dump/{i}.html",
        title=f"Article {i}",
        site="example.com",
        published="2025-05-08T10:00:00+00:00",
        text_hash=f"h{i}",
    )
    for k in range(n_claims):
        subject, symbol, subject_type = SUBJECTS[(i + k) % len(SUBJECTS)]
        value = float(100 * i + k + variant)
        as_of = f"2025-05-{1 + (i + k) % 28:02d}"
        qualifiers = {"session": "close"} if k % 2 else {}
        article.claims.append(
            Claim(
                claim_id=claim_id(article.id, "price", subject, value, "USD", as_of, qualifiers),
                article=article.ref(),
                metric="price",
                subject=subject,
                subject_type=subject_type,
                symbol=symbol,
                value=value,
                unit="USD",
                qualifiers=qualifiers,
                as_of=as_of,
                attributed_to=SOURCES[(i + k) % len(SOURCES)],
                evidence=Evidence(
                    text=f"{subject} at ${value:,.0f}",
                    sentence=f"Today {subject} traded at ${value:,.0f}.",
                    start=10 * k,
                    end=10 * k + 9,
                ),
                confidence=0.9,
            )
        )
    return article


def _postgres_reason() -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers."""
    import psycopg

    try:
        with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The server URL; skips (or, under CI, fails) when PostgreSQL does not answer."""
    reason = _postgres_reason()
    if reason:
        url = make_url(PG_URL)
        message = f"PostgreSQL not reachable on {url.host}:{url.port or 5432}: {reason}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: the PostgreSQL tests must run)")
        pytest.skip(message)
    return PG_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped (with its tables) after the test."""
    import psycopg

    schema = f"mc_test_{uuid.uuid4().hex[:12]}"
    plain = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in postgres_server else "?"
    yield f"{postgres_server}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _target(kind: str, request: pytest.FixtureRequest, tmp_path) -> str:
    if kind == "postgres":
        return request.getfixturevalue("postgres_url")
    return str(tmp_path / ("claims.jsonl" if kind == "jsonl" else "claims.db"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_db(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database target: a SQLite file path, or a PostgreSQL URL on a fresh schema."""
    return _target(request.param, request, tmp_path)


@pytest.fixture(params=["jsonl", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sink_target(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty target of every kind of sink: JSONL file, SQLite file, PostgreSQL schema."""
    return _target(request.param, request, tmp_path)
