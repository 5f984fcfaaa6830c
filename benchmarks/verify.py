"""How often `claims verify` decides, and how often it cries wolf, on real articles.

    python benchmarks/verify.py [--docs DIR] [--gold DIR] [--reference FILE] [--glob PATTERN ...] [--show]

Verifies every article of the real-article dev set (`../shared/corpus/dev`, publication dates
from its gold files) against real daily prices (`../shared/external/prices/daily.csv`) and
prints, per article group and in total: the claims checked, how many verify decided
(supported or contradicted), the contradicted share of the decided claims and of all checked
claims, and the verdict counts by check and strength. `--show` lists every contradiction with
its reason and sentence, for reading by hand (docs/verify.md keeps that reading).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_GLOBS = ("crypto-*.txt", "dev-crypto-*.txt")


@dataclass
class Tally:
    """Claims of a group of articles counted by their overall verdict, and verdicts by check."""

    articles: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    by_check: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    contradictions: list[tuple[str, object]] = field(default_factory=list)

    @property
    def decided(self) -> int:
        return self.counts["supported"] + self.counts["contradicted"]

    def contradicted_share(self) -> float:
        """Contradicted claims as a share of the claims checked (the acceptance figure of issue #11)."""
        return self.counts["contradicted"] / self.counts["claims"] if self.counts["claims"] else 0.0


def published_dates(gold: Path) -> dict[str, str]:
    """Publication date of each dev document, from its gold file (the .txt pages carry none)."""
    out = {}
    for path in sorted(gold.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out[data["doc"]] = data["published"]
    return out


def measure(docs: Path, gold: Path, reference: Path, globs: tuple[str, ...]) -> Tally:
    """The tally of every article of `docs` matching `globs`, verified against `reference`."""
    from extractor.pipeline import process_article
    from extractor.verify import load_references, verify_article

    refs = load_references([reference])
    published = published_dates(gold)
    tally = Tally()
    paths = sorted({p for pattern in globs for p in docs.glob(pattern)})
    for path in paths:
        article = process_article(
            path.read_bytes(), path=path.name, published=published.get(path.name), content_type="text"
        )
        report = verify_article(article, references=refs)
        tally.articles += 1
        tally.counts.update({k: v for k, v in report.counts.items()})
        for v in report.verdicts:
            tally.by_check[(v.check, v.verdict, v.strength or "-")] += 1
            if v.verdict == "contradicted":
                tally.contradictions.append((path.name, v))
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=Path, default=SHARED / "corpus" / "dev" / "docs")
    parser.add_argument("--gold", type=Path, default=SHARED / "corpus" / "dev" / "gold")
    parser.add_argument("--reference", type=Path, default=SHARED / "external" / "prices" / "daily.csv")
    parser.add_argument(
        "--glob", action="append", help=f"article file patterns (default: {' '.join(DEFAULT_GLOBS)})"
    )
    parser.add_argument(
        "--show", action="store_true", help="list every contradiction with its reason and sentence"
    )
    args = parser.parse_args()
    for path in (args.docs, args.gold, args.reference):
        if not path.exists():
            sys.exit(f"{path} is absent: this benchmark reads the shared dev set beside the project")
    globs = tuple(args.glob or DEFAULT_GLOBS)
    for pattern in globs:
        tally = measure(args.docs, args.gold, args.reference, (pattern,))
        report(pattern, tally, args.show)
    if len(globs) > 1:
        report(" + ".join(globs), measure(args.docs, args.gold, args.reference, globs), show=False)


def report(name: str, tally: Tally, show: bool) -> None:
    c = tally.counts
    claims = c["claims"] or 1
    print(f"== {name}: {tally.articles} articles, {c['claims']} claims checked")
    print(
        f"   decided      : {tally.decided:4d}  ({tally.decided / claims:6.1%} of checked)"
        f"   supported {c['supported']}, contradicted {c['contradicted']}, unverifiable {c['unverifiable']}"
    )
    decided_share = c["contradicted"] / tally.decided if tally.decided else 0.0
    print(
        f"   contradicted : {c['contradicted']:4d}  ({tally.contradicted_share():6.1%} of checked, "
        f"{decided_share:6.1%} of decided; aim: <= 5% of checked)"
    )
    print("   verdicts by check / verdict / strength:")
    for (check, verdict, strength), n in sorted(tally.by_check.items()):
        print(f"     {check:22s} {verdict:13s} {strength:10s} {n:4d}")
    if show:
        for doc, v in tally.contradictions:
            print(
                f"   ✗ {doc} [{v.check}, {v.strength or '-'}] {v.claim.metric} {v.claim.subject} "
                f"{v.claim.value:g} {v.claim.unit} as of {v.claim.as_of}: {v.reason}"
            )
            print(f"       “{v.claim.evidence.sentence.strip()}”")
    print()


if __name__ == "__main__":
    main()
