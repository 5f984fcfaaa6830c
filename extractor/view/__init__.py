"""An article with its claims as one self-contained HTML page (`claims show`, the pages of `claims serve`).

    render_article(article, report=None, *, all_figures=False, note=None) -> str
    render_paste_form(values=None, error=None) -> str
    stored_article(meta, claims) -> Article

In: an extracted `Article` (its cleaned `text` and `claims`), optionally the `VerifyReport` of
those claims. Out: an HTML string with no external resource (CSS and JS inline, system fonts):

* the text, every claim's evidence span a `<mark class="claim">` (one per claim, id `claim-N`,
  coloured by metric, a legend above), focusable; hovering or focusing it shows its card (the
  normalized record, and the verdicts with their reasons; contradictions are outlined in red);
* restatements — the same figure (value and unit) again, in a claim with `mentions` > 1 — are
  links to the first mention (the record keeps only the first mention's offsets, so they are
  found by their value);
* with `all_figures`, every figure the normalizer reads that is no claim's evidence, dimmed;
* beside it the claims grouped by subject, each a link to its span.

The HTML comes from the Jinja2 templates in `templates/` (autoescaped); this module only
computes what they show.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from extractor.normalize import find_dates, find_durations, find_quantities
from extractor.schemas import METRICS, Article, ArticleRef, Claim, Evidence

# One colour per metric (light backgrounds, readable with black text); the legend shows those in use.
PALETTE = (
    "#ffd6a5",
    "#caffbf",
    "#9bf6ff",
    "#bdb2ff",
    "#ffc6ff",
    "#fdffb6",
    "#a0c4ff",
    "#ffadad",
    "#d0f4de",
    "#e4c1f9",
    "#fcf6bd",
    "#a9def9",
    "#ffcfd2",
    "#cfbaf0",
    "#b9fbc0",
    "#f1c0e8",
    "#deaaff",
)
METRIC_COLOURS = {metric: PALETTE[i % len(PALETTE)] for i, metric in enumerate(METRICS)}
VERDICT_RANK = {"contradicted": 0, "supported": 1, "unverifiable": 2}


# --------------------------------------------------------------------------- what the template shows


@dataclass
class VerdictView:
    verdict: str
    check: str
    reason: str
    strength: str | None


@dataclass
class ClaimView:
    """One claim as the page shows it: its anchor, its record's fields, its verdicts."""

    n: int
    claim: Claim
    value: str
    fields: list[tuple[str, str]]
    verdicts: list[VerdictView] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"claim-{self.n}"

    @property
    def verdict(self) -> str | None:
        """The overall verdict: contradicted, then supported, then unverifiable (None: not verified)."""
        if not self.verdicts:
            return None
        return min((v.verdict for v in self.verdicts), key=VERDICT_RANK.__getitem__)

    @property
    def summary(self) -> str:
        return f"{self.claim.metric.replace('_', ' ')} {self.value}"


@dataclass
class Node:
    """A piece of a paragraph: plain text (`kind` "text") or a highlight holding more nodes."""

    kind: str  # text | claim | restatement | figure
    start: int
    end: int
    text: str = ""
    claim: ClaimView | None = None
    title: str = ""
    children: list[Node] = field(default_factory=list)


@dataclass
class Span:
    kind: str
    start: int
    end: int
    claim: ClaimView | None = None
    title: str = ""


# --------------------------------------------------------------------------- formatting


def show_value(value: float, unit: str) -> str:
    """`$28.5 billion`, `4.6%`, `38,333.45 points` (as `claims verify` writes values)."""
    from extractor.verify.checks import show

    if not math.isfinite(value):
        return f"{value} {unit}"
    return show(value, unit)


def claim_fields(c: Claim) -> list[tuple[str, str]]:
    """The normalized record, in the order a reader checks it (empty fields left out)."""
    value = show_value(c.value, c.unit) + (
        f" – {show_value(c.value_max, c.unit)}" if c.value_max is not None else ""
    )
    subject = c.subject + (f" ({c.symbol})" if c.symbol and c.symbol != c.subject else "")
    rows = [
        ("metric", c.metric),
        ("subject", f"{subject} · {c.subject_type}"),
        ("value", f"{value} [{c.unit}]"),
        ("as_of", c.as_of or ""),
        ("period", c.period or ""),
        ("qualifiers", ", ".join(f"{k}={v}" for k, v in c.qualifiers.items())),
        ("source", c.attributed_to or ""),
        ("hedge", c.hedge or ""),
        ("confidence", f"{c.confidence:.2f}"),
        ("mentions", str(c.mentions)),
        ("rule", c.rule or ""),
    ]
    return [(k, v) for k, v in rows if v]


# --------------------------------------------------------------------------- spans and the text


def locate(text: str, claim: Claim) -> tuple[int, int] | None:
    """The claim's evidence span in `text`: its offsets, else the first place its text occurs."""
    ev = claim.evidence
    if 0 <= ev.start < ev.end <= len(text) and text[ev.start : ev.end] == ev.text:
        return ev.start, ev.end
    at = text.find(ev.sentence) if ev.sentence else -1
    inner = text.find(ev.text, at if at >= 0 else 0) if ev.text else -1
    if inner < 0 and ev.text:
        inner = text.find(ev.text)
    return (inner, inner + len(ev.text)) if inner >= 0 else None


def _overlaps(a: tuple[int, int], spans: Iterable[Span]) -> bool:
    return any(a[0] < s.end and s.start < a[1] for s in spans)


def extra_spans(text: str, claims: list[ClaimView], taken: list[Span], all_figures: bool) -> list[Span]:
    """Restatements of claims stated more than once, and (with `all_figures`) the figures no claim took."""
    out: list[Span] = []
    want = {id(cv): cv.claim.mentions - 1 for cv in claims if cv.claim.mentions > 1}
    # numbers inside dates ("May 8, 2025") and windows ("24 hours") are no figures of their own
    timing = [Span("date", d.start, d.end) for d in find_dates(text)]
    timing += [Span("date", d.start, d.end) for d in find_durations(text)]
    for q in find_quantities(text):
        where = (q.start, q.end)
        if q.end <= q.start or _overlaps(where, taken) or _overlaps(where, out):
            continue
        if _overlaps(where, timing) and q.unit == "number":
            continue
        first = next(
            (
                cv
                for cv in claims
                if want.get(id(cv), 0) > 0
                and cv.claim.unit == q.unit
                and math.isclose(abs(cv.claim.value), abs(q.value), rel_tol=1e-9)
            ),
            None,
        )
        if first is not None:
            want[id(first)] -= 1
            out.append(
                Span("restatement", q.start, q.end, first, f"restates claim {first.n}: {first.summary}")
            )
        elif all_figures:
            out.append(
                Span(
                    "figure",
                    q.start,
                    q.end,
                    None,
                    f"figure read as {show_value(q.value, q.unit)}, no claim made of it",
                )
            )
    return out


def paragraphs(text: str, spans: list[Span]) -> list[list[Node]]:
    """The text as paragraphs (lines) of nested nodes. Spans are nested by containment; a span
    crossing the end of the span (or paragraph) it starts in is cut there, so every span keeps
    exactly one element."""
    out: list[list[Node]] = []
    ordered = sorted(spans, key=lambda s: (s.start, -s.end, s.claim.n if s.claim else 0))
    pos = 0
    i = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        root = Node("root", start, end)
        stack = [root]
        while i < len(ordered) and ordered[i].start < end:
            s = ordered[i]
            i += 1
            s_start = max(s.start, start)
            while len(stack) > 1 and stack[-1].end <= s_start:
                stack.pop()
            parent = stack[-1]
            node = Node(s.kind, s_start, min(s.end, parent.end), claim=s.claim, title=s.title)
            if node.end <= node.start:
                node.end = node.start  # an empty span still gets its element (and its count)
            parent.children.append(node)
            stack.append(node)
        _fill(root, text)
        if line.strip() or root.children:
            out.append(root.children)
    return out


def _fill(node: Node, text: str) -> None:
    """Put the plain text between a node's children into text nodes."""
    filled: list[Node] = []
    at = node.start
    for child in node.children:
        if child.start > at:
            filled.append(Node("text", at, child.start, text=text[at : child.start]))
        _fill(child, text)
        filled.append(child)
        at = max(at, child.end)
    if node.end > at:
        filled.append(Node("text", at, node.end, text=text[at : node.end]))
    node.children = filled


# --------------------------------------------------------------------------- the page


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("extractor.view", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def build(article: Article, report: Any = None, *, all_figures: bool = False) -> dict[str, Any]:
    """The template's context for `article` (and the verdicts of `report`, a `VerifyReport`)."""
    text = article.text
    claims = [
        ClaimView(
            n=i + 1,
            claim=c,
            value=show_value(c.value, c.unit)
            + (f" – {show_value(c.value_max, c.unit)}" if c.value_max is not None else ""),
            fields=claim_fields(c),
        )
        for i, c in enumerate(sorted(article.claims, key=lambda c: (c.evidence.start, c.evidence.end)))
    ]
    if report is not None:
        by_id: dict[str, list[VerdictView]] = {}
        for v in report.verdicts:
            by_id.setdefault(v.claim.claim_id, []).append(
                VerdictView(v.verdict, v.check, v.reason, v.strength)
            )
        for cv in claims:
            found = by_id.get(cv.claim.claim_id, [])
            cv.verdicts = sorted(found, key=lambda v: VERDICT_RANK[v.verdict])
    spans: list[Span] = []
    unplaced: list[ClaimView] = []
    for cv in claims:
        where = locate(text, cv.claim)
        if where is None:
            unplaced.append(cv)
        else:
            spans.append(Span("claim", where[0], where[1], cv, cv.summary))
    spans += extra_spans(text, claims, spans, all_figures)
    groups: dict[str, list[ClaimView]] = {}
    for cv in claims:
        groups.setdefault(cv.claim.subject, []).append(cv)
    used = sorted({cv.claim.metric for cv in claims}, key=METRICS.index)
    counts = {k: sum(1 for cv in claims if cv.verdict == k) for k in VERDICT_RANK}
    return {
        "article": article,
        "claims": claims,
        "contradicted": [cv for cv in claims if cv.verdict == "contradicted"],
        "paragraphs": paragraphs(text, spans),
        "unplaced": unplaced,
        "groups": list(groups.items()),
        "legend": [(m, METRIC_COLOURS[m]) for m in used],
        "colours": METRIC_COLOURS,
        "verified": report is not None,
        "counts": counts,
        "figures": sum(1 for s in spans if s.kind == "figure"),
        "all_figures": all_figures,
    }


def render_article(
    article: Article,
    report: Any = None,
    *,
    all_figures: bool = False,
    note: str | None = None,
    form: dict[str, Any] | None = None,
) -> str:
    """The page of one article: highlighted text, legend, claims by subject, verdicts when `report`
    is given. `note` is a line shown under the title; `form` adds the paste form (the service's page)."""
    context = build(article, report, all_figures=all_figures)
    return environment().get_template("article.html.j2").render(**context, note=note, form=form)


def render_paste_form(values: dict[str, str] | None = None, error: str | None = None) -> str:
    """The service's start page: a form for a URL, HTML or text and an optional publication date."""
    return (
        environment()
        .get_template("paste.html.j2")
        .render(form=values or {}, error=error, colours=METRIC_COLOURS)
    )


def render_error(title: str, message: str) -> str:
    """A page saying what went wrong, in one line."""
    return (
        environment()
        .get_template("error.html.j2")
        .render(title=title, message=message, colours=METRIC_COLOURS)
    )


def stored_article(ref: ArticleRef, claims: list[Claim], site: str | None = None) -> Article:
    """An article rebuilt from a database, which keeps the sentences that state claims but not the
    whole text: the text is those sentences (each once, in the order of the article, a paragraph
    each), and the claims' offsets point into it."""
    ordered = sorted(claims, key=lambda c: (c.evidence.start, c.claim_id))
    sentences: dict[str, int] = {}
    parts: list[str] = []
    pos = 0
    moved: list[Claim] = []
    for c in ordered:
        sentence = c.evidence.sentence or c.evidence.text
        if sentence not in sentences:
            sentences[sentence] = pos
            parts.append(sentence)
            pos += len(sentence) + 1
        base = sentences[sentence]
        inner = sentence.find(c.evidence.text) if c.evidence.text else -1
        span = c.evidence.text if inner >= 0 else sentence  # not in its sentence: the whole sentence
        start = base + max(inner, 0)
        moved.append(
            c.model_copy(
                update={
                    "evidence": Evidence(text=span, sentence=sentence, start=start, end=start + len(span))
                }
            )
        )
    return Article(
        id=ref.id,
        url=ref.url,
        path=ref.path,
        title=ref.title,
        site=site,
        published=ref.published,
        text="\n".join(parts),
        claims=moved,
    )


__all__ = ["METRIC_COLOURS", "build", "render_article", "render_error", "render_paste_form", "stored_article"]
