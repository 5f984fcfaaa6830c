"""`claims db stats | query | export` on SQLite and PostgreSQL (`fresh_db`, see tests/conftest.py),
through the real `claims` app; the export is scored with ../shared/tools/score_claims.py (skipped
without ../shared, failed under CI: see tests/sharedpaths.py)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_article
from sharedpaths import require_shared
from typer.testing import CliRunner

from extractor.cli import app
from extractor.schemas import Article, ArticleRef, Claim, Evidence, claim_id, stable_hash
from extractor.sinks import open_sink, sql

runner = CliRunner()


def claims_db(*args: str):
    return runner.invoke(app, ["db", *args], env={"COLUMNS": "200"})  # rich tables: no wrapping


@pytest.fixture
def filled_db(fresh_db: str) -> str:
    """Six synthetic articles of five claims each, and one run."""
    with open_sink(fresh_db, run_info={"inputs": ["dump/"], "version": "test"}) as sink:
        for i in range(6):
            sink.write_article(make_article(i))
    return fresh_db


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --------------------------------------------------------------------------- stats


def test_stats_table(filled_db: str) -> None:
    result = claims_db("stats", "--db", filled_db)
    assert result.exit_code == 0, result.output
    assert "articles 6   claims 30   runs 1" in result.stdout
    for heading in ("claims per metric", "claims per subject", "claims per source", "Bitcoin", "CoinGecko"):
        assert heading in result.stdout


def test_stats_json(filled_db: str) -> None:
    result = claims_db("stats", "--db", filled_db, "--format", "json", "--top", "2")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert (counts["articles"], counts["claims"], counts["runs"]) == (6, 30, 1)
    assert counts["by_metric"] == [["price", 30]]
    assert len(counts["by_subject"]) == 2
    assert counts["last_run"]["counts"] == {"articles_written": 6, "claims_written": 30}


def test_db_defaults_to_claims_db_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_sink(None) as sink:
        sink.write_article(make_article(1))
    result = claims_db("stats")
    assert result.exit_code == 0, result.output
    assert "claims 5" in result.stdout


# --------------------------------------------------------------------------- query


def test_query_table(filled_db: str) -> None:
    result = claims_db("query", "--db", filled_db, "--subject", "BTC", "--metric", "price")
    assert result.exit_code == 0, result.output
    expected = sql.read_claims(filled_db, subject="Bitcoin")
    assert result.stdout.startswith(f"{len(expected)} claims")
    assert result.stdout.count("Bitcoin (BTC)") == len(expected)


def test_query_table_shows_data_literally(fresh_db: str) -> None:
    article = make_article(1, n_claims=1)
    article.claims[0].subject = "[bold]Odd[/bold] [red]name"
    with open_sink(fresh_db) as sink:
        sink.write_article(article)
    for command in ("query", "stats"):
        result = claims_db(command, "--db", fresh_db)
        assert "[bold]Odd[/bold] [red]name" in result.stdout


def test_query_json(filled_db: str) -> None:
    result = claims_db(
        "query",
        "--db",
        filled_db,
        "--format",
        "json",
        "--source",
        "coingecko",
        "--since",
        "2025-05-03",
        "--until",
        "2025-05-06",
    )
    assert result.exit_code == 0, result.output
    expected = sql.read_claims(filled_db, source="CoinGecko", since="2025-05-03", until="2025-05-06")
    assert expected
    assert json.loads(result.stdout) == [c.to_record() for c in expected]


def test_query_csv(filled_db: str) -> None:
    result = claims_db("query", "--db", filled_db, "--format", "csv", "--limit", "7", "--offset", "3")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = sql.read_claims(filled_db)[3:10]
    assert [r["claim_id"] for r in rows] == [c.claim_id for c in expected]
    assert [float(r["value"]) for r in rows] == [c.value for c in expected]
    assert json.loads(rows[1]["qualifiers"]) == expected[1].qualifiers


def test_query_limit_zero_means_all(filled_db: str) -> None:
    result = claims_db("query", "--db", filled_db, "--format", "json", "--limit", "0")
    assert len(json.loads(result.stdout)) == 30


# --------------------------------------------------------------------------- export


def test_export_to_stdout(filled_db: str) -> None:
    result = claims_db("export", "--db", filled_db)
    assert result.exit_code == 0, result.output
    exported = [Claim.model_validate_json(line) for line in result.stdout.splitlines()]
    assert sorted(c.claim_id for c in exported) == sorted(c.claim_id for c in sql.read_claims(filled_db))
    assert "exported 30 claims" in result.stderr


def gold_articles(gold_dir: Path) -> list[Article]:
    """The gold claims of the shared seed articles, as articles a pipeline could have produced."""
    out = []
    for path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        ref = ArticleRef(
            id=stable_hash("path", gold["doc"]), path=f"seeds/{gold['doc']}", published=gold.get("published")
        )
        claims = []
        for g in gold["claims"]:
            qualifiers = g.get("qualifiers") or {}
            fields = {
                k: g.get(k) for k in ("symbol", "value_max", "as_of", "period", "attributed_to", "hedge")
            }
            claims.append(
                Claim(
                    claim_id=claim_id(
                        ref.id, g["metric"], g["subject"], g["value"], g["unit"], g.get("as_of"), qualifiers
                    ),
                    article=ref,
                    metric=g["metric"],
                    subject=g["subject"],
                    value=g["value"],
                    unit=g["unit"],
                    qualifiers=qualifiers,
                    evidence=Evidence(text="", sentence="", start=0, end=0),
                    **fields,
                )
            )
        out.append(Article(id=ref.id, path=ref.path, published=ref.published, claims=claims))
    return out


def test_export_is_scored_by_score_claims(fresh_db: str, tmp_path: Path) -> None:
    scorer, gold_dir = require_shared("tools", "score_claims.py"), require_shared("corpus", "gold")
    articles = gold_articles(gold_dir)
    with open_sink(fresh_db) as sink:
        for article in articles:
            sink.write_article(article)
    output = tmp_path / "export.jsonl"
    result = claims_db("export", "--db", fresh_db, "--output", str(output))
    assert result.exit_code == 0, result.output
    scored = subprocess.run(
        [sys.executable, str(scorer), "--gold", str(gold_dir), "--pred", str(output), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    score = json.loads(scored.stdout)
    assert score["stray_predictions"] == 0
    assert (score["fp"], score["fn"], score["f1"]) == (0, 0, 1.0)
    assert all(f["rate"] == 1.0 for f in score["fields"].values())


# --------------------------------------------------------------------------- errors


def test_missing_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.db")
    for command in ("stats", "query", "export"):
        line = one_error_line(claims_db(command, "--db", missing))
        assert missing in line and "no such database file" in line
    assert not Path(missing).exists()


def test_unreachable_postgres_is_one_line_and_exit_2() -> None:
    line = one_error_line(claims_db("stats", "--db", "postgresql://claims:secret@127.0.0.1:1/claims"))
    assert "127.0.0.1:1/claims" in line and "secret" not in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats", "--db", "claims.txt"], "claims.txt: not a database"),
        (["query", "--since", "last May"], "last May: since takes an ISO date"),
        (["query", "--metric", "eps"], "--metric eps: unknown metric"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(filled_db: str, args: list[str], message: str) -> None:
    if "--db" not in args:
        args = [*args, "--db", filled_db]
    assert message in one_error_line(claims_db(*args))


def test_every_command_has_help() -> None:
    for command in ("stats", "query", "export"):
        result = claims_db(command, "--help")
        assert result.exit_code == 0
        assert "--db" in result.stdout


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("not sqlite\n" * 200, encoding="utf-8")
    line = one_error_line(claims_db("stats", "--db", str(bogus)))
    assert str(bogus) in line and "not a database" in line
