"""The draft of a claim before it is tied to an article, and what the rules carry between sentences.

`ClaimDraft` is what the claim rules produce (`extract.link`), what restatements are merged on
(`extract.merge`) and what the pipeline turns into `schemas.Claim`; `Context` holds what earlier
sentences said (the subject being talked about, a date the story set, the metric of the last
figure); `FigureLink` is one figure on its way to a claim, filled in by the linker's stages.
`metric_for` says which metric a figure of a given unit states for a family of metric words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.extract.sentences import Figure, Sentence
from extractor.extract.tokens import tokens_of
from extractor.metrics import metric_row, registry, unit_kind
from extractor.rules import Entry, Hit

# which kinds of figure the metric words of each family can take (the registry's units of its metrics)
FAMILY_UNITS = registry().family_units()


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
    credited_as_data: bool = False  # the source is a data provider's credit, not a speaker's
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
    flow_direction: str | None = None  # the direction of the last fund flow stated ("lost $140 million")
    flow_period: str | None = None  # "the CoinShares weekly report": the window of the flows it quotes
    last_stock: Entry | None = None  # the last stock the previous sentence named ("… Shares surged 16%")
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


def family_of(metric: str) -> str:
    """The family of metric words that names `metric` ("price_level" -> "price")."""
    return metric_row(metric).family


def metric_for(family: str, unit: str, is_change: bool) -> str | None:
    """The metric a figure in this unit states, given what it measures and whether it moved:
    the family's change metric when it moved and the change takes the unit ("fell 2%" of a
    volume), else the family's level when the level takes it; a move of a level that has no
    change metric and is not signed (RSI, a funding rate) states no metric."""
    kind = unit_kind(unit)
    if family == "price_level":
        return "price_level" if kind in metric_row("price_level").units and not is_change else None
    if kind not in FAMILY_UNITS.get(family, set()):
        return None
    if family == "price" and kind == "ratio" and unit != "percent":
        return None  # a price moves in percent, not in points of a percentage
    change = registry().change_metric(family)
    if change is not None:
        if is_change and kind in metric_row(change).units:
            return change  # "its market value expanded by $296.52 billion", "volume rose 12%"
        return family if kind in metric_row(family).units else None
    if is_change and not metric_row(family).signed:
        return None
    return family


@dataclass
class PreviousFigure:
    """The figure before this one in the sentence: a chain reads on from it ("fell 2% to $62,350")."""

    fig: Figure
    sign: int  # its change's sign, 0 for a level
    metric: str | None = None  # the metric of its claim, None when it made none


@dataclass
class FigureLink:
    """One figure on its way to a claim: the stages of `link_figure` fill it in, in reading order.

    figure → move (change or level) → screens (what is never a claim) → measure and metric →
    modality → subject → qualifiers → value → date and window → the draft."""

    sentence: Sentence
    fig: Figure
    published: str | None
    context: Context
    ordered: dict[int, Entry]  # names and figures paired one to one ("… 2.4% and 2.0%, respectively")
    previous: PreviousFigure | None
    seg: int = 0  # the clause of the sentence the figure is in
    kind: str = ""  # the unit's kind: money, ratio, points, number, …
    # the move
    sign: int = 0  # +1 rose, -1 fell, 0 a level
    moved: bool = False  # a word of movement (or a "+", pp, bp) makes it a change
    is_change: bool = False  # moved, or a negative figure a change may be
    chain_level: bool = False  # the level a change arrived at: "to $62,350"
    # the role
    level: Hit | None = None  # a named level: support, resistance, record high, …
    cue: Hit | None = None  # the metric word the figure measures
    family: str | None = None
    rule: str = ""
    metric: str = ""
    # the subject
    subject: Entry | None = None
    counterpart: Entry | None = None
    # what the claim says
    qualifiers: dict[str, str] = field(default_factory=dict)
    unit: str = ""
    value: float = 0.0
    value_max: float | None = None
    as_of: str | None = None
    strength: int = 0  # how the date was found: 0 the publication day … 2 written beside the figure
    period: str | None = None

    def __post_init__(self) -> None:
        self.seg = self.sentence.segment(self.fig.start)
        self.kind = unit_kind(self.fig.unit)

    @property
    def word_before(self) -> str:
        start = self.fig.start
        return tokens_of(self.sentence.span.doc).lower[start - 1] if start > 0 else ""

    @property
    def the_subject(self) -> Entry:
        assert self.subject is not None, "the subject stage runs before this one"
        return self.subject
