"""`claims batch INPUT... --to SINK`: a whole dump through the pipeline, resumable, in parallel.

The command parses options, opens the sink (which holds the resume progress), picks the engine
and hands over to `extractor.batch.run.run_batch`; see docs/batch.md.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from extractor import __version__
from extractor.batch.near_duplicates import DEFAULT_THRESHOLD
from extractor.cli.options import (
    ConfigOption,
    ExitCode,
    LanguagesOption,
    PublishedOption,
    fail,
    load_settings,
    sink_option,
)
from extractor.errors import InputError, MarketClaimsError
from extractor.sinks import DEFAULT_TARGET

# Only the defaults the options show are imported here; the engine, the pipeline and the sinks
# are imported when the command runs (every `claims` command, `--help` included, loads this module).

FIELDS = "JSON Lines fields"


class EngineName(StrEnum):
    local = "local"
    ray = "ray"


def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Folders, globs, JSON Lines dumps (.jsonl[.gz]), WARC files (.warc[.gz]), .tar[.gz]/.zip archives, page files or URLs."
        ),
    ],
    to: Annotated[str | None, sink_option(f"The sink (default {DEFAULT_TARGET})")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes (local) or actors (ray). [default: the number of CPUs]",
            show_default=False,
        ),
    ] = None,
    engine: Annotated[
        EngineName, typer.Option(help="local: worker processes here; ray: Ray Data actors.")
    ] = EngineName.local,
    address: Annotated[
        str | None,
        typer.Option(
            help="HOST:PORT of a running Ray cluster (with --engine ray); without it a local Ray instance is started."
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Skip the records the sink already holds (its progress is kept in the sink).")
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    errors: Annotated[
        Path | None,
        typer.Option(
            help="Errors file (JSON Lines, appended to; created only when a record fails). [default: <sink>.errors.jsonl]"
        ),
    ] = None,
    published: PublishedOption = None,
    config: ConfigOption = None,
    languages: LanguagesOption = None,
    dup_threshold: Annotated[
        float,
        typer.Option(
            min=0,
            max=1,
            help="Estimated Jaccard similarity from which an article is a near-duplicate; 0 turns detection off.",
        ),
    ] = DEFAULT_THRESHOLD,
    html_field: Annotated[
        str, typer.Option(help="Field holding the page HTML.", rich_help_panel=FIELDS)
    ] = "html",
    text_field: Annotated[
        str, typer.Option(help="Field holding plain text (when there is no HTML).", rich_help_panel=FIELDS)
    ] = "text",
    url_field: Annotated[
        str, typer.Option(help="Field holding the page URL.", rich_help_panel=FIELDS)
    ] = "url",
    title_field: Annotated[
        str, typer.Option(help="Field holding the title (heads plain text).", rich_help_panel=FIELDS)
    ] = "title",
    published_field: Annotated[
        str, typer.Option(help="Field holding the publication date.", rich_help_panel=FIELDS)
    ] = "published",
    id_field: Annotated[
        str,
        typer.Option(
            help="Field holding the record's id (used as the article path).", rich_help_panel=FIELDS
        ),
    ] = "id",
) -> None:
    """Extract the claims of every article in a dump into a sink, in parallel and resumably.

    Exit code: 0 when no record of this run failed, 1 when some did, 3 when nearly all
    (>= 90 %) of the records this run attempted failed (each failure is one line on stderr and
    one in the errors file), 2 for a usage error or a sink that cannot be written.
    """
    from extractor.batch.failures import default_errors_path
    from extractor.batch.process import RecordProcessor
    from extractor.batch.run import BatchOptions, make_engine, run_batch
    from extractor.inputs.dumps import Fields, check_inputs
    from extractor.sinks import open_sink

    settings = load_settings(config, languages)
    try:
        check_inputs(inputs)
    except InputError as exc:  # found before the run starts: nothing is done
        fail(exc, ExitCode.INPUT_FAILED)
    try:
        runner = make_engine(engine.value, RecordProcessor(settings), workers or os.cpu_count() or 1, address)
        sink = open_sink(to, run_info={"inputs": inputs, "version": __version__})
    except MarketClaimsError as exc:
        fail(exc)
    fields = Fields(
        html=html_field,
        text=text_field,
        url=url_field,
        title=title_field,
        published=published_field,
        id=id_field,
    )
    options = BatchOptions(
        errors=errors or default_errors_path(to or DEFAULT_TARGET),
        fields=fields,
        resume=resume,
        quiet=quiet,
        published=published,
        dup_threshold=dup_threshold,
    )
    try:
        code = run_batch(inputs, settings, runner, sink, options)
    except MarketClaimsError as exc:
        fail(exc)
    except KeyboardInterrupt:
        fail("interrupted; run the same command again to resume", ExitCode.INTERRUPTED)
    finally:
        sink.close()
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("batch")(batch)
