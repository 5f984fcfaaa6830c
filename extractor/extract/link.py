"""The claim rules: link each figure of a sentence to what it measures.

In: `Sentence`s (figures, hits of the rule model, dates, windows) and the publication date.
Out: `ClaimDraft`s, one per figure stated as a fact, each saying which metric, subject, value,
unit, qualifiers, date, window, source and hedge it has, and the rule that produced it.

The rules read like a reader of market commentary would: a figure measures what the nearest
metric word of its clause says ("short interest", "volume", "inflows"), or a price when money
is named with no other word; it is a change when a word of movement stands next to it ("fell
1.2%", "a 1.2% decline"), and the level after "to" is the new value ("fell 1.2% to $62,350");
its subject is the name it is said "for"/"in", else the nearest name of its clause; its date
is the nearest date of its clause that is not a report date ("reported on …"), else the
publication date. A figure in a hypothetical clause ("if RSI dips below 30") is not a claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as calendar_date

from extractor.extract.mentions import NOT_NAMES, NOT_TICKERS, Figure, Sentence
from extractor.rules import Entry, Hit

FIAT = {
    "USD", "EUR", "GBP", "JPY", "CNY", "CHF", "CAD", "AUD", "NZD", "HKD", "SGD", "INR", "KRW", "MXN", "BRL",
    "TRY", "RUB", "ZAR", "SEK", "NOK", "DKK", "PLN", "TWD", "THB", "IDR", "MYR", "PHP", "AED", "SAR", "ILS",
}
# which kinds of figure each metric family can take
FAMILY_UNITS = {
    "short_interest": {"ratio", "shares", "money"},
    "volume": {"ratio", "money", "coins", "shares"},
    "market_cap": {"ratio", "money"},
    "fund_flow": {"money", "coins", "shares"},
    "exchange_netflow": {"coins", "money"},
    "open_interest": {"money", "coins"},
    "funding_rate": {"ratio"},
    "dominance": {"ratio"},
    "rsi": {"number"},
    "correlation": {"number"},
    "yield": {"ratio"},
    "price": {"money", "points", "ratio", "number"},
}
PERIOD_METRICS = {
    "price_change", "volume", "volume_change", "market_cap_change", "short_interest_change", "correlation", "fund_flow",
    "exchange_netflow",
}
SCALED = re.compile(r"(?i)\d\s*(m|mn|mln|b|bn|bln|t|tn|million|billion|trillion)\b")
PRICED_TYPES = {"crypto", "stock", "etf", "commodity", "currency", "pair", "other"}
GAP_BEFORE_CHANGE = {
    "by", "a", "an", "of", "some", "about", "nearly", "around", "approximately", "roughly", "more", "than", "over", "almost",
    "just", "another", "as", "much", "the", "sharply", "modestly", "slightly", "further", "up", "down",
}
FUND_TYPES = {"etf"}
LEVEL_FILLERS = {"a", "an", "the", "record", "fresh", "new", "all-time", "high", "low", "its", "at", "end", "close", "finish", "settle"}
GAP_AFTER_CHANGE = {"in", "price", "daily", "weekly", "intraday", "overnight", "session", "week", "day", "24-hour"}
ANAPHORA = {"this", "that", "these", "those", "it", "which"}
REFERS_BACK = {"mirrored", "mirroring", "mirrors", "likewise", "similarly"}
# "that bet is worth $1.3 billion": a demonstrative and a noun that stands for the figure before
ANAPHORIC_NOUNS = {"bet", "bets", "figure", "figures", "position", "positions", "reading", "number", "tally", "total", "amount", "level", "ratio", "gauge"}
CARRIED_QUALIFIERS = {"aggregate", "basis", "timeframe"}
COMPARISON = {"exceeds", "exceed", "exceeding", "contrasts", "contrast", "compared", "versus", "vs", "vs."}
SAME_WINDOW = {"same period", "same timeframe", "same time frame", "same window", "same day", "same time", "same session"}
LEVELS_EXEMPT_FROM_MODALITY = {"support", "resistance", "breakout", "target"}


@dataclass
class ClaimDraft:
    """A claim before it is tied to an article (no ids yet)."""

    metric: str
    subject: Entry
    value: float
    unit: str
    value_max: float | None = None
    qualifiers: dict[str, str] = field(default_factory=dict)
    as_of: str | None = None
    as_of_explicit: bool = False
    as_of_strength: int = 0  # 3: in the figure's clause, 2: in its sentence, 1: carried from before, 0: publication date
    figure_text: str = ""
    period: str | None = None
    attributed_to: str | None = None
    hedge: str | None = None
    evidence_start: int = 0
    evidence_end: int = 0
    sentence_start: int = 0
    sentence_end: int = 0
    mentions: int = 1
    confidence: float = 0.5
    rule: str = ""


@dataclass
class Context:
    """What the previous sentences said, for a sentence that refers back ("this exceeds the 2.5% …")."""

    family: str | None = None
    qualifiers: dict[str, str] = field(default_factory=dict)
    subject: Entry | None = None
    as_of: str | None = None
    period: str | None = None
    topic: Entry | None = None  # the subject the article is mostly about
    published: str | None = None
    aggregate: Entry | None = None  # the last group of funds named ("US spot Bitcoin ETFs")
    recent: list[Entry] = field(default_factory=list)  # the last subjects named, oldest first
    by_type: dict[str, Entry] = field(default_factory=dict)  # the last subject named of each type

    def new_paragraph(self, heading: bool) -> None:
        """Dates carry within a paragraph only; a heading also ends what the text was talking about."""
        self.as_of = None
        if heading:
            self.subject = None
            self.family = None


def unit_kind(unit: str) -> str:
    if unit in {"percent", "pp", "bp"}:
        return "ratio"
    if unit in FIAT:
        return "money"
    if unit in {"shares", "points", "number"}:
        return unit
    return "coins"


def link_sentence(sentence: Sentence, published: str | None, context: Context) -> list[ClaimDraft]:
    """All claims one sentence states as fact, in the order of their figures."""
    if not sentence.figures:
        # "Monday's slide had little to do with crypto itself.": a date the next sentences speak of
        days = [d for _, d, report in sentence.dates if d.grain in {"date", "datetime"} and not report and _recent(d.value, published)]
        if days:
            context.as_of = days[-1].value
        _remember_subjects(sentence, context)
        return []
    drafts: list[ClaimDraft] = []
    ordered = _respectively(sentence)
    previous: tuple[Figure, ClaimDraft | None, int] | None = None  # (figure, its draft, its change sign)
    for fig in sentence.figures:
        draft, sign = _link_figure(sentence, fig, published, context, ordered, previous)
        previous = (fig, draft, sign)
        if draft is not None:
            drafts.append(draft)
    _remember_subjects(sentence, context)
    if drafts:
        last = drafts[-1]
        context.family = _family_of(last.metric)
        context.qualifiers = {k: v for k, v in last.qualifiers.items() if k in CARRIED_QUALIFIERS}
        context.period = last.period or context.period
    return drafts


def _remember_subjects(sentence: Sentence, context: Context) -> None:
    for hit in sentence.of("subject"):
        context.subject = hit.entry
        context.by_type[hit.entry.type or "other"] = hit.entry
        if not context.recent or context.recent[-1].name != hit.entry.name:
            context.recent = [*context.recent[-3:], hit.entry]
        if hit.entry.name.endswith(("ETFs", "funds", "Funds")):
            context.aggregate = hit.entry


def _first_fitting(sentence, fig, seg, metric, ordered, context, kind):
    for candidate, other in _subjects(sentence, fig, seg, metric, ordered, context):
        if _subject_fits(metric, candidate, kind, fig):
            return candidate, other
    return None, None


def _family_of(metric: str) -> str:
    return {"price_change": "price", "price_level": "price"}.get(metric, metric.removesuffix("_change"))


def _link_figure(sentence, fig, published, context, ordered, previous):  # noqa: C901 - one rule per step, read top to bottom
    kind = unit_kind(fig.unit)
    seg = sentence.segment(fig.start)
    toks = sentence.span.doc

    # 1. change or level: "fell 1.2%", "a 1.2% decline", "… to $62,350", "rose 224.02 points, or 0.59%"
    sign = _change_sign(sentence, fig)
    word_before = toks[fig.start - 1].lower_ if fig.start > 0 else ""
    chain_level = False
    if word_before == "from":
        sign = 0  # "up from 14.1%", "to 41 from 22": an earlier level, not a move
    elif previous and previous[2] and sentence.segment(previous[0].start) == seg:
        gap = [t.lower_ for t in toks[previous[0].end : fig.start]]
        if gap and set(gap[-3:]) & {"to", "at"} and set(gap[gap.index("to") + 1 if "to" in gap else len(gap):]) <= LEVEL_FILLERS:
            sign, chain_level = 0, True  # the level a change arrived at: "to $62,350", "to a record 43,729.93"
        elif not sign and set(gap) <= {",", "or", "and", "("}:
            sign = previous[2]  # "224.02 points, or 0.59%": the same move in other units
    moved = sign != 0 or toks[fig.start].text.startswith("+") or fig.unit in {"pp", "bp"}
    # a minus sign is a move for a price ("-1.13%") but a level for a funding rate or a correlation
    is_change = moved or fig.quantity.value < 0
    if fig.quantity.value < 0:
        sign = -1
    if _counts_shares_outstanding(sentence, fig) or _excluded(sentence, fig, seg):
        return None, sign  # share counts, liquidations, earnings, macro data: not claims of this version

    # 2. what it measures: the nearest compatible metric word, a named level, or a price by default
    level = _level(sentence, fig, seg)
    cue = _nearest_cue(sentence, fig, seg, kind, moved, is_change)
    family = cue.label if cue else None
    rule = cue.rule_id if cue else ""
    if level and kind in {"money", "points", "number"} and family in (None, "price"):
        family, rule = "price_level", level.rule_id
    if family is None and context.family and kind in FAMILY_UNITS.get(context.family, set()) and _refers_back(sentence):
        family, rule = context.family, "context.refers_back"
    if family in (None, "price", "price_level") and kind == "money" and SCALED.search(fig.quantity.text):
        return None, sign  # "$412 million" is a flow, a cap or a liquidation, never a price
    if family is None and kind == "ratio" and _basis_follows(sentence, fig):
        family, rule = "short_interest", "short_interest.basis_named"  # "5.4% of market cap", "5.9% of its float"
    metric = _metric(family or "price", fig.unit, moved) or _metric(family or "price", fig.unit, is_change)
    if metric is None:
        return None, sign
    if not metric.endswith("_change") and metric not in {"price_change"}:
        is_change = False  # a negative funding rate or correlation is a level, not a move
    if kind == "number" and metric in {"price", "price_level", "price_change"} and not (
        (cue is not None and cue.label == "price") or chain_level or is_change or (metric == "price_level" and fig.quantity.text[:1].isdigit())
    ):
        return None, sign  # a bare number is an index level only when the text says so ("closed at 5,976.97")

    # 3. hypothetical or forecast clauses state no fact (named support/resistance levels do)
    named_level = level is not None and level.label in LEVELS_EXEMPT_FROM_MODALITY and (
        0 <= fig.start - level.end <= 3 or 0 <= level.start - fig.end <= 3
    )
    if _hypothetical(sentence, fig) and not named_level:
        return None, sign

    # 4. the subject
    subject, counterpart = _first_fitting(sentence, fig, seg, metric, ordered, context, kind)
    if subject is None and metric == "fund_flow" and cue is not None and cue.rule_id.startswith("fund_flow.verb"):
        # "the Dow added 292.81 points": a verb of flows only speaks of flows for a fund
        metric, cue, rule = _metric("price", fig.unit, is_change), None, "default.price"
        subject, counterpart = _first_fitting(sentence, fig, seg, metric, ordered, context, kind) if metric else (None, None)
    if subject is None:
        return None, sign
    unit = fig.unit
    if kind == "number" and metric in {"price", "price_change", "price_level"}:
        # an index moves in points; a coin pair (ETH/BTC) is priced in its quote coin
        unit = subject.name.split("/")[1] if subject.type == "pair" else "points"
    if metric in {"rsi", "correlation"}:
        unit = "number"
    signed = is_change or metric in {"fund_flow", "exchange_netflow"}
    value = abs(fig.quantity.value) if signed else fig.quantity.value
    value_max = (abs(fig.quantity.value_max) if signed else fig.quantity.value_max) if fig.quantity.value_max is not None else None
    qualifiers = _qualifiers(sentence, fig, seg, metric, cue, level, subject, counterpart, context, rule, previous)
    direction = qualifiers.get("direction") or ("outflow" if sign < 0 else None)
    if metric in {"fund_flow", "exchange_netflow"}:
        if direction == "outflow" or sign < 0 or fig.quantity.value < 0:
            sign = -1
        else:
            sign = 1
        if metric == "fund_flow":
            qualifiers["direction"] = "outflow" if sign < 0 else "inflow"
    if sign < 0 and signed:
        value = -value
        value_max = -value_max if value_max is not None else None
    if metric == "rsi" and not 0 <= value <= 100 or metric == "correlation" and not -1 <= value <= 1:
        return None, sign

    as_of, strength = _as_of(sentence, fig, seg, published, context)
    explicit = strength > 0
    period = _period(sentence, fig, seg, metric, qualifiers, context)
    start, end = _evidence(sentence, fig, seg, cue, subject)
    confidence = 0.5 + (0.2 if cue or level else 0) + (0.15 if explicit else 0) + (0.1 if subject.symbol else 0)
    draft = ClaimDraft(
        metric=metric,
        subject=subject,
        value=value,
        unit=unit,
        value_max=value_max,
        qualifiers=qualifiers,
        as_of=as_of,
        as_of_explicit=explicit,
        as_of_strength=strength,
        figure_text=fig.quantity.text,
        period=period,
        attributed_to=_source(sentence, fig),
        hedge=_hedge(sentence, fig),
        evidence_start=start,
        evidence_end=end,
        sentence_start=sentence.span.start_char,
        sentence_end=sentence.span.start_char + len(sentence.span.text.rstrip()),
        confidence=min(confidence, 0.99),
        rule=rule or "default.price",
    )
    return draft, sign


def _metric(family: str, unit: str, is_change: bool) -> str | None:
    """The metric a figure in this unit states, given what it measures and whether it moved."""
    kind = unit_kind(unit)
    if family == "price_level":
        return "price_level" if kind in {"money", "points", "number"} and not is_change else None
    if kind not in FAMILY_UNITS.get(family, set()):
        return None
    if family == "price":
        if kind == "ratio":
            return "price_change" if is_change and unit == "percent" else None
        return "price_change" if is_change else "price"
    if family in {"short_interest", "volume", "market_cap"}:
        if kind == "ratio":
            return f"{family}_change" if is_change or family == "volume" else (family if family == "short_interest" else None)
        return family
    if family in {"funding_rate", "dominance", "yield", "rsi", "correlation"} and is_change:
        return None
    return family


def _change_sign(sentence: Sentence, fig: Figure) -> int:
    """+1 / -1 when a word of movement stands next to the figure, else 0."""
    doc = sentence.span.doc
    for hit in sentence.of("changes"):
        if hit.end <= fig.start:
            gap = [t.lower_ for t in doc[hit.end : fig.start]]
            if len(gap) <= 4 and all(g in GAP_BEFORE_CHANGE for g in gap) and "to" not in gap[-1:]:
                return 1 if hit.label == "up" else -1
        elif hit.start >= fig.end:
            gap = [t.lower_ for t in doc[fig.end : hit.start]]
            if len(gap) <= 2 and all(g in GAP_AFTER_CHANGE or g.isalpha() and g not in {"to", "at", "and", "or"} for g in gap):
                if not gap or all(g in GAP_AFTER_CHANGE for g in gap) or len(gap) == 1:
                    return 1 if hit.label == "up" else -1
    return 0


def _owned_by_other_figure(sentence: Sentence, fig: Figure, start: int, end: int) -> bool:
    """A word between two figures belongs to the nearer one: in "$85,000 as resistance, with $80,000
    the first support", "resistance" is the first figure's and "support" the second's."""
    for other in sentence.figures:
        if other is fig:
            continue
        if fig.end <= other.start and other.start <= start:  # the word lies after another figure that follows ours
            return True
        if other.end <= start and end <= fig.start and start - other.end < fig.start - end:
            return True
        if fig.end <= start and end <= other.start and other.start - end < start - fig.end:
            return True  # "to close at $28.22, after trading as high as $67.50": "high" is $67.50's
        if end <= other.start and other.end <= fig.start and _new_predicate_between(sentence, other, fig):
            return True  # "hit a record $294.33 early Sunday and was trading at $262.40": "record" is $294.33's
    return False


def _new_predicate_between(sentence: Sentence, a: Figure, b: Figure) -> bool:
    """Does a new verb stand between two figures ("… and was trading at …"), or are they listed
    together ("$61,500 for Bitcoin and $2,900 for Ethereum")?"""
    doc = sentence.span.doc
    if any(t.lower_ in {"was", "is", "were", "are", "has", "had", "hit", "touched", "traded"} for t in doc[a.end : b.start]):
        return True
    return any(a.end <= h.start and h.end <= b.start for kind in ("metrics", "changes") for h in sentence.of(kind))


def _right_after_other_figure(sentence: Sentence, fig: Figure, token: int) -> bool:
    """"at $4,598.40, after hitting a record $4,642.72 on Wednesday": Wednesday is the record's date."""
    doc = sentence.span.doc
    for o in sentence.figures:
        if o is fig or not (fig.end <= o.start and o.end <= token <= o.end + 2):
            continue
        between = {t.lower_ for t in doc[fig.end : o.start]}
        # "fell 1.2% to $62,350 on Thursday": a chain shares its date; "…, after hitting a record $4,642.72
        # on Wednesday": a new clause does not
        if between - {"to", "at", ",", "or", "a", "an", "(", ")", "of", "and"}:
            return True
    return False


def _after_earlier_level(sentence: Sentence, fig: Figure, token: int) -> bool:
    """Is there a "from X" figure between `fig` and `token`? Then the date there is X's."""
    doc = sentence.span.doc
    return any(fig.end <= o.start < token and o.start > 0 and doc[o.start - 1].lower_ == "from" for o in sentence.figures)


def _level(sentence: Sentence, fig: Figure, seg: int) -> Hit | None:
    """A named level next to a price: "support at $61,500", "$3,000 resistance", "a two-week high"."""
    best, best_distance = None, 99
    doc = sentence.span.doc
    for hit in sentence.of("levels"):
        if _owned_by_other_figure(sentence, fig, hit.start, hit.end):
            continue
        if sentence.segment(hit.start) != seg and hit.end != fig.start:
            # "support levels—$61,500 for Bitcoin": a dash joins a level word to its figures
            if not (hit.end <= fig.start and fig.start - hit.end <= 3):
                continue
        if hit.end <= fig.start:
            distance = fig.start - hit.end
            if distance > 8:
                continue
        else:
            distance = hit.start - fig.end
            between = doc[fig.end : hit.start]
            # "slid to $76,624 in thin Asian trading, a four-month low": an appositive names the level
            appositive = any(t.text == "," and doc[t.i + 1].lower_ in {"a", "an", "its", "the", "their", "his", "her"} for t in between)
            if distance > (12 if appositive else 5):
                continue
            if any(t.like_num and t.text[:1].isdigit() and t.i not in range(hit.start, hit.end) for t in between):
                continue
        if distance < best_distance:
            best, best_distance = hit, distance
    return best


def _nearest_cue(sentence: Sentence, fig: Figure, seg: int, kind: str, moved: bool, is_change: bool) -> Hit | None:
    """The metric word nearest the figure that can take its kind of value (same clause first).
    A negative figure is first read as a level ("funding stood at -0.012%"), then as a move."""
    return _cue_for(sentence, fig, seg, kind, moved) or (_cue_for(sentence, fig, seg, kind, True) if is_change else None)


def _cue_for(sentence: Sentence, fig: Figure, seg: int, kind: str, moved: bool) -> Hit | None:
    best, best_score = None, 10_000
    labels = {h.label for h in sentence.of("metrics")}
    for hit in sentence.of("metrics"):
        if _metric(hit.label, fig.unit, moved) is None:
            continue
        if _cue_owned_elsewhere(sentence, hit, fig):
            continue
        if hit.label == "price" and kind == "number" and labels & {"rsi", "correlation"}:
            continue  # "RSI … stood at 48": an indicator, not an index level
        if hit.label == "price" and (
            kind == "money" and SCALED.search(fig.quantity.text)
            or any(o is not fig and hit.end <= o.start and o.end <= fig.start for o in sentence.figures)
        ):
            continue  # "stood at $2.47 trillion, up 5.4%": the price word is the other figure's
        if hit.end <= fig.start:
            distance = fig.start - hit.end
        elif hit.start > fig.start and hit.end > fig.end:
            # a word after the figure reads second: "a 7.2% increase in volume", "272 million shares changed hands"
            distance = max(0, hit.start - fig.end) + 2
            if distance > 8:
                continue
        else:
            continue
        if sentence.segment(hit.start) != seg:
            distance += 25
        score = distance * 10 - (hit.end - hit.start)  # nearer first, then longer
        if score < best_score:
            best, best_score = hit, score
    if best is not None and best.label == "fund_flow":
        # "a net outflow of 5,200 BTC from exchanges", "Exchanges have recorded net inflows of 182,000 ETH":
        # flows to or from exchanges are netflows
        netflow = [h for h in sentence.of("metrics") if h.label == "exchange_netflow" and sentence.segment(h.start) == seg]
        if netflow and kind in FAMILY_UNITS["exchange_netflow"]:
            return netflow[0]
        if kind in {"coins", "money"} and any(t.lower_ == "exchanges" for t in sentence.span) and not any(
            h.entry.type == "etf" for h in sentence.of("subject")
        ):
            return Hit("metrics", "exchange_netflow", best.start, best.end, best.start_char, best.end_char, best.rule_id + ".exchanges")
    return best


def _cue_owned_elsewhere(sentence: Sentence, cue: Hit, fig: Figure) -> bool:
    """"Open interest … dropped to $19.7 billion as the token slid to $1,748": a metric word before
    another figure that has its own verb belongs to that figure, not to the one after the verb."""
    doc = sentence.span.doc
    for other in sentence.figures:
        if other is fig or not (cue.end <= other.start and other.end <= fig.start):
            continue
        between = doc[other.end : fig.start]
        new_clause = any(t.lower_ in {"as", "while", "when", "and", "but", "with"} for t in between)
        new_subject = any(other.end <= h.start and h.end <= fig.start for h in sentence.of("subject")) or any(
            a.lower_ == "the" and b.lower_ in GENERIC_SINGULARS for a, b in zip(between, between[1:])
        )
        if new_clause and new_subject and any(other.end <= c.start and c.end <= fig.start for c in sentence.of("changes")):
            return True
    return False


def _basis_follows(sentence: Sentence, fig: Figure) -> bool:
    return any(h.key == "basis" and 0 <= h.start - fig.end <= 1 for h in sentence.of("qualifiers"))


def _refers_back(sentence: Sentence) -> bool:
    tokens = [t.lower_ for t in sentence.span]
    demonstrative = any(a in {"that", "this", "these", "those"} and b in ANAPHORIC_NOUNS for a, b in zip(tokens, tokens[1:])) or any(
        a == "of" and b in {"that", "it"} for a, b in zip(tokens, tokens[1:])
    )
    # "This exceeds the 2.5% …", "That is $1.3 billion": a pronoun followed by a verb, not "This discrepancy …"
    alpha = [t for t in tokens if t.isalpha()]
    opener = len(alpha) > 1 and alpha[0] in ANAPHORA and (alpha[1] in ANAPHORIC_NOUNS or alpha[1] in {"is", "was", "means"} or (alpha[1].endswith("s") and not alpha[1].endswith("ss")))
    return opener or demonstrative or bool(set(tokens) & (COMPARISON | REFERS_BACK))


def _excluded(sentence: Sentence, fig: Figure, seg: int) -> bool:
    """A figure next to a word of a topic outside the vocabulary ("liquidated", "earnings", "CPI"),
    or in a sentence about one ("Revenue at Microsoft's cloud unit … grew 20%")."""
    for h in sentence.of("exclusions"):
        if h.start - sentence.span.start <= 2 and h.end <= fig.start:
            return True
        if sentence.segment(h.start) != seg and h.end != fig.start:
            continue
        if h.end <= fig.start and fig.start - h.end <= 8:
            return True
        if h.start >= fig.end and h.start - fig.end <= 4 and not _owned_by_other_figure(sentence, fig, h.start, h.end):
            return True
    return False


def _counts_shares_outstanding(sentence: Sentence, fig: Figure) -> bool:
    doc = sentence.span.doc
    following = doc[fig.end : fig.end + 3].text.lower()
    return fig.unit in {"shares", "number"} and following.startswith(("shares outstanding", "outstanding shares"))


CONDITIONAL_OPENERS = {"if", "should", "unless", "assuming", "provided"}


def _hypothetical(sentence: Sentence, fig: Figure) -> bool:
    doc = sentence.span.doc
    first = next((t.lower_ for t in sentence.span if t.is_alpha), "")
    if first in CONDITIONAL_OPENERS:
        return True  # "If sellers' pressure continues, there is a possibility of … a drop to $0.3575"
    clause_start = sentence.span.start
    for t in doc[sentence.span.start : fig.start]:
        if t.text in {",", ";", "—", "(", ")"} or t.lower_ in {"while", "but", "whereas"}:
            clause_start = t.i + 1
    return any(clause_start <= h.start < fig.start for h in sentence.of("modality"))


def _subjects(sentence, fig, seg, metric, ordered, context):
    """Who the figure is about, best guess first: the name it is said "for"/"in"; the names listed
    in the same order as the figures; the nearest name before it in its clause, then in its
    sentence; the name of the sentence before; the article's main subject. Yields (subject, counterpart)."""
    doc = sentence.span.doc
    credited = _credited_spans(sentence)
    subjects = [
        h for h in sentence.of("subject")
        if not _is_venue_use(sentence, h) and not _is_group_modifier(doc, h) and (h.start, h.end) not in credited
    ]
    counterpart = None
    if metric == "correlation":
        between = next((t.i for t in sentence.span if t.lower_ == "between" and t.i < fig.end + 6), None)
        pair = [h for h in subjects if between is not None and h.start > between][:2]
        if len(pair) == 2:
            yield pair[0].entry, pair[1].entry
            return
        for h in subjects:
            before = [t.lower_ for t in doc[max(0, h.start - 2) : h.start] if t.lower_ != "the"]
            if before and before[-1] in {"with", "and", "against", "to", "versus", "vs"}:
                counterpart = h
        if counterpart is None and "the two" in sentence.span.text.lower() and len(context.recent) >= 2:
            yield context.recent[-2], context.recent[-1]  # "the correlation between the two"
            return
        subjects = [h for h in subjects if h is not counterpart]
    other = counterpart.entry if counterpart else None
    if fig.start in ordered:
        yield ordered[fig.start], other
    # "the 2.5% for Nasdaq-100 stocks", "$61,500 for Bitcoin", "4.6% in the Russell 2000"
    cue_tokens = {i for c in sentence.of("metrics") for i in range(c.start, c.end)}
    if _unknown_name_follows(doc, sentence, fig):
        return  # "6.8% for Runes": about a name no gazetteer lists; better no claim than a wrong subject
    for h in subjects:
        gap = [t.lower_ for t in doc[fig.end : h.start] if t.i not in cue_tokens]
        on_market = gap[:1] == ["on"] and h.entry.type == "market"  # "20.1 billion shares changed hands on U.S. exchanges"
        if 0 < len(gap) <= 4 and (gap[0] in {"for", "in", "among", "seen", "of", "into", "from"} or on_market) and all(
            g in {"for", "in", "among", "seen", "the", "of", "into", "from", "recorded", "across", "its", "median", "average", "on",
                  "typical", "members", "constituents", "components", "companies", "stocks"} for g in gap
        ):
            if gap[0] == "of" and metric not in {"price", "price_level", "price_change", "short_interest", "fund_flow"}:
                continue
            yield h.entry, other
    same_before = sorted((h for h in subjects if h.end <= fig.start and sentence.segment(h.start) == seg), key=lambda h: -h.end)
    any_before = sorted((h for h in subjects if h.end <= fig.start), key=lambda h: -h.end)
    generic = _generic_plural(doc, sentence, fig, any_before)
    if generic and context.aggregate is not None:
        yield context.aggregate, other  # "cumulative net inflows into the products"
    generic_type = _generic_singular(doc, sentence, fig, any_before)
    if not any_before and generic_type:
        # "The average stock in the sector had 5.9% of its float sold short", "the world's second-largest
        # cryptocurrency … was trading at $2,715": the last subject of that kind
        wanted = context.by_type.get(GENERIC_TYPES.get(generic_type, ""))
        if wanted is not None:
            yield wanted, other
        if context.subject is not None:
            yield context.subject, other
    if _possessive_pronoun_before(doc, sentence, fig) and any_before:
        yield min(any_before, key=lambda h: h.start).entry, other  # "XRP's … with Bitcoin …, and its daily RSI"
    if not any_before and _unnamed_group(doc, sentence, fig):
        return  # "Many smaller tokens fell 40% to 70%": about no one subject
    for h in same_before + any_before:
        yield h.entry, other
    for h in subjects:
        if h.start < fig.end and fig.start < h.end:
            yield h.entry, other  # "the dollar bought 158.72 yen": the currency is written in the figure
    first_word = next((t.lower_ for t in sentence.span if t.is_alpha), "")
    if _unknown_name_before(sentence, fig):
        return  # "The Shanghai Composite .SSEC closed 1.5% lower": a name we do not know, not the last one we did
    if not sentence.of("subject") or (not any_before and first_word in {"its", "it", "their", "they", "this", "that"}):
        if context.subject is not None:
            yield context.subject, other  # "The second-largest token was quoted at $1,921"
        if context.topic is not None:
            yield context.topic, other  # a technical note about one coin names it once, in the title


MODIFIED_NOUNS = {"mining", "miner", "miners", "firm", "treasury", "holdings", "holder", "holders", "investors", "whales", "community", "network", "ecosystem", "developers", "wallet", "wallets", "addresses"}
GENERIC_PLURALS = {"products", "funds", "etfs", "trusts", "vehicles", "issuers"}


GENERIC_TYPES = {
    "token": "crypto", "coin": "crypto", "cryptocurrency": "crypto", "asset": "crypto", "sector": "sector",
    "index": "index", "benchmark": "index", "stock": "stock", "company": "stock", "maker": "stock", "firm": "stock",
    "retailer": "stock", "lender": "stock", "bank": "stock", "miner": "stock", "producer": "stock", "giant": "stock",
    "chipmaker": "stock", "automaker": "stock", "carrier": "stock", "metal": "commodity", "currency": "currency",
}
GENERIC_SINGULARS = {
    "sector", "stock", "index", "company", "token", "coin", "metal", "currency", "benchmark", "cryptocurrency", "asset",
    "maker", "firm", "retailer", "lender", "bank", "miner", "producer", "giant", "group", "chipmaker", "automaker", "carrier",
}


def _unknown_name_before(sentence: Sentence, fig: Figure) -> bool:
    """A capitalized word before the figure that is not a known name, a source, a venue, a rule word,
    a date or a sentence opener."""
    doc = sentence.span.doc
    covered = {i for kind in ("subject", "source", "venue", "metrics", "levels", "changes", "attribution", "hedges", "qualifiers")
               for h in sentence.of(kind) for i in range(h.start, h.end)}
    dated = {i for tok, d, _ in sentence.dates for i in range(tok, tok + len(d.text.split()))}
    speakers = {t.i + d for t in sentence.span if t.lower_ in SPEECH_VERBS for d in (-2, -1, 1, 2)}
    for t in doc[sentence.span.start : fig.start]:
        if t.i == sentence.span.start or t.i in covered or t.i in dated or t.i in speakers or not t.is_alpha:
            continue
        if t.text[:1].isupper() and t.text not in NOT_NAMES and len(t.text) > 1 and (not t.is_upper or t.text.upper() not in NOT_TICKERS):
            return True
    return False


def _unknown_name_follows(doc, sentence: Sentence, fig: Figure) -> bool:
    after = doc[fig.end : min(fig.end + 2, sentence.span.end)]
    if len(after) < 2 or after[0].lower_ not in {"for", "in"}:
        return False
    name = after[1]
    known = any(h.start <= name.i < h.end for kind in ("subject", "source", "venue") for h in sentence.of(kind))
    return name.text[:1].isupper() and any(c.isalpha() for c in name.text) and not known and name.text not in NOT_NAMES


def _possessive_pronoun_before(doc, sentence: Sentence, fig: Figure) -> bool:
    clause = [t.lower_ for t in doc[sentence.span.start : fig.start]]
    cut = max((i for i, t in enumerate(clause) if t in {",", ";", "and"}), default=-1)
    return any(t in {"its", "their"} for t in clause[cut + 1 :])


def _unnamed_group(doc, sentence: Sentence, fig: Figure) -> bool:
    tokens = [t.lower_ for t in doc[sentence.span.start : fig.start]]
    return any(t in {"tokens", "coins", "altcoins", "memecoins", "names", "stocks", "companies"} for t in tokens)


def _generic_singular(doc, sentence: Sentence, fig: Figure, named_before: list[Hit]) -> str:
    """"the sector", "the small-cap benchmark": the subject named just before, not a new one."""
    start = named_before[0].end if named_before else sentence.span.start
    tokens = [t.lower_ for t in doc[start : fig.start]]
    # "the sector", "the small-cap benchmark", "The electric-vehicle maker": the last such noun, or ""
    found = ""
    for i, token in enumerate(tokens):
        if token == "the":
            for following in tokens[i + 1 : i + 8]:
                if following in GENERIC_SINGULARS:
                    found = following
                    break
                if following in {",", ".", ";", "the", "of"}:
                    break
    return found


def _generic_plural(doc, sentence: Sentence, fig: Figure, named_before: list[Hit]) -> bool:
    """"the products", "the twelve funds": a group named before, not a new subject."""
    start = named_before[0].end if named_before else sentence.span.start
    tokens = [t.lower_ for t in doc[start : fig.start]]
    return any(a in {"the", "these", "those", "all", "twelve", "eleven", "nine", "ten"} and b in GENERIC_PLURALS for a, b in zip(tokens, tokens[1:])) or any(
        t in GENERIC_PLURALS and i > 0 and tokens[i - 1].isalpha() and tokens[i - 1] not in {"bitcoin", "ether", "ethereum"} and doc[sentence.span.start + i - 1].like_num
        for i, t in enumerate(tokens)
        if sentence.span.start + i - 1 >= start
    )


def _is_group_modifier(doc, hit: Hit) -> bool:
    """"the 11 major S&P 500 sectors": the index names a group here, not what is measured."""
    following = [t for t in doc[hit.end : hit.end + 4]]
    if following and following[0].lower_ in MODIFIED_NOUNS:
        return True  # "the world's largest Bitcoin mining firm": Bitcoin describes the firm
    for t in following:
        if t.lower_ in {"sectors", "industries", "groups", "components", "constituents"}:
            return True
        if not (t.lower_ in {"'s", "’s", "major", "main"} or t.like_num):
            return False
    return False


def _is_venue_use(sentence: Sentence, hit: Hit) -> bool:
    """"on Coinbase" names the venue, not the company."""
    doc = sentence.span.doc
    before = doc[hit.start - 1].lower_ if hit.start else ""
    return before in {"on", "across", "at"} and any(v.start == hit.start for v in sentence.of("venue"))


def _respectively(sentence: Sentence) -> dict[int, Entry]:
    """"short interest in the IT and Commercial Services sectors stands at 2.4% and 2.0%": names and
    figures listed in the same order are paired one to one."""
    doc = sentence.span.doc
    pairs: dict[int, Entry] = {}
    figs = sentence.figures
    i = 0
    while i < len(figs):
        j = i
        while j + 1 < len(figs) and {t.lower_ for t in doc[figs[j].end : figs[j + 1].start]} <= {"and", ",", "respectively"}:
            j += 1
        run = figs[i : j + 1]
        if len(run) >= 2:
            before = [h for h in sentence.of("subject") if h.end <= run[0].start and sentence.segment(h.start) == sentence.segment(run[0].start)]
            names = _listed_together(doc, before)
            if len(names) == len(run):
                for f, h in zip(run, names, strict=True):
                    pairs[f.start] = h.entry
        i = j + 1
    return pairs


def _listed_together(doc, hits: list[Hit]) -> list[Hit]:
    """The last run of names joined only by "and", commas and "the"."""
    run: list[Hit] = []
    for h in hits:
        if run and {t.lower_ for t in doc[run[-1].end : h.start]} <= {"and", ",", "the"}:
            run.append(h)
        else:
            run = [h]
    return run


def _subject_fits(metric: str, subject: Entry, kind: str, fig: Figure) -> bool:
    stype = subject.type or "other"
    if metric in {"price", "price_level"}:
        if kind in {"points", "number"}:
            return stype == "index" and fig.quantity.value > 0
        # a group of funds ("US spot Ether ETFs", "Bitcoin investment products") has flows, not a price
        return stype in PRICED_TYPES and not subject.tenor and not subject.name.endswith(("ETFs", "products", "funds"))
    if metric == "price_change":
        return kind != "number" or stype == "index"
    if metric == "yield":
        return bool(subject.tenor)
    if metric == "fund_flow":
        return stype in FUND_TYPES or any(w in subject.name for w in ("ETF", "Fund", "Trust", "fund"))
    if metric.startswith("short_interest"):
        # short interest is a stock-market measure: stocks, indices, sectors, ETFs, exchanges
        return stype in {"stock", "index", "sector", "etf", "market", "other"} and "crypto" not in subject.name.lower()
    if metric == "dominance":
        return stype in {"crypto", "stock", "etf", "pair"}
    if metric in {"rsi", "correlation", "funding_rate", "open_interest", "exchange_netflow"}:
        return stype in {"crypto", "stock", "index", "etf", "pair", "commodity", "currency", "market"}
    return True


def _qualifiers(sentence, fig, seg, metric, cue, level, subject, counterpart, context, rule, previous) -> dict[str, str]:
    out: dict[str, str] = {}
    quals = _longest(sentence.of("qualifiers"))

    def near(key: str, before: int, after: int, from_token: int | None = None) -> Hit | None:
        best, best_d = None, 99
        for h in quals:
            if h.key != key or sentence.segment(h.start) != seg and h.end != fig.start:
                continue
            lo = from_token if from_token is not None else fig.start - before
            if h.end <= fig.start and h.start >= lo:
                d = fig.start - h.end
            elif h.start >= fig.end and h.start - fig.end <= after:
                d = h.start - fig.end
            else:
                continue
            if d < best_d:
                best, best_d = h, d
        return best

    if metric.startswith("short_interest"):
        basis = near("basis", 15, 8)
        if basis:
            out["basis"] = basis.label
    if metric.startswith("short_interest") or metric == "volume":
        aggregate = near("aggregate", 12, 2)
        if aggregate:
            out["aggregate"] = aggregate.label
    if metric.startswith("short_interest") and subject.type == "market" and "aggregate" not in out:
        out["aggregate"] = "total"  # exchange-wide short interest is a total
    if rule == "context.refers_back" or (_refers_back(sentence) and context.family == _family_of(metric)):
        for key, value in context.qualifiers.items():
            out.setdefault(key, value)
    if metric == "price":
        # "closed down 769.83 points, or 1.79%, at 42,197.79": the session word opens the chain
        session = near("session", 16, 0) or near("session", 0, 4)
        if session and not _owned_by_other_figure(sentence, fig, session.start, session.end):
            out["session"] = session.label
    if metric == "price_level" and level is not None:
        out["level"] = level.label
    if metric == "rsi":
        timeframe = min(
            (h for h in quals if h.key == "timeframe"), key=lambda h: abs(h.start - fig.start), default=None
        )
        if timeframe:
            out["timeframe"] = timeframe.label
    if metric in {"volume", "volume_change", "open_interest", "funding_rate", "exchange_netflow"}:
        venues = [
            v for v in sentence.of("venue")
            if sentence.segment(v.start) == seg and v.end <= fig.start and fig.start - v.end <= 10
            and not _owned_by_other_figure(sentence, fig, v.start, v.end)
        ]
        if venues:
            out["venue"] = max(venues, key=lambda v: v.end).label
    if metric == "fund_flow":
        # "Spot bitcoin ETFs lost $287.8 million …, with FBTC accounting for $162.3 million": the
        # direction of the sentence holds for every flow in it unless one names its own
        direction = near("direction", 10, 6) or max(
            (h for h in quals if h.key == "direction" and h.end <= fig.start), key=lambda h: h.end, default=None
        )
        if direction:
            out["direction"] = direction.label
    if metric == "exchange_netflow":
        text = sentence.span.text.lower()
        if any(w in text for w in ("outflow", "withdrawn", "withdrawals", "removed from", "pulled from", "moved off", "taken off", "left exchanges", "leaving exchanges", "turned negative", "off exchanges", "out of exchanges", "from exchanges", "from centralized exchanges")):
            out["direction"] = "outflow"
    if metric == "correlation" and counterpart is not None:
        out["counterpart"] = counterpart.name
    if subject.tenor:
        out["tenor"] = subject.tenor
    since = _since(sentence, seg, context.published)
    if since:
        out["since"] = since
    return out


def _longest(hits: list[Hit]) -> list[Hit]:
    kept: list[Hit] = []
    for h in sorted(hits, key=lambda h: -(h.end - h.start)):
        if not any(k.key == h.key and k.start <= h.start and h.end <= k.end for k in kept):
            kept.append(h)
    return kept


YEAR_TO_DATE = ("year-to-date", "year to date", "ytd", "so far this year", "since the start of the year",
                "since the beginning of the year", "since the start of this year", "since january 1")


def _since(sentence: Sentence, seg: int, published: str | None = None) -> str | None:
    """Where a window that the text opens with "since" starts: "since 2022" -> "2022"; year-to-date
    -> January 1 of the publication year."""
    doc = sentence.span.doc
    for token, mention, _ in sentence.dates:
        if (_after_since(doc, token) or mention.text.lower().startswith("since")) and not _superlative_since(doc, token):
            return mention.value
    text = sentence.span.text.lower()
    if any(phrase in text for phrase in YEAR_TO_DATE):
        return f"{published[:4]}-01-01" if published else None
    return None


SUPERLATIVES = {"biggest", "largest", "highest", "lowest", "best", "worst", "most", "least", "first", "strongest", "weakest", "sharpest", "heaviest", "steepest", "busiest", "thinnest"}


def _after_since(doc, token: int) -> bool:
    """"since 2022", "Since trading started on July 23": the date opens a window, it is not the as-of date."""
    before = [t.lower_ for t in doc[max(0, token - 5) : token]]
    return "since" in before and not any(t in {",", ";", "."} for t in before[before.index("since") :])


def _superlative_since(doc, token: int) -> bool:
    """"its biggest one-day gain since 2021": a record's reach, not a window the figure covers."""
    since = next((t.i for t in doc[max(0, token - 5) : token] if t.lower_ == "since"), None)
    return since is not None and any(t.lower_ in SUPERLATIVES for t in doc[max(0, since - 5) : since])


def _as_of(sentence: Sentence, fig: Figure, seg: int, published: str | None, context: Context) -> tuple[str | None, int]:
    """The figure's date: the nearest date of its clause (a month or a year only when written right
    beside the figure), not a report date, not a date that belongs to another figure; else the date
    the text carried so far ("the same day", or a date set earlier in the story); else publication."""
    doc = sentence.span.doc
    candidates = []
    for tok, d, report in sentence.dates:
        if _after_since(doc, tok) or d.text.lower().startswith("since"):
            continue
        distance = abs(tok - fig.start) + (0 if tok > fig.start else 2)
        if d.grain in {"month", "quarter", "year"} and distance > 6:
            continue  # "a level that held for most of February": background, not the figure's date
        if tok > fig.start and (_after_earlier_level(sentence, fig, tok) or _right_after_other_figure(sentence, fig, tok)):
            continue  # "recovered to 41 from 22 on Monday": Monday is 22's date
        same_clause = sentence.segment(tok) == seg
        penalty = (0 if same_clause else 20) + (100 if report else 0)
        candidates.append((distance + penalty, d, 3 if same_clause else 2))
    if candidates:
        _, best, strength = min(candidates, key=lambda c: c[0])
        if best.grain in {"date", "datetime"} and _recent(best.value, published):
            context.as_of = best.value  # carried to the next sentences of the paragraph
        return best.value, strength
    if context.as_of:
        return context.as_of, 1
    return (published[:10] if published else None), 0


def _recent(value: str, published: str | None, days: int = 31) -> bool:
    """A date within a month before publication: only such a date is the story's current day."""
    if not published:
        return True
    try:
        return 0 <= (calendar_date.fromisoformat(published[:10]) - calendar_date.fromisoformat(value[:10])).days <= days
    except ValueError:
        return False


def _period(sentence, fig, seg, metric, qualifiers, context) -> str | None:
    if metric not in PERIOD_METRICS and qualifiers.get("aggregate") != "long_term_average":
        return None
    pool = [
        (abs(tok - fig.start) + (0 if tok >= fig.start else 3), d)
        for tok, d in sentence.durations
        if sentence.segment(tok) == seg and abs(tok - fig.start) <= 12 and not d.text.lower().endswith(("'s", "’s"))
        and not (tok > 0 and sentence.span.doc[tok + len(d.text.split()) : tok + len(d.text.split()) + 1].text in {"'s", "’s"})
    ]
    if not pool:
        pool = [(abs(tok - fig.start) + 30, d) for tok, d in sentence.durations if abs(tok - fig.start) <= 20]
    if pool:
        return min(pool, key=lambda p: p[0])[1].value
    text = sentence.span.text.lower()
    if context.period and any(phrase in text for phrase in SAME_WINDOW):
        return context.period
    return None


SPEECH_VERBS = {"said", "says", "noted", "flagged", "warned", "wrote", "told", "argued", "explained", "observed"}
NAME_STOP = {"the", "data", "from", "analysts", "at", "a", "an", "report", "by", "figures", "market", "research"}


def _source(sentence: Sentence, fig: Figure) -> str | None:
    """The named source nearest the figure that the sentence credits: a provider after "according
    to" / "per" / "data from" or before "data" / "figures show"; a person who "said" it."""
    doc = sentence.span.doc
    cues = sentence.of("attribution")
    credited: list[tuple[int, str]] = []
    for s in sentence.of("source"):
        before = any(c.label == "before" and c.end <= s.start and s.start - c.end <= 6 for c in cues)
        after = any(c.label == "after" and c.start >= s.end and c.start - s.end <= 1 for c in cues)
        paren = s.start >= 2 and doc[s.start - 2 : s.start].text.replace(" ", "").lower() in {"(source:", "source:"}
        if before or after or paren:
            credited.append((s.start, s.label))
    for c in cues:
        if c.label == "before" and c.rule_id.startswith("attribution.according_to"):
            name = _name_at(doc, c.end, sentence.span.end)
            if name:
                credited.append((c.end, name))
    subject_names = {h.label for h in sentence.of("subject")} | {sentence.text[h.start_char : h.end_char] for h in sentence.of("subject")}
    for t in sentence.span:
        if t.lower_ in SPEECH_VERBS:
            name = _name_at(doc, t.i + 1, sentence.span.end) or _name_before(doc, t.i, sentence.span.start)
            if name and name not in subject_names:
                credited.append((t.i, name))
    if not credited:
        return None
    return min(credited, key=lambda c: abs(c[0] - fig.start))[1]


def _credited_spans(sentence: Sentence) -> set[tuple[int, int]]:
    """Sources the sentence credits ("compiled by Goldman Sachs"): such a name is not the subject."""
    cues = sentence.of("attribution")
    return {
        (s.start, s.end)
        for s in sentence.of("source")
        if any(c.label == "before" and c.end <= s.start and s.start - c.end <= 3 for c in cues)
        or any(c.label == "after" and c.start == s.end for c in cues)
    }


def _is_name_token(t) -> bool:
    return t.is_alpha and t.text[:1].isupper() and t.text not in {"The", "A", "An", "It", "He", "She", "They", "We", "I"}


def _name_at(doc, start: int, limit: int) -> str | None:
    """"according to CoinPulse market data" -> "CoinPulse"; "said Marcus Feld, head of …" -> "Marcus Feld"."""
    words: list[str] = []
    for t in doc[start : min(start + 6, limit)]:
        if _is_name_token(t) or (words and t.text in {"&", "of"}):
            words.append(t.text)
        elif words or t.lower_ not in NAME_STOP:
            break
    while words and words[-1] in {"&", "of"}:
        words.pop()
    return " ".join(words) or None


def _name_before(doc, end: int, limit: int) -> str | None:
    """"Feld flagged $85,000 as the key resistance" -> "Feld"."""
    words: list[str] = []
    i = end - 1
    while i >= limit and _is_name_token(doc[i]) and len(words) < 4:
        words.insert(0, doc[i].text)
        i -= 1
    if not words or (i + 1 == limit and len(words) == 1 and doc[limit].text in {"Analysts", "Traders", "Investors"}):
        return None
    return " ".join(words)


def _hedge(sentence: Sentence, fig: Figure) -> str | None:
    doc = sentence.span.doc
    for h in sentence.of("hedges"):
        gap = [t.lower_ for t in doc[h.end : fig.start]]
        if h.end <= fig.start and len(gap) <= 1 and all(g in {"a", "an", "of"} for g in gap):
            return h.label
    return None


def _evidence(sentence, fig, seg, cue, subject_hit_unused) -> tuple[int, int]:
    start, end = fig.start_char, fig.end_char
    if cue is not None and sentence.segment(cue.start) == seg:
        if cue.end <= fig.start and fig.start - cue.end <= 15:
            start = min(start, cue.start_char)
        elif cue.start >= fig.end:
            end = max(end, cue.end_char)
    return start, end
