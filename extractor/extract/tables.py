"""Claims in tables: each figure cell is a claim about its row's subject.

In: the article text, where trafilatura writes a table as lines of cells (`| a | b |`), and a
`TableContext` (the pipeline, the rule model, the publication date and the day the story speaks
of). Out: `ClaimDraft`s, one per figure cell whose column header (or, failing that, the table's
caption) names a metric: "Shares sold short" → `short_interest` in shares, "% of float" →
`short_interest` with `basis: float`, "Price" → `price`, "24h change" → `price_change` over
`P1D`. A change column of percentages in a short-interest table is a change in percentage points
(`pp`), as the claim contract reads it.

    table_claims(text, context) -> list[ClaimDraft]
        read_tables(text) -> list[Table]          the `| … |` blocks: caption, header, rows, source
        read_columns(table, nlp, model) -> list[Column]
                                                  once per table: each header's metric family, scale
                                                  and currency ("($, mm)"), unit words, change and
                                                  window ("w/w" → P7D), qualifiers ("% of float")
        claims_of_table(table, columns, context)  per row: `row_subject`; per cell: `read_figure`
                                                  through its column, then the claim
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from spacy.language import Language

from extractor.extract.dating import flow_window
from extractor.extract.draft import ClaimDraft, metric_for
from extractor.metrics import metric_row
from extractor.normalize import Quantity, find_dates, find_durations, find_quantities
from extractor.normalize.quantities import currency_code, scale_factor
from extractor.rules import CueHit, Entry, Hit, RuleModel

TABLE_BLOCK = re.compile(r"(?:^[ \t]*\|.*\|[ \t]*$\n?){2,}", re.M)
SEPARATOR = re.compile(r"^\s*\|?(\s*:?-{2,}:?\s*\|)+\s*$")
SOURCE_LINE = re.compile(r"(?:^|\.\s)\s*(?:Source|Sources|Data)\s*:\s*([^.;,\n|]+)", re.I | re.M)

CHANGE_HEADER = re.compile(
    r"\b(change|chg|w/w|wow|m/m|d/d|vs\.? prior|difference|diff|move|Δ|week-on-week|month-on-month|day-on-day)\b|%\s*chg|\+/-",
    re.I,
)
NAMED_WINDOWS = {
    "week-on-week": "P7D",
    "w/w": "P7D",
    "wow": "P7D",
    "month-on-month": "P1M",
    "m/m": "P1M",
    "day-on-day": "P1D",
    "d/d": "P1D",
}
SHORT_WINDOW = re.compile(r"\b(\d+)\s*(h|d|w|m|y)\b", re.I)
# "Net Flows ($, mm)": "mm" is the finance trade's million; normalize knows what each scale and currency is
HEADER_SCALE = re.compile(
    r"\((?P<cur>US\$|\$|USD\s?|€|EUR\s?)?,?\s*(?:in\s+)?(?P<scale>mm|m|mn|mln|millions?|bn|billions?|k|thousands?)\b[^)]*\)"
    r"|\b(?P<scale2>m|mn|mln|bn) shares\b",
    re.I,
)
SHARES_HEADER = re.compile(r"\bshares\b", re.I)

CELL_TICKER = re.compile(r"^(?P<name>.*?)\s*\((?P<symbol>[A-Z0-9]{1,6})\)$")
TICKER = re.compile(r"^[A-Z]{1,5}(?:\.[A-Z])?$")
TOTAL_ROW = re.compile(r"^(total|all|sum|net total|aggregate)\b", re.I)
NEGATIVE_BRACKETS = re.compile(r"^\((?P<number>[\d.,]+)\)$")
PLAIN_NUMBER = re.compile(r"[-+−]?[\d.,]+")  # a bare figure, which the header's scale applies to
SIGNS = ("+", "-", "−")


# --------------------------------------------------------------------------------------------
# What goes in: the article's inputs, and its tables as cells
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableContext:
    """What reading an article's tables needs besides the text: the pipeline and rule model, the
    publication date (`anchor` is it parsed, for relative dates in captions) and the day the
    article's sentences speak of (`story_day`), when it is not the publication day."""

    nlp: Language
    model: RuleModel
    published: str | None
    anchor: datetime | None
    story_day: str | None = None

    @property
    def default_day(self) -> str | None:
        """The day of a table that names no date of its own: the story's day, else the publication day."""
        return self.story_day or (self.published[:10] if self.published else None)


@dataclass(frozen=True)
class Cell:
    text: str
    start: int  # character offsets in the article text
    end: int


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    start: int  # the line's character offsets in the article text: the claim's "sentence"
    end: int


@dataclass(frozen=True)
class Table:
    """A `| … |` block: its title rows (`caption`; each row's text follows a space), its header
    row, its data rows and the source a "Source: …" line under it (or in its first row) names."""

    caption: str
    header: list[Cell]
    rows: list[Row]
    source: str | None


def read_tables(text: str) -> list[Table]:
    """The tables of `text` that have a header row and at least one data row."""
    tables = []
    for block in TABLE_BLOCK.finditer(text):
        rows = _rows(block)
        source = _source(text, block, rows)
        caption = ""
        while rows and sum(1 for c in rows[0].cells if c.text) <= 1:  # a title row: one filled cell
            caption += " " + " ".join(c.text for c in rows[0].cells)
            rows = rows[1:]
        if len(rows) >= 2:
            tables.append(Table(caption, rows[0].cells, rows[1:], source))
    return tables


def _rows(block: re.Match[str]) -> list[Row]:
    """The lines of a table block but its `| --- |` separators, as cells."""
    rows, offset = [], block.start()
    for line in block.group().splitlines(keepends=True):
        content = line.rstrip("\n")
        if not SEPARATOR.match(line):
            rows.append(Row(split_row(content, offset), offset, offset + len(content)))
        offset += len(line)
    return rows


def split_row(line: str, offset: int) -> list[Cell]:
    cells, position = [], 0
    parts = line.split("|")
    for part in parts[1:-1] if line.strip().endswith("|") else parts[1:]:
        position = line.index(part, position)
        stripped = part.strip()
        lead = len(part) - len(part.lstrip())
        cells.append(Cell(stripped, offset + position + lead, offset + position + lead + len(stripped)))
        position += len(part)
    return cells


def _source(text: str, block: re.Match[str], rows: list[Row]) -> str | None:
    """ "Source: Farside Investors" on the line after the table, else in its first row."""
    after = SOURCE_LINE.match(text, block.end())
    source = after.group(1).strip() if after else None
    in_caption = SOURCE_LINE.search(" ".join(c.text for c in rows[0].cells)) if rows else None
    return source or (in_caption.group(1).strip() if in_caption else None)


# --------------------------------------------------------------------------------------------
# Columns: what each header says of the figures under it, read once per table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    heading: str
    family: str | None  # the metric family it measures: its header's, else the table's
    excluded: bool  # "AUM ($, mm)", "Holdings": a column of what the vocabulary leaves out
    scale: float | None  # "Net Flows ($, mm)" → 1e6, from the header or else the caption
    currency: str | None  # "Net Flows ($, mm)" → USD
    percent: bool  # "% of float": its bare numbers are percentages
    shares: bool  # "Shares sold short": its bare numbers count shares
    change: bool  # "24h change", "w/w", "+/-": its figures are moves
    window: str | None  # "w/w" → P7D, "24h change" → P1D: the window of a windowed metric
    flow_window: str  # a fund flow's window when the header names none: a day, or a week (dating)
    qualifiers: tuple[tuple[str, str], ...]  # (key, label) of the header's and caption's basis/aggregate hits

    def qualifiers_for(self, metric: str) -> dict[str, str]:
        """The header's qualifiers that `metric` takes ("% of float" → basis float)."""
        out: dict[str, str] = {}
        for key, label in self.qualifiers:
            if key == "basis" and "basis" in metric_row(metric).qualifiers:
                out["basis"] = label
            if key == "aggregate" and metric.startswith(("short_interest", "volume")):
                out["aggregate"] = label
        return out

    def period_for(self, metric: str) -> str | None:
        if self.window is not None and metric_row(metric).windowed:
            return self.window
        return self.flow_window if metric == "fund_flow" else None


def read_columns(table: Table, nlp: Language, model: RuleModel) -> list[Column]:
    headings = [cell.text for cell in table.header]
    own_families = [_family(nlp, model, heading) for heading in headings]
    # a column with no metric word of its own ("Week-on-week change (%)") measures what the
    # caption or the other columns of the table measure
    table_family = _family(nlp, model, table.caption) or next(
        (f for f in own_families if f and f != "price"), None
    )
    return [
        _column(heading, family or table_family, table.caption, nlp, model)
        for heading, family in zip(headings, own_families)
    ]


def _column(heading: str, family: str | None, caption: str, nlp: Language, model: RuleModel) -> Column:
    scale = HEADER_SCALE.search(heading) or HEADER_SCALE.search(caption)
    return Column(
        heading=heading,
        family=family,
        excluded=any(h.group == "exclusions" for h in _hits(nlp, model, heading)),
        scale=scale_factor(scale.group("scale") or scale.group("scale2")) if scale else None,
        currency=currency_code(scale.group("cur") or "") if scale else None,
        percent="%" in heading,
        shares=bool(SHARES_HEADER.search(heading)),
        change=bool(CHANGE_HEADER.search(heading)),
        window=_window(heading),
        flow_window=flow_window(caption + " " + heading),
        qualifiers=tuple(
            (h.key, h.label)
            for h in _hits(nlp, model, heading + " " + caption)
            if isinstance(h, CueHit) and h.group == "qualifiers" and h.key in ("basis", "aggregate")
        ),
    )


def _window(heading: str) -> str | None:
    """The window a header names: "over 24 hours" (normalize), "7d", "24h", "w/w", "m/m"."""
    durations = find_durations(heading)
    if durations:
        return durations[0].value
    return _short_window(heading) or _named_window(heading)


def _short_window(heading: str) -> str | None:
    """Column headers such as "7d" or "1y" that the date layer leaves alone."""
    m = SHORT_WINDOW.search(heading)
    if not m:
        return None
    n, unit = int(m.group(1)), m.group(2).lower()
    return f"PT{n}H" if unit == "h" and n != 24 else ("P1D" if unit == "h" else f"P{n}{unit.upper()}")


def _named_window(heading: str) -> str | None:
    """ "Week-on-Week", "m/m": change columns that name their window."""
    for name, value in NAMED_WINDOWS.items():
        if re.search(rf"(?<![\w/-]){re.escape(name)}(?![\w/-])", heading, re.I):
            return value
    return None


def _hits(nlp: Language, model: RuleModel, phrase: str) -> list[Hit]:
    """Rule hits of a header or caption (cached: the same headers repeat across tables and pages)."""
    key = (id(model), phrase)
    if key not in _HEADER_HITS:
        if len(_HEADER_HITS) > 4096:
            _HEADER_HITS.clear()
        _HEADER_HITS[key] = model.match(nlp.make_doc(phrase))
    return _HEADER_HITS[key]


_HEADER_HITS: dict[tuple[int, str], list[Hit]] = {}


def _family(nlp: Language, model: RuleModel, phrase: str) -> str | None:
    """The metric family the longest metric phrase of a header or caption names."""
    if not phrase.strip():
        return None
    hits = [h for h in _hits(nlp, model, phrase) if h.group == "metrics"]
    return max(hits, key=lambda h: h.end - h.start).label if hits else None


# --------------------------------------------------------------------------------------------
# Rows and cells: each row's subject, each figure read through its column
# --------------------------------------------------------------------------------------------


def row_subject(row: Row, model: RuleModel) -> Entry | None:
    """Who a row speaks of: the first cell the gazetteer knows ("Bitcoin (BTC)", "SPY", "2-year"),
    else the first cell that reads as a name. None for a total row or a row of figures only."""
    cells = row.cells
    if cells and TOTAL_ROW.match(cells[0].text):
        return None  # a total row restates the text's aggregate
    ticker = next((c.text for c in cells if TICKER.match(c.text)), None)
    for cell in cells:
        named = CELL_TICKER.match(cell.text)  # "Bitcoin (BTC)"
        text = named.group("name") if named else cell.text
        ticker = ticker or (named.group("symbol") if named else None)
        entry = _known_subject(text, ticker if named else None, model)
        if entry is not None:
            return (
                entry
                if entry.symbol or not ticker
                else Entry(entry.role, entry.name, entry.type, ticker, entry.tenor)
            )
    # the name is the first cell that is neither the ticker nor a figure: "| BOE | Boss Energy | 19.15% |",
    # "| SPXL | Direxion Daily S&P 500 Bull 3X Shares | …": names may hold digits, figures hold few letters
    name = next(
        (c.text for c in cells if c.text and c.text != ticker and sum(ch.isalpha() for ch in c.text) >= 3),
        None,
    )
    if name:
        return Entry(
            "subject",
            CELL_TICKER.sub(r"\g<name>", name) if CELL_TICKER.match(name) else name,
            "stock" if ticker else "other",
            ticker,
        )
    return None


def _known_subject(text: str, symbol: str | None, model: RuleModel) -> Entry | None:
    """The gazetteer entry a cell names, by name, by symbol, or by the symbol written beside it."""
    return (
        model.by_name.get(text.lower())
        or model.by_symbol.get(text)
        or (model.by_symbol.get(symbol) if symbol else None)
        # "| 2-year | 4.35% |" in a table of yields: the row names the tenor, the gazetteer the note
        or next(
            (
                model.by_name[k]
                for k in (f"{text.lower()} yield", f"the {text.lower()}")
                if k in model.by_name
            ),
            None,
        )
    )


@dataclass(frozen=True)
class Figure:
    """What one cell states, read through its column."""

    metric: str
    value: float
    value_max: float | None
    unit: str
    qualifiers: dict[str, str]
    period: str | None


def read_figure(cell: Cell, column: Column) -> Figure | None:
    """The figure of a cell that holds one, in its column's metric, unit and window; None for a
    cell of text, of several figures, or in a column that states no metric of ours."""
    if column.excluded:
        return None
    found = _cell_quantity(cell.text)
    if found is None:
        return None
    q = _scaled(*found, column)
    unit = q.unit
    if unit == "number":
        unit = "percent" if column.percent else "shares" if column.shares else unit
    metric = metric_for(column.family or "price", unit, column.change or cell.text.startswith(SIGNS))
    if metric is None:
        return None
    if metric == "short_interest_change" and unit == "percent":
        unit = "pp"  # a change in a percentage of float is a difference of percentages
    qualifiers = column.qualifiers_for(metric)
    if metric == "fund_flow":
        qualifiers["direction"] = "outflow" if q.value < 0 else "inflow"
    return Figure(metric, q.value, q.value_max, unit, qualifiers, column.period_for(metric))


def _cell_quantity(text: str) -> tuple[Quantity, str] | None:
    """The one quantity of a cell and the text of its number; "(16.2)" is accountants' minus."""
    bracketed = NEGATIVE_BRACKETS.match(text)
    number = bracketed.group("number") if bracketed else text
    quantities = find_quantities(number)
    if len(quantities) != 1:
        return None
    q = quantities[0]
    return (replace(q, value=-q.value) if bracketed else q), number


def _scaled(q: Quantity, number: str, column: Column) -> Quantity:
    """A bare figure under "($, mm)" is millions of dollars; a figure with its own unit is left alone."""
    if column.scale is None or q.unit != "number" or not PLAIN_NUMBER.fullmatch(number):
        return q
    factor = column.scale
    return replace(
        q,
        value=q.value * factor,
        unit=column.currency or q.unit,
        value_max=q.value_max * factor if q.value_max else None,
    )


# --------------------------------------------------------------------------------------------
# What comes out: the claims
# --------------------------------------------------------------------------------------------


def table_claims(text: str, context: TableContext) -> list[ClaimDraft]:
    """Claims of every table in `text`. A table that names no date of its own holds figures of the
    day the article's sentences speak of (`story_day`), else of the publication day."""
    drafts: list[ClaimDraft] = []
    for table in read_tables(text):
        columns = read_columns(table, context.nlp, context.model)
        drafts.extend(claims_of_table(table, columns, context))
    return drafts


def claims_of_table(table: Table, columns: list[Column], context: TableContext) -> list[ClaimDraft]:
    dates = find_dates(table.caption + " " + " ".join(c.text for c in table.header), context.anchor)
    as_of = dates[0].value if dates else context.default_day
    explicit = bool(dates)
    drafts = []
    for row in table.rows:
        subject = row_subject(row, context.model)
        if subject is None:
            continue
        for cell, column in zip(row.cells, columns):  # a cell beyond the header has no column
            figure = read_figure(cell, column) if cell.text else None
            if figure is None:
                continue
            drafts.append(
                ClaimDraft(
                    metric=figure.metric,
                    subject=subject,
                    value=figure.value,
                    unit=figure.unit,
                    value_max=figure.value_max,
                    qualifiers=figure.qualifiers,
                    as_of=as_of,
                    as_of_explicit=explicit,
                    # a date in the caption ("net flows, Tuesday 21 January 2025") is written for
                    # the table's figures: it outranks a date the text only carried or defaulted
                    as_of_strength=3 if explicit else 0,
                    period=figure.period,
                    evidence_start=cell.start,
                    evidence_end=cell.end,
                    sentence_start=row.start,
                    sentence_end=row.end,
                    attributed_to=table.source,
                    confidence=0.8,
                    rule="table.column_header",
                )
            )
    return drafts
