"""One exit-code rule for every command (`extractor.cli.options.ExitCode`, the README's table):
the same bad input gives the same code and the same one-line message whichever command reads it."""

from __future__ import annotations

import re

import pytest
from sharedpaths import ROOT
from typer.testing import CliRunner

from extractor.cli import app
from extractor.cli.options import ExitCode

README = (ROOT / "README.md").read_text(encoding="utf-8")
READERS = ["extract", "verify", "show", "batch"]  # the commands that take INPUT


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("command", READERS)
def test_a_missing_input_is_exit_1_everywhere(command, tmp_path):
    extra = ["--to", str(tmp_path / "out.jsonl")] if command == "batch" else []
    result = run(command, tmp_path / "missing.html", *extra)
    assert result.exit_code == ExitCode.INPUT_FAILED, result.output
    assert result.stderr.strip() == f"error: {tmp_path / 'missing.html'}: no such file or folder"


@pytest.mark.parametrize("command", [*READERS, "serve"])
def test_a_broken_settings_file_is_exit_2_everywhere(command, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[scrape\n", encoding="utf-8")
    page = ROOT / "corpus" / "articles" / sorted(p.name for p in (ROOT / "corpus" / "articles").iterdir())[0]
    args = [] if command == "serve" else [page]
    result = run(command, *args, "--config", config)
    assert result.exit_code == ExitCode.USAGE, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {config}: settings file is not valid TOML")


@pytest.mark.parametrize("command", ["db stats", "db query", "db export", "verify", "serve"])
def test_a_db_that_is_not_a_database_is_exit_2_everywhere(command, tmp_path):
    """`--db` is one option (`cli.options.database_option`): the same target is refused alike."""
    page = tmp_path / "page.txt"
    page.write_text("Markets wrap\nBitcoin was trading at $62,350 on Thursday.\n", encoding="utf-8")
    args = [page] if command == "verify" else []
    result = run(*command.split(), *args, "--db", tmp_path / "claims.jsonl")
    assert result.exit_code == ExitCode.USAGE, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "not a database" in lines[0]


@pytest.mark.parametrize("command", ["extract", "verify", "show", "batch"])
def test_a_bad_published_date_is_exit_2_everywhere(command, tmp_path):
    result = run(command, tmp_path / "page.html", "--published", "yesterday")
    assert result.exit_code == ExitCode.USAGE
    assert "'yesterday' is not an ISO 8601 date" in result.output


def test_the_readme_table_lists_every_exit_code():
    table = re.search(r"### Exit codes\n(.*?)\n#", README, re.S)
    assert table, "the README has no exit-code section"
    listed = {int(code) for code in re.findall(r"^\| (\d+) \|", table.group(1), re.M)}
    assert listed == {int(code) for code in ExitCode}
