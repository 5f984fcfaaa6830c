"""How far apart two figures may be and still agree: one relative tolerance per metric.

In: nothing (defaults), or overrides such as `{"price": 0.01}` / `["price=0.01"]` from the command line.
Out: a `Tolerances` model; `tolerances.agree(metric, stated, reference)` says whether two values agree.

Every tolerance is a fraction of the larger of the two magnitudes (`0.005` = 0.5 %). A figure
written as a percentage or a plain number (a change, short interest, RSI) is also allowed half a
unit of its last written decimal on top ("8%" covers 7.5–8.5, "0.59%" covers 0.585–0.595), so a
rounded figure never counts as a contradiction. The defaults (and which units are rounded) are
data: `tolerance` of each metric and `rounded` of each unit in `models/metrics.toml`.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from extractor.errors import InputError
from extractor.metrics import metric_row, registry

ROUNDED_UNITS = {name for name, unit in registry().units.items() if unit.rounded}


def _tol(metric: str, alias: str | None = None) -> float:
    """The tolerance field of `metric`: its registry default and note, a fraction between 0 and 10 (1000 %)."""
    row = metric_row(metric)
    return Field(default=row.tolerance, ge=0, le=10, alias=alias, description=row.tolerance_note)  # type: ignore[no-any-return]


class Tolerances(BaseModel):
    """Relative tolerance per metric (fraction of the larger value); see the module docstring.
    One field per metric of the registry (`tests/test_metric_registry.py` checks they agree)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    # levels: data providers differ by up to ~0.2 % on crypto aggregates, ~0.6 % on a single exchange
    price: float = _tol("price")
    price_level: float = _tol("price_level")
    volume: float = _tol("volume")
    market_cap: float = _tol("market_cap")
    fund_flow: float = _tol("fund_flow")
    exchange_netflow: float = _tol("exchange_netflow")
    open_interest: float = _tol("open_interest")
    # changes: the stated change against the one implied by two stated levels
    price_change: float = _tol("price_change")
    volume_change: float = _tol("volume_change")
    market_cap_change: float = _tol("market_cap_change")
    short_interest: float = _tol("short_interest")
    short_interest_change: float = _tol("short_interest_change")
    # indicators
    funding_rate: float = _tol("funding_rate")
    dominance: float = _tol("dominance")
    rsi: float = _tol("rsi")
    correlation: float = _tol("correlation")
    yield_: float = _tol("yield", alias="yield")

    def of(self, metric: str) -> float:
        """The tolerance of `metric` (a metric of the claim vocabulary)."""
        return float(getattr(self, "yield_" if metric == "yield" else metric))

    def agree(self, metric: str, unit: str, stated: float, reference: float) -> bool:
        """Whether `stated` agrees with `reference` within the metric's tolerance (plus rounding)."""
        return abs(stated - reference) <= self.allowance(metric, unit, stated, reference)

    def allowance(self, metric: str, unit: str, stated: float, reference: float) -> float:
        """The largest difference that still counts as agreement between `stated` and `reference`."""
        allowed = self.of(metric) * max(abs(stated), abs(reference))
        return allowed + (rounding(stated) if unit in ROUNDED_UNITS else 0.0)

    def with_overrides(self, overrides: dict[str, float]) -> Tolerances:
        """A copy with some tolerances replaced; `InputError` for an unknown metric or a bad value."""
        data = self.model_dump(by_alias=True)
        for metric, value in overrides.items():
            if metric not in data:
                raise InputError(
                    "--tolerance", f"unknown metric {metric!r}; one of {', '.join(sorted(data))}"
                )
            data[metric] = value
        try:
            return Tolerances.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InputError("--tolerance", f"{first['loc'][0]}: {first['msg']}") from None


def rounding(value: float) -> float:
    """Half a unit of the last decimal `value` is written with: 8 → 0.5, 1.2 → 0.05, 0.59 → 0.005."""
    text = f"{abs(value):.6f}".rstrip("0")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0**-decimals


def parse_overrides(items: Iterable[str]) -> dict[str, float]:
    """`["price=0.01", "rsi=0.1"]` → `{"price": 0.01, "rsi": 0.1}`; `InputError` for a malformed item."""
    out: dict[str, float] = {}
    for item in items:
        metric, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[metric.strip()] = float(value)
        except ValueError:
            raise InputError("--tolerance", f"{item!r} is not METRIC=VALUE (e.g. price=0.01)") from None
    return out


def tolerances(overrides: Iterable[str] | dict[str, float] | None = None) -> Tolerances:
    """The default tolerances with `overrides` applied."""
    if not overrides:
        return Tolerances()
    values = overrides if isinstance(overrides, dict) else parse_overrides(overrides)
    return Tolerances().with_overrides(values)
