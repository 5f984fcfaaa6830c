"""Everything the claim rules look at in one sentence, gathered once per document.

In: a spaCy `Doc` (sentences set), the rule model's hits, and the normalizer's quantities,
dates and durations over the same text. Out: one `Sentence` per sentence with its names
(`NameHit`: subjects, sources, venues; `Sentence.names`) and cue words (`CueHit`: metric words,
levels, changes, qualifiers, …; `Sentence.cues`) bucketed by group, its usable figures
(`Figure`: a quantity with its token position, after dates, windows and names that merely
contain digits are masked), and its segment borders.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from typing import TypeVar

from spacy.tokens import Doc, Span

from extractor.extract.tokens import tokens_of
from extractor.normalize import DateMention, Duration, Quantity
from extractor.normalize.quantities import is_money
from extractor.rules import NAME_GROUPS, CueHit, Entry, Hit, NameHit, RuleModel, lexicon, lexicon_map

# words that end a clause inside a sentence: a figure after one of these belongs to a new clause
SEGMENT_WORDS = lexicon("segment_words")
SEGMENT_PUNCT = {";", "—", "–", ":"}
FIGURE_DATE_WORDS = {"for", "settlement", "as"}  # "reported for the settlement date of …", "as of"
REPORT_WORDS = lexicon("report_words")
COINS_QUOTE = lexicon("quote_currencies")

OPEN_TICKER = re.compile(
    r"(?P<name>(?:[ie](?=[A-Z]))?[A-Z&][\w&.'’-]*(?:[ \t]+[A-Z0-9&][\w&.'’-]*){0,7}?)(?:,?[ \t]+(?:Inc|Corp|Corporation|Co|Ltd|plc|PLC|LLC|SA|AG|NV)\.?)?"
    r"[ \t]*\((?:(?:NASDAQ|NYSE|NYSEARCA|NYSE American|AMEX|OTC|OTCQX|CBOE|TSX|ASX|LSE|Nasdaq|Nyse)[ \t]*:[ \t]*)?"
    r"(?P<symbol>[A-Z]{1,5}(?:\.[A-Z]{1,2})?)\)"
)
FUND_NAME_END = re.compile(r"\b(?:ETF|Fund|Trust)$")
# "The SPDR S&P Metals & Mining ETF XME, which …": a fund's name and its ticker, MarketWatch style
FUND_WITH_TICKER = re.compile(
    r"(?P<name>(?:The[ \t]+)?[A-Z][\w&.'’-]*(?:[ \t]+(?:[A-Z][\w&.'’-]*|&)){0,7}?[ \t]+(?:ETF|Fund|Trust|Shares))"
    r"[ \t]+(?P<symbol>[A-Z]{2,5})\b(?![.(])"
)
# "Snap SNAP.N and Pinterest PINS.N rose", "WuXi AppTec 603259.SS slid": a name with its Reuters code
RIC_AFTER_NAME = re.compile(
    r"(?P<name>[A-Z][\w&.'’-]*(?:[ \t]+(?:[A-Z][\w&.'’-]*|&|of)){0,5}?)[ \t]+"
    r"(?P<symbol>[A-Z]{1,6}|\d{4,6})\.(?:N|O|OQ|K|A|P|L|TO|DE|PA|T|HK|SS|SZ|CO|SE|KS|AS|MI|ST|HE|OL|AX|BO|NS)\b"
)
DOMAIN_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*\.(?:com|io|ai|net)$")  # "Monday.com rose 27%": a company
CASHTAG = re.compile(r"(?<![\w$])\$(?P<symbol>[A-Z][A-Z0-9]{0,9})\b")
NAMED_TOKEN = re.compile(
    r"\b(?P<symbol>[A-Z][A-Z0-9]{1,5})(?=\s+(?:token|tokens|coin|coins|holders|price)\b|\s*[’']s\s+(?:price|RSI|value|market))"
)
QUOTED_SYMBOL = re.compile(r"\b(?P<base>[A-Z]{2,6})(?:USDT|USDC|USD)\b")
PAIR = re.compile(r"\b(?P<base>[A-Z]{2,6})\s?/\s?(?P<quote>[A-Z]{2,6})\b")
# abbreviations written in brackets after a term, not tickers: "Relative Strength Index (RSI)"
NOT_TICKERS = lexicon("not_tickers")
# "M3", "3M", "E2open": a name word with digits (not a period like "Q4", "H1" or "FY24")
ALPHANUMERIC_NAME = re.compile(
    r"^(?!(?:Q[1-4]|H[12]|FY\d*)$)(?:[A-Z][A-Za-z]*\d[A-Za-z\d]*|\d+[A-Z][A-Za-z]*)$"
)
LEGAL_SUFFIX = re.compile(r",?\s+(?:Inc|Corp|Corporation|Co|Ltd|plc|PLC|LLC|SA|AG|NV)\.?$")


@dataclass(slots=True)
class Figure:
    """A quantity the rules may turn into a claim, with its token span in the doc."""

    quantity: Quantity
    unit: str
    start: int  # token offsets
    end: int

    @property
    def start_char(self) -> int:
        return self.quantity.start

    @property
    def end_char(self) -> int:
        return self.quantity.end


@dataclass
class Sentence:
    span: Span
    text: str = ""  # the whole document's text (spaCy rebuilds Doc.text on every access)
    name_hits: dict[str, list[NameHit]] = field(default_factory=dict)  # by group: subject, source, venue
    cue_hits: dict[str, list[CueHit]] = field(default_factory=dict)  # by pattern file: metrics, levels, …
    figures: list[Figure] = field(default_factory=list)
    dates: list[tuple[int, DateMention, bool]] = field(default_factory=list)  # (token, date, is_report_date)
    durations: list[tuple[int, Duration]] = field(default_factory=list)
    borders: list[int] = field(default_factory=list)  # token offsets that start a new segment
    # answers the rules compute once per sentence, not once per figure (see `positions`, `sourcing`)
    memo: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def names(self, group: str) -> list[NameHit]:
        """The names of one gazetteer role in the sentence: "subject", "source" or "venue"."""
        assert group in NAME_GROUPS, f"{group!r} is a group of cue words: read it with cues()"
        return self.name_hits.get(group, [])

    def cues(self, group: str) -> list[CueHit]:
        """The cue words of one pattern file in the sentence: "metrics", "levels", "changes", …"""
        assert group not in NAME_GROUPS, f"{group!r} is a group of names: read it with names()"
        return self.cue_hits.get(group, [])

    @cached_property
    def span_text(self) -> str:
        """`span.text`, cut from the document's text: spaCy joins the span's tokens on every access."""
        return self.text[self.span.start_char : self.span.end_char] if self.text else self.span.text

    @cached_property
    def lower_text(self) -> str:
        return self.span_text.lower()

    @cached_property
    def words(self) -> list[str]:
        """The lower-case text of the sentence's tokens, in order (read from the doc's token lists)."""
        return tokens_of(self.span.doc).lower[self.span.start : self.span.end]

    @cached_property
    def word_set(self) -> frozenset[str]:
        return frozenset(self.words)

    def segment(self, token: int) -> int:
        return bisect.bisect_right(self.borders, token)


def char_to_token(starts: list[int], char: int) -> int:
    return max(0, bisect.bisect_right(starts, char) - 1)


AnyHit = TypeVar("AnyHit", bound=Hit)  # a list of names stays names, of cues stays cues


CAPITALIZED_WORD_BEFORE = re.compile(r"(?P<word>[A-Z][\w&.'’-]*)[ \t]+$")


@cache
def named_fund_pattern() -> re.Pattern[str]:
    issuers = "|".join(
        re.escape(i).replace(r"\ ", "[ \t]+") for i in sorted(lexicon("fund_issuers"), key=len, reverse=True)
    )
    return re.compile(
        rf"\b(?P<name>(?:{issuers})(?:[ \t]+(?:[A-Z0-9][\w&.'’-]*|&)){{1,6}}?[ \t]+(?:ETF|Fund|Trust))\b"
    )


def named_funds(model: RuleModel, starts: list[int], text: str) -> list[NameHit]:
    """ "the Vanguard S&P 500 Growth ETF", "the iShares Core S&P Mid-Cap ETF": a fund its issuer's
    name opens and ETF, Fund or Trust ends is the subject, though no gazetteer lists it (the
    longer name wins over the index inside it, "S&P 500")."""
    hits: list[NameHit] = []
    for m in named_fund_pattern().finditer(text):
        name, s, e = m["name"], m.start("name"), m.end("name")
        before = CAPITALIZED_WORD_BEFORE.search(text, max(0, s - 40), s)
        if before and before["word"] != "The":
            continue  # "Utilities Select Sector SPDR Fund": the brand inside a longer name
        # "SPDR Gold Shares ETF" is the listed "SPDR Gold Shares": its name as the gazetteer keeps it
        known = model.by_name.get(name.lower()) or model.by_name.get(name.rsplit(maxsplit=1)[0].lower())
        entry = known or Entry("subject", name, "etf", None)
        hits.append(subject_at(starts, s, e, entry, "subject.named_fund"))
    return hits


def subject_at(starts: list[int], start_char: int, end_char: int, entry: Entry, rule_id: str) -> NameHit:
    """The subject hit of `entry` written at these characters of the text (`starts`: each token's
    first character)."""
    return NameHit(
        "subject",
        entry.name,
        char_to_token(starts, start_char),
        char_to_token(starts, end_char - 1) + 1,
        start_char,
        end_char,
        rule_id,
        entry=entry,
    )


def open_subjects(doc: Doc, model: RuleModel, starts: list[int], text: str) -> list[NameHit]:  # noqa: C901 - one pattern per kind of name no gazetteer lists
    """Subjects no gazetteer lists: "Name (NASDAQ: TICK)", "$TSLA", and trading pairs "BTC/ETH"."""
    hits: list[NameHit] = []

    def found(s: int, e: int, entry: Entry, rule_id: str) -> NameHit:
        return subject_at(starts, s, e, entry, rule_id)

    for m in FUND_WITH_TICKER.finditer(text):
        if m["symbol"] in NOT_TICKERS:
            continue
        name = m["name"].removeprefix("The ")
        known = model.by_name.get(name.lower()) or model.by_symbol.get(m["symbol"])
        entry = known or Entry("subject", name, "etf", m["symbol"])
        hits.append(found(m.start("name") + m["name"].index(name), m.end(), entry, "subject.fund_ticker"))
    for m in RIC_AFTER_NAME.finditer(text):
        words = m["name"].split()
        while words and (words[0] in NOT_NAMES or words[0].lower() in lexicon("descriptors")):
            words = words[1:]  # "Meanwhile Acme AC.N", "Chipmaker Acme AC.O": not part of the name
        if not words:
            continue
        name = " ".join(words)
        symbol = m["symbol"] if m["symbol"].isalpha() else None
        known = model.by_name.get(name.lower()) or (model.by_symbol.get(symbol) if symbol else None)
        entry = known or Entry("subject", name, "stock", symbol)
        s = m.start("name") + m["name"].index(words[0])
        hits.append(found(s, m.end(), entry, "subject.reuters_code"))
    sentence_starts = [sent.start_char for sent in doc.sents]
    for m in OPEN_TICKER.finditer(text):
        symbol = m["symbol"]
        if symbol.upper() in NOT_TICKERS:
            continue
        # "The S&P 500's Utilities Select Sector SPDR Fund ETF (XLU)": a fund's name is what follows the
        # possessive; any other name with a possessive ("Tezos's (XTZ)") is left to the other rules
        possessive = max(m["name"].rfind("’s "), m["name"].rfind("'s "))
        name_start = m.start("name") + (possessive + 3 if possessive >= 0 else 0)
        after = text[name_start : m.end("name")]
        if "’s" in after or "'s" in after or (possessive >= 0 and not FUND_NAME_END.search(after)):
            continue
        by_symbol = model.by_symbol.get(symbol)
        # "… at CFRA Research. Tesla (NASDAQ:TSLA) ended down": the name starts in the ticker's sentence
        opens = sentence_starts[max(0, bisect.bisect_right(sentence_starts, m.start("symbol")) - 1)]
        raw = (
            text[name_start : m.end("name")] if name_start >= opens else text[opens : m.end("name")].lstrip()
        )
        if not raw:
            continue
        # "Trump Media & Technology Group (DJT)": the name decides; a ticker alone only names a company or fund
        name = LEGAL_SUFFIX.sub("", raw).strip()
        if name.split()[0] in {"The", "Shares", "Stock", "Like", "As", "And"}:
            name = " ".join(name.split()[1:]) or name
        known = (
            model.by_name.get(raw.lower())
            or model.by_name.get(name.lower())  # "The US Dollar Index (DXY)"
            or (by_symbol if by_symbol and by_symbol.type in {"stock", "etf", "crypto", "index"} else None)
        )
        entry = known or Entry(
            "subject", name, "etf" if re.search(r"\b(ETF|Trust|Fund)\b", name) else "stock", symbol
        )
        if known and entry.symbol is None:
            entry = replace(entry, symbol=symbol)
        s, e = m.end("name") - len(raw), m.end()
        hits.append(found(s, e, entry, "subject.open_ticker"))
    for m in CASHTAG.finditer(text):
        symbol = m["symbol"]
        entry = model.by_symbol.get(symbol) or Entry("subject", symbol, "stock", symbol)
        s, e = m.start(), m.end()
        hits.append(found(s, e, entry, "subject.cashtag"))
    for m in NAMED_TOKEN.finditer(text):
        symbol = m["symbol"]
        if symbol in model.by_symbol or symbol in NOT_TICKERS:
            continue
        s, e = (
            m.start("symbol"),
            m.end("symbol"),
        )  # "LayerZero's ZRO token", "the RSI of WIF": a coin we do not list
        hits.append(found(s, e, Entry("subject", symbol, "crypto", symbol), "subject.named_token"))
    for m in QUOTED_SYMBOL.finditer(text):
        base = model.by_symbol.get(m["base"])
        if base is None or base.type != "crypto":
            continue
        s, e = m.start(), m.end()  # "Cardano ADAUSD was down 0.82%": a chart symbol for the coin's price
        hits.append(found(s, e, base, "subject.quoted_symbol"))
    for m in PAIR.finditer(text):
        base, quote = model.by_symbol.get(m["base"]), model.by_symbol.get(m["quote"])
        if base is None or base.type != "crypto":
            continue
        if m["quote"] in COINS_QUOTE:
            entry = base  # BTC/USD speaks of Bitcoin's price
        elif quote is not None and quote.type == "crypto":
            entry = Entry("subject", f"{m['base']}/{m['quote']}", "pair", None)
        else:
            continue
        s, e = m.start(), m.end()
        hits.append(found(s, e, entry, "subject.pair"))
    return hits


# capitalized words that open a sentence or name a time, never a company
NOT_NAMES = lexicon("not_names") | {
    name.capitalize() for names in ("month", "weekday") for name in lexicon_map("calendar_names")[names]
}


COPULAS = lexicon("copulas")


def copulas_after_names(doc: Doc) -> list[CueHit]:
    """ "Media was the most shorted industry …", "Gas Utilities stood at …": a sentence that opens with
    a capitalized name and a verb names its subject there."""
    tokens = tokens_of(doc)
    text, lower = tokens.text, tokens.lower
    hits: list[CueHit] = []
    for i, word in enumerate(lower):
        if word not in COPULAS:
            continue
        name_end = i
        while name_end > 0 and lower[name_end - 1] in {"stocks", "shares", "sector", "industry"}:
            name_end -= 1  # "Water Utilities stocks took the third spot"
        if name_end > 0 and text[name_end - 1][:1].isupper():
            start = name_end - 1
            while start > 0 and (text[start - 1][:1].isupper() or text[start - 1] in {"&", "and"}):
                start -= 1
            if tokens.sent_start[start] or start == 0:
                idx = tokens.idx[i]
                hits.append(CueHit("changes", "copula", i, i + 1, idx, idx + len(text[i]), "subject.copula"))
    return hits


RIC = re.compile(
    r"^(?P<name>[A-Z][a-z][A-Za-z&]*?)?(?P<symbol>[A-Z]{1,5})\.(?:N|O|OQ|K|A|P|L|TO|DE|PA|T|HK|SS|SZ)$"
)


def tickers_to_names(hits: list[NameHit]) -> list[NameHit]:
    """ "Acushnet (GOLF)" … "Short interest on GOLF": a bare ticker is the company named with it earlier."""
    by_symbol = {
        h.entry.symbol: h.entry for h in hits if h.entry and h.entry.symbol and h.entry.name != h.entry.symbol
    }
    out = []
    for h in hits:
        if h.entry and h.label in by_symbol and h.entry.name == h.label:
            h = replace(h, label=by_symbol[h.label].name, entry=by_symbol[h.label])
        out.append(h)
    return out


def named_movers(  # noqa: C901 - the steps that find a name's start and end, read top to bottom
    doc: Doc, move_hits: list[Hit], taken: list[Hit], sectors: set[int] | None = None
) -> list[NameHit]:
    """Names no gazetteer lists, written right before a word of movement: "Lockheed Martin rose 3.7%",
    "with United Airlines down 4.4%". The capitalized run before the verb is the subject."""
    covered = {i for h in taken for i in range(h.start, h.end)}
    subject_ending: dict[int, Hit] = {}  # the first subject hit that ends at each token
    for h in taken:
        if h.group == "subject":
            subject_ending.setdefault(h.end, h)
    tokens = tokens_of(doc)
    text, lower = tokens.text, tokens.lower
    hits: list[NameHit] = []
    for move in move_hits:
        if _in_title_case_line(doc, move.start):
            continue  # "XRP Faces Extended Bearish Pressure At $0.4937": every word is capitalized, none is a name
        end = move.start
        while end > 0 and lower[end - 1] in {
            "token",
            "coin",
            "shares",
            "stock",
            "price",
            "'s",
            "’s",
            "was",
            "is",
            "currently",
            "were",
            "have",
            "has",
            "had",
            "been",
            "both",
            "each",
        }:
            end -= 1  # "LayerZero's ZRO token is currently trading for $3.15", "Nucor and Steel Dynamics both rose"
        with_suffix = end
        end = _before_legal_suffix(text, end)  # "M3 Inc. slumped 12%", "Danske Bank A/S climbed 5%"
        legal_form = end < with_suffix
        known = subject_ending.get(end)
        if known is not None:
            hits.extend(
                _listed_before(doc, known.start, covered)
            )  # "Nucor, U.S. Steel and Steel Dynamics (STLD) rose"
        symbol = None
        ric = RIC.match(text[end - 1]) if end > 0 else None
        if ric and end - 1 not in covered:
            # "Honeywell HON.O was off 2.4%", "MerckMRK.N advanced 4.6%": a Reuters code beside the name
            symbol = ric.group("symbol")
            if ric.group("name"):
                glued = tokens.idx[end - 1]
                name = ric.group("name")
                entry = Entry("subject", name, "stock", symbol)
                hits.append(
                    NameHit(
                        "subject",
                        name,
                        end - 1,
                        end,
                        glued,
                        glued + len(name),
                        "subject.named_mover",
                        entry=entry,
                    )
                )
                continue
            end -= 1
        start = end
        sectors = sectors or set()
        while start > 0 and start - 1 in sectors:
            start -= 1  # "Gas Utilities stood at …", "Water Utilities stocks took …": an industry named with a sector word
        if start < end and (start == 0 or not text[start - 1][:1].isupper() or start - 1 in covered):
            start = end  # the sector alone: the gazetteer already has it
        while start > 0 and start - 1 not in covered:
            before = start - 1
            if (
                text[before][:1].isupper()
                and (
                    tokens.is_alpha[before]
                    or DOMAIN_NAME.match(text[before]) is not None
                    # "M3 Inc.": a word with digits is a name only when a legal form follows it
                    or (legal_form and ALPHANUMERIC_NAME.match(text[before]) is not None)
                )
                or text[before] in {"&", "-", "U.S."}
                or (lower[before] == "of" and before < end - 1)
            ):
                start -= 1
            else:
                break
        while start < end and (text[start] in NOT_NAMES or lower[start] in {"of", "&", "-"}):
            if text[start] in {"U.S.", "US"} and start + 1 < end and text[start + 1] not in NOT_NAMES:
                break  # "U.S. Steel", "US Foods": the country is part of the name
            start += 1
        if start + 1 < end and tokens.sent_start[start] and lower[start] in lexicon("descriptors"):
            start += 1  # "Chipmaker Acme Devices rose 6%": the job word describes the company
        while end > start and lower[end - 1] in {"of", "&", "-"}:
            end -= 1
        span_end = end  # the hit covers "Water Utilities stocks"; the name is "Water Utilities"
        while end > start and lower[end - 1] in {"stocks", "shares", "sector", "industry"}:
            end -= 1
        if (
            start >= end
            or end - start > 7
            # "Barrick Gold", "Marathon Oil": a common word may end a name that starts with a proper one
            or any(
                text[i] in NOT_NAMES and not (i == start and text[i] in {"U.S.", "US"})
                for i in range(start, end - 1 if end - start > 1 else end)
            )
            or len(doc[start:end].text) < 2
        ):
            continue
        span = doc[start:span_end]
        name = doc[start:end].text
        if name in lexicon("places") or (end - start == 1 and lower[start] in lexicon("descriptors")):
            continue  # "coffee futures in New York rose", "Steelmakers rallied": a place or a trade, not a name
        if lower[end - 1] in lexicon("fiscal_report_nouns"):
            continue  # "with Gross Margins up at 58.7%", "Q4 Revenue rose 12%": a line of a report, not a company
        entry = Entry("subject", name, "stock", symbol)
        hits.append(
            NameHit(
                "subject",
                name,
                start,
                span_end,
                span.start_char,
                span.end_char,
                "subject.named_mover",
                entry=entry,
            )
        )
        hits.extend(_listed_before(doc, start, covered))
    return hits


def _before_legal_suffix(text: list[str], end: int) -> int:
    """Where a name ends before its legal form: "A/S" is three tokens, "Inc." one."""
    if end >= 3 and "".join(text[end - 3 : end]) in lexicon("legal_suffixes"):
        return end - 3
    if end >= 2 and text[end - 1] in lexicon("legal_suffixes"):
        return end - 1
    return end


def _inside_ticker(doc: Doc, i: int) -> bool:
    """The colon of "(NASDAQ:AVGO)" joins an exchange to a ticker; it does not open a clause."""
    tokens = tokens_of(doc)
    return (
        tokens.text[i] == ":"
        and 0 < i < len(tokens) - 1
        and tokens.is_upper[i - 1]
        and tokens.is_upper[i + 1]
        and tokens.is_alpha[i - 1]
    )


def _in_title_case_line(doc: Doc, token: int) -> bool:
    """Is the token on a headline-style line, where most words are capitalized?"""
    tokens = tokens_of(doc)
    breaks = tokens.line_breaks
    # the line runs from the token after the last break before `token` to the token before the
    # first break after it (a break token itself joins the lines on both sides)
    k = bisect.bisect_left(breaks, token)
    start = breaks[k - 1] + 1 if k > 0 else 0
    k = bisect.bisect_right(breaks, token)
    end = breaks[k] - 1 if k < len(breaks) else len(tokens) - 1
    key = ("title_case_line", start, end)  # every move of a line gets the same answer
    if key not in tokens.memo:
        text, is_alpha = tokens.text, tokens.is_alpha
        if text[end] in {".", "!"}:
            answer = False  # a sentence, not a headline
        else:
            words = [text[i] for i in range(start, end + 1) if is_alpha[i] and len(text[i]) > 3]
            answer = len(words) >= 4 and sum(w[:1].isupper() for w in words) >= 0.75 * len(words)
        tokens.memo[key] = answer
    return bool(tokens.memo[key])


def _listed_before(doc: Doc, start: int, covered: set[int]) -> list[NameHit]:
    """ "Nucor (NYSE:NUE), U.S. Steel and Steel Dynamics rose 4% each": the names listed before the
    one right before the verb, each a capitalized run after a comma or "and"."""
    hits: list[NameHit] = []
    i = start
    while len(hits) < 5 and i > 0 and doc[i - 1].text in {",", "and"}:
        end = i - 1
        if end > 0 and doc[end - 1].text == ")":  # "Nucor (NYSE:NUE),": skip the ticker
            opening = next((t.i for t in reversed(doc[max(0, end - 8) : end]) if t.text == "("), None)
            if opening is None:
                break
            end = opening
        first = end
        while first > 0 and (
            doc[first - 1].text[:1].isupper() and (doc[first - 1].is_alpha or doc[first - 1].text in {"U.S."})
        ):
            first -= 1
        if (
            first == end
            or any(k in covered for k in range(first, end))
            or doc[first].text in NOT_NAMES - {"U.S."}
        ):
            break
        span = doc[first:end]
        hits.append(
            NameHit(
                "subject",
                span.text,
                first,
                end,
                span.start_char,
                span.end_char,
                "subject.named_mover",
                entry=Entry("subject", span.text, "stock", None),
            )
        )
        i = first
    return hits


def names_after_moves(doc: Doc, move_hits: Sequence[Hit], taken: Sequence[Hit]) -> list[NameHit]:
    """Names no gazetteer lists, written after a figure's move noun: "helped by a 5.6% jump for
    Barrick Gold", "dragged by a 3.6% fall in e-commerce firm Shopify". The capitalized run is the subject."""
    covered = {i for h in taken for i in range(h.start, h.end)}
    hits: list[NameHit] = []
    for move in move_hits:
        if move.start == 0 or move.end + 1 >= len(doc) or move.label not in {"up", "down"}:
            continue
        if not (doc[move.start - 1].text == "%" or doc[move.start - 1].like_num):
            continue  # only "a 5.6% jump for …": the move is the figure's
        if doc[move.end].lower_ not in {"for", "in"}:
            continue
        start = move.end + 1
        while (
            start < len(doc)
            and start - move.end <= 4
            and (doc[start].is_lower and not doc[start].like_num or doc[start].text == "-")
        ):
            start += 1  # "e-commerce firm", "shares of"
        end = start
        while (
            end < len(doc)
            and end - start < 5
            and end not in covered
            and ((doc[end].is_alpha and doc[end].text[:1].isupper()) or doc[end].text in {"&", "-"})
        ):
            end += 1
        while end > start and doc[end - 1].text in {"&", "-"}:
            end -= 1
        if end == start or start in covered or doc[start].text in NOT_NAMES:
            continue
        span = doc[start:end]
        hits.append(
            NameHit(
                "subject",
                span.text,
                start,
                end,
                span.start_char,
                span.end_char,
                "subject.after_move",
                entry=Entry("subject", span.text, "stock", None),
            )
        )
    return hits


GROUP_NOUNS = {"funds", "ETFs", "ETPs"}
NOT_NAMES_BUT_COUNTRY = NOT_NAMES - {"U.S.", "US"}  # "U.S. equity funds": the country is part of a group
GROUP_VERBS = lexicon("group_verbs")
# words that count or point at funds named elsewhere ("the 11 listed ETFs", "such funds"), not a group's name
GROUP_STOP = lexicon("group_stop")


def companies_by_name_ending(doc: Doc, taken: list[Hit]) -> list[NameHit]:
    """ "MGM Resorts International reported results late Wednesday. Shares surged 16%": a
    capitalized run of two to five words that ends in a company word (`company_name_endings`) is a
    company, though no gazetteer lists it and no word of movement follows it."""
    covered = {i for h in taken for i in range(h.start, h.end)}
    tokens = tokens_of(doc)
    text = tokens.text
    hits: list[NameHit] = []
    for end, word in enumerate(text):
        if word not in lexicon("company_name_endings") or end in covered:
            continue
        start = end
        while (
            start > 0
            and end - start < 4
            and start - 1 not in covered
            and text[start - 1][:1].isupper()
            and tokens.is_alpha[start - 1]
            and text[start - 1] not in NOT_NAMES
        ):
            start -= 1
        while start < end and tokens.lower[start] in lexicon("descriptors"):
            start += 1  # "Chipmaker Cambricon Technologies": the trade word describes the company
        if end + 1 < len(text) and tokens.lower[end + 1] in lexicon("industry_nouns"):
            continue  # "the Large Cap Pharmaceuticals industry": an industry, not a company
        if start == end:
            continue  # "Energy" alone is a sector word
        hits.append(open_subject(doc[start : end + 1], "subject.company_name", "stock"))
    return hits


def open_subject(span: Span, rule_id: str, subject_type: str, name: str | None = None) -> NameHit:
    """A subject no gazetteer lists, named by `span` (or `name`, as the article writes it)."""
    name = name or span.text
    return NameHit(
        "subject",
        name,
        span.start,
        span.end,
        span.start_char,
        span.end_char,
        rule_id,
        entry=Entry("subject", name, subject_type, None),
    )


def fund_groups(doc: Doc, taken: list[Hit]) -> list[NameHit]:
    """Groups of funds no gazetteer lists, named before a verb of flows: "US fixed-income funds
    attracted $963 million", "leveraged ETFs lost $665 million". The group is the subject."""
    covered = {i for h in taken for i in range(h.start, h.end)}
    tokens = tokens_of(doc)
    text, lower = tokens.text, tokens.lower
    hits: list[NameHit] = []
    for i, word in enumerate(text):
        if word not in GROUP_NOUNS or i in covered or i + 1 >= len(text):
            continue
        if lower[i + 1] not in GROUP_VERBS:
            continue
        start = i
        while (
            start > 0
            and i - start < 5  # "US fixed - income funds"
            and start - 1 not in covered
            and (tokens.is_alpha[start - 1] or "-" in text[start - 1] or text[start - 1] in {"U.S.", "US"})
            and lower[start - 1] not in GROUP_STOP
            and text[start - 1] not in NOT_NAMES_BUT_COUNTRY
        ):
            start -= 1
        if start == i:
            continue  # "funds attracted": which funds, the text says elsewhere
        span = doc[start : i + 1]
        name = span.text[:1].upper() + span.text[1:]
        hits.append(open_subject(span, "subject.fund_group", "etf", name))
    return hits


def longest_first(hits: list[AnyHit]) -> list[AnyHit]:
    """Drop hits of one group that lie inside a longer hit of the same group ("iShares Bitcoin Trust" over "Bitcoin")."""
    kept: list[AnyHit] = []
    for h in sorted(hits, key=lambda h: (-(h.end_char - h.start_char), h.start_char)):
        if not any(k.start_char <= h.start_char and h.end_char <= k.end_char for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: h.start_char)


def adjust_unit(doc: Doc, quantity: Quantity, end_token: int) -> str:
    """Units the normalizer leaves to context: "35.97 million shares", "46.1 million GameStop shares",
    "224.02 points"."""
    if quantity.unit != "number" or end_token >= len(doc):
        return quantity.unit
    tokens = tokens_of(doc)
    following = tokens.lower[end_token : end_token + 3]
    if following[0] in {"points", "point", "pts"}:
        return "points"
    if following[0] == "units":
        return "shares"  # "19,800,000 units were destroyed": a fund's units are counted as shares
    for i, word in enumerate(following):
        if word in {"shares", "share"}:
            return "shares"
        if i == 0 and not tokens.text[end_token][:1].isupper() and word not in {"new", "common", "class"}:
            break
        if tokens.like_num[end_token + i] or word in {",", ".", "and", "or"}:
            break
    return quantity.unit


ZONE_NOUNS = lexicon("zone_nouns")
ZONE_VERBS = lexicon("zone_verbs")


def _zone_from(doc: Doc, start: int) -> bool:
    """ "a demand zone stretching from $58,000 to $60,000", "support zone from $2.10 to $2.20": a
    "from … to" that spans a zone (not a move: "fell from $66,000 to $64,500")."""
    if start < 2 or doc[start - 1].lower_ != "from":
        return False
    words = [t.lower_ for t in doc[max(0, start - 5) : start - 1]]
    return bool(set(words) & ZONE_NOUNS) and (words[-1] in ZONE_NOUNS or words[-1] in ZONE_VERBS)


MOVE_TO_LEVEL = re.compile(r"\s+to\s+")


def split_move_and_level(quantities: list[Quantity], changes: Sequence[Hit], text: str) -> list[Quantity]:
    """ "dropped 0.4% to 57.2%": after a word of movement, "X to Y" is a move and the level it reached,
    not a range (the number layer reads "5% to 10%" as one)."""
    ends = {h.end_char for h in changes}
    out: list[Quantity] = []
    for q in quantities:
        gap = MOVE_TO_LEVEL.search(q.text) if q.value_max is not None else None
        word_end = q.start  # where the word before the figure ends (one or two spaces back)
        while word_end > 0 and q.start - word_end < 2 and text[word_end - 1].isspace():
            word_end -= 1
        if (
            gap is None
            or q.value_max is None
            or not (word_end in ends or _by_a_move_to_a_level(q, text, word_end))
        ):
            out.append(q)
            continue
        first = replace(q, end=q.start + gap.start(), text=q.text[: gap.start()], value_max=None)
        second = replace(
            q, start=q.start + gap.end(), text=q.text[gap.end() :], value=q.value_max, value_max=None
        )
        out += [first, second]
    return out


def _by_a_move_to_a_level(q: Quantity, text: str, word_end: int) -> bool:
    """ "lifted its market value by $62 billion to $540 billion": after "by", X is the size of a
    move and Y the level it reached when Y is several times X; "fell by 2% to 3%" stays a range."""
    assert q.value_max is not None
    words = text[max(word_end - 30, 0) : word_end].lower().split()
    while words and words[-1] in lexicon("approximators"):
        words.pop()  # "by about $95 billion to $1.1 trillion"
    return words[-1:] == ["by"] and abs(q.value_max) >= 3 * abs(q.value) > 0


def join_ranges(doc: Doc, text: str, figures: list[Figure]) -> list[Figure]:
    """ "between $90,000 and $91,500", "from 40% to 70%" as written ranges: one figure with `value_max`."""
    lower = tokens_of(doc).lower
    out: list[Figure] = []
    for figure in figures:
        if out:
            first = out[-1]
            gap = lower[first.end : figure.start]
            before = lower[first.start - 1] if first.start > 0 else ""
            if (
                (gap == ["and"] and before == "between" or gap == ["to"] and _zone_from(doc, first.start))
                and first.unit == figure.unit
                and first.quantity.value_max is None
            ):
                q = replace(
                    first.quantity,
                    end=figure.quantity.end,
                    text=text[first.quantity.start : figure.quantity.end],
                    value_max=figure.quantity.value,
                )
                out[-1] = Figure(q, first.unit, first.start, figure.end)
                continue
        out.append(figure)
    return out


SCALE_WORD = re.compile(r"(?i)\d\s*(million|billion|trillion|mn|bn|tn|m|b)\b")


def inherit_units(figures: list[Figure]) -> None:
    """ "16.9 billion shares, compared with the 18.3 billion average": a bare scaled number takes
    the unit of the figure before it in the sentence."""
    for before, figure in zip(figures, figures[1:]):
        if (
            figure.unit == "number"
            and SCALE_WORD.search(figure.quantity.text)
            and before.unit in {"shares"} | {u for u in [before.unit] if u.isupper()}
        ):
            figure.unit = before.unit


def move_in_quote_currency(doc: Doc, figures: list[Figure]) -> None:
    """ "Acme (ACME) is -0.18 at $12.60": a signed bare number right before "at" and a price is a
    move in that price's currency (the style of pre-market and most-active lists)."""
    for move, price in zip(figures, figures[1:]):
        if (
            move.unit == "number"
            and doc[move.start].text[:1] in {"+", "-", "−"}
            and [t.lower_ for t in doc[move.end : price.start]] == ["at"]
            and is_money(price.unit)
        ):
            move.unit = price.unit


def is_masked(quantity: Quantity, blockers: list[tuple[int, int]], text: str) -> bool:
    """A quantity inside a date, a window, or a name with digits is not a figure of its own."""
    if any(s < quantity.end and quantity.start < e for s, e in blockers):
        return True
    after = text[quantity.end : quantity.end + 12].lower()
    # "7-Year High", "52-week low", "30-day": an adjective of time, not an amount
    return (
        bool(re.match(r"\s?-?\s?(year|yr|week|wk|day|month|hour|minute|session|quarter)s?\b", after))
        and quantity.unit == "number"
    )


# the number words a name may hold ("the nine Ether ETFs"): read from the one table of number words
NUMBER_WORDS = {
    *(word for word, value in lexicon_map("number_words")["cardinal"].items() if 1 <= value <= 12),
    "hundred",
}


def has_number(name: str) -> bool:
    """ "S&P 500", "the nine Ether ETFs": a name whose digits or number words are not a figure."""
    return any(c.isdigit() for c in name) or bool(set(name.lower().split()) & NUMBER_WORDS)


def masked_quantities(
    text: str, hidden: list[tuple[int, int]], find: Callable[[str], list[Quantity]]
) -> list[Quantity]:
    """Figures of the text with names and dates blanked out first, so that "S&P 500 -1.13%" or
    "May 8, 2025, 62,350" cannot be read as one number; offsets stay those of `text`."""
    chars = list(text)
    for start, end in hidden:
        for i in range(start, end):
            if chars[i].isalnum():
                chars[i] = "x" if chars[i].isdigit() else "q"
    return [replace(q, text=text[q.start : q.end]) for q in find("".join(chars))]


def _inside_longer_name(doc: Doc, hit: Hit) -> bool:
    """ "Century Aluminum", "Barrick Gold": a one-word commodity written after a capitalized word is the
    end of a company's name, not the commodity."""
    if (
        hit.group != "subject"
        or not isinstance(hit, NameHit)
        or hit.entry.type != "commodity"
        or hit.end - hit.start != 1
    ):
        return False
    if hit.start == 0 or doc[hit.start].is_sent_start or not doc[hit.start].text[:1].isupper():
        return False
    before = doc[hit.start - 1]
    return before.is_alpha and before.text[:1].isupper() and before.text not in NOT_NAMES


def build_sentences(
    doc: Doc,
    model: RuleModel,
    find_quantities: Callable[[str], list[Quantity]],
    dates: list[DateMention],
    durations: list[Duration],
) -> list[Sentence]:
    tokens = tokens_of(doc)
    text = tokens.text_of_doc  # Doc.text rebuilds the string on every access
    starts = tokens.idx
    matched = [h for h in model.match(doc) if not _inside_longer_name(doc, h)]
    found_names = [h for h in matched if isinstance(h, NameHit)]
    found_names += open_subjects(doc, model, starts, text) + named_funds(model, starts, text)
    cues: dict[str, list[CueHit]] = {}
    for h in matched:
        if isinstance(h, CueHit):
            cues.setdefault(h.group, []).append(h)
    names = {group: longest_first([h for h in found_names if h.group == group]) for group in NAME_GROUPS}
    taken: list[Hit] = [
        *names["subject"],
        *names["source"],
        *names["venue"],
        *cues.get("metrics", []),
        *cues.get("levels", []),
    ]
    anchors: list[Hit] = [
        *cues.get("changes", []),
        *[h for h in cues.get("metrics", []) if h.label == "price"],
        *copulas_after_names(doc),
    ]
    sectors = {i for h in names["subject"] if h.entry.type == "sector" for i in range(h.start, h.end)}
    movers = (
        named_movers(doc, anchors, taken, sectors)
        + fund_groups(doc, taken)
        + companies_by_name_ending(doc, taken)
        + names_after_moves(doc, cues.get("changes", []), taken)
    )
    names["subject"] = longest_first(tickers_to_names(names["subject"] + movers))
    # names with digits ("Russell 2000", "S&P 500", "Nasdaq-100") and dates hide their digits from the figures
    named = [
        (h.start_char, h.end_char) for h in names["subject"] if has_number(text[h.start_char : h.end_char])
    ]
    quantities = masked_quantities(text, named + [(d.start, d.end) for d in dates], find_quantities)
    quantities = split_move_and_level(quantities, cues.get("changes", []), text)
    blockers = [(d.start, d.end) for d in dates] + [(d.start, d.end) for d in durations] + named
    sentences = [Sentence(span=s, text=text) for s in doc.sents]
    sent_starts = [s.span.start for s in sentences]

    def sentence_of(token: int) -> Sentence:
        return sentences[max(0, bisect.bisect_right(sent_starts, token) - 1)]

    for group, group_names in names.items():
        for name in group_names:
            sentence_of(name.start).name_hits.setdefault(group, []).append(name)
    for group, group_cues in cues.items():
        for cue in group_cues:
            sentence_of(cue.start).cue_hits.setdefault(group, []).append(cue)
    for q in quantities:
        if is_masked(q, blockers, text):
            continue
        start = char_to_token(starts, q.start)
        end = char_to_token(starts, max(q.start, q.end - 1)) + 1
        unit = adjust_unit(doc, q, end)
        if (
            unit != q.unit
            and end < len(doc)
            and tokens.lower[end] in {"points", "point", "pts", "shares", "share"}
        ):
            end += 1  # the unit word belongs to the figure: "769.83 points, or 1.79%"
        sentence_of(start).figures.append(Figure(q, unit, start, end))
    for d in dates:
        token = char_to_token(starts, d.start)
        holder = sentence_of(token)
        # "reported Q4 results late Wednesday", "updated on May 3": a report's date; "posted inflows of
        # $500 million on Monday" is the figure's (a figure stands between the report word and the date)
        reported_at = [
            i for i in range(max(holder.span.start, token - 8), token) if tokens.lower[i] in REPORT_WORDS
        ]
        report = (
            bool(reported_at)
            and not any(reported_at[-1] < f.start < token for f in holder.figures)
            # "… shares reported for the prior settlement date of January 15": the figure's date
            and not set(tokens.lower[reported_at[-1] + 1 : token]) & FIGURE_DATE_WORDS
        )
        holder.dates.append((token, d, report))
    for window in durations:
        token = char_to_token(starts, window.start)
        sentence_of(token).durations.append((token, window))
    for s in sentences:
        s.figures = join_ranges(doc, text, s.figures)
        inherit_units(s.figures)
        move_in_quote_currency(doc, s.figures)
        s.borders = [
            i
            for i in range(s.span.start, s.span.end)
            if (
                (tokens.text[i] in SEGMENT_PUNCT and not _inside_ticker(doc, i))
                or (tokens.lower[i] in SEGMENT_WORDS and i > s.span.start and tokens.text[i - 1] == ",")
            )
        ]
    return sentences
