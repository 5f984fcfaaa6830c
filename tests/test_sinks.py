"""Sinks: JSON Lines, SQLite and PostgreSQL take the same articles and give back the same claims.

The database tests run once per database (`fresh_db`: sqlite, postgres); the property test and
the resume tests once per sink (`sink_target`: jsonl, sqlite, postgres). See tests/conftest.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from conftest import make_article
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select

from extractor.errors import InputError, SinkError
from extractor.schemas import METRICS, SUBJECT_TYPES, Article, Claim, Evidence, stable_hash
from extractor.sinks import DoneRecord, JsonlSink, SqlSink, open_sink, sink_kind, sql
from extractor.sinks import jsonl as jsonl_sink

TESTS = Path(__file__).parent


def records(claims: list[Claim]) -> list[dict[str, Any]]:
    return sorted((c.to_record() for c in claims), key=lambda r: r["claim_id"])


def read_back(target: str, article_id: str | None = None) -> list[Claim]:
    """The claims stored in any sink target (optionally of one article)."""
    if sink_kind(target) == "jsonl":
        found = jsonl_sink.read_claims(target)
        return [c for c in found if article_id is None or c.article.id == article_id]
    return sql.read_claims(target, article_id=article_id)


def table_rows(target: str) -> dict[str, list[tuple]]:
    """Every row of every table, to compare a database before and after."""
    engine = sql.connect(target, create=False)
    try:
        with engine.connect() as conn:
            return {t.name: sorted(map(tuple, conn.execute(select(t)))) for t in sql.metadata.sorted_tables}
    finally:
        engine.dispose()


def write(target: str, *articles: Article) -> list[int]:
    with open_sink(target) as sink:
        return [sink.write_article(a) for a in articles]


# --------------------------------------------------------------------------- targets


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("out/claims.db", "sqlite"),
        ("x.sqlite", "sqlite"),
        ("x.SQLITE3", "sqlite"),
        ("sqlite:///x.db", "sqlite"),
        ("postgresql://u@h/db", "postgresql"),
        ("postgres://u@h/db", "postgresql"),
        ("postgresql+psycopg://u@h/db", "postgresql"),
        ("claims.jsonl", "jsonl"),
        ("-", "stdout"),
    ],
)
def test_sink_kind(target: str, kind: str) -> None:
    assert sink_kind(target) == kind


@pytest.mark.parametrize("target", ["postgres://u:pw@h:5432/db", "postgresql://u:pw@h:5432/db"])
def test_postgres_urls_use_psycopg3(target: str) -> None:
    assert sql.database_url(target) == "postgresql+psycopg://u:pw@h:5432/db"
    assert "pw" not in sql.display_name(target)


@pytest.mark.parametrize("target", ["claims.csv", "mysql://u@h/db", "claims", "http://x/claims.db"])
def test_unknown_target_is_a_sink_error(target: str) -> None:
    with pytest.raises(SinkError, match="expected a \\*.jsonl file") as err:
        open_sink(target)
    assert str(err.value).startswith(target)


def test_default_target_is_claims_db_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_sink(None) as sink:
        assert isinstance(sink, SqlSink)
        sink.write_article(make_article(1))
    assert (tmp_path / "claims.db").exists()
    assert len(sql.read_claims("claims.db")) == 5


def test_stdout_sink_writes_records(capsys: pytest.CaptureFixture[str]) -> None:
    article = make_article(1)
    with open_sink("-") as sink:
        assert isinstance(sink, JsonlSink)
        assert sink.write_article(article) == 5
        assert sink.write_article(article) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [c.to_record() for c in article.claims]


# --------------------------------------------------------------------------- databases


def test_round_trip(fresh_db: str) -> None:
    articles = [make_article(i) for i in range(3)]
    assert write(fresh_db, *articles) == [5, 5, 5]
    assert records(sql.read_claims(fresh_db)) == records([c for a in articles for c in a.claims])


def test_query_filters(fresh_db: str) -> None:
    write(fresh_db, *(make_article(i) for i in range(6)))
    everything = sql.read_claims(fresh_db)

    def expect(keep) -> list[dict[str, Any]]:
        return records([c for c in everything if keep(c)])

    assert records(sql.read_claims(fresh_db, subject="bitcoin")) == expect(lambda c: c.subject == "Bitcoin")
    assert records(sql.read_claims(fresh_db, subject="spx")) == expect(lambda c: c.symbol == "SPX")
    assert records(sql.read_claims(fresh_db, source="coingecko")) == expect(
        lambda c: c.attributed_to == "CoinGecko"
    )
    assert records(sql.read_claims(fresh_db, source="kobeissi")) == expect(
        lambda c: c.attributed_to == "The Kobeissi Letter"
    )
    assert sql.read_claims(fresh_db, source="%") == []  # LIKE wildcards are taken literally
    assert sql.read_claims(fresh_db, metric="yield") == []
    assert records(sql.read_claims(fresh_db, since="2025-05-03", until="2025-05-05")) == expect(
        lambda c: "2025-05-03" <= c.as_of <= "2025-05-05"
    )
    page = sql.read_claims(fresh_db, limit=4, offset=2)
    assert [c.claim_id for c in page] == [c.claim_id for c in everything[2:6]]
    with pytest.raises(InputError, match="ISO date"):
        sql.read_claims(fresh_db, since="May 2025")


def test_dates_of_other_precisions(fresh_db: str) -> None:
    """A month or year as_of matches the days it contains; a date-time matches its day."""
    article = make_article(1, n_claims=4)
    for claim, as_of in zip(
        article.claims, ["2025", "2025-05", "2025-05-08T23:59:00-04:00", "2025-06-01"], strict=True
    ):
        claim.as_of = as_of
    write(fresh_db, article)

    def as_ofs(since: str | None = None, until: str | None = None) -> set[str | None]:
        return {c.as_of for c in sql.read_claims(fresh_db, since=since, until=until)}

    assert as_ofs(since="2025-05-08", until="2025-05-08") == {"2025", "2025-05", "2025-05-08T23:59:00-04:00"}
    assert as_ofs(since="2025-06") == {"2025", "2025-06-01"}
    assert as_ofs(until="2025-04-30") == {"2025"}


def test_rewriting_the_same_article_changes_nothing(fresh_db: str) -> None:
    articles = [make_article(i) for i in range(3)]
    write(fresh_db, *articles)
    before = table_rows(fresh_db)
    assert write(fresh_db, *articles) == [0, 0, 0]
    after = table_rows(fresh_db)
    assert {t: rows for t, rows in after.items() if t != "runs"} == {
        t: rows for t, rows in before.items() if t != "runs"
    }
    assert len(after["claims"]) == 15 and len(after["articles"]) == 3


def test_rewrite_replaces_the_articles_claims(fresh_db: str) -> None:
    """Policy: a rewritten article's claims are replaced (removed ones deleted, changed ones updated)."""
    first = make_article(1, n_claims=4)
    write(fresh_db, first, make_article(2))
    second = make_article(1, n_claims=4)
    del second.claims[0]  # removed
    second.claims[0].confidence = 0.42  # same claim_id, changed field
    second.claims[1] = make_article(1, n_claims=4, variant=7).claims[1]  # a new claim
    second.title = "Article 1, corrected"
    assert write(fresh_db, second) == [1]
    stored = sql.read_claims(fresh_db, article_id=first.id)
    expected = sql.unique_claims(second)
    assert records(stored) == records(expected)
    assert {c.article.title for c in stored} == {"Article 1, corrected"}
    assert len(sql.read_claims(fresh_db, article_id="art-000002")) == 5


def test_failed_article_leaves_no_row(fresh_db: str) -> None:
    """A claim that violates a constraint in the middle of an article: none of it is written."""
    bad = make_article(9, n_claims=3)
    bad.claims[1] = bad.claims[1].model_copy(update={"confidence": 2.0})  # unvalidated: the CHECK refuses it
    with open_sink(fresh_db) as sink:
        sink.write_article(make_article(1))
        with pytest.raises(SinkError, match="art-000009"):
            sink.write_article(bad)
        assert not sink.has_article(bad.id)
    assert {c.article.id for c in sql.read_claims(fresh_db)} == {"art-000001"}


def test_failed_rewrite_keeps_the_previous_version(fresh_db: str) -> None:
    good = make_article(9, n_claims=3)
    write(fresh_db, good)
    bad = make_article(9, n_claims=3, variant=1)
    bad.claims[2] = bad.claims[2].model_copy(update={"mentions": 0})
    with pytest.raises(SinkError):
        write(fresh_db, bad)
    assert records(sql.read_claims(fresh_db)) == records(good.claims)


def test_a_batch_is_written_all_or_none(fresh_db: str) -> None:
    bad = make_article(9, n_claims=3)
    bad.claims[1] = bad.claims[1].model_copy(update={"confidence": 2.0})
    with open_sink(fresh_db) as sink:
        assert sink.write_articles([make_article(2), make_article(1)]) == 10
        with pytest.raises(SinkError):
            sink.write_articles([make_article(3), bad])
        assert sink.known_article_ids() == {"art-000001", "art-000002"}


def test_claim_of_another_article_is_refused(sink_target: str) -> None:
    article = make_article(1)
    article.claims.append(make_article(2).claims[0])
    with open_sink(sink_target) as sink, pytest.raises(SinkError, match="belongs to article art-000002"):
        sink.write_article(article)


def test_runs_are_recorded(fresh_db: str) -> None:
    with open_sink(fresh_db, run_info={"inputs": ["a.html", "b.html"], "version": "0.1.0"}) as sink:
        sink.write_article(make_article(1))
        sink.finish_run({"inputs": 2, "failed": 1})
    with open_sink(fresh_db, run_info={"inputs": ["c.html"], "version": "0.1.0"}) as sink:
        sink.write_article(make_article(2))  # closed without finish_run: close() finishes it
    counts = sql.stats(fresh_db)
    assert counts["runs"] == 2
    run = counts["last_run"]
    assert run["inputs"] == ["c.html"] and run["finished_at"]
    assert run["counts"] == {"articles_written": 1, "claims_written": 5}


def test_stats(fresh_db: str) -> None:
    write(fresh_db, *(make_article(i) for i in range(4)))
    counts = sql.stats(fresh_db, top=2)
    assert (counts["articles"], counts["claims"], counts["runs"]) == (4, 20, 0)
    assert counts["by_metric"] == [("price", 20)]
    assert len(counts["by_subject"]) == 2
    assert sum(n for _, n in sql.stats(fresh_db)["by_source"]) == 20


def test_migrations_are_applied_once(fresh_db: str) -> None:
    for _ in range(2):
        open_sink(fresh_db).close()
    assert [row[0] for row in table_rows(fresh_db)["schema_version"]] == [m.version for m in sql.MIGRATIONS]


def test_a_version_2_database_gets_signatures_and_earlier_copies_relink_it(fresh_db: str) -> None:
    """A database written before migration 3 (batch records with signatures, no
    `article_signatures`) is migrated on open; a copy dated earlier, written after, becomes the
    original, and the article written first is re-linked to it, in the database."""
    from extractor.batch.near_duplicates import NearDuplicates, signature

    sig = signature(" ".join(f"w{i}" for i in range(300)))
    first, earlier = make_article(1), make_article(2)
    first.published, earlier.published = "2025-05-09", "2025-05-01T08:00:00+02:00"
    with open_sink(fresh_db) as sink:
        sink.write_record(first, DoneRecord("dump.jsonl:1", "dump.jsonl", first.id, None, sig))
    engine = sql.connect(fresh_db)
    with engine.begin() as conn:  # back to version 2
        conn.exec_driver_sql("DROP TABLE article_signatures")
        conn.execute(delete(sql.schema_version).where(sql.schema_version.c.version == 3))
    engine.dispose()

    with open_sink(fresh_db) as sink:
        assert [r[1] for r in table_rows(fresh_db)["article_signatures"]] == [first.id]
        index = NearDuplicates()
        sink.write_record(earlier, DoneRecord("dump.jsonl:2", "dump.jsonl", earlier.id, None, sig), index)
    assert earlier.duplicate_of is None
    rows = table_rows(fresh_db)
    assert {r[0]: r[7] for r in rows["articles"]} == {first.id: earlier.id, earlier.id: None}
    assert {r[0]: r[3] for r in rows["batch_records"]} == {"dump.jsonl:1": earlier.id, "dump.jsonl:2": None}
    assert [r[1] for r in rows["article_signatures"]] == [first.id, earlier.id]


def test_a_jsonl_ledger_cut_before_its_relinks_is_mended_by_the_next_run(tmp_path: Path) -> None:
    """JSON Lines: a copy dated earlier, written later, lists the first article's record again
    with the new link; when a kill lost that line, the next run's first write lists it again."""
    from extractor.batch.near_duplicates import NearDuplicates, signature

    sig = signature(" ".join(f"w{i}" for i in range(300)))
    first, earlier, other = make_article(1), make_article(2), make_article(3)
    first.published, earlier.published = "2025-05-09", "2025-05-01"
    target = str(tmp_path / "out.jsonl")
    with open_sink(target) as sink:
        index = NearDuplicates()
        sink.write_record(first, DoneRecord("d:1", "d", first.id, None, sig), index)
        sink.write_record(earlier, DoneRecord("d:2", "d", earlier.id, None, sig), index)
    ledger = Path(target + ".progress")
    lines = ledger.read_text(encoding="utf-8").splitlines(keepends=True)
    assert [(json.loads(x)["key"], json.loads(x)["duplicate_of"]) for x in lines] == [
        ("d:1", None),
        ("d:2", None),
        ("d:1", earlier.id),  # the last line of a key holds
    ]
    ledger.write_text("".join(lines[:2]), encoding="utf-8")  # killed before the re-listing

    with open_sink(target) as sink:
        sink.done_records()
        unrelated = signature(" ".join(f"v{i}" for i in range(300)))
        sink.write_record(other, DoneRecord("d:3", "d", other.id, None, unrelated), NearDuplicates())
    with open_sink(target) as sink:
        links = {e.key: e.duplicate_of for e in sink.done_records().done.values()}
    assert links == {"d:1": earlier.id, "d:2": None, "d:3": None}


def test_newer_schema_is_refused(fresh_db: str) -> None:
    engine = sql.connect(fresh_db)
    with engine.begin() as conn:
        conn.execute(insert(sql.schema_version).values(version=999, description="future", applied_at="x"))
    engine.dispose()
    with pytest.raises(SinkError, match="schema version 999 is newer"):
        open_sink(fresh_db)


def test_reading_a_missing_database_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(SinkError, match="no such database file"):
        sql.read_claims(str(tmp_path / "nothing.db"))
    assert not (tmp_path / "nothing.db").exists()


@pytest.mark.postgres
def test_reading_a_database_without_tables_fails_clearly(postgres_url: str) -> None:
    with pytest.raises(SinkError, match="not a market-claims database"):
        sql.stats(postgres_url)


# --------------------------------------------------------------------------- every sink


def done(i: int, n_claims: int = 5) -> tuple[Article, DoneRecord]:
    """Article `i` and the batch record `dump.jsonl:i` it came from."""
    article = make_article(i, n_claims)
    return article, DoneRecord(f"dump.jsonl:{i}", "dump.jsonl", article.id, None, b"sig%d" % i)


def test_batch_records_are_kept_in_the_sink(sink_target: str) -> None:
    with open_sink(sink_target) as sink:
        assert [sink.write_record(*done(i, n)) for i, n in ((0, 5), (1, 0), (2, 3))] == [5, 0, 3]
    with open_sink(sink_target) as sink:
        progress = sink.done_records()
    assert progress.lost == 0
    assert progress.done == {f"dump.jsonl:{i}": done(i)[1] for i in range(3)}  # an empty article too


def test_records_whose_claims_left_the_sink_are_not_done(sink_target: str, tmp_path: Path) -> None:
    """Claims removed behind the sink's back (a truncated file, `DELETE FROM claims`): the
    records they came from are redone; the others stay done."""
    with open_sink(sink_target) as sink:
        for i in range(3):
            sink.write_record(*done(i))
    if sink_kind(sink_target) == "jsonl":
        kept = [line for line in Path(sink_target).read_text().splitlines() if '"art-000001"' not in line]
        Path(sink_target).write_text("".join(line + "\n" for line in kept))
    else:
        engine = sql.connect(sink_target)
        with engine.begin() as conn:
            conn.execute(sql.claims.delete().where(sql.claims.c.article_id == "art-000001"))
        engine.dispose()
    with open_sink(sink_target) as sink:
        progress = sink.done_records()
        assert sorted(progress.done) == ["dump.jsonl:0", "dump.jsonl:2"]
        assert progress.lost == 1
        assert sink.write_record(*done(1)) == 5  # redone: its claims are back
        assert sorted(sink.done_records().done) == [f"dump.jsonl:{i}" for i in range(3)]


def test_a_new_sink_has_no_progress_whatever_lies_beside_it(sink_target: str) -> None:
    """A deleted and re-created sink (or one restored from an older backup) starts from what it holds."""
    with open_sink(sink_target) as sink:
        for i in range(3):
            sink.write_record(*done(i))
    if sink_kind(sink_target) == "jsonl":
        Path(sink_target).unlink()  # the ledger beside it stays
    elif sink_target.startswith("postgresql"):
        engine = sql.connect(sink_target)
        with engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE claims")
        engine.dispose()
    else:
        for path in Path(sink_target).parent.glob(Path(sink_target).name + "*"):
            path.unlink()
    with open_sink(sink_target) as sink:
        progress = sink.done_records()
    assert progress.done == {}
    assert progress.lost == (3 if sink_kind(sink_target) != "sqlite" else 0)


def test_resume_adds_nothing_twice(sink_target: str) -> None:
    write(sink_target, *(make_article(i) for i in range(3)))
    with open_sink(sink_target) as sink:
        assert sink.known_article_ids() == {"art-000000", "art-000001", "art-000002"}
        assert sink.has_article("art-000001") and not sink.has_article("art-000003")
        assert [sink.write_article(make_article(i)) for i in range(5)] == [0, 0, 0, 5, 5]
    assert len(read_back(sink_target)) == 25


def test_duplicate_claim_ids_in_one_article_are_written_once(sink_target: str) -> None:
    article = make_article(1, n_claims=2)
    article.claims.append(article.claims[0].model_copy(update={"confidence": 0.1}))
    assert write(sink_target, article) == [2]
    assert records(read_back(sink_target)) == records(article.claims[:2])


# --------------------------------------------------------------------------- property: round trip

TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)  # no surrogates, no NUL
FLOATS = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def claims_of(draw: st.DrawFn, article: Article) -> list[Claim]:
    """Claims of `article` over the whole range of the model's fields."""
    claims = []
    for k in range(draw(st.integers(0, 4))):
        claims.append(
            Claim(
                claim_id=stable_hash(article.id, k),
                article=article.ref(),
                metric=draw(st.sampled_from(METRICS)),
                subject=draw(TEXT),
                subject_type=draw(st.sampled_from(SUBJECT_TYPES)),
                symbol=draw(st.none() | TEXT),
                value=draw(FLOATS),
                value_max=draw(st.none() | FLOATS),
                unit=draw(TEXT),
                qualifiers=draw(st.dictionaries(TEXT, TEXT, max_size=4)),
                as_of=draw(st.none() | TEXT),
                period=draw(st.none() | TEXT),
                attributed_to=draw(st.none() | TEXT),
                hedge=draw(st.none() | TEXT),
                evidence=Evidence(
                    text=draw(TEXT),
                    sentence=draw(TEXT),
                    start=draw(st.integers(0, 2**62)),
                    end=draw(st.integers(0, 2**62)),
                ),
                mentions=draw(st.integers(1, 2**31 - 1)),
                confidence=draw(st.floats(0, 1)),
                rule=draw(st.none() | TEXT),
            )
        )
    return claims


@st.composite
def articles(draw: st.DrawFn) -> Article:
    article = Article(
        id=uuid.uuid4().hex[:16],  # fresh per example: examples share one target
        url=draw(st.none() | TEXT),
        path=draw(st.none() | TEXT),
        title=draw(st.none() | TEXT),
        site=draw(st.none() | TEXT),
        published=draw(st.none() | TEXT),
    )
    article.claims = draw(claims_of(article))
    return article


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(article=articles())
def test_any_claim_round_trips_unchanged(sink_target: str, article: Article) -> None:
    with open_sink(sink_target) as sink:
        assert sink.write_article(article) == len(article.claims)
    assert records(read_back(sink_target, article.id)) == records(article.claims)


# --------------------------------------------------------------------------- jsonl specifics


def test_jsonl_repairs_a_torn_last_line(tmp_path: Path) -> None:
    target = tmp_path / "claims.jsonl"
    write(str(target), make_article(1))
    with target.open("a", encoding="utf-8") as f:
        f.write('{"schema": "claims/1", "claim_id": "cut-sh')
    assert write(str(target), make_article(1), make_article(2)) == [0, 5]
    assert len(jsonl_sink.read_claims(target)) == 10


def test_jsonl_refuses_a_foreign_file(tmp_path: Path) -> None:
    target = tmp_path / "notes.jsonl"
    target.write_text('{"hello": 1}\n{"hello": 2}\n', encoding="utf-8")
    with pytest.raises(SinkError, match="notes.jsonl:1: not a claim record"):
        open_sink(str(target))


def test_jsonl_lines_survive_unicode_line_breaks(tmp_path: Path) -> None:
    article = make_article(1, n_claims=1)
    article.claims[0].subject = "A\u2028B\x85C\u2029"
    target = tmp_path / "claims.jsonl"
    write(str(target), article)
    lines = target.read_text(encoding="utf-8").splitlines()  # what score_claims.py does
    assert [Claim.model_validate_json(line).subject for line in lines] == ["A\u2028B\x85C\u2029"]


# --------------------------------------------------------------------------- concurrency

WORKER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from conftest import make_article
from extractor.sinks import open_sink

target, first, stop, step, flags = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5])
(flags / f"ready-{{first}}").touch()
while not (flags / "go").exists():
    time.sleep(0.005)
with open_sink(target) as sink:
    print(sum(sink.write_article(make_article(i)) for i in range(first, stop, step)))
"""


@pytest.mark.slow
def test_two_processes_write_overlapping_articles(fresh_db: str, tmp_path: Path) -> None:
    """Two processes open the same (new) database at once and write articles 0-59 and 89-30:
    every claim is stored exactly once and counted as new exactly once."""
    code = WORKER.format(tests=str(TESTS))
    jobs = [("0", "60", "1"), ("89", "29", "-1")]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, fresh_db, *job, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for job in jobs
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    (tmp_path / "go").touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    engine = sql.connect(fresh_db, create=False)
    with engine.connect() as conn:
        n_claims = conn.scalar(select(func.count()).select_from(sql.claims))
        n_articles = conn.scalar(select(func.count()).select_from(sql.articles))
    engine.dispose()
    assert (n_articles, n_claims) == (90, 90 * 5)
    assert sum(int(out) for out, _ in outputs) == 90 * 5


# --------------------------------------------------------------------------- faults


def terminate_backends(application_name: str) -> int:
    """Close the server side of every connection of `application_name`, as a restart does."""
    import psycopg
    from conftest import PG_URL

    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        return len(
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND pid <> pg_backend_pid()",
                (application_name,),
            ).fetchall()
        )


@pytest.mark.postgres
def test_a_lost_postgres_connection_is_reconnected(postgres_url: str) -> None:
    """The server drops the sink's connections (a restart, an admin): the next write reconnects and
    the transaction is tried again; nothing is lost or doubled."""
    name = f"mc_reconnect_{uuid.uuid4().hex[:8]}"
    target = f"{postgres_url}&application_name={name}"
    with open_sink(target) as sink:
        assert sink.write_record(*done(0)) == 5
        assert terminate_backends(name) >= 1  # the pooled connection is dead now
        assert sink.write_record(*done(1)) == 5
        assert terminate_backends(name) >= 1
        assert sorted(sink.done_records().done) == ["dump.jsonl:0", "dump.jsonl:1"]
    assert len(read_back(postgres_url)) == 10
