"""find_quantities on the forms market commentary uses, as example tables.

Each row is a text and every quantity expected in it, in order, as
(span text, value, unit, value_max). Tables:

    NUMBERS, SCALES, MONEY, PERCENTAGES, POINTS, COINS, RANGES, NEGATIVES, FRACTIONS
                    what the function must read
    NOT_FIGURES     text that holds no figure (or fewer than it seems to)
    BUGS_CAUGHT     cases found broken while building the function, kept so they stay fixed
    KNOWN_GAPS      what it still gets wrong: strict xfails, so a fix is noticed

and a property test: on any text built from the pieces figures are made of, the items are in
order, do not overlap, point into the text and hold finite values.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.normalize import Quantity, find_quantities

N, P, PP, BP = "number", "percent", "pp", "bp"


def found(text: str) -> list[tuple[str, float, str, float | None]]:
    return [(q.text, q.value, q.unit, q.value_max) for q in find_quantities(text)]


def check(text: str, expected: list[tuple]) -> None:
    got = found(text)
    assert [(span, unit) for span, _, unit, *_ in got] == [(span, unit) for span, _, unit, *_ in expected], (
        got
    )
    for (_, value, _, top), (_, want, _, *rest) in zip(got, expected, strict=True):
        want_top = rest[0] if rest else None
        assert value == pytest.approx(want, rel=1e-12, abs=0), got
        assert top == (None if want_top is None else pytest.approx(want_top, rel=1e-12)), got


def table(*rows: tuple) -> list:
    """rows: (id, text, [(span, value, unit[, value_max]), ...])"""
    return [pytest.param(text, expected, id=name) for name, text, expected in rows]


NUMBERS = table(
    ("digits", "Some 3,860 shares changed hands", [("3,860", 3860, N)]),
    ("decimal", "the index closed at 4,567.89", [("4,567.89", 4567.89, N)]),
    ("leading-dot", "a ratio of .618", [(".618", 0.618, N)]),
    ("words", "seventeen analysts", [("seventeen", 17, N)]),
    ("words-hyphen", "twenty-five stocks", [("twenty-five", 25, N)]),
    ("words-hundred-and", "one hundred and five firms", [("one hundred and five", 105, N)]),
    ("words-thousand", "two thousand and twenty-four", [("two thousand and twenty-four", 2024, N)]),
    ("capitalised", "Twenty-six people", [("Twenty-six", 26, N)]),
    ("year", "In 2024 sales rose", [("2024", 2024, N)]),
    ("index-name", "the S&P 500 rose 0.6%", [("500", 500, N), ("0.6%", 0.6, P)]),
    ("date-parts", "as of 6/20/24", [("6", 6, N), ("20", 20, N), ("24", 24, N)]),
    ("spaced-thousands", "1 234 567 units", [("1 234 567", 1234567, N)]),
    ("indian-grouping", "12,34,567.89", [("12,34,567.89", 1234567.89, N)]),
    ("scientific", "1.3e6", [("1.3e6", 1.3e6, N)]),
)

SCALES = table(
    ("thousand", "5 thousand", [("5 thousand", 5000, N)]),
    ("k", "up to 10k", [("10k", 10_000, N)]),
    ("K", "volume of 62.35K", [("62.35K", 62_350, N)]),
    ("M", "Some 3.86M shares", [("3.86M", 3_860_000, N)]),
    ("mn", "5 mn barrels", [("5 mn", 5_000_000, N)]),
    ("mln", "3 mln", [("3 mln", 3_000_000, N)]),
    ("million", "2.9 million users", [("2.9 million", 2_900_000, N)]),
    ("bn", "2 bn", [("2 bn", 2e9, N)]),
    ("bln", "10 bln", [("10 bln", 1e10, N)]),
    ("b", "1.2b", [("1.2b", 1.2e9, N)]),
    ("billion-words", "six billion", [("six billion", 6e9, N)]),
    ("tn", "1.5tn", [("1.5tn", 1.5e12, N)]),
    ("trillion", "2.25 trillion", [("2.25 trillion", 2.25e12, N)]),
    ("words-and-scale", "three hundred million", [("three hundred million", 3e8, N)]),
    ("lakh-crore", "Rs 5 lakh crore", [("Rs 5 lakh crore", 5e12, "INR")]),
)

MONEY = table(
    ("dollar-sign", "$62,350", [("$62,350", 62_350, "USD")]),
    ("dollar-cents", "closed at $210.50", [("$210.50", 210.5, "USD")]),
    ("dollar-trillion", "$2.25 trillion", [("$2.25 trillion", 2.25e12, "USD")]),
    ("dollar-B", "$3B", [("$3B", 3e9, "USD")]),
    ("dollar-K", "Price Drop to $90K", [("$90K", 90_000, "USD")]),
    ("dollar-spaced", "$ 75 million", [("$ 75 million", 75e6, "USD")]),
    ("US-dollar-bn", "US$1.2bn", [("US$1.2bn", 1.2e9, "USD")]),
    ("euro-m", "€30m", [("€30m", 3e7, "EUR")]),
    ("euro-spaced", "€ 2 million", [("€ 2 million", 2e6, "EUR")]),
    ("pound", "£5", [("£5", 5, "GBP")]),
    ("pound-bn", "£1.2bn", [("£1.2bn", 1.2e9, "GBP")]),
    ("yen", "¥100", [("¥100", 100, "JPY")]),
    ("rupee-crore", "₹500 crore", [("₹500 crore", 5e9, "INR")]),
    ("code-before", "USD 5 million", [("USD 5 million", 5e6, "USD")]),
    ("code-after", "50 million USD", [("50 million USD", 5e7, "USD")]),
    ("code-before-scale", "75 USD million", [("75 USD million", 75e6, "USD")]),
    ("code-glued", "USD115", [("USD115", 115, "USD")]),
    ("millions-code", "30 MUSD", [("30 MUSD", 3e7, "USD")]),
    ("dollars-word", "5 million dollars", [("5 million dollars", 5e6, "USD")]),
    ("euros-word", "30 euros", [("30 euros", 30, "EUR")]),
    ("yuan-word", "100 billion yuan", [("100 billion yuan", 1e11, "CNY")]),
    ("canadian", "C$1.34 a share", [("C$1.34", 1.34, "CAD")]),
    ("hong-kong", "HK$10.05 billion", [("HK$10.05 billion", 1.005e10, "HKD")]),
    (
        "australian-words",
        "125 million australian dollars",
        [("125 million australian dollars", 1.25e8, "AUD")],
    ),
    ("cents", "down 34 cents", [("34 cents", 0.34, "USD")]),
    ("pence", "470 pence a share", [("470 pence", 4.7, "GBP")]),
    ("pence-glued", "a 50p dividend", [("50p", 0.5, "GBP")]),
    ("cent-adjective", "a 12-cent-a-share dividend", [("12-cent", 0.12, "USD")]),
    ("dollars-and-cents", "3 dollars 50 cents", [("3 dollars 50 cents", 3.5, "USD")]),
    ("article-before-amount", "a $48.2 million contract", [("$48.2 million", 48.2e6, "USD")]),
)

PERCENTAGES = table(
    ("percent-sign", "rose 8%", [("8%", 8, P)]),
    ("percent-spaced", "rose 8 %", [("8 %", 8, P)]),
    ("percent-word", "10 percent", [("10 percent", 10, P)]),
    ("percent-words", "twenty-five percent", [("twenty-five percent", 25, P)]),
    ("pct", "3.5 pct", [("3.5 pct", 3.5, P)]),
    ("per-cent", "8 per cent", [("8 per cent", 8, P)]),
    ("pc-glued", "a 5pc rise", [("5pc", 5, P)]),
    ("in-a-phrase", "a 1.2% decline", [("1.2%", 1.2, P)]),
    ("plus-sign", "+2.3% higher revenues", [("2.3%", 2.3, P)]),
    ("short-interest", "Short interest stands at 22.3% of float", [("22.3%", 22.3, P)]),
)

POINTS = table(
    ("percentage-point", "1.0 percentage point", [("1.0 percentage point", 1.0, PP)]),
    ("percentage-points", "0.5 percentage points", [("0.5 percentage points", 0.5, PP)]),
    ("percentage-point-hyphen", "a 0.25-percentage-point cut", [("0.25-percentage-point", 0.25, PP)]),
    ("pp", "fell 0.3 pp", [("0.3 pp", 0.3, PP)]),
    ("ppt", "2 ppt", [("2 ppt", 2, PP)]),
    ("half-a-point", "half a percentage point", [("half a percentage point", 0.5, PP)]),
    ("basis-points", "150 basis points", [("150 basis points", 150, BP)]),
    ("bp-glued", "150bp", [("150bp", 150, BP)]),
    ("bps-spaced", "150 bps", [("150 bps", 150, BP)]),
    ("basis-point-adjective", "a 25-basis-point cut", [("25-basis-point", 25, BP)]),
)

COINS = table(
    ("btc-code", "holds 5,200 BTC", [("5,200 BTC", 5200, "BTC")]),
    ("bitcoin-word", "1,000 bitcoin", [("1,000 bitcoin", 1000, "BTC")]),
    ("bitcoins-word", "50,000 Bitcoins", [("50,000 Bitcoins", 50_000, "BTC")]),
    ("eth", "6.25 ETH", [("6.25 ETH", 6.25, "ETH")]),
    ("usdt-billion", "5 billion USDT", [("5 billion USDT", 5e9, "USDT")]),
    ("ada-billion", "27.17 billion ADA", [("27.17 billion ADA", 2.717e10, "ADA")]),
    ("btc-sign", "₿21,000,000", [("₿21,000,000", 21e6, "BTC")]),
    ("price-and-coins", "11,931 BTC for $786.0M", [("11,931 BTC", 11_931, "BTC"), ("$786.0M", 786e6, "USD")]),
)

RANGES = table(
    ("percent-en-dash", "10–15%", [("10–15%", 10, P, 15)]),
    ("percent-hyphen", "a 10-15% drop", [("10-15%", 10, P, 15)]),
    ("percent-to", "10 to 15 percent", [("10 to 15 percent", 10, P, 15)]),
    ("percent-both", "2.5%-3%", [("2.5%-3%", 2.5, P, 3)]),
    ("dollars-both", "$63,000-$65,000", [("$63,000-$65,000", 63_000, "USD", 65_000)]),
    ("dollars-second-bare", "$63,000-65,000", [("$63,000-65,000", 63_000, "USD", 65_000)]),
    ("dollars-K", "between $63-65K", [("$63-65K", 63_000, "USD", 65_000)]),
    ("scale-shared", "$1-2 billion", [("$1-2 billion", 1e9, "USD", 2e9)]),
    ("scale-on-second-only", "($5,400–$5.4 million)", [("$5,400–$5.4 million", 5400, "USD", 5.4e6)]),
    ("scale-shared-bare", "10-15 million", [("10-15 million", 1e7, N, 1.5e7)]),
    ("between-and", "between $64,000 and $65,000", [("$64,000 and $65,000", 64_000, "USD", 65_000)]),
    ("cents-shared", "50-60 cents", [("50-60 cents", 0.5, "USD", 0.6)]),
    ("negative-ends", "-5 to -3%", [("-5 to -3%", -5, P, -3)]),
    ("from-to-is-a-change", "rose from 2% to 3%", [("2%", 2, P), ("3%", 3, P)]),
    ("from-to-shares-unit", "from 10 to 15 percent", [("10", 10, P), ("15 percent", 15, P)]),
    ("falling-is-no-range", "5%-3%", [("5%", 5, P), ("3%", 3, P)]),
    ("years-no-range", "2023-2024", [("2023", 2023, N), ("2024", 2024, N)]),
    ("units-differ", "cut 25bp to 4.5%", [("25bp", 25, BP), ("4.5%", 4.5, P)]),
)

NEGATIVES = table(
    ("minus-percent", "-3.5%", [("-3.5%", -3.5, P)]),
    ("unicode-minus", "−2.1%", [("−2.1%", -2.1, P)]),
    ("in-brackets", "(-1.2%)", [("-1.2%", -1.2, P)]),
    ("after-word", "down -0.4%", [("-0.4%", -0.4, P)]),
    ("before-currency", "-$1.2 billion", [("-$1.2 billion", -1.2e9, "USD")]),
    ("bp", "a -25 bp cut", [("-25 bp", -25, BP)]),
    ("minus-word", "minus five percent", [("minus five percent", -5, P)]),
    ("negative-word", "negative 0.5%", [("negative 0.5%", -0.5, P)]),
    ("decline-word-is-not-a-sign", "a 1.2% decline", [("1.2%", 1.2, P)]),
    ("hyphen-after-letters", "GPT-4", [("4", 4, N)]),
)

FRACTIONS = table(
    ("half", "more than half of them", [("half", 0.5, N)]),
    ("two-thirds", "two-thirds of the board", [("two-thirds", 2 / 3, N)]),
    ("three-quarters", "three quarters of analysts", [("three quarters", 0.75, N)]),
    ("and-a-half", "one and a half", [("one and a half", 1.5, N)]),
    ("and-a-half-million", "five and a half million", [("five and a half million", 5.5e6, N)]),
    ("half-million", "half a million", [("half a million", 5e5, N)]),
    ("slash", "3/4 of a point", [("3/4", 0.75, N)]),
    ("mixed", "2 1/4", [("2 1/4", 2.25, N)]),
    ("vulgar", "½", [("½", 0.5, N)]),
    ("one-in-five", "one in five investors", [("one in five", 0.2, N)]),
    ("a-fifth", "a fifth.", [("a fifth", 0.2, N)]),
)

NOT_FIGURES = table(
    ("clock-time", "at 10:00 GMT", []),
    ("clock-time-am", "at 3:25 a.m. EST", []),
    ("url", "see https://example.com/q?id=30%25&n=2020", []),
    ("email", "write to desk2024@example.com", []),
    ("quarter-label", "Q3 revenue", []),
    ("fiscal-year", "FY2024 guidance", []),
    ("ordinal", "the 4th quarter", []),
    ("ordinal-word", "the third quarter", []),
    ("network", "5G stocks", []),
    ("metre", "1m isn't money", []),
    ("unit-glued", "the 180ml bottle", []),
    ("pronoun-one", "the one you mentioned", []),
    ("a-is-not-one", "a stock", []),
    ("fifth-straight-day", "for a fifth straight day", []),
    ("fourth-quarter-adjective", "a fourth-quarter beat", []),
    ("half-as-period", "first-half profit", []),
    ("quarters-as-periods", "in the last three quarters, sales rose", [("three", 3, N)]),
    ("bullet", "- 5 things to know", [("5", 5, N)]),
    ("cashtag", "buy 500 $MSTR shares", [("500", 500, N)]),
)

BUGS_CAUGHT = table(
    # "a fourth" was read as 0.25 before "-quarter"
    ("fourth-quarter-hyphen", "jumped 6.4% following a fourth-quarter revenue beat", [("6.4%", 6.4, P)]),
    # "$" glued to a coin symbol is a cashtag; it was read as "226,331 $" in dollars
    ("cashtag-coin", "MSTR hodls 226,331 $BTC", [("226,331 $BTC", 226_331, "BTC")]),
    # 4.1 * 1e9 is 4099999999.9999995 in floating point
    ("float-noise", "revenue of $4.1bn", [("$4.1bn", 4.1e9, "USD")]),
    # "and two" was joined to the million, leaving "(6000002) thirds"
    (
        "million-and-fraction",
        "six million and two thirds",
        [("six million and two thirds", 6e6 + 2e6 / 3, N)],
    ),
    # "a hundred" was refused because "a" alone is no number
    ("a-hundred-fraction", "a hundred trillionths", [("a hundred trillionths", 1e-10, N)]),
    # the second dash of "- -" was taken for a minus sign
    ("dash-dash", "md . - - $ 75 million of bonds", [("$ 75 million", 75e6, "USD")]),
    # a code touching the next number belongs to it, not to the one before
    ("code-glued-to-next", "giving away 3 USD50 cards", [("3", 3, N), ("USD50", 50, "USD")]),
    # "to" ranges of bare numbers with a scale were left as two numbers
    ("to-range-with-scale", "10 to 15 million shares", [("10 to 15 million", 1e7, N, 1.5e7)]),
)

KNOWN_GAPS = [
    pytest.param(
        "cut by a percentage point",
        [("a percentage point", 1, PP)],
        id="a-percentage-point",
        marks=pytest.mark.xfail(strict=True, reason='"a" before a unit is not read as one'),
    ),
    pytest.param(
        "3M Co. shares fell",
        [],
        id="company-3M",
        marks=pytest.mark.xfail(strict=True, reason='"3M" the company reads as three million'),
    ),
    pytest.param(
        "a half-point cut",
        [("a half-point", 0.5, PP)],
        id="half-point",
        marks=pytest.mark.xfail(strict=True, reason='"point" alone is not read as a percentage point'),
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    NUMBERS + SCALES + MONEY + PERCENTAGES + POINTS + COINS + RANGES + NEGATIVES + FRACTIONS,
)
def test_reads(text: str, expected: list[tuple]) -> None:
    check(text, expected)


@pytest.mark.parametrize(("text", "expected"), NOT_FIGURES)
def test_leaves_out(text: str, expected: list[tuple]) -> None:
    check(text, expected)


@pytest.mark.parametrize(("text", "expected"), BUGS_CAUGHT)
def test_bugs_caught(text: str, expected: list[tuple]) -> None:
    check(text, expected)


@pytest.mark.parametrize(("text", "expected"), KNOWN_GAPS)
def test_known_gaps(text: str, expected: list[tuple]) -> None:
    check(text, expected)


def test_spans_point_into_the_text() -> None:
    text = "Bitcoin fell 3.2% to $91,000 as 1,000 BTC moved; yields rose 15 bps, or 0.15 percentage points."
    items = find_quantities(text)
    assert all(isinstance(q, Quantity) and text[q.start : q.end] == q.text for q in items)
    assert [q.unit for q in items] == [P, "USD", "BTC", BP, PP]
    assert all(a.end <= b.start for a, b in zip(items, items[1:], strict=False))


def test_empty_and_plain_text() -> None:
    assert find_quantities("") == []
    assert find_quantities("Markets were quiet on Monday.") == []


PIECES = st.sampled_from([
    *"0123456789", " ", "  ", "\n", ".", ",", "-", "–", "−", "/", "^", "e", "x", "%", "$", "€", "£", "¥", "₿",
    "½", ":", "(", ")", "k", "M", "m", "bn", "G", "th", "USD", "US", "C", "BTC", "and", "a", "one", "twenty",
    "three", "hundred", "thousand", "million", "half", "quarter", "quarters", "fifth", "thirds", "point",
    "percent", "per", "cent", "cents", "basis", "points", "bp", "dollars", "euros", "minus", "to", "between",
    "from", "over", "out", "of", "in", "1e999", "http://x.io/1%20", "a@b.co",
])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=24).map("".join))
def test_any_text_gives_well_formed_items(text: str) -> None:
    items = find_quantities(text)
    for q in items:
        assert text[q.start : q.end] == q.text and q.text == q.text.strip() and q.text
        assert math.isfinite(q.value) and q.unit
        assert q.value_max is None or q.value_max >= q.value
    assert all(a.end <= b.start for a, b in zip(items, items[1:], strict=False))


def test_currency_codes_come_from_one_iso_4217_list():
    """The codes read beside amounts are real ISO 4217 codes, and every ISO currency is money to the
    claim layer (CZK was once read as a coin), while coins stay coins."""
    from extractor.metrics import unit_kind
    from extractor.normalize.quantities import CODE_ALIASES, ISO_4217, ISO_CODES

    assert ISO_CODES - set(CODE_ALIASES) <= ISO_4217
    assert {unit_kind(code) for code in ("USD", "EUR", "CZK", "HUF", "ZAR")} == {"money"}
    assert {unit_kind(code) for code in ("BTC", "ETH", "SOL")} == {"coins"}
    assert "XAU" not in ISO_4217  # gold's code is a commodity, not money


def test_scales_and_currencies_written_apart_from_figures():
    """A table header's "($, mm)" or "(US$ bn)": the scale and the currency read on their own."""
    from extractor.normalize.quantities import currency_code, scale_factor

    assert [scale_factor(w) for w in ("mm", "MM", "m", "mln", "Millions", "bn", "k", "thousands")] == [
        1e6, 1e6, 1e6, 1e6, 1e6, 1e9, 1e3, 1e3,
    ]  # fmt: skip
    assert scale_factor("shares") is None
    assert [currency_code(w) for w in ("$", "US$", "usd", "USD ", "€", "eur")] == ["USD"] * 4 + ["EUR"] * 2
    assert currency_code("") is None and currency_code("ALL") is None
