"""Speed of `extract` beside trafilatura alone on the same pages, in the same run, with the time
of each stage and the scores the results reach.

    python benchmarks/extract.py [--repeats 5] [--sets corpus,dev,web] [--no-scores] [FOLDER]

Page sets (each timed on its own):
- corpus: the project corpus (`corpus/articles`, or FOLDER)
- dev:    the development set (`../shared/corpus/dev`), each document wrapped as a web page the
          way `benchmarks/quality.py` scores it
- web:    the 181 general web pages of `../shared/external/article-extraction` (few figures)
- cli:    one page on the command line, each a fresh process (start-up included): the wall time
          of `claims --help` and `claims extract PAGE` beside the `trafilatura` command on the
          same page, and beside `trafilatura.bare_extraction` of that page in this process

For each set, each repeat times trafilatura alone and then the whole pipeline (scrape → clean →
repeated paragraphs → extract → assemble) over all its pages; the ratio of the two is taken per repeat, and
the medians of the rates and of the ratios are printed. Aims (issue #15): ≤ 2.0× on the corpus
and the dev set, ≤ 1.3× on the web pages. One more pass, with each stage wrapped in a timer,
prints the share of each stage (inclusive: a nested stage's time is also in its parent's), so
the next regression shows where it is. Last, the scores of the corpus, the seeds and the dev
set (the shared scorer, as `benchmarks/quality.py`), which a speed-up must leave unchanged.
The machine is small and noisy: read the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

from extractor import clean, pipeline, process_article, repeated_paragraphs
from extractor.errors import InputError
from extractor.extract import components, default_pipeline
from extractor.rules import RuleModel
from extractor.scrape import DATE_PARAMS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
WEB = SHARED / "external" / "article-extraction" / "html"
sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402 - the dev-set wrapping and the scores, from the sibling benchmark

AIMS = {"corpus": 2.0, "dev": 2.0, "web": 1.3}


def corpus_pages(folder: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(folder.glob("*.html"))]


def dev_pages(dev: Path = SHARED / "corpus" / "dev") -> list[bytes]:
    scorer = quality.load_scorer(dev.parents[1])
    gold = scorer.load_gold(dev / "gold")
    pages = []
    for _, entry in sorted(gold.items()):
        text = (dev / "docs" / entry["doc"]).read_text(encoding="utf-8")
        pages.append(quality.as_web_page(text, entry.get("published")).encode("utf-8"))
    return pages


def web_pages(folder: Path = WEB) -> list[bytes]:
    return [gzip.decompress(p.read_bytes()) for p in sorted(folder.glob("*.html.gz"))]


def trafilatura_only(page: bytes) -> None:
    trafilatura.bare_extraction(
        page.decode("utf-8", errors="replace"),
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=DATE_PARAMS,
    )


def whole_pipeline(page: bytes) -> None:
    try:
        process_article(page, content_type="html")
    except InputError:
        pass  # a page with no article text, or not in English: refused, as `claims` does


# --clock cpu: this process's CPU time, which other processes on a shared machine disturb much
# less than the wall clock (both stages run in this one thread, so their CPU times compare)
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def rate(
    fn: Callable[[bytes], None], pages: list[bytes], clock: Callable[[], float] = time.perf_counter
) -> float:
    start = clock()
    for page in pages:
        fn(page)
    return len(pages) / (clock() - start)


def timed_set(
    pages: list[bytes], repeats: int, clock: Callable[[], float] = time.perf_counter
) -> dict[str, float]:
    """Medians over the repeats of trafilatura's rate, the pipeline's rate and their ratio."""
    base, whole, ratios = [], [], []
    for _ in range(repeats):
        b, w = rate(trafilatura_only, pages, clock), rate(whole_pipeline, pages, clock)
        base.append(b)
        whole.append(w)
        ratios.append(b / w)
    return {
        "baseline": statistics.median(base),
        "pipeline": statistics.median(whole),
        "ratio": statistics.median(ratios),
    }


class StageTimer:
    """Wraps the stages of the pipeline (module attributes looked up at call time) in timers."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._restore: list[tuple[object, str, object]] = []

    def wrap(self, owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)
        seconds = self.seconds
        seconds.setdefault(label, 0.0)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - start

        self._restore.append((owner, name, original))
        setattr(owner, name, timed)

    def __enter__(self) -> StageTimer:
        nlp = default_pipeline()
        self.wrap(pipeline, "process_source", "whole pipeline")
        self.wrap(pipeline, "scrape", "scrape (trafilatura)")
        self.wrap(clean, "paragraphs", "clean")
        self.wrap(clean, "check_language", "language check")
        self.wrap(repeated_paragraphs, "remove_repeats", "repeated paragraphs")
        self.wrap(pipeline, "extract_claims", "extract")
        self.wrap(nlp, "tokenizer", "  tokenize (spaCy)")
        self.wrap(components, "mark_sentences", "  sentences")
        self.wrap(components, "build_sentences", "  sentence view")
        self.wrap(RuleModel, "match", "    matcher")
        self.wrap(components, "find_quantities", "    quantities")
        self.wrap(components, "find_dates", "  dates")
        self.wrap(components, "find_durations", "  durations")
        self.wrap(components, "link_sentence", "  link")
        self.wrap(components, "table_claims", "  tables")
        self.wrap(components, "merge_restatements", "  merge")
        self.wrap(pipeline, "assemble", "assemble")
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)


def wall_time(command: list[str], stdin: bytes = b"") -> float:
    start = time.perf_counter()
    subprocess.run(command, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def command_line(page: Path, repeats: int) -> dict[str, float]:
    """Medians (seconds) of one page through fresh processes: what a user waits for."""
    script = Path(sys.executable).with_name("trafilatura")  # the console script beside this Python
    trafilatura_cli = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from trafilatura.cli import main; main()"]
    )
    content = page.read_bytes()
    claims = [sys.executable, "-m", "extractor"]
    runs: dict[str, list[float]] = {"help": [], "extract": [], "trafilatura": [], "in_process": []}
    for _ in range(repeats):
        runs["help"].append(wall_time([*claims, "--help"]))
        runs["extract"].append(wall_time([*claims, "extract", str(page)]))
        runs["trafilatura"].append(wall_time(trafilatura_cli, stdin=content))
        start = time.perf_counter()
        trafilatura_only(content)
        runs["in_process"].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in runs.items()}


def print_command_line(page: Path, result: dict[str, float], repeats: int) -> None:
    print(f"cli: {page.name}, {repeats} repeats (medians, fresh processes, start-up included)")
    print(f"  claims --help             : {result['help']:6.2f} s")
    print(f"  claims extract PAGE       : {result['extract']:6.2f} s")
    print(f"  trafilatura < PAGE        : {result['trafilatura']:6.2f} s")
    print(f"  trafilatura, in process   : {1000 * result['in_process']:6.1f} ms (no start-up)")
    print(f"  extract / trafilatura CLI : {result['extract'] / result['trafilatura']:6.2f}x")


def stage_shares(pages: list[bytes]) -> dict[str, float]:
    with StageTimer() as timer:
        for page in pages:
            whole_pipeline(page)
    return timer.seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "corpus" / "articles")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sets", default="corpus,dev,web,cli", help="comma-separated: corpus, dev, web, cli")
    parser.add_argument(
        "--page",
        type=Path,
        default=ROOT / "corpus" / "articles" / "asia-open-gold-yen-morning-brief.html",
        help="the page of the cli set",
    )
    parser.add_argument("--no-scores", action="store_true", help="skip the scores (the speed only)")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="wall: elapsed time; cpu: this process's CPU time (steadier on a busy machine)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON at the end")
    args = parser.parse_args()
    loaders = {"corpus": lambda: corpus_pages(args.folder), "dev": dev_pages, "web": web_pages}
    default_pipeline()  # load the rule model once, outside the timing, as a long-running process does
    out: dict[str, object] = {}
    for name in args.sets.split(","):
        if name == "cli":
            cli = command_line(args.page, args.repeats)
            out[name] = cli
            print_command_line(args.page, cli, args.repeats)
            continue
        if name != "corpus" and not SHARED.is_dir():
            print(f"{name}: {SHARED} is absent, skipped")
            continue
        pages = loaders[name]()
        for page in pages:  # warm up: first-use caches (tokenizer, lexemes), as a long run has them
            whole_pipeline(page)
        result = timed_set(pages, args.repeats, CLOCKS[args.clock])
        shares = stage_shares(pages)
        out[name] = {**result, "pages": len(pages), "stages": shares}
        print(f"{name}: {len(pages)} pages, {args.repeats} repeats (medians, {args.clock} clock)")
        print(f"  trafilatura only : {result['baseline']:8.1f} articles/s")
        print(f"  claims extract   : {result['pipeline']:8.1f} articles/s")
        verdict = "ok" if result["ratio"] <= AIMS[name] else "over"
        print(
            f"  cost ratio       : {result['ratio']:8.2f}x trafilatura alone (aim: <= {AIMS[name]}x: {verdict})"
        )
        whole = shares["whole pipeline"] or 1.0
        print("  stages (ms per page, share of the whole pipeline; nested stages are inside their parents):")
        for label, seconds in shares.items():
            print(f"    {label:24} {1000 * seconds / len(pages):7.2f} ms {100 * seconds / whole:5.1f} %")
    if not args.no_scores:
        scores = {"corpus": quality.score_corpus()}
        if SHARED.is_dir():
            scores["seeds"] = quality.score_seeds()
            scores["dev"] = quality.score_dev()["all"]
        print("scores (must not move with a speed-up):")
        for name, result in scores.items():
            print(f"  {quality.summary(name, result)}  tp {result['tp']} fp {result['fp']} fn {result['fn']}")
        out["scores"] = {
            k: {f: v[f] for f in ("precision", "recall", "f1", "tp", "fp", "fn")} for k, v in scores.items()
        }
    if args.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
