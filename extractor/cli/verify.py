"""`claims verify INPUT...`: a verdict for every claim of every article, as a table or JSON.

In: articles (files, folders, URLs, `-`), optional reference files (`--reference`), a claims
database (`--db`), one claim to check (`--claim`), tolerance overrides (`--tolerance`).
Out: a rich table per article (default) or a JSON list of `VerifyReport`s (`--format json`).
Exit code (`cli.options.ExitCode`): 0 nothing contradicted, 4 something contradicted, 1 an
input could not be read, 2 a usage error (each error is one line on stderr naming the input and
the reason).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from extractor.cli.options import (
    ConfigOption,
    ExitCode,
    Inputs,
    LanguagesOption,
    PublishedOption,
    ReferenceOption,
    database_option,
    fail,
    load_settings,
    report,
)
from extractor.errors import InputError, MarketClaimsError

# The pipeline and the checks are imported in the functions that use them: every `claims`
# command, `--help` included, imports this module.
if TYPE_CHECKING:
    from extractor.schemas import Claim
    from extractor.settings import Settings
    from extractor.verify import References, Tolerances, VerifyReport
    from extractor.verify.verdicts import Verdict

STYLES = {"supported": "bold green", "contradicted": "bold red", "unverifiable": "yellow"}


class VerifyFormat(StrEnum):
    table = "table"
    json = "json"


def verify(
    inputs: Inputs,
    reference: ReferenceOption = None,
    db: Annotated[
        str | None,
        database_option("Compare with the same facts in the other articles of this claims database"),
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
    published: PublishedOption = None,
    config: ConfigOption = None,
    languages: LanguagesOption = None,
) -> None:
    """Verify the claims of market-commentary articles: supported, contradicted or unverifiable.

    Exit code: 0 when nothing is contradicted, 4 when some claim is, 1 when some input could
    not be read, 2 for a usage error (each error is one line on stderr naming the input and the
    reason).
    """
    from extractor.verify import load_references
    from extractor.verify.tolerances import tolerances as make_tolerances

    settings = load_settings(config, languages)
    try:
        tol = make_tolerances(tolerance)
        refs = load_references(reference) if reference else None
    except MarketClaimsError as exc:
        fail(exc)
    reports, code = run(inputs, settings, tol, refs, db, claim, published)
    if format is VerifyFormat.json:
        typer.echo(json.dumps([r.to_record() for r in reports], ensure_ascii=False, indent=2))
    else:
        console = Console()
        for r in reports:
            print_report(r, console)
    if code is ExitCode.OK and any(r.contradicted for r in reports):
        code = ExitCode.CONTRADICTED
    raise typer.Exit(code)


def run(
    inputs: list[str],
    settings: Settings,
    tol: Tolerances,
    refs: References | None,
    db: str | None,
    claim: str | None,
    published: str | None,
) -> tuple[list[VerifyReport], ExitCode]:
    """The reports of the inputs that could be read, and the exit code of what failed: an input
    (1), or the database or `--claim` (2: they fail every input alike)."""
    from extractor.pipeline import process_inputs
    from extractor.verify import verify_article

    reports: list[VerifyReport] = []
    code = ExitCode.OK
    for name, article in process_inputs(inputs, settings, published=published):
        if isinstance(article, MarketClaimsError):
            code = max(code, ExitCode.INPUT_FAILED)
            report(article)
            continue
        try:
            reports.append(
                verify_article(article, references=refs, db_url=db, claim_text=claim, tolerances=tol)
            )
        except InputError as exc:
            if exc.input != "--claim":
                raise
            report(InputError(name, f"--claim: {exc.reason}"))
            code = ExitCode.USAGE
        except MarketClaimsError as exc:  # a database that cannot be read
            report(exc)
            return reports, ExitCode.USAGE
    return reports, code


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
    from extractor.schemas import Claim
    from extractor.verify.checks import show

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
    from extractor.schemas import Claim
    from extractor.verify.checks import show
    from extractor.verify.verdicts import Observation

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
