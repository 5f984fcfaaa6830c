"""How large a figure can be and still be market data: the plausible magnitude per unit.

    implausible(value, unit) -> reason | None

No price, flow, volume or market value reaches 1e15 in any currency unit a market quotes (the
whole world's equity market is about 1e14 US dollars); no percentage change reaches a million
percent; no index is quoted at ten million points. A figure beyond these is a typo, a test or an
attack ("a price of 1e299 USD", "a change of 1e40 %"): the pipeline does not make it a claim.
The magnitudes are data: `max_abs` of the units and unit kinds in `models/metrics.toml`.
"""

from __future__ import annotations

import math

from extractor.metrics import max_abs


def implausible(value: float | None, unit: str) -> str | None:
    """Why `value` (in `unit`) cannot be a market figure, or None when it can."""
    if value is None:
        return None
    if not math.isfinite(value):
        return f"{value} is not a finite number"
    limit = max_abs(unit)
    if abs(value) > limit:
        return f"{value:g} {unit} is beyond the plausible ±{limit:g}"
    return None
