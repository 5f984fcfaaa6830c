"""`claims extract INPUT...`: the claims of each article, as JSON Lines, JSON or a table."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from extractor import __version__
from extractor.cli.options import (
    ConfigOption,
    ExitCode,
    Inputs,
    LanguagesOption,
    OutputOption,
    PublishedOption,
    fail,
    load_settings,
    report,
    sink_option,
)
from extractor.errors import MarketClaimsError

# The pipeline (spaCy, trafilatura), the sinks (SQLAlchemy) and rich's tables are imported in the
# functions that use them: every `claims` command, `--help` included, imports this module.
if TYPE_CHECKING:
    from rich.console import Console

    from extractor.schemas import Article


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    table = "table"


def extract(
    inputs: Inputs,
    format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="jsonl: one claim per line; json: articles with their claims; table: for reading.",
        ),
    ] = OutputFormat.jsonl,
    published: PublishedOption = None,
    output: OutputOption = None,
    config: ConfigOption = None,
    languages: LanguagesOption = None,
    to: Annotated[str | None, sink_option("Also write the claims into a sink")] = None,
) -> None:
    """Extract the claims of market-commentary articles.

    Exit code: 0 when every input was processed, 1 when some failed (each failure is one line
    on stderr naming the input and the reason), 2 for a usage error.
    """
    from extractor.pipeline import process_inputs
    from extractor.sinks import open_sink

    settings = load_settings(config, languages)
    try:
        sink = open_sink(to, run_info={"inputs": inputs, "version": __version__}) if to else None
    except MarketClaimsError as exc:
        fail(exc)
    failures = 0
    with output.open("w", encoding="utf-8") if output else nullcontext(sys.stdout) as out:
        writer = ArticleWriter(format, out)
        try:
            for _, result in process_inputs(inputs, settings, published=published):
                if isinstance(result, MarketClaimsError):
                    failures += 1
                    report(result)
                    continue
                if sink is not None:
                    sink.write_article(result)
                writer.write(result)
            writer.finish()
        finally:
            if sink is not None:
                sink.finish_run({"failed": failures})
                sink.close()
    raise typer.Exit(ExitCode.INPUT_FAILED if failures else ExitCode.OK)


class ArticleWriter:
    """Writes articles in one of the output formats: JSON Lines as they come, the others at the end."""

    def __init__(self, format: OutputFormat, out: TextIO) -> None:
        self.format = format
        self.out = out
        self.articles: list[Article] = []

    def write(self, article: Article) -> None:
        if self.format is OutputFormat.jsonl:
            for claim in article.claims:
                self.out.write(json.dumps(claim.to_record(), ensure_ascii=False) + "\n")
            self.out.flush()
        else:
            self.articles.append(article)

    def finish(self) -> None:
        if self.format is OutputFormat.json:
            records = [
                {
                    **article.model_dump(mode="json", exclude={"claims", "text"}),
                    "claims": [c.to_record() for c in article.claims],
                }
                for article in self.articles
            ]
            self.out.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        elif self.format is OutputFormat.table:
            from rich.console import Console

            # piped or written to a file, the table keeps its full width instead of folding at 80 columns
            print_table(self.articles, Console(file=self.out, width=None if self.out.isatty() else 200))


def print_table(articles: list[Article], console: Console) -> None:
    from rich.table import Table

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
