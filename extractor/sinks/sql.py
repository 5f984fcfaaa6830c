"""Claims in a SQL database: SQLite by default, PostgreSQL for real, one code path for both.

In: `Article` models (with their claims) to write; a database target to read from.
Out: rows in the tables below; `Claim` models and counts read back (`read_claims`, `stats`).

A target is a SQLite file path (`*.db`, `*.sqlite`, `*.sqlite3`), a `sqlite:///` URL, or a
PostgreSQL URL (`postgresql://`, `postgres://`, `postgresql+psycopg://`; the first two are
mapped to the psycopg 3 driver). `database_url()` does the mapping.

Tables (SQLAlchemy Core, `metadata` below):

* `articles`  one row per article: id, url, path, title, site, published, text_hash,
  duplicate_of, processed_at (UTC ISO 8601 text: when the row was last written with new content).
* `claims`    one row per claim: every field of the contract `claims/1` as a column (the
  `evidence` block flattened to `evidence_*`, `qualifiers` as JSON), plus `article_id` and the
  `rule` that produced the claim. Indexes on subject, metric, as_of and article_id.
* `runs`      one row per pipeline run: started_at, finished_at, inputs (JSON), counts (JSON), version.
* `batch_records`  one row per finished `claims batch` record (resume progress): record key,
  input, article_id, duplicate_of, minhash, the number of claims the article had, run_id.
  Written in the same transaction as the article (`write_record`); deleting an article deletes
  its rows, and a row whose article now holds a different number of claims (`TRUNCATE claims`,
  a restored backup) is not trusted (`done_records`).
* `article_signatures`  one row per article written by `claims batch`: the MinHash signature
  of its text and its publication date, numbered in commit order (`seq`), from which every
  writer decides near-duplicates (`duplicate_of`) with every article of the database, in the
  article's own transaction (see `SqlSink.write_record`).
* `schema_version`  the migrations applied.

Writes (`SqlSink.write_article`) are idempotent and atomic: one transaction per article
upserts the article row, deletes the article's claims that are not in the new list (a
rewritten article *replaces* its claims) and upserts the rest on `claim_id`. A row is only
updated when one of its values differs, so writing the same article again changes nothing.

Concurrency: SQLite runs in WAL mode with a busy timeout and every write transaction starts
with `BEGIN IMMEDIATE`, so writers queue instead of failing half-way; a transaction that still
meets "database is locked" (or a PostgreSQL deadlock / serialization failure) is retried
from the start. PostgreSQL writers lock the article row first, so two writers of the same
article take turns.

Migrations: a versioned list in code (`MIGRATIONS`), applied in order by `connect()` under a
lock (`BEGIN IMMEDIATE` on SQLite, an advisory lock on PostgreSQL) and recorded in
`schema_version`. Why not Alembic: the schema is six tables; a list of Python functions runs
identically on both databases, in the same transaction as the version bump, needs no
configuration directory or extra dependency, and a fresh test database is migrated by simply
opening it. To change the schema, append `Migration(2, ..., fn)` with explicit DDL and update
the table definitions; migration 1 then has to keep creating the *version-1* tables (freeze a
copy of them in `_create_v1`).
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    Double,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    inspect,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from extractor.errors import InputError, SinkError
from extractor.schemas import Article, Claim
from extractor.sinks.progress import DoneRecord, Progress

if TYPE_CHECKING:  # a type only: extractor.batch imports the sinks
    from extractor.batch.near_duplicates import NearDuplicates, Plan

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
POSTGRES_PREFIXES = ("postgresql+psycopg://", "postgresql://", "postgres://")
ACCEPTED = (
    "a SQLite file (*.db, *.sqlite, *.sqlite3), a sqlite:/// URL, "
    "or a PostgreSQL URL (postgresql://, postgres://, postgresql+psycopg://)"
)
SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_ATTEMPTS = 12
PG_MIGRATION_LOCK = 0x6D635F6D  # advisory lock key ("mc_m") held while migrating
PG_DUPLICATES_LOCK = 0x6D635F64  # advisory lock key ("mc_d") held by a batch write deciding near-duplicates

T = TypeVar("T")

# --------------------------------------------------------------------------- schema

JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")  # jsonb has equality; json has not

metadata = MetaData()

articles = Table(
    "articles",
    metadata,
    Column("id", String, primary_key=True),
    Column("url", Text),
    Column("path", Text),
    Column("title", Text),
    Column("site", Text),
    Column("published", String),
    Column("text_hash", String),
    Column("duplicate_of", String),
    Column("processed_at", String, nullable=False),
)

claims = Table(
    "claims",
    metadata,
    Column("claim_id", String, primary_key=True),
    Column("article_id", String, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("schema", String, nullable=False),
    Column("metric", String, nullable=False),
    Column("subject", Text, nullable=False),
    Column("subject_type", String, nullable=False),
    Column("symbol", String),
    Column("value", Double, nullable=False),
    Column("value_max", Double),
    Column("unit", String, nullable=False),
    Column("qualifiers", JSONType, nullable=False),
    Column("as_of", String),
    Column("period", String),
    Column("attributed_to", Text),
    Column("hedge", String),
    Column("evidence_text", Text, nullable=False),
    Column("evidence_sentence", Text, nullable=False),
    Column("evidence_start", BigInteger, nullable=False),
    Column("evidence_end", BigInteger, nullable=False),
    Column("mentions", Integer, nullable=False),
    Column("confidence", Double, nullable=False),
    Column("rule", String),
    CheckConstraint("confidence >= 0 AND confidence <= 1", name="ck_claims_confidence"),
    CheckConstraint("mentions >= 1", name="ck_claims_mentions"),
    CheckConstraint("evidence_start >= 0 AND evidence_end >= 0", name="ck_claims_evidence_offsets"),
    Index("ix_claims_subject", "subject"),
    Index("ix_claims_metric", "metric"),
    Index("ix_claims_as_of", "as_of"),
    Index("ix_claims_article_id", "article_id"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", String, nullable=False),
    Column("finished_at", String),
    Column("inputs", JSONType),
    Column("counts", JSONType),
    Column("version", String),
)

batch_records = Table(
    "batch_records",
    metadata,
    Column("key", Text, primary_key=True),
    Column("input", Text, nullable=False),
    Column("article_id", String, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("duplicate_of", String),
    Column("minhash", LargeBinary),
    Column("claims", Integer, nullable=False),  # claims of the article when written: a check on resume
    Column("run_id", Integer),
    Column("done_at", String, nullable=False),
    Index("ix_batch_records_article_id", "article_id"),
)

article_signatures = Table(
    "article_signatures",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # commit order (`_plan_duplicates`)
    Column("article_id", String, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("published", String),
    Column("minhash", LargeBinary, nullable=False),
    sqlite_autoincrement=True,  # a seq is never reused, even after a delete
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("applied_at", String, nullable=False),
)

# --------------------------------------------------------------------------- migrations


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _create_v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[articles, claims, runs])


def _create_batch_records(conn: Connection) -> None:
    metadata.create_all(conn, tables=[batch_records])


def _create_article_signatures(conn: Connection) -> None:
    """The near-duplicate signatures, one per article, filled from the batch records written so far."""
    metadata.create_all(conn, tables=[article_signatures])
    b, a = batch_records.c, articles.c
    rows = conn.execute(
        select(b.article_id, a.published, b.minhash)
        .join(articles, a.id == b.article_id)
        .where(b.minhash.is_not(None))
        .order_by(b.done_at, b.key)
    )
    first: dict[str, dict[str, Any]] = {}
    for article_id, published, minhash in rows:
        first.setdefault(article_id, {"article_id": article_id, "published": published, "minhash": minhash})
    if first:
        conn.execute(article_signatures.insert(), list(first.values()))


MIGRATIONS: list[Migration] = [
    Migration(1, "create articles, claims and runs", _create_v1),
    Migration(2, "create batch_records (resume progress kept in the database)", _create_batch_records),
    Migration(
        3, "create article_signatures (near-duplicates decided in the database)", _create_article_signatures
    ),
]
LATEST_VERSION = MIGRATIONS[-1].version


def _current_version(conn: Connection) -> int:
    return conn.execute(select(func.coalesce(func.max(schema_version.c.version), 0))).scalar_one()


def _migrate(conn: Connection) -> None:
    """Apply the pending migrations inside the caller's transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(PG_MIGRATION_LOCK)))
    metadata.create_all(conn, tables=[schema_version])
    current = _current_version(conn)
    if current > LATEST_VERSION:
        raise SinkError(
            f"database schema version {current} is newer than this market-claims knows "
            f"({LATEST_VERSION}): upgrade market-claims"
        )
    for migration in MIGRATIONS:
        if migration.version > current:
            migration.apply(conn)
            conn.execute(
                schema_version.insert().values(
                    version=migration.version, description=migration.description, applied_at=_now()
                )
            )


# --------------------------------------------------------------------------- connecting


def database_url(target: str) -> str:
    """The SQLAlchemy URL of a database target (see the module docstring); `SinkError` otherwise."""
    if target.startswith("sqlite:///"):
        return target
    for prefix in POSTGRES_PREFIXES:
        if target.startswith(prefix):
            return "postgresql+psycopg://" + target[len(prefix) :]
    if target.lower().endswith(SQLITE_SUFFIXES) and "://" not in target:
        return "sqlite:///" + str(Path(target).expanduser().absolute())
    raise SinkError(f"{target}: not a database; expected {ACCEPTED}")


def display_name(target: str) -> str:
    """The target as the user gave it, for messages; a URL without its password."""
    if "://" not in target:
        return target
    try:
        return make_url(target).render_as_string(hide_password=True)
    except ArgumentError:
        return target


def connect(target: str, *, create: bool = True) -> Engine:
    """An engine on `target` with the pending migrations applied.

    `create=False` (readers) refuses a SQLite file that does not exist and a database without
    market-claims tables instead of creating them.
    """
    url = database_url(target)
    name = display_name(target)
    try:
        engine = _make_engine(url)
    except ArgumentError as exc:
        raise SinkError(f"{name}: not a valid database URL ({exc})") from None
    try:
        if not create:
            _check_exists(engine, url, name)
        if _version(engine) != LATEST_VERSION:  # checked read-only first: readers need no write lock
            _retrying(name, lambda: _migrate_once(engine))
    except DBAPIError as exc:
        engine.dispose()
        raise SinkError(f"{name}: {_first_line(exc)}") from exc
    except BaseException:
        engine.dispose()
        raise
    return engine


def _migrate_once(engine: Engine) -> None:
    with engine.begin() as conn:
        _migrate(conn)


def _version(engine: Engine) -> int:
    """The schema version of the database (0: no market-claims tables yet)."""
    with _reading(engine.connect()) as conn:
        return _current_version(conn) if inspect(conn).has_table("schema_version") else 0


def _check_exists(engine: Engine, url: str, name: str) -> None:
    database = make_url(url).database
    if (
        engine.dialect.name == "sqlite"
        and database not in (None, "", ":memory:")
        and not Path(database).exists()
    ):
        raise SinkError(f"{name}: no such database file")
    if _version(engine) == 0:
        raise SinkError(f"{name}: not a market-claims database (no schema_version table)")


def _make_engine(url: str) -> Engine:
    serializer = _json_dumps
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, json_serializer=serializer)
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url, json_serializer=serializer, pool_pre_ping=True, connect_args={"connect_timeout": 10}
    )


def _json_dumps(value: Any) -> str:
    # sorted keys: the same qualifiers always serialize to the same text (SQLite compares text)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, foreign keys, and `BEGIN IMMEDIATE` for write transactions.

    pysqlite's own transaction handling is switched off (isolation_level None) so that the
    `begin` event decides how a transaction starts: readers pass the execution option
    `sqlite_begin="DEFERRED"`; everything else takes the write lock up front, so a writer
    waits for the lock (busy timeout) instead of failing on a lock upgrade half-way.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        _set_wal(cur)
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _set_wal(cur: Any) -> None:
    """Switch a database file to WAL once. The switch needs the file to itself and SQLite does not
    wait for it (no busy handler): when another process is opening the same new file at the same
    moment, try again for a few seconds; a file already in WAL mode needs no switch."""
    if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    for _ in range(100):
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower():
                raise
            time.sleep(0.05)
    cur.execute("PRAGMA journal_mode = WAL")


def _reading(conn: Connection) -> Connection:
    return conn.execution_options(sqlite_begin="DEFERRED")


# --------------------------------------------------------------------------- retries


# what a server restart or a dropped connection looks like: the transaction is tried again on
# a new connection (the pool pings before handing one out)
_CONNECTION_LOST = (
    "server closed the connection",
    "terminating connection",
    "connection refused",
    "connection failed",
    "the database system is starting up",
    "the database system is shutting down",
    "consuming input failed",
    "connection is closed",
)


def _is_retryable(exc: DBAPIError) -> bool:
    message = str(exc.orig).lower()
    if (
        "database is locked" in message
        or "database table is locked" in message
        or "database is busy" in message
    ):
        return True
    if exc.connection_invalidated or any(text in message for text in _CONNECTION_LOST):
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    # serialization failure, deadlock; connection exceptions (08…); admin / crash shutdown (57P0…)
    return sqlstate in ("40001", "40P01") or sqlstate.startswith(("08", "57P0"))


def _retrying(name: str, attempt: Callable[[], T]) -> T:
    """Run the transaction `attempt` again (with growing, jittered pauses) while it meets a lock."""
    for number in range(1, WRITE_ATTEMPTS + 1):
        try:
            return attempt()
        except DBAPIError as exc:
            if not _is_retryable(exc):
                raise SinkError(f"{name}: {_first_line(exc)}") from exc
            if number == WRITE_ATTEMPTS:
                raise SinkError(
                    f"{name}: still locked after {WRITE_ATTEMPTS} attempts ({_first_line(exc)})"
                ) from exc
            time.sleep(min(2.0, 0.02 * 2**number) * random.uniform(0.5, 1.0))
    raise AssertionError("unreachable")


def _first_line(exc: DBAPIError) -> str:
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__


# --------------------------------------------------------------------------- writing


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@lru_cache(maxsize=32)
def _upsert_statement(
    dialect: str, table: Table, columns: tuple[str, ...], key: str, touch: tuple[str, ...]
) -> Any:
    """INSERT of `columns`, or UPDATE of the row with the same `key` when a compared value differs.

    Columns named in `touch` (e.g. a timestamp) are written but not compared. Built once per
    shape: building the statement costs more than running it.
    """
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    compared = [c for c in columns if c != key and c not in touch]
    return stmt.on_conflict_do_update(
        index_elements=[key],
        set_={c: stmt.excluded[c] for c in columns if c != key},
        where=or_(*(table.c[c].is_distinct_from(stmt.excluded[c]) for c in compared)),
    )


def _upsert(
    conn: Connection, table: Table, rows: list[dict[str, Any]], key: str, touch: tuple[str, ...] = ()
) -> None:
    conn.execute(_upsert_statement(conn.dialect.name, table, tuple(rows[0]), key, touch), rows)


def article_row(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "url": article.url,
        "path": article.path,
        "title": article.title,
        "site": article.site,
        "published": article.published,
        "text_hash": article.text_hash,
        "duplicate_of": article.duplicate_of,
        "processed_at": _now(),
    }


def claim_row(claim: Claim) -> dict[str, Any]:
    ev = claim.evidence
    return {
        "claim_id": claim.claim_id,
        "article_id": claim.article.id,
        "schema": claim.schema_,
        "metric": claim.metric,
        "subject": claim.subject,
        "subject_type": claim.subject_type,
        "symbol": claim.symbol,
        "value": claim.value,
        "value_max": claim.value_max,
        "unit": claim.unit,
        "qualifiers": claim.qualifiers,
        "as_of": claim.as_of,
        "period": claim.period,
        "attributed_to": claim.attributed_to,
        "hedge": claim.hedge,
        "evidence_text": ev.text,
        "evidence_sentence": ev.sentence,
        "evidence_start": ev.start,
        "evidence_end": ev.end,
        "mentions": claim.mentions,
        "confidence": claim.confidence,
        "rule": claim.rule,
    }


def unique_claims(article: Article) -> list[Claim]:
    """What every sink stores of `article.claims`: the first claim of each claim_id, each with
    the article's own block (`article.ref()`), so that all sinks give back the same records.

    A claim of another article (different `article.id`) is a `SinkError`.
    """
    ref = article.ref()
    seen: dict[str, Claim] = {}
    for claim in article.claims:
        if claim.article.id != article.id:
            raise SinkError(f"claim {claim.claim_id} belongs to article {claim.article.id}, not {article.id}")
        if claim.claim_id not in seen:
            seen[claim.claim_id] = (
                claim if claim.article == ref else claim.model_copy(update={"article": ref})
            )
    return list(seen.values())


def _sorted_rows(article: Article) -> list[dict[str, Any]]:
    """The claim rows of an article in claim_id order (one lock order for concurrent writers)."""
    return sorted((claim_row(c) for c in unique_claims(article)), key=lambda r: r["claim_id"])


def _write_article(conn: Connection, article: Article, rows: list[dict[str, Any]]) -> int:
    """One article and its claims in the caller's transaction; returns the claims that are new."""
    _upsert(conn, articles, [article_row(article)], "id", touch=("processed_at",))  # locks the article first
    keep = {r["claim_id"] for r in rows}
    existing = set(conn.scalars(select(claims.c.claim_id).where(claims.c.article_id == article.id)))
    if existing - keep:  # a rewritten article replaces its claims
        conn.execute(delete(claims).where(claims.c.claim_id.in_(sorted(existing - keep))))
    if rows:
        _upsert(conn, claims, rows, "claim_id")
    return len(keep - existing)


def _store_signature(conn: Connection, article: Article, record: DoneRecord) -> None:
    """The article's near-duplicate signature (the first one stored for an article id stays)."""
    stmt = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(article_signatures)
    values = {"article_id": article.id, "published": article.published, "minhash": record.minhash}
    conn.execute(stmt.values(**values).on_conflict_do_nothing(index_elements=["article_id"]))


def _relink(conn: Connection, links: dict[str, str | None]) -> None:
    """Set `duplicate_of` of the articles in `links` (and of their batch records) where it differs."""
    for article_id, original in sorted(links.items()):
        for table, column in ((articles, articles.c.id), (batch_records, batch_records.c.article_id)):
            conn.execute(
                update(table)
                .where(column == article_id, table.c.duplicate_of.is_distinct_from(original))
                .values(duplicate_of=original)
            )


class SqlSink:
    """A sink writing into a SQLite or PostgreSQL database (see the module docstring)."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self.articles_written = 0
        self.claims_written = 0
        self._run_id: int | None = None
        self._signatures_seen = 0  # the last `article_signatures.seq` put into a near-duplicate index

    @classmethod
    def open(cls, target: str) -> SqlSink:
        return cls(connect(target, create=True), display_name(target))

    def write_article(self, article: Article) -> int:
        """Write the article and its claims in one transaction; return how many claims are new."""
        return self.write_articles([article])

    def write_articles(self, batch: Iterable[Article]) -> int:
        """Write several articles in one transaction (all or none): faster for bulk loads.

        Articles are written in id order, so that concurrent writers lock rows in one order.
        """
        work = [(a, _sorted_rows(a)) for a in sorted(batch, key=lambda a: a.id)]
        if not work:
            return 0

        def attempt() -> int:
            with self.engine.begin() as conn:
                return sum(_write_article(conn, article, rows) for article, rows in work)

        ids = work[0][0].id if len(work) == 1 else f"{work[0][0].id} … {work[-1][0].id}"
        new = _retrying(f"{self.name} (article {ids})", attempt)
        self.articles_written += len(work)
        self.claims_written += new
        return new

    def write_record(
        self, article: Article, record: DoneRecord, duplicates: NearDuplicates | None = None
    ) -> int:
        """Write the article and list the batch record as done, in one transaction.

        With `duplicates` (the run's near-duplicate index), the same transaction also decides the
        article's `duplicate_of` with every article the database holds, whichever writer wrote
        it (see `_plan_duplicates`), stores the article's signature, and re-links the articles
        (and their batch records) that now have an earlier original; `article.duplicate_of` is
        set. Without it, `article.duplicate_of` and `record.duplicate_of` are written as given.
        """
        rows = _sorted_rows(article)
        count = len(rows)

        def attempt() -> tuple[int, Plan | None]:
            with self.engine.begin() as conn:
                plan = self._plan_duplicates(conn, duplicates, article, record)
                duplicate_of = plan.duplicate_of if plan else record.duplicate_of
                if plan:
                    article.duplicate_of = duplicate_of
                new = _write_article(conn, article, rows)
                # every record of this article is done as the article now stands (the last
                # writer of an article wins, as in an uninterrupted run)
                conn.execute(
                    update(batch_records)
                    .where(batch_records.c.article_id == article.id, batch_records.c.claims != count)
                    .values(claims=count)
                )
                _upsert(
                    conn,
                    batch_records,
                    [
                        {
                            "key": record.key,
                            "input": record.input,
                            "article_id": article.id,
                            "duplicate_of": duplicate_of,
                            "minhash": record.minhash,
                            "claims": count,
                            "run_id": self._run_id,
                            "done_at": _now(),
                        }
                    ],
                    "key",
                    touch=("done_at", "run_id"),
                )
                if plan:
                    _store_signature(conn, article, record)
                    _relink(conn, plan.others())
                return new, plan

        new, plan = _retrying(f"{self.name} (article {article.id})", attempt)
        if plan and duplicates is not None:
            duplicates.commit(plan)  # only once it is in the database
        self.articles_written += 1
        self.claims_written += new
        return new

    def _plan_duplicates(
        self, conn: Connection, duplicates: NearDuplicates | None, article: Article, record: DoneRecord
    ) -> Plan | None:
        """In the write transaction: bring `duplicates` up to date with the signatures other
        writers (and earlier runs) stored, then plan the article's links; None when off.

        Batch writers decide one at a time: SQLite's `BEGIN IMMEDIATE` already serializes them,
        PostgreSQL writers take an advisory lock for the transaction. So the signatures are
        committed in `seq` order, and reading those after the last `seq` seen gives every
        article another writer added since.
        """
        if duplicates is None or not duplicates.enabled or record.minhash is None:
            return None
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(PG_DUPLICATES_LOCK)))
        s = article_signatures.c
        query = select(s.seq, s.article_id, s.published, s.minhash).where(s.seq > self._signatures_seen)
        for seq, article_id, published, minhash in conn.execute(query.order_by(s.seq)):
            duplicates.add(article_id, published, bytes(minhash))
            self._signatures_seen = seq  # committed by their writers: kept even if this attempt fails
        return duplicates.plan(article.id, article.published, record.minhash)

    def done_records(self) -> Progress:
        """The batch records whose article still holds the claims it had when written."""
        held = select(claims.c.article_id, func.count().label("n")).group_by(claims.c.article_id).subquery()
        b = batch_records.c
        query = (
            select(
                b.key,
                b.input,
                b.article_id,
                b.duplicate_of,
                b.minhash,
                (func.coalesce(held.c.n, 0) == b.claims).label("intact"),
            )
            .outerjoin_from(batch_records, held, held.c.article_id == b.article_id)
            .order_by(b.done_at, b.key)
        )
        progress = Progress()

        def attempt() -> None:
            progress.done.clear()
            progress.lost = 0
            with _reading(self.engine.connect()) as conn:
                for key, input_, article_id, duplicate_of, minhash, intact in conn.execute(query):
                    if intact:
                        progress.done[key] = DoneRecord(
                            key,
                            input_,
                            article_id,
                            duplicate_of,
                            bytes(minhash) if minhash is not None else None,
                        )
                    else:
                        progress.lost += 1

        _retrying(self.name, attempt)
        return progress

    def known_article_ids(self) -> set[str]:
        with _reading(self.engine.connect()) as conn:
            return set(conn.scalars(select(articles.c.id)))

    def has_article(self, article_id: str) -> bool:
        with _reading(self.engine.connect()) as conn:
            return conn.scalar(select(articles.c.id).where(articles.c.id == article_id)) is not None

    def start_run(self, inputs: list[str] | None = None, version: str | None = None) -> int:
        def attempt() -> int:
            with self.engine.begin() as conn:
                stmt = runs.insert().values(started_at=_now(), inputs=inputs, version=version)
                return conn.execute(stmt.returning(runs.c.id)).scalar_one()

        self._run_id = _retrying(self.name, attempt)
        return self._run_id

    def finish_run(self, counts: dict[str, Any] | None = None) -> None:
        if self._run_id is None:
            return
        run_id, self._run_id = self._run_id, None
        merged = {
            "articles_written": self.articles_written,
            "claims_written": self.claims_written,
            **(counts or {}),
        }

        def attempt() -> None:
            with self.engine.begin() as conn:
                conn.execute(
                    update(runs).where(runs.c.id == run_id).values(finished_at=_now(), counts=merged)
                )

        _retrying(self.name, attempt)

    def close(self) -> None:
        try:
            self.finish_run()
        finally:
            self.engine.dispose()

    def __enter__(self) -> SqlSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- reading

_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _check_date(value: str, option: str) -> str:
    if not _PARTIAL_DATE.match(value):
        raise InputError(value, f"{option} takes an ISO date: YYYY-MM-DD, YYYY-MM or YYYY")
    return value


def _after(until: str) -> str:
    """The first date after the day, month or year `until` (an exclusive upper bound)."""
    parts = [int(p) for p in until.split("-")]
    if len(parts) == 1:
        return f"{parts[0] + 1:04d}"
    if len(parts) == 2:
        year, month = parts[0] + parts[1] // 12, parts[1] % 12 + 1
        return f"{year:04d}-{month:02d}"
    return (date(*parts) + timedelta(days=1)).isoformat()


def _filters(
    subject: str | None,
    metric: str | None,
    since: str | None,
    until: str | None,
    source: str | None,
    article_id: str | None,
) -> list[Any]:
    """WHERE clauses of `read_claims` (as_of is ISO text, so dates compare as strings).

    `since`: as_of on or after it, or a coarser as_of (month, year) that contains it.
    `until`: as_of (a month or year read as its first day) before the end of that day (month,
    year), so that date-times on that day count.
    """
    c = claims.c
    where: list[Any] = []
    if subject:
        where.append(or_(func.lower(c.subject) == subject.lower(), func.lower(c.symbol) == subject.lower()))
    if metric:
        where.append(c.metric == metric)
    if since:
        bound = _check_date(since, "since")
        where.append(or_(c.as_of >= bound, func.substr(literal(bound), 1, func.length(c.as_of)) == c.as_of))
    if until:
        first_day = c.as_of.concat(
            func.substr(literal("0000-01-01"), func.length(c.as_of) + 1)
        )  # 2025-05 → 2025-05-01
        where.append(first_day < _after(_check_date(until, "until")))
    if source:
        where.append(func.lower(c.attributed_to).contains(source.lower(), autoescape=True))
    if article_id:
        where.append(c.article_id == article_id)
    return where


def _claim_from_row(row: Any) -> Claim:
    m = row._mapping
    return Claim.model_validate(
        {
            "schema": m["schema"],
            "claim_id": m["claim_id"],
            "article": {
                "id": m["article_id"],
                "url": m["url"],
                "path": m["path"],
                "title": m["title"],
                "published": m["published"],
            },
            "metric": m["metric"],
            "subject": m["subject"],
            "subject_type": m["subject_type"],
            "symbol": m["symbol"],
            "value": m["value"],
            "value_max": m["value_max"],
            "unit": m["unit"],
            "qualifiers": m["qualifiers"] or {},
            "as_of": m["as_of"],
            "period": m["period"],
            "attributed_to": m["attributed_to"],
            "hedge": m["hedge"],
            "evidence": {
                "text": m["evidence_text"],
                "sentence": m["evidence_sentence"],
                "start": m["evidence_start"],
                "end": m["evidence_end"],
            },
            "mentions": m["mentions"],
            "confidence": m["confidence"],
            "rule": m["rule"],
        }
    )


def _claims_query(where: list[Any], limit: int | None, offset: int, order: str) -> Any:
    a, c = articles.c, claims.c
    query = (
        select(claims, a.url, a.path, a.title, a.published).join(articles, c.article_id == a.id).where(*where)
    )
    if order == "article":  # the order of the text: what `export` uses
        query = query.order_by(c.article_id, c.evidence_start, c.claim_id)
    else:
        query = query.order_by(c.as_of.asc().nulls_last(), c.subject, c.metric, c.claim_id)
    return query.limit(limit).offset(offset or None)


@contextmanager
def _reader(db: str | Engine) -> Iterator[Connection]:
    """A read connection on `db`; an engine opened here is disposed of afterwards, and a
    database error becomes a `SinkError` naming the database."""
    owned = not isinstance(db, Engine)
    engine = connect(db, create=False) if isinstance(db, str) else db
    name = display_name(db) if isinstance(db, str) else engine.url.render_as_string(hide_password=True)
    try:
        with _reading(engine.connect()) as conn:
            yield conn
    except DBAPIError as exc:
        raise SinkError(f"{name}: {_first_line(exc)}") from exc
    finally:
        if owned:
            engine.dispose()


def iter_claims(
    db: str | Engine,
    *,
    subject: str | None = None,
    metric: str | None = None,
    since: str | None = None,
    until: str | None = None,
    source: str | None = None,
    article_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    order: str = "as_of",
) -> Iterator[Claim]:
    """Stream the claims matching the filters (all given filters must hold); see `read_claims`."""
    where = _filters(subject, metric, since, until, source, article_id)
    with _reader(db) as conn:
        result = conn.execution_options(yield_per=500).execute(_claims_query(where, limit, offset, order))
        for row in result:
            yield _claim_from_row(row)


def read_claims(
    db: str | Engine,
    *,
    subject: str | None = None,
    metric: str | None = None,
    since: str | None = None,
    until: str | None = None,
    source: str | None = None,
    article_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Claim]:
    """The claims of database `db` (a target string or an engine from `connect`) as `Claim` models.

    subject: canonical name or symbol, case-insensitive; metric: exact; source: part of
    attributed_to, case-insensitive ("kobeissi"); since / until: ISO dates (YYYY[-MM[-DD]])
    bounding as_of, both inclusive; ordered by as_of (unknown last), subject, metric, claim_id.
    """
    return list(
        iter_claims(
            db,
            subject=subject,
            metric=metric,
            since=since,
            until=until,
            source=source,
            article_id=article_id,
            limit=limit,
            offset=offset,
        )
    )


def _count_by(conn: Connection, column: Any, top: int | None) -> list[tuple[str | None, int]]:
    n = func.count().label("n")
    query = select(column, n).group_by(column).order_by(n.desc(), column).limit(top)
    return [(value, count) for value, count in conn.execute(query)]


def stats(db: str | Engine, *, top: int | None = None) -> dict[str, Any]:
    """Counts of a database: articles, claims, runs, and claims per metric / subject / source.

    Per-group counts are lists of `(name, claims)` pairs, most frequent first, at most `top` each;
    the source of a claim the article states in its own voice is None.
    """
    with _reader(db) as conn:
        last_run = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(1)).first()
        return {
            "articles": conn.scalar(select(func.count()).select_from(articles)),
            "claims": conn.scalar(select(func.count()).select_from(claims)),
            "runs": conn.scalar(select(func.count()).select_from(runs)),
            "schema_version": _current_version(conn),
            "last_run": dict(last_run._mapping) if last_run else None,
            "by_metric": _count_by(conn, claims.c.metric, None),
            "by_subject": _count_by(conn, claims.c.subject, top),
            "by_source": _count_by(conn, claims.c.attributed_to, top),
        }


__all__ = [
    "MIGRATIONS",
    "SqlSink",
    "article_signatures",
    "articles",
    "batch_records",
    "claims",
    "connect",
    "database_url",
    "display_name",
    "iter_claims",
    "metadata",
    "read_claims",
    "runs",
    "schema_version",
    "stats",
]
