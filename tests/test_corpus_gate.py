"""The corpus gate: the project's own articles (`corpus/articles`) against their expected claims
(`corpus/expected`), scored by the shared scorer, must stay at or above the floors in
`corpus/baseline.json`. Floors may be raised with the score; they may never drop below the
acceptance level written here, so a regression cannot be hidden by editing the baseline."""

from __future__ import annotations

import json

from sharedpaths import ROOT, load_tool

from extractor import process_article

ACCEPTANCE = {"f1": 0.95}


def test_corpus_meets_its_floors(tmp_path):
    scorer = load_tool("score_claims")
    baseline = json.loads((ROOT / "corpus" / "baseline.json").read_text(encoding="utf-8"))
    for key, minimum in ACCEPTANCE.items():
        assert baseline[key] >= minimum, (
            f"corpus/baseline.json lowers {key} below the acceptance level {minimum}"
        )
    pred = tmp_path / "pred.jsonl"
    with pred.open("w", encoding="utf-8") as out:
        for page in sorted((ROOT / "corpus" / "articles").glob("*.html")):
            article = process_article(page.read_bytes(), path=f"corpus/articles/{page.name}")
            for claim in article.claims:
                out.write(json.dumps(claim.to_record()) + "\n")
    result = scorer.score(scorer.load_gold(ROOT / "corpus" / "expected"), scorer.load_preds(pred))
    assert result["docs"] >= 15
    low = {k: (result[k], baseline[k]) for k in ("precision", "recall", "f1") if result[k] < baseline[k]}
    assert not low, (
        f"below the corpus floors (score, floor): {low}\nmisses {result['misses']}\nextras {result['extras']}"
    )
