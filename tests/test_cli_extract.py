"""`claims extract` as a user runs it: formats, bad input, exit codes."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from sharedpaths import run_claims

PAGE = """<!doctype html><html><head><title>BTC slips</title>
<meta property="article:published_time" content="2025-05-08T14:00:00+00:00"></head>
<body><nav><a href="/">Home</a> | <a href="/markets">Markets</a></nav>
<article><h1>Bitcoin slips as traders trim risk</h1>
<p>Bitcoin was trading at $62,350 on Thursday, a 1.2% decline over 24 hours, according to CoinGecko.
Traders said the move followed a quiet session in Asia and thin weekend liquidity.</p>
<p>Ether fell 1.5% to $2,980 over the same period, while trading volume on Binance rose 8% to $28.5 billion.</p>
</article><footer>© 2025 Example Media</footer></body></html>"""


run = run_claims


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "btc.html"
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_jsonl_has_one_claim_per_line_with_its_article(page):
    result = run("extract", str(page))
    assert result.returncode == 0, result.stderr
    claims = [json.loads(line) for line in result.stdout.splitlines()]
    assert {(c["metric"], c["subject"], c["value"]) for c in claims} >= {
        ("price", "Bitcoin", 62350),
        ("price_change", "Bitcoin", -1.2),
    }
    assert all(c["article"]["path"] == str(page) and c["schema"] == "claims/1" for c in claims)
    assert all(c["article"]["published"] == "2025-05-08T14:00:00+00:00" for c in claims)


def test_json_and_table_formats(page, tmp_path):
    out = tmp_path / "out.json"
    assert run("extract", str(page), "--format", "json", "--output", str(out)).returncode == 0
    articles = json.loads(out.read_text(encoding="utf-8"))
    assert articles[0]["title"] and articles[0]["claims"]
    table = run("extract", str(page), "--format", "table")
    assert table.returncode == 0 and "price_change" in table.stdout and "Bitcoin" in table.stdout


def test_standard_input_and_published_override():
    result = run("extract", "-", "--published", "2025-01-02", stdin=PAGE)
    assert result.returncode == 0, result.stderr
    claims = [json.loads(line) for line in result.stdout.splitlines()]
    assert claims and all(c["article"]["published"] == "2025-01-02" for c in claims)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BAD_INPUTS = {
    "empty": (b"", "empty input"),
    "binary": (bytes(range(256)) * 8, "binary file"),
    "no-article": (b"<html><body><nav>Home</nav><footer>(c)</footer></body></html>", "no article text"),
    "french": (
        b"<html><body><article><p>Le bitcoin a recule de 1,2 % jeudi, selon les donnees de CoinGecko. "
        b"Les investisseurs restent prudents avant la publication des chiffres de l'emploi americain, "
        b"et les volumes echanges sur les plateformes europeennes demeurent faibles depuis le debut du mois.</p>"
        b"</article></body></html>",
        "not an English page",
    ),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_is_one_line_naming_input_and_reason(tmp_path, name):
    content, reason = BAD_INPUTS[name]
    path = tmp_path / f"{name}.html"
    path.write_bytes(content)
    result = run("extract", str(path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and reason in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_missing_path_and_unreachable_url(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/story.html"
    config = tmp_path / "local.toml"  # 127.0.0.1 is refused unless allowed (docs/service.md#security)
    config.write_text('[scrape]\nfetch_allow = ["127.0.0.1/32"]\n', encoding="utf-8")
    result = run("extract", "--config", str(config), "no/such/file.html", url)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert "no/such/file.html" in lines[0] and "no such file" in lines[0]
    assert url in lines[1] and "could not fetch" in lines[1]


def test_folder_run_goes_on_past_a_broken_file(page, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "empty.txt").write_text("")
    result = run("extract", str(tmp_path))
    assert result.returncode == 1
    assert "empty.txt" in result.stderr and result.stderr.count("\n") == 1
    assert any(json.loads(line)["subject"] == "Bitcoin" for line in result.stdout.splitlines())


def test_usage_errors_exit_2(page):
    assert run("extract", str(page), "--published", "yesterday").returncode == 2
    assert run("extract", str(page), "--format", "xml").returncode == 2
    assert run("extract").returncode == 2


def test_extract_writes_into_a_sink(page, tmp_path):
    db = tmp_path / "claims.db"
    first = run(
        "extract", str(page), "--to", str(db), "--format", "json", "--output", str(tmp_path / "a.json")
    )
    assert first.returncode == 0, first.stderr
    again = run(
        "extract", str(page), "--to", str(db), "--format", "json", "--output", str(tmp_path / "b.json")
    )
    assert again.returncode == 0
    exported = run("db", "export", "--db", str(db))
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    written = json.loads((tmp_path / "a.json").read_text())[0]["claims"]
    assert sorted(c["claim_id"] for c in lines) == sorted(
        c["claim_id"] for c in written
    )  # re-run added nothing
