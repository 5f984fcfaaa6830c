"""Claims in tables: each figure cell is a claim about its row's subject.

In: the article text, where trafilatura writes a table as lines of cells (`| a | b |`), the
rule model and the publication date. Out: `ClaimDraft`s, one per figure cell whose column
header (or, failing that, the table's caption) names a metric: "Shares sold short" →
`short_interest` in shares, "% of float" → `short_interest` with `basis: float`, "Price" →
`price`, "24h change" → `price_change` over `P1D`. A change column of percentages in a
short-interest table is a change in percentage points (`pp`), as the claim contract reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from spacy.language import Language

from extractor.extract.dating import flow_window
from extractor.extract.draft import ClaimDraft, metric_for
from extractor.metrics import metric_row
from extractor.normalize import find_dates, find_durations, find_quantities
from extractor.normalize.quantities import currency_code, scale_factor
from extractor.rules import Entry, RuleModel

TABLE_BLOCK = re.compile(r"(?:^[ \t]*\|.*\|[ \t]*$\n?){2,}", re.M)
SEPARATOR = re.compile(r"^\s*\|?(\s*:?-{2,}:?\s*\|)+\s*$")
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
# "Net Flows ($, mm)": "mm" is the finance trade's million; normalize knows what each scale and currency is
HEADER_SCALE = re.compile(
    r"\((?P<cur>US\$|\$|USD\s?|€|EUR\s?)?,?\s*(?:in\s+)?(?P<scale>mm|m|mn|mln|millions?|bn|billions?|k|thousands?)\b[^)]*\)"
    r"|\b(?P<scale2>m|mn|mln|bn) shares\b",
    re.I,
)
CELL_TICKER = re.compile(r"^(?P<name>.*?)\s*\((?P<symbol>[A-Z0-9]{1,6})\)$")
NEGATIVE_BRACKETS = re.compile(r"^\((?P<number>[\d.,]+)\)$")
TOTAL_ROW = re.compile(r"^(total|all|sum|net total|aggregate)\b", re.I)
SOURCE_LINE = re.compile(r"(?:^|\.\s)\s*(?:Source|Sources|Data)\s*:\s*([^.;,\n|]+)", re.I | re.M)
TICKER = re.compile(r"^[A-Z]{1,5}(?:\.[A-Z])?$")


@dataclass
class Cell:
    text: str
    start: int  # character offsets in the article text
    end: int


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


def table_claims(
    text: str, nlp: Language, model: RuleModel, published: str | None, anchor, story_day: str | None = None
) -> list[ClaimDraft]:
    """Claims of every table in `text`. A table that names no date of its own holds figures of the
    day the article's sentences speak of (`story_day`), else of the publication day."""
    drafts: list[ClaimDraft] = []
    for block in TABLE_BLOCK.finditer(text):
        rows, offset = [], block.start()
        for line in block.group().splitlines(keepends=True):
            if not SEPARATOR.match(line):
                rows.append((split_row(line.rstrip("\n"), offset), offset, offset + len(line.rstrip("\n"))))
            offset += len(line)
        after = SOURCE_LINE.match(text, block.end())
        source = after.group(1).strip() if after else None
        in_caption = SOURCE_LINE.search(" ".join(c.text for c in rows[0][0])) if rows else None
        source = source or (in_caption.group(1).strip() if in_caption else None)
        drafts.extend(_claims_of_table(rows, text, nlp, model, published, anchor, source, story_day))
    return drafts


def _claims_of_table(rows, text, nlp, model, published, anchor, source, story_day=None) -> list[ClaimDraft]:
    caption = ""
    while rows and sum(1 for c in rows[0][0] if c.text) <= 1:  # a title row: one filled cell
        caption += " " + " ".join(c.text for c in rows[0][0])
        rows = rows[1:]
    if len(rows) < 2:
        return []
    header = [c.text for c in rows[0][0]]
    # a column with no metric word of its own ("Week-on-week change (%)") measures what the
    # caption or the other columns of the table measure
    caption_family = _family(nlp, model, caption) or next(
        (f for f in (_family(nlp, model, h) for h in header) if f and f != "price"), None
    )
    dates = find_dates(caption + " " + " ".join(header), anchor)
    as_of = dates[0].value if dates else (story_day or (published[:10] if published else None))
    explicit = bool(dates)
    drafts = []
    for cells, row_start, row_end in rows[1:]:
        subject = _row_subject(cells, header, model)
        if subject is None:
            continue
        for column, cell in enumerate(cells):
            if column >= len(header) or not cell.text:
                continue
            bracketed = NEGATIVE_BRACKETS.match(cell.text)  # "(16.2)": accountants' minus
            quantities = find_quantities(bracketed.group("number") if bracketed else cell.text)
            if len(quantities) != 1:
                continue
            q = quantities[0]
            if bracketed:
                q = replace(q, value=-q.value)
            heading = header[column]
            if any(h.group == "exclusions" for h in _hits(nlp, model, heading)):
                continue  # "AUM ($, mm)", "Holdings": a column of what the vocabulary leaves out
            scale = HEADER_SCALE.search(heading) or HEADER_SCALE.search(caption)
            if (
                scale
                and q.unit == "number"
                and re.fullmatch(r"[-+−]?[\d.,]+", (bracketed.group("number") if bracketed else cell.text))
            ):
                factor = scale_factor(scale.group("scale") or scale.group("scale2")) or 1.0
                unit = currency_code(scale.group("cur") or "") or q.unit
                q = replace(
                    q,
                    value=q.value * factor,
                    unit=unit,
                    value_max=q.value_max * factor if q.value_max else None,
                )
            family = _family(nlp, model, heading) or caption_family
            is_change = bool(CHANGE_HEADER.search(heading)) or cell.text.startswith(("+", "-", "−"))
            unit = "shares" if q.unit == "number" and re.search(r"\bshares\b", heading, re.I) else q.unit
            if "%" in heading and q.unit == "number":
                unit = "percent"
            metric = metric_for(family or "price", unit, is_change)
            if metric is None:
                continue
            if metric == "short_interest_change" and unit == "percent":
                unit = "pp"  # a change in a percentage of float is a difference of percentages
            qualifiers = _header_qualifiers(nlp, model, heading + " " + caption, metric)
            if metric == "fund_flow":
                qualifiers["direction"] = "outflow" if q.value < 0 else "inflow"
            windows = find_durations(heading) or _short_window(heading) or _named_window(heading)
            drafts.append(
                ClaimDraft(
                    metric=metric,
                    subject=subject,
                    value=q.value,
                    unit=unit,
                    value_max=q.value_max,
                    qualifiers=qualifiers,
                    as_of=as_of,
                    as_of_explicit=explicit,
                    # a date in the caption ("net flows, Tuesday 21 January 2025") is written for
                    # the table's figures: it outranks a date the text only carried or defaulted
                    as_of_strength=3 if explicit else 0,
                    period=windows[0].value
                    if windows and metric_row(metric).windowed
                    else (flow_window(caption + " " + heading) if metric == "fund_flow" else None),
                    evidence_start=cell.start,
                    evidence_end=cell.end,
                    sentence_start=row_start,
                    sentence_end=row_end,
                    attributed_to=source,
                    confidence=0.8,
                    rule="table.column_header",
                )
            )
    return drafts


SHORT_WINDOW = re.compile(r"\b(\d+)\s*(h|d|w|m|y)\b", re.I)


def _named_window(heading: str) -> list:
    """ "Week-on-Week", "m/m": change columns that name their window."""
    for name, value in NAMED_WINDOWS.items():
        if re.search(rf"(?<![\w/-]){re.escape(name)}(?![\w/-])", heading, re.I):
            return [type("Window", (), {"value": value})()]
    return []


def _short_window(heading: str) -> list:
    """Column headers such as "7d" or "1y" that the date layer leaves alone."""
    m = SHORT_WINDOW.search(heading)
    if not m:
        return []
    n, unit = int(m.group(1)), m.group(2).lower()
    value = f"PT{n}H" if unit == "h" and n != 24 else ("P1D" if unit == "h" else f"P{n}{unit.upper()}")
    return [type("Window", (), {"value": value})()]


def _hits(nlp: Language, model: RuleModel, phrase: str) -> list:
    """Rule hits of a header or caption (cached: the same headers repeat across tables and pages)."""
    key = (id(model), phrase)
    if key not in _HEADER_HITS:
        if len(_HEADER_HITS) > 4096:
            _HEADER_HITS.clear()
        _HEADER_HITS[key] = model.match(nlp.make_doc(phrase))
    return _HEADER_HITS[key]


_HEADER_HITS: dict[tuple[int, str], list] = {}


def _family(nlp: Language, model: RuleModel, phrase: str) -> str | None:
    if not phrase.strip():
        return None
    hits = [h for h in _hits(nlp, model, phrase) if h.group == "metrics"]
    return max(hits, key=lambda h: h.end - h.start).label if hits else None


def _header_qualifiers(nlp: Language, model: RuleModel, phrase: str, metric: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in _hits(nlp, model, phrase):
        if h.group == "qualifiers" and h.key == "basis" and "basis" in metric_row(metric).qualifiers:
            out["basis"] = h.label
        if (
            h.group == "qualifiers"
            and h.key == "aggregate"
            and metric.startswith(("short_interest", "volume"))
        ):
            out["aggregate"] = h.label
    return out


def _row_subject(cells: list[Cell], header: list[str], model: RuleModel) -> Entry | None:
    if cells and TOTAL_ROW.match(cells[0].text):
        return None  # a total row restates the text's aggregate
    ticker = next((c.text for c in cells if TICKER.match(c.text)), None)
    for cell in cells:
        named = CELL_TICKER.match(cell.text)  # "Bitcoin (BTC)"
        text = named.group("name") if named else cell.text
        ticker = ticker or (named.group("symbol") if named else None)
        entry = (
            model.by_name.get(text.lower())
            or model.by_symbol.get(text)
            or (model.by_symbol.get(ticker) if named and ticker else None)
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
