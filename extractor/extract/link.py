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

Each figure goes through named stages (`STAGES`) over one typed record, `FigureLink`: its move
(`read_move`), the screens of what is never a claim (`screen_out`), what it measures
(`read_measure`, `read_metric`), modality (`check_modality`), its subject (`find_subject`), its
qualifiers, value, date and window (`read_qualifiers`, `read_value`, `read_dates`), then
`build_draft`. A stage that rejects the figure returns the reason, logged at DEBUG level
(`logging.getLogger("extractor.extract.link")`), so "why is this figure no claim?" has an answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from extractor.extract.dating import (
    WEEKLY,
    as_of_for,
    at_window_end,
    period_for,
    previous_week_close,
    recent,
    since_for,
    stated_window,
)
from extractor.extract.draft import (
    FAMILY_UNITS,
    ClaimDraft,
    Context,
    FigureLink,
    PreviousFigure,
    family_of,
    metric_for,
    unit_kind,
)
from extractor.extract.positions import inside, owned_by_other_figure, relative_clauses
from extractor.extract.sentences import Figure, Sentence
from extractor.extract.sourcing import (
    credit_looking_back,
    credited_source,
    hedge_before,
    person_named,
    speaks_through_pronoun,
)
from extractor.extract.subjects import (
    GENERIC_SINGULARS,
    first_fitting,
    listed_together,
    remember_subjects,
    respectively,
)
from extractor.extract.tokens import tokens_of, tokens_until
from extractor.metrics import metric_row
from extractor.rules import CueHit, Entry, Hit, lexicon

# "$412 million", "US$1.2bn", "two million dollars": amounts written with a scale word
SCALED = re.compile(r"(?i)(\d\s*(m|mn|mln|b|bn|bln|t|tn)\b|\b(million|billion|trillion)\b)")


GAP_BEFORE_CHANGE = lexicon("gap_before_change")


LEVEL_FILLERS = lexicon("level_fillers")


GAP_AFTER_CHANGE = lexicon("gap_after_change")


ANAPHORA = lexicon("anaphora")
NEW_YORK = ZoneInfo("America/New_York")  # the US stock market's clock
WEEKDAY_MARKET_CHANGES = {"price_change", "market_cap_change"}  # moves dated by the trading week
FLOW_REPORT_WORDS = lexicon("flow_report_words")
PRESENT_MOVE_WORDS = lexicon("present_move_words")  # "has fallen", "is now up"


REFERS_BACK = lexicon("refers_back")


# "that bet is worth $1.3 billion": a demonstrative and a noun that stands for the figure before
ANAPHORIC_NOUNS = lexicon("anaphoric_nouns")


CARRIED_QUALIFIERS = {"aggregate", "basis", "timeframe"}


COMPARISON = lexicon("comparison_words")


LEVELS_EXEMPT_FROM_MODALITY = {"support", "resistance", "breakout", "target"}


def link_sentence(sentence: Sentence, published: str | None, context: Context) -> list[ClaimDraft]:
    """All claims one sentence states as fact, in the order of their figures; the context learns
    what the next sentences may speak of."""
    person = person_named(sentence)
    if not sentence.figures:
        _note_sentence_without_figures(sentence, published, context)
        remember_subjects(sentence, context)
        context.person = person or context.person
        return []
    drafts: list[ClaimDraft] = []
    ordered = respectively(sentence)
    previous: PreviousFigure | None = None
    for fig in sentence.figures:
        link = FigureLink(sentence, fig, published, context, ordered, previous)
        found = link_figure(link)
        previous = PreviousFigure(fig, link.sign, found.metric if found is not None else None)
        if found is not None:
            drafts.append(found)
            drafts.extend(_shared_by_each(sentence, fig, found))
    for draft in drafts:
        carry_source(draft, context)
    remember_subjects(sentence, context)
    context.person = person or context.person
    if drafts:
        _remember_claims(sentence, drafts, context)
    return drafts


def _note_sentence_without_figures(sentence: Sentence, published: str | None, context: Context) -> None:
    """A sentence with no figure can still say what the next ones are about: their day, their
    source, their window or their measure."""
    # "Monday's slide had little to do with crypto itself.": a date the next sentences speak of
    days = [
        d
        for _, d, report in sentence.dates
        if d.grain in {"date", "datetime"} and not report and recent(d.value, published)
    ]
    if days:
        context.as_of = days[-1].value
    credit = credit_looking_back(sentence)
    if credit:  # "This data was shared by Colin Wu": the figures just stated are his
        for draft in context.previous_drafts:
            draft.attributed_to = draft.attributed_to or credit
            context.sources.setdefault(family_of(draft.metric), credit)
    words = sentence.word_set
    if "weekly" in words and FLOW_REPORT_WORDS & words:
        context.flow_period = "P7D"  # "…, with the CoinShares weekly report showing outflows"
    cues = [h for h in sentence.cues("metrics") if ".verb." not in h.rule_id and h.label != "price"]
    if cues:  # "… its dominance took a hit. The metric is down below 58%"
        context.named_family = cues[-1].label


def _remember_claims(sentence: Sentence, drafts: list[ClaimDraft], context: Context) -> None:
    """What the next sentences may refer back to: the last claim's family, qualifiers and window."""
    context.previous_drafts = drafts
    last = drafts[-1]
    context.family = family_of(last.metric)
    trailing = [
        h
        for h in sentence.cues("metrics")
        if h.start >= sentence.figures[-1].end
        and sentence.segment(h.start) != sentence.segment(sentence.figures[-1].start)
        and ".verb." not in h.rule_id
        and h.label != "price"
    ]
    # "…, while its dominance has taken a hit.": the measure a following "the metric" speaks of
    context.named_family = trailing[-1].label if trailing else None
    context.qualifiers = {k: v for k, v in last.qualifiers.items() if k in CARRIED_QUALIFIERS}
    # "Over the past five days, Grayscale has lost $232 million. … FBTC over the same period": the
    # window the sentence names, even when its figure took none
    context.period = last.period or stated_window(sentence) or context.period


def _shared_by_each(sentence: Sentence, fig: Figure, draft: ClaimDraft) -> list[ClaimDraft]:
    """ "Nucor and Steel Dynamics rose more than 4% each", "… both rose 4%", "… each gained 4%": one
    figure, one claim per listed name."""
    doc = sentence.span.doc
    lower = tokens_of(doc).lower
    before = [h for h in sentence.names("subject") if h.end <= fig.start]  # "(NYSE:NUE)" holds a ":" border
    names = listed_together(doc, before)
    each_after = fig.end < sentence.span.end and lower[fig.end] == "each"
    shared_before = bool(names) and lower[names[-1].end : names[-1].end + 1] in (["both"], ["each"])
    if not (each_after or shared_before):
        return []
    entries = [h.entry for h in names]
    if len(entries) < 2 or draft.subject.name not in {e.name for e in entries}:
        return []
    return [
        replace(draft, subject=e, qualifiers=dict(draft.qualifiers))
        for e in entries
        if e.name != draft.subject.name and (e.type or "other") == (draft.subject.type or "other")
    ]


def carry_source(draft: ClaimDraft, context: Context) -> None:
    """A report credits its data once ("…, CoinShares reported on Monday"; "according to etf.com data")
    and states more figures of that kind after: they come from the same source."""
    family = family_of(draft.metric)
    if draft.attributed_to:
        if draft.credited_as_data or metric_row(draft.metric).carries_source == "any":
            # "Bank of England said …" on one move of sterling does not source the next prices
            context.sources.setdefault(family, draft.attributed_to)
    elif family in context.sources:
        draft.attributed_to = context.sources[family]


# A stage reads the link and fills in its part; it returns why the figure is no claim, or None to go on.
Stage = Callable[[FigureLink], "str | None"]

logger = logging.getLogger(__name__)


def link_figure(link: FigureLink) -> ClaimDraft | None:
    """The claim one figure states, or None (the reason is logged at DEBUG level)."""
    for stage in STAGES:
        why_not = stage(link)
        if why_not is not None:
            logger.debug("%r is no claim: %s (%s)", link.fig.quantity.text, why_not, stage.__name__)
            return None
    return build_draft(link)


def read_move(link: FigureLink) -> str | None:
    """Change or level: "fell 1.2%", "a 1.2% decline", "… to $62,350", "rose 224.02 points, or 0.59%"."""
    sentence, fig, previous = link.sentence, link.fig, link.previous
    toks = sentence.span.doc
    link.sign = (
        _change_sign(sentence, fig)
        or _move_by(sentence, fig, link.seg)
        or _move_brought_to(sentence, fig)
        or _move_to_its_limit(sentence, fig)
    )
    if link.word_before == "from" and previous and _is_new_target(sentence, previous.fig):
        link.sign = 0
        return "the old target of a raised one ('raised its target price to $455 from $425')"
    if link.word_before == "from":
        link.sign = 0  # "up from 14.1%", "to 41 from 22": an earlier level, not a move
    elif previous and previous.sign and sentence.segment(previous.fig.start) == link.seg:
        gap = tokens_of(toks).lower[previous.fig.end : fig.start]
        # "jumped 6.2% and CloudWalk surged to the 20% limit": a new move between is no chain
        moved_again = any(  # ("0.2% higher at 44,474.8": "higher" is the first figure's own word)
            previous.fig.end + 1 < h.start and h.end < fig.start for h in sentence.cues("changes")
        )
        if (
            gap
            and not moved_again
            and set(gap[-3:]) & {"to", "at"}
            and set(gap[gap.index("to") + 1 if "to" in gap else len(gap) :]) <= LEVEL_FILLERS
        ):
            # the level a change arrived at: "to $62,350", "to a record 43,729.93"
            link.sign, link.chain_level = 0, True
        elif not link.sign and set(gap) <= {",", "or", "and", "("}:
            link.sign = previous.sign  # "224.02 points, or 0.59%": the same move in other units
    link.moved = (
        link.sign != 0
        or toks[fig.start].text.startswith("+")
        or fig.unit in {"pp", "bp"}
        or (
            link.kind == "money" and fig.quantity.value < 0
        )  # a price is never negative: "-0.18 at $12.60" moved
    )
    # a minus sign is a move for a price ("-1.13%") but a level for a funding rate or a correlation
    link.is_change = link.moved or fig.quantity.value < 0
    if fig.quantity.value < 0:
        link.sign = -1
    return None


def screen_out(link: FigureLink) -> str | None:
    """Figures that are never a claim of this version, whatever they measure."""
    sentence, fig, kind = link.sentence, link.fig, link.kind
    toks = sentence.span.doc
    reason = None
    if kind == "number" and link.word_before in {"top", "bottom"}:
        reason = "the length of a list ('Top 10 Creations')"
    elif (
        link.word_before == "combined"
        and " and " in sentence.text[sentence.span.start_char : fig.quantity.start]
    ):
        reason = "a figure of several subjects together ('Meta and Amazon …, adding a combined $280 billion')"
    elif kind == "number" and _counts_movers(sentence, fig, toks):
        reason = "a count of movers ('Of the 11 sector indexes, 10 rose', '2,975 stocks rose')"
    elif kind == "money" and _threshold_or_move_size(sentence, fig):
        reason = "a threshold or the size of a move ('struggled to break above $98,000', '$10,000 moves')"
    elif _compared_with_another(sentence, fig):
        reason = "a comparison of two things ('340% higher than Ether's total')"
    elif _restates_previous_in_percent(link):
        reason = "the previous figure again as a share of something ('19,800,000 units were destroyed, or a 4.1% decrease')"
    if reason is not None:
        link.sign = 0  # the next figure does not read on from this one's move
        return reason
    if _counts_shares_outstanding(sentence, fig) or _excluded(sentence, fig, link.seg):
        return "share counts, liquidations, earnings, macro data: not claims of this version"
    return None


def _restates_previous_in_percent(link: FigureLink) -> bool:
    """ "19,800,000 units were destroyed, or a 4.1% decrease", "inflows of $500 million, or 2% of
    assets": a percentage chained by "or" to a claim whose metric no percentage of its family states."""
    previous = link.previous
    if previous is None or previous.metric is None or link.fig.unit != "percent":
        return False
    family = family_of(previous.metric)
    if family == "price" or metric_for(family, "percent", True) or metric_for(family, "percent", False):
        return False  # "rose 224.02 points, or 0.59%": a price move in other units
    gap = tokens_of(link.sentence.span.doc).lower[previous.fig.end : link.fig.start]
    return (
        "or" in gap
        and len(gap) <= 8
        and not any(
            o is not link.fig and previous.fig.end <= o.start < link.fig.start for o in link.sentence.figures
        )
    )


def _counts_movers(sentence: Sentence, fig: Figure, toks) -> bool:
    counted = fig.end + (1 if fig.end < sentence.span.end and toks[fig.end].lower_ in COUNTED_NOUNS else 0)
    return any(h.start == counted and h.label in {"up", "down"} for h in sentence.cues("changes"))


def read_measure(link: FigureLink) -> str | None:
    """What the figure measures (a metric family): the nearest compatible metric word, a named
    level, a measure the story named before, or (None) a price by default."""
    sentence, fig, seg, kind, context = link.sentence, link.fig, link.seg, link.kind, link.context
    link.level = (
        _level(sentence, fig, seg)
        or _level_of_listed(sentence, fig, seg)
        or _turning_point(sentence, fig)
        or _zone_role(sentence, fig)
    )
    link.cue = cue = _nearest_cue(link)
    if cue is None and link.moved and _named_measure_cannot_move(sentence, fig, seg):
        return "a move of a measure that is no price ('Bitcoin dominance dropped 0.4% to 57.2%')"
    family = cue.label if cue else None
    rule = cue.rule_id if cue else ""
    verb_of_flows = cue is not None and ".verb." in cue.rule_id and not SCALED.search(fig.quantity.text)
    if (
        link.level
        and kind in {"money", "points", "number"}
        and (family in (None, "price") or verb_of_flows)
        and not link.moved
    ):
        # "lost support at $3,700": "lost" is no flow here, the level names the figure
        family, rule = "price_level", link.level.rule_id
    if (
        family is None
        and context.named_family
        and kind in FAMILY_UNITS.get(context.named_family, set())
        and _names_the_measure(sentence)
    ):
        family, rule = context.named_family, "context.the_measure"  # "The metric is down to 57.6%"
    if (
        family is None
        and context.family
        and kind in FAMILY_UNITS.get(context.family, set())
        and _refers_back(sentence)
    ):
        family, rule = context.family, "context.refers_back"
    if family is None and _names_the_measure(sentence):
        return "the figure of a measure named before, which is no price ('pushing the indicator below -5%')"
    if family in (None, "price") and kind == "money" and _fund_moved_money(sentence, fig, seg):
        family, rule = "fund_flow", "fund_flow.fund_added"  # "commodities ETFs added $632.7 million"
    if family is None and kind == "money" and _fund_in_a_list_of_flows(sentence, fig, seg, context):
        # "… GBTC led with $53 million, followed by FBTC at $51 million"
        family, rule = "fund_flow", "fund_flow.listed_fund"
    if family in (None, "price", "price_level") and kind == "money" and SCALED.search(fig.quantity.text):
        return "an amount with a scale word ('$412 million') is a flow, a cap or a liquidation, never a price"
    if family is None and _other_metric_beside(sentence, fig):
        return "about a metric this unit cannot state ('an 80% increase in open interest')"
    if (
        family is None
        and kind == "ratio"
        and fig.unit == "percent"
        and _note_named_before(sentence, fig, seg)
    ):
        family, rule = "yield", "yield.note_named"  # "the 10-year T-note is up 5.1 bp at 4.212%"
    if family is None and kind == "ratio" and _basis_follows(sentence, fig):
        # "5.4% of market cap", "5.9% of its float"
        family, rule = "short_interest", "short_interest.basis_named"
    link.family, link.rule = family, rule
    return None


def read_metric(link: FigureLink) -> str | None:
    """The metric of the family the figure's unit and move say: `price` and 1.2% moved → `price_change`."""
    fig, kind, cue, family = link.fig, link.kind, link.cue, link.family
    metric = metric_for(family or "price", fig.unit, link.moved) or metric_for(
        family or "price", fig.unit, link.is_change
    )
    if metric is None:
        if family is None:
            return f"no metric word, and a {fig.unit} figure that is no move is no price"
        return f"no {family} metric is written in {fig.unit}"
    if metric_row(metric).change_of is None:
        link.is_change = False  # a negative funding rate or correlation is a level, not a move
    link.metric = metric
    if (
        kind == "number"
        and family_of(metric) == "price"
        and not (
            (cue is not None and cue.label == "price")
            or link.chain_level
            or link.is_change
            or _level_after_move(link.sentence, fig)
            or (metric == "price_level" and fig.quantity.text[:1].isdigit())
        )
    ):
        return "a bare number is an index level only when the text says so ('closed at 5,976.97')"
    return None


def check_modality(link: FigureLink) -> str | None:
    """Hypothetical or forecast clauses state no fact (named support and resistance levels do)."""
    level, fig = link.level, link.fig
    named_level = (
        level is not None
        and (level.label in LEVELS_EXEMPT_FROM_MODALITY or _record_level(level))
        and (0 <= fig.start - level.end <= 10 or 0 <= level.start - fig.end <= 3)
    )
    if _hypothetical(link.sentence, fig) and not named_level:
        return "a hypothetical or forecast clause"
    return None


def find_subject(link: FigureLink) -> str | None:
    """Whose figure it is: the name it is said "for"/"in", else the nearest name that fits the metric."""
    sentence, fig, kind, context = link.sentence, link.fig, link.kind, link.context

    def fitting() -> None:
        link.subject, link.counterpart = first_fitting(link)

    fitting()
    cue = link.cue
    if (
        link.subject is None
        and link.metric == "fund_flow"
        and cue is not None
        and cue.rule_id.startswith("fund_flow.verb")
    ):
        # "the Dow added 292.81 points": a verb of flows only speaks of flows for a fund
        as_price = metric_for("price", fig.unit, link.is_change)
        if as_price is None:
            return "a verb of flows with no fund, in a unit no price takes"
        link.metric, link.cue, link.rule = as_price, None, "default.price"
        if link.kind == "money" and SCALED.search(fig.quantity.text):
            return "an amount with a scale word is never a price, and no fund moved it"
        fitting()
    subject = link.subject
    if (
        link.metric == "volume"
        and fig.unit == "shares"
        and context.stock_market is not None
        and (subject is None or (not sentence.names("subject") and subject.type == "market"))
    ):
        link.subject = (
            context.stock_market
        )  # "A total of 13.3 billion shares were traded": exchange-wide volume
    if link.subject is None:
        return f"no subject a {link.metric} claim can be about"
    if (
        link.metric == "fund_flow"
        and kind == "money"
        and not SCALED.search(fig.quantity.text)
        and abs(fig.quantity.value) < 1e5
    ):
        return "a price, not the size of a flow ('outflows … as it lost the $67,000 level')"
    return None


def read_qualifiers(link: FigureLink) -> str | None:
    """The qualifiers the metric takes, and the direction of a flow (which gives its sign)."""
    link.qualifiers = qualifiers = _qualifiers(link)
    direction = qualifiers.get("direction") or ("outflow" if link.sign < 0 else None)
    if link.metric in {"fund_flow", "exchange_netflow"}:
        link.sign = -1 if direction == "outflow" or link.sign < 0 or link.fig.quantity.value < 0 else 1
        if link.metric == "fund_flow":
            qualifiers["direction"] = "outflow" if link.sign < 0 else "inflow"
            link.context.flow_direction = qualifiers["direction"]
    return None


def read_value(link: FigureLink) -> str | None:
    """The value in the claim's unit: an index moves in points, a coin pair is priced in its quote
    coin; a change or a signed metric carries the sign its words give."""
    fig, metric, subject = link.fig, link.metric, link.the_subject
    row = metric_row(metric)
    unit = fig.unit
    if link.kind == "number" and family_of(metric) == "price":
        unit = subject.name.split("/")[1] if subject.type == "pair" else "points"
    if row.units == ("number",):
        unit = "number"
    signed = link.is_change or row.signed
    quantity = fig.quantity
    value = abs(quantity.value) if signed else quantity.value
    value_max = (
        None if quantity.value_max is None else abs(quantity.value_max) if signed else quantity.value_max
    )
    if link.sign < 0 and signed:
        value = -value
        value_max = -value_max if value_max is not None else None
    if row.drops(value, unit):
        return f"{value} {unit} is out of the range a {metric} can take"
    link.unit, link.value, link.value_max = unit, value, value_max
    return None


def read_dates(link: FigureLink) -> str | None:
    """The moment the figure is of (`as_of`) and the window it covers (`period`)."""
    sentence, fig, seg, context, published = link.sentence, link.fig, link.seg, link.context, link.published
    metric, subject, qualifiers = link.metric, link.the_subject, link.qualifiers
    as_of, link.strength = as_of_for(sentence, fig, seg, published, context)
    period = period_for(link)
    if period is not None and qualifiers.get("since"):
        # "Including this year's gain, Palantir has skyrocketed 350% in the past 12 months": the window
        # written beside the figure, not the year-to-date the sentence mentions (one or the other)
        qualifiers.pop("since")
    as_of = at_window_end(as_of, period, published)
    if "session" not in qualifiers and _during_trading_hours(as_of, metric, subject):
        qualifiers["session"] = "intraday"  # "At 10:17 a.m. ET, the Dow was down 118.68 points"
    if metric == "fund_flow" and period == "P7D" and WEEKLY.search(sentence.span.text):
        context.flow_period = "P7D"
    elif metric == "fund_flow" and period == "P1D" and link.strength >= 2:
        # "… lost $140 million on Thursday": the story is on the day's flows again; the next
        # undated ones ("GBTC led with $53 million") are that day's, not the week's
        context.flow_period = "P1D"
    trades_all_day = subject.type == "crypto" or subject.name in lexicon("crypto_indices")
    if metric == "price_change" and trades_all_day and not qualifiers.get("since"):
        period = _daily_coin_window(sentence, period, as_of, published, context)
    if link.strength <= 1 and metric in WEEKDAY_MARKET_CHANGES and not trades_all_day:
        # stock, fund and commodity markets close for the weekend: last week's move is as of its Friday
        as_of = previous_week_close(sentence, fig, seg, published) or as_of
    link.as_of, link.period = as_of, period
    return None


STAGES: tuple[Stage, ...] = (
    read_move,
    screen_out,
    read_measure,
    read_metric,
    check_modality,
    find_subject,
    read_qualifiers,
    read_value,
    read_dates,
)


def build_draft(link: FigureLink) -> ClaimDraft:
    """The claim draft of a figure every stage let through, with its source, hedge and evidence."""
    sentence, fig, subject = link.sentence, link.fig, link.the_subject
    explicit = link.strength > 0
    start, end = _evidence(link)
    credit = credited_source(sentence, fig)
    if credit is None and speaks_through_pronoun(sentence) and link.context.person:
        credit = (link.context.person, False)  # "…, he said": the person the story quoted last
    confidence = (
        0.5
        + (0.2 if link.cue or link.level else 0)
        + (0.15 if explicit else 0)
        + (0.1 if subject.symbol else 0)
    )
    return ClaimDraft(
        metric=link.metric,
        subject=subject,
        value=link.value,
        unit=link.unit,
        value_max=link.value_max,
        qualifiers=link.qualifiers,
        as_of=link.as_of,
        as_of_explicit=explicit,
        as_of_strength=link.strength,
        figure_text=fig.quantity.text,
        period=link.period,
        attributed_to=credit[0] if credit else None,
        credited_as_data=bool(credit and credit[1]),
        hedge=hedge_before(sentence, fig),
        evidence_start=start,
        evidence_end=end,
        sentence_start=sentence.span.start_char,
        sentence_end=sentence.span.start_char + len(sentence.span_text.rstrip()),
        confidence=min(confidence, 0.99),
        rule=link.rule or "default.price",
    )


def _daily_coin_window(
    sentence: Sentence, period: str | None, as_of: str | None, published: str | None, context: Context
) -> str | None:
    """A coin's move of the day stated without a window is a 24-hour move, as crypto market updates
    count them: when the story has given that window for another coin ("up 6% in the past 24
    hours"), or when it speaks in the present ("SOL has fallen almost 3.8%", "is now up 10%")."""
    if period is not None:
        if period == "P1D":
            context.crypto_window = period
        return period
    if not (as_of and published and as_of[:10] == published[:10]):
        return None  # a move of another day ("rose 2% on Monday"): one session, no window
    if context.crypto_window:
        return context.crypto_window
    return "P1D" if PRESENT_MOVE_WORDS & sentence.word_set else None


def _move_by(sentence: Sentence, fig: Figure, seg: int) -> int:
    """ "added to its market value by $62 billion", "erased Broadcom's market capitalization by about
    $95 billion": after "by", the figure is the size of the move a word of movement a few words back
    in its clause names."""
    lower = tokens_of(sentence.span.doc).lower
    by = fig.start - 1
    while by > sentence.span.start and lower[by] in lexicon("approximators"):
        by -= 1
    if by < 0 or lower[by] != "by":
        return 0
    moves = [
        h
        for h in sentence.cues("changes")
        if h.end <= by
        and by - h.end <= 6
        and sentence.segment(h.start) == seg
        and not h.label.endswith("_after")
        and h.label in {"up", "down"}
        and not any(h.end <= o.start < by for o in sentence.figures)
    ]
    if not moves:
        return 0
    return 1 if max(moves, key=lambda h: h.end).label == "up" else -1


def _move_to_its_limit(sentence: Sentence, fig: Figure) -> int:
    """ "surged to the 20% daily trading limit", "fell to its 10% daily limit": a move the size of
    the market's daily limit (Chinese and other Asian exchanges cap a day's move)."""
    if fig.unit != "percent":
        return 0
    lower = tokens_of(sentence.span.doc).lower
    after = lower[fig.end : min(fig.end + 3, sentence.span.end)]
    if "limit" not in after or lower[max(sentence.span.start, fig.start - 2) : fig.start] not in (
        ["to", "the"],
        ["to", "its"],
        ["to", "their"],
    ):
        return 0
    move = next(
        (h for h in sentence.cues("changes") if h.end == fig.start - 2 and h.label in {"up", "down"}), None
    )
    return 0 if move is None else (1 if move.label == "up" else -1)


def _move_brought_to(sentence: Sentence, fig: Figure) -> int:
    """ "bringing its two-day slide to 33%", "extending the year-to-date gain to 25%": a move of the
    subject's own, named as a noun, that reached the percentage after "to" (a move, not a level)."""
    if fig.unit != "percent" or fig.start < 2:
        return 0
    lower = tokens_of(sentence.span.doc).lower
    if lower[fig.start - 1] != "to":
        return 0
    noun = fig.start - 2
    move = next((h for h in sentence.cues("changes") if h.start == noun and h.end == noun + 1), None)
    if move is None or move.label not in {"up", "down"} or lower[noun] not in lexicon("moves_as_nouns"):
        return 0
    owner = range(
        max(sentence.span.start, noun - 7), noun
    )  # "its two - day slide", "its year - to - date gain"
    if not any(lower[i] in {"its", "their", "the"} for i in owner) or any(
        f.start in owner for f in sentence.figures
    ):
        return 0  # "fell to 33%" is a level; "a 5% gain to $62,000" names the figure before
    return 1 if move.label == "up" else -1


NOT_IN_GAP_AFTER_FIGURE = lexicon("not_in_gap_after_figure")


def _after_window(sentence: Sentence, token: int) -> int:
    """The token after a counted window that starts at `token` ("14 - day", "24 - hour"), else
    `token` ("year-over-year" compares two periods: a report's growth, not a window of a move)."""
    doc = sentence.span.doc
    for start, window in sentence.durations:
        if start == token and window.text[:1].isdigit():
            return tokens_until(doc, start, window.end)
    return token


def _without_size_hedge(gap: list[str]) -> list[str]:
    """The words between a move and its percentage without a hedge of its size ("just under")."""
    text = " ".join(gap)
    for hedge in lexicon("move_size_hedges"):
        if text == hedge or text.endswith(" " + hedge):
            return gap[: len(gap) - len(hedge.split())]
    return gap


def _change_sign(sentence: Sentence, fig: Figure) -> int:
    """+1 / -1 when a word of movement stands next to the figure, else 0."""
    doc = sentence.span.doc
    after = _after_window(sentence, fig.end)  # "a 28.5% 14-day decrease": the window is the move's
    for hit in sentence.cues("changes"):
        if hit.end <= fig.start:
            if hit.label.endswith("_after"):
                continue  # "more than $412 million" is a hedge; "27% more than on Monday" a move
            gap = tokens_of(doc).lower[hit.end : fig.start]
            if fig.unit == "percent":
                gap = _without_size_hedge(gap)  # "has dropped just under 2.3%"
            if (
                len(gap) <= 4
                and all(g in GAP_BEFORE_CHANGE or g in lexicon("move_adjectives") for g in gap)
                and "to" not in gap[-1:]
            ):
                return 1 if hit.label == "up" else -1
        elif hit.start >= fig.end:
            gap = tokens_of(doc).lower[after : hit.start]
            if len(gap) <= 2 and all(
                g in GAP_AFTER_CHANGE or g.isalpha() and g not in NOT_IN_GAP_AFTER_FIGURE for g in gap
            ):
                if not gap or all(g in GAP_AFTER_CHANGE for g in gap) or len(gap) == 1:
                    return 1 if hit.label.startswith("up") else -1
    return 0


TIME_WORDS = lexicon("time_words")


def _compared_with_another(sentence: Sentence, fig: Figure) -> bool:
    """ "340% higher than Ether's total", "60% more inflows than Bitcoin ETPs": the figure compares two
    things. "5% higher than a week ago", "lower than on Monday" compare one thing over time: a move."""
    doc = sentence.span.doc
    hit = next((h for h in sentence.cues("changes") if 0 <= h.start - fig.end <= 1), None)
    if hit is None or hit.end >= sentence.span.end:
        return False
    if hit.start > fig.end and doc[fig.end].lower_ in CLAUSE_OPENERS:
        return False  # "rose 5.4% after lower-than-expected costs": the comparison is the cause's
    than = next((t.i for t in doc[hit.end : min(hit.end + 3, sentence.span.end)] if t.lower_ == "than"), None)
    if than is None:
        return False
    hit = CueHit(hit.group, hit.label, hit.start, than, hit.start_char, doc[than].idx, hit.rule_id)
    following = [t.lower_ for t in doc[hit.end + 1 : min(hit.end + 5, sentence.span.end)]]
    dated = {i for tok, d, _ in sentence.dates for i in range(tok, tok + len(d.text.split()))}
    if any(i in dated for i in range(hit.end + 1, hit.end + 5)):
        return False
    return not any(w in TIME_WORDS or w.endswith("day") for w in following[:3])


def _level(sentence: Sentence, fig: Figure, seg: int) -> Hit | None:
    """A named level next to a price: "support at $61,500", "$3,000 resistance", "a two-week high"."""
    best, best_distance = None, 99
    doc = sentence.span.doc
    for hit in sentence.cues("levels"):
        if owned_by_other_figure(sentence, fig, hit.start, hit.end):
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
            appositive = any(
                t.text == "," and doc[t.i + 1].lower_ in {"a", "an", "its", "the", "their", "his", "her"}
                for t in between
            )
            if distance > (12 if appositive else 5):
                continue
            if any(
                t.like_num and t.text[:1].isdigit() and t.i not in range(hit.start, hit.end) for t in between
            ):
                continue
        if distance < best_distance:
            best, best_distance = hit, distance
    return best or _level_named_before_its_figure(sentence, fig)


def _level_named_before_its_figure(sentence: Sentence, fig: Figure) -> Hit | None:
    """ "Bitcoin fell to its lowest in over a month during the European morning, slumping to
    $63,500": a high or low the sentence names without a figure is the first figure after it."""
    doc = sentence.span.doc
    for hit in sentence.cues("levels"):
        if hit.label not in {"high", "low"} or hit.end > fig.start or fig.start - hit.end > 20:
            continue
        if hit.start == 0 or doc[hit.start - 1].lower_ not in {"its", "a", "their", "fresh", "new"}:
            continue
        if any(hit.end <= o.start < fig.start for o in sentence.figures if o is not fig):
            continue  # another figure comes first: the level is that one's, or no one's
        if any(t.text == "," for t in doc[hit.end : fig.start]):
            return hit
    return None


def _fund_moved_money(sentence: Sentence, fig: Figure, seg: int) -> bool:
    """ "leveraged ETFs lost $665 million", "the fund added $244.5 million": a fund that gains or
    loses an amount of money gains or loses assets, a flow (a verb of direction right before it)."""
    if not SCALED.search(fig.quantity.text):
        return False
    direction = any(h.key == "direction" and 0 <= fig.start - h.end <= 2 for h in sentence.cues("qualifiers"))
    if not direction:
        return False
    before = [h for h in sentence.names("subject") if h.end <= fig.start and sentence.segment(h.start) == seg]
    return bool(before) and max(before, key=lambda h: h.end).entry.type == "etf"


def _fund_in_a_list_of_flows(sentence: Sentence, fig: Figure, seg: int, context: Context) -> bool:
    """ "Spot bitcoin ETFs lost $140 million on Thursday. Grayscale's GBTC led with $53 million,
    followed by Fidelity's FBTC at $51 million": after a sentence of fund flows, amounts written
    right after a fund's name ("FBTC at", "GBTC led with") go on listing that day's flows."""
    if context.family != "fund_flow" or not SCALED.search(fig.quantity.text):
        return False
    before = [h for h in sentence.names("subject") if h.end <= fig.start and sentence.segment(h.start) == seg]
    if not before:
        return False
    nearest = max(before, key=lambda h: h.end)
    between = sentence.words[nearest.end - sentence.span.start : fig.start - sentence.span.start]
    return nearest.entry.type == "etf" and between in LIST_GAPS


LIST_GAPS = [["at"], ["with"], ["led", "with"], ["led", "the", "way", "with"], ["saw"], ["had"], [","]]


def _threshold_or_move_size(sentence: Sentence, fig: Figure) -> bool:
    """A line the price tried to cross or crossed in passing ("to break above $98,000", "reached above
    the $98,000 level"), or the size of a move ("multiple $10,000 moves"): no price, unless a support
    or resistance word names the line (then it is a level, read elsewhere)."""
    doc = sentence.span.doc
    named = any(
        h.label in LEVELS_EXEMPT_FROM_MODALITY
        and (
            0 <= fig.start - h.end <= 3
            or 0 <= h.start - fig.end <= 2
            or _level_is_the_figure(sentence, h, fig)
        )
        for h in sentence.cues("levels")
    )
    if named:
        return False
    after = doc[fig.end].lower_ if fig.end < sentence.span.end else ""
    following = doc[fig.end + 1].lower_ if fig.end + 1 < sentence.span.end else ""
    if after in lexicon("move_nouns") and following not in {"high", "low", "highs", "lows"}:
        return True  # "multiple $10,000 moves"; "the $1.12 swing high" is a level
    before = tokens_of(doc).lower[max(sentence.span.start, fig.start - 4) : fig.start]
    if any(w in lexicon("attempt_verbs") for w in before):
        return True
    # "above the $98,000 level", "reach the $2.50 trillion mark": a line on the chart, unless a level word names it
    return bool(before[-1:] == ["the"] and after in lexicon("threshold_nouns"))


def _level_is_the_figure(sentence: Sentence, level: Hit, fig: Figure) -> bool:
    """ "Initial support on the downside is near the $2,675 level": a level word and a copula before
    the figure name it, a few words away."""
    doc = sentence.span.doc
    between = doc[level.end : fig.start]
    return (
        0 <= fig.start - level.end <= 8
        and any(t.lower_ in {"is", "sits", "lies", "stands", "remains", "seems"} for t in between)
        and not any(level.end <= o.start < fig.start for o in sentence.figures)
    )


def _level_after_move(sentence: Sentence, fig: Figure) -> bool:
    """ "The US Dollar Index surged to 108.30, up from 107.60": a bare number right after a word of
    movement and "to" / "from" is the level the move reached or left."""
    if fig.start < 2 or sentence.span.doc[fig.start - 1].lower_ not in {"to", "from"}:
        return False
    dated = {i for tok, d, _ in sentence.dates for i in range(tok, tok + len(d.text.split()))}
    # "surged to 108.30", "fell Friday to 6,025.99": a day may stand between the move and "to"
    return any(
        h.end <= fig.start - 1
        and all(i in dated for i in range(h.end, fig.start - 1))
        and fig.start - 1 - h.end <= 2
        for h in sentence.cues("changes")
    )


def _record_level(level: Hit) -> bool:
    """ "toward the all-time high of $73,650": a record is a fact, even in a sentence about what may come."""
    return level.label in {"high", "low"} and any(w in level.rule_id for w in ("all", "record", "ath"))


def _note_named_before(sentence: Sentence, fig: Figure, seg: int) -> bool:
    """A bond of a tenor ("the 10-year T-note", "the 2-year") is the nearest name before a percentage."""
    before = [h for h in sentence.names("subject") if h.end <= fig.start and sentence.segment(h.start) == seg]
    return bool(before) and max(before, key=lambda h: h.end).entry.tenor is not None


def _level_of_listed(sentence: Sentence, fig: Figure, seg: int) -> Hit | None:
    """ "above the $188 and $190 resistance levels": figures listed together share the level named after the last."""
    doc = sentence.span.doc
    figures = sentence.figures
    i = figures.index(fig)
    while i + 1 < len(figures) and set(tokens_of(doc).lower[figures[i].end : figures[i + 1].start]) <= {
        "and",
        "or",
        ",",
        "the",
    }:
        i += 1
    if figures[i] is fig:
        return None
    return _level(sentence, figures[i], seg)


def _level_of_move(move: Hit, how: str) -> Hit:
    """The level a move's word names: the low of a fall, the high of a rise."""
    label = "low" if move.label == "down" else "high"
    return CueHit(
        "levels",
        label,
        move.start,
        move.end,
        move.start_char,
        move.end_char,
        f"level.{label}.{how}",
        key="level",
    )


def _turning_point(sentence: Sentence, fig: Figure) -> Hit | None:
    """ "Solana bounced from $174 to $189", "a correction from the $205 top": the figure after "from"
    is where the move turned, a named level in technical analysis."""
    doc = sentence.span.doc
    before = [t for t in doc[max(sentence.span.start, fig.start - 4) : fig.start]]
    words = [t.lower_ for t in before]
    if len(words) >= 3 and words[-1] == "to" and words[-3] == "after":
        # "has bounced after falling to $26.47": where the earlier move ended, before it turned
        move = next(
            (h for h in sentence.cues("changes") if h.end == fig.start - 1 and h.label in {"up", "down"}),
            None,
        )
        if move is not None:
            return _level_of_move(move, "turned_after")
    toward = next((w for w in ("toward", "towards") if w in words), None)
    if toward and all(w in {"the", "a"} for w in words[words.index(toward) + 1 :]):
        # "quickly fell toward $92,000": where a move went is its low (or high)
        move = next(
            (h for h in sentence.cues("changes") if 0 <= before[words.index(toward)].i - h.end <= 1), None
        )
        noun = (
            move is not None
            and move.start > 0
            and doc[move.start - 1].lower_ in {"a", "an", "the", "brief", "sudden"}
        )
        if move is not None and move.label in {"up", "down"} and not noun:  # "a brief spike toward" is no low
            return _level_of_move(move, "moved_toward")
    if "from" not in words or any(
        w not in {"from", "the", "a", "its", "sharply", "quickly"} for w in words[words.index("from") + 1 :]
    ):
        return None
    verb = (
        doc[before[words.index("from")].i - 1]
        if before[words.index("from")].i > sentence.span.start
        else None
    )
    if verb is None:
        return None
    turned = {"low": lexicon("turned_at_low"), "high": lexicon("turned_at_high")}
    turned_at = next((lb for lb, verbs in turned.items() if verb.lower_ in verbs), None)
    if turned_at is None:
        return None
    label = turned_at
    return CueHit(
        "levels",
        label,
        verb.i,
        verb.i + 1,
        verb.idx,
        verb.idx + len(verb),
        f"level.{label}.turned_from",
        key="level",
    )


def _zone_role(sentence: Sentence, fig: Figure) -> CueHit | None:
    """ "has bottomed in the area between $63,000 and $65,000", "topped out in the zone between
    $73,000 and $74,000": a price zone the verb before it says held the price (support) or capped
    it (resistance)."""
    if fig.quantity.value_max is None:
        return None
    tokens = tokens_of(sentence.span.doc)
    lower = tokens.lower
    first = sentence.span.start
    zone = next(
        (
            i
            for i in range(fig.start - 1, max(first, fig.start - 4) - 1, -1)
            if lower[i] in lexicon("zone_nouns")
        ),
        None,
    )
    if zone is None:
        return None
    for i in range(zone - 1, max(first, zone - 7) - 1, -1):
        if lower[i] in {",", ";", ":"}:
            return None
        label = (
            "support"
            if lower[i] in lexicon("zone_held_verbs")
            else "resistance"
            if lower[i] in lexicon("zone_capped_verbs")
            else None
        )
        if label is not None:
            idx = tokens.idx[zone]
            return CueHit(
                "levels",
                label,
                zone,
                zone + 1,
                idx,
                idx + len(lower[zone]),
                f"level.{label}.zone",
                key="level",
            )
    return None


def _nearest_cue(link: FigureLink) -> Hit | None:
    """The metric word nearest the figure that can take its kind of value (same clause first).
    A negative figure is first read as a level ("funding stood at -0.012%"), then as a move."""
    sentence, fig, seg, kind = link.sentence, link.fig, link.seg, link.kind
    return _cue_for(sentence, fig, seg, kind, link.moved) or (
        _cue_for(sentence, fig, seg, kind, True) if link.is_change else None
    )


def _cue_for(sentence: Sentence, fig: Figure, seg: int, kind: str, moved: bool) -> Hit | None:  # noqa: C901 - one test per reason a metric word is not the figure's, in reading order
    best, best_score = None, 10_000
    labels = {h.label for h in sentence.cues("metrics")}
    relative = relative_clauses(sentence)
    for hit in sentence.cues("metrics"):
        if metric_for(hit.label, fig.unit, moved) is None:
            continue
        if _cue_owned_elsewhere(sentence, hit, fig):
            continue
        if hit.end <= fig.start and any(
            o is not fig
            and o.end <= fig.start
            and hit.end <= o.start <= hit.end + 2
            and {t.lower_ for t in sentence.span.doc[hit.end : o.start]} <= {"of", "at"}
            and unit_kind(o.unit)
            != kind  # "inflows of $44.0 million, led by ETHA with $62.0 million" share it
            for o in sentence.figures
        ):
            continue  # "on trade volume of 12,500 contracts and was sitting 2.0 cents higher": the other figure's word
        if any(a <= hit.start < b and not a <= fig.start < b for a, b in relative):
            continue  # "BTC.D, which measures BTC's market capitalization …, dropped to 55.14%"
        if hit.label == "price" and kind == "number" and labels & {"rsi", "correlation"}:
            continue  # "RSI … stood at 48": an indicator, not an index level
        if hit.label == "price" and (
            kind == "money"
            and SCALED.search(fig.quantity.text)
            or any(o is not fig and hit.end <= o.start and o.end <= fig.start for o in sentence.figures)
        ):
            continue  # "stood at $2.47 trillion, up 5.4%": the price word is the other figure's
        if hit.end <= fig.start:
            distance = fig.start - hit.end
        elif hit.start > fig.start and hit.end > fig.end:
            # a word after the figure reads second: "a 7.2% increase in volume", "272 million shares changed hands"
            distance = max(0, hit.start - fig.end) + 2
            if distance > 8 or sentence.segment(hit.start) != seg:
                continue  # "added $1.15, while the crypto market cap …": a later clause's measure
            if any(
                o is not fig and fig.end <= o.start < hit.start and not _restated_by(sentence, fig, o)
                for o in sentence.figures
            ):
                continue  # "at $12.60, with 4,027,557 shares traded": the volume word is the later figure's
            if _measured_in(sentence, fig, hit):
                distance = (
                    -1
                )  # "shed $142 billion in market value": the figure is that measure's, not the verb's
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
        netflow = [
            h
            for h in sentence.cues("metrics")
            if h.label == "exchange_netflow" and sentence.segment(h.start) == seg
        ]
        if netflow and kind in FAMILY_UNITS["exchange_netflow"]:
            return netflow[0]
        if (
            kind in {"coins", "money"}
            and "exchanges" in sentence.word_set
            and not any(h.entry.type == "etf" for h in sentence.names("subject"))
        ):
            return CueHit(
                "metrics",
                "exchange_netflow",
                best.start,
                best.end,
                best.start_char,
                best.end_char,
                best.rule_id + ".exchanges",
            )
    return best


def _measured_in(sentence: Sentence, fig: Figure, cue: Hit) -> bool:
    """ "$142 billion in market value", "$2.1 billion in trading volume": "in" joins a figure to the
    measure it is an amount of (at most two words between)."""
    gap = tokens_of(sentence.span.doc).lower[fig.end : cue.start]
    return bool(gap) and gap[0] == "in" and len(gap) <= 3


def _restated_by(sentence: Sentence, fig: Figure, other: Figure) -> bool:
    """Is `other` the same quantity as `fig` in money ("45,000 ETH worth $150 million")?"""
    gap = " ".join(tokens_of(sentence.span.doc).lower[fig.end : other.start])
    return (
        unit_kind(fig.unit) == "coins"
        and unit_kind(other.unit) == "money"
        and gap in lexicon("restatement_connectors")
    )


def _cue_owned_elsewhere(sentence: Sentence, cue: Hit, fig: Figure) -> bool:
    """ "Open interest … dropped to $19.7 billion as the token slid to $1,748": a metric word before
    another figure that has its own verb belongs to that figure, not to the one after the verb."""
    doc = sentence.span.doc
    for other in sentence.figures:
        if other is fig or not (cue.end <= other.start and other.end <= fig.start):
            continue
        between = doc[other.end : fig.start]
        new_clause = any(t.lower_ in {"as", "while", "when", "and", "but", "with"} for t in between)
        new_subject = any(
            other.end <= h.start and h.end <= fig.start for h in sentence.names("subject")
        ) or any(a.lower_ == "the" and b.lower_ in GENERIC_SINGULARS for a, b in zip(between, between[1:]))
        if (
            new_clause
            and new_subject
            and any(
                other.end <= c.start and c.end <= fig.start and not c.label.endswith("_after")
                for c in sentence.cues("changes")
            )
        ):
            return True
    return False


def _basis_follows(sentence: Sentence, fig: Figure) -> bool:
    return any(h.key == "basis" and 0 <= h.start - fig.end <= 1 for h in sentence.cues("qualifiers"))


def _other_metric_beside(sentence: Sentence, fig: Figure) -> bool:
    """A metric word (not a price word) right beside a figure that it could not take."""
    qualified = {i for q in sentence.cues("qualifiers") for i in range(q.start, q.end)}
    for hit in sentence.cues("metrics"):
        if hit.label == "price" or ".verb." in hit.rule_id or hit.start in qualified:
            continue  # "lost 68.29 points" (a verb of flows), "5.4% of market cap" (a basis)
        if any(
            o is not fig and min(fig.end, hit.end) <= o.start < max(fig.start, hit.start)
            for o in sentence.figures
        ):
            continue  # "at $12.60, with 4,027,557 shares traded": the word is the other figure's
        if 0 <= hit.start - fig.end <= 3 or 0 <= fig.start - hit.end <= 2:
            return True
    return False


def _names_the_measure(sentence: Sentence) -> bool:
    """ "The metric is down below 58%", "the gauge rose to 61": the measure the text just named."""
    tokens = sentence.words
    return any(
        a == "the" and b in {"metric", "indicator", "gauge", "measure"} for a, b in zip(tokens, tokens[1:])
    )


def _refers_back(sentence: Sentence) -> bool:
    tokens = sentence.words
    demonstrative = any(
        a in {"that", "this", "these", "those"} and b in ANAPHORIC_NOUNS for a, b in zip(tokens, tokens[1:])
    ) or any(a == "of" and b in {"that", "it"} for a, b in zip(tokens, tokens[1:]))
    # "This exceeds the 2.5% …", "That is $1.3 billion": a pronoun followed by a verb, not "This discrepancy …"
    alpha = [t for t in tokens if t.isalpha()]
    opener = (
        len(alpha) > 1
        and alpha[0] in ANAPHORA
        and (
            alpha[1] in ANAPHORIC_NOUNS
            or alpha[1] in {"is", "was", "means"}
            or (alpha[1].endswith("s") and not alpha[1].endswith("ss"))
        )
    )
    return opener or demonstrative or bool(set(tokens) & (COMPARISON | REFERS_BACK))


def _excluded(sentence: Sentence, fig: Figure, seg: int) -> bool:
    """A figure next to a word of a topic outside the vocabulary ("liquidated", "earnings", "CPI"),
    or in a sentence about one ("Revenue at Microsoft's cloud unit … grew 20%")."""
    # names with a ticker: "Leidos Holdings (NYSE:LDOS)"
    named = [(n.start, n.end) for n in sentence.names("subject") if n.entry is not None and n.entry.symbol]
    levels = [(v.start, v.end) for v in sentence.cues("levels")]
    windows = [(tok, tokens_until(sentence.span.doc, tok, d.end)) for tok, d in sentence.durations]
    measure = _measure_beside(sentence, fig, seg)
    for h in sentence.cues("exclusions"):
        if any(s <= h.start < e for s, e in windows):
            continue  # "its lowest in over a month": a window, not a price "a month"
        if measure and min(abs(h.start - fig.end), abs(fig.start - h.end)) > 6:
            continue  # "the $1.9 billion call open interest" in a sentence on the put-to-call ratio
        if any(s <= h.start and h.end <= e and (s, e) != (h.start, h.end) for s, e in named):
            continue  # "Leidos Holdings (NYSE:LDOS) rose 3%": a word of the name, not a topic
        if any(s <= h.start and h.end <= e for s, e in levels):
            continue  # "a supply zone between $3,520 and $3,580": a level, not the coin's supply
        if h.end <= fig.start and _inside_aside_after_name(sentence, h, fig):
            continue  # "Apple, Meta and Amazon, set to report earnings on Thursday, fell over 1% each"
        if h.end <= fig.start and _mover_named_between(sentence, h.end, fig):
            continue  # "On the earnings front, Cigna rose 5.4%": the figure is the named stock's move
        if _move_of_topic(sentence, fig, h):
            return True  # "a 25% jump in revenue to $40.1 billion": the move is the topic's, whatever follows
        if h.start - _after_opener(sentence) <= 2 and h.end <= fig.start:
            # "The US Producer Price Index rose 0.4% …, but above the 0.3% increase expected": the
            # sentence is about the topic, every clause of it (a name after a comma opens its own: above)
            return True
        if sentence.segment(h.start) != seg and h.end != fig.start:
            continue
        if h.end <= fig.start and fig.start - h.end <= 8:
            return True
        if (
            h.start >= fig.end
            and h.start - fig.end <= 4
            and not owned_by_other_figure(sentence, fig, h.start, h.end)
            # "rose 5.4% as the insurer raised its forecast": a new clause speaks of something else
            and not any(t.lower_ in CLAUSE_OPENERS for t in sentence.span.doc[fig.end : h.start])
        ):
            return True
    return False


# "a 25% jump in revenue", "a 12% increase in sales", "20% growth in profit"
TOPIC_MOVE_NOUNS = lexicon("moves_as_nouns") | {"increase", "decrease", "growth"}


def _move_of_topic(sentence: Sentence, fig: Figure, topic: Hit) -> bool:
    """ "a 25% jump in revenue", "a 12% rise in sales": a move noun right after the figure, then
    "in" and the topic word."""
    lower = tokens_of(sentence.span.doc).lower
    return topic.start == fig.end + 2 and lower[fig.end] in TOPIC_MOVE_NOUNS and lower[fig.end + 1] == "in"


def _after_opener(sentence: Sentence) -> int:
    """The first token after a one-word opener set off by a comma ("Interestingly, the number of …")."""
    start = sentence.span.start
    text = tokens_of(sentence.span.doc).text
    if start + 2 < sentence.span.end and text[start + 1] == "," and text[start].isalpha():
        return start + 2
    return start


def _measure_beside(sentence: Sentence, fig: Figure, seg: int) -> bool:
    """Is a word of a measure other than price at most three words from the figure, in its clause
    ("$3.1 billion in monthly BTC options is set to expire", "$1.9 billion call open interest")?"""
    words = tokens_of(sentence.span.doc).lower
    return any(
        0 <= (h.start - fig.end if h.start >= fig.end else fig.start - h.end) <= 3
        and h.label != "price"
        and ".verb." not in h.rule_id
        and sentence.segment(h.start) == seg
        # "up 3.5 cents on trade volume of 12,500 contracts": the volume is another figure's
        and not set(words[fig.end : h.start]) & {"on", "with", "and", "to"}
        for h in sentence.cues("metrics")
    )


def _move_follows(sentence: Sentence, fig: Figure, seg: int) -> bool:
    """ "at 5.1% of market cap, up 0.8 percentage points since 2023": a later move in the clause owns
    the window."""
    return any(
        o.start > fig.end
        and sentence.segment(o.start) == seg
        and any(0 <= o.start - c.end <= 2 for c in sentence.cues("changes"))
        for o in sentence.figures
    )


def _named_measure_cannot_move(sentence: Sentence, fig: Figure, seg: int) -> bool:
    """Is the figure's clause about a measure named after its subject ("Bitcoin dominance", "the
    Bitcoin Dominance Index (BTC.D), which …,") whose moves are no claims of this version?"""
    relative = relative_clauses(sentence)
    subjects = [h for h in sentence.names("subject") if h.end <= fig.start and not inside(relative, h.start)]
    if not subjects:
        return False
    last = max(subjects, key=lambda h: h.end)
    return any(
        last.end <= h.start
        and h.end <= fig.start
        and h.label != "price"
        and ".verb." not in h.rule_id
        and sentence.segment(h.start) == seg
        and not inside(relative, h.start)
        and metric_for(h.label, fig.unit, True) is None
        for h in sentence.cues("metrics")
    )


def _during_trading_hours(as_of: str | None, metric: str, subject: Entry) -> bool:
    """A stock-market figure stamped with a clock time of the US session (9:30 to 16:00 New York
    time) is an intraday one."""
    if not as_of or "T" not in as_of or "session" not in metric_row(metric).qualifiers:
        return False
    if subject.type not in {"index", "stock", "etf"}:
        return False
    try:
        moment = datetime.fromisoformat(as_of).astimezone(NEW_YORK)
    except ValueError:
        return False
    return (9, 30) <= (moment.hour, moment.minute) < (16, 0)


def _is_new_target(sentence: Sentence, fig: Figure) -> bool:
    """ "raised its price target on the stock to $455": a target set "to" a figure."""
    doc = sentence.span.doc
    if fig.start == 0 or doc[fig.start - 1].lower_ != "to":
        return False
    return any(
        t.lower_ in {"target", "targets"} for t in doc[max(sentence.span.start, fig.start - 12) : fig.start]
    )


def _inside_aside_after_name(sentence: Sentence, hit: Hit, fig: Figure) -> bool:
    """Does the word stand in an aside between commas that follows a name and precedes the figure?"""
    doc = sentence.span.doc
    text = tokens_of(doc).text
    opening = next((i for i in range(hit.start - 1, sentence.span.start - 1, -1) if text[i] == ","), None)
    closing = next((i for i in range(hit.end, fig.start) if text[i] == ","), None)
    if opening is None or closing is None:
        return False
    return any(opening - 3 <= h.end <= opening for h in sentence.names("subject"))


def _mover_named_between(sentence: Sentence, start: int, fig: Figure) -> bool:
    """Is a subject named between `start` and the figure after a comma, opening a clause of its own
    ("Further on the earnings front, Cigna CI.N rose 5.4%", "After results, Nvidia rose 3%")? Then
    the words before the comma set the scene; they do not say what the figure measures."""
    tokens = tokens_of(sentence.span.doc)
    # a comma or a word that opens a clause: "Bitcoin whales blamed as BTC price slips 2.8%"
    commas = [
        i
        for i in range(start, fig.start)
        if tokens.text[i] == "," or tokens.lower[i] in {"as", "while", "when", "but"}
    ]
    if not commas:
        return False
    moves = [c for c in sentence.cues("changes") if c.end <= fig.start]
    return any(
        commas[-1] < h.start
        and h.end <= fig.start
        and any(h.end <= c.start for c in moves)  # "Cigna CI.N rose 5.4%": the name, a move, the figure
        for h in sentence.names("subject")
    )


COUNTED_NOUNS = lexicon("counted_nouns")


CLAUSE_OPENERS = lexicon("clause_openers")


def _counts_shares_outstanding(sentence: Sentence, fig: Figure) -> bool:
    following = sentence.text[fig.end_char : fig.end_char + 40].lower().lstrip()
    # "426 million shares outstanding", "~21.2M shares outstanding" (the unit word may sit in the figure)
    return fig.unit in {"shares", "number"} and following.startswith(
        ("shares outstanding", "outstanding shares", "outstanding")
    )


CONDITIONAL_OPENERS = lexicon("conditional_openers")


def _hypothetical(sentence: Sentence, fig: Figure) -> bool:
    tokens = tokens_of(sentence.span.doc)
    start, end = sentence.span.start, sentence.span.end
    first = next((tokens.lower[i] for i in range(start, end) if tokens.is_alpha[i]), "")
    if first in CONDITIONAL_OPENERS:
        return True  # "If sellers' pressure continues, there is a possibility of … a drop to $0.3575"
    clause_start = start
    for i in range(start, fig.start):
        if tokens.text[i] in {",", ";", "—", "(", ")"} or tokens.lower[i] in {"while", "but", "whereas"}:
            clause_start = i + 1
    return any(clause_start <= h.start < fig.start for h in sentence.cues("modality"))


def _qualifiers(link: FigureLink) -> dict[str, str]:  # noqa: C901 - one block per qualifier key, in the order of the contract's table
    sentence, fig, seg, metric, context = link.sentence, link.fig, link.seg, link.metric, link.context
    level, subject, counterpart, rule = link.level, link.the_subject, link.counterpart, link.rule
    out: dict[str, str] = {}
    doc = sentence.span.doc
    quals = _longest(sentence.cues("qualifiers"))

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

    takes = metric_row(metric).qualifiers
    if "basis" in takes:
        basis = near("basis", 15, 8)
        if basis:
            out["basis"] = basis.label
    if "aggregate" in takes:
        aggregate = near("aggregate", 12, 2)
        if aggregate and any(b.key == "basis" and b.start <= aggregate.start < b.end for b in quals):
            aggregate = None  # "of the total float": the basis, not a total
        if aggregate:
            out["aggregate"] = aggregate.label
    if metric.startswith("short_interest") and subject.type == "market" and "aggregate" not in out:
        out["aggregate"] = "total"  # exchange-wide short interest is a total
    if rule == "context.refers_back" or (_refers_back(sentence) and context.family == family_of(metric)):
        for key, value in context.qualifiers.items():
            out.setdefault(key, value)
    if "session" in takes:
        # "closed down 769.83 points, or 1.79%, at 42,197.79": the session word opens the chain
        session = near("session", 16, 0) or near("session", 0, 4)
        right_before = session is not None and [t.lower_ for t in doc[session.end : fig.start]] == ["at"]
        if session and (right_before or not owned_by_other_figure(sentence, fig, session.start, session.end)):
            # "slid 317.01 points to close at 38,150.30": "to close at" names the level's session
            out["session"] = session.label
    if "level" in takes and level is not None:
        out["level"] = level.label
    if "timeframe" in takes:
        timeframe = min(
            (h for h in quals if h.key == "timeframe"), key=lambda h: abs(h.start - fig.start), default=None
        )
        if timeframe:
            out["timeframe"] = timeframe.label
    if "venue" in takes:
        venues = [
            v
            for v in sentence.names("venue")
            if sentence.segment(v.start) == seg
            and v.end <= fig.start
            and fig.start - v.end <= 10
            and not owned_by_other_figure(sentence, fig, v.start, v.end)
        ]
        after = [
            v
            for v in sentence.names("venue")
            if sentence.segment(v.start) == seg
            and v.start >= fig.end
            and v.start - fig.end <= 14
            and doc[v.start - 1].lower_ in {"at", "on"}
            and not any(fig.end <= o.start < v.start for o in sentence.figures)
        ]
        if after:  # "followed by $410 million at OKX": the venue written right after the figure
            out["venue"] = min(after, key=lambda v: v.start).label
        elif venues:
            out["venue"] = max(venues, key=lambda v: v.end).label
    if metric == "fund_flow":
        # "Spot bitcoin ETFs lost $287.8 million …, with FBTC accounting for $162.3 million": the
        # direction of the sentence holds for every flow in it unless one names its own
        direction = near("direction", 10, 6) or max(
            (h for h in quals if h.key == "direction" and h.end <= fig.start),
            key=lambda h: h.end,
            default=None,
        )
        if direction:
            out["direction"] = direction.label
        elif rule == "fund_flow.listed_fund" and context.flow_direction:
            out["direction"] = context.flow_direction  # the list goes on in the direction it started
    if metric == "exchange_netflow":
        text = sentence.span.text.lower()
        if any(
            w in text
            for w in (
                "outflow",
                "withdrawn",
                "withdrawals",
                "removed from",
                "pulled from",
                "moved off",
                "taken off",
                "left exchanges",
                "leaving exchanges",
                "turned negative",
                "off exchanges",
                "out of exchanges",
                "from exchanges",
                "from centralized exchanges",
            )
        ):
            out["direction"] = "outflow"
    if "counterpart" in takes and counterpart is not None:
        out["counterpart"] = counterpart.name
    if subject.tenor:
        out["tenor"] = subject.tenor
    since = since_for(sentence, seg, context.published, fig)
    windowed = "since" in takes or ("aggregate" in out and not _move_follows(sentence, fig, seg))
    if since and windowed:
        out["since"] = since  # a move, a flow or an average since then; a level has no window
    return out


def _longest(hits: list[CueHit]) -> list[CueHit]:
    kept: list[CueHit] = []
    for h in sorted(hits, key=lambda h: -(h.end - h.start)):
        if not any(k.key == h.key and k.start <= h.start and h.end <= k.end for k in kept):
            kept.append(h)
    return kept


def _evidence(link: FigureLink) -> tuple[int, int]:
    """The characters that show the claim: the figure, with its metric word when it is close by."""
    sentence, fig, seg, cue = link.sentence, link.fig, link.seg, link.cue
    start, end = fig.start_char, fig.end_char
    if cue is not None and sentence.segment(cue.start) == seg:
        if cue.end <= fig.start and fig.start - cue.end <= 15:
            tokens = tokens_of(sentence.span.doc)
            first = cue.start + (1 if tokens.lower[cue.start] in {"'s", "’s"} else 0)  # "Meta's stock surged"
            start = min(start, tokens.idx[first])
        elif cue.start >= fig.end:
            end = max(end, cue.end_char)
    return start, end
