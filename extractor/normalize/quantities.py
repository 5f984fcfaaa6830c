"""Numbers, money, percentages, percentage points and basis points in text.

    find_quantities(text: str) -> list[Quantity]

In: any text (an article, a paragraph, a sentence). Out: one `Quantity` per figure, in text
order, spans never overlapping, with `text[q.start:q.end] == q.text`:

    "$2.25 trillion"      -> 2.25e12 USD          "US$1.2bn" -> 1.2e9 USD
    "62.35K"              -> 62350 number         "€30m"     -> 3e7 EUR
    "a 1.2% decline"      -> 1.2 percent          "-3.5%"    -> -3.5 percent
    "10-15%"              -> 10..15 percent       "$63,000-$65,000" -> 63000..65000 USD
    "1.0 percentage point"-> 1.0 pp               "150 bps"  -> 150 bp
    "5,200 BTC"           -> 5200 BTC             "one hundred and five" -> 105 number

`unit` is "number", "percent", "pp", "bp", an ISO 4217 code or a coin symbol; `value` is fully
expanded (scale words applied, cents turned into dollars); `value_max` is the upper end of a
range. A minus sign makes a value negative; words such as "decline" do not (not our job).
Numbers inside dates are reported as numbers ("5/17/2018" -> 5, 17, 2018); clock times
("10:00"), URLs and e-mail addresses are skipped.

How it works, in three stages that each fit on a screen:

1. `_tokenize`: mask what is never a figure (URLs, e-mail addresses, clock times), then split
   the text into tokens: digit numbers (with their separators read: "1,234.5", "1 234 567",
   "12,34,567", "1.111,11"), fractions ("3/4", "½"), words and single symbols.
2. `_quantity_at`: at each token try to read
   [sign] [currency before] number [scale] [unit after] [cents] [range to a second quantity];
   the number itself (`_number`) may be digits, number words, fractions or a mix of them
   ("3 hundred and 21", "two thirds of a million", "five and a half million").
3. `find_quantities` walks the tokens left to right and keeps what `_quantity_at` reads.

Everything is plain Python and `re`; all patterns and tables are built once at import.
The vocabulary (number words, scales, currencies, units) is kept in the tables below.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace

from babel.numbers import list_currencies

from extractor.lexicon import lexicon, lexicon_map
from extractor.normalize.types import Quantity

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------
# The tables are kept as written (several entries a line), not as the formatter would lay them out.
# fmt: off

# The number words are kept once, in models/lexicon/number_words.toml, for this module and dates.py.
_NUMBER_WORDS = lexicon_map("number_words")
UNITS: dict[str, int] = {**_NUMBER_WORDS["cardinal"], **_NUMBER_WORDS["zero"]}
TENS: dict[str, int] = dict(_NUMBER_WORDS["tens"])
HUNDRED = frozenset({"hundred", "hundreds"})

# Scale words multiply what stands before them ("2 million", "three lakh crore", "3 dozens").
_SCALE_SINGULAR: dict[str, float] = dict(_NUMBER_WORDS["scale"])
SCALE_WORDS: dict[str, float] = {
    **_SCALE_SINGULAR,
    **{word + "s": value for word, value in _SCALE_SINGULAR.items()},
    "dzs": 12, "dozs": 12,
}
# Abbreviated scales written right after digits ("10k", "$1.2bn"): case matters for one-letter ones.
SCALE_ABBREVIATIONS: dict[str, float] = dict(_NUMBER_WORDS["scale_abbreviation"])
SCALE_ABBREVIATIONS_ANY_CASE: dict[str, float] = dict(_NUMBER_WORDS["scale_abbreviation_any_case"])
# Abbreviations that may stand after a space ("2.33 k", "10 bln"); the others must touch.
SPACED_ABBREVIATIONS = frozenset({"k", "K", "M", "MM", "G", *SCALE_ABBREVIATIONS_ANY_CASE})
# Abbreviations that mean a scale only when an amount of money is counted ("€30m", "$2T").
MONEY_ONLY_ABBREVIATIONS = frozenset({"m", "t", "T"})

# Denominators of spoken fractions ("two thirds", "a hundredth"): the ordinals from "third" on
# ("the first" is no fraction), "half" and "quarter"; plurals are added below.
_DENOMINATOR_SINGULAR: dict[str, float] = {
    **dict(_NUMBER_WORDS["fraction"]),
    **{word: value for word, value in _NUMBER_WORDS["ordinal"].items() if value >= 3},
}
DENOMINATORS: dict[str, float] = {
    **_DENOMINATOR_SINGULAR,
    **{word + "s": value for word, value in _DENOMINATOR_SINGULAR.items() if word != "half"},
    "halves": 2,
}
# Last word of a compound denominator ("twenty-first", "thirty fifths", "one hundred fifth").
UNIT_ORDINALS: dict[str, int] = {word: value for word, value in _NUMBER_WORDS["ordinal"].items() if value <= 9}
VULGAR_FRACTIONS: dict[str, float] = {
    "½": 1 / 2, "⅓": 1 / 3, "⅔": 2 / 3, "¼": 1 / 4, "¾": 3 / 4, "⅕": 1 / 5, "⅖": 2 / 5,
    "⅗": 3 / 5, "⅘": 4 / 5, "⅙": 1 / 6, "⅚": 5 / 6, "⅐": 1 / 7, "⅛": 1 / 8, "⅜": 3 / 8,
    "⅝": 5 / 8, "⅞": 7 / 8, "⅑": 1 / 9, "⅒": 1 / 10,
}

# "percent" / "percentage point" / "basis point" phrases, as token sequences (longest wins).
UNIT_PHRASES: dict[tuple[str, ...], str] = {
    ("%",): "percent", ("percent",): "percent", ("percents",): "percent",
    ("per", "cent"): "percent", ("pct",): "percent", ("percentage",): "percent",
    ("percentage", "point"): "pp", ("percentage", "points"): "pp",
    ("percent", "point"): "pp", ("percent", "points"): "pp",
    ("per", "cent", "point"): "pp", ("per", "cent", "points"): "pp",
    ("pct", "point"): "pp", ("pct", "points"): "pp", ("%", "point"): "pp", ("%", "points"): "pp",
    ("ppt",): "pp", ("ppts",): "pp", ("pp",): "pp",
    ("basis", "point"): "bp", ("basis", "points"): "bp", ("bp",): "bp", ("bps",): "bp",
    ("bpts",): "bp",
}
# Unit abbreviations that must touch the digits ("5pc"), being common words otherwise.
ATTACHED_UNITS: dict[str, str] = {"pc": "percent"}

# Currency symbols written before or after the amount.
CURRENCY_SYMBOLS: dict[str, str] = {
    "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB",
    "₺": "TRY", "₿": "BTC", "₪": "ILS", "฿": "THB", "₫": "VND", "₦": "NGN", "₱": "PHP",
    "₴": "UAH", "₡": "CRC", "₾": "GEL", "₭": "LAK", "₣": "CHF",
}
# A word touching a symbol that names the currency ("US$", "C$", "HK$", "CN¥", "usd$").
QUALIFIED_SYMBOLS: dict[tuple[str, str], str] = {
    **{(q, "$"): code for q, code in {
        "us": "USD", "u.s": "USD", "usd": "USD", "c": "CAD", "ca": "CAD", "can": "CAD",
        "cad": "CAD", "a": "AUD", "au": "AUD", "aud": "AUD", "nz": "NZD", "nzd": "NZD",
        "hk": "HKD", "hkd": "HKD", "s": "SGD", "sg": "SGD", "sgd": "SGD", "mex": "MXN",
        "mx": "MXN", "mxn": "MXN", "r": "BRL", "nt": "TWD",
    }.items()},
    ("cn", "¥"): "CNY", ("rmb", "¥"): "CNY", ("jp", "¥"): "JPY",
}
# Qualifiers that may stand a space before the symbol ("us $ 150 million", "c $ 1.34").
SPACED_QUALIFIERS = frozenset({"us", "u.s", "c", "hk", "nz", "mex"})

# Every ISO 4217 currency (Babel's list, kept up to date with CLDR), without the X-codes of metals
# and funds (XAU is gold, a commodity): what a claim unit that is money may be.
ISO_4217 = frozenset(code for code in list_currencies() if not code.startswith("X"))


def is_money(code: str) -> bool:
    """Is `code` a currency ("USD", "CZK") rather than a coin ("BTC") or another unit?"""
    return code in ISO_4217


# The ISO 4217 codes read before or after an amount in text ("USD 5 million", "30 EUR"; "MUSD" =
# millions): the common ones only, since the rest ("ALL", "TOP", "CUP") are also English words.
ISO_CODES = lexicon("currency_codes")
CODE_ALIASES: dict[str, str] = {"RMB": "CNY", "CNH": "CNY"}
# Codes also read in lower case ("20 usd", "10 rmb"); the rest could be English words.
LOWERCASE_CODES = lexicon("currency_codes_in_lower_case")
# Words that stand before an amount like a code ("Rs. 20", "RM 42").
CURRENCY_PREFIX_WORDS: dict[str, str] = {"rs": "INR", "RM": "MYR"}
# Coins counted after the amount ("5,200 BTC", "6.25 ETH"); upper case only.
CRYPTO_CODES = lexicon("coin_codes")
CRYPTO_ALIASES: dict[str, str] = {"XBT": "BTC"}

# Currency names after an amount: words -> (code, factor). Plurals are added below.
_CURRENCY_NAMES_SINGULAR: dict[tuple[str, ...], tuple[str, float]] = {
    ("dollar",): ("USD", 1), ("us", "dollar"): ("USD", 1), ("u.s", "dollar"): ("USD", 1),
    ("american", "dollar"): ("USD", 1), ("united", "states", "dollar"): ("USD", 1),
    ("canadian", "dollar"): ("CAD", 1), ("australian", "dollar"): ("AUD", 1),
    ("hong", "kong", "dollar"): ("HKD", 1), ("new", "zealand", "dollar"): ("NZD", 1),
    ("singapore", "dollar"): ("SGD", 1), ("taiwan", "dollar"): ("TWD", 1),
    ("euro",): ("EUR", 1), ("pound",): ("GBP", 1), ("british", "pound"): ("GBP", 1),
    ("pound", "sterling"): ("GBP", 1), ("yen",): ("JPY", 1), ("japanese", "yen"): ("JPY", 1),
    ("yuan",): ("CNY", 1), ("chinese", "yuan"): ("CNY", 1), ("renminbi",): ("CNY", 1),
    ("元",): ("CNY", 1), ("円",): ("JPY", 1),
    ("franc",): ("CHF", 1), ("swiss", "franc"): ("CHF", 1),
    ("rupee",): ("INR", 1), ("indian", "rupee"): ("INR", 1),
    ("peso",): ("MXN", 1), ("mexican", "peso"): ("MXN", 1),
    ("lira",): ("TRY", 1), ("turkish", "lira"): ("TRY", 1),
    ("ruble",): ("RUB", 1), ("rouble",): ("RUB", 1), ("rand",): ("ZAR", 1),
    ("brazilian", "real"): ("BRL", 1), ("korean", "won"): ("KRW", 1),
    ("south", "korean", "won"): ("KRW", 1), ("shekel",): ("ILS", 1), ("ringgit",): ("MYR", 1),
    ("dirham",): ("AED", 1), ("krona",): ("SEK", 1), ("swedish", "krona"): ("SEK", 1),
    ("norwegian", "krone"): ("NOK", 1), ("danish", "krone"): ("DKK", 1),
    ("zloty",): ("PLN", 1), ("forint",): ("HUF", 1), ("kuwaiti", "dinar"): ("KWD", 1),
    ("egyptian", "pound"): ("EGP", 1), ("lebanese", "pound"): ("LBP", 1),
    ("saudi", "riyal"): ("SAR", 1), ("qatari", "riyal"): ("QAR", 1), ("malaysian", "ringgit"): ("MYR", 1),
    ("tugrik",): ("MNT", 1), ("hryvnia",): ("UAH", 1), ("buck",): ("USD", 1), ("grand",): ("USD", 1000),
    ("cent",): ("USD", 0.01), ("penny",): ("USD", 0.01), ("pence",): ("GBP", 0.01),
    ("bitcoin",): ("BTC", 1), ("ether",): ("ETH", 1), ("ethereum",): ("ETH", 1),
    ("dogecoin",): ("DOGE", 1), ("litecoin",): ("LTC", 1),
}
_IRREGULAR_PLURALS = {"penny": "pennies", "krona": "kronor", "krone": "kroner"}
_NO_PLURAL = lexicon("currency_names_without_plural")


def _with_plurals(names: dict[tuple[str, ...], tuple[str, float]]) -> dict[tuple[str, ...], tuple[str, float]]:
    out = dict(names)
    for words, meaning in names.items():
        last = words[-1]
        if last not in _NO_PLURAL:
            out[(*words[:-1], _IRREGULAR_PLURALS.get(last, last + "s"))] = meaning
    return out


CURRENCY_NAMES = _with_plurals(_CURRENCY_NAMES_SINGULAR)
# Minor units that may follow a major amount: "3 dollars 50 cents", "20 dollar 43c", "10¢".
MINOR_UNITS = lexicon("minor_currency_units")
# Minor units that stand for money on their own only when they touch the digits ("50p", "43c").
ATTACHED_CURRENCY: dict[str, tuple[str, float]] = {"p": ("GBP", 0.01), "c": ("USD", 0.01)}

MINUS_SIGNS = frozenset({"-", "−"})
HYPHENS = frozenset({"-", "‐", "‑"})
RANGE_DASHES = frozenset({"-", "–", "—", "‐", "‑"})
# "the one you mentioned": after these words a lone "one" is a pronoun, not a number.
PRONOUN_ONE_BEFORE = lexicon("pronoun_one_before")
# "the second half", "first-half": a period, not 0.5.
HALF_AS_PERIOD_BEFORE = lexicon("half_as_period_before")
# "the last three quarters": periods of a year, not 0.75.
QUARTERS_AS_PERIODS_BEFORE = lexicon("quarters_as_periods_before")
SENTENCE_END = frozenset({".", "!", "?", ":", ";", "\n"})
# fmt: on

# --------------------------------------------------------------------------------------------
# Stage 1: tokens
# --------------------------------------------------------------------------------------------

_MASK_RE = re.compile(
    r"""(?:https?://|www\.)\S+                    # URLs
      | (?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+  # e-mail addresses (from the start of a word)
      | (?<![\d:.,])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])   # clock times 10:00, 9:30:15
    """,
    re.X,
)
# Words come first: they are most of the tokens, and no digit form starts with a letter (the
# vulgar fractions are letters to `re`, so they come before the words).
_TOKEN_RE = re.compile(
    r"""(?P<vulgar>[½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅐⅛⅜⅝⅞⅑⅒])
      | (?P<abbr>[^\W\d_](?:\.[^\W\d_])+\.?)
      | (?P<word>[^\W\d_]+)
      | (?P<spaced>(?<![\d.,])\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?:\.\d+)?(?![\d‐-]|[.,]\d))
      | (?P<frac>(?<![\d/.,])(?<!\d[-/])\d+/\d+(?![\d/]|[-.,]\d))
      | (?P<num>(?:\d+|\.\d+)(?:[.,]\d+)*)
        (?P<exp>[eE][+-]?\d+(?![^\W\d_])|\^[+-]*\d+|[x×]10\^[+-]?\d+)?
      | (?P<sym>\S)
    """,
    re.X,
)
_GROUPED = re.compile(
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?"
)  # 1,234.5  12,34,567
_EUROPEAN = re.compile(r"\d{1,3}(?:\.\d{3})+,\d+")  # 1.111,11
_PLAIN = re.compile(r"\d+(?:\.\d+)?|\.\d+")  # 4.800  .08
_DECIMAL_COMMA = re.compile(r"\d+,\d{1,2}")  # 5,00
_DIGIT_SPACES = re.compile(r"[ \u00a0\u2009\u202f]")


@dataclass(slots=True)
class _Tok:
    kind: str  # "num" (digits), "frac" (3/4, ½), "word" or "sym"
    text: str
    low: str
    start: int
    end: int
    gap: str = ""  # the white space between the previous token and this one
    value: float = 0.0  # for "num" and "frac"
    integer: bool = False  # "num" written as bare digits ("2024", "0033")


# The same masks without the URL and e-mail forms, for a text with neither ("@", "://", "www."):
# most texts; the clock times alone are much cheaper to look for.
_CLOCK_MASK_RE = re.compile(r"(?<![\d:.,])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])")


def _blank(m: re.Match[str]) -> str:
    return " " * (m.end() - m.start())


def _mask(text: str) -> str:
    """`text` with URLs, e-mail addresses and clock times blanked out (same length)."""
    if "@" in text or "://" in text or "www." in text:
        return _MASK_RE.sub(_blank, text)
    return _CLOCK_MASK_RE.sub(_blank, text) if ":" in text else text


def _tokenize(text: str) -> list[_Tok]:
    masked = _mask(text)
    tokens: list[_Tok] = []
    append = tokens.append
    previous_end = 0  # each token's gap: the white space since the end of the one before
    for m in _TOKEN_RE.finditer(masked):
        kind = m.lastgroup
        start, end = m.span()
        t = m.group()
        if kind == "word":  # most tokens: made here, without the general path below
            append(_Tok("word", t, t.lower(), start, end, masked[previous_end:start]))
            previous_end = end
            continue
        if kind == "exp":
            kind = "num"
        if kind in ("spaced", "num"):
            new = _digit_tokens(m)
        elif kind == "frac":
            new = _fraction_tokens(m)
        elif kind == "vulgar":
            new = [_Tok("frac", t, t, start, end, value=VULGAR_FRACTIONS[t])]
        elif kind == "abbr":
            new = [_Tok("word", t, t.lower().rstrip("."), start, end)]
        else:
            new = [_Tok("sym", t, t, start, end)]
        for tok in new:
            tok.gap = masked[previous_end : tok.start]
            previous_end = tok.end
            append(tok)
    return tokens


def _digit_tokens(m: re.Match[str]) -> list[_Tok]:
    """One number ("1,234.5", "1 234 567", "1.3e6", "1.1^23") or, for chains such as
    "192.168.1.2" and "22,24,26", one token per digit run with the separators between."""
    body = m.group("spaced") or m.group("num")
    start = m.start()
    compact = _DIGIT_SPACES.sub("", body) if m.group("spaced") else body
    value = _read_digits(compact)
    if value is not None:
        try:
            value *= _exponent(m.group("exp") or "", value)
        except (OverflowError, ZeroDivisionError):
            value = math.inf
        if not math.isfinite(value):  # "1e999" is no figure
            return [_Tok("sym", m.group(), m.group(), start, m.end())]
        return [
            _Tok(
                "num",
                m.group(),
                m.group(),
                start,
                m.end(),
                value=value,
                integer=compact.isdigit() and not m.group("exp"),
            )
        ]
    out = []
    for part in re.finditer(r"\d+|\S", body):
        if part.group().isdigit():
            out.append(
                _Tok(
                    "num",
                    part.group(),
                    part.group(),
                    start + part.start(),
                    start + part.end(),
                    value=float(part.group()),
                    integer=True,
                )
            )
        else:
            out.append(_Tok("sym", part.group(), part.group(), start + part.start(), start + part.end()))
    return out


def _read_digits(compact: str) -> float | None:
    """The value of digits with their separators; None for a chain of several numbers."""
    if _GROUPED.fullmatch(compact):
        return float(compact.replace(",", ""))
    if _EUROPEAN.fullmatch(compact):
        return float(compact.replace(".", "").replace(",", "."))
    if _PLAIN.fullmatch(compact):
        return float(compact)
    if _DECIMAL_COMMA.fullmatch(compact):
        return float(compact.replace(",", "."))
    return None


def _exponent(exp: str, base: float) -> float:
    """The factor an exponent suffix applies: "e6" -> 1e6, "x10^-4" -> 1e-4, "^23" -> base**22."""
    if not exp:
        return 1.0
    if exp[0] in "eE":
        return 10.0 ** int(exp[1:])
    if exp[0] in "x×":
        return 10.0 ** int(exp[4:])
    power = int(exp.lstrip("^+-")) * (-1 if exp.count("-") % 2 else 1)  # "^--23" is "^23"
    return base ** (power - 1)  # times the base itself: base ** power


def _fraction_tokens(m: re.Match[str]) -> list[_Tok]:
    top, bottom = m.group().split("/")
    if 0 < int(top) < int(bottom):  # "3/4"; "24/7" or "17/5" are not fractions
        return [_Tok("frac", m.group(), m.group(), m.start(), m.end(), value=int(top) / int(bottom))]
    s, mid = m.start(), m.start() + len(top)
    return [
        _Tok("num", top, top, s, mid, value=float(top), integer=True),
        _Tok("sym", "/", "/", mid, mid + 1),
        _Tok("num", bottom, bottom, mid + 1, m.end(), value=float(bottom), integer=True),
    ]


# --------------------------------------------------------------------------------------------
# Token tests
# --------------------------------------------------------------------------------------------


def _word(ts: list[_Tok], i: int, limit: int, *words: str) -> bool:
    return i < limit and ts[i].kind == "word" and ts[i].low in words


def _word_in(ts: list[_Tok], i: int, limit: int, vocabulary: AbstractSet[str] | Mapping[str, object]) -> bool:
    return i < limit and ts[i].kind == "word" and ts[i].low in vocabulary


def _near(tok: _Tok) -> bool:
    """The token follows the previous one on the same line, at most a few spaces away."""
    return "\n" not in tok.gap and len(tok.gap) <= 3


def _hyphen_at(ts: list[_Tok], i: int, limit: int) -> bool:
    """A hyphen touching the words on both sides ("twenty-one"), or spaced on both ("fifty - two")."""
    if not (i + 1 < limit and ts[i].kind == "sym" and ts[i].text in HYPHENS):
        return False
    return (ts[i].gap == "" and ts[i + 1].gap == "") or (ts[i].gap != "" and ts[i + 1].gap != "")


def _units_word(ts: list[_Tok], i: int, limit: int, low: int = 0, high: int = 19) -> int | None:
    if i < limit and ts[i].kind == "word" and ts[i].low in UNITS and low <= UNITS[ts[i].low] <= high:
        return UNITS[ts[i].low]
    return None


# --------------------------------------------------------------------------------------------
# Stage 2a: numbers ("3 hundred and 21", "two thirds of a million", "1,674.5 M")
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Num:
    value: float
    end: int  # index of the token after the number
    scale: float = 1.0  # the scale the number ends with ("15 million" -> 1e6), else 1
    integer: bool = False  # bare digits or words with no fraction, decimal or scale
    fraction: bool = False
    decimal: bool = False
    money_scale: bool = False  # ends with a scale that is one only for money ("30m")
    first_word: str = ""  # the number's only word when it is one word ("one")


_HUNDRED_OR_DENOMINATOR = frozenset({*HUNDRED, *DENOMINATORS})
_HUNDRED_OR_SCALE = frozenset({*HUNDRED, *SCALE_WORDS})


def _atom(ts: list[_Tok], i: int, limit: int) -> tuple[float, int, str] | None:
    """A digit number, a word below a hundred ("twenty-one", "fifty - two", "twenty and three"),
    or "a"/"an" before "hundred"/a scale ("a hundred", "a million"). Returns (value, end, kind)."""
    if i >= limit:
        return None
    tok = ts[i]
    if tok.kind == "num":
        return tok.value, i + 1, "digits"
    if tok.kind != "word":
        return None
    if tok.low in UNITS:
        return UNITS[tok.low], i + 1, "word"
    if tok.low in TENS:
        value, j = TENS[tok.low], i + 1
        if _hyphen_at(ts, j, limit) and (unit := _units_word(ts, j + 1, limit, 1, 9)) is not None:
            return value + unit, j + 2, "word"
        if j < limit and ts[j].gap and (unit := _units_word(ts, j, limit, 1, 9)) is not None:
            return value + unit, j + 1, "word"
        if (
            _word(ts, j, limit, "and")
            and (unit := _units_word(ts, j + 1, limit, 1, 9)) is not None
            and not _word_in(ts, j + 2, limit, _HUNDRED_OR_DENOMINATOR)
        ):
            return value + unit, j + 2, "word"
        return value, j, "word"
    if tok.low in ("a", "an") and _word_in(ts, i + 1, limit, _HUNDRED_OR_SCALE):
        return 1, i + 1, "a"
    return None


def _small(ts: list[_Tok], i: int, limit: int) -> tuple[float, int, bool] | None:
    """A number below a thousand, or digits, with an optional hundred and tail:
    "three hundred and two", "322 hundred", "3 hundred and 21", "ninety - five hundred".
    Returns (value, end, integer)."""
    atom = _atom(ts, i, limit)
    if atom is None:
        return None
    value, j, kind = atom
    integer = kind != "digits" or ts[i].integer
    if not (_word_in(ts, j, limit, HUNDRED) and (kind == "digits" or value < 100)):
        return value, j, integer
    value, j = value * 100, j + 1
    k = j + 1 if _word(ts, j, limit, "and") else j
    tail = _atom(ts, k, limit)
    if (
        tail
        and tail[2] != "a"
        and 0 < tail[0] < 100
        and (tail[2] == "word" or ts[k].integer)
        and not _word_in(ts, tail[1], limit, _HUNDRED_OR_DENOMINATOR)
    ):
        if _word(ts, tail[1], limit, "dozen", "dozens"):  # "three hundred and two dozens"
            return value + tail[0] * 12, tail[1] + 1, integer
        return value + tail[0], tail[1], integer
    return value, j, integer


def _scale_at(ts: list[_Tok], j: int, limit: int, after_digits: bool) -> tuple[float, int, bool] | None:
    """A scale after a number: "million", "-billion", "dozens", or after digits "k", " bn", "M".
    Returns (multiplier, end, money_only)."""
    if j >= limit:
        return None
    tok = ts[j]
    if (
        tok.kind == "sym"
        and tok.text in HYPHENS
        and tok.gap == ""
        and j + 1 < limit
        and ts[j + 1].gap == ""
        and ts[j + 1].low in SCALE_WORDS
    ):  # "$5-billion"
        return SCALE_WORDS[ts[j + 1].low], j + 2, False
    if tok.kind != "word" or not _near(tok):
        return None
    if tok.low in SCALE_WORDS:
        return SCALE_WORDS[tok.low], j + 1, False
    if not after_digits:
        return None
    multiplier = SCALE_ABBREVIATIONS.get(tok.text) or SCALE_ABBREVIATIONS_ANY_CASE.get(tok.low)
    if multiplier is None or (tok.gap and tok.text not in SPACED_ABBREVIATIONS):
        return None
    if tok.text == "G" and len(ts[j - 1].text) == 1:  # "5G" is a network, "10G" ten billion
        return None
    return multiplier, j + 1, tok.text in MONEY_ONLY_ABBREVIATIONS


def _group(ts: list[_Tok], i: int, limit: int) -> _Num | None:
    """A small number and its scales: "4 thousand", "1,674.5 M", "three lakh crore"."""
    small = _small(ts, i, limit)
    if small is None:
        return None
    value, j, integer = small
    scale, money_only = 1.0, False
    after_digits = ts[j - 1].kind == "num"
    while (found := _scale_at(ts, j, limit, after_digits)) and found[0] > scale:
        multiplier, j, money_only = found
        value, scale, after_digits = value * multiplier, scale * multiplier, False
    if value == 1 and ts[i].kind == "word" and ts[i].low in ("a", "an"):
        return None  # "a" only counts before hundred or a scale
    return _Num(
        value,
        j,
        scale=scale,
        integer=integer and scale == 1,
        decimal=ts[i].kind == "num" and not ts[i].integer,
        money_scale=money_only,
    )


def _integer(ts: list[_Tok], i: int, limit: int) -> _Num | None:
    """Groups of falling scale: "one million two thousand two hundred three",
    "4 thousand 3 hundred and 21", "twenty-one trillion and three hundred"."""
    first = _group(ts, i, limit)
    if first is None:
        return None
    num, last_scale = first, first.scale
    while last_scale > 1 and not num.decimal:
        k = num.end + 1 if _word(ts, num.end, limit, "and") else num.end
        nxt = _group(ts, k, limit)
        if (
            nxt is None
            or nxt.scale >= last_scale
            or nxt.value >= last_scale
            or nxt.value == 0
            or not any(ts[p].kind == "word" for p in range(k, nxt.end))
            or _word_in(ts, nxt.end, limit, DENOMINATORS)
        ):  # "six million and two thirds"
            break
        num = _Num(num.value + nxt.value, nxt.end, scale=nxt.scale, money_scale=nxt.money_scale)
        last_scale = nxt.scale
    if num.end == i + 1 and ts[i].kind == "word":
        num.first_word = ts[i].low
    return num


def _numerator(ts: list[_Tok], i: int, end: int) -> float | None:
    """The words ts[i:end] read as one whole number ("a", "one hundred", "twenty one")."""
    if end > i and ts[end - 1].kind == "sym":  # "one - fourth", "one-eighth"
        end -= 1
    if end == i + 1 and ts[i].low in ("a", "an"):
        return 1.0
    if any(ts[p].kind != "word" for p in range(i, end) if ts[p].text not in HYPHENS):
        return None
    num = _integer(ts, i, end)
    return num.value if num is not None and num.end == end else None


def _compound_denominator(ts: list[_Tok], s: int, o: int) -> float | None:
    """ts[s:o+1] as a denominator: "fifths", "thirty fifths", "twenty-first", "one hundred fifth"."""
    k, total = s, 0.0
    if (
        ts[k].low in ("one", "a")
        and k + 1 < o
        and (ts[k + 1].low in HUNDRED or ts[k + 1].low in _SCALE_SINGULAR)
    ):
        total += 100 if ts[k + 1].low in HUNDRED else SCALE_WORDS[ts[k + 1].low]
        k += 2
        if k < o and ts[k].low == "and":
            k += 1
    if k < o and ts[k].low in TENS:
        total += TENS[ts[k].low]
        k += 1
        if k < o and ts[k].text in HYPHENS:
            k += 1
    if k != o:
        return None
    word = ts[o].low.removesuffix("s") if ts[o].low != "halves" else "half"
    if total == 0:
        return DENOMINATORS.get(ts[o].low) if word not in ("first", "second") else None
    return total + UNIT_ORDINALS[word] if word in UNIT_ORDINALS else None


_FRACTION_ENDS = frozenset({*DENOMINATORS, *UNIT_ORDINALS, *(w + "s" for w in UNIT_ORDINALS)})
_FRACTION_NUMERATOR_WORDS = frozenset({*UNITS, *TENS, *HUNDRED, *_SCALE_SINGULAR, "and", "a", "an"})


def _word_fraction(ts: list[_Tok], i: int, limit: int, standalone: bool) -> _Num | None:
    """Spoken fractions: "two thirds", "a hundredth", "one one hundred fifth", "half", and, with a
    scale after them, "quarter million". `standalone` is False after "and" ("five and a quarter")."""
    if i >= limit or ts[i].kind != "word":
        return None
    if ts[i].low in ("half", "quarter"):
        prev = ts[i - 1].low if i else ""
        if i >= 2 and ts[i - 1].text in HYPHENS:
            prev = ts[i - 2].low
        if ts[i].low == "half" and prev not in HALF_AS_PERIOD_BEFORE:
            return _Num(0.5, i + 1, fraction=True)
        if ts[i].low == "quarter" and _scale_at(ts, i + 1, limit, False):
            return _Num(0.25, i + 1, fraction=True)
        return None
    o = i  # the denominator word that ends the run of number words
    while o < limit and o - i < 16:
        tok = ts[o]
        if tok.kind == "word" and tok.low in _FRACTION_ENDS and o > i:
            break
        if not (
            (tok.kind == "word" and tok.low in _FRACTION_NUMERATOR_WORDS) or (tok.text in HYPHENS and o > i)
        ):
            return None
        o += 1
    else:
        return None
    for s in range(i + 1, o + 1):
        denominator = _compound_denominator(ts, s, o)
        if denominator is None:
            continue
        numerator = _numerator(ts, i, s)
        if numerator is None:
            continue
        if _is_fraction_in_context(ts, i, o, limit, numerator, standalone):
            return _Num(numerator / denominator, o + 1, fraction=True)
        return None
    return None


def _is_fraction_in_context(
    ts: list[_Tok], i: int, o: int, limit: int, numerator: float, standalone: bool
) -> bool:
    """Tell "a fifth" (0.2) from "a fifth straight day", "two millionth" and "the last three quarters"."""
    word = ts[o].low
    plural = word.endswith("s")
    after = ts[o + 1] if o + 1 < limit else None
    if (
        after is not None
        and after.text in HYPHENS
        and after.gap == ""
        and o + 2 < limit
        and ts[o + 2].kind == "word"
        and ts[o + 2].gap == ""
    ):
        after = ts[o + 2]  # "a fourth-quarter beat" reads as "a fourth quarter"
    followed_by_word = (
        after is not None
        and after.kind == "word"
        and after.low not in ("of", "and")
        and after.low not in SCALE_WORDS
        and _near(after)
    )
    if not plural and numerator != 1:
        return False  # "two millionth" is an ordinal
    if word in ("half", "halves"):
        return True
    if word.startswith("quarter") and standalone:  # a quarter is mostly three months
        if after is not None and (after.low == "of" or after.low in SCALE_WORDS):
            return True  # "a quarter of", "three quarters billion"
        prev = ts[i - 1].low if i else ""
        return plural and not followed_by_word and prev not in QUARTERS_AS_PERIODS_BEFORE
    return plural or not followed_by_word


def _scale_tail(ts: list[_Tok], num: _Num, limit: int) -> _Num:
    """A scale after a fraction or decimal: "half million", "two thirds of a million",
    "half a dozen", "two point two million"."""
    j = num.end
    if _word(ts, j, limit, "of") and _word(ts, j + 1, limit, "a", "an"):
        j += 2
    elif _word(ts, j, limit, "a", "an") and num.fraction:
        j += 1
    found = _scale_at(ts, j, limit, ts[j - 1].kind == "num")
    if found is None:
        return num
    multiplier, end, money_only = found
    return replace(
        num,
        value=num.value * multiplier,
        end=end,
        scale=multiplier,
        money_scale=money_only,
        integer=False,
        first_word="",
    )


def _mixed_fraction(ts: list[_Tok], whole: _Num, limit: int) -> _Num | None:
    """Whole "and" fraction: "one and a half", "3 million and a half" (3.5e6),
    "one billion and three quarters million", "five and a half million"."""
    if whole.fraction or whole.decimal or not _word(ts, whole.end, limit, "and"):
        return None
    part = _word_fraction(ts, whole.end + 1, limit, standalone=False)
    if part is None:
        return None
    scale = _scale_at(ts, part.end, limit, False)
    if whole.scale == 1:
        return _scale_tail(ts, _Num(whole.value + part.value, part.end, fraction=True), limit)
    if scale and scale[0] < whole.scale:
        return _Num(whole.value + part.value * scale[0], scale[1], scale=scale[0], fraction=True)
    if whole.scale >= 1e3:
        return _Num(whole.value + part.value * whole.scale, part.end, scale=whole.scale, fraction=True)
    return _Num(whole.value + part.value, part.end, fraction=True)


def _ratio(ts: list[_Tok], whole: _Num, limit: int) -> _Num | None:
    """ "one over three", "2000 over 3", "two out of five hundred", "one in five"."""
    j = whole.end
    if not whole.integer:
        return None
    if _word(ts, j, limit, "over"):
        below = _integer(ts, j + 1, limit)
        ok = below is not None and (
            below.end >= limit or ts[below.end].kind != "word" or not _near(ts[below.end])
        )
    elif _word(ts, j, limit, "out") and _word(ts, j + 1, limit, "of"):
        below = _integer(ts, j + 2, limit)
        ok = below is not None and whole.value < below.value
    elif _word(ts, j, limit, "in"):
        below = _integer(ts, j + 1, limit)
        ok = (
            below is not None
            and whole.value == 1
            and below.value > 1
            and below.integer
            and not (ts[j + 1].kind == "num" and len(ts[j + 1].text) == 4)
        )
    else:
        return None
    if not ok or below is None or below.value == 0:
        return None
    return _Num(whole.value / below.value, below.end, fraction=True)


def _spoken_decimal(ts: list[_Tok], whole: _Num, limit: int) -> _Num | None:
    """ "two hundred point zero three" (200.03), "nought point eleven", "1 point 1"."""
    j = whole.end
    if whole.scale != 1 or whole.fraction or whole.decimal or not _word(ts, j, limit, "point"):
        return None
    digits, k = "", j + 1
    words = ts[whole.end - 1].kind == "word"
    while k < limit:
        tok = ts[k]
        if not words and tok.kind == "num" and tok.integer and not digits:
            digits, k = tok.text, k + 1
            break
        atom = _atom(ts, k, limit) if words and tok.kind == "word" else None
        if atom is None or atom[2] != "word":
            break
        digits += str(int(atom[0]))
        k = atom[1]
    if not digits:
        return None
    return _scale_tail(ts, _Num(float(f"{int(whole.value)}.{digits}"), k, decimal=True), limit)


def _digit_mixed(ts: list[_Tok], whole: _Num, limit: int) -> _Num | None:
    """Digits and a fraction: "2  1/4", "1 4/5", "2½"."""
    j = whole.end
    if whole.end - 1 < 0 or ts[j - 1].kind != "num" or not ts[j - 1].integer or whole.scale != 1:
        return None
    if j < limit and ts[j].kind == "frac" and _near(ts[j]):
        return _scale_tail(ts, _Num(whole.value + ts[j].value, j + 1, fraction=True), limit)
    return None


def _number(ts: list[_Tok], i: int, limit: int) -> _Num | None:
    """The number that starts at token i, read as far as it goes."""
    if i >= limit:
        return None
    if ts[i].kind == "frac":
        return _scale_tail(ts, _Num(ts[i].value, i + 1, fraction=True), limit)
    whole = _integer(ts, i, limit)
    if whole is not None:
        for extend in (_mixed_fraction, _ratio, _digit_mixed, _spoken_decimal):
            if longer := extend(ts, whole, limit):
                return longer
    fraction = _word_fraction(ts, i, limit, standalone=True)
    if fraction is not None and (whole is None or fraction.end > whole.end):
        return _scale_tail(ts, fraction, limit)
    return whole


# --------------------------------------------------------------------------------------------
# Stage 2b: units and currencies around a number
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Unit:
    code: str
    factor: float  # 0.01 for cents and pence
    end: int
    scale: float = 1.0  # "75 USD million", "30 MUSD"


_PHRASES_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _phrase, _unit in sorted(UNIT_PHRASES.items(), key=lambda item: -len(item[0])):
    _PHRASES_BY_FIRST.setdefault(_phrase[0], []).append((_phrase, _unit))
_CURRENCY_NAMES_BY_FIRST: dict[str, list[tuple[tuple[str, ...], tuple[str, float]]]] = {}
for _name, _meaning in sorted(CURRENCY_NAMES.items(), key=lambda item: -len(item[0])):
    _CURRENCY_NAMES_BY_FIRST.setdefault(_name[0], []).append((_name, _meaning))


def _match_words(ts: list[_Tok], k: int, words: tuple[str, ...]) -> int | None:
    """The end of `words` read from token k (a hyphen may join them: "basis-point")."""
    for w, word in enumerate(words):
        if w and k < len(ts) and ts[k].text in HYPHENS and ts[k].gap == "":
            k += 1
        if k >= len(ts) or ts[k].low != word or (w and not _near(ts[k])):
            return None
        k += 1
    return k


def _unit_start(ts: list[_Tok], j: int, num: _Num) -> int | None:
    """Where a unit after the number may start: touching, a space away, or after a hyphen
    ("12-cent", "25-basis-point"); "half a percentage point" skips the "a"."""
    if j >= len(ts):
        return None
    if (
        ts[j].text in HYPHENS
        and ts[j].gap == ""
        and j + 1 < len(ts)
        and ts[j + 1].gap == ""
        and ts[j + 1].kind == "word"
    ):
        return j + 1
    if not _near(ts[j]):
        return None
    if num.fraction and ts[j].low in ("a", "an", "of"):
        k = j + 2 if ts[j].low == "of" and j + 1 < len(ts) and ts[j + 1].low in ("a", "an") else j + 1
        return k if k < len(ts) and ts[k].low in _PHRASES_BY_FIRST else j
    return j


def _percent_after(ts: list[_Tok], j: int, num: _Num) -> _Unit | None:
    k = _unit_start(ts, j, num)
    if k is None:
        return None
    if ts[k].gap == "" and ts[k].text in ATTACHED_UNITS and k == j:
        return _Unit(ATTACHED_UNITS[ts[k].text], 1, k + 1)
    for words, unit in _PHRASES_BY_FIRST.get(ts[k].low, ()):
        if (end := _match_words(ts, k, words)) is not None:
            return _Unit(unit, 1, end)
    return None


def _code(tok: _Tok) -> tuple[str, float] | None:
    """An ISO code as a word: "USD", "usd", "RMB" -> CNY, "MUSD" -> USD in millions."""
    text = tok.text
    if text in ISO_CODES or text == "RMB":
        return CODE_ALIASES.get(text, text), 1.0
    if text.islower() and text in LOWERCASE_CODES:
        return CODE_ALIASES.get(text.upper(), text.upper()), 1.0
    if len(text) == 4 and text[0] == "M" and text[1:] in ISO_CODES:
        return CODE_ALIASES.get(text[1:], text[1:]), 1e6
    return None


def _currency_after(ts: list[_Tok], j: int, num: _Num) -> _Unit | None:
    """A currency written after the amount: "10 €", "115USD", "75 USD million", "30 euros",
    "125 million australian dollars", "50 cents", "12-cent", "5,200 BTC", "1,000 bitcoin"."""
    k = _unit_start(ts, j, num)
    if k is None:
        return None
    tok = ts[k]
    if tok.kind == "sym":
        glued = ts[k + 1] if k + 1 < len(ts) and ts[k + 1].gap == "" else None
        if glued is not None and tok.text == "$" and glued.text in CRYPTO_CODES:  # "226,331 $BTC"
            return _Unit(CRYPTO_ALIASES.get(glued.text, glued.text), 1, k + 2)
        if k != j or (glued is not None and glued.kind != "sym"):
            return None  # "1 $10", "500 $MSTR": the symbol belongs to what follows it
        if tok.text in CURRENCY_SYMBOLS:
            return _Unit(CURRENCY_SYMBOLS[tok.text], 1, k + 1)
        return _Unit("USD", 0.01, k + 1) if tok.text == "¢" else None
    if tok.kind != "word" or (k + 1 < len(ts) and ts[k + 1].kind == "num" and ts[k + 1].gap == ""):
        return None  # "3 USD50": the code belongs to the next amount
    if tok.gap == "" and k == j and tok.low in ATTACHED_CURRENCY:
        code, factor = ATTACHED_CURRENCY[tok.low]
        return _Unit(code, factor, k + 1)
    if (coded := _code(tok)) is not None:
        unit = _Unit(coded[0], 1, k + 1, scale=coded[1])
        if num.scale == 1 and (found := _scale_at(ts, k + 1, len(ts), False)):
            unit.scale, unit.end = found[0], found[1]
        return unit
    if tok.text in CRYPTO_CODES:
        return _Unit(CRYPTO_ALIASES.get(tok.text, tok.text), 1, k + 1)
    for words, (code_name, factor) in _CURRENCY_NAMES_BY_FIRST.get(tok.low, ()):
        if (end := _match_words(ts, k, words)) is not None:
            return _Unit(code_name, factor, end)
    return None


def _currency_before(ts: list[_Tok], i: int) -> tuple[_Unit, int] | None:
    """A currency written before the amount: "$", "US$", "c $", "HK$", "Mex$", "usd$", "€",
    "USD", "EUR 125", "MAUD 60", "Rs. 20". Returns (unit, index of the amount)."""
    n = len(ts)
    tok = ts[i]
    unit: _Unit | None = None
    if tok.kind == "word" and i + 1 < n and ts[i + 1].kind == "sym":
        key = (tok.low, ts[i + 1].text)
        if key in QUALIFIED_SYMBOLS and (ts[i + 1].gap == "" or tok.low in SPACED_QUALIFIERS):
            unit = _Unit(QUALIFIED_SYMBOLS[key], 1, i + 2)
    if unit is None and tok.kind == "sym" and tok.text in CURRENCY_SYMBOLS:
        unit = _Unit(CURRENCY_SYMBOLS[tok.text], 1, i + 1)
    if unit is None and tok.kind == "word":
        if (code := _code(tok)) is not None:
            unit = _Unit(code[0], 1, i + 1, scale=code[1])
        elif tok.low == "rs" or tok.text in CURRENCY_PREFIX_WORDS:
            end = i + 2 if i + 1 < n and ts[i + 1].text == "." and ts[i + 1].gap == "" else i + 1
            unit = _Unit(CURRENCY_PREFIX_WORDS.get(tok.text, "INR"), 1, end)
    if unit is None or unit.end >= n:
        return None
    nxt = ts[unit.end]
    starts_number = nxt.kind in ("num", "frac") or (
        nxt.kind == "word" and (nxt.low in UNITS or nxt.low in TENS or nxt.low in ("a", "half", "quarter"))
    )
    if not starts_number or not _near(nxt) or (nxt.kind == "word" and not nxt.gap and tok.kind == "word"):
        return None
    return unit, unit.end


def _cents_after(ts: list[_Tok], j: int, code: str, prefixed: bool) -> tuple[float, int] | None:
    """The minor part after a whole amount: "3 dollars 50 cents", "thirteen dollars and
    forty-five cents", "15 dollars 50", "17 USD 25", "c $ 100 and fifty". Returns (cents, end)."""
    n = len(ts)
    k = j + 1 if _word(ts, j, n, "and") else j
    if k >= n or not ts[k].gap or not _near(ts[k]):
        return None
    small = _small(ts, k, n)
    if (
        small is None
        or not small[2]
        or not 0 < small[0] < 100
        or (ts[k].kind == "num" and len(ts[k].text) > 2)
    ):
        return None
    cents, end = small[0], small[1]
    if end < n and ts[end].low in MINOR_UNITS and (_near(ts[end]) or ts[end].gap == ""):
        return cents, end + 1
    after = ts[end] if end < n else None
    if after is not None and after.gap == "":
        if after.kind != "sym" or after.text in CURRENCY_SYMBOLS or after.text == "%":
            return None
    if (
        after is not None
        and after.kind == "word"
        and _near(after)
        and (
            after.low in SCALE_WORDS
            or _code(after)
            or after.low in _CURRENCY_NAMES_BY_FIRST
            or after.low in _PHRASES_BY_FIRST
            or after.text in CRYPTO_CODES
        )
    ):
        return None
    if after is not None and after.kind == "sym" and (after.text in CURRENCY_SYMBOLS or after.text == "%"):
        return None
    if prefixed and not (k > j and (after is None or after.text in SENTENCE_END or after.text == ",")):
        return None
    return cents, end


# --------------------------------------------------------------------------------------------
# Stage 2c: one quantity, then ranges
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Q:
    first: int  # index of the first token
    end: int  # index after the last token
    value: float
    unit: str | None  # None: a bare number
    scale: float = 1.0  # the scale word the amount ends with (for "10-15 million")
    factor: float = 1.0  # what one unit written is worth in `unit` (0.01 for cents)
    value_max: float | None = None  # the top of a range


def _read_sign(ts: list[_Tok], i: int) -> tuple[int, int, bool]:
    """(sign, index after it, spaced): "-3.5%", "−2", "minus five", "negative 0.5%"."""
    tok = ts[i]
    if i + 1 < len(ts) and tok.kind == "sym" and tok.text in MINUS_SIGNS:
        prev = ts[i - 1] if i else None
        if (
            prev is None
            or (tok.gap and prev.kind not in ("num", "frac") and prev.text not in RANGE_DASHES)
            or (prev.kind == "sym" and prev.text in "([{=:;,/")
        ):
            return -1, i + 1, bool(ts[i + 1].gap)
    if (
        tok.kind == "word"
        and tok.low in ("minus", "negative")
        and i + 1 < len(ts)
        and _near(ts[i + 1])
        and ts[i + 1].gap
    ):
        return -1, i + 1, False
    return 1, i, False


def _glued(ts: list[_Tok], a: int, b: int) -> bool:
    """Token b touches token a with nothing between ("Q3", "180ml", "4th")."""
    return (
        0 <= a < len(ts)
        and 0 <= b < len(ts)
        and ts[max(a, b)].gap == ""
        and ts[a].kind in ("num", "word", "frac")
        and ts[b].kind in ("num", "word", "frac")
    )


def _single_at(ts: list[_Tok], i: int) -> _Q | None:
    """[sign] [currency] number [unit or currency] [cents] starting at token i."""
    n = len(ts)
    sign, j, spaced_sign = _read_sign(ts, i)
    prefix = _currency_before(ts, j)
    if prefix is not None:
        unit_before, j = prefix
    else:
        unit_before = None
        if ts[j].kind in ("num", "frac") and _glued(ts, j - 1, j):
            return None  # "Q3", "A320", "FY2024"
    num = _number(ts, j, n)
    if num is None:
        return None
    if spaced_sign and (num.integer or unit_before is not None):  # "- 5 things": a bullet, not -5
        return None
    if num.first_word == "one" and unit_before is None and j > 0 and ts[j - 1].low in PRONOUN_ONE_BEFORE:
        return None  # "the one you mentioned"
    unit = unit_before
    if unit is None:
        unit = _percent_after(ts, num.end, num) or _currency_after(ts, num.end, num)
    end = unit.end if unit is not None and unit is not unit_before else num.end
    if num.money_scale and (unit is None or unit.code in ("percent", "pp", "bp")):
        return None  # "1m" is a metre; "€30m" is money
    if _glued(ts, end - 1, end) and ts[end - 1].kind in ("num", "frac"):
        return None  # "180ml", "29km", "4th", "5G"
    if unit is None:
        return _Q(i, end, sign * num.value, None, scale=num.scale)
    value = sign * num.value * unit.factor * unit.scale
    if unit.code not in ("percent", "pp", "bp") and unit.factor == 1 and num.integer and unit.scale == 1:
        cents = _cents_after(ts, end, unit.code, prefixed=unit is unit_before)
        if cents is not None:
            value, end = sign * (num.value + cents[0] / 100), cents[1]
    return _Q(i, end, value, unit.code, scale=num.scale * unit.scale, factor=unit.factor)


def _range_connector(ts: list[_Tok], qa: _Q) -> tuple[int, str] | None:
    """The token after "-", "–", "to" or ("between" A) "and"; with the kind of connector."""
    k = qa.end
    if k + 1 >= len(ts) or not _near(ts[k]) or not _near(ts[k + 1]):
        return None
    if ts[k].kind == "sym" and ts[k].text in RANGE_DASHES:
        return k + 1, "dash"
    if ts[k].low == "to":
        return k + 1, "from" if qa.first > 0 and ts[qa.first - 1].low == "from" else "to"
    if ts[k].low == "and" and qa.first > 0 and ts[qa.first - 1].low == "between":
        return k + 1, "and"
    return None


def _in_chain(ts: list[_Tok], first: int, last: int) -> bool:
    """The tokens first..last are linked by dashes or slashes to more digits on either side:
    "5-10-15", "+1-222-2222", "2024-05-08"."""

    def linked(a: int) -> bool:  # digits at a and a + 2 with a touching "-" or "/" between
        return (
            0 <= a
            and a + 2 < len(ts)
            and ts[a].kind == ts[a + 2].kind == "num"
            and ts[a + 1].text in "-/"
            and ts[a + 1].gap == ts[a + 2].gap == ""
        )

    return linked(first - 2) or linked(last)


def _as_range(ts: list[_Tok], qa: _Q) -> list[_Q] | None:
    """ "10-15%", "10 to 15 percent", "$63,000-$65,000", "$1-2 billion", "between 10 and 20
    dollars" -> one range; "from 10 to 15 percent" -> 10 percent and 15 percent."""
    found = _range_connector(ts, qa)
    if found is None:
        return None
    k, how = found
    qb = _single_at(ts, k)
    if qb is None or _in_chain(ts, qa.first, qb.end - 1):
        return None
    if qa.unit is None and qb.unit is None and not (qa.scale == 1 and qb.scale > 1):
        return None  # "2023-2024", "5 to 10 days"; but "10-15 million" is a range
    if qa.unit is not None and qb.unit is not None and qa.unit != qb.unit:
        return None
    if qb.unit is None and qa.unit is not None and (how != "dash" or qa.unit in ("percent", "pp", "bp")):
        return None  # "5% to 10 stocks"
    low, high = qa, qb
    if qa.unit is None:  # "10-15 million", "50-60 cents": the first takes the second's unit and scale
        scale = qb.scale if qa.scale == 1 and qa.value * qb.scale <= qb.value else 1.0
        low = replace(qa, value=qa.value * scale * qb.factor, unit=qb.unit, scale=qa.scale * scale)
    elif qb.unit is None:  # "$63,000-65,000", "$1-2 billion"
        high = replace(qb, value=qb.value * qa.factor, unit=qa.unit)
        if qa.scale == 1 and qb.scale > 1 and qa.value * qb.scale <= qb.value:
            low = replace(qa, value=qa.value * qb.scale, scale=qb.scale)
    elif qa.scale == 1 and qb.scale > 1 and qa.value * qb.scale <= qb.value:
        low = replace(qa, value=qa.value * qb.scale, scale=qb.scale)
    if how == "from":
        return [low, high] if qa.unit is None else None
    if low.value > high.value:
        return None
    return [_Q(qa.first, qb.end, low.value, low.unit, value_max=high.value)]


def _percent_of_at(ts: list[_Tok], i: int) -> _Q | None:
    """ "percent of 10", "per cent of twenty-two" at the start of a sentence -> a percentage."""
    k = _match_words(ts, i, ("per", "cent")) or (i + 1 if ts[i].low in ("percent", "percents") else None)
    if k is None or not _word(ts, k, len(ts), "of"):
        return None
    if i > 0 and ts[i - 1].text not in SENTENCE_END and "\n" not in ts[i].gap:
        return None
    num = _number(ts, k + 1, len(ts))
    if num is None or _glued(ts, num.end - 1, num.end):
        return None
    return _Q(i, num.end, num.value, "percent")


_STARTER_WORDS = frozenset(
    {
        *UNITS,
        *TENS,
        "a",
        "an",
        "half",
        "quarter",
        "minus",
        "negative",
        "percent",
        "percents",
        "per",
        "rs",
        *(qualifier for qualifier, _ in QUALIFIED_SYMBOLS),
        *(code.lower() for code in ISO_CODES),
        "rmb",
        *(("m" + code).lower() for code in ISO_CODES),
        *(word.lower() for word in CURRENCY_PREFIX_WORDS),
    }
)
_STARTER_SYMBOLS = frozenset({*MINUS_SIGNS, *CURRENCY_SYMBOLS})


def _can_start(tok: _Tok) -> bool:
    """A cheap test run at every token: can a quantity begin here at all?"""
    if tok.kind in ("num", "frac"):
        return True
    return tok.low in _STARTER_WORDS if tok.kind == "word" else tok.text in _STARTER_SYMBOLS


def _quantity_at(ts: list[_Tok], i: int) -> list[_Q]:
    if not _can_start(ts[i]):
        return []
    q = _percent_of_at(ts, i) if ts[i].kind == "word" else None
    if q is not None:
        return [q]
    q = _single_at(ts, i)
    if q is None:
        return []
    return _as_range(ts, q) or [q]


# --------------------------------------------------------------------------------------------
# Stage 3
# --------------------------------------------------------------------------------------------


def find_quantities(text: str) -> list[Quantity]:
    """Every number, amount of money, percentage, percentage-point and basis-point figure in
    `text`, in order, as `Quantity` items (see the module docstring)."""
    tokens = _tokenize(text)
    found: list[Quantity] = []
    i = 0
    while i < len(tokens):
        items = _quantity_at(tokens, i)
        if not items:
            i += 1
            continue
        for q in items:
            start, end = tokens[q.first].start, tokens[q.end - 1].end
            value_max = None if q.value_max is None else _tidy(q.value_max)
            found.append(Quantity(start, end, text[start:end], _tidy(q.value), q.unit or "number", value_max))
        i = items[-1].end
    return found


def _tidy(value: float) -> float:
    """Drop binary noise from scaling: 4.1 * 1e9 is 4099999999.9999995, "$4.1bn" means 4.1e9."""
    tidy = float(f"{value:.15g}")
    return tidy if math.isfinite(tidy) else value


# --------------------------------------------------------------------------------------------
# Scales and currencies written apart from any figure
# --------------------------------------------------------------------------------------------


def scale_factor(word: str) -> float | None:
    """The multiplier a scale word or abbreviation stands for when it is written apart from the
    figures it scales, as in a table header "Net Flows ($, mm)": "million", "bn", "mm", "k", in any
    case. None for a word that is no scale."""
    low = word.lower()
    return (
        SCALE_WORDS.get(low)
        or SCALE_ABBREVIATIONS_ANY_CASE.get(low)
        or SCALE_ABBREVIATIONS.get(low)
        or SCALE_ABBREVIATIONS.get(low.upper())
    )


def currency_code(word: str) -> str | None:
    """The currency a symbol or code names when it is written apart from any amount, as in a table
    header "($, mm)" or "(US$ m)": "$", "US$", "€", "USD", "eur" (codes in any case). None for a
    word that names no currency."""
    word = word.strip()
    if word in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[word]
    qualified = (word[:-1].lower(), word[-1:])
    if qualified in QUALIFIED_SYMBOLS:
        return QUALIFIED_SYMBOLS[qualified]
    code = word.upper()
    return CODE_ALIASES.get(code, code) if code in ISO_CODES else None
