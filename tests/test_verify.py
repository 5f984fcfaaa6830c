"""`claims verify`: the checks on the corpus/verify articles, references, --claim, --db, the command.

Fixtures live here (tests/conftest.py belongs to the sinks tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import Result
from sharedpaths import ROOT, require_shared  # one skip-or-fail rule for ../shared
from typer.testing import CliRunner

from extractor.cli import app
from extractor.errors import InputError
from extractor.pipeline import process_article
from extractor.schemas import Article
from extractor.sinks import open_sink
from extractor.verify import Observation, References, dates, load_references, verify_article
from extractor.verify.references import read_observations
from extractor.verify.tolerances import Tolerances, rounding, tolerances

VERIFY_DIR = ROOT / "corpus" / "verify"
EXPECTED = json.loads((VERIFY_DIR / "expected.json").read_text(encoding="utf-8"))
PRICES = ROOT / EXPECTED["reference"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`claims verify ARGS` in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "extractor", "verify", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


def invoke(*args: str) -> Result:
    """`claims verify ARGS` in this process (faster: the spaCy pipeline is loaded once)."""
    return CliRunner().invoke(app, ["verify", *args], env={"COLUMNS": "200"})


def article_from(
    text: str, url: str, published: str = "2025-05-08T16:00:00+00:00", title: str | None = None
) -> Article:
    """An extracted article from plain text (the URL gives it its id)."""
    article = process_article(text, url=url, published=published, content_type="text")
    if title:
        article.title = title
        for claim in article.claims:
            claim.article.title = title
    return article


@pytest.fixture(scope="module")
def references() -> References:
    return load_references([PRICES])


@pytest.fixture(scope="module")
def corpus_reports(references: References) -> dict[str, object]:
    """The report of every corpus/verify article against corpus/reference/prices.csv."""
    reports = {}
    for name in EXPECTED["articles"]:
        path = VERIFY_DIR / name
        article = process_article(path.read_bytes(), path=str(path.relative_to(ROOT)))
        reports[name] = verify_article(article, references=references)
    return reports


def contradictions(report) -> set[tuple[str, str, float, str]]:
    return {
        (v.claim.metric, v.claim.subject, round(v.claim.value, 4), v.check)
        for v in report.verdicts
        if v.verdict == "contradicted"
    }


# --------------------------------------------------------------------------- the corpus


@pytest.mark.parametrize("name", sorted(EXPECTED["articles"]))
def test_corpus_article_is_contradicted_exactly_where_expected(corpus_reports, name):
    report = corpus_reports[name]
    expected = EXPECTED["articles"][name]["contradicted"]
    found = contradictions(report)
    wanted = set()
    for item in expected:
        value = float(item["value"])
        if item.get("value_or_negated"):  # the extractor may keep or drop the minus sign
            value = next(
                (
                    v
                    for m, s, v, _ in found
                    if m == item["metric"] and s == item["subject"] and abs(v) == value
                ),
                value,
            )
        wanted.add((item["metric"], item["subject"], round(value, 4), item["check"]))
    assert found == wanted, f"{name}: missing {wanted - found}, unexpected {found - wanted}"
    assert report.counts["contradicted"] == len({(m, s, v) for m, s, v, _ in wanted})


@pytest.mark.parametrize(
    "check",
    [
        "reference",
        "change_follows",
        "words_vs_sign",
        "impossible_value",
        "same_fact",
        "as_of_after_published",
    ],
)
def test_each_kind_of_error_is_in_the_corpus(check):
    kinds = {item["check"] for a in EXPECTED["articles"].values() for item in a["contradicted"]}
    assert check in kinds


def test_clean_articles_have_support_and_no_contradiction(corpus_reports):
    clean = [name for name, a in EXPECTED["articles"].items() if not a["contradicted"]]
    assert len(clean) >= 2
    for name in clean:
        report = corpus_reports[name]
        assert report.counts["contradicted"] == 0, [
            v.reason for v in report.verdicts if v.verdict == "contradicted"
        ]
        checks = {v.check for v in report.verdicts if v.verdict == "supported"}
        assert {"reference", "change_follows"} <= checks, f"{name}: supported only by {checks}"


def test_every_claim_gets_a_verdict_with_its_evidence(corpus_reports):
    for report in corpus_reports.values():
        judged = {v.claim.claim_id for v in report.verdicts}
        assert report.counts["claims"] == len(judged)
        assert sum(report.counts[k] for k in ("supported", "contradicted", "unverifiable")) == len(judged)
        for v in report.verdicts:
            assert v.reason and v.claim.evidence.text
            if v.verdict == "unverifiable":
                assert v.checked_against is None


def test_reference_contradiction_shows_the_reference(corpus_reports):
    report = corpus_reports["btc-flash-price-never-traded.html"]
    (verdict,) = [v for v in report.verdicts if v.check == "reference" and v.verdict == "contradicted"]
    assert isinstance(verdict.checked_against, Observation)
    assert verdict.checked_against.date == "2025-05-08" and verdict.expected == (96913.88, 103969.54)
    assert "$96,913.88" in verdict.reason and "$103,241.46" in verdict.reason
    assert "09:00 UTC" in verdict.claim.evidence.sentence


def test_change_contradiction_names_the_levels(corpus_reports):
    report = corpus_reports["stocks-wrap-change-does-not-follow.html"]
    (verdict,) = [v for v in report.verdicts if v.verdict == "contradicted"]
    assert verdict.checked_against.value == 15164.01
    assert verdict.expected == pytest.approx(1.3033, abs=1e-3)
    assert "15,164.01" in verdict.reason and "15,361.64" in verdict.reason


# --------------------------------------------------------------------------- the seed article and the real prices


def test_seed_prices_are_checked_against_the_real_daily_prices():
    daily = require_shared("external", "prices", "daily.csv")
    seed = require_shared("corpus", "seeds", "seed-001-russell-shares-outstanding.txt")
    article = process_article(seed.read_bytes(), path=str(seed), published="2025-05-08")
    report = verify_article(article, references=load_references([daily]))
    by_subject = {v.claim.subject: v for v in report.verdicts if v.check == "reference"}
    btc, eth = by_subject["Bitcoin"], by_subject["Ethereum"]
    assert (btc.claim.value, btc.verdict) == (62350, "contradicted")
    assert btc.expected == (96913.88, 103969.54) and btc.checked_against.value == 103241.46
    assert "$103,241.46" in btc.reason and "below the day's low" in btc.reason
    assert (eth.claim.value, eth.verdict) == (2980, "contradicted")
    assert eth.expected == (1809.46, 2222.21) and "above the day's high" in eth.reason
    # Coinbase is not in the reference: unverifiable, with the reason
    coinbase = [v for v in report.verdicts if v.claim.subject == "Coinbase" and v.claim.metric == "price"]
    assert coinbase and all(v.verdict == "unverifiable" and "Coinbase" in v.reason for v in coinbase)


# --------------------------------------------------------------------------- --claim

RUSSELL = """Small caps under pressure
According to The Kobeissi Letter, short interest as a percentage of shares outstanding in the Russell 2000 index has reached approximately 4.6%, the highest level in at least six years.
Bitcoin was trading at $103,150 at 20:00 UTC, up 6.3% over 24 hours.
"""


@pytest.fixture(scope="module")
def russell() -> Article:
    return article_from(RUSSELL, "https://example.com/russell")


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("Russell 2000 short interest 4.6% of shares outstanding", "supported"),
        ("Russell 2000 short interest 5.2% of shares outstanding", "contradicted"),
        ("Bitcoin dominance 62%", "unverifiable"),
        ("Bitcoin price $103,000", "supported"),  # a rounded restatement of $103,150
    ],
)
def test_one_claim_against_the_article(russell, text, verdict):
    report = verify_article(russell, claim_text=text)
    (v,) = report.verdicts
    assert (v.verdict, v.check) == (verdict, "claim")
    assert report.counts[verdict] == 1
    if verdict == "contradicted":
        assert v.expected == 4.6 and "4.6%" in v.reason
    if verdict == "unverifiable":
        assert "does not mention" in v.reason


def test_claim_text_without_a_claim_is_an_input_error(russell):
    with pytest.raises(InputError, match="no claim found"):
        verify_article(russell, claim_text="markets were choppy")


# --------------------------------------------------------------------------- --db

ORIGINAL = """Bitcoin funds keep buying
US spot bitcoin ETFs drew $142.3 million of net inflows on Wednesday, according to Farside Investors.
Short interest in the Russell 2000 stood at 4.6% of shares outstanding on Wednesday.
"""
RIVAL = """ETF demand cools
US spot bitcoin ETFs drew $171.4 million of net inflows on Wednesday, according to Farside Investors.
Short interest in the Russell 2000 stood at 4.6% of shares outstanding on Wednesday.
"""


@pytest.fixture
def database(tmp_path) -> tuple[str, Article]:
    """A SQLite database with the original article, a syndicated copy of it, and a rival article."""
    db = str(tmp_path / "x.db")
    original = article_from(
        ORIGINAL, "https://wire.example/original", title="Wire: Bitcoin funds keep buying"
    )
    copy = article_from(ORIGINAL, "https://partner.example/copy", title="Partner: Bitcoin funds keep buying")
    copy.duplicate_of = original.id
    rival = article_from(RIVAL, "https://other.example/rival", title="Other Desk: ETF demand cools")
    with open_sink(db) as sink:
        for article in (original, copy, rival):
            sink.write_article(article)
    return db, original


def test_across_articles_conflicts_name_both_articles(database):
    db, original = database
    report = verify_article(original, db_url=db)
    flows = [v for v in report.verdicts if v.check == "across_articles" and v.claim.metric == "fund_flow"]
    (conflict,) = [v for v in flows if v.verdict == "contradicted"]
    assert conflict.checked_against.value == 171400000 and conflict.expected == 171400000
    assert "Other Desk: ETF demand cools" in conflict.reason and original.id in conflict.reason
    assert conflict.checked_against.article.id != original.id
    # the syndicated copy says the same as the original but is not independent confirmation
    assert not [v for v in flows if v.verdict == "supported"]


def test_across_articles_agreement_counts_independent_articles_only(database):
    db, original = database
    report = verify_article(original, db_url=db)
    (support,) = [
        v for v in report.verdicts if v.check == "across_articles" and v.claim.metric == "short_interest"
    ]
    assert support.verdict == "supported"
    assert support.reason.startswith("1 independent article agrees") and "Other Desk" in support.reason
    assert "Partner" not in support.reason


def test_syndicated_copy_is_not_independent_of_its_original(database):
    db, original = database
    copy = article_from(ORIGINAL, "https://partner.example/copy", title="Partner: Bitcoin funds keep buying")
    copy.duplicate_of = original.id
    report = verify_article(copy, db_url=db)
    supports = [v for v in report.verdicts if v.check == "across_articles" and v.verdict == "supported"]
    assert all("Wire:" not in v.reason for v in supports)


# --------------------------------------------------------------------------- the command


def test_cli_exit_codes_and_json():
    dirty = VERIFY_DIR / "btc-flash-price-never-traded.html"
    clean = VERIFY_DIR / "clean-stocks-wrap-big-tech-rebound.html"
    result = invoke(str(clean), "--reference", str(PRICES), "--format", "json")
    assert result.exit_code == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert report["article"]["path"] == str(clean) and report["counts"]["contradicted"] == 0
    assert report["verdicts"][0]["claim"]["schema"] == "claims/1"

    result = run_cli(str(dirty), str(clean), "-r", str(PRICES), "--format", "json")
    assert result.returncode == 4, result.stderr
    reports = json.loads(result.stdout)
    contradicted = [v for v in reports[0]["verdicts"] if v["verdict"] == "contradicted"]
    assert {v["check"] for v in contradicted} == {"reference", "change_follows"}
    ref = next(v for v in contradicted if v["check"] == "reference")
    assert ref["checked_against"]["value"] == 103241.46 and ref["checked_against"]["symbol"] == "BTC"
    assert ref["expected"] == [96913.88, 103969.54]


def test_cli_table_is_readable():
    result = invoke(str(VERIFY_DIR / "ether-flash-words-against-signs.html"), "-r", str(PRICES))
    assert result.exit_code == 4, result.stderr
    assert "contradicted" in result.stdout and "words_vs_sign" in result.stdout and "rose" in result.stdout
    assert "claims:" in result.stdout


def test_cli_claim_option():
    path = VERIFY_DIR / "stocks-wrap-dated-after-publication.html"
    assert (
        invoke(str(path), "--claim", "Russell 2000 short interest 4.6% of shares outstanding").exit_code == 0
    )
    result = invoke(
        str(path), "--claim", "Russell 2000 short interest 5.1% of shares outstanding", "-f", "json"
    )
    assert result.exit_code == 4
    assert json.loads(result.stdout)[0]["verdicts"][0]["verdict"] == "contradicted"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{clean}", "--tolerance", "price"], "--tolerance: 'price' is not METRIC=VALUE"),
        (["{clean}", "--tolerance", "volatility=0.1"], "--tolerance: unknown metric 'volatility'"),
        (["{clean}", "--reference", "nowhere.csv"], "nowhere.csv: no such reference file"),
        (["{clean}", "--db", "nowhere.db"], "nowhere.db: no such database file"),
        (["{clean}", "--claim", "markets were choppy"], "--claim: no claim found"),
    ],
)
def test_cli_usage_errors_exit_2_with_one_line(args, message):
    clean = str(VERIFY_DIR / "clean-crypto-flash-btc-ether-rally.html")
    result = invoke(*[a.replace("{clean}", clean) for a in args])
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_missing_input_exits_1_and_the_others_are_still_verified():
    clean = VERIFY_DIR / "clean-crypto-flash-btc-ether-rally.html"
    result = invoke("missing.html", str(clean), "-f", "json")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stderr.strip() == "error: missing.html: no such file or folder"
    assert [r["article"]["path"] for r in json.loads(result.stdout)] == [str(clean)]


def test_cli_error_in_a_subprocess_is_one_line_without_traceback():
    result = run_cli(
        "missing.html", str(VERIFY_DIR / "clean-crypto-flash-btc-ether-rally.html"), "-f", "json"
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: missing.html: no such file or folder"
    assert json.loads(result.stdout)[0]["counts"]["contradicted"] == 0  # the readable input is still reported


def test_cli_tolerance_override_changes_the_verdict():
    # $94,850 is 2.1 % under the day's low of $96,913.88: a 3 % price tolerance accepts it
    dirty = str(VERIFY_DIR / "btc-flash-price-never-traded.html")
    result = invoke(
        dirty, "-r", str(PRICES), "-f", "json", "--tolerance", "price=0.03", "-t", "volume_change=0.5"
    )
    assert result.exit_code == 0, result.stdout
    verdicts = json.loads(result.stdout)[0]["verdicts"]
    assert any(
        v["check"] == "reference" and v["claim"]["value"] == 94850 and v["verdict"] == "supported"
        for v in verdicts
    )


# --------------------------------------------------------------------------- the pieces


def test_reference_files_in_both_shapes(tmp_path):
    daily = tmp_path / "daily.csv"
    daily.write_text(
        "subject,symbol,metric,date,open,high,low,close,volume,source\n"
        "Bitcoin,BTC,price,2025-05-08,97034.25,103969.54,96913.88,103241.46,1,yahoo\n",
        encoding="utf-8",
    )
    plain = tmp_path / "obs.jsonl"
    plain.write_text(
        '{"subject": "Russell 2000", "metric": "short_interest", "date": "2025-05-08", "value": 4.6}\n',
        encoding="utf-8",
    )
    (btc,) = read_observations(daily)
    assert (btc.value, btc.low, btc.high, btc.symbol, btc.source) == (
        103241.46,
        96913.88,
        103969.54,
        "BTC",
        "yahoo",
    )
    (si,) = read_observations(plain)
    assert (si.subject, si.metric, si.value, si.low) == ("Russell 2000", "short_interest", 4.6, None)
    bad = tmp_path / "bad.csv"
    bad.write_text("subject,metric,date,value\nBitcoin,price,May 8,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: date 'May 8' is not an ISO date"):
        read_observations(bad)


def test_reference_file_of_the_corpus_is_real_daily_data():
    daily = require_shared("external", "prices", "daily.csv")
    real = {(o.symbol, o.date): o for o in read_observations(daily)}
    for obs in read_observations(PRICES):
        row = real[(obs.symbol, obs.date)]
        assert (obs.value, obs.low, obs.high) == (row.value, row.low, row.high)
        assert obs.source and "daily.csv" in obs.source


@pytest.mark.parametrize(
    ("as_of", "subject_type", "day"),
    [
        ("2025-05-08T23:30:00-04:00", "crypto", "2025-05-09"),  # crypto: the UTC day
        ("2025-05-08T23:30:00-04:00", "index", "2025-05-08"),  # stocks and indices: the New York day
        ("2025-05-09T01:00:00+00:00", "stock", "2025-05-08"),
        ("2025-05-08", "crypto", "2025-05-08"),
        ("2025-05", "crypto", None),
    ],
)
def test_market_day(as_of, subject_type, day):
    assert dates.market_day(as_of, subject_type) == day


@pytest.mark.parametrize(
    ("as_of", "published", "after"),
    [
        ("2025-05-15", "2025-05-08T17:05:00-04:00", True),
        ("2025-05-08", "2025-05-08T17:05:00-04:00", False),
        ("2025-05-08T15:00:00+00:00", "2025-05-08T14:42:00+00:00", True),
        ("2025-05-08T19:00:00+00:00", "2025-05-08", False),
        ("2025-05", "2025-05-08", False),
        ("2025-06", "2025-05-08", True),
        (None, "2025-05-08", False),
    ],
)
def test_as_of_after_publication(as_of, published, after):
    assert dates.is_after(as_of, published) is after


def test_tolerances():
    tol = Tolerances()
    assert tol.of("price") == 0.005 and tol.of("yield") == 0.005
    assert tol.agree("price_change", "percent", 8, 8.4)  # "8%" covers 7.5-8.5
    assert not tol.agree("price_change", "percent", 8, 14.0)
    assert tol.agree("price", "USD", 100.4, 100.0) and not tol.agree("price", "USD", 101, 100)
    assert tolerances(["price=0.01"]).price == 0.01 and tolerances({"yield": 0.1}).of("yield") == 0.1
    assert rounding(8) == 0.5 and rounding(0.59) == pytest.approx(0.005)
    with pytest.raises(InputError, match="unknown metric"):
        tolerances(["volatility=1"])
    with pytest.raises(InputError, match="greater than or equal to 0"):
        tolerances(["price=-1"])
