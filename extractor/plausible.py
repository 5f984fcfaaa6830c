"""How large a figure can be and still be market data: the plausible magnitude per unit.

    implausible(value, unit) -> reason | None

No price, flow, volume or market value reaches 1e15 in any currency unit a market quotes (the
whole world's equity market is about 1e14 US dollars); no percentage change reaches a million
percent; no index is quoted at ten million points. A figure beyond these is a typo, a test or an
attack ("a price of 1e299 USD", "a change of 1e40 %"): the pipeline does not make it a claim.
"""

from __future__ import annotations

import math

MAX_ABS = {"percent": 1e6, "pp": 1e4, "bp": 1e8, "points": 1e7, "shares": 1e13, "ratio": 1e6}
DEFAULT_MAX_ABS = 1e15  # money (USD, EUR, BTC …) and counts


def implausible(value: float | None, unit: str) -> str | None:
    """Why `value` (in `unit`) cannot be a market figure, or None when it can."""
    if value is None:
        return None
    if not math.isfinite(value):
        return f"{value} is not a finite number"
    limit = MAX_ABS.get(unit, DEFAULT_MAX_ABS)
    if abs(value) > limit:
        return f"{value:g} {unit} is beyond the plausible ±{limit:g}"
    return None
