"""`claims extract INPUT...`: the claims of each article, as JSON Lines, JSON or a table."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from extractor import __version__
from extractor.errors import InputError, MarketClaimsError
from extractor.inputs.pages import iter_sources
from extractor.pipeline import process_source
from extractor.schemas import Article
from extractor.settings import Settings
from extractor.sinks import open_sink


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    table = "table"


def check_published(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 date or date-time (e.g. 2025-05-08 or 2025-05-08T10:00:00+00:00)"
        ) from None
    return value


def extract(
    inputs: Annotated[
        list[str],
        typer.Argument(help="HTML/text files, folders (searched recursively), URLs, or - for stdin."),
    ],
    format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="jsonl: one claim per line; json: articles with their claims; table: for reading.",
        ),
    ] = OutputFormat.jsonl,
    published: Annotated[
        str | None,
        typer.Option(
            help="Publication date (ISO 8601) for inputs that carry none; overrides the page's own.",
            callback=check_published,
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="A settings TOML file overriding the shipped defaults.")
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Also write the claims into a sink: claims.db (SQLite), sqlite:///…, postgresql://…, or a .jsonl file.",
        ),
    ] = None,
) -> None:
    """Extract the claims of market-commentary articles.

    Exit code: 0 when every input was processed, 1 when some failed (each failure is one line
    on stderr naming the input and the reason), 2 for a usage error.
    """
    try:
        settings = Settings.load(config)
    except MarketClaimsError as exc:
        report(exc)
        raise typer.Exit(2) from None
    articles: list[Article] = []
    failures = 0
    try:
        sink = open_sink(to, run_info={"inputs": inputs, "version": __version__}) if to else None
    except MarketClaimsError as exc:
        report(exc)
        raise typer.Exit(2) from None
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        for item in iter_sources(inputs, settings):
            if isinstance(item, InputError):
                failures += 1
                report(item)
                continue
            try:
                article = process_source(
                    item, published=published, path=None if item.url else item.name, settings=settings
                )
            except MarketClaimsError as exc:
                failures += 1
                report(exc)
                continue
            if sink is not None:
                sink.write_article(article)
            if format is OutputFormat.jsonl:
                for claim in article.claims:
                    out.write(json.dumps(claim.to_record(), ensure_ascii=False) + "\n")
                out.flush()
            else:
                articles.append(article)
        if format is OutputFormat.json:
            records = [
                {
                    **article.model_dump(mode="json", exclude={"claims", "text"}),
                    "claims": [c.to_record() for c in article.claims],
                }
                for article in articles
            ]
            out.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        elif format is OutputFormat.table:
            # piped or written to a file, the table keeps its full width instead of folding at 80 columns
            print_table(articles, Console(file=out, width=None if out.isatty() else 200))
    finally:
        if output:
            out.close()
        if sink is not None:
            sink.finish_run({"failed": failures})
            sink.close()
    raise typer.Exit(1 if failures else 0)


def report(error: Exception) -> None:
    """One line on stderr: the input and the reason (never wrapped, never a traceback)."""
    typer.echo(f"error: {error}", err=True)


def print_table(articles: list[Article], console: Console) -> None:
    for article in articles:
        table = Table(
            title=f"{article.path or article.url} — {article.title or ''}".strip(" —"), title_justify="left"
        )
        for column in ("metric", "subject", "value", "unit", "qualifiers", "as of", "period", "source", "×"):
            table.add_column(column, overflow="fold")
        for c in article.claims:
            value = f"{c.value:,.10g}" + (f" – {c.value_max:,.10g}" if c.value_max is not None else "")
            table.add_row(
                c.metric,
                c.subject,
                value,
                c.unit,
                ", ".join(f"{k}={v}" for k, v in c.qualifiers.items()),
                c.as_of or "",
                c.period or "",
                c.attributed_to or "",
                str(c.mentions),
            )
        console.print(table)
        if not article.claims:
            console.print("  (no claims)")


def register(app: typer.Typer) -> None:
    app.command("extract")(extract)
