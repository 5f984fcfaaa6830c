"""The claim ids of the corpus do not move: every claim `process_article` finds in
`corpus/articles` (its id hashes the metric, subject, value, unit, as-of and qualifiers) against
the stored list `corpus/claim_ids.txt`, so a speed-up or refactor that changes a result fails here.

A rule change that is meant to change results regenerates the list (then review `git diff`):

    python tests/test_corpus_claim_ids.py --write
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IDS = ROOT / "corpus" / "claim_ids.txt"


def corpus_claim_ids() -> list[str]:
    """One line per claim: `<article file> <claim id> <metric> <subject>`, in corpus order."""
    from extractor import process_article

    lines = []
    for page in sorted((ROOT / "corpus" / "articles").glob("*.html")):
        article = process_article(page.read_bytes(), path=f"corpus/articles/{page.name}")
        lines += [f"{page.name} {c.claim_id} {c.metric} {c.subject}" for c in article.claims]
    return lines


def test_corpus_claim_ids_are_the_stored_ones():
    stored = IDS.read_text(encoding="utf-8").splitlines()
    found = corpus_claim_ids()
    missing = [line for line in stored if line not in found]
    extra = [line for line in found if line not in stored]
    assert not missing and not extra, (
        f"the corpus claims moved (regenerate with `python tests/test_corpus_claim_ids.py --write` "
        f"if meant):\nmissing {missing}\nextra {extra}"
    )
    assert found == stored, "same claims, another order"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    IDS.write_text("".join(line + "\n" for line in corpus_claim_ids()), encoding="utf-8")
    print(f"wrote {IDS}")
