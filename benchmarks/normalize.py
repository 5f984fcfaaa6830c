"""Speed of the normalizers beside one peer each, measured in the same run.

    .venv/bin/python benchmarks/normalize.py [--repeats 5] [--peer-env DIR] [--no-peers]

What is timed, over the public conformance cases in ../shared/external/recognizers:

    extractor.normalize.find_quantities(text)        number, percent and currency cases
        peer: quantulum3's parser.parse(text)
    extractor.normalize.find_dates(text, anchor)     datetime cases (anchor = the case's reference time)
        peer: dateparser.search.search_dates(text, languages=["en"], settings={"RELATIVE_BASE": anchor})

Each function runs once over the cases to warm up, then `--repeats` times; the figure printed is
cases per second from the median repeat, with the ratio ours / peer. The peers are installed with
pip into a throwaway virtual environment under /tmp (made on first use and reused after) and timed
there in a child process on the same cases; a peer that cannot be installed is skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = ROOT.parent / "shared" / "external" / "recognizers"
QUANTITY_SUITES = ("number", "percent", "currency")
DATE_SUITES = ("datetime",)
DEFAULT_ANCHOR = "2024-01-01T00:00:00"
PEERS = {  # our function -> (pip package, module to import, the peer's call in the child process)
    "find_quantities": (
        "quantulum3",
        "quantulum3",
        "from quantulum3 import parser\ncall = lambda text, anchor: parser.parse(text)",
    ),
    "find_dates": (
        "dateparser",
        "dateparser",
        "from dateparser.search import search_dates\n"
        "call = lambda text, anchor: search_dates(text, languages=['en'], settings={'RELATIVE_BASE': anchor})",
    ),
}

# Run in the peer's environment: time `call` over the cases, print one JSON line of seconds per repeat.
CHILD = """
import json, sys, time, warnings
from datetime import datetime
warnings.simplefilter("ignore")
{setup}
cases = [(text, datetime.fromisoformat(anchor)) for text, anchor in json.load(open(sys.argv[1]))]
repeats = int(sys.argv[2])
for text, anchor in cases:
    call(text, anchor)
seconds = []
for _ in range(repeats):
    start = time.perf_counter()
    for text, anchor in cases:
        call(text, anchor)
    seconds.append(time.perf_counter() - start)
print(json.dumps(seconds))
"""


def load_cases(suites: tuple[str, ...]) -> list[tuple[str, str]]:
    """(text, anchor as ISO text) for every case of the suites."""
    cases = []
    for suite in suites:
        for line in (SUITES / f"{suite}.jsonl").read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            cases.append((case["text"], case.get("reference_datetime") or DEFAULT_ANCHOR))
    return cases


def time_ours(fn: Callable, cases: list[tuple[str, str]], repeats: int, with_anchor: bool) -> list[float]:
    prepared = [(text, datetime.fromisoformat(anchor)) for text, anchor in cases]
    for text, anchor in prepared:  # warm-up
        fn(text, anchor) if with_anchor else fn(text)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for text, anchor in prepared:
            fn(text, anchor) if with_anchor else fn(text)
        seconds.append(time.perf_counter() - start)
    return seconds


def peer_python(env_dir: Path, package: str, module: str) -> Path | None:
    """The interpreter of the throwaway environment with `package` installed, or None (with a message)."""
    python = env_dir / "bin" / "python"
    try:
        if not python.exists():
            print(f"  making a throwaway environment for the peers in {env_dir} ...", file=sys.stderr)
            venv.create(env_dir, with_pip=True)
        if subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode != 0:
            print(f"  pip install {package} into {env_dir} ...", file=sys.stderr)
            done = subprocess.run(
                [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", package],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                print(
                    f"  SKIP peer {package}: pip install failed:\n{done.stderr.strip()[-800:]}",
                    file=sys.stderr,
                )
                return None
    except OSError as exc:
        print(f"  SKIP peer {package}: cannot make the environment {env_dir}: {exc}", file=sys.stderr)
        return None
    return python


def time_peer(python: Path, setup: str, cases: list[tuple[str, str]], repeats: int) -> list[float] | None:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(cases, f)
    try:
        done = subprocess.run(
            [python, "-c", CHILD.format(setup=setup), f.name, str(repeats)], capture_output=True, text=True
        )
    finally:
        Path(f.name).unlink(missing_ok=True)
    if done.returncode != 0:
        print(f"  SKIP peer: it failed on the cases:\n{done.stderr.strip()[-800:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def rate(n_cases: int, seconds: list[float]) -> float:
    return n_cases / statistics.median(seconds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--repeats", type=int, default=5, help="timed passes over the cases (the median is shown)"
    )
    ap.add_argument(
        "--peer-env", type=Path, default=Path(tempfile.gettempdir()) / "market-claims-bench-peers"
    )
    ap.add_argument("--no-peers", action="store_true", help="time our functions only")
    args = ap.parse_args(argv)
    if not SUITES.is_dir():
        print(f"no cases: {SUITES} is absent (../shared must sit beside the project)", file=sys.stderr)
        return 1

    from extractor.normalize import find_dates, find_quantities

    rows = []
    for name, fn, suites, with_anchor in (
        ("find_quantities", find_quantities, QUANTITY_SUITES, False),
        ("find_dates", find_dates, DATE_SUITES, True),
    ):
        cases = load_cases(suites)
        print(f"timing {name} on {len(cases)} cases ({', '.join(suites)}) ...", file=sys.stderr)
        ours = rate(len(cases), time_ours(fn, cases, args.repeats, with_anchor))
        package, module, setup = PEERS[name]
        peer = None
        if not args.no_peers and (python := peer_python(args.peer_env, package, module)) is not None:
            print(f"timing {package} on the same cases ...", file=sys.stderr)
            seconds = time_peer(python, setup, cases, args.repeats)
            peer = rate(len(cases), seconds) if seconds else None
        rows.append((name, len(cases), ours, package, peer))

    print(f"\ncases/second, median of {args.repeats} repeats")
    print(f"{'function':16} {'cases':>6} {'ours':>10}   {'peer':12} {'peer c/s':>10} {'ours/peer':>10}")
    for name, n, ours, package, peer in rows:
        peer_text = f"{peer:10.0f} {ours / peer:9.1f}x" if peer else f"{'skipped':>10} {'':>10}"
        print(f"{name:16} {n:6d} {ours:10.0f}   {package:12} {peer_text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
