"""`claims batch INPUT... --to SINK`: a whole dump through the pipeline, resumable, in parallel.

The command parses options, opens the sink (which holds the resume progress) and the errors
file, picks the engine and hands over to `extractor.batch.job.BatchJob`; see docs/batch.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from extractor import __version__
from extractor.batch.failures import ErrorLog, default_errors_path, new_run_id
from extractor.batch.job import BatchJob, Engine, exit_code, rebuild_duplicates
from extractor.batch.near_duplicates import DEFAULT_THRESHOLD, NearDuplicates
from extractor.batch.process import RecordProcessor
from extractor.batch.progress import ProgressDisplay, QuietDisplay
from extractor.cli.extract import check_published
from extractor.errors import MarketClaimsError
from extractor.inputs.dumps import Fields, check_inputs, count_records, iter_records
from extractor.settings import Settings
from extractor.sinks import DEFAULT_TARGET, Progress, Sink, open_sink

FIELDS = "JSON Lines fields"


class EngineName(StrEnum):
    local = "local"
    ray = "ray"


def usage_error(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def make_engine(engine: EngineName, processor: RecordProcessor, workers: int, address: str | None) -> Engine:
    if engine is EngineName.ray:
        from extractor.batch.ray_engine import RayEngine, ray_available

        if not ray_available():
            raise usage_error("--engine ray needs Ray: pip install 'market-claims[ray]'")
        return RayEngine(processor, workers, address)
    if address:
        raise usage_error("--address is for --engine ray")
    from extractor.batch.runner import LocalEngine

    return LocalEngine(processor, workers)


def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Folders, globs, JSON Lines dumps (.jsonl[.gz]), WARC files (.warc[.gz]), .tar[.gz]/.zip archives, page files or URLs."
        ),
    ],
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help=f"Sink: a SQLite file, a PostgreSQL URL, a .jsonl file or - (stdout). [default: {DEFAULT_TARGET}]",
        ),
    ] = None,
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
    published: Annotated[
        str | None,
        typer.Option(
            help="Publication date (ISO 8601) for records whose dump gives none; overrides the page's own.",
            callback=check_published,
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="A settings TOML file overriding the shipped defaults.")
    ] = None,
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
    try:
        settings = Settings.load(config)
        check_inputs(inputs)
        runner = make_engine(engine, RecordProcessor(settings), workers or os.cpu_count() or 1, address)
        sink = open_sink(to, run_info={"inputs": inputs, "version": __version__})
    except MarketClaimsError as exc:
        raise usage_error(str(exc)) from None
    target = to or DEFAULT_TARGET
    options = RunOptions(
        fields=Fields(
            html=html_field,
            text=text_field,
            url=url_field,
            title=title_field,
            published=published_field,
            id=id_field,
        ),
        resume=resume,
        quiet=quiet,
        published=published,
        dup_threshold=dup_threshold,
        errors=errors or default_errors_path(target),
    )
    try:
        code = run(inputs, settings, runner, sink, options)
    except MarketClaimsError as exc:
        raise usage_error(str(exc)) from None
    except KeyboardInterrupt:
        typer.echo("error: interrupted; run the same command again to resume", err=True)
        raise typer.Exit(130) from None
    finally:
        sink.close()
    raise typer.Exit(code)


@dataclass(frozen=True)
class RunOptions:
    fields: Fields
    resume: bool
    quiet: bool
    published: str | None
    dup_threshold: float
    errors: Path


def run(inputs: list[str], settings: Settings, runner: Engine, sink: Sink, options: RunOptions) -> int:
    """Read the sink's progress, run the job, finish the sink's run; the exit code."""
    progress = sink.done_records() if options.resume else Progress()
    display = QuietDisplay() if options.quiet else ProgressDisplay()
    if progress.lost:
        display.error(
            f"warning: {sink.name}: {progress.lost:,} records listed as done are missing claims "
            "there (the sink was deleted, truncated or replaced?); they are done again"
        )
    error_log = ErrorLog(options.errors, new_run_id())
    duplicates = NearDuplicates(options.dup_threshold)
    rebuild_duplicates(progress, duplicates)
    try:
        with display, runner:
            display.count_in_background(lambda: count_records(inputs, settings, options.fields))
            job = BatchJob(runner, sink, error_log, duplicates, display)
            records = iter_records(inputs, settings, options.fields, options.published, done=progress.done)
            counts = job.run(records)
    finally:
        error_log.close()
    sink.finish_run({**counts.as_dict(), "engine": runner.name, "errors_run": error_log.run})
    display.summary(counts, sink.name, error_log)
    return exit_code(counts)


def register(app: typer.Typer) -> None:
    app.command("batch")(batch)
