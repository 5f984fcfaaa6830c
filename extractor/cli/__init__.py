"""The `claims` command: a thin typer app, one module per command group.

Each command is a few lines around a library function. What they share — the common options,
`fail()` and the exit codes (`ExitCode`) — is in `options.py`: an error the package raises on
purpose (`MarketClaimsError`) becomes one line on stderr and the exit code the rule gives it,
never a traceback.
"""

from __future__ import annotations

import typer

from extractor.cli import batch as batch_cmd
from extractor.cli import db as db_cmd
from extractor.cli import extract as extract_cmd
from extractor.cli import serve as serve_cmd
from extractor.cli import show as show_cmd
from extractor.cli import verify as verify_cmd

app = typer.Typer(
    name="claims",
    help="Turn market-commentary articles into verified, normalized claims.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command groups register here, one line each.
extract_cmd.register(app)
db_cmd.register(app)
batch_cmd.register(app)
serve_cmd.register(app)
verify_cmd.register(app)
show_cmd.register(app)


def main() -> None:
    app()
