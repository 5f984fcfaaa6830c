"""`claims db`: look into a claims database: `stats`, `query`, `export`.

In: a database (`--db`: a SQLite file, a `sqlite:///` URL or a PostgreSQL URL; default
`claims.db` in the current folder). Out: rich tables on stdout, or JSON / CSV / JSON Lines.
Errors: one line on stderr naming the database and the reason, exit code 2.

Each command is a few lines around `extractor.sinks.sql` (`stats`, `read_claims`, `iter_claims`).
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from extractor import sinks
from extractor.cli.options import database_option, fail
from extractor.errors import MarketClaimsError

# `sinks.sql` (SQLAlchemy) is looked up when a command runs, not when this module is imported:
# every `claims` command, `--help` included, imports this module.
if TYPE_CHECKING:
    from extractor.schemas import Claim

db_app = typer.Typer(
    name="db",
    help="Look into a claims database (SQLite file or PostgreSQL URL): stats, query, export.",
    no_args_is_help=True,
)

DbOption = Annotated[str, database_option("The claims database")]


class QueryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class StatsFormat(StrEnum):
    table = "table"
    json = "json"


CSV_COLUMNS = (
    "claim_id",
    "article_id",
    "article_url",
    "article_path",
    "as_of",
    "subject",
    "subject_type",
    "symbol",
    "metric",
    "value",
    "value_max",
    "unit",
    "qualifiers",
    "period",
    "attributed_to",
    "hedge",
    "mentions",
    "confidence",
    "evidence_text",
)


def register(app: typer.Typer) -> None:
    """Add the `db` command group to the `claims` app."""
    app.add_typer(db_app, name="db")


@contextmanager
def _errors(db: str) -> Iterator[None]:
    """Errors become one line on stderr and exit code 2 (no traceback)."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except MarketClaimsError as exc:
        fail(str(exc))
    except DBAPIError as exc:
        lines = str(exc.orig).strip().splitlines()
        fail(f"{sinks.sql.display_name(db)}: {lines[0] if lines else type(exc.orig).__name__}")


def _console() -> Console:
    """A rich console; piped output (no terminal, no $COLUMNS) is not wrapped at 80 columns."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return Console(highlight=False)
    return Console(highlight=False, width=200)


# --------------------------------------------------------------------------- stats


@db_app.command("stats")
def stats_command(
    db: DbOption = "claims.db",
    top: Annotated[int, typer.Option(help="How many subjects and sources to list.")] = 20,
    format: Annotated[StatsFormat, typer.Option("--format", "-f", help="Output format.")] = StatsFormat.table,
) -> None:
    """Counts: articles, claims, runs, and claims per metric, subject and source."""
    with _errors(db):
        counts = sinks.sql.stats(db, top=top)
    if format is StatsFormat.json:
        typer.echo(json.dumps(counts, indent=2, ensure_ascii=False, default=str))
        return
    _print_stats(sinks.sql.display_name(db), counts)


def _print_stats(name: str, counts: dict[str, Any]) -> None:
    console = _console()
    console.print(Text(name, style="bold"), f" (schema version {counts['schema_version']})")
    console.print(f"articles {counts['articles']}   claims {counts['claims']}   runs {counts['runs']}")
    run = counts["last_run"]
    if run:
        console.print(
            f"last run {run['id']}: started {run['started_at']}, finished {run['finished_at'] or '-'}, "
            f"counts {json.dumps(run['counts'])}",
            markup=False,
        )
    for title, key in (("metric", "by_metric"), ("subject", "by_subject"), ("source", "by_source")):
        table = Table(title=f"claims per {title}", title_justify="left")
        table.add_column(title)
        table.add_column("claims", justify="right")
        for value, n in counts[key]:
            table.add_row(Text(value if value is not None else "(none)"), str(n))
        console.print(table)


# --------------------------------------------------------------------------- query


@db_app.command("query")
def query_command(
    db: DbOption = "claims.db",
    subject: Annotated[str | None, typer.Option(help="Subject name or symbol (any case).")] = None,
    metric: Annotated[str | None, typer.Option(help="Metric, e.g. short_interest.")] = None,
    since: Annotated[str | None, typer.Option(help="as_of on or after this date (YYYY[-MM[-DD]]).")] = None,
    until: Annotated[str | None, typer.Option(help="as_of on or before this date (YYYY[-MM[-DD]]).")] = None,
    source: Annotated[
        str | None, typer.Option(help="Part of attributed_to, any case (e.g. kobeissi).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many claims; 0 for all.")] = 100,
    offset: Annotated[int, typer.Option(help="Skip this many claims first.")] = 0,
    format: Annotated[QueryFormat, typer.Option("--format", "-f", help="Output format.")] = QueryFormat.table,
) -> None:
    """Claims matching all the given filters, ordered by as_of, subject, metric."""
    from extractor.schemas import METRICS

    with _errors(db):
        if metric is not None and metric not in METRICS:
            raise MarketClaimsError(f"--metric {metric}: unknown metric; one of {', '.join(METRICS)}")
        found = sinks.sql.read_claims(
            db,
            subject=subject,
            metric=metric,
            since=since,
            until=until,
            source=source,
            limit=limit or None,
            offset=offset,
        )
    if format is QueryFormat.json:
        typer.echo(json.dumps([c.to_record() for c in found], indent=2, ensure_ascii=False))
    elif format is QueryFormat.csv:
        _write_csv(found)
    else:
        _console().print(_claims_table(found))


def _number(value: float | None) -> str:
    """A value as people read it: thousands separators, no exponent for everyday magnitudes."""
    if value is None:
        return ""
    if value != 0 and not 1e-4 <= abs(value) < 1e15:
        return repr(value)
    return f"{value:,.6f}".rstrip("0").rstrip(".")


TABLE_COLUMNS = ("as_of", "subject", "metric", "value", "unit", "qualifiers", "period", "source")


def _table_cells(c: Claim) -> tuple[str, ...]:
    value = _number(c.value) + (f" to {_number(c.value_max)}" if c.value_max is not None else "")
    qualifiers = " ".join(f"{k}={v}" for k, v in c.qualifiers.items())
    subject = f"{c.subject} ({c.symbol})" if c.symbol else c.subject
    return (
        c.as_of or "",
        subject,
        c.metric,
        value,
        c.unit,
        qualifiers,
        c.period or "",
        c.attributed_to or "",
    )


def _claims_table(found: list[Claim]) -> Table:
    """One row a claim; columns that are empty on every row are left out."""
    rows = [_table_cells(c) for c in found]
    shown = [i for i, name in enumerate(TABLE_COLUMNS) if not rows or any(row[i] for row in rows)]
    table = Table(title=f"{len(found)} claims", title_justify="left", box=box.SIMPLE_HEAD)
    for i in shown:
        name = TABLE_COLUMNS[i]
        table.add_column(
            name,
            justify="right" if name == "value" else "left",
            overflow="fold",
            no_wrap=name in ("as_of", "metric", "value", "unit", "period"),
        )
    for row in rows:
        table.add_row(*(Text(row[i]) for i in shown))  # Text: data is never read as markup
    return table


def _csv_row(c: Claim) -> dict[str, Any]:
    record = c.to_record()
    return {
        **{k: record[k] for k in CSV_COLUMNS if k in record},
        "article_id": c.article.id,
        "article_url": c.article.url,
        "article_path": c.article.path,
        "qualifiers": json.dumps(c.qualifiers, ensure_ascii=False, sort_keys=True),
        "evidence_text": c.evidence.text,
    }


def _write_csv(found: list[Claim]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for c in found:
        writer.writerow(_csv_row(c))


# --------------------------------------------------------------------------- export


@db_app.command("export")
def export_command(
    db: DbOption = "claims.db",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="JSONL file to write; stdout if omitted.")
    ] = None,
) -> None:
    """All claims as JSON Lines (one claim record a line, with its article block), in text order."""
    with _errors(db):
        count = _export(db, output)
    typer.echo(f"exported {count} claims from {sinks.sql.display_name(db)} to {output or 'stdout'}", err=True)


def _export(db: str, output: Path | None) -> int:
    from extractor.sinks.jsonl import record_line

    try:
        out = output.open("w", encoding="utf-8", newline="\n") if output else sys.stdout
    except OSError as exc:
        raise MarketClaimsError(f"{output}: cannot write ({exc.strerror or exc})") from None
    count = 0
    try:
        for claim in sinks.sql.iter_claims(db, order="article"):
            out.write(record_line(claim) + "\n")
            count += 1
    finally:
        if output:
            out.close()
        else:
            out.flush()
    return count
