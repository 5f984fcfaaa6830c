"""`claims show INPUT`: one article as a self-contained HTML page with its claims highlighted.

In: one article (a file, a URL, or `-`), optional reference files (`--reference`, as for
`claims verify`). Out: the page (`extractor.view.render_article`) on stdout or in `--output`;
`--open` opens it in the browser (a temporary file when no `--output` is given).
The page always carries the verdicts of the checks that need only the article (a change that
does not follow from its levels, words against signs, impossible values …); with `--reference`
also those against reference prices.
Exit code: 0 the page was written, 1 the input could not be read (one line on stderr naming the
input and the reason, as `claims extract` says it), 2 a usage error (a bad reference or config
file, more than one article).
"""

from __future__ import annotations

import sys
import tempfile
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from extractor.cli.options import (
    ConfigOption,
    ExitCode,
    LanguagesOption,
    OneInput,
    OutputOption,
    PublishedOption,
    ReferenceOption,
    fail,
    load_settings,
)
from extractor.errors import InputError, MarketClaimsError


def show(
    input: OneInput,
    reference: ReferenceOption = None,
    output: OutputOption = None,
    open_page: Annotated[
        bool,
        typer.Option("--open", help="Open the page in the web browser (a temporary file without --output)."),
    ] = False,
    all_figures: Annotated[
        bool, typer.Option("--all-figures", help="Also show, dimmed, the figures that made no claim.")
    ] = False,
    published: PublishedOption = None,
    config: ConfigOption = None,
    languages: LanguagesOption = None,
) -> None:
    """Show an article as an HTML page: every claim highlighted where it was found, its record and verdict on hover.

    The page is one file with no external resources. Exit code: 0 written, 1 the input could not
    be read (one line on stderr), 2 a usage error.
    """
    # imported here, not with the module: every `claims` command, `--help` included, loads this file
    from extractor.pipeline import process_inputs
    from extractor.verify import load_references, verify_article
    from extractor.view import render_article

    settings = load_settings(config, languages)
    try:
        refs = load_references(reference) if reference else None
    except MarketClaimsError as exc:
        fail(exc)
    # Read as `claims extract` reads: the same article, the same error line for a bad input. A
    # second page (a folder) is only found by extracting it after the first: wasted work, but
    # only on the way to a usage error.
    results = process_inputs([input], settings, published=published)
    first = next(results, None)
    if next(results, None) is not None:
        fail(
            InputError(
                input, "claims show takes one article; this input holds several (use a file, not a folder)"
            )
        )
    article = first[1] if first else InputError(input, "no article")
    if isinstance(article, MarketClaimsError):
        fail(article, ExitCode.INPUT_FAILED)
    try:
        verdicts = verify_article(article, references=refs)
    except MarketClaimsError as exc:
        fail(exc, ExitCode.INPUT_FAILED)
    page = render_article(article, verdicts, all_figures=all_figures)
    if not article.claims:
        typer.echo(f"note: {input}: no claims found in this article", err=True)
    target = output
    if target is None and open_page:
        with tempfile.NamedTemporaryFile(
            "w", suffix=".html", prefix="claims-", delete=False, encoding="utf-8"
        ) as f:
            target = Path(f.name)
    if target is None:
        sys.stdout.write(page)
    else:
        try:
            target.write_text(page, encoding="utf-8")
        except OSError as exc:
            fail(InputError(str(target), f"cannot write the page: {exc.strerror or exc}"))
        typer.echo(
            f"{target}: {len(article.claims)} claim{'' if len(article.claims) == 1 else 's'}", err=True
        )
        if open_page:
            webbrowser.open(target.resolve().as_uri())


def register(app: typer.Typer) -> None:
    app.command("show")(show)
