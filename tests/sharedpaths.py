"""Where the shared material lives (`../shared`, beside the project root), and how to skip without it.

A user's fresh clone has no `../shared`: tests that need it skip with this reason. CI always
has it, and there `require_shared()` fails instead of skipping, so the gate cannot go silent.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def require_shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is absent (it sits beside the project root in CI; a fresh clone has no ../shared)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def load_tool(name: str) -> ModuleType:
    """Import one of ../shared/tools/*.py by path."""
    path = require_shared("tools", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"shared_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_claims(
    *args: str, stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`claims ARGS…` in a fresh process, as a user runs it from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "extractor", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        input=stdin,
        check=False,
        timeout=timeout,
    )
