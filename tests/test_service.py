"""The HTTP service (`claims serve`), tested over real HTTP.

Every test talks to a real server: `python -m extractor serve --port PORT` in a subprocess on
127.0.0.1 (a free port), reached with httpx once /healthz answers. What the server returns is
compared with what the CLI (`claims extract / verify --format json`) prints for the same input.

Servers (fixtures below): `server` (defaults, no database), `db_server` (SQLite with 2 workers,
and PostgreSQL on a fresh database `claims_test_<random>` that is dropped afterwards), a server
with a tiny time limit and one extraction slot, and one whose database is unreachable.
PostgreSQL that does not answer on 127.0.0.1:5432 skips its cases with the reason, or fails
them when the environment variable CI is set.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from localsite import local_site

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "corpus" / "articles"
VERIFY_PAGES = ROOT / "corpus" / "verify"
REFERENCES = ROOT / "corpus" / "reference" / "prices.csv"
PG_ADMIN = os.environ.get("MARKET_CLAIMS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STARTUP_SECONDS = 180
SEED_TEXT = (
    "Bitcoin slips below $60,000 as ETF outflows mount\n"
    "Bitcoin fell 4.2% over the past 24 hours to $59,870 on Tuesday, according to CoinGecko. "
    "US spot Bitcoin ETFs recorded net outflows of $226 million on Monday. "
    "The S&P 500 rose 0.6% to close at 5,509.01 points."
)

# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `claims serve` subprocess and an httpx client on it."""

    def __init__(self, proc: subprocess.Popen, url: str, log: Path) -> None:
        self.proc = proc
        self.url = url
        self.log = log
        self.http = httpx.Client(base_url=url, timeout=120)

    def post(
        self,
        path: str,
        body: Any = None,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        if body is not None:
            content = json.dumps(body).encode()
            headers = {"content-type": "application/json", **(headers or {})}
        return self.http.post(path, content=content, headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, **kw)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def assert_no_internal_errors(self) -> None:
        """No request so far reached the last-resort 500 handler."""
        text = self.log_text()
        assert "unexpected error on" not in text and "Exception in ASGI application" not in text, text[-3000:]

    def stop(self) -> None:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the server's own process group (workers too)
                self.proc.wait(timeout=30)


@contextmanager
def serve(tmp: Path, *options: str) -> Iterator[Server]:
    """Start `python -m extractor serve` with `options`, wait for /healthz, stop it afterwards."""
    port = free_port()
    log = tmp / f"server-{port}.log"
    env = {k: v for k, v in os.environ.items() if k != "MARKET_CLAIMS_SERVICE"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "extractor", "serve", "--port", str(port), "--no-access-log", *options],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
    server = Server(proc, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}:\n{server.log_text()[-3000:]}")
            try:
                if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"server did not answer /healthz within {STARTUP_SECONDS} s:\n{server.log_text()[-3000:]}"
                )
            time.sleep(0.25)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with the default limits and no database."""
    with serve(tmp_path_factory.mktemp("server")) as s:
        yield s


@pytest.fixture(scope="module")
def postgres_db() -> Iterator[str]:
    """A fresh PostgreSQL database `claims_test_<random>` (URL), dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(PG_ADMIN).set(drivername="postgresql")
    dsn = admin.render_as_string(hide_password=False)
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        message = f"PostgreSQL not reachable on 127.0.0.1:5432: {str(exc).strip().splitlines()[0]}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: the PostgreSQL tests must run)")
        pytest.skip(message)
    name = f"claims_test_{uuid.uuid4().hex[:12]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with a database: a SQLite file (2 workers), or a fresh PostgreSQL database."""
    tmp = tmp_path_factory.mktemp(f"db-{request.param}")
    if request.param == "sqlite":
        options = ("--db", str(tmp / "claims.db"), "--workers", "2", "--max-page-limit", "500")
    else:
        options = ("--db", request.getfixturevalue("postgres_db"), "--max-page-limit", "500")
    with serve(tmp, *options) as s:
        s.db = options[1]  # type: ignore[attr-defined]
        yield s


# --------------------------------------------------------------------------- inputs and the CLI


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the corpus pages (being edited by others meanwhile): the CLI and the server read
    the same bytes. Paths inside it are what both record as `article.path`."""
    root = tmp_path_factory.mktemp("corpus")
    for folder in (ARTICLES, VERIFY_PAGES):
        if folder.is_dir():
            target = root / "corpus" / folder.name
            target.mkdir(parents=True)
            for page in sorted(folder.glob("*.html")):
                shutil.copyfile(page, target / page.name)
    pages = (
        sorted((root / "corpus" / "articles").glob("*.html"))
        if (root / "corpus" / "articles").is_dir()
        else []
    )
    assert len(pages) >= 2, f"need at least 2 pages in {ARTICLES}, found {len(pages)}"
    if REFERENCES.is_file():
        (root / "corpus" / "reference").mkdir()
        shutil.copyfile(REFERENCES, root / "corpus" / "reference" / REFERENCES.name)
    (root / "seed.txt").write_text(SEED_TEXT, encoding="utf-8")
    return root


def run_cli(cwd: Path, *args: str) -> Any:
    """`python -m extractor ARGS` in `cwd`: its JSON output (exit 0, 1 for a failed input and 4 for
    a contradicted claim are all results)."""
    env = {k: v for k, v in os.environ.items() if k != "MARKET_CLAIMS_SERVICE"}
    done = subprocess.run(
        [sys.executable, "-m", "extractor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode in (0, 1, 4), f"exit {done.returncode}: {done.stderr}"
    return json.loads(done.stdout)


def article_pages(snapshot: Path) -> list[str]:
    return sorted(str(p.relative_to(snapshot)) for p in (snapshot / "corpus" / "articles").glob("*.html"))


@pytest.fixture(scope="module")
def cli_articles(snapshot: Path) -> dict[str, dict[str, Any]]:
    """`claims extract PAGES --format json` of every corpus page, by path."""
    return {a["path"]: a for a in run_cli(snapshot, "extract", *article_pages(snapshot), "--format", "json")}


def document(snapshot: Path, rel: str, **extra: Any) -> dict[str, Any]:
    return {"html": (snapshot / rel).read_text(encoding="utf-8"), "path": rel, **extra}


# --------------------------------------------------------------------------- health, extract


def test_healthz_readyz_and_openapi(server: Server) -> None:
    assert server.get("/healthz").json() == {"status": "ok"}
    ready = server.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "rules": "loaded",
        "database": "not configured",
        "extraction": "4 of 4 extraction slots free",
    }
    schema = server.get("/openapi.json").json()
    assert {"/v1/extract", "/v1/claims", "/healthz", "/readyz"} <= set(schema["paths"])
    examples = schema["paths"]["/v1/extract"]["post"]["requestBody"]["content"]["application/json"][
        "examples"
    ]
    assert {"html", "text", "url"} <= set(examples)
    assert "short interest rose 1.2%" in examples["html"]["value"]["html"]
    claim = schema["components"]["schemas"]["Claim"]["properties"]
    assert "schema" in claim and "rule" not in claim


def test_extract_matches_cli(server: Server, snapshot: Path, cli_articles: dict[str, dict[str, Any]]) -> None:
    compared = 0
    for rel in article_pages(snapshot):
        response = server.post("/v1/extract", document(snapshot, rel))
        if rel in cli_articles:
            assert response.status_code == 200, response.text
            assert response.json() == cli_articles[rel], rel
            compared += 1
        else:  # the CLI refused it: the server says why, naming the field
            assert response.status_code == 422 and response.json()["detail"].startswith("html: ")
    assert compared >= 2
    server.assert_no_internal_errors()


def test_extract_concurrent_requests_match_cli(
    server: Server, snapshot: Path, cli_articles: dict[str, dict[str, Any]]
) -> None:
    """Four extractions at once (the default slots of a worker) give the same records as one at a time."""
    rels = sorted(cli_articles)[:4] * 2
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda rel: server.post("/v1/extract", document(snapshot, rel)), rels))
    for rel, response in zip(rels, responses, strict=True):
        assert response.status_code == 200, response.text
        assert response.json() == cli_articles[rel]


def test_extract_text_with_published_matches_cli(server: Server, snapshot: Path) -> None:
    published = "2024-07-03T09:30:00+00:00"
    [expected] = run_cli(snapshot, "extract", "seed.txt", "--published", published, "--format", "json")
    response = server.post("/v1/extract", {"text": SEED_TEXT, "published": published, "path": "seed.txt"})
    assert response.status_code == 200, response.text
    assert response.json() == expected
    assert expected["claims"], "the seed text states claims"


def test_store_and_claims_need_a_database(server: Server) -> None:
    response = server.post("/v1/extract?store=true", {"text": SEED_TEXT})
    assert response.status_code == 409
    assert response.json()["detail"].startswith("store: ") and "--db" in response.json()["detail"]
    response = server.get("/v1/claims")
    assert response.status_code == 409 and "--db" in response.json()["detail"]


# --------------------------------------------------------------------------- verify


def verify_pages(snapshot: Path) -> list[str]:
    folder = snapshot / "corpus" / "verify"
    pages = sorted(folder.glob("*.html")) if folder.is_dir() else []
    return [str(p.relative_to(snapshot)) for p in pages] or article_pages(snapshot)[:3]


def test_verify_matches_cli(server: Server, snapshot: Path) -> None:
    from extractor.verify.references import read_observations

    rels = verify_pages(snapshot)
    # plain: internal checks only
    cli = run_cli(snapshot, "verify", *rels, "--format", "json")
    by_path = {r["article"]["path"]: r for r in cli}
    for rel in rels:
        response = server.post("/v1/verify", document(snapshot, rel))
        if rel in by_path:
            assert response.status_code == 200, response.text
            assert response.json() == by_path[rel], rel
        else:
            assert response.status_code == 422
    # with references: the rows of the reference file as a list of observations
    if REFERENCES.is_file():
        ref_file = "corpus/reference/prices.csv"
        observations = [o.model_dump() for o in read_observations(snapshot / ref_file)]
        cli = run_cli(snapshot, "verify", *rels, "--reference", ref_file, "--format", "json")
        assert any(v["check"] == "reference" for r in cli for v in r["verdicts"]), (
            "the references check something"
        )
        for expected in cli:
            rel = expected["article"]["path"]
            response = server.post("/v1/verify", document(snapshot, rel, references=observations))
            assert response.status_code == 200, response.text
            assert response.json() == expected, rel
    server.assert_no_internal_errors()


def test_verify_one_claim_matches_cli(server: Server, snapshot: Path) -> None:
    claim = "Bitcoin price $59,870"
    published = "2024-07-03T09:30:00+00:00"
    [expected] = run_cli(
        snapshot, "verify", "seed.txt", "--claim", claim, "--published", published, "--format", "json"
    )
    response = server.post(
        "/v1/verify", {"text": SEED_TEXT, "path": "seed.txt", "published": published, "claim": claim}
    )
    assert response.status_code == 200, response.text
    assert response.json() == expected
    assert expected["verdicts"], "the claim is judged"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"text": SEED_TEXT, "claim": "hello there"}, 422, "claim"),
        ({"text": SEED_TEXT, "claim": "   "}, 422, "claim"),
        ({"text": SEED_TEXT, "tolerances": {"prize": 0.1}}, 422, "tolerances"),
        ({"text": SEED_TEXT, "tolerances": {"price": -1}}, 422, "tolerances"),
        ({"text": SEED_TEXT, "references": [{"subject": "Bitcoin"}]}, 422, "references.0.metric"),
        (
            {
                "text": SEED_TEXT,
                "references": [{"subject": "Bitcoin", "metric": "price", "date": "2024-02-30", "value": 1}],
            },
            422,
            "references.0.date",
        ),
        ({"text": SEED_TEXT, "references": "prices.csv"}, 422, "references"),
        ({"text": SEED_TEXT, "references": [], "claim": "Bitcoin price $1"}, 422, "body"),
    ],
)
def test_verify_rejects_bad_fields(server: Server, body: dict[str, Any], status: int, field: str) -> None:
    response = server.post("/v1/verify", body)
    assert response.status_code == status, response.text
    assert response.json()["detail"].startswith(f"{field}: "), response.json()


def test_verify_references_reject_non_finite_numbers(server: Server) -> None:
    raw = (
        '{"text": "T\\nBitcoin rose 5% to $60,000 yesterday.", "references": [{"subject": "Bitcoin", '
        '"metric": "price", "date": "2024-07-02", "value": NaN, "low": Infinity, "high": 1'
        + "0" * 400
        + "}]}"
    )
    response = server.post("/v1/verify", content=raw.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"references.0.value", "references.0.low", "references.0.high"}


# --------------------------------------------------------------------------- malformed requests


@pytest.mark.parametrize(
    ("content", "content_type", "field", "words"),
    [
        (b'{"html": ', "application/json", "body", "malformed JSON"),
        (b"{'text': 'single quotes'}", "application/json", "body", "malformed JSON"),
        (b"\xff\xfe\x00garbage", "application/json", "body", ""),
        (b"[1, 2, 3]", "application/json", "body", "JSON object"),
        (b'"just a string"', "application/json", "body", "JSON object"),
        (b"", "application/json", "body", "required"),
        (b'{"text": "x"}', "text/plain", "body", "JSON object"),
        (b"{}", "application/json", "body", "one of html, text or url"),
        (b'{"html": "<p>a</p>", "text": "b"}', "application/json", "body", "not both"),
        (b'{"html": 12}', "application/json", "html", "valid string"),
        (b'{"text": ["a"]}', "application/json", "text", "valid string"),
        (b'{"text": {"nested": {"junk": []}}}', "application/json", "text", "valid string"),
        (b'{"text": ""}', "application/json", "text", "empty"),
        (b'{"text": " \\n\\t "}', "application/json", "text", "empty"),
        (b'{"text": "Title\\nBody \\ud800"}', "application/json", "text", "surrogate"),
        (b'{"text": "Title\\nBody\\u0000"}', "application/json", "text", "NUL"),
        (b'{"text": "Title\\nBody", "published": "yesterday"}', "application/json", "published", "ISO 8601"),
        (b'{"text": "Title\\nBody", "published": "0001-01-01"}', "application/json", "published", "outside"),
        (b'{"text": "Title\\nBody", "published": 20250508}', "application/json", "published", "valid string"),
        (b'{"text": "Title\\nBody", "url": "ftp://example.com/a"}', "application/json", "url", "http"),
        (
            b'{"url": "http://127.0.0.1:1/page.html"}',
            "application/json",
            "url",
            "refused: 127.0.0.1 is a loopback",
        ),
        (b'{"url": "http://no-such-host.invalid/page.html"}', "application/json", "url", "could not fetch"),
        (b'{"text": "Title\\nBody", "colour": "red"}', "application/json", "colour", "unknown field"),
        (b'{"text": "hello"}', "application/json", "text", "no article text"),
        (
            b'{"text": "Titel\\nDer Bitcoin-Kurs ist am Dienstag um 5 Prozent auf 60.000 Dollar gestiegen, wie die Daten '
            b'zeigen. Die Anleger sind nach der Entscheidung wieder optimistischer geworden."}',
            "application/json",
            "text",
            "not an English page",
        ),
        (
            b'{"html": "<html><body><nav>Home</nav></body></html>"}',
            "application/json",
            "html",
            "no article text",
        ),
    ],
)
def test_malformed_requests_are_4xx_naming_the_field(
    server: Server, content: bytes, content_type: str, field: str, words: str
) -> None:
    response = server.post("/v1/extract", content=content, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500, response.text
    detail = response.json()["detail"]
    assert detail.startswith(f"{field}: ") and words in detail, detail


# --------------------------------------------------------------------------- fetching URLs


@pytest.fixture(scope="module")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that may fetch from 127.0.0.1 alone (`scrape.fetch_allow`), as for local use."""
    tmp = tmp_path_factory.mktemp("local")
    (tmp / "allow.toml").write_text('[scrape]\nfetch_allow = ["127.0.0.1/32"]\n', encoding="utf-8")
    with serve(tmp, "--config", str(tmp / "allow.toml")) as s:
        s.config = str(tmp / "allow.toml")  # type: ignore[attr-defined]
        yield s


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:{port}/secret", "refused: 127.0.0.1 is a loopback address"),
        ("http://localhost:{port}/secret", "refused: localhost (127.0.0.1) is a loopback address"),
        ("http://[::1]:{port}/secret", "refused: ::1 is a loopback address"),
        (
            "http://127.0.0.1:{port}/redirect?to=http://169.254.169.254/",
            "refused: 127.0.0.1 is a loopback address",
        ),
        ("http://169.254.169.254/latest/meta-data/iam/", "refused: 169.254.169.254 is a link-local address"),
        ("http://10.0.0.7:8080/admin", "refused: 10.0.0.7 is a private address"),
        ("http://0x7f000001:{port}/secret", "refused: 0x7f000001 (127.0.0.1) is a loopback address"),
    ],
)
def test_url_of_an_internal_address_is_422_naming_url(server: Server, url: str, words: str) -> None:
    with local_site() as site:
        response = server.post("/v1/extract", {"url": url.format(port=site.server.server_port)})
        assert site.hits == []  # the page was never requested
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith(f"url: {words}") and "scrape.fetch_allow" in detail, detail
    assert "hunter2" not in response.text


def test_allow_listed_server_fetches_local_pages_and_checks_every_redirect(local_server: Server) -> None:
    with local_site() as site:
        page = site.url("/page.html")
        [expected] = run_cli(
            ROOT,
            "extract",
            "--config",
            local_server.config,
            page,  # type: ignore[attr-defined]
            "--format",
            "json",
        )
        response = local_server.post("/v1/extract", {"url": page})
        assert response.status_code == 200, response.text
        assert response.json() == expected and expected["claims"]
        utf16 = local_server.post("/v1/extract", {"url": site.url("/utf16.html")})  # UTF-16 with BOM
        assert utf16.status_code == 200, utf16.text
        assert [c["value"] for c in utf16.json()["claims"]] == [c["value"] for c in expected["claims"]]
        site.hits.clear()
        for target, words in (
            ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local"),
            (f"http://127.0.0.2:{site.server.server_port}/secret", "127.0.0.2 is a loopback"),
            ("file:///etc/passwd", "only http and https URLs are fetched, not file"),
        ):
            response = local_server.post("/v1/extract", {"url": site.url(f"/redirect?to={target}")})
            assert response.status_code == 422, response.text
            assert response.json()["detail"].startswith("url: ") and words in response.json()["detail"]
        assert site.hits == ["/redirect"] * 3  # only the redirects themselves were read
    local_server.assert_no_internal_errors()


@pytest.mark.parametrize("figure", ["$1e999", "$1" + "0" * 400, "9" * 330 + "%", "$0." + "0" * 400 + "1"])
def test_figures_out_of_range_are_never_500(server: Server, figure: str) -> None:
    """Either the pipeline reads the figure, or the server says it is out of range (422, naming text)."""
    response = server.post("/v1/extract", {"text": f"Title\nBitcoin rose to {figure} on Tuesday."})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["detail"].startswith("text: ") and "out of range" in response.json()["detail"]
    else:
        assert all(isinstance(c["value"], int | float) for c in response.json()["claims"])


@pytest.mark.parametrize(("query", "field"), [("store=maybe", "store"), ("store=", "store")])
def test_bad_query_parameters(server: Server, query: str, field: str) -> None:
    response = server.post(f"/v1/extract?{query}", {"text": SEED_TEXT})
    assert response.status_code == 422 and response.json()["detail"].startswith(f"{field}: ")


def test_unknown_path_and_method(server: Server) -> None:
    assert server.get("/v2/nothing").status_code == 404
    assert server.get("/v1/extract").status_code == 405


# --------------------------------------------------------------------------- size limits


def test_body_over_the_limit_is_413_from_content_length(server: Server) -> None:
    body = json.dumps({"text": "Title\n" + "a" * 7_000_000}).encode()
    response = server.post("/v1/extract", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert (
        response.json()["detail"].startswith("body: the request body is 7,000,")
        and "max_body_bytes" in response.text
    )
    assert server.get("/healthz").status_code == 200


def test_streamed_body_over_the_limit_is_413(server: Server) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"text": "'
        for _ in range(80):
            yield b"a" * 100_000
        yield b'"}'

    response = server.http.post("/v1/extract", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "while streaming" in response.json()["detail"]
    assert server.get("/healthz").status_code == 200


def test_document_over_the_pipeline_limit_is_413(server: Server) -> None:
    response = server.post("/v1/extract", {"text": "Title\n" + "word " * 1_100_000})
    assert response.status_code == 413
    assert response.json()["detail"].startswith("text: the document is 5,500,006 bytes")


@pytest.mark.slow
def test_text_over_a_million_characters_is_never_a_500(server: Server) -> None:
    """Over spaCy's max_length (1,000,000 characters): extracted in pieces, or a 504 under a busy
    machine's time limit; never E088 as a 500."""
    rng = random.Random(5)
    words = "the of and to in market traders said that it was a week for shares with analysts on".split()
    filler = [" ".join(rng.choice(words) for _ in range(rng.randint(150, 250))) + "." for _ in range(1250)]
    text = (
        "Long wrap\nBitcoin rose 2.5% to $60,250 on Tuesday.\n"
        + "\n".join(filler)
        + "\nEther fell 3% to $2,400 on Wednesday."
    )
    assert 1_100_000 < len(text.encode()) < 5_000_000
    response = server.post("/v1/extract", {"text": text, "published": "2024-07-03"})
    assert response.status_code in (200, 504), response.text[:500]
    if response.status_code == 200:
        assert [(c["metric"], c["value"]) for c in response.json()["claims"]] == [
            ("price_change", 2.5),
            ("price", 60250.0),
            ("price_change", -3.0),
            ("price", 2400.0),
        ]
    assert wait_ready(server, 30) < 30
    server.assert_no_internal_errors()


# --------------------------------------------------------------------------- time limit and concurrency


def slow_text(paragraphs: int = 3000) -> str:
    """A text that takes the pipeline well over a second (hundreds of distinct paragraphs)."""
    rng = random.Random(7)
    words = (
        "bitcoin ether market traders rally shares index fund flows analysts said week session volume".split()
    )
    lines = [
        " ".join(rng.choice(words) for _ in range(rng.randint(8, 30))).capitalize()
        + f" rose {rng.randint(1, 99)}.{rng.randint(0, 9)}% to ${rng.randint(100, 99999):,} on Tuesday."
        for _ in range(paragraphs)
    ]
    return "Market wrap\n" + "\n".join(lines)


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with one extraction slot, a tiny time limit, short header/body timeouts and at most
    100 connections."""
    # timeouts long enough that opening 250 sockets on a loaded 2-core machine finishes first
    with serve(
        tmp_path_factory.mktemp("tight"),
        "--timeout",
        "0.5",
        "--max-concurrency",
        "1",
        "--header-timeout",
        "10",
        "--body-timeout",
        "12",
        "--max-connections",
        "100",
    ) as s:
        yield s


def wait_ready(s: Server, seconds: float) -> float:
    """Seconds until /readyz answers 200 (fails after `seconds`)."""
    started = time.monotonic()
    while s.get("/readyz").status_code != 200:
        assert time.monotonic() - started < seconds, f"not ready after {seconds} s: {s.get('/readyz').json()}"
        time.sleep(0.1)
    return time.monotonic() - started


def test_timed_out_extraction_is_stopped_and_its_slot_freed(tight: Server) -> None:
    started = time.monotonic()
    response = tight.post("/v1/extract", {"text": slow_text()})
    assert response.status_code == 504
    assert response.json()["detail"] == (
        "text: extraction took longer than the limit of 0.5 seconds (timeout_seconds); it was stopped"
    )
    assert time.monotonic() - started < 5
    # the only slot is being refilled: not ready, and an extraction is turned away meanwhile
    ready = tight.get("/readyz")
    assert ready.status_code == 503 and ready.json()["extraction"] == "0 of 1 extraction slots free"
    busy = tight.post("/v1/extract", {"text": SEED_TEXT})
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert busy.json()["detail"].startswith("server: all 1 extraction slots")
    for _ in range(5):  # and the worker keeps answering
        started = time.monotonic()
        assert tight.get("/healthz").status_code == 200
        assert time.monotonic() - started < 2
    # the killed extraction (it alone would take far longer) does not hold the slot: a fresh
    # process takes it within seconds, and the next request is served
    assert wait_ready(tight, 30) < 30
    assert tight.post("/v1/extract", {"text": SEED_TEXT}).status_code == 200
    tight.assert_no_internal_errors()


def test_burst_of_slow_requests_recovers_within_the_time_limit(tight: Server) -> None:
    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(
            pool.map(lambda _: tight.post("/v1/extract", {"text": slow_text()}).status_code, range(4))
        )
    assert set(statuses) <= {503, 504} and 504 in statuses, statuses
    assert wait_ready(tight, 30) < 30
    assert tight.post("/v1/extract", {"text": SEED_TEXT}).status_code == 200
    tight.assert_no_internal_errors()


def test_half_sent_headers_and_bodies_are_cut_off(tight: Server) -> None:
    """Half-sent bodies under the connection limit time out with 408; 120 half-sent headers put the
    worker over its limit of 100 (503 for what comes next), and within the header/body timeouts
    every one of them is closed."""
    port = int(tight.url.rsplit(":", 1)[1])
    head_only = b"POST /v1/extract HTTP/1.1\r\nHost: x\r\nContent-Type: appl"
    half_body = (
        b"POST /v1/extract HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"text": "Title\\nBitc'
    )

    def opened(data: bytes, count: int) -> list[socket.socket]:
        sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            sock.sendall(data)
            sockets.append(sock)
        return sockets

    # the order matters to the server, not the timing: bodies it started to read while under the
    # limit, then enough stalled headers to pass it, then bodies that arrive over it
    early_bodies = opened(half_body, 10)
    time.sleep(1)  # the server has read their headers (and counts them) before the next ones come
    stalled = opened(head_only, 120)
    time.sleep(1)
    assert tight.get("/healthz").status_code == 503  # max_connections: the worker takes no more
    late_bodies = opened(half_body, 60)
    started = time.monotonic()

    def answer(sock: socket.socket) -> bytes:
        received = b""
        while chunk := sock.recv(65536):  # the server closes every one of them
            received += chunk
        sock.close()
        return received

    early = [answer(s) for s in early_bodies]
    silent = [answer(s) for s in stalled]
    late = [answer(s) for s in late_bodies]
    assert time.monotonic() - started < 30
    assert all(a.startswith(b"HTTP/1.1 408 ") and b"body_timeout_seconds" in a for a in early), early[:1]
    assert all(a == b"" for a in silent)  # headers never completed: closed without a word
    assert all(a.startswith(b"HTTP/1.1 503 ") for a in late), late[:1]  # refused over the limit
    assert tight.get("/healthz").status_code == 200  # and the worker serves again
    assert wait_ready(tight, 30) < 30


# --------------------------------------------------------------------------- database


def test_store_then_query_claims(
    db_server: Server, snapshot: Path, cli_articles: dict[str, dict[str, Any]]
) -> None:
    ready = db_server.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
    rels = [rel for rel in sorted(cli_articles) if cli_articles[rel]["claims"]][:3]
    records: dict[str, dict[str, Any]] = {}
    for rel in rels:
        response = db_server.post("/v1/extract?store=true", document(snapshot, rel))
        assert response.status_code == 200, response.text
        assert response.json()["path"] == rel and response.json()["claims"]  # equality with the CLI: above
        assert response.headers["x-claims-stored"] == "true"
        unique = {c["claim_id"] for c in response.json()["claims"]}
        assert int(response.headers["x-claims-new"]) == len(unique)
        for claim in response.json()["claims"]:
            records.setdefault(claim["claim_id"], claim)
        again = db_server.post("/v1/extract?store=true", document(snapshot, rel))  # idempotent
        assert again.status_code == 200 and again.headers["x-claims-new"] == "0"

    page = db_server.get("/v1/claims", params={"limit": 500}).json()
    assert page["count"] == len(records) and page["next_offset"] is None
    assert {c["claim_id"]: c for c in page["claims"]} == records  # the same records, read back

    # filters: the claims of one subject and metric, one source, a date range
    some = next(c for c in records.values() if c["as_of"])
    key = (some["symbol"] or some["subject"]).lower()
    found = db_server.get("/v1/claims", params={"subject": key, "metric": some["metric"]}).json()["claims"]
    assert some in found
    assert all(
        c["metric"] == some["metric"] and key in (c["subject"].lower(), (c["symbol"] or "").lower())
        for c in found
    )
    day = some["as_of"][:10]
    found = db_server.get("/v1/claims", params={"since": day, "until": day, "limit": 500}).json()["claims"]
    assert some in found and all(c["as_of"][:10] == day for c in found if len(c["as_of"]) >= 10)
    attributed = [c for c in records.values() if c["attributed_to"]]
    if attributed:
        found = db_server.get("/v1/claims", params={"source": attributed[0]["attributed_to"].upper()}).json()[
            "claims"
        ]
        assert attributed[0] in found and all(
            c["attributed_to"] == attributed[0]["attributed_to"] for c in found
        )

    # paging: consecutive pages of 2 are the whole ordered list
    everything = page["claims"]
    first = db_server.get("/v1/claims", params={"limit": 2}).json()
    second = db_server.get("/v1/claims", params={"limit": 2, "offset": first["next_offset"]}).json()
    assert first["next_offset"] == 2 and first["claims"] + second["claims"] == everything[:4]
    db_server.assert_no_internal_errors()


def test_verify_across_articles_matches_cli(
    db_server: Server, snapshot: Path, cli_articles: dict[str, dict[str, Any]]
) -> None:
    rel = [rel for rel in sorted(cli_articles) if cli_articles[rel]["claims"]][0]
    assert db_server.post("/v1/extract?store=true", document(snapshot, rel)).status_code == 200
    [expected] = run_cli(snapshot, "verify", rel, "--db", db_server.db, "--format", "json")  # type: ignore[attr-defined]
    response = db_server.post("/v1/verify?across=true", document(snapshot, rel))
    assert response.status_code == 200, response.text
    assert response.json() == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**30}, "offset"),
        ({"metric": "price_target"}, "metric"),
        ({"since": "2025-13"}, "since"),
        ({"since": "May 2025"}, "since"),
        ({"until": "9999-12-31"}, "until"),
        ({"until": "2025-02-30"}, "until"),
        ({"subject": "Bit\x00coin"}, "subject"),
    ],
)
def test_claims_query_errors_name_the_parameter(
    db_server: Server, params: dict[str, Any], field: str
) -> None:
    response = db_server.get("/v1/claims", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{field}: "), response.json()


def test_unreachable_database_makes_readyz_503(tmp_path: Path) -> None:
    with serve(tmp_path, "--db", "postgresql://postgres@127.0.0.1:1/nowhere") as s:
        assert s.get("/healthz").status_code == 200
        ready = s.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "not ready" and ready.json()["rules"] == "loaded"
        assert "127.0.0.1" in ready.json()["database"]
        stored = s.post("/v1/extract?store=true", {"text": SEED_TEXT})
        assert stored.status_code == 503 and stored.json()["detail"].startswith("database: ")
        listed = s.get("/v1/claims")
        assert listed.status_code == 503 and listed.json()["detail"].startswith("database: ")
        assert s.post("/v1/extract", {"text": SEED_TEXT}).status_code == 200  # extraction needs no database
        s.assert_no_internal_errors()


# --------------------------------------------------------------------------- property-based

FUZZ = settings(
    max_examples=150,
    deadline=timedelta(seconds=60),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1, 0]),
    st.floats(allow_nan=True, allow_infinity=True),
)
wild_text = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.one_of(
            st.text(max_size=10), st.sampled_from(["\ud800", "\udfff", "\x00", "\u202e", "💥", "\r\n"])
        ),
        max_size=6,
    ).map("".join),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, wild_text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(wild_text, inner, max_size=4)),
    max_leaves=20,
)
figures = st.one_of(
    st.integers(min_value=0, max_value=10**12).map(lambda n: f"{n:,}"),
    st.floats(min_value=0, max_value=1e9, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.sampled_from(["1e999", "1" + "0" * 320, "0.000000001", "99.9", "3,5", "1,2,3"]),
)
subjects = st.sampled_from(
    [
        "Bitcoin",
        "BTC",
        "The S&P 500",
        "Ether",
        "Russell 2000",
        "Coinbase (NASDAQ: COIN)",
        "Solana",
        "gold",
        "the 10-year Treasury yield",
    ]
)
verbs = st.sampled_from(
    [
        "rose",
        "fell",
        "traded at",
        "closed at",
        "dropped",
        "gained",
        "hit a record of",
        "saw net outflows of",
        "short interest reached",
    ]
)
units = st.sampled_from(["%", "$", " billion", " points", " BTC", " bp", " million shares", ""])
whens = st.sampled_from(
    [
        "yesterday",
        "on Tuesday",
        "on May 8",
        "in the past 24 hours",
        "at 11:36 a.m. ET",
        "since 2023",
        "year-to-date",
        "",
        "last week",
    ]
)
sentence = st.builds(
    lambda s, v, u, f, w, tail: f"{s} {v} {'$' if u == '$' else ''}{f}{'' if u == '$' else u} {w}{tail}.",
    subjects,
    verbs,
    units,
    figures,
    whens,
    wild_text,
)
market_text = st.builds(
    lambda title, lines: title.replace("\n", " ") + "\n" + "\n".join(lines),
    st.one_of(wild_text, subjects),
    st.lists(sentence, min_size=0, max_size=6),
)
long_text = st.builds(
    lambda text, n: text * n, market_text.filter(lambda t: len(t) > 40), st.integers(50, 400)
)
odd_html = st.builds(
    lambda charset, t: (
        f'<html><head><meta charset="{charset}"></head><body><article><p>\ufeff{t}'
        "</p></article></body></html>"
    ),
    st.sampled_from(["utf-16", "utf-32", "x-klingon", "latin-1", "shift_jis", ""]),
    market_text,
)
documents = st.one_of(
    market_text,
    market_text.map(lambda t: f"<html><body><article><p>{t}</p></article></body></html>"),
    wild_text,
    json_values,
    long_text,
    odd_html,
)
# URLs of every scheme and address class: none may be fetched (the port-1 ones would be refused anyway)
urls = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(["http", "https", "HTTP", "ftp", "file", "gopher", "javascript", "data", "ws"]),
    st.sampled_from(
        [
            "127.0.0.1:1",
            "localhost:1",
            "[::1]:1",
            "169.254.169.254",
            "10.0.0.1:1",
            "192.168.1.1:1",
            "0.0.0.0:1",
            "2130706433:1",
            "0x7f000001:1",
            "[::ffff:127.0.0.1]:1",
            "[fe80::1]:1",
            "100.64.0.1:1",
            "224.0.0.1:1",
            "255.255.255.255:1",
            "example.invalid",
            "user:pw@127.0.0.1:1",
            "",
            "[",
            "127.0.0.1:99999",
        ]
    ),
    st.sampled_from(["/", "/latest/meta-data/", "/../../etc/passwd", "?a=1#b", "", "/%00"]),
)
published = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    wild_text,
    json_values,
)
observations = st.fixed_dictionaries(
    {
        "subject": st.one_of(subjects, wild_text),
        "metric": st.sampled_from(["price", "volume", "rsi"]),
        "date": st.one_of(st.dates().map(lambda d: d.isoformat()), wild_text),
        "value": numbers,
    },
    optional={
        "low": numbers,
        "high": numbers,
        "source": json_values,
        "symbol": wild_text,
        "extra": json_values,
    },
)
bodies = st.fixed_dictionaries(
    {},
    optional={
        "html": documents,
        "text": documents,
        "url": st.one_of(wild_text, st.just("http://127.0.0.1:1/page.html"), urls, json_values),
        "published": published,
        "path": st.one_of(wild_text, json_values),
        "references": st.one_of(st.lists(observations, max_size=3), json_values),
        "claim": st.one_of(sentence, wild_text, json_values),
        "tolerances": st.one_of(
            st.dictionaries(st.sampled_from(["price", "rsi", "nope"]), numbers, max_size=2), json_values
        ),
        "junk": json_values,
    },
)
raw_bodies = st.one_of(
    bodies.map(lambda b: json.dumps(b).encode()),  # ensure_ascii: lone surrogates travel as \\ud800
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
    bodies.map(lambda b: json.dumps(b)[: len(json.dumps(b)) // 2].encode()),  # truncated JSON
    st.tuples(
        bodies, st.sampled_from(["utf-16", "utf-32", "utf-8-sig", "latin-1"])
    ).map(  # odd body encodings
        lambda b: json.dumps(b[0]).encode(b[1])
    ),
    st.integers(1, 5000).map(lambda n: b'{"text": ' + b"[" * n + b"]" * n + b"}"),  # nested JSON
)


@FUZZ
@given(
    path=st.sampled_from(["/v1/extract", "/v1/verify"]),
    content=raw_bodies,
    query=st.sampled_from(["", "?store=false", "?store=true", "?store=maybe", "?across=true", "?x=1"]),
    content_type=st.sampled_from(["application/json", "application/json", "text/plain", None]),
)
def test_fuzz_posts_never_give_500(
    server: Server, path: str, content: bytes, query: str, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = server.http.post(path + query, content=content, headers=headers)
    assert response.status_code < 500 or response.status_code in (503, 504), response.text  # never a 500
    assert "root:x:0:0" not in response.text  # no local file leaks
    if response.status_code >= 400:
        assert response.json()["detail"]
    else:
        assert isinstance(response.json(), dict)


def test_fuzz_left_the_server_healthy(server: Server) -> None:
    assert server.get("/healthz").status_code == 200
    assert wait_ready(server, 30) < 30  # ready again within the request timeout
    server.assert_no_internal_errors()


query_values = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(["2025", "2025-05", "2025-05-08", "0000", "9999-12-31", "price", "%00"]),
)


@settings(max_examples=80, deadline=timedelta(seconds=60), suppress_health_check=[HealthCheck.too_slow])
@given(
    params=st.dictionaries(
        st.sampled_from(["subject", "metric", "since", "until", "source", "limit", "offset", "junk"]),
        query_values,
        max_size=5,
    )
)
def test_fuzz_claims_query_never_gives_500(db_server: Server, params: dict[str, str]) -> None:
    response = db_server.get("/v1/claims", params=params)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert response.json()["count"] == len(response.json()["claims"])


def test_db_server_healthy_after_fuzz(db_server: Server) -> None:
    assert db_server.get("/readyz").status_code == 200
    db_server.assert_no_internal_errors()


# --------------------------------------------------------------------------- the CLI


def test_serve_usage_errors_exit_2(tmp_path: Path) -> None:
    for args, words in (
        (["--db", "claims.jsonl"], "not a database"),
        (["--timeout", "0"], "--timeout"),
        (["--max-concurrency", "0"], "--max-concurrency"),
        (["--config", str(tmp_path / "missing.toml")], "settings file not found"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "extractor", "serve", *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert done.returncode == 2, done.stderr
        assert words in done.stderr and "Traceback" not in done.stderr
