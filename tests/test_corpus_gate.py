"""The corpus gate: the project's own articles (`corpus/articles`) against their expected claims
(`corpus/expected`), scored by the shared scorer, must stay at or above the floors in
`corpus/baseline.json`. Floors may be raised with the score; they may never drop below the
acceptance level written here, so a regression cannot be hidden by editing the baseline."""

from __future__ import annotations

import json

from sharedpaths import ROOT, load_tool

from extractor import process_article

# the lowest the floors of corpus/baseline.json may go, for each of the three scores
ACCEPTANCE = {"precision": 0.95, "recall": 0.95, "f1": 0.95}
BASELINE = ROOT / "corpus" / "baseline.json"


def test_the_corpus_floors_are_not_below_the_acceptance_levels():
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    for key, minimum in ACCEPTANCE.items():
        assert key in baseline, f"corpus/baseline.json has no {key} floor"
        assert baseline[key] >= minimum, (
            f"corpus/baseline.json lowers {key} below the acceptance level {minimum}"
        )


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
    low = {k: (result[k], baseline[k]) for k in ACCEPTANCE if result[k] < baseline[k]}
    assert not low, (
        f"below the corpus floors (score, floor): {low}\nmisses {result['misses']}\nextras {result['extras']}"
    )
