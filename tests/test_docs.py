"""The README tells a new user the truth: its test command is the one CI runs, and every command it
names has help."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from sharedpaths import ROOT

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


@pytest.mark.parametrize("command", ["extract", "batch", "db", "verify", "serve", "show"])
def test_every_command_in_the_readme_has_help(command):
    assert f"claims {command}" in README
    result = subprocess.run(
        [sys.executable, "-m", "extractor", command, "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout and len(result.stdout) > 200
