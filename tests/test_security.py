"""Hostile and careless inputs outside the HTTP service: URLs into the local network, odd
encodings, texts over spaCy's max_length, reference files with impossible figures.

URLs are fetched from a real HTTP site on 127.0.0.1 (`tests/localsite.py`); since that is itself
a loopback address, the tests that need to reach it allow exactly 127.0.0.1/32 through the
documented `scrape.fetch_allow` setting and check that everything else stays refused.
"""

from __future__ import annotations

import random

import pytest
from localsite import local_site
from typer.testing import CliRunner

from extractor.cli import app
from extractor.errors import InputError
from extractor.extract import build_pipeline
from extractor.fetch import FetchRefused
from extractor.inputs.pages import Source, content_type_of, fetch
from extractor.pipeline import pieces, process_article, process_source
from extractor.settings import Settings
from extractor.verify.references import read_observations

ALLOW_LOCAL = '[scrape]\nfetch_allow = ["127.0.0.1/32"]\n'


def allowing_localhost() -> Settings:
    settings = Settings.load()
    return settings.model_copy(
        update={"scrape": settings.scrape.model_copy(update={"fetch_allow": ["127.0.0.1/32"]})}
    )


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:{port}/secret", "loopback"),
        ("http://localhost:{port}/secret", "loopback"),
        ("http://[::1]:{port}/secret", "loopback"),
        ("http://2130706433:{port}/secret", "loopback"),  # 127.0.0.1 written as one number
        ("http://[::ffff:127.0.0.1]:{port}/secret", "loopback"),
        ("http://0.0.0.0:{port}/secret", "unspecified"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata
        ("http://10.1.2.3/", "private"),
        ("http://192.168.0.1/", "private"),
        ("http://100.64.0.1/", "shared"),
        ("http://[fd00::1]/", "private"),
    ],
    ids=lambda v: v if isinstance(v, str) and "/" not in v else None,
)
def test_internal_addresses_are_never_fetched(url: str, kind: str) -> None:
    with local_site() as site:
        with pytest.raises(FetchRefused) as refused:
            fetch(url.format(port=site.server.server_port), Settings.load())
        assert site.hits == []  # not a single request reached the site
    assert f"is a {kind}" in refused.value.reason and "scrape.fetch_allow" in refused.value.reason


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/a", "gopher://127.0.0.1:70/", "http://user:pw@example.com/"],
)
def test_other_schemes_and_credentials_are_refused(url: str) -> None:
    with pytest.raises(FetchRefused, match="only http and https|credentials"):
        fetch(url, Settings.load())


def test_allow_list_fetches_the_local_site_but_every_redirect_is_checked() -> None:
    settings = allowing_localhost()
    with local_site() as site:
        page = fetch(site.url("/page.html"), settings)
        assert b"Bitcoin rose 2.5%" in page.content
        for target, words in (
            ("http://169.254.169.254/latest/meta-data/", "link-local"),
            (f"http://127.0.0.2:{site.server.server_port}/secret", "loopback"),
            ("http://[::1]/secret", "loopback"),
            ("file:///etc/passwd", "only http and https"),
        ):
            site.hits.clear()
            with pytest.raises(FetchRefused, match=words):
                fetch(site.url(f"/redirect?to={target}"), settings)
            assert site.hits == ["/redirect"]  # the redirect was read, its target never fetched
        # a redirect inside the allowed network is followed
        assert b"Bitcoin rose 2.5%" in fetch(site.url("/redirect?to=/page.html"), settings).content


def test_cli_extract_refuses_an_internal_url_in_one_line(tmp_path) -> None:
    with local_site() as site:
        result = CliRunner().invoke(app, ["extract", site.url("/secret"), site.url("/redirect?to=/secret")])
        assert site.hits == []
        config = tmp_path / "local.toml"
        config.write_text(ALLOW_LOCAL, encoding="utf-8")
        allowed = CliRunner().invoke(
            app,
            [
                "extract",
                "--config",
                str(config),
                site.url("/page.html"),
                site.url("/redirect?to=http://169.254.169.254/"),
            ],
        )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all("refused: 127.0.0.1 is a loopback address" in line for line in lines), (
        lines
    )
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert allowed.exit_code == 1 and '"value": 60250' in allowed.stdout
    assert allowed.stderr.strip().endswith(
        "refused: 169.254.169.254 is a link-local address, and only public "
        "addresses are fetched (scrape.fetch_allow lists exceptions)"
    )


def test_a_bad_allow_list_is_a_usage_error(tmp_path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[scrape]\nfetch_allow = ["localhost"]\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", "--config", str(config), "x.txt"])
    assert result.exit_code == 2 and "fetch_allow" in result.stderr and "not a network" in result.stderr


# --------------------------------------------------------------------------- encodings


def claims_of(article) -> list[tuple]:
    return [(c.metric, c.subject, c.value, c.unit, c.evidence.text) for c in article.claims]


def test_utf16_page_with_bom_is_decoded_like_utf8() -> None:
    with local_site() as site:
        utf8 = process_source(fetch(site.url("/page.html"), allowing_localhost()))
        utf16 = process_source(fetch(site.url("/utf16.html"), allowing_localhost()))
    assert utf16.title == utf8.title == "Bitcoin climbs past $60,000"
    assert claims_of(utf16) == claims_of(utf8) and claims_of(utf8)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_wide_encodings_from_a_file_or_stdin(encoding: str) -> None:
    from localsite import ARTICLE

    html = ARTICLE.replace("<head>", '<head><meta charset="utf-16">') if "16-" in encoding else ARTICLE
    data = html.encode(encoding)
    article = process_source(Source(name="-", content=data, content_type=content_type_of("-", data)))
    assert article.title == "Bitcoin climbs past $60,000" and len(article.claims) >= 2


def test_unknown_encoding_is_named() -> None:
    with pytest.raises(InputError, match="unsupported encoding 'x-klingon'"):
        process_source(Source(name="page.html", content="<p>hi</p>".encode("utf-16-le"), charset="x-klingon"))


# --------------------------------------------------------------------------- long texts


def market_text(paragraphs: int) -> str:
    """Distinct paragraphs (repeated ones would be removed as repeated paragraphs), each stating figures."""
    rng = random.Random(3)
    words = (
        "bitcoin ether market traders rally shares index fund flows analysts said week session volume".split()
    )
    return "Market wrap\n" + "\n".join(
        " ".join(rng.choice(words) for _ in range(rng.randint(8, 30))).capitalize()
        + f" as Bitcoin rose {rng.randint(1, 99)}.{rng.randint(0, 9)}% to ${rng.randint(100, 99999):,} on Tuesday."
        for _ in range(paragraphs)
    )


def test_text_over_max_length_is_extracted_in_pieces_with_offsets_into_the_whole() -> None:
    text = market_text(400)
    whole = process_article(text, content_type="text", published="2024-07-03")
    nlp = build_pipeline()
    nlp.max_length = 4_000  # the article is ~36,000 characters: ten pieces
    pieced = process_article(text, content_type="text", published="2024-07-03", nlp=nlp)
    assert len(pieces("x", pieced.text, nlp.max_length)) >= 9
    assert [c.claim_id for c in pieced.claims] == [c.claim_id for c in whole.claims]
    assert [c.evidence for c in pieced.claims] == [c.evidence for c in whole.claims]
    for claim in pieced.claims:
        assert pieced.text[claim.evidence.start : claim.evidence.end] == claim.evidence.text


def test_pieces_never_cut_a_sentence_and_refuse_a_sentence_over_the_limit() -> None:
    text = "First one. Second sentence here. Third!\nNext paragraph."
    parts = pieces("t", text, 25)
    assert all(len(piece) <= 25 for _, piece in parts)
    assert all(text[start : start + len(piece)] == piece for start, piece in parts)
    assert [p for _, p in parts] == ["First one. ", "Second sentence here. ", "Third!\nNext paragraph."]
    with pytest.raises(
        InputError,
        match="a sentence of more than 10 characters: over the pipeline's limit "
        r"\(nlp.max_length\)",
    ):
        pieces("t", "word " * 10, 10)


# --------------------------------------------------------------------------- reference files


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("inf", "value: inf is not a finite number"),
        ("1e999", "value: inf is not a finite number"),
        ("nan", "value: nan is not a finite number"),
        ("-5", "value: -5 is negative, and a price cannot be"),
        ("1e300", "value: 1e+300 is beyond"),
    ],
)
def test_reference_rows_must_be_possible(tmp_path, value: str, words: str) -> None:
    path = tmp_path / "prices.csv"
    path.write_text(
        f"subject,metric,date,value\nBitcoin,price,2025-05-08,100000\nBitcoin,price,2025-05-09,{value}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as error:
        read_observations(path)
    assert str(error.value) == f"{path}: line 3: {words}" or str(error.value).startswith(
        f"{path}: line 3: {words}"
    )
    jsonl = tmp_path / "prices.jsonl"
    jsonl.write_text(
        '{"subject": "Bitcoin", "metric": "price", "date": "2025-05-08", "value": 1, "low": 2, "high": 1}\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"prices.jsonl: line 1: low 2 is above high 1"):
        read_observations(jsonl)


def test_cli_verify_with_an_infinite_reference_is_one_line_exit_2(tmp_path) -> None:
    from sharedpaths import ROOT

    path = tmp_path / "prices.csv"
    path.write_text("subject,metric,date,value\nBitcoin,price,2025-05-08,inf\n", encoding="utf-8")
    page = ROOT / "corpus" / "verify" / "btc-flash-price-never-traded.html"
    result = CliRunner().invoke(app, ["verify", str(page), "--reference", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {path}: line 2: value: inf is not a finite number"


@pytest.mark.slow
def test_cli_extracts_a_text_over_a_million_characters(tmp_path) -> None:
    """The size a user hit (1.15 MB, over spaCy's max_length of 1,000,000): claims, no traceback."""
    import json
    import subprocess
    import sys

    from sharedpaths import ROOT

    rng = random.Random(5)
    words = "the of and to in market traders said that it was a week for shares with analysts on".split()
    filler = [" ".join(rng.choice(words) for _ in range(rng.randint(150, 250))) + "." for _ in range(1250)]
    text = (
        "Long wrap\nBitcoin rose 2.5% to $60,250 on Tuesday.\n"
        + "\n".join(filler)
        + "\nEther fell 3% to $2,400 on Wednesday."
    )
    assert len(text) > 1_100_000
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "extractor", "extract", str(path), "--published", "2024-07-03"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]
    claims = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(c["metric"], c["value"]) for c in claims] == [
        ("price_change", 2.5),
        ("price", 60250.0),
        ("price_change", -3.0),
        ("price", 2400.0),
    ]
    body = text.split("\n", 1)[1]
    assert all(body[c["evidence"]["start"] : c["evidence"]["end"]] == c["evidence"]["text"] for c in claims)


# --------------------------------------------------------------------------- implausible figures


@pytest.mark.parametrize(
    ("sentence", "kept"),
    [
        (
            "Bitcoin rose 2% to $1" + "0" * 299 + " on Tuesday.",
            {("price_change", 2.0)},
        ),  # a price of 1e299 USD
        (
            "Bitcoin rose 1" + "0" * 40 + "% to $60,000 on Tuesday.",
            {("price", 60000.0)},
        ),  # a change of 1e40 %
        ("Bitcoin rose 2% to $60,000 on Tuesday.", {("price_change", 2.0), ("price", 60000.0)}),
    ],
)
def test_figures_no_market_has_are_not_claims(sentence: str, kept: set) -> None:
    article = process_article(f"Title\n{sentence}", content_type="text", published="2024-07-03")
    assert {(c.metric, c.value) for c in article.claims} == kept
