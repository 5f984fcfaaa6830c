"""A scripted fault run: the faults a `claims batch` run may meet, each followed by a rerun, and
the sink compared with an uninterrupted run.

    python benchmarks/faults.py [--copies 3] [--workers 2] [--workdir DIR] [--no-postgres]

The dump (JSON Lines): the project corpus pages (`corpus/articles`) and the development set
(`../shared/corpus/dev`, each document wrapped as a web page as `benchmarks/quality.py` does),
each page `--copies` times under its own URL with its own publication date, later copies dated
earlier. Copies of a page are near-duplicates, so every fault also puts the earliest-article
rule of `duplicate_of` to the test: the copy that names the others' original comes late.

Reference: one uninterrupted run into a fresh SQLite file. Its claim ids and every article's
`duplicate_of` are what each fault's sink must end with (no claim id twice).

Faults, with the mechanisms of the tests (`tests/test_batch.py`, `tests/test_sinks.py`,
imported from there, not rewritten):

| fault | how | sinks |
|---|---|---|
| kill -9 mid-run, then the same command again | SIGKILL to the process group (driver and workers) once a third of the records are listed as done | JSONL, SQLite, PostgreSQL |
| the server drops the run's connections | `pg_terminate_backend` on every connection of the run (by its application_name) every 0.4 s | PostgreSQL |
| two writers at once | two runs, the first 60 % and the last 60 % of the dump, started together | SQLite, PostgreSQL |
| a full disk under the sink | the run's file size limit (RLIMIT_FSIZE, writes fail with EFBIG like ENOSPC): exit 2 naming the sink, then a rerun | JSONL |

A real PostgreSQL restart is not tried: the server is shared with other work, and dropping the
run's connections is what a restart does to a run (the same reconnect path). The database
faults need the server of the tests (127.0.0.1:5432, database `test`, `$MARKET_CLAIMS_TEST_PG`);
each uses a schema of its own, dropped afterwards.

Out: a table of faults tried / records / claims compared / links compared / result, on stdout.
Exit code 1 when some fault did not end with the reference's claims and links.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests")]
import quality  # noqa: E402 - the dev-set wrapping, from the sibling benchmark
from conftest import PG_URL  # noqa: E402 - the test server
from sqlalchemy import select  # noqa: E402
from test_batch import batch_command, full_disk_at, kill_after, stored_claim_ids  # noqa: E402 - the tests' fault mechanisms
from test_sinks import terminate_backends  # noqa: E402

from extractor.sinks import open_sink, sql  # noqa: E402


@dataclass
class Result:
    fault: str
    sink: str
    records: int
    claims: str  # "same 1,234 of 1,234" or what differs
    links: str
    ok: bool
    seconds: float

    def result_text(self) -> str:
        return ("ok" if self.ok else "FAILED") + f" ({self.seconds:.0f} s)"


# --------------------------------------------------------------------------- the dump


def build_dump(path: Path, copies: int) -> int:
    """Write the dump: every corpus and dev page `copies` times (see the module docstring); its records."""
    pages = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "articles").glob("*.html"))]
    pages += dev_pages(ROOT.parent / "shared" / "corpus" / "dev")
    rows = []
    for copy in range(copies):
        for n, page in enumerate(pages):
            published = date(2025, 6, 1) + timedelta(days=2 * (copies - copy) + n % 2)
            rows.append(
                {
                    "url": f"https://mirror{copy}.example/page-{n}",
                    "published": published.isoformat(),
                    "html": page,
                }
            )
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


def dev_pages(dev: Path) -> list[str]:
    """The development set's documents as web pages (`benchmarks/quality.py`'s wrapping)."""
    gold = quality.load_scorer(dev.parents[1]).load_gold(dev / "gold")
    return [
        quality.as_web_page((dev / "docs" / entry["doc"]).read_text(encoding="utf-8"), entry.get("published"))
        for _, entry in sorted(gold.items())
    ]


def run(command: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=1800, check=False, **kwargs
    )  # type: ignore[call-overload,no-any-return]


# --------------------------------------------------------------------------- reading a sink


def links_of(target: str) -> dict[str, str | None]:
    """`duplicate_of` by article id, as the sink holds it (JSON Lines: the ledger's last lines)."""
    if target.endswith(".jsonl"):
        with open_sink(target) as sink:
            return {e.article: e.duplicate_of for e in sink.done_records().done.values()}
    engine = sql.connect(target, create=False)
    try:
        with engine.connect() as conn:
            a = sql.articles.c
            return {article: link for article, link in conn.execute(select(a.id, a.duplicate_of))}
    finally:
        engine.dispose()


def compare(target: str, reference: tuple[set[str], dict[str, str | None]]) -> tuple[str, str, bool]:
    """(claims, links, ok): the sink's claim ids and links against the reference's."""
    want_ids, want_links = reference
    ids = stored_claim_ids(target)
    twice = len(ids) - len(set(ids))
    got = set(ids)
    if got == want_ids and not twice:
        claims = f"same {len(want_ids):,} of {len(want_ids):,}"
    else:
        claims = f"{len(want_ids - got):,} missing, {len(got - want_ids):,} extra, {twice:,} twice"
    links = links_of(target)
    differ = sum(links.get(a) != link for a, link in want_links.items()) + len(set(links) - set(want_links))
    links_text = f"same {len(want_links):,}" if not differ else f"{differ:,} of {len(want_links):,} differ"
    return claims, links_text, claims.startswith("same") and not differ


# --------------------------------------------------------------------------- sinks


@contextlib.contextmanager
def fresh_target(kind: str, folder: Path) -> Iterator[str]:
    """An empty sink: a file in `folder`, or a fresh PostgreSQL schema (dropped afterwards)."""
    if kind != "postgresql":
        folder.mkdir(parents=True, exist_ok=True)
        yield str(folder / ("out.jsonl" if kind == "jsonl" else "out.db"))
        return
    import psycopg

    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    schema = f"mc_faults_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}&application_name={schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


# --------------------------------------------------------------------------- faults
# Each takes (dump, records, target, workdir, workers) and returns (what happened, whether the
# runs ended as they should: the rerun with exit 0/1, the full disk with exit 2 naming the sink);
# the sink is compared with the reference afterwards.

Fault = Callable[[Path, int, str, Path, int], tuple[str, bool]]


def kill_9_and_resume(dump: Path, records: int, target: str, workdir: Path, workers: int) -> tuple[str, bool]:
    command = batch_command(dump, target, workers)
    before = kill_after(command, target, records // 3, workdir, 600)
    rerun = run(command, workdir)
    if rerun.returncode not in (0, 1):
        return (
            f"killed at {before}/{records} done; rerun exit {rerun.returncode}: {rerun.stderr[-300:]}",
            False,
        )
    return f"killed at {before}/{records} records done", 0 < before < records


def dropped_connections(
    dump: Path, records: int, target: str, workdir: Path, workers: int
) -> tuple[str, bool]:
    name = target.rsplit("application_name=", 1)[1]
    proc = subprocess.Popen(
        batch_command(dump, target, workers), cwd=workdir, stderr=subprocess.PIPE, text=True
    )
    dropped = 0
    while proc.poll() is None:
        time.sleep(0.4)
        dropped += terminate_backends(name)
    stderr = proc.stderr.read() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        return f"{dropped} connections dropped; exit {proc.returncode}: {stderr[-300:]}", False
    return f"{dropped} connections dropped, the run went on", dropped > 0


def two_writers(dump: Path, records: int, target: str, workdir: Path, workers: int) -> tuple[str, bool]:
    lines = dump.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = len(lines) * 6 // 10
    halves = [workdir / "first.jsonl", workdir / "last.jsonl"]
    halves[0].write_text("".join(lines[:cut]), encoding="utf-8")
    halves[1].write_text("".join(lines[-cut:]), encoding="utf-8")
    procs = [
        subprocess.Popen(
            batch_command(h, target, max(1, workers // 2)), cwd=workdir, stderr=subprocess.PIPE, text=True
        )
        for h in halves
    ]
    codes = [p.wait(timeout=1800) for p in procs]
    both = 2 * cut - len(lines)
    return f"{both} records in both halves; exit codes {codes}", all(c in (0, 1) for c in codes)


def full_disk(dump: Path, records: int, target: str, workdir: Path, workers: int) -> tuple[str, bool]:
    command = batch_command(dump, target, workers)
    limit = 300_000
    full = run(command, workdir, preexec_fn=full_disk_at(limit))
    first = full.stderr.strip().splitlines()[:1]
    if full.returncode != 2 or not first or not first[0].startswith(f"error: {target}: cannot write"):
        return f"the full disk gave exit {full.returncode}: {full.stderr[-300:]}", False
    data = Path(target).read_bytes()
    if not data.endswith(b"\n"):
        return "a half-written line was left behind", False
    rerun = run(command, workdir)
    note = f"exit 2 at {len(data):,} bytes, {first[0]!r}; rerun exit {rerun.returncode}"
    return note, rerun.returncode in (0, 1)


FAULTS: list[tuple[str, str, Fault]] = [
    ("kill -9 mid-run, rerun", "jsonl", kill_9_and_resume),
    ("kill -9 mid-run, rerun", "sqlite", kill_9_and_resume),
    ("kill -9 mid-run, rerun", "postgresql", kill_9_and_resume),
    ("connections dropped every 0.4 s", "postgresql", dropped_connections),
    ("two writers at once", "sqlite", two_writers),
    ("two writers at once", "postgresql", two_writers),
    ("full disk (file size limit), rerun", "jsonl", full_disk),
]


# --------------------------------------------------------------------------- main


def reference_run(dump: Path, workdir: Path, workers: int) -> tuple[set[str], dict[str, str | None]]:
    folder = workdir / "reference"
    folder.mkdir()
    target = str(folder / "out.db")
    done = run(batch_command(dump, target, workers), folder)
    if done.returncode not in (0, 1):
        raise SystemExit(f"the reference run failed (exit {done.returncode}): {done.stderr[-500:]}")
    return set(stored_claim_ids(target)), links_of(target)


def table(results: list[Result]) -> str:
    head = "| fault | sink | records | claim ids compared | duplicate_of compared | result |"
    rows = [head, "|---|---|---|---|---|---|"]
    for r in results:
        rows.append(f"| {r.fault} | {r.sink} | {r.records:,} | {r.claims} | {r.links} | {r.result_text()} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=3, help="copies of each page in the dump")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--workdir", type=Path, help="keep the files here (default: a temporary folder)")
    parser.add_argument("--no-postgres", action="store_true", help="leave out the PostgreSQL faults")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="faults-")))
        workdir.mkdir(parents=True, exist_ok=True)
        dump = workdir / "dump.jsonl"
        records = build_dump(dump, args.copies)
        started = time.monotonic()
        reference = reference_run(dump, workdir, args.workers)
        print(
            f"dump: {records:,} records; reference (uninterrupted, SQLite): {len(reference[0]):,} claims, "
            f"{len(reference[1]):,} articles, {sum(v is not None for v in reference[1].values()):,} "
            f"near-duplicates; {time.monotonic() - started:.0f} s",
            flush=True,
        )
        results = []
        for n, (fault, kind, action) in enumerate(FAULTS):
            if kind == "postgresql" and args.no_postgres:
                continue
            folder = workdir / f"fault{n}"
            folder.mkdir()
            started = time.monotonic()
            with fresh_target(kind, folder) as target:
                note, ran_well = action(dump, records, target, folder, args.workers)
                claims, links, same = compare(target, reference)
            ok = same and ran_well
            results.append(Result(fault, kind, records, claims, links, ok, time.monotonic() - started))
            print(f"{fault} [{kind}]: {note}; claims {claims}; links {links}", flush=True)
        print()
        print(table(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
