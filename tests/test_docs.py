"""The README tells a new user the truth: its test command is the one CI runs, and every command
of the real `claims` app (walked, not listed) has help, help on each option, and a README section."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer
import typer.main
from sharedpaths import ROOT

from extractor.cli import app

README = (ROOT / "README.md").read_text(encoding="utf-8")


def fenced_commands() -> list[str]:
    return [
        line.strip()
        for block in re.findall(r"```bash\n(.*?)```", README, re.S)
        for line in block.splitlines()
        if line.strip()
    ]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(c for c in fenced_commands() if "pytest" in c)
    assert test_command in ci.splitlines(), f".ci/run must run the README's test command: {test_command}"


def test_readme_gives_the_main_job_command():
    assert any("claims batch corpus/articles" in c and "pip install" in c for c in fenced_commands())


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of a click/typer command tree, with its path (`("db", "stats")`)."""
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield (*path, name), sub
        yield from walk(sub, (*path, name))


def missing_help(app: typer.Typer) -> list[str]:
    """`claims X` without a help text, and every argument or option of it without one."""
    problems = []
    for path, command in walk(typer.main.get_command(app)):
        name = " ".join(path)
        if not (command.help or "").strip():
            problems.append(f"{name}: no help")
        for param in command.params:
            if not (getattr(param, "help", None) or "").strip():
                problems.append(f"{name} {param.name}: no help")
    return problems


def readme_sections() -> dict[str, str]:
    """The README's `##`/`###` sections: heading -> text."""
    parts = re.split(r"^#{2,3} (.+)$", README, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def missing_sections(app: typer.Typer, sections: dict[str, str]) -> list[str]:
    """Commands the README gives no section: a top-level command needs a heading naming
    `claims X`; a subcommand `claims X Y` must be named in the section of `claims X`."""
    problems = []
    for path, _ in walk(typer.main.get_command(app)):
        top = f"claims {path[0]}"
        home = [text for heading, text in sections.items() if re.search(rf"`{top}`", heading)]
        if not home:
            problems.append(f"{top}: no README section")
        elif len(path) > 1 and not any(re.search(rf"\b{path[-1]}\b", text) for text in home):
            problems.append(f"{' '.join(('claims', *path))}: not in the README section of {top}")
    return problems


COMMANDS = [" ".join(path) for path, _ in walk(typer.main.get_command(app))]


def test_the_walk_sees_every_command():
    assert {"extract", "batch", "db", "db stats", "db query", "db export", "verify", "serve", "show"} <= set(
        COMMANDS
    )


def test_every_command_and_option_has_help():
    assert missing_help(app) == []


def test_every_command_has_a_readme_section():
    assert missing_sections(app, readme_sections()) == []


def test_the_checks_fail_on_a_command_without_help_or_section():
    toy = typer.Typer()

    @toy.command("undocumented")
    def undocumented(flag: bool = False) -> None:
        pass

    @toy.command("extract")
    def extract() -> None:
        """Has help and a README section."""

    assert missing_help(toy) == ["undocumented: no help", "undocumented flag: no help"]
    assert missing_sections(toy, readme_sections()) == ["claims undocumented: no README section"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_prints_its_help(command):
    result = subprocess.run(
        [sys.executable, "-m", "extractor", *command.split(), "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage") or "Usage" in result.stdout.splitlines()[1]
