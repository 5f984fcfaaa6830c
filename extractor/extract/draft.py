"""The draft of a claim before it is tied to an article, and what the rules carry between sentences.

`ClaimDraft` is what the claim rules produce (`extract.link`), what restatements are merged on
(`extract.merge`) and what the pipeline turns into `schemas.Claim`; `Context` holds what earlier
sentences said (the subject being talked about, a date the story set, the metric of the last
figure). `metric_for` says which metric a figure of a given unit states for a family of metric words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.rules import Entry, lexicon

FIAT = lexicon("fiat_currencies")


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
    as_of_strength: int = (
        0  # 3: in the figure's clause, 2: in its sentence, 1: carried from before, 0: publication date
    )
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
    named_family: str | None = None  # a measure named after the last figure, or in a sentence without one
    qualifiers: dict[str, str] = field(default_factory=dict)
    subject: Entry | None = None
    as_of: str | None = None
    period: str | None = None
    topic: Entry | None = None  # the subject the article is mostly about
    published: str | None = None
    aggregate: Entry | None = None  # the last group of funds named ("US spot Bitcoin ETFs")
    recent: list[Entry] = field(default_factory=list)  # the last subjects named, oldest first
    by_type: dict[str, Entry] = field(default_factory=dict)  # the last subject named of each type
    # "inflows into Bitcoin": a coin's flows are those of its investment products (CoinShares' usage)
    fund_groups: dict[str, Entry] = field(default_factory=dict)
    spot_etfs: dict[str, Entry] = field(default_factory=dict)  # "Bitcoin" -> "US spot Bitcoin ETFs"
    sources: dict[str, str] = field(default_factory=dict)  # metric family -> the source first credited for it
    composites: dict[str, Entry] = field(
        default_factory=dict
    )  # "Nasdaq" (the exchange) -> "Nasdaq Composite"
    stock_market: Entry | None = None  # the subject of exchange-wide share volume (claim conventions)

    dated: int | None = None  # start of the sentence that last set `as_of`
    # the session day the title or lead speaks of, when it is before publication ("U.S. stocks ended
    # lower on Wednesday" in a wrap published Thursday morning): the day of the story's undated figures
    story_day: str | None = None
    flow_period: str | None = None  # "the CoinShares weekly report": the window of the flows it quotes
    person: str | None = None  # the last person named after a job word ("analyst J. Derrick Wood")
    previous_drafts: list[ClaimDraft] = field(
        default_factory=list
    )  # the claims of the last sentence with figures
    crypto_window: str | None = None  # "up 6% in the past 24 hours": the window of the day's coin moves

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


def family_of(metric: str) -> str:
    return {"price_change": "price", "price_level": "price"}.get(metric, metric.removesuffix("_change"))


def metric_for(family: str, unit: str, is_change: bool) -> str | None:
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
    if family == "market_cap" and kind == "money" and is_change:
        return "market_cap_change"  # "its market value expanded by $296.52 billion"
    if family in {"short_interest", "volume", "market_cap"}:
        if kind == "ratio":
            return f"{family}_change" if is_change else (family if family == "short_interest" else None)
        return family
    if family in {"funding_rate", "dominance", "yield", "rsi", "correlation", "open_interest"} and is_change:
        return None
    return family
