"""`claims batch`: every dump format gives what `extract` gives; kill -9 and resume is
exactly-once; bad records are isolated; near-duplicates are linked; Ray agrees with local.

Dumps are built here from the pages in `corpus/articles/` (whatever pages are there, at least 3).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from sharedpaths import ROOT
from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from extractor.batch import job
from extractor.batch.process import RecordProcessor
from extractor.batch.sources import Fields, read_warc
from extractor.cli import app
from extractor.schemas import claim_id, stable_hash
from extractor.settings import default_settings
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
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html), http_headers=headers,
                                                          warc_headers_dict={"WARC-Date": date}))
            image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url + ".png", "response", payload=io.BytesIO(b"\x89PNG..."),
                                                          http_headers=image))
    return path


def make_dump(kind: str, pages: list[Path], urls: dict[str, str], folder: Path) -> Path:
    if kind == "folder":
        return pages[0].parent
    if kind == "jsonl":
        return write_jsonl(folder / "dump.jsonl", [{"id": p.stem, "url": urls[str(p)], "html": p.read_text(encoding="utf-8")}
                                                   for p in pages])
    if kind == "warc":
        return write_warc(folder / "crawl.warc.gz", [(urls[str(p)], p.read_bytes(), "2001-01-01T00:00:00Z") for p in pages])
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
    want = {k: v for k, v in expected.items()} if keep_path else {
        k: {**v, "article": {a: b for a, b in v["article"].items() if a != "path"}} for k, v in expected.items()}
    assert records_by_id(sink, keep_path) == want
    assert not (tmp_path / "out.jsonl.errors.jsonl").exists()  # no failure, no errors file
    ledger = [json.loads(line) for line in (tmp_path / "out.jsonl.progress").read_text().splitlines()]
    assert len(ledger) == len(pages)


def test_warc_date_is_the_publication_date_of_a_page_without_one(tmp_path):
    html = (b"<html><body><article><h1>Bitcoin slips</h1><p>Bitcoin was trading at $62,350 on Thursday, "
            b"a 1.2% decline over 24 hours, according to CoinGecko, as traders trimmed risk ahead of the "
            b"weekend and liquidity thinned across the major exchanges.</p></article></body></html>")
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
        json.dumps({"html": "<html><body><p>" + "x " * 60_000 + "</p></body></html>"}),  # oversized (with the config)
        json.dumps({"html": "<html><body><div><nav>Home</nav>"}),  # broken HTML, no article
        json.dumps({"title": "no page field"}),
    ]
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tmp_path / "small.toml"
    config.write_text("[scrape]\nmax_input_bytes = 100_000\n", encoding="utf-8")
    errors = tmp_path / "errors.jsonl"
    code, stderr = cli("batch", dump, "--to", tmp_path / "out.db", "--errors", errors, "--config", config,
                       "--workers", "1", "--quiet")
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


def test_nearly_all_failed_is_exit_code_3_and_missing_input_is_2(tmp_path):
    dump = write_jsonl(tmp_path / "dump.jsonl", [{"html": "<html><body></body></html>"}] * 3)
    code, _ = cli("batch", dump, "--to", tmp_path / "out.jsonl", "--workers", "1", "--quiet")
    assert code == 3
    code, stderr = cli("batch", tmp_path / "missing.jsonl", "--to", tmp_path / "out.jsonl")
    assert code == 2 and stderr.startswith("error: ") and "no such file" in stderr


def test_any_exception_of_the_pipeline_is_a_failed_outcome(monkeypatch, pages):
    from extractor.batch import process
    from extractor.batch.sources import Record

    def explode(*args, **kwargs):
        raise RuntimeError("rules blew up\non two lines")

    monkeypatch.setattr(process, "process_source", explode)
    outcome = RecordProcessor(default_settings()).process_record(Record(key="k", input="dump", content=pages[0].read_bytes()))
    assert not outcome.ok
    assert outcome.reason == "RuntimeError: rules blew up on two lines"


def test_exit_codes():
    assert job.exit_code(job.Counts(records=10, errors=0)) == 0
    assert job.exit_code(job.Counts(records=10, errors=8)) == 1
    assert job.exit_code(job.Counts(records=10, errors=9)) == 3


# --------------------------------------------------------------------------- near-duplicates


def test_near_duplicates_are_linked_to_the_first(pages, tmp_path):
    first, other = pages[0].read_text(encoding="utf-8"), pages[1].read_text(encoding="utf-8")
    edited = first.replace("<p>", "<p>Syndicated. ", 1)  # a copy with a small edit, elsewhere
    dump = write_jsonl(tmp_path / "dump.jsonl", [
        {"url": "https://origin.example/a", "html": first},
        {"url": "https://other.example/b", "html": other},
        {"url": "https://syndication.example/a-copy", "html": edited},
    ])
    code, stderr = cli("batch", dump, "--to", tmp_path / "out.db", "--workers", "1", "--quiet")
    assert code == 0, stderr
    with sqlite3.connect(tmp_path / "out.db") as db:
        links = dict(db.execute("select url, duplicate_of from articles"))
        claims_of_copy = db.execute("select count(*) from claims join articles on articles.id = article_id "
                                    "where url = 'https://syndication.example/a-copy'").fetchone()[0]
    original = stable_hash("url", "https://origin.example/a")
    assert links == {"https://origin.example/a": None, "https://other.example/b": None,
                     "https://syndication.example/a-copy": original}
    assert claims_of_copy > 0  # kept, but linked


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
        expected |= {claim_id(article, c["metric"], c["subject"], c["value"], c["unit"], c["as_of"], c["qualifiers"])
                     for c in by_path[path]}
    return write_jsonl(tmp_path_factory.mktemp("big") / "dump.jsonl", rows), expected


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_kill_9_and_resume_gives_every_claim_exactly_once(big_dump, tmp_path):
    dump, expected = big_dump
    sink = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "extractor", "batch", str(dump), "--to", str(sink), "--workers", "2", "--quiet"]
    run = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while lines(tmp_path / "out.jsonl.progress") < N_RECORDS // 5 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)  # the driver and its workers, at once
    run.wait()
    done_before = lines(tmp_path / "out.jsonl.progress")
    assert 0 < done_before < N_RECORDS, "the kill should land mid-run"

    rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert rerun.returncode == 0, rerun.stderr
    ids = [json.loads(line)["claim_id"] for line in sink.read_text(encoding="utf-8").splitlines()]
    assert len(ids) == len(set(ids)), "a claim was written twice"
    assert set(ids) == expected
    ledger = [json.loads(line)["key"] for line in (tmp_path / "out.jsonl.progress").read_text().splitlines() if line.strip()]
    assert sorted(set(ledger)) == sorted(f"{dump}:{n}" for n in range(1, N_RECORDS + 1))


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
                sorted(db.execute("select claim_id, article_id, metric, subject, value, unit, as_of, rule from claims")),
            )
        errors = [json.loads(line)["key"] for line in (tmp_path / f"{engine}.db.errors.jsonl").read_text().splitlines()]
        assert errors == [f"{bad}:1"]
    assert outputs["ray"] == outputs["local"]
    assert len(outputs["local"][0]) == len(pages)


def test_fields_are_configurable(tmp_path, pages):
    from extractor.batch.sources import iter_records

    dump = write_jsonl(tmp_path / "d.jsonl", [{"doc": {"body": "Title\nSome text."}, "link": "https://x.example/1",
                                              "when": "2025-01-02", "uid": "u1"}])
    fields = Fields(text="doc.body", url="link", published="when", id="uid")
    [record] = list(iter_records([str(dump)], default_settings(), fields))
    assert (record.kind, record.url, record.published, record.path, record.key) == (
        "text", "https://x.example/1", "2025-01-02", "u1", f"{dump}:1")
