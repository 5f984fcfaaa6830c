"""The HTML view: `claims show` pages and the pages of `claims serve`, in a real browser.

Browser tests drive Debian's headless Chromium (/usr/bin/chromium, or $MARKET_CLAIMS_CHROMIUM)
with Playwright for Python (it never downloads a browser). They open a `claims show` file and
the pages of a real `claims serve` on 127.0.0.1 (a subprocess, started as tests/test_service.py
does). Where Chromium or Playwright is missing they skip with the reason, and fail under CI
(`.ci/run` installs Chromium). What the page must show is compared with what the library says
of the same input (the number of claims, which are contradicted), never with exact extractor
output.

The tests without a browser check the page's HTML: one highlight per claim even where spans
overlap, no external resource, the text escaped, restatements and unclaimed figures, and the
command's one-line errors.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sharedpaths import ROOT, run_claims
from test_service import Server, serve

from extractor.pipeline import process_article
from extractor.schemas import Article, Claim, Evidence, claim_id
from extractor.verify import load_references, verify_article
from extractor.verify.checks import show  # values as `claims verify` writes them
from extractor.view import render_article, stored_article

FLASH = ROOT / "corpus" / "verify" / "btc-flash-price-never-traded.html"
EXPECTED = json.loads((ROOT / "corpus" / "verify" / "expected.json").read_text(encoding="utf-8"))
PRICES = ROOT / EXPECTED["reference"]  # the reference file tests/test_verify.py uses
ARTICLE = ROOT / "corpus" / "articles" / "ether-etf-outflows-grayscale-drag.html"
CHROMIUM = os.environ.get("MARKET_CLAIMS_CHROMIUM", "/usr/bin/chromium")
# without the background-networking flags Chromium keeps trying to reach Google on a closed network
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEED_TEXT = (
    "Bitcoin slips below $60,000 as ETF outflows mount\n"
    "Bitcoin fell 4.2% over the past 24 hours to $59,870 on Tuesday, according to CoinGecko. "
    "US spot Bitcoin ETFs recorded net outflows of $226 million on Monday. "
    "The S&P 500 rose 0.6% to close at 5,509.01 points."
)


# --------------------------------------------------------------------------- the page's HTML


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside each `mark.claim` (by id)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.open: list[tuple[str, str | None]] = []
        self.mark_text: dict[str, str] = {}
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        mark = a.get("id") if tag == "mark" and "claim" in a.get("class", "").split() else None
        if mark:
            self.mark_text[mark] = ""
        self.open.append((tag, mark))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            name, _ = self.open.pop()
            if name == tag:
                break
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
        for _, mark in self.open:
            if mark:
                self.mark_text[mark] += data

    def having(self, tag: str, cls: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and cls in a.get("class", "").split()]


def parse(page: str) -> Elements:
    p = Elements()
    p.feed(page)
    p.close()
    return p


def claim(
    article: Article, metric: str, value: float, unit: str, start: int, end: int, mentions: int = 1
) -> Claim:
    return Claim(
        claim_id=claim_id(article.id, metric, "Bitcoin", value, unit, None, {}),
        article=article.ref(),
        metric=metric,
        subject="Bitcoin",
        subject_type="crypto",
        value=value,
        unit=unit,
        evidence=Evidence(text=article.text[start:end], sentence=article.text, start=start, end=end),
        mentions=mentions,
        confidence=0.9,
    )


def test_every_claim_gets_one_highlight_even_where_spans_overlap_or_coincide():
    text = "Title\nBitcoin rose 2% to $60,000 on Tuesday while volume hit $30 billion."
    article = Article(id="a1", title="Title", text=text)
    at = text.index
    article.claims = [
        claim(article, "price_change", 2, "percent", at("rose 2%"), at("rose 2%") + 7),
        claim(article, "price", 60000, "USD", at("$60,000"), at("$60,000") + 7),
        claim(article, "price_level", 60000, "USD", at("$60,000"), at("$60,000") + 7),  # the same span
        claim(article, "volume", 30e9, "USD", at("to $60,000"), at("volume hit $30 billion") + 22),  # crosses
    ]
    page = parse(render_article(article))
    marks = page.having("mark", "claim")
    assert len(marks) == 4
    assert len({m["id"] for m in marks}) == 4
    assert {m["aria-describedby"] for m in marks} == {f"card-{i}" for i in range(1, 5)}
    assert len(page.having("div", "card")) == 4
    # the highlighted evidence is the claim's own text (a crossing span is cut where its outer one ends)
    assert sorted(page.mark_text.values())[:2] == ["$60,000", "$60,000"]
    assert "rose 2%" in page.mark_text.values()


def test_page_is_self_contained_and_escapes_the_article():
    text = (
        'Title <b>bold</b>\nBitcoin rose 2% to $60,000 <script>alert("x")</script> '
        '<img src="https://evil.example/x.png"> <link rel=stylesheet href="https://cdn.example/a.css">.'
    )
    article = Article(id="a2", title="Title <b>bold</b>", url="https://example.com/a", text=text)
    article.claims = [claim(article, "price", 60000, "USD", text.index("$60,000"), text.index("$60,000") + 7)]
    html = render_article(article)
    page = parse(html)
    assert [t for t, _ in page.tags if t in ("img", "link", "iframe", "object", "embed", "b")] == []
    assert len([t for t, _ in page.tags if t == "script"]) == 1  # the page's own, inline
    for tag, attrs in page.tags:
        assert "src" not in attrs, (tag, attrs)
        assert not attrs.get("href", "#").startswith(("http:", "https:", "//")), (tag, attrs)
    assert "@import" not in html and "url(" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "default-src 'none'" in html  # the browser itself refuses anything external


def test_restatements_link_to_the_first_mention_and_all_figures_dims_the_rest():
    text = (
        "Bitcoin at $60,000\nBitcoin traded at $60,000 on Tuesday; the desk employs 5,000 people. "
        "FAQ: Bitcoin was at $60,000."
    )
    article = Article(id="a3", text=text)
    first = text.index("traded at $60,000")
    article.claims = [claim(article, "price", 60000, "USD", first, first + 17, mentions=3)]
    page = parse(render_article(article, all_figures=True))
    links = page.having("a", "restatement")
    assert len(links) == 2 and {a["href"] for a in links} == {"#claim-1"}
    assert len(page.having("mark", "claim")) == 1
    figures = page.having("span", "figure")
    assert len(figures) == 1 and "5,000" in figures[0]["title"]
    assert not parse(render_article(article)).having("span", "figure")  # only with all_figures


def test_stored_article_keeps_every_claim_in_its_sentence():
    article = process_article(FLASH.read_bytes(), path=str(FLASH.relative_to(ROOT)))
    rebuilt = stored_article(article.ref(), article.claims)
    assert len(rebuilt.claims) == len(article.claims)
    for c in rebuilt.claims:
        assert rebuilt.text[c.evidence.start : c.evidence.end] == c.evidence.text
    page = parse(render_article(rebuilt))
    assert len(page.having("mark", "claim")) == len(article.claims)


# --------------------------------------------------------------------------- the command


def test_show_errors_are_the_lines_claims_extract_prints(tmp_path: Path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.html"
    binary.write_bytes(bytes(range(256)) * 8)
    for bad in (str(tmp_path / "missing.html"), str(empty), str(binary)):
        shown, extracted = run_claims("show", bad), run_claims("extract", bad)
        assert shown.returncode == 1 and shown.stdout == ""
        assert shown.stderr.strip() == extracted.stderr.strip()
        assert len(shown.stderr.strip().splitlines()) == 1 and "Traceback" not in shown.stderr
    usage = run_claims("show", str(FLASH), "--reference", str(tmp_path / "nope.csv"))
    assert (
        usage.returncode == 2
        and usage.stderr.strip().startswith("error: ")
        and len(usage.stderr.splitlines()) == 1
    )
    folder = run_claims("show", str(ROOT / "corpus" / "verify"))
    assert folder.returncode == 2 and "one article" in folder.stderr


def test_show_says_when_a_page_has_no_claims():
    result = run_claims(
        "show", "-", stdin="A quiet day\nNothing moved today and the desks were calm and quiet.\n"
    )
    assert result.returncode == 0, result.stderr
    assert "No claims found in this article." in result.stdout
    assert not parse(result.stdout).having("mark", "claim")
    assert "no claims found" in result.stderr


# --------------------------------------------------------------------------- the browser


def _no_browser(reason: str) -> None:
    message = (
        f"{reason}: the browser tests need Debian's chromium (apt-get install chromium chromium-driver) "
        "and playwright (pip install '.[test]')"
    )
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: .ci/run installs them, so these tests must run)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (the system one) driven by Playwright; a fresh profile per launch."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        _no_browser(f"playwright is not installed ({exc})")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _no_browser(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000)
        except Error as exc:
            _no_browser(f"Chromium at {CHROMIUM} does not start ({str(exc).splitlines()[0]})")
        yield b
        b.close()


class Tab:
    """A page in a fresh browser context that records every request it makes."""

    def __init__(self, browser: Any, width: int = 1280, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))

    def external(self) -> list[str]:
        """Requests that left the machine (anything but file:, data:, about: and 127.0.0.1)."""
        out = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("file", "data", "about", "blob") or parts.hostname == "127.0.0.1":
                continue
            out.append(url)
        return out

    def card_of(self, mark: Any) -> Any:
        return self.page.locator(f"#{mark.get_attribute('aria-describedby')}")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    t = Tab(browser)
    yield t
    t.close()


@pytest.fixture(scope="module")
def flash_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`claims show` of the contradicted flash article against the reference prices, as a user runs it."""
    out = tmp_path_factory.mktemp("show") / "flash.html"
    result = run_claims("show", str(FLASH), "--reference", str(PRICES), "--output", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def flash_report() -> Any:
    article = process_article(FLASH.read_bytes(), path=str(FLASH.relative_to(ROOT)))
    return article, verify_article(article, references=load_references([PRICES]))


def test_show_file_in_chromium_highlights_each_claim_and_marks_contradictions(
    tab: Tab, flash_page: Path, flash_report: Any, tmp_path: Path
):
    article, report = flash_report
    contradicted = {v.claim.claim_id: v for v in report.verdicts if v.verdict == "contradicted"}
    assert contradicted, "the corpus article must have contradictions"
    page = tab.page
    page.goto(flash_page.as_uri())
    marks = page.locator("mark.claim")
    assert marks.count() == len(article.claims)
    assert page.locator("nav.side a[data-target]").count() == len(article.claims)

    # every contradicted claim is marked, and only those; the banner at the top counts them
    red = page.locator("mark.claim.v-contradicted")
    assert red.count() == len(contradicted)
    red_texts = sorted(red.nth(i).inner_text().rstrip("\u2717").strip() for i in range(red.count()))
    assert red_texts == sorted(v.claim.evidence.text for v in contradicted.values())
    assert page.locator("#contradictions").inner_text().startswith(f"{len(contradicted)} contradicted")

    # hovering a contradicted claim shows its record, its verdict and the reason
    price = next(v for v in contradicted.values() if v.claim.metric == "price")
    mark = page.locator("mark.claim.v-contradicted", has_text=price.claim.evidence.text).first
    card = tab.card_of(mark)
    assert card.is_hidden()
    mark.hover()
    card.wait_for(state="visible")
    text = card.inner_text()
    assert show(price.claim.value, price.claim.unit) in text and "price" in text and "contradicted" in text
    assert price.reason in text
    box, viewport = card.bounding_box(), page.viewport_size
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    page.screenshot(path=str(tmp_path / "show.png"), full_page=True)
    assert (tmp_path / "show.png").stat().st_size > 10_000

    # another claim: the first card goes, the new one shows that claim's value
    other = next(c for c in article.claims if c.claim_id not in contradicted)
    mark2 = page.locator(f"mark.claim[data-metric={other.metric}]", has_text=other.evidence.text).first
    mark2.hover()
    tab.card_of(mark2).wait_for(state="visible")
    assert card.is_hidden()
    assert show(other.value, other.unit) in tab.card_of(mark2).inner_text()
    assert tab.external() == []


def test_show_file_works_from_the_keyboard(tab: Tab, flash_page: Path):
    page = tab.page
    page.goto(flash_page.as_uri())
    for _ in range(40):  # Tab from the top until a highlight has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('mark.claim')"):
            break
    else:
        pytest.fail("no highlight could be reached with Tab")
    focused = page.locator("mark.claim:focus")
    card = tab.card_of(focused)
    assert card.is_visible() and "metric" in card.inner_text()
    page.keyboard.press("Escape")
    assert card.is_hidden()
    # a claim of the side list, chosen with Enter, moves the focus to its highlight and opens its card
    link = page.locator("nav.side a[data-target]").last
    link.focus()
    page.keyboard.press("Enter")
    target = link.get_attribute("data-target")
    assert page.evaluate("document.activeElement.id") == target
    assert page.locator(f"#card-{target.removeprefix('claim-')}").is_visible()


def test_show_file_is_readable_on_a_narrow_screen(browser: Any, flash_page: Path, tmp_path: Path):
    t = Tab(browser, width=360, height=740)
    try:
        page = t.page
        page.goto(flash_page.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        mark = page.locator("mark.claim.v-contradicted").first
        mark.scroll_into_view_if_needed()
        mark.hover()
        box = t.card_of(mark).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert box["y"] + box["height"] <= 740 + 1  # the card is a sheet at the bottom of the screen
        page.screenshot(path=str(tmp_path / "narrow.png"))
    finally:
        t.close()


# --------------------------------------------------------------------------- claims serve


@pytest.fixture(scope="module")
def view_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("view-server")
    with serve(tmp, "--db", str(tmp / "claims.db")) as s:
        yield s


def paste(tab: Tab, server: Server, document: str, published: str | None = None) -> None:
    page = tab.page
    page.goto(server.url + "/")
    page.get_by_label("HTML or text").fill(document)
    if published:
        page.get_by_label("Publication date").fill(published)
    with page.expect_navigation():
        page.get_by_role("button", name="Show the claims").click()


def test_serve_paste_form_gives_the_highlighted_article(tab: Tab, view_server: Server, tmp_path: Path):
    api = view_server.post("/v1/extract", {"text": SEED_TEXT, "published": "2024-07-02"})
    assert api.status_code == 200
    claims = api.json()["claims"]
    assert claims
    paste(tab, view_server, SEED_TEXT, "2024-07-02")
    page = tab.page
    assert page.locator("mark.claim").count() == len(claims)
    assert page.locator("h1").inner_text() == api.json()["title"]
    first = page.locator("mark.claim").first
    first.hover()
    card = tab.card_of(first)
    card.wait_for(state="visible")
    values = [show(c["value"], c["unit"]) for c in claims]
    assert any(v in card.inner_text() for v in values)
    page.screenshot(path=str(tmp_path / "serve.png"), full_page=True)
    assert (tmp_path / "serve.png").stat().st_size > 10_000
    assert tab.external() == []


def test_serve_pasted_html_marks_the_contradiction(tab: Tab, view_server: Server):
    html = FLASH.read_text(encoding="utf-8")
    report = view_server.post("/v1/verify", {"html": html}).json()  # no references: the article's own checks
    contradicted = {
        v["claim"]["evidence"]["text"] for v in report["verdicts"] if v["verdict"] == "contradicted"
    }
    assert contradicted
    paste(tab, view_server, html)
    page = tab.page
    assert page.locator("mark.claim").count() == report["counts"]["claims"]
    red = page.locator("mark.claim.v-contradicted")
    assert {red.nth(i).inner_text().rstrip("\u2717").strip() for i in range(red.count())} == contradicted
    red.first.focus()
    assert "contradicted" in tab.card_of(red.first).inner_text()


def test_serve_view_of_a_stored_article(tab: Tab, view_server: Server):
    stored = view_server.post("/v1/extract?store=true", {"html": ARTICLE.read_text(encoding="utf-8")})
    assert stored.status_code == 200 and stored.headers["X-Claims-Stored"] == "true"
    article = stored.json()
    distinct = {c["claim_id"] for c in article["claims"]}
    page = tab.page
    response = page.goto(f"{view_server.url}/v1/articles/{article['id']}/view")
    assert response is not None and response.status == 200
    assert page.locator("mark.claim").count() == len(distinct)
    assert page.locator("h1").inner_text() == article["title"]
    mark = page.locator("mark.claim").first
    mark.hover()
    assert tab.card_of(mark).is_visible()
    missing = page.goto(f"{view_server.url}/v1/articles/0000000000000000/view")
    assert missing is not None and missing.status == 404
    assert "no article" in page.locator("#error").inner_text()
    assert tab.external() == []


def test_serve_form_errors_are_the_api_s_one_line_reasons(view_server: Server):
    form = {"content-type": "application/x-www-form-urlencoded"}

    def post_form(**fields: str) -> httpx.Response:
        return view_server.http.post("/view", data=fields, headers=form)

    cases = [
        (
            {"document": "Title\nBody", "published": "last Tuesday"},
            {"text": "Title\nBody", "published": "last Tuesday"},
        ),
        (
            {
                "document": "Titel\nDer Bitcoin-Kurs ist am Dienstag um 5 Prozent gestiegen, wie die Daten zeigen."
            },
            {"text": "Titel\nDer Bitcoin-Kurs ist am Dienstag um 5 Prozent gestiegen, wie die Daten zeigen."},
        ),
        ({"url": "ftp://example.com/a"}, {"url": "ftp://example.com/a"}),
    ]
    for fields, body in cases:
        page, api = post_form(**fields), view_server.post("/v1/extract", body)
        assert page.status_code == api.status_code == 422
        error = parse_error(page.text)
        api_field, api_reason = api.json()["detail"].split(": ", 1)
        assert error.endswith(api_reason), (error, api.json()["detail"])
        assert "\n" not in error
    empty = post_form(document="   ")
    assert empty.status_code == 422 and parse_error(empty.text).startswith("document: ")
    assert view_server.http.post("/view", json={"text": "x"}).status_code == 415
    assert view_server.get("/").status_code == 200 and "<form" in view_server.get("/").text
    view_server.assert_no_internal_errors()


def parse_error(page: str) -> str:
    """The text of the page's error line (`<p class="error" id="error">`)."""
    import html as html_lib
    import re

    found = re.search(r'id="error">(.*?)</p>', page, re.S)
    assert found, page[:2000]
    return html_lib.unescape(found.group(1)).strip()
