"""`claims batch`: every dump format gives what `extract` gives; kill -9 and resume is
exactly-once; bad records are isolated; near-duplicates are linked; Ray agrees with local.

Dumps are built here from the pages in `corpus/articles/` (whatever pages are there, at least 3).
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sharedpaths import ROOT
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from extractor.batch import job
from extractor.batch.near_duplicates import NearDuplicates, signature
from extractor.batch.process import RecordProcessor
from extractor.cli import app
from extractor.errors import SinkError
from extractor.inputs.dumps import Fields, read_warc
from extractor.schemas import claim_id, stable_hash
from extractor.settings import default_settings
from extractor.sinks import open_sink, sql
from extractor.sinks.jsonl import read_claims

CORPUS = ROOT / "corpus" / "articles"
N_PAGES = 4  # pages per format (more only costs time)
runner = CliRunner()


def cli(*args: str | Path) -> tuple[int, str]:
    """Run `claims ARGS` in this process; (exit code, stderr)."""
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stderr


def batch_command(dump: Path, target: str | Path, workers: int) -> list[str]:
    """`claims batch DUMP --to TARGET` as a separate process (for kills, faults and two writers)."""
    return [
        sys.executable,
        "-m",
        "extractor",
        "batch",
        str(dump),
        "--to",
        str(target),
        "--workers",
        str(workers),
        "--quiet",
    ]


def kill_after(command: list[str], target: str, records: int, cwd: Path, seconds: float) -> int:
    """Run `command` and kill -9 it (the driver and its workers, at once) once `target` lists
    `records` records as done (or the run ends, or `seconds` pass); the records done by then."""
    run = subprocess.Popen(command, cwd=cwd, start_new_session=True, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + seconds
    while done_count(target) < records and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    return done_count(target)


def writers_at_once(dumps: list[Path], target: str, cwd: Path) -> None:
    """One `claims batch` run per dump, all writing `target` at the same time; each must succeed."""
    procs = [
        subprocess.Popen(batch_command(d, target, 1), cwd=cwd, stderr=subprocess.PIPE, text=True)
        for d in dumps
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err


def records_by_id(claims_file: Path, keep_path: bool = True) -> dict[str, dict]:
    out = {}
    for claim in read_claims(claims_file):
        record = claim.to_record()
        if not keep_path:
            record["article"].pop("path")
        out[claim.claim_id] = record
    return out


# --------------------------------------------------------------------------- dumps


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    """Up to N_PAGES corpus pages, copied into their own folder."""
    found = sorted(CORPUS.glob("*.html"))
    assert len(found) >= 3, f"{CORPUS} holds {len(found)} pages; the batch tests need at least 3"
    folder = tmp_path_factory.mktemp("pages") / "pages"
    folder.mkdir()
    for page in found[:N_PAGES]:
        (folder / page.name).write_bytes(page.read_bytes())
    return sorted(folder.glob("*.html"))


@pytest.fixture(scope="module")
def reference(pages, tmp_path_factory) -> tuple[dict[str, dict], dict[str, str]]:
    """What `claims extract` gives on the pages: claim records by id, and each page's URL."""
    out = tmp_path_factory.mktemp("extract") / "claims.jsonl"
    code, stderr = cli("extract", pages[0].parent, "-o", out)
    assert code == 0, stderr
    claims = records_by_id(out)
    urls = {c["article"]["path"]: c["article"]["url"] for c in claims.values()}
    assert all(urls.get(str(p)) for p in pages), "every test page needs a URL (rel=canonical) and claims"
    return claims, urls


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_warc(path: Path, items: list[tuple[str, bytes, str]]) -> Path:
    """A gzipped WARC: a warcinfo record, then per item (url, html, WARC-Date) a response, and an image."""
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test_batch"}))
        for url, html, date in items:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(html),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Date": date},
                )
            )
            image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url + ".png", "response", payload=io.BytesIO(b"\x89PNG..."), http_headers=image
                )
            )
    return path


def make_dump(kind: str, pages: list[Path], urls: dict[str, str], folder: Path) -> Path:
    if kind == "folder":
        return pages[0].parent
    if kind == "jsonl":
        return write_jsonl(
            folder / "dump.jsonl",
            [{"id": p.stem, "url": urls[str(p)], "html": p.read_text(encoding="utf-8")} for p in pages],
        )
    if kind == "warc":
        return write_warc(
            folder / "crawl.warc.gz", [(urls[str(p)], p.read_bytes(), "2001-01-01T00:00:00Z") for p in pages]
        )
    if kind == "tar.gz":
        with tarfile.open(folder / "pages.tar.gz", "w:gz") as tar:
            for p in pages:  # one member gzipped on its own, as crawlers store them
                data = gzip.compress(p.read_bytes()) if p == pages[0] else p.read_bytes()
                info = tarfile.TarInfo(f"site/{p.name}.gz" if p == pages[0] else f"site/{p.name}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return folder / "pages.tar.gz"
    with zipfile.ZipFile(folder / "pages.zip", "w") as archive:
        for p in pages:
            archive.write(p, f"site/{p.name}")
    return folder / "pages.zip"


# --------------------------------------------------------------------------- same claims as extract


@pytest.mark.parametrize("kind", ["folder", "jsonl", "warc", "tar.gz", "zip"])
def test_every_dump_format_gives_the_claims_of_extract(kind, pages, reference, tmp_path):
    expected, urls = reference
    dump = make_dump(kind, pages, urls, tmp_path)
    sink = tmp_path / "out.jsonl"
    code, stderr = cli("batch", dump, "--to", sink, "--workers", "1", "--quiet")
    assert code == 0, stderr
    assert stderr == ""
    keep_path = kind == "folder"  # other dumps name the record (member, id) instead of the file
    want = (
        {k: v for k, v in expected.items()}
        if keep_path
        else {
            k: {**v, "article": {a: b for a, b in v["article"].items() if a != "path"}}
            for k, v in expected.items()
        }
    )
    assert records_by_id(sink, keep_path) == want
    assert not (tmp_path / "out.jsonl.errors.jsonl").exists()  # no failure, no errors file
    ledger = [json.loads(line) for line in (tmp_path / "out.jsonl.progress").read_text().splitlines()]
    assert len(ledger) == len(pages)


def test_warc_date_is_the_publication_date_of_a_page_without_one(tmp_path):
    html = (
        b"<html><body><article><h1>Bitcoin slips</h1><p>Bitcoin was trading at $62,350 on Thursday, "
        b"a 1.2% decline over 24 hours, according to CoinGecko, as traders trimmed risk ahead of the "
        b"weekend and liquidity thinned across the major exchanges.</p></article></body></html>"
    )
    warc = write_warc(tmp_path / "a.warc.gz", [("https://example.com/btc", html, "2025-05-08T10:00:00Z")])
    records = list(read_warc(str(warc), default_settings(), ()))
    assert [r.url for r in records] == ["https://example.com/btc"]  # the image is passed over
    outcome = RecordProcessor(default_settings()).process_record(records[0])
    assert outcome.ok, outcome.reason
    assert outcome.article.published == "2025-05-08T10:00:00+00:00"
    assert outcome.article.url == "https://example.com/btc"


# --------------------------------------------------------------------------- failure isolation


def test_bad_records_are_logged_and_the_run_goes_on(pages, tmp_path):
    good = pages[0].read_text(encoding="utf-8")
    dump = tmp_path / "dump.jsonl"
    lines = [
        json.dumps({"html": good}),
        '{"html": "<html><body><p>cut sho',  # broken JSON
        json.dumps({"html": "\x00\x01\x02binary\x00" * 200}),  # binary
        json.dumps(
            {"html": "<html><body><p>" + "x " * 60_000 + "</p></body></html>"}
        ),  # oversized (with the config)
        json.dumps({"html": "<html><body><div><nav>Home</nav>"}),  # broken HTML, no article
        json.dumps({"title": "no page field"}),
    ]
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tmp_path / "small.toml"
    config.write_text("[scrape]\nmax_input_bytes = 100_000\n", encoding="utf-8")
    errors = tmp_path / "errors.jsonl"
    code, stderr = cli(
        "batch",
        dump,
        "--to",
        tmp_path / "out.db",
        "--errors",
        errors,
        "--config",
        config,
        "--workers",
        "1",
        "--quiet",
    )
    assert code == 1
    logged = {e["key"]: e for e in map(json.loads, errors.read_text().splitlines())}
    assert sorted(logged) == [f"{dump}:{n}" for n in range(2, 7)]
    assert all(e["input"] == str(dump) and e["reason"] for e in logged.values())
    assert "not JSON" in logged[f"{dump}:2"]["reason"]
    assert "binary" in logged[f"{dump}:3"]["reason"]
    assert "max_input_bytes" in logged[f"{dump}:4"]["reason"]
    assert "no article text" in logged[f"{dump}:5"]["reason"]
    lines_out = stderr.strip().splitlines()
    assert len(lines_out) == 5 and all(line.startswith("error: ") for line in lines_out)
    assert "Traceback" not in stderr
    with sqlite3.connect(tmp_path / "out.db") as db:
        assert db.execute("select count(*) from articles").fetchone()[0] == 1
        assert db.execute("select count(*) from claims").fetchone()[0] > 0


def test_nearly_all_failed_is_exit_code_3_and_missing_input_is_1(tmp_path):
    dump = write_jsonl(tmp_path / "dump.jsonl", [{"html": "<html><body></body></html>"}] * 3)
    code, _ = cli("batch", dump, "--to", tmp_path / "out.jsonl", "--workers", "1", "--quiet")
    assert code == 3
    code, stderr = cli("batch", tmp_path / "missing.jsonl", "--to", tmp_path / "out.jsonl")
    assert code == 1 and stderr.startswith("error: ") and "no such file" in stderr


def test_any_exception_of_the_pipeline_is_a_failed_outcome(monkeypatch, pages):
    from extractor.batch import process
    from extractor.inputs.pages import Source

    def explode(*args, **kwargs):
        raise RuntimeError("rules blew up\non two lines")

    monkeypatch.setattr(process, "process_source", explode)
    outcome = RecordProcessor(default_settings()).process_record(
        Source(name="k", input="dump", content=pages[0].read_bytes())
    )
    assert not outcome.ok
    assert outcome.reason == "RuntimeError: rules blew up on two lines"


def test_exit_codes():
    assert job.exit_code(job.Counts(records=10, errors=0)) == 0
    assert job.exit_code(job.Counts(records=10, errors=8)) == 1
    assert job.exit_code(job.Counts(records=10, errors=9)) == 3
    assert job.exit_code(job.Counts(records=2, skipped=98, errors=2)) == 1  # retried old failures
    assert job.exit_code(job.Counts(records=0, skipped=5, errors=0)) == 0  # nothing left to do


# --------------------------------------------------------------------------- near-duplicates


def copy_of(html: str, n: int) -> str:
    """Copy number `n` of a page, as a syndicator republishes it: a line of its own added."""
    return html.replace("<p>", f"<p>Republished by partner site number {n}. ", 1)


def undated(html: str) -> str:
    """The page's text alone (trafilatura's), which states no publication date."""
    import trafilatura

    text = trafilatura.extract(html)
    assert text
    return text


def family_rows(pages: list[Path]) -> list[dict]:
    """Records of two families of near-duplicates and one unrelated page, in a fixed order.

    In each family the original is neither the first record nor the last: one copy is dated
    earlier than the page it copies, two copies share a date (the article id decides), one has
    no date at all (after every dated one).
    """
    first, second, other = (p.read_text(encoding="utf-8") for p in pages[:3])
    rows = [
        {"url": "https://origin.example/a", "published": "2025-05-09", "html": first},
        {"url": "https://other.example/c", "published": "2025-05-01", "html": other},
        {"url": "https://copy1.example/a", "published": "2025-05-10", "html": copy_of(first, 1)},
        {
            "url": "https://copy2.example/a",
            "published": "2025-05-08T06:00:00+00:00",
            "html": copy_of(first, 2),
        },
        {"url": "https://copy3.example/a", "published": "2025-05-10", "html": copy_of(first, 3)},
        {"url": "https://copy4.example/a", "text": undated(copy_of(first, 4))},
        {"url": "https://origin.example/b", "published": "2025-06-02", "html": second},
        {"url": "https://copy1.example/b", "published": "2025-06-02", "html": copy_of(second, 1)},
        {"url": "https://copy2.example/b", "published": "2025-06-03", "html": copy_of(second, 2)},
    ]
    return rows


def earliest_links(rows: list[dict]) -> dict[str, str | None]:
    """The links the rule gives, worked out here: in each family (same page, by its URL's path),
    every article names the earliest (date, undated last, then article id); the earliest names none."""
    families: dict[str, list[tuple[tuple[int, str, str], str]]] = {}
    for row in rows:
        article = stable_hash("url", row["url"])
        when = row.get("published")
        day = datetime.fromisoformat(when).astimezone(UTC).isoformat() if when else ""
        families.setdefault(row["url"].rsplit("/", 1)[1], []).append(
            ((0 if when else 1, day, article), row["url"])
        )
    links: dict[str, str | None] = {}
    for members in families.values():
        first = min(members)[0][2]
        for (_, _, article), url in members:
            links[url] = None if article == first else first
    return links


def stored_links(target: str) -> dict[str, str | None]:
    """duplicate_of of every article by URL, as the sink holds it (a JSONL sink: the last ledger
    line of each record); each batch record of a database agrees with its article."""
    if target.endswith(".jsonl"):
        with open_sink(target) as sink:
            by_article = {e.article: e.duplicate_of for e in sink.done_records().done.values()}
        urls = {c.article.id: c.article.url for c in read_claims(target)}
        return {urls[a]: link for a, link in by_article.items()}
    engine = sql.connect(target, create=False)
    try:
        with engine.connect() as conn:
            a, b = sql.articles.c, sql.batch_records.c
            rows = conn.execute(
                select(a.url, a.duplicate_of, b.duplicate_of).join_from(
                    sql.articles, sql.batch_records, a.id == b.article_id
                )
            )
            out: dict[str, str | None] = {}
            for url, link, record_link in rows:
                assert link == record_link, f"{url}: the article says {link}, its batch record {record_link}"
                out[url] = link
            return out
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["jsonl", "sqlite"])
def test_the_earliest_article_is_the_original_whatever_the_order(kind, pages, tmp_path):
    """The same pages in input order and in reverse: every copy names the earliest article of its
    family (not the first one processed), and each copy keeps its claims."""
    rows = family_rows(pages)
    expected = earliest_links(rows)
    assert expected["https://origin.example/a"] == stable_hash("url", "https://copy2.example/a")
    outcomes = []
    for name, order in (("forward", rows), ("reverse", rows[::-1])):
        dump = write_jsonl(tmp_path / f"{name}.jsonl", order)
        target = str(tmp_path / f"out-{name}.{'jsonl' if kind == 'jsonl' else 'db'}")
        code, stderr = cli("batch", dump, "--to", target, "--workers", "1", "--quiet")
        assert code == 0, stderr
        outcomes.append(stored_links(target))
        claims_by_url = Counter(
            c.article.url for c in (read_claims(target) if kind == "jsonl" else sql.read_claims(target))
        )
        assert set(claims_by_url) == {r["url"] for r in rows}  # copies are linked, not dropped
    stored = read_claims(target) if kind == "jsonl" else sql.read_claims(target)
    assert {c.article.published for c in stored if c.article.url == "https://copy4.example/a"} == {None}
    assert outcomes[0] == outcomes[1] == expected


def test_the_rule_does_not_depend_on_the_order_of_the_articles():
    """Every order of a set of texts gives the same links: a chain (b near a and c, a not near
    c), so that an earlier a arriving last turns c back into an original; and a family of copies
    with a date-time in another zone, a tie on the date (the id decides) and undated copies."""
    words = [f"w{i}" for i in range(500)]
    texts = {
        "a": " ".join(words[0:400]),
        "b": " ".join(words[20:420]),
        "c": " ".join(words[40:440]),
        "d": " ".join(f"v{i}" for i in range(300)),
        "e": " ".join([f"v{i}" for i in range(295)] + ["u1", "u2"]),
        "f": " ".join([f"v{i}" for i in range(296)] + ["t1"]),
        "g": " ".join([f"v{i}" for i in range(297)] + ["s1"]),
    }
    published = {
        "a": "2025-05-01",
        "b": "2025-05-02",
        "c": "2025-05-03",
        "d": None,
        "e": "2025-05-09",
        "f": "2025-05-08T23:00:00-05:00",  # 2025-05-09T04:00Z: after e
        "g": "2025-05-09T00:00:00+00:00",  # the same moment as e: e < g by id
    }
    signatures = {k: signature(v) for k, v in texts.items()}
    near = {(x, y) for x in texts for y in texts if x < y and similar(signatures[x], signatures[y])}
    assert {("a", "b"), ("b", "c")} <= near and ("a", "c") not in near
    seen = set()
    for order in itertools.permutations(texts):
        index = NearDuplicates()
        for k in order:
            index.commit(index.plan(k, published[k], signatures[k]))
        seen.add(tuple((k, index.link(k)) for k in sorted(texts)))
    [links] = seen
    assert dict(links) == {"a": None, "b": "a", "c": None, "d": "e", "e": None, "f": "e", "g": "e"}


def similar(x: bytes, y: bytes) -> bool:
    """Whether the index finds two signatures near (an LSH candidate whose estimate reaches the threshold)."""
    index = NearDuplicates()
    index.add("x", "2025-01-01", x)
    return index.plan("y", "2025-01-02", y).duplicate_of == "x"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_writers_at_once_agree_on_every_duplicate_of(kind, pages, tmp_path, request):
    """Two `claims batch` runs write one database at once, each half of the records, one in
    date order, the other against it: the database ends with the links of one run over all
    records, which are the earliest-article rule's."""
    rows = family_rows(pages)
    expected = earliest_links(rows)
    single = str(tmp_path / "single.db")
    code, stderr = cli(
        "batch", write_jsonl(tmp_path / "all.jsonl", rows), "--to", single, "--workers", "1", "--quiet"
    )
    assert code == 0, stderr
    assert stored_links(single) == expected

    by_date = sorted(rows, key=lambda r: r.get("published") or "9999")
    halves = [by_date[0::2][::-1], by_date[1::2]]  # latest first / earliest first
    dumps = [write_jsonl(tmp_path / f"half{n}.jsonl", half) for n, half in enumerate(halves)]
    target = sink_target(kind, tmp_path, request)
    writers_at_once(dumps, target, tmp_path)
    assert stored_links(target) == expected


# --------------------------------------------------------------------------- kill -9 and resume

N_RECORDS = 200


@pytest.fixture(scope="module")
def big_dump(reference, tmp_path_factory) -> tuple[Path, set[str]]:
    """N_RECORDS pages (the test pages under new URLs, each title tag marked with its copy number),
    and the claim ids a complete run must give (the claims of each page, re-keyed to its URL)."""
    expected_claims, urls = reference
    by_path: dict[str, list[dict]] = {}
    for c in expected_claims.values():
        by_path.setdefault(c["article"]["path"], []).append(c)
    paths = sorted(by_path)
    rows, expected = [], set()
    for i in range(N_RECORDS):
        path = paths[i % len(paths)]
        url = f"https://mirror{i}.example/{Path(path).stem}"
        html = Path(path).read_text(encoding="utf-8").replace("<title>", f"<title>[{i}] ", 1)
        rows.append({"id": f"r{i}", "url": url, "html": html})
        article = stable_hash("url", url)
        expected |= {
            claim_id(article, c["metric"], c["subject"], c["value"], c["unit"], c["as_of"], c["qualifiers"])
            for c in by_path[path]
        }
    return write_jsonl(tmp_path_factory.mktemp("big") / "dump.jsonl", rows), expected


def sink_target(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "postgres":
        return request.getfixturevalue("postgres_url")
    return str(tmp_path / ("out.jsonl" if kind == "jsonl" else "out.db"))


def stored_claim_ids(target: str) -> list[str]:
    """Every claim id the sink holds, one per stored claim (a duplicate would show twice)."""
    if target.endswith(".jsonl"):
        path = Path(target)
        if not path.exists():
            return []
        return [
            json.loads(line)["claim_id"]
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    if not target.startswith("postgresql") and not Path(target).exists():
        return []
    return [c.claim_id for c in sql.read_claims(target)]


def done_count(target: str) -> int:
    """How many records the sink lists as done, read the way an outside observer would."""
    if target.endswith(".jsonl"):  # a record is listed again when its duplicate_of changes
        path = Path(target + ".progress")
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
        return len({json.loads(line)["key"] for line in lines if line.endswith("\n")})
    try:
        engine = sql.connect(target, create=False)
    except SinkError:
        return 0  # not created yet
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(sql.batch_records))
    except DBAPIError:
        return 0
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["jsonl", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_kill_9_and_resume_gives_every_claim_exactly_once(kind, big_dump, tmp_path, request):
    dump, expected = big_dump
    target = sink_target(kind, tmp_path, request)
    command = batch_command(dump, target, 2)
    done_before = kill_after(command, target, N_RECORDS // 5, tmp_path, 90)
    assert 0 < done_before < N_RECORDS, "the kill should land mid-run"

    rerun = subprocess.run(
        command[:-1], cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    ids = stored_claim_ids(target)
    assert len(ids) == len(set(ids)), "a claim was written twice"
    assert set(ids) == expected
    with open_sink(target) as sink:
        assert sorted(sink.done_records().done) == sorted(f"{dump}:{n}" for n in range(1, N_RECORDS + 1))
    # the rerun skipped what the killed run had finished (at least what was listed at the kill)
    summary = re.search(
        r"([\d,]+) records: ([\d,]+) skipped as already done, ([\d,]+) processed, 0 failed", rerun.stderr
    )
    assert summary, rerun.stderr
    total, skipped, processed = (int(g.replace(",", "")) for g in summary.groups())
    assert total == N_RECORDS and skipped >= done_before and skipped + processed == N_RECORDS


# --------------------------------------------------------------------------- Ray


def ray_or_skip() -> None:
    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("ray is not importable, and CI must run the Ray test: pip install '.[test]'")
        pytest.skip("ray is not installed (pip install 'market-claims[ray]')")


@pytest.mark.slow
def test_ray_engine_agrees_with_the_local_engine(pages, reference, tmp_path):
    ray_or_skip()
    _, urls = reference
    dump = make_dump("jsonl", pages, urls, tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"html": "<html></html>"}\n', encoding="utf-8")
    outputs = {}
    for engine in ("local", "ray"):
        sink = tmp_path / f"{engine}.db"
        code, stderr = cli("batch", dump, bad, "--to", sink, "--engine", engine, "--workers", "2", "--quiet")
        assert code == 1, stderr
        with sqlite3.connect(sink) as db:
            outputs[engine] = (
                sorted(db.execute("select id, url, path, published, duplicate_of from articles")),
                sorted(
                    db.execute(
                        "select claim_id, article_id, metric, subject, value, unit, as_of, rule from claims"
                    )
                ),
            )
        errors = [
            json.loads(line)["key"]
            for line in (tmp_path / f"{engine}.db.errors.jsonl").read_text().splitlines()
        ]
        assert errors == [f"{bad}:1"]
    assert outputs["ray"] == outputs["local"]
    assert len(outputs["local"][0]) == len(pages)


def test_fields_are_configurable(tmp_path, pages):
    from extractor.inputs.dumps import iter_records

    dump = write_jsonl(
        tmp_path / "d.jsonl",
        [
            {
                "doc": {"body": "Title\nSome text."},
                "link": "https://x.example/1",
                "when": "2025-01-02",
                "uid": "u1",
            }
        ],
    )
    fields = Fields(text="doc.body", url="link", published="when", id="uid")
    [record] = list(iter_records([str(dump)], default_settings(), fields))
    assert (record.content_type, record.url, record.published, record.path, record.name) == (
        "text",
        "https://x.example/1",
        "2025-01-02",
        "u1",
        f"{dump}:1",
    )


@pytest.mark.slow
@pytest.mark.postgres
def test_dropped_postgres_connections_during_a_run_lose_nothing(big_dump, tmp_path, postgres_url):
    """The server closes the run's connections again and again (what a restart does to them): the
    run reconnects, finishes with exit 0, and the database holds every claim once."""
    from test_sinks import terminate_backends

    dump, expected = big_dump
    name = f"mc_drop_{os.getpid()}_{time.monotonic_ns() % 10**6}"
    target = f"{postgres_url}&application_name={name}"
    command = batch_command(dump, target, 2)
    run = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    dropped = 0
    while run.poll() is None:
        time.sleep(0.4)
        dropped += terminate_backends(name)
    stderr = run.stderr.read()
    assert run.returncode == 0, stderr
    assert dropped >= 3, "the connections should have been dropped during the run"
    ids = stored_claim_ids(postgres_url)
    assert len(ids) == len(set(ids)) and set(ids) == expected


def full_disk_at(size: int):
    """A `preexec_fn`: files of the process cannot grow past `size` bytes (writes fail with
    EFBIG, as with a full disk: the same `OSError` path); SIGXFSZ ignored so the write fails
    instead of killing the process."""

    def limit() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


@pytest.mark.slow
def test_a_full_disk_under_the_jsonl_sink_stops_clearly_and_a_rerun_completes(big_dump, tmp_path):
    dump, expected = big_dump
    sink = tmp_path / "out.jsonl"
    command = batch_command(dump, sink, 2)
    full = subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        preexec_fn=full_disk_at(200_000),
    )
    assert full.returncode == 2, full.stderr
    assert full.stderr.startswith(f"error: {sink}: cannot write article"), full.stderr
    assert "Traceback" not in full.stderr
    data = sink.read_bytes()
    assert 0 < len(data) <= 200_000 and data.endswith(b"\n")  # no half-written claim left behind

    rerun = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False)
    assert rerun.returncode == 0, rerun.stderr
    ids = stored_claim_ids(str(sink))
    assert len(ids) == len(set(ids)) and set(ids) == expected


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_runs_at_once_on_one_database_store_every_claim_once(kind, big_dump, tmp_path, request):
    """Two `claims batch` runs of overlapping halves of a dump write one database at once: it ends
    with the claims of the whole dump, and every record listed as done."""
    dump, expected = big_dump
    rows = dump.read_text(encoding="utf-8").splitlines(keepends=True)[:80]
    halves = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    halves[0].write_text("".join(rows[:50]), encoding="utf-8")
    halves[1].write_text("".join(rows[30:]), encoding="utf-8")  # records 31-50 in both
    target = sink_target(kind, tmp_path, request)
    writers_at_once(halves, target, tmp_path)
    wanted = {json.loads(r)["url"] for r in rows}
    ids = stored_claim_ids(target)
    assert len(ids) == len(set(ids))
    with open_sink(target) as sink:
        assert len(sink.done_records().done) == 50 + 50
    with_urls = {c.article.url for c in sql.read_claims(target)}
    assert with_urls == wanted
    assert set(ids) <= expected


# --------------------------------------------------------------------------- progress is a fact about the sink


def synthetic_sink(target: str) -> set[str]:
    """Fill `target` with claims of other articles (another run's output); their claim ids."""
    from conftest import make_article

    articles = [make_article(900 + i) for i in range(3)]
    with open_sink(target) as sink:
        for article in articles:
            sink.write_article(article)
    return {c.claim_id for a in articles for c in a.claims}


def alter_sink(target: str, alteration: str, tmp_path: Path) -> set[str]:
    """Do to the sink what a user might between two runs; the claim ids of foreign claims it now holds."""
    if alteration == "delete":  # `rm out.jsonl` / `rm out.db`: a ledger beside it would survive
        for path in tmp_path.glob(Path(target).name + "*"):
            if not path.name.endswith(".progress"):
                path.unlink()
        return set()
    if alteration == "truncate" and target.endswith(".jsonl"):  # keep the first half of the lines
        text = Path(target).read_text(encoding="utf-8").splitlines(keepends=True)
        Path(target).write_text("".join(text[: len(text) // 2]), encoding="utf-8")
        return set()
    if alteration == "truncate":  # TRUNCATE claims, the articles stay
        engine = sql.connect(target)
        with engine.begin() as conn:
            conn.execute(sql.claims.delete())
        engine.dispose()
        return set()
    if alteration == "delete_article":
        engine = sql.connect(target)
        with engine.begin() as conn:
            victim = conn.scalar(select(sql.articles.c.id).order_by(sql.articles.c.id).limit(1))
            conn.execute(sql.articles.delete().where(sql.articles.c.id == victim))  # its claims go with it
        engine.dispose()
        return set()
    assert alteration == "replace"  # another output (or an old backup) moved in its place
    other = str(tmp_path / "other" / Path(target).name)
    foreign = synthetic_sink(other)
    for path in tmp_path.glob(Path(target).name + "*"):
        if not path.name.endswith(".progress"):
            path.unlink()
    Path(other).rename(target)
    return foreign


ALTERATIONS = [
    ("jsonl", "delete"),
    ("jsonl", "truncate"),
    ("jsonl", "replace"),
    ("sqlite", "delete"),
    ("sqlite", "truncate"),
    ("sqlite", "replace"),
    pytest.param("postgres", "truncate", marks=pytest.mark.postgres),
    pytest.param("postgres", "delete_article", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize(("kind", "alteration"), ALTERATIONS)
def test_a_rerun_redoes_exactly_what_the_sink_lost(kind, alteration, pages, reference, tmp_path, request):
    """Run, delete / truncate / replace the sink, run again: the sink ends with the claims of an
    uninterrupted run, each once, whatever lies beside it."""
    expected, _ = reference
    target = sink_target(kind, tmp_path, request)
    code, stderr = cli("batch", pages[0].parent, "--to", target, "--workers", "1", "--quiet")
    assert code == 0, stderr
    assert set(stored_claim_ids(target)) == set(expected)
    foreign = alter_sink(target, alteration, tmp_path)
    assert set(stored_claim_ids(target)) != set(expected) | foreign

    code, stderr = cli("batch", pages[0].parent, "--to", target, "--workers", "1", "--quiet")
    assert code == 0, stderr
    ids = stored_claim_ids(target)
    assert len(ids) == len(set(ids)), "a claim was written twice"
    assert set(ids) == set(expected) | foreign
    if kind == "jsonl" or alteration == "truncate":  # the sink (or its ledger) remembers it held more
        assert "missing claims" in stderr, stderr


def test_progress_does_not_depend_on_the_current_folder(pages, tmp_path, monkeypatch):
    """A database sink run from two folders: the second run skips everything, and neither folder
    gets a file."""
    sink = tmp_path / "db" / "out.db"
    for folder in ("here", "there"):
        (tmp_path / folder).mkdir()
        monkeypatch.chdir(tmp_path / folder)
        result = runner.invoke(app, ["batch", str(pages[0].parent), "--to", str(sink), "--workers", "1"])
        assert result.exit_code == 0, result.stderr
        assert list((tmp_path / folder).iterdir()) == []
    assert (
        f"{len(pages)} records: {len(pages)} skipped as already done, 0 processed, 0 failed" in result.stderr
    )


# --------------------------------------------------------------------------- no stray files


@pytest.mark.parametrize(
    ("kind", "files"),
    [
        ("default", ["claims.db"]),  # the README's main command: `claims batch FOLDER`
        ("jsonl", ["out.jsonl", "out.jsonl.progress"]),
        pytest.param("postgres", [], marks=pytest.mark.postgres),
    ],
)
def test_nothing_is_written_but_the_sink(kind, files, pages, tmp_path, monkeypatch, request):
    """A run without failures leaves nothing in the current folder but the sink (and the ledger of
    a JSONL sink beside it): no errors file, no progress file named after a URL."""
    monkeypatch.chdir(tmp_path)
    to = [] if kind == "default" else ["--to", sink_target(kind, tmp_path, request)]
    code, stderr = cli("batch", pages[0].parent, *to, "--workers", "1", "--quiet")
    assert code == 0, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == files


# --------------------------------------------------------------------------- errors file, summary, exit codes


def test_summary_counts_skipped_processed_and_failed(pages, tmp_path):
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"title": "no page field"}])
    sink = tmp_path / "out.db"
    result = runner.invoke(
        app, ["batch", str(pages[0].parent), str(bad), "--to", str(sink), "--workers", "1"]
    )
    n = len(pages)
    assert result.exit_code == 1, result.stderr
    assert f"{n + 1} records: 0 skipped as already done, {n} processed, 1 failed" in result.stderr
    assert f"errors: {sink}.errors.jsonl" in result.stderr
    # the rerun only retries the failure, which fails again: "some failed" (1), not "nearly all" (3)
    result = runner.invoke(
        app, ["batch", str(pages[0].parent), str(bad), "--to", str(sink), "--workers", "1"]
    )
    assert result.exit_code == 1, result.stderr
    assert f"{n + 1} records: {n} skipped as already done, 0 processed, 1 failed" in result.stderr
    runs = [json.loads(line)["run"] for line in (tmp_path / "out.db.errors.jsonl").read_text().splitlines()]
    assert len(runs) == 2 and runs[0] != runs[1]  # each run keeps its own record of failures


ERRORS_RUN = """
import sys
sys.argv = ["claims", "batch", sys.argv[1], "--to", sys.argv[2], "--workers", "1", "--quiet"]
from extractor.cli import main
main()
"""


def test_two_runs_on_one_sink_keep_all_their_failures(tmp_path):
    """Two runs at once on one SQLite sink, 60 failing records each: the errors file keeps all 120."""
    sink = tmp_path / "out.db"
    dumps = [
        write_jsonl(tmp_path / f"d{k}.jsonl", [{"title": f"no page {k}-{i}"} for i in range(60)])
        for k in (1, 2)
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", ERRORS_RUN, str(d), str(sink)],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for d in dumps
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 3, err
    logged = [json.loads(line) for line in (tmp_path / "out.db.errors.jsonl").read_text().splitlines()]
    assert len(logged) == 120
    by_run: dict[str, set[str]] = {}
    for entry in logged:
        by_run.setdefault(entry["run"], set()).add(entry["key"])
    assert sorted(map(len, by_run.values())) == [60, 60]
    assert {k for keys in by_run.values() for k in keys} == {f"{d}:{i}" for d in dumps for i in range(1, 61)}


def test_a_warc_name_on_something_else_is_one_clear_error(pages, tmp_path):
    fake = tmp_path / "crawl.warc.gz"
    fake.write_bytes(gzip.compress(pages[0].read_bytes()))  # a gzipped page, not a WARC
    code, stderr = cli("batch", fake, "--to", tmp_path / "out.db", "--workers", "1", "--quiet")
    assert code == 3
    assert stderr.splitlines() == [f"error: {fake}#end: not a WARC file"]


# --------------------------------------------------------------------------- a page that hangs


def slow_page() -> str:
    """A page that takes the pipeline seconds: 4.5 MB of market sentences (under the 5 MB limit)."""
    body = "".join(
        f"<p>Bitcoin rose {i % 9}.{i % 7}% to ${60000 + i:,} on Tuesday, per CoinGecko data, "
        f"while Ether fell {i % 5}.2% to ${2000 + i:,}.</p>"
        for i in range(40_000)
    )
    return f"<html><head><title>Slow</title></head><body><article><h1>Slow</h1>{body}</article></body></html>"


@pytest.mark.parametrize("engine", ["local", pytest.param("ray", marks=pytest.mark.slow)])
def test_a_page_over_its_time_budget_is_reported_and_the_run_goes_on(engine, pages, tmp_path):
    if engine == "ray":
        ray_or_skip()
    html = slow_page()
    assert len(html) < 5_000_000
    dump = write_jsonl(
        tmp_path / "dump.jsonl",
        [
            {"url": "https://a.example/1", "html": pages[0].read_text(encoding="utf-8")},
            {"url": "https://slow.example/", "html": html},
            {"url": "https://a.example/2", "html": pages[1].read_text(encoding="utf-8")},
        ],
    )
    config = tmp_path / "budget.toml"
    config.write_text("[batch]\nrecord_timeout = 1\n", encoding="utf-8")
    sink = tmp_path / "out.db"
    started = time.monotonic()
    code, stderr = cli(
        "batch", dump, "--to", sink, "--config", config, "--engine", engine, "--workers", "1", "--quiet"
    )
    assert time.monotonic() - started < 90
    assert code == 1, stderr
    [logged] = [json.loads(line) for line in (tmp_path / "out.db.errors.jsonl").read_text().splitlines()]
    assert logged["key"] == f"{dump}:2" and "record_timeout" in logged["reason"]
    assert "replaced" not in logged["reason"]  # the worker's timer interrupted it: no worker lost
    assert stderr.splitlines() == [f"error: {dump}:2: {logged['reason']}"]
    with sqlite3.connect(sink) as db:
        assert sorted(db.execute("select url from articles")) == [
            ("https://a.example/1",),
            ("https://a.example/2",),
        ]


def test_a_worker_stuck_beyond_its_timer_is_replaced(pages, tmp_path):
    """A record stuck where the interval timer cannot reach it (here: SIGALRM blocked, as inside
    C code) is given up by the driver; the worker is replaced and the other records go on."""
    from hanging import HangingProcessor

    from extractor.batch import runner as local
    from extractor.inputs.pages import Source

    settings = default_settings().model_copy(
        update={"batch": default_settings().batch.model_copy(update={"record_timeout": 0.5})}
    )
    records = [
        Source(name=f"k{i}", input="t", content=pages[i].read_bytes(), content_type="html") for i in range(2)
    ]
    records.insert(1, Source(name="hang", input="t", content=b"<html></html>", content_type="html"))
    started = time.monotonic()
    with local.LocalEngine(HangingProcessor(settings), workers=1) as engine:
        outcomes = list(engine.map(records))
    assert time.monotonic() - started < 0.5 + local.HARD_GRACE + 30
    assert [o.key for o in outcomes] == ["k0", "hang", "k1"]
    assert outcomes[0].ok and outcomes[2].ok
    assert not outcomes[1].ok and "worker was replaced" in outcomes[1].reason
