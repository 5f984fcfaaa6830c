"""The acceptance gate on the two real seed articles: `claims extract` scored by the shared scorer."""

from __future__ import annotations

import json
import subprocess
import sys

from sharedpaths import ROOT, load_tool, require_shared

FLOORS = {"f1": 0.95, "as_of": 0.9, "q.basis": 0.9, "q.aggregate": 0.9, "q.level": 0.9, "attributed_to": 0.85}


def test_seed_articles_meet_the_floors(tmp_path):
    gold_dir = require_shared("corpus", "gold")
    seeds = require_shared("corpus", "seeds")
    scorer = load_tool("score_claims")
    pred = tmp_path / "pred.jsonl"
    with pred.open("w", encoding="utf-8") as out:
        for gold_file in sorted(gold_dir.glob("*.json")):
            gold = json.loads(gold_file.read_text(encoding="utf-8"))
            run = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "extractor",
                    "extract",
                    str(seeds / gold["doc"]),
                    "--published",
                    gold["published"],
                ],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=False,
            )
            assert run.returncode == 0, run.stderr
            out.write(run.stdout)
    result = scorer.score(scorer.load_gold(gold_dir), scorer.load_preds(pred))
    rates = {"f1": result["f1"], **{k: v["rate"] for k, v in result["fields"].items()}}
    low = {k: (rates.get(k), floor) for k, floor in FLOORS.items() if rates.get(k, 0.0) < floor}
    assert not low, (
        f"below the floor (rate, floor): {low}; misses {result['misses']}; extras {result['extras']}"
    )
