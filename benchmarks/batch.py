"""Throughput and memory of `claims batch` on a dump of varied corpus pages.

    python benchmarks/batch.py [--pages 5000] [--big 20000] [--workdir DIR] [FOLDER]

1. Builds a JSON Lines dump of `--big` pages made from the corpus pages (numbers, weekdays,
   months, names, paragraph order and URL varied per copy, so no two pages are the same),
   streamed to disk; its first `--pages` lines are the throughput dump.
2. Times trafilatura alone on those `--pages` pages in this process (the baseline).
3. Times `claims batch` (a subprocess, SQLite sink, local engine) on the same pages with 1 and
   2 workers: articles/second over the whole command, start-up included, and its ratio to
   the baseline.
4. Runs `claims batch` with 2 workers on the first 1,000 and on all `--big` pages and reports
   peak memory: the sum of the RSS of the driver and its workers and the largest single
   process (sampled every 0.2 s, with psutil when installed, else from /proc), and at the end the largest
   process of the whole benchmark by getrusage (children and self).

The machine is small and may be shared: read the ratios and the memory trend, not the
absolute figures. Temporary files go to `--workdir` (default: a temporary folder, removed).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import trafilatura

from extractor.lexicon import lexicon_map
from extractor.scrape import DATE_PARAMS

ROOT = Path(__file__).resolve().parents[1]
# the month names and the working days, in calendar order, from the one list of calendar names
MONTHS = [month.capitalize() for month in lexicon_map("calendar_names")["month"]]
WEEKDAYS = [day.capitalize() for day in lexicon_map("calendar_names")["weekday"]][:5]
NAMES = ["Priya Raman", "Tom Achterberg", "Lena Okafor", "Marco Bellini", "Ana Souza", "Kenji Mori"]
TEXT = re.compile(r">([^<]+)<")
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})*(?:\.\d+)?)(?![\w])")
PARAGRAPH = re.compile(r"<p>.*?</p>", re.S)


def vary_number(match: re.Match[str], rng: random.Random) -> str:
    text = match.group(1)
    if len(text) == 4 and text.isdigit():  # a year: keep it a year
        return str(int(text) + rng.choice((-1, 0, 0, 1)))
    digits = [c for c in text if c.isdigit()]
    position = max(i for i, c in enumerate(text) if c.isdigit())
    digit = (int(text[position]) + rng.randint(1, 8)) % 10
    return text[:position] + str(digit) + text[position + 1 :] if digits else text


def vary_text(text: str, rng: random.Random) -> str:
    text = NUMBER.sub(lambda m: vary_number(m, rng), text)
    for words in (WEEKDAYS, MONTHS, NAMES):
        shift = rng.randrange(len(words))
        for i, word in enumerate(words):
            text = text.replace(word, "\0" + str(i) + "\0")
        for i in range(len(words)):
            text = text.replace("\0" + str(i) + "\0", words[(i + shift) % len(words)])
    return text


def vary_page(html: str, i: int) -> str:
    """Copy `i` of a page: figures, dates, names and the order of the middle paragraphs changed."""
    rng = random.Random(i)
    html = TEXT.sub(lambda m: ">" + vary_text(m.group(1), rng) + "<", html)
    paragraphs = PARAGRAPH.findall(html)
    if len(paragraphs) > 3:
        middle = paragraphs[1:-1]
        rng.shuffle(middle)
        parts = PARAGRAPH.split(html)
        order = [paragraphs[0], *middle, paragraphs[-1]]
        html = parts[0] + "".join(p + rest for p, rest in zip(order, parts[1:], strict=True))
    return html


def varied_records(pages: list[Path], count: int) -> Iterator[dict[str, str]]:
    bases = [p.read_text(encoding="utf-8") for p in pages]
    for i in range(count):
        page = pages[i % len(pages)]
        yield {
            "id": f"{page.stem}-{i}",
            "url": f"https://bench{i}.example/{page.stem}",
            "html": vary_page(bases[i % len(bases)], i),
        }


def write_dump(path: Path, records: Iterator[dict[str, str]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


def head(src: Path, dst: Path, n: int) -> Path:
    with src.open("rb") as f, dst.open("wb") as out:
        out.writelines(islice(f, n))
    return dst


def trafilatura_rate(dump: Path) -> float:
    with dump.open(encoding="utf-8") as f:
        pages = [json.loads(line)["html"] for line in f]
    start = time.perf_counter()
    for html in pages:
        trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params=DATE_PARAMS,
        )
    return len(pages) / (time.perf_counter() - start)


def tree_rss(pid: int) -> list[int]:
    """RSS in bytes of `pid` and each of its descendants: psutil when installed, else /proc."""
    try:
        import psutil
    except ImportError:
        return _proc_tree_rss(pid)
    try:
        root = psutil.Process(pid)
        return [p.memory_info().rss for p in [root, *root.children(recursive=True)]]
    except psutil.Error:
        return []


def _proc_tree_rss(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent and child not in tree]
        tree.update(children)
        frontier.extend(children)
    sizes = []
    for member in tree:
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        sizes += [int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")]
    return sizes


class TreeRss:
    """Peak of the summed RSS of a process and its descendants, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self.largest = 0  # the largest single process
        self._pid = pid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            sizes = tree_rss(self._pid)
            if sizes:
                self.peak = max(self.peak, sum(sizes))
                self.largest = max(self.largest, *sizes)
            self._stop.wait(0.2)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def done_records(sink: Path) -> int:
    """Records the SQLite sink lists as done (its `batch_records` table)."""
    if not sink.exists():
        return 0
    with sqlite3.connect(sink) as db:
        return db.execute("select count(*) from batch_records").fetchone()[0]


def run_batch(dump: Path, workdir: Path, workers: int, tag: str) -> dict[str, float]:
    """`claims batch` on `dump`: seconds, articles/s, peak tree RSS and largest process (MiB)."""
    sink = workdir / f"{tag}.db"
    command = [
        sys.executable,
        "-m",
        "extractor",
        "batch",
        str(dump),
        "--to",
        str(sink),
        "--workers",
        str(workers),
        "--quiet",
        "--no-resume",
    ]
    lines = sum(1 for _ in dump.open("rb"))
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=workdir, stderr=subprocess.PIPE, text=True)
    with TreeRss(process.pid) as tree:
        _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    done = done_records(sink)
    if process.returncode not in (0, 1) or done == 0:
        raise SystemExit(f"claims batch failed ({process.returncode}): {stderr.strip()[-500:]}")
    errors = stderr.count("\n")
    return {
        "records": lines,
        "errors": errors,
        "seconds": seconds,
        "rate": lines / seconds,
        "tree_mib": tree.peak / 2**20,
        "largest_mib": tree.largest / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "corpus" / "articles")
    parser.add_argument("--pages", type=int, default=5000, help="pages of the throughput dump")
    parser.add_argument("--big", type=int, default=20000, help="pages of the large memory run")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        bench(args.folder, args.pages, args.big, workdir)


def report(line: str) -> None:
    print(line, flush=True)


def bench(folder: Path, n_pages: int, n_big: int, workdir: Path) -> None:
    pages = sorted(folder.glob("*.html"))
    big = workdir / f"dump-{n_big}.jsonl"
    written = write_dump(big, varied_records(pages, max(n_big, n_pages)))
    dump = head(big, workdir / f"dump-{n_pages}.jsonl", n_pages)
    report(
        f"dump: {written:,} varied pages from {len(pages)} corpus pages ({big.stat().st_size / 2**20:,.0f} MiB JSONL)"
    )

    baseline = trafilatura_rate(dump)
    report(f"trafilatura only      : {baseline:8.1f} articles/s ({n_pages:,} pages, in process)")
    rates = {}
    for workers in (1, 2):
        result = run_batch(dump, workdir, workers, f"w{workers}")
        rates[workers] = result["rate"]
        report(
            f"claims batch, {workers} worker{'s' if workers > 1 else ' '}: {result['rate']:8.1f} articles/s "
            f"({n_pages:,} pages in {result['seconds']:,.0f} s, start-up included; {result['errors']:.0f} errors)"
        )
        report(
            f"  ratio: trafilatura alone is {baseline / result['rate']:.1f}x faster; "
            f"{result['rate'] / workers:.1f} articles/s per worker (aim: >= 100)"
        )
    report(
        f"speed-up 2 workers / 1 : {rates[2] / rates[1]:.2f}x (aim: >= 1.8x on 2 free cores; "
        f"other load on the machine lowers it)"
    )
    for n in sorted({min(1000, written), written}):
        dump_n = head(big, workdir / f"dump-{n}-head.jsonl", n)
        result = run_batch(dump_n, workdir, 2, f"rss{n}")
        report(
            f"memory, {n:>6,} articles, 2 workers: peak RSS of driver + workers {result['tree_mib']:6.0f} MiB, "
            f"largest process {result['largest_mib']:6.0f} MiB ({result['rate']:.1f} articles/s)"
        )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report(
        f"getrusage max RSS: children {children:.0f} MiB, this process {own:.0f} MiB (holds the dump for trafilatura)"
    )


if __name__ == "__main__":
    main()
