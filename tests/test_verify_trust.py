"""`claims verify` calls an article wrong only when it is (issue #11).

Claims are built by hand here (our own example sentences), so these tests pin down verify's
own logic whatever the extractor makes of a sentence: a figure is judged in the sense its
words give it, like with like, and every verdict says how strong its evidence is. The last
tests measure verify on the real dev articles of ../shared (skipped without it).
"""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest
from sharedpaths import ROOT, require_shared
from typer.testing import CliRunner

from extractor.cli import app
from extractor.schemas import Article, ArticleRef, Claim, Evidence
from extractor.verify import Observation, References, verify_article
from extractor.verify.sense import sense_of

PUBLISHED = "2024-06-20T17:00:00+00:00"
BTC_0620 = Observation(
    subject="Bitcoin",
    symbol="BTC",
    metric="price",
    date="2024-06-20",
    value=64800,
    low=64500,
    high=66400,
    source="test",
)
BTC_0621 = Observation(
    subject="Bitcoin",
    symbol="BTC",
    metric="price",
    date="2024-06-21",
    value=64100,
    low=63400,
    high=65000,
    source="test",
)
BTC_0619 = Observation(
    subject="Bitcoin",
    symbol="BTC",
    metric="price",
    date="2024-06-19",
    value=65000,
    low=64700,
    high=65900,
    source="test",
)
REFS = References([BTC_0619, BTC_0620, BTC_0621])


def claim(
    sentence: str,
    figure: str,
    value: float,
    *,
    metric: str = "price",
    as_of: str | None = "2024-06-20",
    published: str | None = PUBLISHED,
    offset: int = 0,
    **fields: object,
) -> Claim:
    """A claim of Bitcoin whose evidence is `figure` (with the words before it that the
    extractor would keep) inside `sentence`."""
    start = sentence.index(figure)
    fields.setdefault("subject", "Bitcoin")
    fields.setdefault("subject_type", "crypto")
    fields.setdefault("unit", "USD")
    return Claim(
        claim_id=f"{metric}-{value}-{offset}",
        article=ArticleRef(id="a1", published=published),
        metric=metric,
        value=value,
        as_of=as_of,
        evidence=Evidence(
            text=figure, sentence=sentence, start=offset + start, end=offset + start + len(figure)
        ),
        **fields,
    )


def report(*claims: Claim, published: str | None = PUBLISHED, refs: References | None = REFS):
    article = Article(id="a1", published=published, claims=list(claims))
    return verify_article(article, references=refs)


def only(rep, check: str | None = None):
    (v,) = [v for v in rep.verdicts if check is None or v.check == check]
    return v


# --------------------------------------------------------------------------- reference: like with like


def test_an_observed_price_outside_the_day_is_contradicted_with_strong_evidence():
    c = claim(
        "At 10:00 UTC the coin was trading at $61,200, desks said.",
        "trading at $61,200",
        61200,
        as_of="2024-06-20T10:00:00+00:00",
    )
    v = only(report(c))
    assert (v.verdict, v.check, v.strength) == ("contradicted", "reference", "strong")
    assert v.expected == (64500, 66400)


@pytest.mark.parametrize(
    ("sentence", "figure", "value", "kind"),
    [
        ("Analysts say the coin could slide to $61,000 if buyers stay away.", "$61,000", 61000, "forecast"),
        ("Traders watch the $60,800 line of defense for the coin.", "$60,800", 60800, "level"),
        ("The coin has held the $62,000 support zone all month.", "$62,000", 62000, "level"),
        (
            "The coin bottomed between $61,000 and $63,000, a desk wrote.",
            "$61,000 and $63,000",
            61000,
            "level",
        ),
        ("Puts give the right to buy the coin at $58,000 at expiry.", "$58,000", 58000, "forecast"),
        ("The coin slid from its peak to the trading price of $62,9104.", "price of $62", 62, "malformed"),
        ("The week saw several $10,000 moves in both directions.", "$10,000", 10000, "move"),
    ],
)
def test_levels_forecasts_misprints_and_move_sizes_are_never_contradicted(sentence, figure, value, kind):
    c = claim(sentence, figure, value)
    assert sense_of(c).kind == kind
    v = only(report(c))
    assert v.verdict == "unverifiable" and v.strength is None and v.checked_against is None
    assert "not a price" in v.reason or "misprinted" in v.reason


def test_a_crossing_is_checked_in_its_sense_and_never_contradicted():
    fell = claim("The coin fell below $65,000 as funds sold.", "$65,000", 65000)
    assert sense_of(fell).kind == "crossing" and sense_of(fell).direction == -1
    v = only(report(fell))
    assert (v.verdict, v.expected) == ("supported", 64500)  # the day's low went under $65,000
    reclaimed = claim("Later the coin reclaimed $69,000 for a while.", "$69,000", 69000)
    v = only(report(reclaimed))
    assert v.verdict == "unverifiable" and "does not say the crossing was on that day" in v.reason


def test_a_bound_stated_as_the_current_price_can_be_contradicted():
    c = claim("The coin is trading above $68,000 right now.", "$68,000", 68000)
    assert sense_of(c).kind == "bound"
    v = only(report(c, published="2024-06-20"))
    assert v.verdict == "contradicted" and v.expected == 66400


def test_a_figure_with_no_observation_word_may_be_supported_but_not_contradicted():
    inside = claim("Ether lagged while the coin, $65,100 on the tape, held firm.", "$65,100", 65100)
    assert sense_of(inside).kind == "unclear"
    assert (only(report(inside)).verdict, only(report(inside)).strength) == ("supported", "weak")
    outside = claim("Ether lagged while the coin, $59,100 on the tape, held firm.", "$59,100", 59100)
    assert only(report(outside)).verdict == "unverifiable"


def test_a_figure_far_from_every_price_of_the_day_is_about_something_else():
    c = claim("The token was trading at $2.70 after the listing.", "trading at $2.70", 2.70)
    v = only(report(c))
    assert v.verdict == "unverifiable" and "something else" in v.reason


def test_the_publication_moment_decides_the_day_of_an_undated_price():
    # published 22:30 in New York on 20 June = 02:30 UTC on 21 June: the coin's 21 June bar counts too
    late = "2024-06-20T22:30:00-04:00"
    c = claim(
        "At the time of writing the coin changes hands at $63,600.",
        "changes hands at $63,600",
        63600,
        published=late,
    )
    v = only(report(c, published=late))
    assert (v.verdict, v.strength, v.checked_against.date) == ("supported", "weak", "2024-06-21")
    far = claim(
        "At the time of writing the coin changes hands at $61,900.",
        "changes hands at $61,900",
        61900,
        published=late,
    )
    v = only(report(far, published=late))
    assert (v.verdict, v.strength) == ("contradicted", "moderate")  # under both days' ranges


def test_a_day_the_reference_does_not_cover_is_unverifiable_never_contradicted():
    late = "2024-06-20T22:30:00-04:00"
    c = claim(
        "At the time of writing the coin changes hands at $61,900.",
        "changes hands at $61,900",
        61900,
        published=late,
    )
    v = only(report(c, published=late, refs=References([BTC_0620])))
    assert v.verdict == "unverifiable" and "no row for 2024-06-21" in v.reason


def test_a_close_is_checked_against_the_close():
    c = claim(
        "The coin closed at $66,300 on Thursday.",
        "closed at $66,300",
        66300,
        qualifiers={"session": "close"},
        published="2024-06-21",
    )
    v = only(report(c, published="2024-06-21"))
    assert (v.verdict, v.strength, v.expected) == (
        "contradicted",
        "strong",
        64800,
    )  # in the range, not the close


# --------------------------------------------------------------------------- same_fact: the same moment

FIRST = "The coin was trading at $64,950 in the morning, data showed."
SECOND = "By the afternoon it was trading at $66,100 on heavy volume."


def test_two_prices_of_one_coin_on_one_day_are_not_a_contradiction():
    a = claim(FIRST, "trading at $64,950", 64950)
    b = claim(SECOND, "trading at $66,100", 66100, offset=200)
    assert not [v for v in report(a, b, refs=None).verdicts if v.check == "same_fact"]


def test_one_moment_stated_with_two_prices_is_contradicted():
    at = "2024-06-20T12:00:00+00:00"
    a = claim(FIRST, "trading at $64,950", 64950, as_of=at)
    b = claim(SECOND, "trading at $66,100", 66100, as_of=at, offset=200)
    v = only(report(a, b, refs=None), "same_fact")
    assert (v.claim.value, v.verdict, v.strength, v.checked_against.value) == (
        66100,
        "contradicted",
        "strong",
        64950,
    )


def test_a_days_flow_stated_twice_with_two_values_is_contradicted():
    kw = {
        "metric": "fund_flow",
        "subject": "US spot Bitcoin ETFs",
        "subject_type": "etf",
        "qualifiers": {"direction": "inflow"},
    }
    a = claim("The funds drew $120.5 million of net inflows on Thursday.", "$120.5 million", 120.5e6, **kw)
    b = claim(
        "Thursday's $98.2 million of inflows extended the streak.", "$98.2 million", 98.2e6, offset=300, **kw
    )
    v = only(report(a, b, refs=None), "same_fact")
    assert (v.verdict, v.strength) == ("contradicted", "strong")


def test_support_levels_of_one_coin_are_not_one_fact():
    kw = {"metric": "price_level", "qualifiers": {"level": "support"}}
    a = claim("The first support sits at $62,500 for now.", "$62,500", 62500, **kw)
    b = claim("The next support is the $60,000 zone.", "$60,000", 60000, offset=100, **kw)
    assert not [v for v in report(a, b, refs=None).verdicts if v.verdict == "contradicted"]


# --------------------------------------------------------------------------- change_follows: its endpoints


def test_a_weekly_change_is_not_paired_with_a_level_that_is_not_its_start():
    change = claim(
        "The coin has lost 9% in the past seven days while trading at $64,000.",
        "9%",
        -9,
        metric="price_change",
        unit="percent",
        period="P7D",
        as_of="2024-06-21",
    )
    end = claim(
        "The coin has lost 9% in the past seven days while trading at $64,000.",
        "trading at $64,000",
        64000,
        as_of="2024-06-21",
    )
    three_days_ago = claim(
        "On Tuesday the coin was trading at $66,000.",
        "trading at $66,000",
        66000,
        as_of="2024-06-18",
        offset=400,
    )
    assert not [
        v for v in report(change, end, three_days_ago, refs=None).verdicts if v.check == "change_follows"
    ]
    week_ago = claim(
        "A week earlier the coin was trading at $70,300.",
        "trading at $70,300",
        70300,
        as_of="2024-06-14",
        offset=400,
    )
    v = only(report(change, end, week_ago, refs=None), "change_follows")
    assert (v.verdict, v.strength, v.checked_against.value) == ("supported", "moderate", 70300)


def test_a_change_is_not_paired_with_a_forecast_in_its_sentence():
    sentence = "The coin is down 4% and could drop to $58,000 next week."
    change = claim(sentence, "4%", -4, metric="price_change", unit="percent", period="P1D")
    target = claim(sentence, "$58,000", 58000, offset=0)
    assert not [v for v in report(change, target, refs=None).verdicts if v.check == "change_follows"]


# --------------------------------------------------------------------------- what the reader sees


def test_every_decided_verdict_says_how_sure_it_is():
    rep = report(
        claim(
            "At 10:00 UTC the coin was trading at $61,200.",
            "trading at $61,200",
            61200,
            as_of="2024-06-20T10:00:00+00:00",
        ),
        claim("The coin fell below $65,000 as funds sold.", "$65,000", 65000, offset=100),
        claim("Analysts say the coin could slide to $61,000.", "$61,000", 61000, offset=200),
    )
    for v in rep.verdicts:
        assert (v.strength is None) == (v.verdict == "unverifiable")
    assert {v.strength for v in rep.verdicts} >= {"strong", "moderate"}
    assert "strength" in rep.to_record()["verdicts"][0]


def test_table_lists_contradictions_first_with_their_sentences():
    path = ROOT / "corpus" / "verify" / "btc-flash-price-never-traded.html"
    result = CliRunner().invoke(
        app,
        ["verify", str(path), "-r", str(ROOT / "corpus" / "reference" / "prices.csv")],
        env={"COLUMNS": "220"},
    )
    assert result.exit_code == 4, result.stdout
    verdicts = re.findall(r"│ (supported|contradicted|unverifiable) ", result.stdout)
    n = verdicts.count("contradicted")
    assert n == 2 and verdicts[:n] == ["contradicted"] * n
    assert "strong" in result.stdout or "moderate" in result.stdout
    assert "09:00 UTC" in result.stdout  # the sentence of the contradicted price is shown


# --------------------------------------------------------------------------- measured on real articles

MAX_CONTRADICTED = 0.05  # issue #11: at most 5 % of the checked claims
MIN_DECIDED = 0.12  # and verify must still decide something (15.6 % when this was written)


@pytest.fixture(scope="module")
def dev_crypto():
    """Every verdict of the real crypto-* and dev-crypto-* dev articles against daily.csv."""
    docs = require_shared("corpus", "dev", "docs")
    gold = require_shared("corpus", "dev", "gold")
    daily = require_shared("external", "prices", "daily.csv")
    spec = importlib.util.spec_from_file_location("benchmark_verify", ROOT / "benchmarks" / "verify.py")
    assert spec and spec.loader
    benchmark = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = benchmark  # dataclasses look their module up there
    spec.loader.exec_module(benchmark)  # the benchmark's own measurement, so both report the same figures
    return benchmark.measure(docs, gold, daily, benchmark.DEFAULT_GLOBS)


def test_real_crypto_articles_are_rarely_contradicted_and_often_decided(dev_crypto):
    tally = dev_crypto
    assert tally.articles >= 28
    assert tally.contradicted_share() <= MAX_CONTRADICTED, [v.reason for _, v in tally.contradictions]
    assert tally.decided / tally.counts["claims"] >= MIN_DECIDED, tally.counts


def test_each_remaining_contradiction_is_read_by_hand_in_the_docs(dev_crypto):
    docs = (ROOT / "docs" / "verify.md").read_text(encoding="utf-8")
    section = docs.split("## Measured on real articles", 1)[1]
    for doc, v in dev_crypto.contradictions:
        assert doc.removesuffix(".txt") in section and f"{v.claim.value:,.10g}" in section, (doc, v.reason)
