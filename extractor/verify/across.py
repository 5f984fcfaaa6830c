"""The same fact in other articles of a claims database (`--db`).

In: an article, its claims, a database target (SQLite file, `sqlite:///` or PostgreSQL URL) and
the tolerances. Out: for each claim that other articles also state, one `contradicted` verdict
per article that gives another value for the same moment (`checks.same_moment`: two prices
of one day are not a conflict; naming both articles) and one `supported` verdict counting the
articles that agree.

Only independent articles count: the article itself, and its syndicated copies (articles whose
`duplicate_of` points at it, the article its own `duplicate_of` points at, copies of the same
original, and articles with the same text) are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, select

from extractor.schemas import Article, Claim
from extractor.sinks import read_claims, sql
from extractor.verify import dates
from extractor.verify.checks import describe, fact_key, is_stated_value, restates, same_moment, show
from extractor.verify.tolerances import Tolerances
from extractor.verify.verdicts import Verdict


@dataclass(frozen=True)
class Links:
    """Which articles of the database are not independent of the one being verified."""

    not_independent: frozenset[str]


@contextmanager
def open_database(db_url: str) -> Iterator[Engine]:
    """A read engine on an existing claims database (`SinkError` when it is not one)."""
    engine = sql.connect(db_url, create=False)
    try:
        yield engine
    finally:
        engine.dispose()


def syndication_links(engine: Engine, article: Article) -> Links:
    """The ids of the article and of its syndicated copies in the database."""
    a = sql.articles.c
    # a read-only transaction: the sink starts SQLite write transactions with BEGIN IMMEDIATE unless told
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        rows = conn.execute(select(a.id, a.duplicate_of, a.text_hash)).all()
    own = next((r for r in rows if r.id == article.id), None)
    original = (own.duplicate_of if own is not None else None) or article.duplicate_of
    text_hash = (own.text_hash if own is not None else None) or article.text_hash
    roots = {article.id} | ({original} if original else set())
    linked = {article.id} | roots
    for row in rows:
        if row.duplicate_of in roots or row.id in roots or (text_hash and row.text_hash == text_hash):
            linked.add(row.id)
    return Links(frozenset(linked))


def same_fact(a: Claim, b: Claim) -> bool:
    """Whether two claims (of different articles) state the same fact: equal `fact_key`s."""
    return fact_key(a) == fact_key(b)


def _name(claim: Claim) -> str:
    ref = claim.article
    return ref.title or ref.path or ref.url or ref.id


def check_across(article: Article, claims: list[Claim], engine: Engine, tol: Tolerances) -> list[Verdict]:
    """Verdicts of `claims` against the other articles of the database (see the module docstring)."""
    links = syndication_links(engine, article)
    out: list[Verdict] = []
    for claim in claims:
        day = dates.day(claim.as_of)
        if day is None:
            continue
        others = [
            c
            for c in read_claims(engine, subject=claim.subject, metric=claim.metric, since=day, until=day)
            if c.article.id not in links.not_independent and same_fact(claim, c)
        ]
        by_article: dict[str, list[Claim]] = {}
        for other in others:
            by_article.setdefault(other.article.id, []).append(other)
        agreeing: list[Claim] = []
        for stated in by_article.values():
            match = next((c for c in stated if _agree(claim, c, tol)), None)
            if match is not None:
                agreeing.append(match)
                continue
            other = stated[0]
            strength = (
                same_moment(claim, other) if is_stated_value(claim) and is_stated_value(other) else None
            )
            if strength is None:
                continue  # two values of one day that need not be of the same moment: no contradiction
            out.append(
                Verdict(
                    claim=claim,
                    verdict="contradicted",
                    check="across_articles",
                    reason=f"\u201c{_name(other)}\u201d ({other.article.id}) gives the {describe(claim)} as "
                    f"{show(other.value, other.unit)}; this article ({claim.article.id}) says "
                    f"{show(claim.value, claim.unit)}",
                    checked_against=other,
                    expected=other.value,
                    strength=strength,
                )
            )
        if agreeing:
            names = ", ".join(f"\u201c{_name(c)}\u201d" for c in agreeing[:3]) + (
                " …" if len(agreeing) > 3 else ""
            )
            out.append(
                Verdict(
                    claim=claim,
                    verdict="supported",
                    check="across_articles",
                    reason=f"{len(agreeing)} independent article{'s agree' if len(agreeing) > 1 else ' agrees'}: {names}",
                    checked_against=agreeing[0],
                    expected=agreeing[0].value,
                    strength="moderate",
                )
            )
    return out


def _agree(a: Claim, b: Claim, tol: Tolerances) -> bool:
    return tol.agree(a.metric, a.unit, a.value, b.value) or restates(a.value, b.value)
