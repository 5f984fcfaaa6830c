"""The errors market-claims raises on purpose, each naming the input and the reason.

Commands print `str(error)` as one line on stderr (no traceback); the batch runner writes
`error.as_record()` to its errors file and goes on.
"""

from __future__ import annotations


class MarketClaimsError(Exception):
    """Base class: every error the package raises on purpose."""


class InputError(MarketClaimsError):
    """An input that cannot be processed: missing, empty, binary, unreachable, no article text,
    not English, too large. `input` names it as the user gave it; `reason` says why."""

    def __init__(self, input: str, reason: str) -> None:
        super().__init__(f"{input}: {reason}")
        self.input = input
        self.reason = reason

    def as_record(self) -> dict[str, str]:
        return {"input": self.input, "reason": self.reason}


class RuleModelError(MarketClaimsError):
    """A broken file in the rule model (`models/`): names the file, the line and the problem."""


class SinkError(MarketClaimsError):
    """A sink (file or database) that cannot be opened or written."""
