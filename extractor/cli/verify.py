"""`claims verify INPUT...`: a verdict for every claim of every article, as a table or JSON.

In: articles (files, folders, URLs, `-`), optional reference files (`--reference`), a claims
database (`--db`), one claim to check (`--claim`), tolerance overrides (`--tolerance`).
Out: a rich table per article (default) or a JSON list of `VerifyReport`s (`--format json`).
Exit code: 0 nothing contradicted, 1 something contradicted, 2 a usage or input error (one
line on stderr naming the input and the reason).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from extractor.cli.extract import check_published, report
from extractor.errors import InputError, MarketClaimsError
from extractor.inputs.pages import iter_sources
from extractor.pipeline import process_source
from extractor.schemas import Claim
from extractor.settings import Settings
from extractor.verify import References, Tolerances, VerifyReport, load_references, verify_article
from extractor.verify.checks import show
from extractor.verify.settings import tolerances as make_tolerances
from extractor.verify.verdicts import Observation, Verdict

STYLES = {"supported": "bold green", "contradicted": "bold red", "unverifiable": "yellow"}


class VerifyFormat(StrEnum):
    table = "table"
    json = "json"


def verify(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT", help="HTML/text files, folders (searched recursively), URLs, or - for stdin."
        ),
    ],
    reference: Annotated[
        list[Path] | None,
        typer.Option(
            "--reference",
            "-r",
            metavar="FILE",
            help="Reference observations (CSV or JSONL; repeatable): subject,metric,date,value[,low,high,source,symbol] or daily OHLC rows.",
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="DATABASE",
            help="A claims database (SQLite file, sqlite:/// or postgresql:// URL): compare with the same facts in other articles.",
        ),
    ] = None,
    claim: Annotated[
        str | None,
        typer.Option(
            "--claim",
            metavar="TEXT",
            help='Judge only this claim against each article, e.g. "Russell 2000 short interest 4.6% of shares outstanding".',
        ),
    ] = None,
    format: Annotated[
        VerifyFormat, typer.Option("--format", "-f", help="table: for reading; json: a list of reports.")
    ] = VerifyFormat.table,
    tolerance: Annotated[
        list[str] | None,
        typer.Option(
            "--tolerance",
            "-t",
            metavar="METRIC=VALUE",
            help="METRIC=FRACTION overriding a default tolerance (repeatable), e.g. price=0.01.",
        ),
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(
            help="Publication date (ISO 8601) for inputs that carry none; overrides the page's own.",
            callback=check_published,
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="A settings TOML file overriding the shipped defaults.")
    ] = None,
) -> None:
    """Verify the claims of market-commentary articles: supported, contradicted or unverifiable.

    Exit code: 0 when nothing is contradicted, 1 when some claim is, 2 for a usage or input
    error (each is one line on stderr naming the input and the reason).
    """
    try:
        settings = Settings.load(config)
        tol = make_tolerances(tolerance)
        refs = load_references(reference) if reference else None
    except MarketClaimsError as exc:
        report(exc)
        raise typer.Exit(2) from None
    reports, failed = run(inputs, settings, tol, refs, db, claim, published)
    console = Console()
    if format is VerifyFormat.json:
        typer.echo(json.dumps([r.to_record() for r in reports], ensure_ascii=False, indent=2))
    else:
        for r in reports:
            print_report(r, console)
    raise typer.Exit(2 if failed else 1 if any(r.contradicted for r in reports) else 0)


def run(
    inputs: list[str],
    settings: Settings,
    tol: Tolerances,
    refs: References | None,
    db: str | None,
    claim: str | None,
    published: str | None,
) -> tuple[list[VerifyReport], bool]:
    """The reports of the inputs that could be read, and whether any input (or the database) failed."""
    reports: list[VerifyReport] = []
    failed = False
    for item in iter_sources(inputs, settings):
        if isinstance(item, InputError):
            failed = True
            report(item)
            continue
        try:
            article = process_source(
                item, published=published, path=None if item.url else item.name, settings=settings
            )
            reports.append(
                verify_article(article, references=refs, db_url=db, claim_text=claim, tolerances=tol)
            )
        except InputError as exc:
            failed = True
            report(exc if exc.input != "--claim" else InputError(item.name, f"--claim: {exc.reason}"))
        except MarketClaimsError as exc:  # a database that cannot be read fails every input alike
            report(exc)
            return reports, True
    return reports, failed


# --------------------------------------------------------------------------- the table


def table_order(verdicts: list[Verdict]) -> list[Verdict]:
    """Contradictions first (strongest evidence first), then the other verdicts in text order."""
    rank = {"strong": 0, "moderate": 1, "weak": 2, None: 3}
    contradicted = [v for v in verdicts if v.verdict == "contradicted"]
    contradicted.sort(key=lambda v: rank[v.strength])
    return contradicted + [v for v in verdicts if v.verdict != "contradicted"]


def print_report(r: VerifyReport, console: Console) -> None:
    """One table per article: verdict (with its strength), check, claim, value, what it was
    checked against, reason; contradictions first, each with the sentences that state it."""
    a = r.article
    title = Text(f"{a.path or a.url or a.id} — {a.title or ''}".strip(" —"), style="bold")
    table = Table(title=title, title_justify="left")
    for column, style in (
        ("verdict", None),
        ("check", "dim"),
        ("claim", None),
        ("value", None),
        ("checked against", None),
        ("reason", None),
    ):
        table.add_column(column, style=style, overflow="fold")
    for v in table_order(r.verdicts):
        verdict = Text(v.verdict, style=STYLES[v.verdict])
        if v.strength:
            verdict.append(f"\n{v.strength}", style="dim")
        reason = Text(v.reason)
        if v.verdict == "contradicted":
            reason.append(f"\n\u201c{v.claim.evidence.sentence.strip()}\u201d", style="italic")
            other = v.checked_against
            if isinstance(other, Claim) and other.evidence.sentence != v.claim.evidence.sentence:
                reason.append(f"\nvs \u201c{other.evidence.sentence.strip()}\u201d", style="italic dim")
        table.add_row(
            verdict, v.check, claim_cell(v.claim), show(v.claim.value, v.claim.unit), against_cell(v), reason
        )
    console.print(table)
    counts = r.counts
    console.print(
        f"  {counts['claims']} claim{'' if counts['claims'] == 1 else 's'}: [green]{counts['supported']} supported[/], "
        f"[red]{counts['contradicted']} contradicted[/], "
        f"[yellow]{counts['unverifiable']} unverifiable[/]\n"
    )


def claim_cell(c: Claim) -> Text:
    """Metric, subject, qualifiers and date of a claim."""
    qualifiers = ", ".join(f"{k}={v}" for k, v in c.qualifiers.items())
    cell = Text(f"{c.metric} · {c.subject}" + (f" ({qualifiers})" if qualifiers else ""))
    if c.as_of:
        cell.append(f"\nas of {c.as_of}", style="dim")
    return cell


def against_cell(v: Verdict) -> Text:
    """The reference row (symbol, day, close, range, source) or the other claim (value, words, article)."""
    other = v.checked_against
    if isinstance(other, Observation):
        unit = v.claim.unit
        span = (
            f" [{show(other.low, unit)} – {show(other.high, unit)}]"
            if other.low is not None and other.high is not None
            else ""
        )
        cell = Text(f"{other.symbol or other.subject} {other.date}: {show(other.value, unit)}{span}")
        if other.source:
            cell.append(f"\n{other.source}", style="dim")
        return cell
    if isinstance(other, Claim):
        same = other.article.id == v.claim.article.id or v.check == "claim"
        where = "this article" if same else (other.article.title or other.article.path or other.article.id)
        return Text(f"{show(other.value, other.unit)} “{other.evidence.text}” ({where})")
    return Text("")


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
