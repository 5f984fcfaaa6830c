"""Insert throughput of the sinks on synthetic claims: JSON Lines (the baseline), SQLite, PostgreSQL.

    .venv/bin/python benchmarks/sinks.py [--articles 2000] [--claims 10] [--repeat 3] [--batch 100] [--pg URL]

In: nothing (the articles are generated). Out: one line per sink on stdout with the median
claims/second over `--repeat` runs and its ratio to JSON Lines. Each run opens a fresh target
(a new file, or a new PostgreSQL schema dropped afterwards), writes every article and closes
it; generating the articles is not timed. The databases are measured twice: with
`write_article` (one transaction per article, what the pipeline does) and with
`write_articles` (`--batch` articles per transaction, for bulk loads).
PostgreSQL that does not answer is reported as skipped.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import psycopg

from extractor.schemas import Article, Claim, Evidence, Metric, claim_id
from extractor.sinks import open_sink

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
METRICS: tuple[Metric, ...] = ("price", "price_change", "volume", "short_interest", "market_cap")


def synthetic_articles(n_articles: int, n_claims: int) -> list[Article]:
    """Articles with distinct, realistic-looking claims (ids as the pipeline computes them)."""
    out = []
    for i in range(n_articles):
        article = Article(
            id=f"bench-{i:07d}",
            url=f"https://example.com/{i}",
            path=f"dump/{i}.html",
            title=f"Markets wrap {i}",
            site="example.com",
            published="2025-05-08T10:00:00+00:00",
        )
        ref = article.ref()
        for k in range(n_claims):
            metric, value, as_of = (
                METRICS[k % len(METRICS)],
                1000.0 + i + k / 100,
                f"2025-05-{1 + k % 28:02d}",
            )
            qualifiers = {"session": "close"} if k % 3 == 0 else {}
            article.claims.append(
                Claim(
                    claim_id=claim_id(article.id, metric, "Bitcoin", value, "USD", as_of, qualifiers),
                    article=ref,
                    metric=metric,
                    subject="Bitcoin",
                    subject_type="crypto",
                    symbol="BTC",
                    value=value,
                    unit="USD",
                    qualifiers=qualifiers,
                    as_of=as_of,
                    attributed_to="CoinGecko",
                    evidence=Evidence(
                        text=f"Bitcoin at ${value:,.2f}",
                        sentence=f"Bitcoin traded at ${value:,.2f} on Thursday, according to CoinGecko.",
                        start=40 * k,
                        end=40 * k + 20,
                    ),
                    mentions=1,
                    confidence=0.9,
                )
            )
        out.append(article)
    return out


@contextmanager
def file_target(suffix: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield str(Path(folder) / f"claims{suffix}")


@contextmanager
def postgres_target(server: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{server}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def time_writes(target: str, articles: list[Article], batch: int) -> float:
    """Seconds to open `target`, write every article (`batch` per transaction) and close it."""
    start = time.perf_counter()
    with open_sink(target) as sink:
        if batch == 1:
            for article in articles:
                sink.write_article(article)
        else:
            for i in range(0, len(articles), batch):
                sink.write_articles(articles[i : i + batch])
    return time.perf_counter() - start


def median_rate(
    make_target: Callable[[], AbstractContextManager[str]], articles: list[Article], repeat: int, batch: int
) -> float:
    n_claims = sum(len(a.claims) for a in articles)
    times = []
    for _ in range(repeat):
        with make_target() as target:
            times.append(time_writes(target, articles, batch))
    return n_claims / statistics.median(times)


def postgres_problem(server: str) -> str | None:
    try:
        with psycopg.connect(server, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--claims", type=int, default=10, help="claims per article")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100, help="articles per transaction in the batched rows")
    parser.add_argument("--pg", default=PG_URL, help=f"PostgreSQL server (default {PG_URL})")
    args = parser.parse_args()

    articles = synthetic_articles(args.articles, args.claims)
    print(f"{args.articles} articles x {args.claims} claims, median of {args.repeat} runs")
    sinks: list[tuple[str, Callable[[], AbstractContextManager[str]], int]] = [
        ("jsonl", lambda: file_target(".jsonl"), 1),
        ("sqlite", lambda: file_target(".db"), 1),
        (f"sqlite, batches of {args.batch}", lambda: file_target(".db"), args.batch),
    ]
    problem = postgres_problem(args.pg)
    if problem is None:
        sinks.append(("postgresql", lambda: postgres_target(args.pg), 1))
        sinks.append((f"postgresql, batches of {args.batch}", lambda: postgres_target(args.pg), args.batch))
    baseline = None
    for name, make_target, batch in sinks:
        rate = median_rate(make_target, articles, args.repeat, batch)
        baseline = baseline or rate
        print(f"{name:28} {rate:10,.0f} claims/s  {rate / baseline:5.2f} x jsonl")
    if problem is not None:
        print(f"{'postgresql':28} skipped: not reachable at {args.pg} ({problem})")


if __name__ == "__main__":
    main()
