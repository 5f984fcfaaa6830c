"""The development-set gate: real articles written by others (`../shared/corpus/dev`), read as
web pages through the whole pipeline and scored by the shared scorer, must stay at or above the
floors in `corpus/dev_baseline.json` — overall, per group (crypto, stock, tables) and for the
field agreements. Floors are raised with the score and never lowered: a change that costs
quality on real commentary fails here. The targets of issue #10 (F1 0.90, precision 0.92, every
group 0.85) are above today's floors; `python benchmarks/quality.py` prints where it stands."""

from __future__ import annotations

import importlib.util
import json

from sharedpaths import ROOT, require_shared


def _quality():
    spec = importlib.util.spec_from_file_location("benchmark_quality", ROOT / "benchmarks" / "quality.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# the lowest the overall floors of corpus/dev_baseline.json may go (today's floors): a change may
# raise them with the score, but lowering one below this fails even where the dev set is absent
ACCEPTANCE = {"precision": 0.8, "recall": 0.78, "f1": 0.79}


def test_the_dev_floors_are_not_below_the_acceptance_levels():
    floors = json.loads((ROOT / "corpus" / "dev_baseline.json").read_text(encoding="utf-8"))
    for key, minimum in ACCEPTANCE.items():
        assert floors["all"][key] >= minimum, f"corpus/dev_baseline.json lowers {key} below {minimum}"
    for group, group_floors in floors["groups"].items():
        assert set(group_floors) == {"precision", "recall", "f1"}, f"{group}: a floor is missing"


def test_dev_set_meets_its_floors():
    dev = require_shared("corpus", "dev")
    floors = json.loads((ROOT / "corpus" / "dev_baseline.json").read_text(encoding="utf-8"))
    result = _quality().score_dev(dev)
    assert result["all"]["docs"] == 56
    low = {}
    for key in ("precision", "recall", "f1"):
        if result["all"][key] < floors["all"][key]:
            low[f"all.{key}"] = (round(result["all"][key], 3), floors["all"][key])
    for group, group_floors in floors["groups"].items():
        for key, floor in group_floors.items():
            if result["groups"][group][key] < floor:
                low[f"{group}.{key}"] = (round(result["groups"][group][key], 3), floor)
    for field, floor in floors["fields"].items():
        rate = result["all"]["fields"][field]["rate"]
        if rate < floor:
            low[f"field.{field}"] = (round(rate, 3), floor)
    assert not low, f"below the dev-set floors (score, floor): {low}"
