"""What every `claims` command shares: its options, `fail()`, and one exit-code rule.

Declare an option here once and use its `Annotated` alias in each command (as sqlite-utils
does with its option decorators), so `--config` or `--published` reads and behaves the same
everywhere. Errors the package raises on purpose (`MarketClaimsError`) end a command through
`fail()`: one line on stderr naming the input and the reason, never a traceback.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from extractor.errors import MarketClaimsError
from extractor.settings import Settings


class ExitCode(IntEnum):
    """The exit codes of every command (the README's table lists the same)."""

    OK = 0
    INPUT_FAILED = 1  # some INPUT could not be read or processed; the others still were
    USAGE = 2  # a bad option: its value, a settings/reference file, a sink or database that cannot be used
    NEARLY_ALL_FAILED = 3  # `claims batch`: nearly all (>= 90 %) of the records failed
    CONTRADICTED = 4  # `claims verify`: some claim is contradicted (and every input was read)
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, the shell's habit)


def report(error: Exception | str) -> None:
    """One line on stderr: the input and the reason (never wrapped, never a traceback)."""
    typer.echo(f"error: {error}", err=True)


def fail(error: Exception | str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    """Report `error` and end the command with `code` (a usage error unless said otherwise)."""
    report(error)
    raise typer.Exit(code)


def load_settings(config: Path | None, languages: list[str] | None = None) -> Settings:
    """The pipeline settings (`--config` over the shipped defaults, `--languages` over both); a bad
    file or value is a usage error. A deprecation in the file (an old section name) is one
    `warning:` line on stderr, in the style of the errors, and the command goes on."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", FutureWarning)
            settings = Settings.load(config)
    except MarketClaimsError as exc:
        fail(exc)
    for warning in caught:
        if issubclass(warning.category, FutureWarning):
            typer.echo(f"warning: {warning.message}", err=True)
        else:  # not ours to word: passed on as Python would have shown it
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    if not languages:
        return settings
    codes = [code.strip().lower() for value in languages for code in value.split(",") if code.strip()]
    try:
        scrape = type(settings.scrape).model_validate({**settings.scrape.model_dump(), "languages": codes})
    except ValidationError as exc:
        fail(f"--languages: {exc.errors()[0]['msg']}")
    return settings.model_copy(update={"scrape": scrape})


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


# --------------------------------------------------------------------------- the shared options

# What `--db` and `--to` accept, said once (`extractor.sinks` tells the forms apart).
DATABASES = "a SQLite file (*.db, *.sqlite, *.sqlite3), a sqlite:/// URL or a postgresql:// URL"
SINKS = f"{DATABASES}, a .jsonl file, or - (standard output)"


def database_option(use: str) -> Any:
    """`--db DATABASE`, the claims database that `db`, `verify` and `serve` read. Its name and
    what it accepts are declared here; `use` (what the command does with it) starts the help,
    and the command gives the type and default (`claims db` reads `claims.db` unless told)."""
    return typer.Option("--db", metavar="DATABASE", help=f"{use}: {DATABASES}.")


def sink_option(use: str) -> Any:
    """`--to SINK`, where `extract` and `batch` write the claims; as `database_option`."""
    return typer.Option("--to", metavar="SINK", help=f"{use}: {SINKS}.")


Inputs = Annotated[
    list[str],
    typer.Argument(
        metavar="INPUT...", help="HTML/text files, folders (searched recursively), URLs, or - for stdin."
    ),
]
OneInput = Annotated[  # `claims show`: one article, read the same way as each of `Inputs`
    str, typer.Argument(metavar="INPUT", help="An HTML or text file, a URL, or - for stdin.")
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="A settings TOML file overriding the shipped defaults.")
]
PublishedOption = Annotated[
    str | None,
    typer.Option(
        "--published",
        help="Publication date (ISO 8601) for inputs that carry none; overrides the page's own.",
        callback=check_published,
    ),
]
ReferenceOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--reference",
        "-r",
        metavar="FILE",
        help="Reference observations (CSV or JSONL; repeatable): subject,metric,date,value[,low,high,source,symbol] or daily OHLC rows.",
    ),
]
LanguagesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--languages",
        metavar="CODES",
        help="Languages a page may be in (ISO 639-1, comma-separated or repeated; default en). Others are reported and skipped.",
    ),
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write here instead of standard output.")
]
