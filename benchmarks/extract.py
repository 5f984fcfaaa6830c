"""Speed of `extract` on the corpus beside trafilatura alone on the same pages, in the same run.

    python benchmarks/extract.py [--repeats 5] [FOLDER]

Prints articles/second for trafilatura-only extraction (the baseline) and for the whole
pipeline (scrape → clean → dedup → extract → assemble), medians of the repeats, and their ratio.
The machine is small and noisy: read the ratio, not the absolute figures.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import trafilatura

from extractor import process_article
from extractor.extract import default_pipeline
from extractor.scrape import DATE_PARAMS

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, pages: list[bytes], repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for page in pages:
            fn(page)
        rates.append(len(pages) / (time.perf_counter() - start))
    return statistics.median(rates)


def trafilatura_only(page: bytes) -> None:
    trafilatura.bare_extraction(
        page.decode("utf-8"),
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=DATE_PARAMS,
    )


def whole_pipeline(page: bytes) -> None:
    process_article(page, kind="html")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "corpus" / "articles")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    pages = [p.read_bytes() for p in sorted(args.folder.glob("*.html"))]
    default_pipeline()  # load the rule model once, outside the timing, as a long-running process does
    whole_pipeline(pages[0])
    baseline = timed(trafilatura_only, pages, args.repeats)
    pipeline = timed(whole_pipeline, pages, args.repeats)
    print(f"pages: {len(pages)} from {args.folder}, repeats: {args.repeats} (medians)")
    print(f"trafilatura only : {baseline:8.1f} articles/s")
    print(f"claims extract   : {pipeline:8.1f} articles/s")
    print(f"cost ratio       : {baseline / pipeline:8.2f}x trafilatura alone (aim: <= 2x)")


if __name__ == "__main__":
    main()
