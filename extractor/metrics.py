"""The metric registry: what each metric of the claim vocabulary accepts, read from `models/metrics.toml`.

In: the registry file of the rule model (`models/metrics.toml`; its header explains every key).
Out: a `Registry` of typed rows, read once (`registry()`), and lookups the extract, normalize and
verify stages share: `metric_row("rsi")` (units, change-of, signed, windowed, subject types,
qualifiers, plausible range, verify tolerance), `unit_kind("EUR")` -> "money", `max_abs("percent")`.

`schemas.Metric` is a `Literal` for mypy; `tests/test_metric_registry.py` checks that it names
exactly the registry's metrics, in the same order.
"""

from __future__ import annotations

import math
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from extractor.errors import RuleModelError
from extractor.normalize.quantities import is_money
from extractor.rules import models_dir
from extractor.schemas import SUBJECT_TYPES

REGISTRY_FILE = "metrics.toml"


class UnitKind(BaseModel):
    """A kind of unit a metric accepts (`ratio`, `money`, `coins`, `shares`, `points`, `number`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    what: str
    max_abs: float | None = None  # for the units of this kind not listed under `[unit.*]`


class Unit(BaseModel):
    """A unit of `Claim.unit` with a fixed name (percent, pp, bp, points, shares, number)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    max_abs: float = Field(gt=0)
    rounded: bool = False  # written with its decimals: verify allows half of the last one


class MetricRow(BaseModel):
    """One metric of the vocabulary and what it accepts (keys explained in `models/metrics.toml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    label: str
    family: str
    cues: tuple[str, ...]
    units: tuple[str, ...]
    change_of: str | None = None
    signed: bool
    windowed: bool
    instant: bool  # moves all day: a date alone does not say which moment a value is of
    subject_types: tuple[str, ...]
    qualifiers: tuple[str, ...]
    range: tuple[float, float]
    range_unit: str | None = None  # the unit the range is stated in; None: any unit of the metric
    range_note: str | None = None  # why a value outside the range cannot be (verify's reason)
    drop_out_of_range: bool = False  # the extractor makes no claim of a figure outside the range
    # which credit for one figure of this family holds for the next figures of it the article
    # states without one: "any" ("…, CoinShares said. Ether products drew $X") or only a data
    # provider's ("data": "according to CoinGecko" carries to the next price; an analyst who "said"
    # something about one price does not speak for the next)
    carries_source: Literal["any", "data"] = "any"
    tolerance: float = Field(ge=0, le=10)
    tolerance_note: str

    @property
    def bounded(self) -> bool:
        """Whether both ends of the range are finite (an indicator's scale: RSI 0-100)."""
        return all(math.isfinite(end) for end in self.range)

    def out_of_range(self, value: float, unit: str) -> bool:
        """Whether `value` (in `unit`) lies outside a bounded range stated for that unit."""
        if not self.bounded or self.range_unit not in (None, unit):
            return False
        low, high = self.range
        return not low <= value <= high

    def drops(self, value: float, unit: str) -> bool:
        """Whether the extractor makes no claim of this metric of `value`: outside a range that says so."""
        return self.drop_out_of_range and self.out_of_range(value, unit)


class Registry(BaseModel):
    """Every row of `models/metrics.toml`: unit kinds, named units and metrics, in file order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: dict[str, UnitKind]
    units: dict[str, Unit]
    metrics: dict[str, MetricRow]

    def family_units(self) -> dict[str, frozenset[str]]:
        """The unit kinds the metric words of each family can state (the union over its metrics):
        "price" -> money, points, number (a level) and ratio (a percent move)."""
        out: dict[str, set[str]] = {}
        for row in self.metrics.values():
            out.setdefault(row.family, set()).update(row.units)
        return {family: frozenset(kinds) for family, kinds in out.items()}

    def change_metric(self, base: str) -> str | None:
        """The metric that is a change of `base` ("volume" -> "volume_change"), or None."""
        return next((row.name for row in self.metrics.values() if row.change_of == base), None)


def read_registry(path: Path) -> Registry:
    """Read and check a registry file; `RuleModelError` naming the file for a bad or inconsistent one."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleModelError(f"{path}: cannot read the metric registry ({exc})") from None
    unknown = sorted(set(data) - {"kind", "unit", "metric"})
    if unknown:
        raise RuleModelError(f"{path}: unknown table {unknown[0]!r} (expected kind, unit and metric)")
    try:
        registry = Registry.model_validate(
            {
                "kinds": data.get("kind", {}),
                "units": data.get("unit", {}),
                "metrics": {name: {**row, "name": name} for name, row in data.get("metric", {}).items()},
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RuleModelError(f"{path}: {where}: {first['msg']}") from None
    problems = registry_problems(registry)
    if problems:
        raise RuleModelError(f"{path}: {problems[0]}")
    return registry


def registry_problems(registry: Registry) -> list[str]:
    """What is inconsistent in a registry (an empty list when nothing is): a change of a metric
    that does not exist, a unit kind or subject type that is not known, an empty range."""
    problems = []
    for name, unit in registry.units.items():
        if unit.kind not in registry.kinds:
            problems.append(f"unit {name}: unknown kind {unit.kind!r}")
    for name, row in registry.metrics.items():
        if row.change_of is not None and row.change_of not in registry.metrics:
            problems.append(f"metric {name}: change_of {row.change_of!r} is not a metric")
        if row.change_of == name:
            problems.append(f"metric {name}: a change of itself")
        for kind in row.units:
            if kind not in registry.kinds:
                problems.append(f"metric {name}: unknown unit kind {kind!r}")
        if not row.units:
            problems.append(f"metric {name}: accepts no unit")
        for stype in row.subject_types:
            if stype not in SUBJECT_TYPES:
                problems.append(f"metric {name}: unknown subject type {stype!r}")
        low, high = row.range
        if not low < high:
            problems.append(f"metric {name}: range {low:g}..{high:g} is empty")
        if row.range_unit is not None and row.range_unit not in registry.units:
            problems.append(f"metric {name}: range_unit {row.range_unit!r} is not a unit")
        if row.bounded and not row.range_note:
            problems.append(f"metric {name}: a bounded range needs a range_note")
        if row.drop_out_of_range and not row.bounded:
            problems.append(f"metric {name}: drop_out_of_range needs a closed range")
    return problems


@cache
def registry() -> Registry:
    """The registry of the rule model in use, read once."""
    return read_registry(models_dir() / REGISTRY_FILE)


def metric_row(metric: str) -> MetricRow:
    """The registry row of `metric`; `KeyError` for a name that is not a metric."""
    return registry().metrics[metric]


def metric_names() -> tuple[str, ...]:
    """The metrics of the registry, in file order."""
    return tuple(registry().metrics)


def unit_kind(unit: str) -> str:
    """The kind of a claim unit: a named unit's kind ("percent" -> "ratio"), "money" for an ISO 4217
    code, else "coins" (a crypto symbol)."""
    named = registry().units.get(unit)
    if named is not None:
        return named.kind
    return "money" if is_money(unit) else "coins"


def max_abs(unit: str) -> float:
    """The largest magnitude a market figure in `unit` can plausibly have."""
    named = registry().units.get(unit)
    if named is not None:
        return named.max_abs
    limit = registry().kinds[unit_kind(unit)].max_abs
    assert limit is not None, f"the registry gives no max_abs for the unit kind of {unit!r}"
    return limit
