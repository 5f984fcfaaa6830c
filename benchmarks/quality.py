"""Extraction quality: precision, recall and F1 per metric and per group of articles, and the
agreement of the other fields, on the project corpus, the seed articles and the development set.

    python benchmarks/quality.py [--show 20] [--json]

The development set (`../shared/corpus/dev`, real articles written by others) is read the way
users feed it: each document becomes a web page (paragraphs as <p>, its publication date in
`article:published_time`) and goes through the whole pipeline. Groups are the file prefixes:
crypto (`crypto-*`, `dev-crypto-*`), stock (`stock-*`, `dev-stock-*`) and tables (`dev-other-*`:
ETF-flow tables and lists). Scores come from the shared scorer (`../shared/tools/score_claims.py`).
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from extractor import process_article

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GROUPS = {"crypto": ("crypto-", "dev-crypto-"), "stock": ("stock-", "dev-stock-"), "tables": ("dev-other-",)}


def load_scorer(shared: Path = SHARED) -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_claims", shared / "tools" / "score_claims.py")
    assert spec and spec.loader, f"no scorer in {shared}/tools"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def as_web_page(doc_text: str, published: str | None) -> str:
    """A dev document (line 1 the title, then the body) as the web page a crawler would fetch."""
    lines = doc_text.splitlines()
    meta = f'<meta property="article:published_time" content="{html.escape(published)}">' if published else ""
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines[1:] if line.strip())
    title = html.escape(lines[0] if lines else "")
    return f"<html><head><title>{title}</title>{meta}</head><body><article><h1>{title}</h1>{body}</article></body></html>"


def dev_predictions(dev: Path) -> tuple[dict, list[dict]]:
    """(gold by document, predicted claim records) for the development set."""
    scorer = load_scorer(dev.parents[1])
    gold = scorer.load_gold(dev / "gold")
    records = []
    for doc_id, entry in sorted(gold.items()):
        text = (dev / "docs" / entry["doc"]).read_text(encoding="utf-8")
        page = as_web_page(text, entry.get("published"))
        article = process_article(page.encode("utf-8"), path=f"{doc_id}.html", content_type="html")
        records += [claim.to_record() for claim in article.claims]
    return gold, records


def group_of(doc_id: str) -> str:
    return next((g for g, prefixes in GROUPS.items() if doc_id.startswith(prefixes)), "other")


def score_dev(dev: Path = SHARED / "corpus" / "dev") -> dict:
    """The whole dev set's score and each group's, as the shared scorer reports them."""
    scorer = load_scorer(dev.parents[1])
    gold, records = dev_predictions(dev)
    result = {"all": scorer.score(gold, records), "groups": {}}
    for group in GROUPS:
        docs = {d: g for d, g in gold.items() if group_of(d) == group}
        preds = [r for r in records if scorer.claim_doc(r) in docs]
        result["groups"][group] = scorer.score(docs, preds)
    return result


def score_corpus() -> dict:
    scorer = load_scorer()
    records = []
    for page in sorted((ROOT / "corpus" / "articles").glob("*.html")):
        article = process_article(page.read_bytes(), path=f"corpus/articles/{page.name}")
        records += [c.to_record() for c in article.claims]
    return scorer.score(scorer.load_gold(ROOT / "corpus" / "expected"), records)


def score_seeds() -> dict:
    scorer = load_scorer()
    gold = scorer.load_gold(SHARED / "corpus" / "gold")
    records = []
    for entry in gold.values():
        page = SHARED / "corpus" / "seeds" / entry["doc"]
        article = process_article(page.read_bytes(), path=page.name, published=entry.get("published"))
        records += [c.to_record() for c in article.claims]
    return scorer.score(gold, records)


def summary(name: str, result: dict) -> str:
    return f"{name:14} P {result['precision']:.3f}  R {result['recall']:.3f}  F1 {result['f1']:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--show", type=int, default=0, help="list this many misses and extras of the dev set")
    parser.add_argument("--json", action="store_true", help="print every score as JSON")
    args = parser.parse_args()
    if not (SHARED / "corpus" / "dev").is_dir():
        print(f"{SHARED} is absent: only the project corpus is scored", file=sys.stderr)
        print(summary("corpus", score_corpus()))
        return 0
    dev, corpus, seeds = score_dev(), score_corpus(), score_seeds()
    if args.json:
        print(json.dumps({"dev": dev, "corpus": corpus, "seeds": seeds}, indent=2))
        return 0
    print(summary("corpus", corpus))
    print(summary("seeds", seeds))
    print(summary("dev (all)", dev["all"]))
    for group, result in dev["groups"].items():
        print(summary(f"  dev {group}", result))
    print("\ndev set per metric            tp   fp   fn")
    for metric, row in dev["all"]["per_metric"].items():
        print(f"  {metric:26} {row['tp']:4} {row['fp']:4} {row['fn']:4}")
    print("\ndev set field agreement on matched claims")
    for field, row in dev["all"]["fields"].items():
        print(f"  {field:26} {row['agree']:4}/{row['of']:<4} {row['rate']:.2f}")
    for title, rows in (("missed", dev["all"]["misses"]), ("extra", dev["all"]["extras"])):
        for row in rows[: args.show]:
            print(f"  {title}: {row}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
