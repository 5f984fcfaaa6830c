"""The metric registry (`models/metrics.toml`) is the one place a metric is described: every row is
consistent, the claim schema and verify's tolerances name exactly its metrics, and no metric is
in it without the patterns that find it and the example sentences that show it found
(`tests/examples/*.jsonl`, read as `tests/test_examples.py` reads them)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from extractor.errors import RuleModelError
from extractor.metrics import (
    max_abs,
    metric_names,
    metric_row,
    read_registry,
    registry,
    registry_problems,
    unit_kind,
)
from extractor.rules import models_dir
from extractor.schemas import METRICS, SUBJECT_TYPES
from extractor.verify.tolerances import Tolerances

EXAMPLES = Path(__file__).parent / "examples"
# the qualifier keys of the claim contract (../shared/spec/CLAIMS.md, "Metric vocabulary")
CONTRACT_QUALIFIERS = {
    "basis",
    "aggregate",
    "since",
    "session",
    "level",
    "venue",
    "direction",
    "timeframe",
    "counterpart",
    "tenor",
}


def _pattern_labels() -> dict[str, set[str]]:
    """Pattern file name (`metrics`, `levels`, …) -> the labels its patterns carry."""
    out: dict[str, set[str]] = {}
    for file in sorted((models_dir() / "patterns").glob("*.jsonl")):
        rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
        out[file.stem] = {row["label"] for row in rows}
    return out


def _example_metrics() -> dict[str, list[str]]:
    """Metric -> ids of the example rows (not known gaps) that expect a claim of it."""
    out: dict[str, list[str]] = {}
    for file in sorted(EXAMPLES.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("xfail"):
                continue
            for claim in row["claims"]:
                out.setdefault(claim["metric"], []).append(row["id"])
    return out


def test_the_schema_and_the_registry_name_the_same_metrics_in_the_same_order():
    assert METRICS == metric_names()


def test_tolerances_have_one_field_per_metric_defaulting_to_the_registry():
    fields = {(f.alias or name): f for name, f in Tolerances.model_fields.items()}
    assert set(fields) == set(metric_names())
    defaults = Tolerances().model_dump(by_alias=True)
    for name in metric_names():
        assert defaults[name] == metric_row(name).tolerance, name
        assert fields[name].description == metric_row(name).tolerance_note, name


def test_the_shipped_registry_is_consistent():
    assert registry_problems(registry()) == []


@pytest.mark.parametrize("name", METRICS)
def test_a_metric_row_is_consistent(name):
    row = metric_row(name)
    reg = registry()
    assert row.change_of is None or (row.change_of in reg.metrics and row.change_of != name)
    assert row.units and set(row.units) <= set(reg.kinds), (
        f"unknown unit kinds {set(row.units) - set(reg.kinds)}"
    )
    assert row.subject_types and set(row.subject_types) <= set(SUBJECT_TYPES)
    assert set(row.qualifiers) <= CONTRACT_QUALIFIERS, set(row.qualifiers) - CONTRACT_QUALIFIERS
    low, high = row.range
    assert low < high
    assert 0 <= row.tolerance <= 10
    if row.change_of is not None:
        assert row.signed, "a change is signed: a fall is negative"
        assert row.family == metric_row(row.change_of).family
    if row.drop_out_of_range:
        assert math.isfinite(low) and math.isfinite(high)


@pytest.mark.parametrize("name", METRICS)
def test_every_metric_has_patterns(name):
    labels = _pattern_labels()
    row = metric_row(name)
    assert row.family in labels["metrics"], (
        f"no pattern in patterns/metrics.jsonl has the label {row.family!r}"
    )
    assert row.cues, f"{name}: no cues"
    for cue in row.cues:
        file, _, label = cue.partition(":")
        assert file in labels, f"{name}: cue {cue!r} names no file of models/patterns"
        assert labels[file], f"{name}: patterns/{file}.jsonl is empty"
        assert not label or label in labels[file], (
            f"{name}: no pattern of patterns/{file}.jsonl has the label {label!r}"
        )


@pytest.mark.parametrize("name", METRICS)
def test_every_metric_has_example_rows(name):
    examples = _example_metrics()
    assert examples.get(name), (
        f"no row of tests/examples/*.jsonl (other than a known gap) expects a {name} claim: "
        "a metric lands with sentences that show it found"
    )


def test_unit_kinds_and_magnitudes():
    assert [
        unit_kind(u) for u in ("percent", "pp", "bp", "USD", "EUR", "BTC", "shares", "points", "number")
    ] == [
        "ratio",
        "ratio",
        "ratio",
        "money",
        "money",
        "coins",
        "shares",
        "points",
        "number",
    ]
    # the plausible magnitude of a figure (extractor.plausible): named units, then the kind's
    assert (max_abs("percent"), max_abs("pp"), max_abs("points"), max_abs("USD"), max_abs("BTC")) == (
        1e6,
        1e4,
        1e7,
        1e15,
        1e15,
    )


def test_ranges_say_what_is_dropped_and_what_is_impossible():
    assert metric_row("rsi").drops(101, "number") and not metric_row("rsi").drops(100, "number")
    assert metric_row("correlation").drops(-1.2, "number")
    # a dominance of 104 % is kept as written, and verify calls it impossible
    assert not metric_row("dominance").drops(104, "percent") and metric_row("dominance").out_of_range(
        104, "percent"
    )
    assert not metric_row("dominance").out_of_range(104, "bp")
    assert not metric_row("price").out_of_range(1e12, "USD")


def _broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    copy = tmp_path / "metrics.toml"
    shutil.copy(models_dir() / "metrics.toml", copy)
    text = copy.read_text(encoding="utf-8")
    assert old in text
    copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ('change_of = "price"', 'change_of = "prize"', "change_of 'prize' is not a metric"),
        (
            'units = ["ratio", "shares", "money"]',
            'units = ["ratio", "shares", "dollars"]',
            "unknown unit kind 'dollars'",
        ),
        (
            'range = [0, 100]\nrange_note = "RSI',
            'range = [100, 0]\nrange_note = "RSI',
            "range 100..0 is empty",
        ),
        ('subject_types = ["etf"]', 'subject_types = ["fund"]', "unknown subject type 'fund'"),
        ("tolerance = 0.005", "tolerance = -1", "greater than or equal to 0"),
        ("[metric.yield]", "[metrics.yield]", "unknown table 'metrics'"),
        (
            '[metric.dominance]\nlabel = "dominance"\n',
            "[metric.dominance]\n",
            "dominance.label: Field required",
        ),
    ],
)
def test_an_inconsistent_registry_is_refused_with_the_file_and_the_reason(tmp_path, old, new, reason):
    broken = _broken_copy(tmp_path, old, new)
    with pytest.raises(RuleModelError, match="metrics.toml") as caught:
        read_registry(broken)
    assert reason in str(caught.value)
